/**
 * Page groups kept across a self-loop's back edge (JitOptions.loopGroups;
 * translator/jit/codegen/mem.ts groupUse / finishGroup, ir.ts Fn.loopKept):
 * a leader in the loop's body whose registers no record of the body writes,
 * in a body without call-outs, accesses through its host base `hb` while an
 * earlier pass left it valid (hb made invalid once before the loop, and by
 * every slow arm of the body). Paging on, linear pages sent to other physical
 * pages whose identity frames hold other words: a host base kept for the
 * wrong page (or never set) reads or writes the wrong bytes. Each program
 * runs on both engines, the JIT with loopGroups on and off, whole and in
 * slices of 50 and 7 instructions, against the interpreter's run of it.
 *
 * Machine code assembled with GNU as (`as --32 -msyntax=intel`), org 0x1000
 * after the paging prefix:
 *
 * G1 (the group's base written by ADD r32, imm in the body: page groups keep
 * its generation (Fn.setRegAdd), the loop rule must not):
 *   xor ebx,ebx; mov ecx,60
 *   O: mov esi,0x40000; mov edi,6
 *   L: mov eax,[esi+8]; add ebx,[esi+4]; add esi,0x1000; dec edi; jnz L
 *      dec ecx; jnz O; hlt
 * G2 (EBP never written: the group is kept; its leader a write, its members reads):
 *   xor ebx,ebx; mov ecx,2000; mov ebp,0x41800
 *   L: mov [ebp+8],ecx; mov eax,[ebp+4]; add eax,[ebp+8]; add ebx,eax; dec ecx; jnz L; hlt
 * G3 (the base EAX written only by a call-out, MUL CL: AX = 0x80 * CL moves it a page a pass):
 *   xor ebx,ebx; mov esi,60
 *   O: mov eax,0x40080; mov cl,1; mov edi,6
 *   L: add ebx,[eax+4]; add cl,0x20; mul cl; dec edi; jnz L
 *      dec esi; jnz O; hlt
 */
import { expect } from 'chai';
import { runSnippet, type SnippetOptions, type SnippetResult } from '../../src/snippet.js';
import { Machine } from '../../src/machine.js';
import { hexBytes } from '../helpers/asm.js';
import { TEST_ENGINES } from '../helpers/engines.js';
import { sameRun } from '../helpers/same-run.js';
import { remappedTables, withPaging, PAGE_DIR } from '../helpers/paging.js';
import type { EngineName } from '../../src/machine.js';
import { REMAP, frameOf, pages, word } from '../helpers/scrambled-pages.js';

const G1 = '31dbb93c000000be00000400bf060000008b4608035e0481c6001000004f75f14975e4f4';
const G2 = '31dbb9d0070000bd00180400894d088b450403450801c34975f2f4';
const G3 = '31dbbe3c000000b880000400b101bf0600000003580480c120f6e14f75f54e75e6f4';

const TABLES = remappedTables(PAGE_DIR, 0x11000, REMAP);

function machineFor(engine: EngineName, loopGroups: boolean): Machine | undefined {
  if (engine !== 'jit') return undefined;
  return new Machine({ memoryMiB: 2, engine: 'jit', jit: { threshold: 2, batch: 64, sync: true, loopGroups } });
}
const reference = (o: SnippetOptions): SnippetResult => runSnippet({ ...o, engine: 'interpreter', machine: undefined, slice: undefined, onSlice: undefined });

function sliced(engine: EngineName, m: Machine | undefined, o: SnippetOptions, slice: number): SnippetResult {
  return runSnippet({ ...o, engine, machine: m, slice, onSlice: (x: Machine): void => { x.jit?.flush(); } });
}


for (const engine of TEST_ENGINES) {
  for (const loopGroups of engine === 'jit' ? [true, false] : [false]) {
    for (const slice of [1000, 50, 7]) {
      describe(`page groups across a self-loop's back edge [${engine}${engine === 'jit' ? `, loopGroups ${String(loopGroups)}` : ''}, slices of ${slice}]`, () => {
        it('a base register the body moves by ADD r32, imm: not kept', () => {
          const m = machineFor(engine, loopGroups);
          const o = { code: withPaging(hexBytes(G1)), memory: [...TABLES, ...pages(4, 1), ...pages(8, 0x100)] };
          const r = sliced(engine, m, o, slice), want = reference(o);
          sameRun(r, want);
          // EBX: the +4 words of pages 0..5, 60 times.
          expect(want.regs.ebx).to.equal(60 * (1 + 2 + 3 + 4 + 5 + 6));
          expect(want.regs.eax).to.equal(0x600);
          if (m !== undefined && slice >= 50) expect(r.compiled, `compiled of ${r.instructions}`).to.be.at.least(want.instructions / 5);
        });

        it('a base register the body leaves alone: kept, the leader a write', () => {
          const m = machineFor(engine, loopGroups);
          const o = { code: withPaging(hexBytes(G2)), memory: [...TABLES, word(frameOf(1) + 0x804, 5), word(0x41804, 0x77)] };
          const r = sliced(engine, m, o, slice), want = reference(o);
          sameRun(r, want);
          // EBX: 5 + ECX for ECX = 2000 .. 1; the last store (ECX = 1) in the frame the page maps to.
          expect(want.regs.ebx).to.equal(2000 * 5 + 2000 * 2001 / 2);
          expect(new Uint32Array(r.readMemory(frameOf(1) + 0x808, 4).slice().buffer)[0]).to.equal(1);
          expect(new Uint32Array(r.readMemory(0x41808, 4).slice().buffer)[0]).to.equal(0);
          if (m !== undefined && slice >= 50) expect(r.compiled, `compiled of ${r.instructions}`).to.be.at.least(want.instructions / 5);
        });

        it('a base register written by a call-out in the body: not kept', () => {
          const m = machineFor(engine, loopGroups);
          const o = { code: withPaging(hexBytes(G3)), memory: [...TABLES, ...pages(0x84, 1)] };
          const r = sliced(engine, m, o, slice), want = reference(o);
          sameRun(r, want);
          expect(want.regs.ebx).to.equal(60 * (1 + 2 + 3 + 4 + 5 + 6));
          if (m !== undefined && slice >= 50) expect(r.compiled, `compiled of ${r.instructions}`).to.be.at.least(want.instructions / 5);
        });
      });
    }
  }
}
