/**
 * Dead flag producers (translator/jit/flag-liveness.ts): which records of a
 * block need not store their flags, and, on every engine, that the flags
 * stay exact wherever they can be observed: at a fault, after a shift that
 * may leave the flags alone, after INC (CF kept), at ADC's carry-in, at the
 * block's end.
 */
import { expect } from 'chai';
import { Decoder, Instruction } from 'iced-x86';
import { DECODER_OPTIONS } from '../../translator/frontend/blocks.js';
import { fillRecord } from '../../translator/frontend/decode.js';
import { ud } from '../../runtime/interp/table.js';
import { Rec, T_COND } from '../../runtime/records.js';
import { E_COND } from '../../runtime/isa/index.js';
import { flagFates, quietConsumers, DROPPED as D, LIVE as L, OWED as O, type FlagFate } from '../../translator/jit/flag-liveness.js';
import { Machine } from '../../src/machine.js';
import { AF, ARITH, CF, PF, SF, ZF } from '../../runtime/state/eflags.js';
import { runSnippet, type SnippetResult } from '../../src/snippet.js';
import { hexBytes } from '../helpers/asm.js';
import { TEST_ENGINES } from '../helpers/engines.js';
import { pageTables, withPaging } from '../helpers/paging.js';

/** The records of a straight-line sequence (32-bit code), one per instruction. */
function records(hex: string): Rec[] {
  const bytes = hexBytes(hex);
  const buf = new Uint8Array([...bytes, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  const d = new Decoder(32, buf, DECODER_OPTIONS);
  const insn = new Instruction();
  const out: Rec[] = [];
  while (d.position < bytes.length) {
    const at = d.position;
    d.decodeOut(insn);
    const r = new Rec(ud);
    fillRecord(r, insn, buf, at, true);
    // A conditional branch the block goes on past (translator/frontend/blocks.ts) is T_COND.
    if (r.ends === E_COND && d.position < bytes.length) r.term = T_COND;
    out.push(r);
  }
  insn.free(); d.free();
  return out;
}

describe('dead flag producers: what becomes of each record\'s flag stores (flag-liveness.ts)', () => {
  // L: stored, D: dropped (nothing can fault or exit before the overwrite), O: owed (replayed on cold paths).
  const cases: [string, string, FlagFate[]][] = [
    ['imul, imul, add: the first two overwritten', '0fafc1 0fafda 01d9', [D, D, L]],
    ['shr imm, imul, movzx, add', 'c1ea10 0fafc1 0fb7c0 01c8', [D, D, L, L]],
    ['a load in between may fault: owed', '83c001 8b1500000300 29c9', [O, L, L]],
    ['an overwrite through memory may fault first: owed', '83c001 2b0500000300', [O, L]],
    ['LEA and MOV r,r in between are transparent', '83c001 8d0c8b 89c2 31c9', [D, L, L, L]],
    ['shift by CL is no overwrite, but transparent', '83c001 d3e3 29c9', [D, D, L]],
    ['shift by CL last: both live', '83c001 d3e3', [L, L]],
    ['shift by 0 is no overwrite', '83c001 c1e300', [L, L]],
    ['INC keeps CF: no overwrite', '83c001 43', [L, L]],
    ['INC before a full overwrite: both dropped', '83c001 43 31c0', [D, D, L]],
    ['INC (reads the flag state) before a load: nothing owed across it', '83c001 43 8b1500000300 29c9', [L, L, L, L]],
    ['a load, then INC dropped: the ADD owed', '83c001 8b1500000300 43 29c9', [O, L, D, L]],
    ['ADC reads CF', '83c001 83d300', [L, L]],
    ['SETC reads CF', '83c001 0f92c0 29c9', [L, L, L]],
    ['Jcc reads (and ends)', '83c001 7400', [L, L]],
    ['PUSH may fault outside a memory operand', '83c001 50 29c9', [L, L, L]],
    ['DIV may fault', '83c001 f7f1 29c9', [L, L, L]],
    ['16-bit addressing is not passed over', '83c001 678b07 29c9', [L, L, L]],
  ];
  for (const [what, hex, want] of cases) {
    it(what, () => expect(flagFates(records(hex))).to.deep.equal(want));
  }
  // Quiet consumers (quietConsumers): SETcc / CMOVcc / mid-block Jcc whose condition the tracked source answers.
  const quiet: [string, string, boolean[], FlagFate[]][] = [
    ['SETC after ADD: quiet, the ADD owed (never dropped across it)', '83c001 0f92c0 29c9', [false, true, false], [O, L, L]],
    ['mid-block JC after CMP: quiet, the CMP owed to the taken exit', '39d1 7203 29c9', [false, true, false], [O, L, L]],
    ['JC last: nothing after it to overwrite', '83c001 7203', [false, false], [L, L]],
    ['SETC after INC: CF is not tracked (eager)', '43 0f92c0 29c9', [false, false, false], [L, L, L]],
    ['SETE after INC: tracked', '43 0f94c0 29c9', [false, true, false], [L, L, L]],
    ['SETC after IMUL: nothing tracked', '0fafc1 0f92c0 29c9', [false, false, false], [L, L, L]],
    ['SETE after SHL by 1: ZF tracked; SETC: CF eager', 'd1e0 0f94c0 0f92c1 29c9', [false, true, false, false], [L, L, L, L]],
    ['CMOVC through MOV r,r after CMP: quiet', '39d1 89c3 0f42c2 29c9', [false, false, true, false], [O, L, L, L]],
    ['SETC after SBB: CF tracked (SBB, a complete producer, owed)', '19d1 0f92c0 29c9', [false, true, false], [O, L, L]],
    ['SETO after SBB: not tracked', '19d1 0f90c0 29c9', [false, false, false], [L, L, L]],
  ];
  for (const [what, hex, q, want] of quiet) {
    it(what, () => {
      const recs = records(hex);
      expect(quietConsumers(recs)).to.deep.equal(q);
      expect(flagFates(recs, true, quietConsumers(recs))).to.deep.equal(want);
    });
  }
  it('owe = false: only drops (nothing passed over may fault)', () => {
    expect(flagFates(records('83c001 8b1500000300 29c9'), false)).to.deep.equal([L, L, L]);
    expect(flagFates(records('0fafc1 0fafda 01d9'), false)).to.deep.equal([D, D, L]);
  });
});

/** Quiet consumers are off by default (JitOptions.quietCC): the cases about them run on a JIT machine with them on. */
const quietJit = new Machine({ memoryMiB: 2, engine: 'jit', jit: { threshold: 0, quietCC: true } });

for (const engine of TEST_ENGINES) {
  describe(`flags stay exact where they can be observed [${engine}]`, () => {
    const quietOn = engine === 'jit' ? { machine: quietJit } : {};
    // mov eax, -1; add eax, 1: CF PF AF ZF set, SF OF clear
    const ADD = 'b8ffffffff 83c001';
    const AFTER_ADD = CF | PF | AF | ZF;
    const why = (r: SnippetResult): string => `stop ${r.stop} ${r.exception?.name ?? ''} ${r.exception?.reason ?? ''}`;
    const flagsOf = (r: SnippetResult): number => r.eflags & ARITH;

    it('#PF on a load between a producer and its overwrite', () => {
      // ADD; mov edx, [0x30000] (not present); xor ecx, ecx; hlt
      const r = runSnippet({ engine, code: withPaging(hexBytes(`${ADD} 8b1500000300 31c9 f4`)), memory: pageTables({ notPresent: [0x30000] }) });
      expect(r.exception, why(r)).to.deep.include({ vector: 14 });
      expect(flagsOf(r)).to.equal(AFTER_ADD);
    });

    it('a store that rewrites the overwrite (the block leaves: BLOCK_DEAD) finds the owed flags stored', () => {
      // ADD; mov word [ORG + 17], 0x9090 (the sub below becomes two NOPs); sub ecx, ecx; hlt
      const r = runSnippet({ engine, code: hexBytes(`${ADD} 66c705111000009090 29c9 f4`), regs: { ecx: 7 } });
      expect(r.stop, why(r)).to.equal('hlt');
      expect(r.regs.ecx).to.equal(7);
      expect(flagsOf(r)).to.equal(AFTER_ADD);
    });

    it('#DE between a producer and its overwrite', () => {
      // ADD; div ecx (ecx = 0); xor ebx, ebx; hlt
      const r = runSnippet({ engine, code: hexBytes(`${ADD} f7f1 31db f4`), regs: { ecx: 0, edx: 0 } });
      expect(r.exception, why(r)).to.deep.include({ vector: 0 });
      expect(flagsOf(r)).to.equal(AFTER_ADD);
    });

    it('a shift by CL = 0 and by 0 leave the flags', () => {
      let r = runSnippet({ engine, code: hexBytes(`${ADD} d3e3 f4`), regs: { ecx: 0, ebx: 5 } });
      expect(r.stop, why(r)).to.equal('hlt');
      expect(flagsOf(r)).to.equal(AFTER_ADD);
      r = runSnippet({ engine, code: hexBytes(`${ADD} c1e300 f4`), regs: { ebx: 5 } });
      expect(flagsOf(r)).to.equal(AFTER_ADD);
    });

    it('INC keeps the CF of the producer before it; ADC reads it', () => {
      let r = runSnippet({ engine, code: hexBytes(`${ADD} 43 f4`), regs: { ebx: 0 } });
      expect(flagsOf(r)).to.equal(CF); // inc 0 -> 1: ZF PF AF SF OF clear, CF kept
      r = runSnippet({ engine, code: hexBytes(`${ADD} 83d300 f4`), regs: { ebx: 0 } });
      expect(r.regs.ebx).to.equal(1);
    });

    it('a chain of overwritten producers ends with the last one\'s flags', () => {
      // imul eax, eax; shr eax, 1; add eax, ebx; inc esi; cmp ecx, edx (1 - 2); hlt
      const r = runSnippet({ engine, code: hexBytes('0fafc0 d1e8 01d8 46 39d1 f4'), regs: { eax: 3, ebx: 4, ecx: 1, edx: 2, esi: 0 } });
      expect(r.stop, why(r)).to.equal('hlt');
      expect([r.regs.eax, r.regs.esi]).to.deep.equal([8, 1]);
      expect(flagsOf(r)).to.equal(CF | PF | AF | SF);
    });

    it('a mid-block JC answered from the tracked ADD: the taken exit finds the ADD\'s flags stored', () => {
      // ADD; jc +3 (taken); xor ecx, ecx; hlt; L: hlt
      let r = runSnippet({ engine, ...quietOn, code: hexBytes(`${ADD} 7203 31c9 f4 f4`) });
      expect(r.stop, why(r)).to.equal('hlt');
      expect(r.eip - 0x1000).to.equal(14); // after the second HLT
      expect(flagsOf(r)).to.equal(AFTER_ADD);
      // jnc: not taken, the XOR's flags.
      r = runSnippet({ engine, ...quietOn, code: hexBytes(`${ADD} 7303 31c9 f4 f4`), regs: { ecx: 5 } });
      expect([r.eip - 0x1000, r.regs.ecx]).to.deep.equal([13, 0]);
      expect(flagsOf(r)).to.equal(ZF | PF);
    });

    it('#PF on a CMOVcc memory source after a producer it reads from the tracked locals', () => {
      // ADD; cmovc edx, [0x30000] (not present); xor ecx, ecx; hlt
      const r = runSnippet({ engine, ...quietOn, code: withPaging(hexBytes(`${ADD} 0f421500000300 31c9 f4`)), memory: pageTables({ notPresent: [0x30000] }) });
      expect(r.exception, why(r)).to.deep.include({ vector: 14 });
      expect(flagsOf(r)).to.equal(AFTER_ADD);
    });
  });
}

describe('quiet consumers the prediction gets wrong pay the owed flag stores first (JitOptions.quietCC \'all\')', () => {
  // Every SETcc/CMOVcc/Jcc is taken as quiet: those that read the state (IMUL tracks no condition) must pay the
  // producer's owed stores before they read it (codegen/flags.ts cond).
  const jit = new Machine({ memoryMiB: 2, engine: 'jit', jit: { threshold: 0, quietCC: 'all' } });
  const cases: [string, string, Record<string, number>, Record<string, number>][] = [
    // imul eax, ebx (3 * 0x60000000: CF = OF = 1); setc dl; xor ecx, ecx; hlt
    ['SETC after IMUL reads CF from EFLAGS', '0fafc3 0f92c2 31c9 f4', { eax: 3, ebx: 0x60000000, edx: 0 }, { edx: 1 }],
    // imul eax, ebx; cmovo edx, esi; xor ecx, ecx; hlt
    ['CMOVO after IMUL reads OF from EFLAGS', '0fafc3 0f40d6 31c9 f4', { eax: 3, ebx: 0x60000000, edx: 0, esi: 9 }, { edx: 9 }],
    // imul eax, ebx; jo +3 (taken); xor ecx, ecx; hlt; L: mov edx, 7; hlt
    ['JO after IMUL', '0fafc3 7003 31c9 f4 ba07000000 f4', { eax: 3, ebx: 0x60000000, edx: 0 }, { edx: 7 }],
  ];
  for (const [what, hex, regs, want] of cases) {
    it(what, () => {
      for (const engine of TEST_ENGINES) {
        const r = runSnippet({ engine, ...(engine === 'jit' ? { machine: jit } : {}), code: hexBytes(hex), regs, eflags: 0x2 });
        expect(r.stop, `${engine} ${r.stop}`).to.equal('hlt');
        for (const [k, v] of Object.entries(want)) expect(r.regs[k as keyof typeof r.regs], `${engine} ${k}`).to.equal(v);
      }
    });
  }
});
