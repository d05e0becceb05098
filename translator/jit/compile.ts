/**
 * Records -> WebAssembly: one function per block, many blocks per module.
 * Each record is generated inline when the registry has an emitter for its
 * form, else it runs through a call-out to its interpreter handler (the
 * `plain` form of a fused record, the mid-block form of a T_COND or folded
 * record: exactly what the interpreter runs for it alone). A block function
 * returns (records retired) << 1 | (EIP written by a branch), the contract
 * of Block.jit (runtime/records.ts).
 *
 * This module (with ir.ts, codegen/ and binaryen) runs in the compile worker
 * (worker.ts); the main thread never loads it: it instantiates the modules
 * with their imports in link.ts.
 */
import binaryen from 'binaryen';
import { T_BRANCH, T_COND, type Block, type Rec } from '../../runtime/records.js';
import { BLOCK_DEAD, EIP } from '../../runtime/state/layout.js';
import { Fn, SELF_LOOP, type X } from './ir.js';
import { isPureCallout } from './facts.js';
import { emitterFor } from './registry.js';
import './codegen/index.js';

/** Features the generated code uses; V8 11.3 rejects some of Features.All's encodings. */
const FEATURES = binaryen.Features.MutableGlobals | binaryen.Features.SignExt;


/** What emitModule made: the module's bytes, each block's export name, and how its records were generated. */
export interface EmittedModule {
  bytes: Uint8Array;
  names: string[];
  inline: number;
  callouts: number;
}

function emitBlock(m: binaryen.Module, b: Block, recBase: number, stats: { inline: number; callouts: number }): { body: X; vars: binaryen.Type[] } {
  const f = new Fn(m, b.code32, recBase);
  const recs = b.recs, n = recs.length;
  const out: X[] = [];
  for (const r of recs) {
    const last = r.idx === n - 1;
    f.stored = false;
    const e = emitterFor(r);
    let x = e ? e(f, r, last) : null;
    if (x !== null) stats.inline++;
    else {
      stats.callouts++;
      x = calloutRecord(f, r);
      f.flags = null;
      f.stored = true;
      if (!isPureCallout(r)) f.impure = true;
    }
    out.push(x);
    // A write may have hit this block's own code: leave before the next record (BLOCK_EXIT),
    // writing EIP (a block looping on itself may be in a later iteration).
    if (f.stored && !last) {
      out.push(m.if(f.ld(BLOCK_DEAD), f.block([f.st(EIP, f.eipAt(recs[r.idx + 1]!.off)), f.exit(r.idx + 1, true)])));
    }
  }
  // The end: EIP written here (the block may have looped, see Fn.loopBack), unless the last record's handler branched.
  const lastRec = recs[n - 1]!;
  if (lastRec.term !== T_BRANCH) out.push(f.st(EIP, f.eipAt(lastRec.next)));
  out.push(f.exit(n, true));
  // The loop label is the target of a block that branches back to its own start (codegen/branch.ts).
  const body = m.block(null, [f.set(f.eip0, f.ld(EIP)), m.loop(SELF_LOOP, m.block(null, out, binaryen.none))], binaryen.none);
  return { body, vars: f.vars };
}

function calloutRecord(f: Fn, r: Rec): X {
  const call = f.callout(r);
  // A taken mid-block branch has written EIP: the block ends after this record.
  return r.term === T_COND ? f.m.if(call, f.exit(r.idx + 1, true)) : f.m.drop(call);
}

/**
 * Records -> module bytes: one exported function per block (`names[j]` for
 * `blocks[j]`). Needs no machine: the compile worker (worker.ts) runs it on
 * copies of the records (pack.ts); the call-outs name records by their index
 * in the concatenation of the blocks' records, bound by `instantiate`.
 */
export function emitModule(blocks: readonly Block[]): EmittedModule {
  const m = new binaryen.Module();
  const out: EmittedModule = { bytes: new Uint8Array(0), names: [], inline: 0, callouts: 0 };
  try {
    m.setFeatures(FEATURES);
    m.setMemory(1, -1, null);
    m.addMemoryImport('0', 'env', 'mem');
    const i32 = binaryen.i32;
    m.addFunctionImport('interp', 'env', 'interp', i32, i32);
    m.addFunctionImport('rd', 'env', 'rd', binaryen.createType([i32, i32, i32]), i32);
    m.addFunctionImport('rdw', 'env', 'rdw', binaryen.createType([i32, i32, i32]), i32);
    m.addFunctionImport('wr', 'env', 'wr', binaryen.createType([i32, i32, i32, i32]), binaryen.none);
    m.addFunctionImport('pincf', 'env', 'pincf', binaryen.none, binaryen.none);
    m.addFunctionImport('getcf', 'env', 'getcf', binaryen.none, i32);
    let recBase = 0;
    blocks.forEach((b, j) => {
      const { body, vars } = emitBlock(m, b, recBase, out);
      recBase += b.recs.length;
      m.addFunction(`b${j}`, i32, i32, vars, body);
      m.addFunctionExport(`b${j}`, `b${j}`);
      out.names.push(`b${j}`);
    });
    out.bytes = m.emitBinary();
  } finally {
    m.dispose();
  }
  return out;
}
