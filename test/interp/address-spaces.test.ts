/**
 * Decoded (and compiled) code is keyed by physical address, but reached
 * through linear addresses: two address spaces (page directories) that map
 * one linear address to different code at CPL 0 must each run their own.
 *
 *  - Successor chains: a call site that ran the code at linear 0x60000 in
 *    space A must not follow its chain there after MOV CR3 switches to B
 *    (Mmu.flush bumps the MMU generation).
 *  - A block whose last instruction straddles into the next page (MOV EAX,
 *    imm32 at linear 0x40FFD) shares its first physical page in both spaces
 *    but not the page holding the tail of the immediate and the RET.
 */
import { expect } from 'chai';
import { runSnippet } from '../../src/snippet.js';
import { hexBytes } from '../helpers/asm.js';
import { TEST_ENGINES } from '../helpers/engines.js';
import { remappedTables } from '../helpers/paging.js';

const PD_A = 0x10000, PT_A = 0x11000, PD_B = 0x12000, PT_B = 0x13000;

/**
 * Enable paging with PD_A; EBX = sum of 3 calls to [0x60000] in A then 3 in
 * B (do3); then ESI/EDI/EBP = EAX returned by a call to 0x40FFD in A, B, A.
 * (Assembled with GNU as from the listing in this file's history:
 * `mov cr3` switches, `call edx`, do3 = mov ecx,3; 1: call edx; add ebx,eax; dec ecx; jnz 1b; ret.)
 */
const MAIN = hexBytes(
  'b8000001000f22d80f20c00d000000800f22c031dbba00000600e837000000b8002001000f22d8e82a000000',
  'bafd0f0400b8000001000f22d8ffd289c6b8002001000f22d8ffd289c7b8000001000f22d8ffd289c5f4',
  'b903000000ffd201c34975f9c3',
);

function page(fill: [number, Uint8Array][]): Uint8Array {
  const p = new Uint8Array(4096).fill(0xf4);
  for (const [off, b] of fill) p.set(b, off);
  return p;
}

for (const engine of TEST_ENGINES) {
  describe(`one linear address, two address spaces [${engine}]`, () => {
    it('runs each space\'s own code: successor chains and page-straddling blocks', () => {
      const memory = [
        ...remappedTables(PD_A, PT_A, { 0x60000: 0x70000, 0x41000: 0x51000 }),
        ...remappedTables(PD_B, PT_B, { 0x60000: 0x71000, 0x41000: 0x52000 }),
        // linear 0x60000: mov eax, 1 / mov eax, 2; ret
        { addr: 0x70000, bytes: page([[0, hexBytes('b801000000c3')]]) },
        { addr: 0x71000, bytes: page([[0, hexBytes('b802000000c3')]]) },
        // linear 0x40FFD: mov eax, imm32 (first 3 bytes in the shared page 0x40000) ...
        { addr: 0x40000, bytes: page([[0xffd, hexBytes('b81122')]]) },
        // ... the last two immediate bytes and the RET come from the next linear page
        { addr: 0x51000, bytes: page([[0, hexBytes('aaaac3')]]) },
        { addr: 0x52000, bytes: page([[0, hexBytes('bbbbc3')]]) },
      ];
      const res = runSnippet({ engine, code: MAIN, memory, maxInstructions: 10_000 });
      expect(res.stop, res.exception?.reason).to.equal('hlt');
      expect(res.regs.ebx, 'three calls in A, three in B').to.equal(3 * 1 + 3 * 2);
      expect(res.regs.esi.toString(16), 'straddling block in A').to.equal('aaaa2211');
      expect(res.regs.edi.toString(16), 'straddling block in B').to.equal('bbbb2211');
      expect(res.regs.ebp.toString(16), 'straddling block in A again').to.equal('aaaa2211');
    });
  });
}
