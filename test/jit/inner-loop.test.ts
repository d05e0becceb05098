/**
 * Taken Jccs to an earlier record of their block kept inside it (JitOptions.
 * innerLoop; translator/jit/compile.ts innerLoops, ir.ts Fn.loopBack /
 * Fn.loopTop): a Jcc whose target is an earlier record j of its block (not
 * the first: that is the self-loop) branches back to a wasm `loop` around
 * records j .. i. The back edge pays the owed flag stores, adds the
 * iteration's records to `done` (and RETIRED, for a fault in a later
 * iteration) and leaves when another run to the block's end would not fit
 * the budget; the top forgets the flag source tracked, the forward locals
 * and the page groups (their host bases reset). Each program runs on both
 * engines, the JIT with innerLoop on and off, whole and in slices of 1000,
 * 50 and 7 instructions (budgets end inside the loops), against the
 * interpreter's run of it (the reference) and, for the counts, a model.
 *
 * Machine code assembled with GNU as (`as --32 -msyntax=intel`), org 0x1000:
 *
 * L1 (CF read at the top: the pre-loop producer's on entry, the loop's ADD on
 * the back edge; the loop nested in a skip; a skip in the loop; CF read after it):
 *   xor ecx,ecx; mov eax,0xfffffff0; xor ebx,ebx; xor edx,edx
 *   L: mov esi,0x80000000; add esi,esi; mov edi,5; bt ecx,0; jc A
 *   I: adc edx,0; bt edi,0; jnc S; add ebx,edi
 *   S: add eax,0x3fffffff; dec edi; jnz I; adc edx,0
 *   A: inc ecx; cmp ecx,100; jnz L; hlt
 * L2 (#PF on a load in the 611th iteration, the 31st pass's 11th; a store each iteration; EBP from the test):
 *   xor eax,eax; xor ecx,ecx; xor edi,edi
 *   L: add ecx,1; mov esi,20
 *   I: mov edx,[ebp+edi*4]; add eax,edx; mov [edi*4+0x20000],edi; inc edi; dec esi; jnz I
 *      cmp ecx,1000; jnz L; hlt
 * L3 (with JitOptions.quietCC: the ADD's flags are owed past the quiet JNZ (CMP overwrites them
 * after the loop): the back edge must pay them, ADC at the top reads the state):
 *   xor edx,edx; xor ebx,ebx; mov ecx,50
 *   L: xor eax,eax; mov edi,7
 *   I: adc edx,0; add edi,-1; jnz I; cmp ebx,0; dec ecx; jnz L; hlt
 * L4 (a skip into the loop's body overlaps it: the loop is left out, its Jcc leaves the block):
 *   xor ecx,ecx; xor eax,eax; xor ebx,ebx
 *   L: mov edi,4; bt ecx,0; jc M
 *   I: add eax,edi
 *   M: add ebx,1; dec edi; jnz I; inc ecx; cmp ecx,300; jnz L; hlt
 * L5 (EAX's forward local is valid before the loop; MUL CL (a call-out) writes EAX in the
 * state only: the top must not read the local):
 *   xor ebx,ebx; xor edx,edx; mov esi,3; mov ecx,40
 *   L: mov eax,1; mov edi,6
 *   I: add edx,eax; mov al,cl; mul cl; dec edi; jnz I; dec ecx; jnz L; hlt
 * L6 (page groups: the leader [esi+8] is skipped on odd EDI, its member [esi+4] after the join;
 * ESI moves a page each iteration, paging on, pages remapped: the top must reset the host bases):
 *   xor ebx,ebx; xor edx,edx; mov ecx,60
 *   L: mov esi,0x40000; mov eax,[esi]; mov edi,6
 *   I: bt edi,0; jc S; mov eax,[esi+8]
 *   S: add ebx,[esi+4]; add esi,0x1000; dec edi; jnz I; dec ecx; jnz L; hlt
 */
import { expect } from 'chai';
import { runSnippet, type SnippetOptions, type SnippetResult } from '../../src/snippet.js';
import { Machine } from '../../src/machine.js';
import { hexBytes } from '../helpers/asm.js';
import { TEST_ENGINES } from '../helpers/engines.js';
import { sameRun } from '../helpers/same-run.js';
import { why } from '../helpers/transfer-programs.js';
import { pageTables, remappedTables, withPaging, PAGE_DIR, PAGING_PREFIX_LEN } from '../helpers/paging.js';
import { XFER_NAMES } from '../../translator/jit/chain.js';
import type { EngineName } from '../../src/machine.js';

const L1 = '31c9b8f0ffffff31db31d2be0000008001f6bf050000000fbae100721683d2000fbae700730201fb05ffffff3f4f75ed83d2004183f96475d2f4';
const L2 = '31c031c931ff83c101be140000008b54bd0001d0893cbd00000200474e75ef81f9e803000075dff4';
const L3 = '31d231dbb93200000031c0bf0700000083d20083c7ff75f883fb004975ebf4';
const L4 = '31c931c031dbbf040000000fbae100720201f883c3014f75f84181f92c01000075e4f4';
const L5 = '31db31d2be03000000b928000000b801000000bf0600000001c288c8f6e14f75f74975eaf4';
const L6 = '31db31d2b93c000000be000004008b06bf060000000fbae70072038b4608035e0481c6001000004f75eb4975dcf4';

/**
 * L6's data: linear page k of 0x40000.. holds k + 1 at +4 and 0x100 * (k + 1)
 * at +8; pages 1-5 are mapped to physical 0x51000.. (identity-mapped, a stale
 * host base would still find the right bytes), whose identity frames hold
 * other words.
 */
const L6_REMAP: Record<number, number> = Object.fromEntries([1, 2, 3, 4, 5].map((k) => [0x40000 + 0x1000 * k, 0x50000 + 0x1000 * k]));
const L6_DATA = [
  ...remappedTables(PAGE_DIR, 0x11000, L6_REMAP),
  ...Array.from({ length: 6 }, (_, k) => {
    const b = new Uint8Array(12), v = new DataView(b.buffer);
    v.setUint32(4, k + 1, true);
    v.setUint32(8, 0x100 * (k + 1), true);
    return { addr: (k === 0 ? 0x40000 : 0x50000) + 0x1000 * k, bytes: b };
  }),
  ...[1, 2, 3, 4, 5].map((k) => ({ addr: 0x40000 + 0x1000 * k, bytes: new Uint8Array([0, 0, 0, 0, 0xad, 0xde, 0, 0, 0xef, 0xbe, 0, 0]) })),
];

function machineFor(engine: EngineName, innerLoop: boolean, quietCC = false): Machine | undefined {
  if (engine !== 'jit') return undefined;
  return new Machine({ memoryMiB: 2, engine: 'jit', jit: { threshold: 2, batch: 64, sync: true, innerLoop, innerCount: 'earlier', quietCC } });
}
/** Taken Jccs to earlier records of their block (JitOptions.innerCount 'earlier') counted in compiled code so far. */
const backTaken = (m: Machine | undefined): number => m?.jit?.counters.xfers[XFER_NAMES.indexOf('inner')] ?? 0;
/** The reference: the interpreter, one slice. */
const reference = (o: SnippetOptions): SnippetResult => runSnippet({ ...o, engine: 'interpreter', machine: undefined, slice: undefined, onSlice: undefined });

/**
 * Run `o` in slices of `slice` on `engine` (`m`: the JIT machine); no slice
 * may retire more than its budget (the back edge's budget test).
 */
function sliced(engine: EngineName, m: Machine | undefined, o: SnippetOptions, slice: number): SnippetResult {
  let last = 0n, worst = 0n;
  const onSlice = (x: Machine): void => {
    const now = x.cpu.icount();
    if (now - last > worst) worst = now - last;
    last = now;
    x.jit?.flush();
  };
  const r = runSnippet({ ...o, engine, machine: m, slice, onSlice });
  expect(Number(worst), 'instructions retired in one slice').to.be.at.most(slice);
  return r;
}


for (const engine of TEST_ENGINES) {
  for (const innerLoop of engine === 'jit' ? [true, false] : [false]) {
    for (const slice of [1000, 50, 7]) {
      describe(`taken Jccs back inside the block [${engine}${engine === 'jit' ? `, innerLoop ${String(innerLoop)}` : ''}, slices of ${slice}]`, () => {
        it('CF read at the loop top and after it; the loop in a skip, a skip in the loop', () => {
          const m = machineFor(engine, innerLoop);
          const o = { code: hexBytes(L1) };
          const r = sliced(engine, m, o, slice), want = reference(o);
          sameRun(r, want);
          // 100 passes of 8 (5 before the loop, 3 after A); 50 of them run the loop (5 iterations of 6, 3 of them 7) and ADC.
          expect(want.instructions).to.equal(4 + 100 * 8 + 50 * 34 + 1);
          if (m !== undefined) {
            expect(r.compiled, `compiled of ${r.instructions}`).to.be.at.least(want.instructions / (slice >= 50 ? 5 : 10));
            if (slice >= 50) expect(backTaken(m), 'taken Jccs to earlier records, compiled').to.be.at.least(20);
          }
        });

        it('#PF on a load in a later iteration of the loop: count, registers, the stores', () => {
          const m = machineFor(engine, innerLoop);
          const o = { code: withPaging(hexBytes(L2)), memory: pageTables({ notPresent: [0x30000] }), regs: { ebp: 0x30000 - 4 * 610 } };
          const r = sliced(engine, m, o, slice), want = reference(o);
          sameRun(r, want);
          expect(want.exception, why(want)).to.deep.include({ vector: 14, eip: 0x1000 + PAGING_PREFIX_LEN + 14 });
          // The paging prefix's 9, then 3, 30 passes of 2 + 20 * 6 + 2, then 2 + 10 * 6 (the load of the 611th iteration faults: not retired).
          expect(want.instructions).to.equal(9 + 3 + 30 * 124 + 2 + 10 * 6);
          expect(want.regs.ecx).to.equal(31);
          const words = new Uint32Array(r.readMemory(0x20000, 4 * 611).slice().buffer);
          expect([...words]).to.deep.equal(Array.from({ length: 611 }, (_, k) => (k < 610 ? k : 0)));
          // Slices of 7: the pass (10 records) never fits, the loop's own block (6, looping on itself) does.
          if (m !== undefined && slice >= 50) {
            expect(r.compiled, `compiled of ${r.instructions}`).to.be.at.least(want.instructions / 5);
            expect(backTaken(m), 'taken Jccs to earlier records, compiled').to.be.at.least(20);
          }
        });

        it('flags owed past a quiet back edge (quietCC): paid by it, read at the top', () => {
          const m = machineFor(engine, innerLoop, true);
          const o = { code: hexBytes(L3) };
          const r = sliced(engine, m, o, slice), want = reference(o);
          sameRun(r, want);
          // ADC adds CF from the ADD before it (1 while EDI was not 0) and XOR's 0 first: 6 an outer pass.
          expect(want.regs.edx).to.equal(50 * 6);
          if (m !== undefined) expect(r.compiled, `compiled of ${r.instructions}`).to.be.at.least(want.instructions / 5);
        });

        it('a skip into the loop overlaps it: the loop left out', () => {
          const m = machineFor(engine, innerLoop);
          const o = { code: hexBytes(L4) };
          const r = sliced(engine, m, o, slice), want = reference(o);
          sameRun(r, want);
          if (m !== undefined) expect(r.compiled, `compiled of ${r.instructions}`).to.be.at.least(want.instructions / 5);
        });

        it('a register written by a call-out in the loop, read at the top (forward locals)', () => {
          const m = machineFor(engine, innerLoop);
          const o = { code: hexBytes(L5) };
          const r = sliced(engine, m, o, slice), want = reference(o);
          sameRun(r, want);
          if (m !== undefined) expect(r.compiled, `compiled of ${r.instructions}`).to.be.at.least(want.instructions / 5);
        });

        it('a page group whose leader the loop skips on some iterations', () => {
          const m = machineFor(engine, innerLoop);
          const o = { code: withPaging(hexBytes(L6)), memory: L6_DATA };
          const r = sliced(engine, m, o, slice), want = reference(o);
          sameRun(r, want);
          // EBX: the +4 words of pages 0..5, 8 times.
          expect(want.regs.ebx).to.equal(60 * (1 + 2 + 3 + 4 + 5 + 6));
          if (m !== undefined) expect(r.compiled, `compiled of ${r.instructions}`).to.be.at.least(want.instructions / 10);
        });
      });
    }
  }
}

describe('taken Jccs back inside the block: fewer transfers (JIT counters)', () => {
  it('L1 and L3 transfer less with innerLoop on; L4 (overlapping) the same', () => {
    const xfers = (code: string, innerLoop: boolean): number => {
      const m = machineFor('jit', innerLoop, true)!;
      const r = runSnippet({ engine: 'jit', machine: m, code: hexBytes(code), slice: 1000, onSlice: (x: Machine): void => x.jit?.flush() });
      return r.direct + r.chained + m.jit!.counters.exits.reduce((a, b) => a + b, 0);
    };
    for (const p of [L1, L3]) expect(xfers(p, true), 'on').to.be.below(xfers(p, false) / 2);
    expect(xfers(L4, true)).to.equal(xfers(L4, false));
  });
});
