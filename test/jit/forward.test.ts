/**
 * Store-to-load forwarding of registers (translator/jit/ir.ts Fn.forward,
 * JitOptions.forward, on by default): a register read after a store in the
 * same block comes from the local the store set. On both engines: the value
 * read must be the register's, after a call-out that writes it (MOV r32, CR0
 * runs in its handler), a narrow write (MOV AH / MOV CX), a conditional
 * write (CMOVcc), a record that reads and writes the same registers (XCHG)
 * and a block that loops on itself.
 */
import { expect } from 'chai';
import { runSnippet } from '../../src/snippet.js';
import { hexBytes } from '../helpers/asm.js';
import { TEST_ENGINES } from '../helpers/engines.js';

for (const engine of TEST_ENGINES) {
  describe(`registers read after a store in the same block [${engine}]`, () => {
    const run = (hex: string, regs: Record<string, number> = {}): Record<string, number> => {
      const r = runSnippet({ engine, code: hexBytes(`${hex} f4`), regs });
      expect(r.stop, `${r.stop} ${r.exception?.name ?? ''}`).to.equal('hlt');
      return r.regs;
    };

    it('after a call-out that writes the register (MOV EAX, CR0 in its handler)', () => {
      // mov eax, 5; mov eax, cr0; mov ebx, eax
      const r = run('b805000000 0f20c0 89c3');
      expect(r.ebx).to.equal(r.eax);
      expect(r.ebx).to.not.equal(5);
    });

    it('after narrow writes (MOV AH, imm8; MOV CX, imm16; MOV DL, BH)', () => {
      // mov eax, 0x11223344; mov ecx, eax; mov ah, 0x55; mov cx, 0x6666; mov ebx, eax; mov edx, ecx; mov dl, bh; mov esi, edx
      const r = run('b844332211 89c1 b455 66b96666 89c3 89ca 88fa 89d6');
      expect([r.ebx, r.edx, r.esi].map((v) => v.toString(16))).to.deep.equal(['11225544', '11226655', '11226655']);
    });

    it('after a conditional write (CMOVNE taken and not taken)', () => {
      // mov eax, 1; mov ecx, 7; test ecx, ecx; cmovne eax, ecx; mov ebx, eax; cmove eax, edx; mov esi, eax
      const r = run('b801000000 b907000000 85c9 0f45c1 89c3 0f44c2 89c6', { edx: 9 });
      expect([r.ebx, r.esi]).to.deep.equal([7, 7]);
    });

    it('a record that reads and writes the same registers (XCHG), then reads them', () => {
      // mov eax, 1; mov ebx, 2; xchg eax, ebx; mov ecx, eax; mov edx, ebx; xchg ecx, ecx; add edx, ecx
      const r = run('b801000000 bb02000000 93 89c1 89da 87c9 01ca');
      expect([r.eax, r.ebx, r.ecx, r.edx]).to.deep.equal([2, 1, 2, 3]);
    });

    it('a block that loops on itself reads the registers its last pass stored', () => {
      // mov eax, 0; mov ecx, 5; L: add eax, ecx; mov ebx, eax; dec ecx; jnz L
      const r = run('b800000000 b905000000 01c8 89c3 49 75f9');
      expect([r.eax, r.ebx, r.ecx]).to.deep.equal([15, 15, 0]);
    });
  });
}
