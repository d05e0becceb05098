/**
 * The front end decodes a block's records in a row without repositioning
 * iced-x86's Decoder for each (translator/frontend/blocks.ts decode,
 * `seqDecode`): it must still move the Decoder to a folded jump's target, and
 * a branch's displacement (target - next IP) must stay right though the
 * Decoder's IP runs on from the block's first instruction across folds.
 * Bytes a fold skips would change EAX if decoded in its place.
 */
import { expect } from 'chai';
import { runSnippet } from '../../src/snippet.js';
import { TEST_ENGINES } from '../helpers/engines.js';
import { hexBytes } from '../helpers/asm.js';
import { FrontEnd } from '../../translator/frontend/blocks.js';
import { Machine } from '../../src/machine.js';

/**
 * (org 0x1000) mov eax,1; jmp short +5 (over `mov eax,2`); l: add eax,3; jmp near m (over 12 x inc eax);
 * m: inc ecx; cmp ecx,3; jne l; hlt. EAX = 1 + 3 * 3, ECX = 3.
 */
const CODE = hexBytes('b801000000 eb05 b802000000', '83c003 e90c000000', '40'.repeat(12), '41 83f903 75e6 f4');

for (const engine of TEST_ENGINES) for (const seq of [false, true]) {
  describe(`decode in a row across folded jumps [${engine}, seqDecode ${seq}]`, () => {
    afterEach(() => { FrontEnd.seqDecodeDefault = false; });
    it('decodes a folded jump\'s target, not the bytes after the jump, and keeps branch displacements', () => {
      expect(CODE.length).to.equal(0x20 + 7);
      FrontEnd.seqDecodeDefault = seq;
      // Its own machine: the shared one's front end was made before the default was set.
      const machine = new Machine({ memoryMiB: 2, engine, jit: { threshold: 0 } });
      expect(machine.frontEnd.seqDecode).to.equal(seq);
      const r = runSnippet({ engine, code: CODE, machine });
      expect(r.stop).to.equal('hlt');
      expect(r.regs.eax).to.equal(10);
      expect(r.regs.ecx).to.equal(3);
      expect(r.instructions).to.equal(2 + 3 * 5 + 1);
    });
  });
}
