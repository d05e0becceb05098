// One copy of the self-loop programs and their checked runs, shared by loop-regs.test.ts and regs-loops.test.ts (they test the same loops).
import { expect } from 'chai';
import { runSnippet, type SnippetOptions, type SnippetResult } from '../../src/snippet.js';
import { Machine, type EngineName } from '../../src/machine.js';
import type { Block } from '../../runtime/records.js';
import type { JitOptions } from '../../translator/jit/engine.js';
import { hexBytes } from './asm.js';
import { sameRun } from './same-run.js';
import { remappedTables, withPaging, PAGE_DIR, PAGING_PREFIX_LEN } from './paging.js';
import { REMAP, pages, word } from './scrambled-pages.js';

export const R1 = '31c031db31ffbe140000008b54bd0001d08984bd00f0ffff035d04474e75ecbe140000004181f9e803000075def4';
export const R2 = '31dbbe3c000000b880000400b101bf0600000003580480c120f6e14f75f54e75e6f4';
export const R3 = '31db31c98b448d0001c3899c8d000800004181f92c01000075eaf4';
/** R1's loop L: org 0x1000, the paging prefix, then 11 bytes. */
export const R1_LOOP = 0x1000 + PAGING_PREFIX_LEN + 11;

/** 300 words at 0x20000: 3 * i + 1. */
export const TABLE = Array.from({ length: 300 }, (_, i) => word(0x20000 + 4 * i, 3 * i + 1));

/** The JIT machine of these tests with `jit` added (undefined for the interpreter). */
export function loopMachine(engine: EngineName, jit: JitOptions): Machine | undefined {
  if (engine !== 'jit') return undefined;
  return new Machine({ memoryMiB: 2, engine: 'jit', jit: { threshold: 2, batch: 64, sync: true, ...jit } });
}
export const reference = (o: SnippetOptions): SnippetResult => runSnippet({ ...o, engine: 'interpreter', machine: undefined, slice: undefined, onSlice: undefined });
export function sliced(engine: EngineName, m: Machine | undefined, o: SnippetOptions, slice: number): SnippetResult {
  return runSnippet({ ...o, engine, machine: m, slice, onSlice: (x: Machine): void => { x.jit?.flush(); } });
}
/** `o` run in slices on `engine` and by the interpreter, the two the same. */
export function runChecked(engine: EngineName, m: Machine | undefined, o: SnippetOptions, slice: number): { r: SnippetResult; want: SnippetResult } {
  const r = sliced(engine, m, o, slice), want = reference(o);
  sameRun(r, want);
  return { r, want };
}
/** With the JIT and slices of 50 or more: at least a fifth of the instructions ran compiled. */
export function expectCompiled(m: Machine | undefined, slice: number, r: SnippetResult, want: SnippetResult): void {
  if (m !== undefined && slice >= 50) expect(r.compiled, `compiled of ${r.instructions}`).to.be.at.least(want.instructions / 5);
}

/** R2 (EAX written by a call-out, MUL CL, read by the next pass; pages remapped): EBX 60 times 1 + ... + 6. */
export function checkR2(engine: EngineName, m: Machine | undefined, slice: number): void {
  const o = { code: withPaging(hexBytes(R2)), memory: [...remappedTables(PAGE_DIR, 0x11000, REMAP), ...pages(0x84, 1)] };
  const { r, want } = runChecked(engine, m, o, slice);
  expect(want.regs.ebx).to.equal(60 * (1 + 2 + 3 + 4 + 5 + 6));
  expectCompiled(m, slice, r, want);
}

/** R3 (ECX carried to the next pass): EBX the sum of 3i + 1 for i < 300; the last running sum stored at 0x20000 + 0x800 + 4 * 299. */
export function checkR3(engine: EngineName, m: Machine | undefined, slice: number): void {
  const o = { code: hexBytes(R3), memory: TABLE, regs: { ebp: 0x20000 } };
  const { r, want } = runChecked(engine, m, o, slice);
  expect(want.regs.ebx).to.equal(3 * 299 * 300 / 2 + 300);
  expect(new Uint32Array(r.readMemory(0x20800 + 4 * 299, 4).slice().buffer)[0]).to.equal(want.regs.ebx);
  expectCompiled(m, slice, r, want);
}

/** The block at `at` after an interpreter run of `o` (`name` for the error when there is none). */
export function loopBlock(o: SnippetOptions, at: number, name: string): Block {
  const m = new Machine({ memoryMiB: 2 });
  runSnippet({ ...o, engine: 'interpreter', machine: m });
  const b = m.frontEnd.peek(at, true);
  if (b === undefined) throw new Error(`${name}: no block at L`);
  return b;
}
