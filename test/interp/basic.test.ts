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

for (const engine of TEST_ENGINES) {
  describe(`superblocks and fused compare-and-branch [${engine}]`, () => {
    // xor eax,eax; mov ecx,10; top: inc eax; cmp eax,3; je skip; add ebx,1; skip: test eax,1; jnz odd;
    // add edx,1; odd: dec ecx; jnz top; hlt  -- CMP/TEST + Jcc pairs in the middle of blocks
    const code = hexBytes('31c0b90a0000004083f803740383c301a901000000750383c2014975eaf4');
    it('computes the same results and counts every instruction', () => {
      const r = runSnippet({ engine, code });
      expect(r.stop).to.equal('hlt');
      expect([r.regs.eax, r.regs.ebx, r.regs.edx, r.regs.ecx]).to.deep.equal([10, 9, 5, 0]);
      expect(r.instructions).to.equal(87);
    });
    it('stops exactly at any instruction budget, also between a compare and its branch', () => {
      // The architectural trace: EIP before each instruction, and EAX/EBX/EDX after it.
      const trace: { eip: number; eax: number; ebx: number; edx: number }[] = [];
      let eax = 0, ebx = 0, edx = 0;
      const at = (off: number) => trace.push({ eip: 0x1000 + off, eax, ebx, edx });
      at(0x00); at(0x02);
      for (let c = 10; c > 0; c--) {
        at(0x07); eax++;
        at(0x08); at(0x0b);
        if (eax !== 3) { at(0x0d); ebx++; }
        at(0x10); at(0x15);
        if ((eax & 1) === 0) { at(0x17); edx++; }
        at(0x1a); at(0x1b);
      }
      expect(trace.length).to.equal(86);
      for (let k = 1; k < 87; k++) {
        const r = runSnippet({ engine, code, maxInstructions: k });
        expect(r.stop, `budget ${k}`).to.equal('limit');
        expect(r.instructions, `budget ${k}`).to.equal(k);
        // After k instructions EIP is that of instruction k (0-based) and the registers match.
        const want = k < 86 ? trace[k] : { eip: 0x101d, eax: 10, ebx: 9, edx: 5 };
        expect(r.eip, `EIP after ${k} instructions`).to.equal(want.eip);
        expect([r.regs.eax, r.regs.ebx, r.regs.edx], `registers after ${k}`).to.deep.equal(k < 86 ? [want.eax, want.ebx, want.edx] : [10, 9, 5]);
      }
    });
  });
}
