import { expect } from 'chai';
import { runSnippet } from '../../src/snippet.js';
import { TEST_ENGINES } from '../helpers/engines.js';
import { hexBytes } from '../helpers/asm.js';

for (const engine of TEST_ENGINES) {
  describe(`basic execution [${engine}]`, () => {
    it('runs a counted loop to HLT', () => {
      // mov eax,5; mov ecx,10; l: add eax,ecx; dec ecx; jnz l; hlt
      const r = runSnippet({ engine, code: hexBytes('b805000000 b90a000000 01c8 49 75fb f4') });
      expect(r.stop).to.equal('hlt');
      expect(r.regs.eax).to.equal(60);
      expect(r.regs.ecx).to.equal(0);
      expect(r.eip).to.equal(0x1010);
      expect(r.instructions).to.equal(33);
    });
    it('raises #UD for UD2 and for opcodes this CPU does not have', () => {
      expect(runSnippet({ engine, code: hexBytes('90 0f0b f4') }).exception).to.deep.include({ vector: 6, eip: 0x1001 });
      // POPCNT (not on a Pentium II)
      expect(runSnippet({ engine, code: hexBytes('f30fb8c1 f4') }).exception).to.deep.include({ vector: 6, eip: 0x1000 });
    });
    it('runs 16-bit real-mode code with segment*16 addressing', () => {
      // mov ax,0x200; mov ds,ax; mov word [0x10],0x1234; mov bx,[0x10]; hlt
      const r = runSnippet({ engine, mode: 'real', code: hexBytes('b80002 8ed8 c70610003412 8b1e1000 f4') });
      expect(r.stop).to.equal('hlt');
      expect(r.regs.ebx & 0xffff).to.equal(0x1234);
      expect(Array.from(r.readMemory(0x2010, 2))).to.deep.equal([0x34, 0x12]);
    });
    it('stops at the instruction cap', () => {
      const r = runSnippet({ engine, code: hexBytes('ebfe'), maxInstructions: 1000 });
      expect(r.stop).to.equal('limit');
      expect(r.instructions).to.equal(1000);
    });
    it('sees self-modifying code: a store into the next instruction takes effect', () => {
      // mov byte [0x1008], 0x42 (c6 05 08100000 42: 7 bytes at 0x1000); at 0x1007: nop; 0x1008: inc eax (40 -> 42 = inc edx); hlt
      const r = runSnippet({ engine, code: hexBytes('c6050810000042 90 40 f4') });
      expect(r.stop).to.equal('hlt');
      expect(r.regs.eax).to.equal(0);
      expect(r.regs.edx).to.equal(1);
    });
  });
}

for (const engine of TEST_ENGINES) {
  describe(`prefixes a Pentium II ignores [${engine}]`, () => {
    it('executes F3 0F BC (TZCNT encoding) as BSF and F3 0F BD as BSR', () => {
      // mov ecx, 0x50; rep bsf eax, ecx; rep bsr edx, ecx; hlt
      const r = runSnippet({ engine, code: hexBytes('b950000000 f30fbcc1 f30fbdd1 f4') });
      expect(r.stop).to.equal('hlt');
      expect(r.regs.eax).to.equal(4);
      expect(r.regs.edx).to.equal(6);
    });
  });
}
