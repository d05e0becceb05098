/**
 * Page groups (JitOptions.pageGroups, translator/jit/codegen/mem.ts): a
 * memory access through the same base register as an earlier one in the
 * block (its group's leader) reuses the leader's TLB check. Each case makes a
 * member that must not: its write lands on a page of decoded code (TLB_CODE:
 * only the slow path sees the self-modification), reached through
 *   - a span that leaves the leader's page (the leader's span test; with
 *     JitOptions.groupSpan 64 the member's own page test), 9 and 33 bytes on,
 *   - the base register stored between leader and member (Fn.regGen),
 *   - the base register written by a call-out's handler (RCL EAX, 1; Fn.calls),
 *   - a read leader ('merge': its test becomes the write test when a write joins),
 *   - the base register moved by ADD r32, imm or POP (Fn.regDelta: the span test covers the moved bytes).
 * Each snippet loops twice: the first pass runs the code page's block
 * (compiled), the second patches its MOV EBX, imm32 first, so ESI sums both
 * immediates (0x100 + 0x200) only when the patch was seen. On both engines;
 * the JIT with page groups on (true, 'merge').
 */
import { expect } from 'chai';
import { runSnippet, type SnippetOptions } from '../../src/snippet.js';
import { Machine } from '../../src/machine.js';
import { hexBytes } from '../helpers/asm.js';
import { TEST_ENGINES } from '../helpers/engines.js';

// At 0x3000: mov ebx, 0 (the patched imm32 at 0x3001); add esi, ebx; add <v>, <v>; dec ecx; jnz 0x1000; hlt.
const codePage = (addSelf: string): Uint8Array => hexBytes(`bb00000000 01de ${addSelf} 49 0f85f0dfffff f4`);

// The JIT also with JitOptions.groupSpan 64: each member tests its own offset against the leader's page (po).
const cases = TEST_ENGINES.flatMap((engine) => (engine === 'jit' ? [[true, 0], ['merge', 0], ['merge', 64]] as const : [[false, 0]] as const)
  .map(([mode, span]) => ({ engine, mode, span })));
for (const { engine, mode, span } of cases) {
  describe(`page groups: a member access that must make its own check [${engine}${mode === false ? '' : `, pageGroups ${String(mode)}`}${span > 0 ? `, groupSpan ${span}` : ''}]`, () => {
    const machine = mode !== false ? new Machine({ memoryMiB: 2, engine: 'jit', jit: { threshold: 0, pageGroups: mode, groupSpan: span } }) : undefined;
    const run = (opts: Omit<SnippetOptions, 'engine' | 'machine'>): Record<string, number> => {
      const r = runSnippet({ ...opts, engine, ...(machine ? { machine } : {}) });
      expect(r.stop, `${r.stop} ${r.exception?.name ?? ''}`).to.equal('hlt');
      return r.regs;
    };

    it('its span leaves the leader\'s page', () => {
      // mov [edi], eax; mov [edi+9], edx (0x3001..0x3004: the next page); jmp 0x3000
      const r = run({
        code: hexBytes('8907 895709 e9f61f0000'),
        memory: [{ addr: 0x3000, bytes: codePage('01d2') }],
        regs: { edi: 0x2ff8, ecx: 2, edx: 0x100, esi: 0 },
      });
      expect(r.esi.toString(16)).to.equal('300');
    });

    it('it is 33 bytes past the leader, in the next page (a member only with groupSpan > 16)', () => {
      // mov [edi], eax (0x2fe0); mov [edi+0x21], edx (0x3001..0x3004: the next page); jmp 0x3000
      const r = run({
        code: hexBytes('8907 895721 e9f61f0000'),
        memory: [{ addr: 0x3000, bytes: codePage('01d2') }],
        regs: { edi: 0x2fe0, ecx: 2, edx: 0x100, esi: 0 },
      });
      expect(r.esi.toString(16)).to.equal('300');
    });

    it('its base register was stored after the leader', () => {
      // mov edi, 0x2000; mov [edi], eax; mov edi, 0x2ff8; mov [edi+9], edx; jmp 0x3000
      const r = run({
        code: hexBytes('bf00200000 8907 bff82f0000 895709 e9ec1f0000'),
        memory: [{ addr: 0x3000, bytes: codePage('01d2') }],
        regs: { ecx: 2, edx: 0x100, esi: 0 },
      });
      expect(r.esi.toString(16)).to.equal('300');
    });

    it('its base register was written by a call-out (RCL EAX, 1: pure, the block goes on)', () => {
      // mov eax, 0x1000; mov [eax+0x1001], ebx (0x2001); clc; rcl eax, 1; mov [eax+0x1001], ebp (0x3001); jmp 0x3000
      const r = run({
        code: hexBytes('b800100000 899801100000 f8 d1d0 89a801100000 e9e71f0000'),
        memory: [{ addr: 0x3000, bytes: codePage('01ed') }],
        regs: { ecx: 2, ebp: 0x100, esi: 0 },
      });
      expect(r.esi.toString(16)).to.equal('300');
    });

    it('its group\'s leader is a read of a code page (\'merge\' makes the leader test writes)', () => {
      // mov eax, [edi] (0x3001); mov [edi], edx; jmp 0x3000
      const r = run({
        code: hexBytes('8b07 8917 e9f71f0000'),
        memory: [{ addr: 0x3000, bytes: codePage('01d2') }],
        regs: { edi: 0x3001, ecx: 2, edx: 0x100, esi: 0 },
      });
      expect(r.esi.toString(16)).to.equal('300');
    });

    it('its base register moved by ADD r32, imm (the span counts the move)', () => {
      // mov edi, 0x2ff8; mov [edi], eax; add edi, 8; mov [edi+1], edx (0x3001); jmp 0x3000
      const r = run({
        code: hexBytes('bff82f0000 8907 83c708 895701 e9ee1f0000'),
        memory: [{ addr: 0x3000, bytes: codePage('01d2') }],
        regs: { ecx: 2, edx: 0x100, esi: 0 },
      });
      expect(r.esi.toString(16)).to.equal('300');
    });

    it('its base register moved by POPs (the span counts the moves)', () => {
      // mov esp, 0x2ff8; mov [esp], eax; pop ebx; pop ebx; mov [esp+1], edx (0x3001); jmp 0x3000
      const r = run({
        code: hexBytes('bcf82f0000 890424 5b 5b 89542401 e9ed1f0000'),
        memory: [{ addr: 0x3000, bytes: codePage('01d2') }],
        regs: { ecx: 2, edx: 0x100, esi: 0 },
      });
      expect(r.esi.toString(16)).to.equal('300');
    });
  });
}
