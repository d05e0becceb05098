/**
 * Nothing live across a memory access's slow-path call
 * (JitOptions.slowReload, translator/jit/ir.ts Fn.slowAccess / slowAfter):
 * after the call, the slow arm gives the values the hot path still needs a
 * new definition, so each case takes a slow arm and then uses one of them:
 *   - a forwarded register (EAX, stored by the record before) read after an
 *     access outside RAM (unbacked: a TLB miss every time, read as all ones);
 *   - the owed flag operands of a SUB, paid again at the dead-block exit
 *     after its following write patched the next instruction into SETC
 *     (the interpreter then reads CF from the state the exit left);
 *   - a page group's host base (hb) after another access's slow arm: its
 *     member must still write the right page (read back through another
 *     register, its own group);
 *   - POP's and PUSH's ESP and LEAVE's EBP after their own slow access
 *     (Fn.keepAcross: the new ESP / EBP from the state's).
 * The reloads are identities when right: each case fails only when a
 * reload takes the wrong word (or the group reset the wrong value). On both
 * engines; the JIT with slowReload true and 'near' (no forwarding across
 * the call) and false.
 */
import { expect } from 'chai';
import { hexBytes } from '../helpers/asm.js';
import { optionCases } from '../helpers/option-cases.js';

for (const { label, run } of optionCases('slowReload', [true, 'near', false])) {
  describe(`slow-path reloads: values used after a memory access's slow arm [${label}]`, () => {

    it('a forwarded register read after a slow read (outside RAM)', () => {
      // mov eax, 5; mov ecx, [0xc0000000]; add edx, eax; hlt
      const r = run({ code: hexBytes('b805000000 8b0d000000c0 01c2 f4'), regs: { ecx: 0x777, edx: 0x10 } });
      expect(r.ecx >>> 0).to.equal(0xffffffff);
      expect(r.edx).to.equal(0x15);
    });

    it('a SUB\'s owed flags, paid at the dead-block exit after a write patched the next instruction into SETC', () => {
      // 0x1000: sub eax, ebx; mov [edi], ecx (0x1004: 0f 92 c2 f4 = setc dl; hlt); add esi, 1; hlt
      // 3 - 1: CF 0 (a reload from the wrong word, e.g. A <- LAZY_B, B <- LAZY_MASK, gives 1 < 0x8d5: CF 1).
      const r = run({ code: hexBytes('29d8 890f 83c601 f4'), regs: { eax: 3, ebx: 1, ecx: 0xf4c2920f, edx: 0xff, edi: 0x1004, esi: 0 } });
      expect(r.eax).to.equal(2);
      expect(r.edx & 0xff).to.equal(0);
      expect(r.esi).to.equal(0);
    });

    it('POP, PUSH and LEAVE through a stack outside RAM: ESP and EBP after their slow accesses', () => {
      // mov esp, 0xc0000010; pop eax; push ebx; push ecx; pop edx; mov esi, esp; mov ebp, 0xc0000100; leave; hlt
      const r = run({ code: hexBytes('bc100000c0 58 53 51 5a 89e6 bd000100c0 c9 f4'), regs: { ebx: 0x1234, ecx: 0x5678 } });
      expect(r.esi >>> 0).to.equal(0xc0000010);
      expect(r.eax >>> 0).to.equal(0xffffffff);
      expect(r.edx >>> 0).to.equal(0xffffffff);
      expect(r.esp >>> 0).to.equal(0xc0000104);
      expect(r.ebp >>> 0).to.equal(0xffffffff);
    });

    it('a page group\'s member after another access\'s slow arm', () => {
      // mov [edi], eax; mov ecx, [0xc0000000]; mov [edi+4], edx; mov ebx, [esi+4]; hlt
      const r = run({ code: hexBytes('8907 8b0d000000c0 895704 8b5e04 f4'), regs: { eax: 0x11, edx: 0x2222, edi: 0x2000, esi: 0x2000, ebx: 0 } });
      expect(r.ebx).to.equal(0x2222);
    });
  });
}
