/**
 * Module-internal helpers for the cold arms of generated code: a memory
 * access's slow arm (limit failure, TLB miss, page crossing, MMIO, a write
 * to a code page) and a record's call-out to its interpreter handler. Each
 * names the faulting record (FAULT_REC) and calls the runtime import, so a
 * call site is `call $h (fault, offset[, value])` instead of a FAULT_REC
 * store plus the import's constant arguments inline: ~10 bytes less per
 * memory access and ~6 per call-out (bench/emit.ts bytes/block), for one
 * wasm -> wasm call on paths that go on into JS anyway.
 *
 * The helpers a module's blocks used are defined after the blocks
 * (compile.ts emitModule: function j stays block j for functionBodySizes).
 */
import binaryen from './binaryen.js';
import { FAULT_REC } from '../../runtime/state/layout.js';

type X = binaryen.ExpressionRef;

/** The runtime imports the slow arms call (compile.ts emitModule declares them): read, read for a later write, write. */
export type SlowAccess = 'rd' | 'rdw' | 'wr';

/** Per module: helper name -> its definer, for the helpers its blocks called. */
const used = new WeakMap<binaryen.Module, Map<string, () => void>>();

/** Define helper `name` (by `define`, after the module's blocks: addColdHelpers) unless the module has it already. */
export function needHelper(m: binaryen.Module, name: string, define: () => void): void {
  let u = used.get(m);
  if (u === undefined) {
    u = new Map();
    used.set(m, u);
  }
  if (!u.has(name)) u.set(name, define);
}

const storeFault = (m: binaryen.Module): X => m.i32.store(FAULT_REC, 4, m.i32.const(0), m.local.get(0, binaryen.i32));

/** `interp(rec)` after FAULT_REC = `fault`: the record's handler (the value is 1 when a T_COND branch was taken). */
export function coldCallout(m: binaryen.Module, fault: X, rec: X): X {
  const i32 = binaryen.i32, name = 'c_interp';
  needHelper(m, name, () => m.addFunction(name, binaryen.createType([i32, i32]), i32, [],
    m.block(null, [storeFault(m), m.call('interp', [m.local.get(1, i32)], i32)], i32)));
  return m.call(name, [fault, rec], i32);
}

/**
 * The slow arm of an access of `size` bytes through segment `seg` at offset
 * `off`, after FAULT_REC = `fault`: `rd`/`rdw` give the value read, `wr`
 * writes `val` (and has no value).
 */
export function coldAccess(m: binaryen.Module, kind: SlowAccess, seg: number, size: number, fault: X, off: X, val?: X): X {
  const i32 = binaryen.i32, name = `c_${kind}${seg}_${size}`;
  if (kind === 'wr') {
    if (val === undefined) throw new Error('cold.ts: a slow write needs its value');
    needHelper(m, name, () => m.addFunction(name, binaryen.createType([i32, i32, i32]), binaryen.none, [],
      m.block(null, slowCall(m, kind, seg, size))));
    return m.call(name, [fault, off, val], binaryen.none);
  }
  needHelper(m, name, () => m.addFunction(name, binaryen.createType([i32, i32]), i32, [],
    m.block(null, slowCall(m, kind, seg, size), i32)));
  return m.call(name, [fault, off], i32);
}

/**
 * A helper's slow arm, in a function whose parameters are (fault, offset[,
 * value]): FAULT_REC = fault, then the runtime import (the value read, or
 * none for `wr`). Shared with codegen/mem.ts checkedAccess.
 */
export function slowCall(m: binaryen.Module, kind: SlowAccess, seg: number, size: number): X[] {
  const i32 = binaryen.i32;
  if (kind === 'wr') return [storeFault(m), m.call('wr', [m.i32.const(seg), m.local.get(1, i32), m.i32.const(size), m.local.get(2, i32)], binaryen.none)];
  return [storeFault(m), m.call(kind, [m.i32.const(seg), m.local.get(1, i32), m.i32.const(size)], i32)];
}

/** The signature of coldAccess, for ir.ts slowAccess's helper (codegen/mem.ts checkedAccess is the other). */
export type ColdAccess = typeof coldAccess;

/** Define the helpers the module's blocks called (after the blocks' functions). */
export function addColdHelpers(m: binaryen.Module): void {
  const u = used.get(m);
  if (u === undefined) return;
  for (const define of u.values()) define();
  used.delete(m);
}

/**
 * Return to the dispatch loop: each state word at the offsets `counters`
 * (JIT_EXITS / JIT_XFERS counters) += 1, then the block's result
 * (`n` records retired) << 1 | 1 (EIP written), tail-called from the exit.
 * ~11 bytes a counter less per exit; these exits go back to the JS loop.
 */
export function coldReturn(m: binaryen.Module, n: X, counters: readonly number[]): X {
  const i32 = binaryen.i32, k = counters.length, name = `c_ret${k}`;
  needHelper(m, name, () => {
    const p = (i: number): X => m.local.get(i, i32);
    const bumps = Array.from({ length: k }, (_, i) => m.i32.store(0, 4, p(i + 1), m.i32.add(m.i32.load(0, 4, p(i + 1)), m.i32.const(1))));
    m.addFunction(name, binaryen.createType([i32, ...counters.map(() => i32)]), i32, [],
      m.block(null, [...bumps, m.i32.or(m.i32.shl(p(0), m.i32.const(1)), m.i32.const(1))], i32));
  });
  return m.return_call(name, [n, ...counters.map((c) => m.i32.const(c))], i32);
}
