/**
 * Records -> WebAssembly: one function per block, many blocks per module.
 * Each record is generated inline when the registry has an emitter for its
 * form, else it runs through a call-out to its interpreter handler (the
 * `plain` form of a fused record, the mid-block form of a T_COND or folded
 * record: exactly what the interpreter runs for it alone). A block function
 * returns (records retired) << 1 | (EIP written by a branch), the contract
 * of Block.jit (runtime/records.ts).
 */
import binaryen from 'binaryen';
import { EXIT, T_BRANCH, T_COND, type Block, type Rec } from '../../runtime/records.js';
import type { Cpu } from '../../runtime/cpu.js';
import { getCF, pinCF } from '../../runtime/flags.js';
import { BLOCK_DEAD, EIP } from '../../runtime/state/layout.js';
import { Fn, SELF_LOOP, type X } from './ir.js';
import { isPureCallout } from './facts.js';
import { emitterFor } from './registry.js';
import { functionBodySizes } from './wasm-sizes.js';
import './codegen/index.js';

/** Features the generated code uses; V8 11.3 rejects some of Features.All's encodings. */
const FEATURES = binaryen.Features.MutableGlobals | binaryen.Features.SignExt;


export interface CompiledBatch {
  /** Module bytes (for sizes and the counters). */
  bytes: number;
  /** Records emitted inline / through call-outs. */
  inline: number;
  callouts: number;
  /**
   * Per block, in batch order: its function body's size in the module's code
   * section (wasm-sizes.ts), whether it calls an impure interpreter handler
   * (facts.ts isPureCallout), and the indices of its records run through
   * call-outs. Read by the profiler and the lockstep checker.
   */
  blocks: { bytes: number; impure: boolean; callouts: number[] }[];
  /** The module in wasm text format, when asked for (compileBatch's `text`). */
  text?: string;
}

function emitBlock(m: binaryen.Module, b: Block, recBase: number, stats: CompiledBatch): { body: X; vars: binaryen.Type[]; impure: boolean; callouts: number[] } {
  const f = new Fn(m, b.code32, recBase);
  const recs = b.recs, n = recs.length;
  const out: X[] = [];
  const callouts: number[] = [];
  for (const r of recs) {
    const last = r.idx === n - 1;
    f.stored = false;
    const e = emitterFor(r);
    let x = e ? e(f, r, last) : null;
    if (x !== null) stats.inline++;
    else {
      stats.callouts++;
      callouts.push(r.idx);
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
  return { body, vars: f.vars, impure: f.impure, callouts };
}

function calloutRecord(f: Fn, r: Rec): X {
  const call = f.callout(r);
  // A taken mid-block branch has written EIP: the block ends after this record.
  return r.term === T_COND ? f.m.if(call, f.exit(r.idx + 1, true)) : f.m.drop(call);
}

/**
 * Compile `blocks` into one module and attach each function as its block's
 * `jit`. `opts.text`: also return the module as wasm text (lockstep reports).
 */
export function compileBatch(cpu: Cpu, blocks: Block[], opts: { text?: boolean } = {}): CompiledBatch {
  const m = new binaryen.Module();
  const stats: CompiledBatch = { bytes: 0, inline: 0, callouts: 0, blocks: [] };
  const perBlock: { impure: boolean; callouts: number[] }[] = [];
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
    const table: Rec[] = [];
    blocks.forEach((b, j) => {
      const { body, vars, impure, callouts } = emitBlock(m, b, table.length, stats);
      perBlock.push({ impure, callouts });
      for (const r of b.recs) table.push(r);
      m.addFunction(`b${j}`, i32, i32, vars, body);
      m.addFunctionExport(`b${j}`, `b${j}`);
    });
    const bin = m.emitBinary();
    stats.bytes = bin.length;
    const sizes = functionBodySizes(bin);
    stats.blocks = perBlock.map((p, j) => ({ bytes: sizes[j] ?? 0, ...p }));
    if (opts.text) stats.text = m.emitText();
    const inst = new WebAssembly.Instance(new WebAssembly.Module(bin as Uint8Array<ArrayBuffer>), { env: imports(cpu, table) });
    blocks.forEach((b, j) => { b.jit = inst.exports[`b${j}`] as () => number; });
  } finally {
    m.dispose();
  }
  return stats;
}

/** The runtime helpers generated code calls; a guest fault escapes them as an exception (FAULT_REC names the record). */
function imports(cpu: Cpu, table: Rec[]): Record<string, WebAssembly.ImportValue> {
  const mmu = cpu.mmu;
  return {
    mem: cpu.phys.memory,
    pincf: (): void => pinCF(cpu.s),
    getcf: (): number => getCF(cpu.s),
    interp: (k: number): number => {
      const r = table[k]!;
      return (r.plain ?? r.exec)(cpu, r) === EXIT ? 1 : 0;
    },
    rd: (seg: number, off: number, size: number): number => {
      const lin = cpu.linc(seg, off, size);
      return size === 4 ? mmu.read32(lin) : size === 2 ? mmu.read16(lin) : mmu.read8(lin);
    },
    rdw: (seg: number, off: number, size: number): number => {
      const lin = cpu.lincW(seg, off, size);
      return size === 4 ? mmu.readW32(lin) : size === 2 ? mmu.readW16(lin) : mmu.readW8(lin);
    },
    wr: (seg: number, off: number, size: number, v: number): void => {
      const lin = cpu.lincW(seg, off, size);
      if (size === 4) mmu.write32(lin, v); else if (size === 2) mmu.write16(lin, v); else mmu.write8(lin, v);
    },
  };
}
