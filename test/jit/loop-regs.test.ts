/**
 * Registers kept in locals across a self-loop's back edge (JitOptions.loopRegs;
 * translator/jit/loop-regs.ts, ir.ts Fn.loopRegs): loaded once before the
 * wasm loop, valid at each pass top, loaded again at a back edge where their
 * local is not valid. Each program runs on both engines, the JIT with
 * loopRegs off, on (the registers the body reads and never writes) and
 * forced to a mask that holds registers the body writes (a call-out's and
 * inline records'), whole and in slices of 50 and 7 instructions (budget
 * exits in the middle of the loop, re-entries), against the interpreter's run.
 *
 * Machine code assembled with GNU as (`as --32 -msyntax=intel`):
 *
 * R1 (EBP never written: kept; #PF on the load in the 611th iteration, the
 * 31st pass's 11th, after 610 stores through EBP; EBP from the test; identity
 * paging, page 0x30000 not present):
 *   xor eax,eax; xor ebx,ebx; xor edi,edi; mov esi,20
 *   L: mov edx,[ebp+edi*4]; add eax,edx; mov [ebp+edi*4-0x1000],eax; add ebx,[ebp+4]
 *      inc edi; dec esi; jnz L
 *      mov esi,20; inc ecx; cmp ecx,1000; jne L; hlt
 * R2 (EAX written only by a call-out, MUL CL, and read by the next pass:
 * with EAX forced into the mask its local must be loaded again at the back
 * edge; paging remaps pages so a stale EAX reads another frame):
 *   xor ebx,ebx; mov esi,60
 *   O: mov eax,0x40080; mov cl,1; mov edi,6
 *   L: add ebx,[eax+4]; add cl,0x20; mul cl; dec edi; jnz L
 *      dec esi; jnz O; hlt
 * R3 (ECX, EBX, EAX written inline, ECX read by the next pass through its
 * local carried over the back edge; EBP from the test):
 *   xor ebx,ebx; xor ecx,ecx
 *   L: mov eax,[ebp+ecx*4]; add ebx,eax; mov [ebp+ecx*4+0x800],ebx; inc ecx; cmp ecx,300; jne L; hlt
 */
import { expect } from 'chai';
import { runSnippet, type SnippetOptions, type SnippetResult } from '../../src/snippet.js';
import { Machine } from '../../src/machine.js';
import { hexBytes } from '../helpers/asm.js';
import { TEST_ENGINES } from '../helpers/engines.js';
import { sameRun } from '../helpers/same-run.js';
import { pageTables, remappedTables, withPaging, PAGE_DIR, PAGING_PREFIX_LEN } from '../helpers/paging.js';
import type { EngineName } from '../../src/machine.js';
import type { Block } from '../../runtime/records.js';
import { loopRegs } from '../../translator/jit/loop-regs.js';
import { emitModule, NO_CHAIN } from '../../translator/jit/compile.js';
import { REMAP, pages, word } from '../helpers/scrambled-pages.js';

const R1 = '31c031db31ffbe140000008b54bd0001d08984bd00f0ffff035d04474e75ecbe140000004181f9e803000075def4';
const R2 = '31dbbe3c000000b880000400b101bf0600000003580480c120f6e14f75f54e75e6f4';
const R3 = '31db31c98b448d0001c3899c8d000800004181f92c01000075eaf4';
/** R1's loop L: org 0x1000, the paging prefix, then 11 bytes. */
const R1_LOOP = 0x1000 + PAGING_PREFIX_LEN + 11;

/** 300 words at 0x20000: 3 * i + 1. */
const TABLE = Array.from({ length: 300 }, (_, i) => word(0x20000 + 4 * i, 3 * i + 1));

type LoopRegs = boolean | number;
function machineFor(engine: EngineName, lr: LoopRegs): Machine | undefined {
  if (engine !== 'jit') return undefined;
  return new Machine({ memoryMiB: 2, engine: 'jit', jit: { threshold: 2, batch: 64, sync: true, loopRegs: lr } });
}
const reference = (o: SnippetOptions): SnippetResult => runSnippet({ ...o, engine: 'interpreter', machine: undefined, slice: undefined, onSlice: undefined });
function sliced(engine: EngineName, m: Machine | undefined, o: SnippetOptions, slice: number): SnippetResult {
  return runSnippet({ ...o, engine, machine: m, slice, onSlice: (x: Machine): void => { x.jit?.flush(); } });
}
const r1 = (): SnippetOptions => ({ code: withPaging(hexBytes(R1)), memory: pageTables({ notPresent: [0x30000] }), regs: { ebp: 0x30000 - 4 * 610 } });

for (const engine of TEST_ENGINES) {
  // 0xff: every register in the mask, the ones the body writes (and ESP) too.
  for (const lr of engine === 'jit' ? [true, false, 0xff] as LoopRegs[] : [false]) {
    for (const slice of [1000, 50, 7]) {
      describe(`registers in locals across a self-loop's back edge [${engine}${engine === 'jit' ? `, loopRegs ${String(lr)}` : ''}, slices of ${slice}]`, () => {
        it('EBP never written, #PF in a later pass: count, registers, the stores', () => {
          const m = machineFor(engine, lr), o = r1();
          const r = sliced(engine, m, o, slice), want = reference(o);
          sameRun(r, want);
          expect(want.exception?.vector).to.equal(14);
          // 610 iterations done: EAX the running sum of the words read (all 0), EBX 610 times [ebp+4] (0), EDI 610.
          expect(want.regs.edi).to.equal(610);
          expect(want.regs.ecx).to.equal(30);
          if (m !== undefined && slice >= 50) expect(r.compiled, `compiled of ${r.instructions}`).to.be.at.least(want.instructions / 5);
        });

        it('EAX written by a call-out (MUL CL), read by the next pass', () => {
          const m = machineFor(engine, lr);
          const o = { code: withPaging(hexBytes(R2)), memory: [...remappedTables(PAGE_DIR, 0x11000, REMAP), ...pages(0x84, 1)] };
          const r = sliced(engine, m, o, slice), want = reference(o);
          sameRun(r, want);
          expect(want.regs.ebx).to.equal(60 * (1 + 2 + 3 + 4 + 5 + 6));
          if (m !== undefined && slice >= 50) expect(r.compiled, `compiled of ${r.instructions}`).to.be.at.least(want.instructions / 5);
        });

        it('registers written inline, ECX carried to the next pass', () => {
          const m = machineFor(engine, lr);
          const o = { code: hexBytes(R3), memory: TABLE, regs: { ebp: 0x20000 } };
          const r = sliced(engine, m, o, slice), want = reference(o);
          sameRun(r, want);
          // EBX: the sum of 3i + 1 for i < 300; the last running sum stored at 0x20000 + 0x800 + 4 * 299.
          expect(want.regs.ebx).to.equal(3 * 299 * 300 / 2 + 300);
          expect(new Uint32Array(r.readMemory(0x20800 + 4 * 299, 4).slice().buffer)[0]).to.equal(want.regs.ebx);
          if (m !== undefined && slice >= 50) expect(r.compiled, `compiled of ${r.instructions}`).to.be.at.least(want.instructions / 5);
        });
      });
    }
  }
}

describe('loopRegs: which registers, and the code', () => {
  /** R1's loop block, decoded by a run of the interpreter. */
  function r1Loop(): Block {
    const m = new Machine({ memoryMiB: 2 });
    runSnippet({ ...r1(), engine: 'interpreter', machine: m });
    const b = m.frontEnd.peek(R1_LOOP, true);
    if (b === undefined) throw new Error('R1: no block at L');
    return b;
  }

  it('R1: EBP (read, never written) and nothing else', () => {
    const b = r1Loop();
    // The block runs on past `jnz L` (a mid-block Jcc) to `jne L` (its last branch back to the start, record 10) and HLT.
    expect(b.recs.length).to.equal(12);
    expect(loopRegs(b.recs, 10)).to.equal(1 << 5);
    // The first four records alone: EDI is read there and written only later (INC EDI).
    expect(loopRegs(b.recs, 3)).to.equal((1 << 5) | (1 << 7));
    // HLT (not known to leave registers alone): nothing kept.
    expect(loopRegs(b.recs, 11)).to.equal(0);
  });

  it('R1 on: EBP loaded once, before the loop, and never in it (across the slow arms too)', () => {
    const b = r1Loop();
    const ebpLoads = (lr: boolean): number => {
      const text = emitModule([b], { ...NO_CHAIN, forward: true, pageGroups: 'merge', slowReload: 'near', loopRegs: lr, text: true }).text ?? '';
      return text.split('\n').filter((l) => /i32\.load offset=20$/.test(l.trim())).length;
    };
    expect(ebpLoads(false)).to.be.at.least(3);
    expect(ebpLoads(true)).to.equal(1);
  });
});
