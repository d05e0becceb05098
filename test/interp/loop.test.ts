/**
 * LOOP / LOOPE / LOOPNE / JECXZ at block level on both engines: a block
 * looping on itself through LOOP (compiled code runs it inside wasm), a
 * budget that ends mid-loop (exact ECX and EIP), LOOPNE leaving on ZF, JECXZ
 * both ways, LOOP with a 16-bit counter (0x67). Per-instruction results of
 * every form against the real CPU are in the cond fixtures
 * (test/fixtures/cpu/cond.json, test/cpu-fixtures.test.ts).
 */
import { expect } from 'chai';
import { runSnippet } from '../../src/snippet.js';
import { TEST_ENGINES } from '../helpers/engines.js';
import { hexBytes } from '../helpers/asm.js';

for (const engine of TEST_ENGINES) {
  describe(`LOOP / JECXZ blocks [${engine}]`, () => {
    // mov ecx, 1000 ; xor eax, eax ; top: add eax, ecx ; loop top ; hlt
    const SUM = 'b9e8030000 31c0 01c8 e2fc f4';
    it('LOOP back to its own block start runs every iteration', () => {
      const r = runSnippet({ engine, code: hexBytes(SUM) });
      expect(r.stop).to.equal('hlt');
      expect([r.regs.eax, r.regs.ecx]).to.deep.equal([500500, 0]);
    });
    it('a budget that ends inside the loop stops on the exact instruction', () => {
      const r = runSnippet({ engine, code: hexBytes(SUM), maxInstructions: 22 });
      expect(r.stop).to.equal('limit');
      expect([r.regs.eax, r.regs.ecx, r.eip]).to.deep.equal([9955, 990, 0x1007]);
      const r2 = runSnippet({ engine, code: hexBytes(SUM), maxInstructions: 23 });
      expect([r2.regs.eax, r2.regs.ecx, r2.eip]).to.deep.equal([9955 + 990, 990, 0x1009]);
    });
    it('LOOPNE leaves when ZF is set, LOOPE when it is clear', () => {
      // top: inc eax ; cmp eax, 5 ; loopne top ; hlt
      let r = runSnippet({ engine, code: hexBytes('40 83f805 e0fa f4'), regs: { ecx: 100 } });
      expect([r.regs.eax, r.regs.ecx]).to.deep.equal([5, 95]);
      // top: inc eax ; cmp eax, eax ; loope top ; hlt  -> runs out of ECX
      r = runSnippet({ engine, code: hexBytes('40 39c0 e1fb f4'), regs: { ecx: 7 } });
      expect([r.regs.eax, r.regs.ecx]).to.deep.equal([7, 0]);
      // top: inc eax ; cmp eax, 3 ; loope top ; hlt  -> 1 != 3 leaves at once
      r = runSnippet({ engine, code: hexBytes('40 83f803 e1fa f4'), regs: { ecx: 7 } });
      expect([r.regs.eax, r.regs.ecx]).to.deep.equal([1, 6]);
    });
    it('JECXZ taken and not taken; LOOP with ECX = 0 wraps to 2^32 - 1 and branches', () => {
      // jecxz +5 ; mov ebx, 1 ; hlt
      let r = runSnippet({ engine, code: hexBytes('e305 bb01000000 f4'), regs: { ecx: 0 } });
      expect(r.regs.ebx).to.equal(0);
      r = runSnippet({ engine, code: hexBytes('e305 bb01000000 f4'), regs: { ecx: 0x10000 } });
      expect(r.regs.ebx).to.equal(1);
      // loop +5 ; mov ebx, 1 ; hlt   (ECX = 0 -> 0xffffffff, taken)
      r = runSnippet({ engine, code: hexBytes('e205 bb01000000 f4'), regs: { ecx: 0 } });
      expect([r.regs.ebx, r.regs.ecx]).to.deep.equal([0, 0xffffffff]);
    });
    it('a16 LOOP counts CX only', () => {
      // top: inc eax ; a16 loop top ; hlt   (ECX = 0x50003: 3 iterations, upper half kept)
      const r = runSnippet({ engine, code: hexBytes('40 67e2fc f4'), regs: { ecx: 0x50003 } });
      expect([r.regs.eax, r.regs.ecx]).to.deep.equal([3, 0x50000]);
    });
  });
}
