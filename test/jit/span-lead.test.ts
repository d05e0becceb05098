/**
 * Page groups whose leader tests the group's whole span (JitOptions.spanLead,
 * translator/jit/codegen/mem.ts fastConds / finishGroup): the leader's page
 * test is ((lin + lo - disp) & 0xfff) <= 0x1000 - (hi - lo), its constants set
 * once the group's members are known, and hb carries no `leaves` bit. The
 * case: a leader `mov eax, [edi+0xc]` in a data page and its member `mov
 * [edi], ecx` 12 bytes lower, in the page before, which holds the running
 * block's code: the member writes the block's next instruction. The span
 * leaves the leader's page, so the leader takes its slow arm (the checked
 * helper) and the member its own check, a slow write into decoded code:
 * the block leaves and the patched `inc edx; hlt` runs. With the leader's
 * test left on its own bytes (k1 not set) the member's store goes through
 * hb unchecked and the stale `add esi, 1` runs. A span inside one page is
 * the ordinary case (page-groups.test). On both engines; the JIT with
 * spanLead on and off.
 */
import { expect } from 'chai';
import { hexBytes } from '../helpers/asm.js';
import { optionCases } from '../helpers/option-cases.js';

for (const { label, run } of optionCases('spanLead', [true, false])) {
  describe(`a page group whose span leaves the leader's page [${label}]`, () => {

    it('a member below the leader, in the page of the running code, patches the next instruction', () => {
      // 0x2ff0: mov eax, [edi+0xc] (0x3004); mov [edi], ecx (0x2ff8); nop x3; 0x2ff8: add esi, 1; hlt
      const r = run({ org: 0x2ff0, code: hexBytes('8b470c 890f 909090 83c601 f4'), regs: { ecx: 0xf4f4f442, edi: 0x2ff8, edx: 7, esi: 0 },
        memory: [{ addr: 0x3004, bytes: hexBytes('78563412') }] });
      expect(r.eax).to.equal(0x12345678);
      expect(r.edx).to.equal(8);
      expect(r.esi).to.equal(0);
    });

    it('the same group with its span in one page: the member writes data', () => {
      // 0x2f00: mov eax, [edi+0xc]; mov [edi], ecx; mov ebx, [esi]; hlt (edi = 0x3100: both in the data page)
      const r = run({ org: 0x2f00, code: hexBytes('8b470c 890f 8b1e f4'), regs: { ecx: 0xabcd, edi: 0x3100, esi: 0x3100 },
        memory: [{ addr: 0x310c, bytes: hexBytes('78563412') }] });
      expect(r.eax).to.equal(0x12345678);
      expect(r.ebx).to.equal(0xabcd);
    });
  });
}
