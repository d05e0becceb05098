/**
 * The BLOCK_DEAD check of a writing record in its write's slow arm
 * (JitOptions.deadArm, translator/jit/compile.ts): a store into the
 * block's own decoded code always takes a slow arm (the page's TLB entries
 * fail WRITE_MASK), so a record whose code ends with its one write checks
 * there; any other writing record checks after itself as before. Each case
 * patches the next instruction into `inc edx; hlt` (42 f4) from inside a
 * compiled block, which must leave and run the new code:
 *   - MOV [EDI], ECX (the write is the record's last code: checked in the arm);
 *   - ADD [EDI], ECX with its flags dead (the next ADD overwrites them):
 *     the read, the add, the write last;
 *   - a page group's member write (its arm is the checked helper's call):
 *     the leader rewrites the member's own bytes unchanged (no kill), the
 *     member patches the next instruction;
 *   - PUSH ECX: ESP moves after the write, so its check stays after the
 *     record (in the arm, ESP would be left unmoved).
 * On both engines; the JIT with deadArm on and off. Without any check
 * the first three run the old `add esi, 1`; with PUSH's check in its arm,
 * ESP is 4 too high.
 */
import { expect } from 'chai';
import { hexBytes } from '../helpers/asm.js';
import { optionCases } from '../helpers/option-cases.js';

// inc edx; hlt; hlt; hlt (little-endian dword)
const PATCH = 0xf4f4f442;
for (const { label, run } of optionCases('deadArm', [true, false])) {
  describe(`writes into the running block's own code [${label}]`, () => {

    it('MOV [EDI], ECX patches the next instruction', () => {
      // 0x1000: mov [edi], ecx; 0x1002: add esi, 1; hlt
      const r = run({ code: hexBytes('890f 83c601 f4'), regs: { ecx: PATCH, edi: 0x1002, edx: 7, esi: 0 } });
      expect(r.edx).to.equal(8);
      expect(r.esi).to.equal(0);
    });

    it('ADD [EDI], ECX (a read-modify-write, its flags dead) patches the next instruction', () => {
      // 0x1000: add [edi], ecx; 0x1002: add esi, 1 (83 c6 01 f4 = 0xf401c683); hlt
      const r = run({ code: hexBytes('010f 83c601 f4'), regs: { ecx: (PATCH - 0xf401c683) | 0, edi: 0x1002, edx: 7, esi: 0 } });
      expect(r.edx).to.equal(8);
      expect(r.esi).to.equal(0);
    });

    it('a page group\'s member write patches the next instruction', () => {
      // 0x1000: mov [edi], eax (rewrites 0x1001-0x1004 with the bytes there); 0x1002: mov [edi+4], ecx; 0x1005: add esi, 1; hlt
      const r = run({ code: hexBytes('8907 894f04 83c601 f4'), regs: { eax: 0x044f8907, ecx: PATCH, edi: 0x1001, edx: 7, esi: 0 } });
      expect(r.edx).to.equal(8);
      expect(r.esi).to.equal(0);
    });

    it('PUSH ECX patches the next instruction: ESP moved too', () => {
      // 0x1000: push ecx (writes 0x1001-0x1004); 0x1001: add esi, 1; 0x1004: hlt
      const r = run({ code: hexBytes('51 83c601 f4'), regs: { ecx: PATCH, esp: 0x1005, edx: 7, esi: 0 } });
      expect(r.edx).to.equal(8);
      expect(r.esi).to.equal(0);
      expect(r.esp).to.equal(0x1001);
    });
  });
}
