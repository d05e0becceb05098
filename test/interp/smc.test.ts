/**
 * Self-modifying code and precise invalidation: a store kills only the
 * decoded blocks whose bytes it changes, and a page whose code is rewritten
 * about as often as it runs is decoded one instruction per block (SMC mode)
 * until it calms down. Observed through the front end's counters.
 */
import { expect } from 'chai';
import { runSnippet } from '../../src/snippet.js';
import { Machine } from '../../src/machine.js';
import { TEST_ENGINES } from '../helpers/engines.js';
import { hexBytes } from '../helpers/asm.js';

/**
 * Real mode at 0x1000: mov al,1; mov bx,0x11fd; xor si,si; nop; then 250 x
 * `add [bx+si],al` (zeroed memory), each bumping the immediate of the
 * `mov dl,0` at 0x11fc ahead, inside the block being run; hlt. All of it
 * fits in one block, so every store hits the running block.
 */
const SLED = 250;
function zeroSled(): Uint8Array {
  const code = new Uint8Array(8 + 2 * SLED + 3);
  code.set(hexBytes('b001 bbfd11 31f6 90'));
  code.set(hexBytes('b200 f4'), 8 + 2 * SLED);
  return code;
}

for (const engine of TEST_ENGINES) {
  describe(`self-modifying code and precise invalidation [${engine}]`, () => {
    it('a store to data beside code in the same page kills no block', () => {
      // mov ecx,1000; l: mov [0x1100],al; dec ecx; jnz l; hlt
      const r = runSnippet({ engine, code: hexBytes('b9e8030000 a200110000 49 75f8 f4'), regs: { eax: 0x5a } });
      expect(r.stop).to.equal('hlt');
      expect(r.instructions).to.equal(3002);
      expect(r.readMemory(0x1100, 1)[0]).to.equal(0x5a);
      expect(r.frontEnd.blocksKilled).to.equal(0);
      expect(r.frontEnd.invalidations).to.equal(0);
      expect(r.frontEnd.blocksDecoded).to.be.at.most(2);
    });

    it('a store into code kills the blocks holding those bytes and no others', () => {
      //        mov ecx,5
      // 0x1005 l: call 0x1100            (folded: the block goes on at 0x1100)
      // 0x100a mov [0x1101],cl           (patches the immediate of mov dl,imm8 below)
      //        dec ecx ; jnz l ; hlt
      // 0x1100 mov dl,0 ; ret
      const code = new Uint8Array(0x103);
      code.set(hexBytes('b905000000 e8f6000000 880d01110000 49 75f2 f4'));
      code.set(hexBytes('b200 c3'), 0x100);
      const r = runSnippet({ engine, code });
      expect(r.stop).to.equal('hlt');
      // Each call sees the count the previous iteration stored.
      expect(r.regs.edx & 0xff).to.equal(2);
      // Five stores, each killing the one block holding 0x1101; the block doing the stores lives on.
      expect(r.frontEnd.invalidations).to.equal(5);
      expect(r.frontEnd.blocksKilled).to.equal(5);
      expect(r.frontEnd.blocksDecoded).to.equal(6);
    });

    it('a store that leaves code bytes unchanged kills nothing, one that changes them does', () => {
      // call 0x1100 ; mov byte [0x1101],0 ; call 0x1100 ; mov byte [0x1101],7 ; call 0x1100 ; hlt
      // 0x1100: mov dl,0 ; add ebx,edx ; ret
      const code = new Uint8Array(0x106);
      code.set(hexBytes('e8fb000000 c60501110000 00 e8ef000000 c60501110000 07 e8e3000000 f4'));
      code.set(hexBytes('b200 01d3 c3'), 0x100);
      const r = runSnippet({ engine, code });
      expect(r.stop).to.equal('hlt');
      expect(r.regs.ebx).to.equal(7);
      expect(r.frontEnd.blocksKilled).to.be.at.least(1);
      expect(r.frontEnd.invalidations).to.equal(1);
    });

    it('zeroed memory running `add [bx+si],al` into its own block: right result, decoding stays linear', () => {
      const r = runSnippet({ engine, mode: 'real', code: zeroSled() });
      expect(r.stop).to.equal('hlt');
      expect(r.instructions).to.equal(4 + SLED + 2);
      // Every add landed before `mov dl` ran.
      expect(r.regs.edx & 0xff).to.equal(SLED);
      expect(r.frontEnd.smcPages).to.equal(1);
      // Re-decoding the rest of the block after every store would decode SLED^2 / 2 (~31000)
      // instructions; SMC mode bounds it to a few whole blocks, then one instruction per store.
      expect(r.frontEnd.insnsDecoded).to.be.below(16 * r.instructions);
    });

    it('a page in SMC mode goes back to whole blocks once its code is left alone', () => {
      const m = new Machine({ memoryMiB: 2, engine });
      const cpu = m.cpu;
      cpu.reset();
      for (let i = 0; i < 6; i++) cpu.setSegReal(i, 0);
      cpu.phys.load(0x1000, zeroSled());
      cpu.eip = 0x1000;
      m.run(10_000);
      expect(cpu.halted).to.equal(true);
      expect(m.frontEnd.isSmcPage(1)).to.equal(true);
      const killed = m.frontEnd.stats.blocksKilled;
      m.run(0);
      expect(m.frontEnd.isSmcPage(1)).to.equal(true);
      cpu.addIcount(1_000_000); // a million instructions without a store into the page
      m.run(0);
      expect(m.frontEnd.isSmcPage(1)).to.equal(false);
      // Its one-instruction blocks were dropped, to be decoded whole when they run again.
      expect(m.frontEnd.stats.blocksKilled).to.be.above(killed);
      cpu.halted = false;
      cpu.eip = 0x1000;
      const decoded = m.frontEnd.stats.blocksDecoded;
      m.run(1);
      expect(m.frontEnd.stats.blocksDecoded - decoded).to.equal(1);
      expect(m.frontEnd.stats.insnsDecoded).to.be.above(0);
    });
  });
}
