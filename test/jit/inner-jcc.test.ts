/**
 * Taken Jccs kept inside their block (JitOptions.innerJcc; translator/jit/
 * compile.ts innerSkips, ir.ts Fn.innerBranch / Fn.join): a Jcc whose target
 * is a later record of its block branches forward inside the function. The
 * records it skips never retire, so the count of every exit and fault after
 * the join is a run-time value, and what the code after the join assumes
 * (flags tracked in locals or owed, forwarded registers, page groups) must
 * hold on both paths. Each program runs on both engines, the JIT with
 * innerJcc on and off, whole and in small slices (budget exits everywhere,
 * right after joins too), against a model of the program.
 *
 * Machine code assembled with GNU as (`as --32 -msyntax=intel`), org 0x1000:
 *
 * P1 (flags read after the join; a nested skip; a skip that starts after a join):
 *   xor ecx,ecx; xor eax,eax; xor ebx,ebx; xor edx,edx; xor edi,edi
 *   L: mov esi,0xC0000000; bt ecx,0; jnc A; bt ecx,1; jc B; add eax,esi; add ebx,1
 *   B: add ebx,ecx; add esi,esi (CF = 1)
 *   A: adc edx,0 (CF: 0 taken, from BT; 1 not taken); bt ecx,2; jc C; add edi,5
 *   C: inc ecx; cmp ecx,200; jnz L; hlt
 * P2 (a store skipped; #PF on a load after the join; EBP from the test):
 *   xor ecx,ecx; xor eax,eax; xor edx,edx
 *   L: mov esi,ecx; bt ecx,0; jnc A; mov [ecx*4+0x20000],ecx; add esi,7
 *   A: add eax,[ecx*4+0x1fffc]; mov edx,[ebp+ecx*4] (0x30000 not present); add eax,esi
 *      inc ecx; cmp ecx,100; jnz L; hlt
 * P3 (nested skips and one that overlaps them: it leaves the block; EAX written in the skipped
 * records only and read after the joins: its forward local is valid on one path only):
 *   xor ecx,ecx; mov eax,0x1000; xor ebx,ebx; xor edx,edx
 *   L: bt ecx,0; jc A; bt ecx,1; jc B; add eax,ecx; bt ecx,2; jc C
 *   B: add ebx,ecx
 *   A: add edx,1
 *   C: add edx,eax; inc ecx; cmp ecx,300; jnz L; hlt
 * P4 (with JitOptions.quietCC: AND's flags are owed past the quiet JZ, overwritten by the skipped ADD;
 * the inner branch must pay them, SETZ after the join reads the state):
 *   xor ecx,ecx; xor eax,eax; xor ebx,ebx; xor edx,edx
 *   L: mov esi,ecx; and esi,3; jz A; add ebx,ecx
 *   A: setz dl; add eax,edx; inc ecx; cmp ecx,200; jnz L; hlt
 */
import { expect } from 'chai';
import { runSnippet, type SnippetResult } from '../../src/snippet.js';
import { Machine } from '../../src/machine.js';
import { hexBytes } from '../helpers/asm.js';
import { TEST_ENGINES } from '../helpers/engines.js';
import { pageTables, withPaging, PAGING_PREFIX_LEN } from '../helpers/paging.js';
import { XFER_NAMES } from '../../translator/jit/chain.js';
import type { EngineName } from '../../src/machine.js';

const P1 = '31c931c031db31d231ffbe000000c00fbae100730f0fbae101720501f083c30101cb01f683d2000fbae102720383c7054181f9c800000075d1f4';
const P2 = '31c931c031d289ce0fbae100730a890c8d0000020083c60703048dfcff01008b548d0001f04183f96475dbf4';
const P3 = '31c9b80010000031db31d20fbae10072100fbae101720801c80fbae102720501cb83c20101c24181f92c01000075dcf4';
const P4 = '31c931c031db31d289ce83e603740201cb0f94c201d04181f9c800000075e9f4';

type Model = { regs: Record<string, number>; insns: number };

function model1(): Model {
  let eax = 0, ebx = 0, edx = 0, edi = 0, esi = 0, insns = 5;
  for (let ecx = 0; ecx < 200; ecx++) {
    esi = 0xc0000000; insns += 3;
    if (ecx & 1) {
      insns += 2;
      if (!(ecx & 2)) { eax = (eax + 0xc0000000) >>> 0; ebx += 1; insns += 2; }
      ebx += ecx; esi = 0x80000000; insns += 2;
      edx += 1;
    }
    insns += 3;
    if (!(ecx & 4)) { edi += 5; insns += 1; }
    insns += 3;
  }
  return { regs: { eax, ebx, ecx: 200, edx, edi, esi }, insns: insns + 1 };
}

/** P2 until the load of [ebp + ecx*4] reaches 0x30000 (a #PF): the registers, the count and the iteration it faulted in. */
function model2(ebp: number): Model & { ecx: number } {
  let eax = 0, esi = 0, edx = 0, insns = 9 + 3; // the paging prefix's 9, then 3
  const mem = new Map<number, number>();
  for (let ecx = 0; ; ecx++) {
    esi = ecx; insns += 3;
    if (ecx & 1) { mem.set(ecx, ecx); esi += 7; insns += 2; }
    eax = (eax + (mem.get(ecx - 1) ?? 0)) >>> 0; insns += 1;
    if (ebp + 4 * ecx >= 0x30000) return { regs: { eax, ecx, esi, edx }, insns, ecx };
    edx = 0; eax = (eax + esi) >>> 0; insns += 5;
  }
}

function model3(): Model {
  let eax = 0x1000, ebx = 0, edx = 0, insns = 4;
  for (let ecx = 0; ecx < 300; ecx++) {
    insns += 2;
    if (ecx & 1) { edx += 1 + eax; insns += 2; }
    else {
      insns += 2;
      if (ecx & 2) { ebx += ecx; edx += 1 + eax; insns += 3; }
      else {
        eax += ecx; insns += 3;
        if (ecx & 4) { edx += eax; insns += 1; } else { ebx += ecx; edx += 1 + eax; insns += 3; }
      }
    }
    edx >>>= 0;
    insns += 3;
  }
  return { regs: { eax, ebx, ecx: 300, edx }, insns: insns + 1 };
}

function model4(): Model {
  let eax = 0, ebx = 0, insns = 4;
  for (let ecx = 0; ecx < 200; ecx++) {
    insns += 3;
    if ((ecx & 3) !== 0) { ebx += ecx; insns += 1; }
    // SETZ DL: ZF from AND (taken) or from ADD EBX, ECX (never 0 here).
    if ((ecx & 3) === 0) eax += 1;
    insns += 5;
  }
  return { regs: { eax, ebx, ecx: 200, edx: 0 }, insns: insns + 1 };
}

function machineFor(engine: EngineName, innerJcc: boolean, quietCC = false): Machine | undefined {
  if (engine !== 'jit') return undefined;
  return new Machine({ memoryMiB: 2, engine: 'jit', jit: { threshold: 2, batch: 64, sync: true, innerJcc, innerCount: 'later', quietCC } });
}
const why = (r: SnippetResult): string => `stop ${r.stop} ${r.exception?.name ?? ''} ${r.exception?.reason ?? ''} at ${r.exception?.eip.toString(16) ?? ''}`;
/** Taken Jccs to later records of their block (JitOptions.innerCount) counted in compiled code so far. */
const innerTaken = (m: Machine | undefined): number => m?.jit?.counters.xfers[XFER_NAMES.indexOf('inner')] ?? 0;

for (const engine of TEST_ENGINES) {
  for (const innerJcc of engine === 'jit' ? [true, false] : [false]) {
    for (const slice of [1000, 50, 7]) {
      describe(`taken Jccs inside the block [${engine}${engine === 'jit' ? `, innerJcc ${String(innerJcc)}` : ''}, slices of ${slice}]`, () => {
        // Slices: the loop's budget ends everywhere (right after joins too); between them the batch is compiled.
        const sliced = { slice, onSlice: (x: Machine): void => x.jit?.flush() };

        it('taken and not-taken skips, flags read after the join, a nested skip, a skip after a join', () => {
          const m = machineFor(engine, innerJcc);
          const r = runSnippet({ engine, machine: m, code: hexBytes(P1), ...sliced });
          const want = model1();
          expect(r.stop, why(r)).to.equal('hlt');
          expect(r.regs).to.deep.include(want.regs);
          expect(r.instructions).to.equal(want.insns);
          if (m !== undefined) {
            expect(r.compiled, 'compiled').to.be.at.least(want.insns / 5);
            expect(innerTaken(m), 'taken Jccs to later records, compiled').to.be.at.least(20);
          }
        });

        for (const [ebp, path] of [[0x2ff10, 'taken'], [0x2ff0c, 'not taken']] as const) {
          it(`a store skipped; #PF on a load after the join (reached ${path})`, () => {
            const m = machineFor(engine, innerJcc);
            const r = runSnippet({ engine, machine: m, code: withPaging(hexBytes(P2)), memory: pageTables({ notPresent: [0x30000] }), regs: { ebp }, ...sliced, slice: Math.min(slice, 50) });
            const want = model2(ebp);
            expect(r.exception, why(r)).to.deep.include({ vector: 14, eip: 0x1000 + PAGING_PREFIX_LEN + 0x1f });
            expect(r.regs).to.deep.include(want.regs);
            expect(r.instructions).to.equal(want.insns);
            // The stores of the odd iterations only.
            const words = new Uint32Array(r.readMemory(0x20000, 4 * want.ecx).slice().buffer);
            expect([...words]).to.deep.equal(Array.from({ length: want.ecx }, (_, k) => (k & 1 ? k : 0)));
            if (m !== undefined) expect(r.compiled, 'compiled').to.be.at.least(want.insns / 5);
          });
        }

        it('nested skips and an overlapping one', () => {
          const m = machineFor(engine, innerJcc);
          const r = runSnippet({ engine, machine: m, code: hexBytes(P3), ...sliced });
          const want = model3();
          expect(r.stop, why(r)).to.equal('hlt');
          expect(r.regs).to.deep.include(want.regs);
          expect(r.instructions).to.equal(want.insns);
          if (m !== undefined) expect(r.compiled, 'compiled').to.be.at.least(want.insns / 5);
        });

        it('flags owed past a quiet Jcc (quietCC), paid by the inner branch, read after the join', () => {
          const m = machineFor(engine, innerJcc, true);
          const r = runSnippet({ engine, machine: m, code: hexBytes(P4), ...sliced });
          const want = model4();
          expect(r.stop, why(r)).to.equal('hlt');
          expect(r.regs).to.deep.include(want.regs);
          expect(r.instructions).to.equal(want.insns);
          if (m !== undefined) expect(r.compiled, 'compiled').to.be.at.least(want.insns / 5);
        });
      });
    }
  }
}

describe('taken Jccs inside the block: fewer transfers (JIT counters)', () => {
  it('P1 and P3 transfer less with innerJcc on', () => {
    const xfers = (code: string, innerJcc: boolean): number => {
      const m = machineFor('jit', innerJcc)!;
      const r = runSnippet({ engine: 'jit', machine: m, code: hexBytes(code), slice: 1000, onSlice: (x: Machine): void => x.jit?.flush() });
      return r.direct + r.chained + m.jit!.counters.exits.reduce((a, b) => a + b, 0);
    };
    for (const p of [P1, P3]) expect(xfers(p, true), 'on').to.be.below(xfers(p, false) / 2);
  });
});
