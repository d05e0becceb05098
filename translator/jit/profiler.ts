/**
 * The translation-cache profiler behind `jitvisor profile`: per block, the
 * instructions each engine ran in it; per compiled module, its compile time
 * and sizes. Kept apart from profile.ts (the per-form histograms, which load
 * binaryen): the profiler runs on the main thread of a normal run, which
 * never loads binaryen (code generation is in the compile worker).
 */
import type { Block } from '../../runtime/records.js';
import type { Cpu } from '../../runtime/cpu.js';
import { CS, SEG_BASE, w } from '../../runtime/state/layout.js';
import type { Jit } from './engine.js';
import { blockBytes, disassemble, type DisasmLine } from './disasm.js';

/** What the profiler knows about one block (live or dead). */
export interface BlockProfile {
  block: Block;
  /** EIP and CS base at its first run (a block is keyed by physical address; other mappings may run it too). */
  eip: number;
  csBase: number;
  /** Its records' bytes at its first run (the code may be overwritten later). */
  bytes: Uint8Array[];
  /** Times the dispatcher ran it, and how many of those ran its compiled code. */
  entries: number;
  jitEntries: number;
  /** Guest instructions retired in it (a compiled block looping on itself counts every pass), and of those by compiled code. */
  insns: number;
  jitInsns: number;
  compiled: boolean;
  /** Its wasm function body in bytes, records inline / through call-outs (compiled blocks). */
  wasmBytes: number;
  inline: number;
  callouts: number;
  /** Its share of its module's compile time, µs (module time / blocks in the module). */
  compileUs: number;
}

export interface ModuleProfile { ms: number; blocks: number; bytes: number }

/**
 * Attaches to a machine's JIT and records, per block, the instructions each
 * engine ran in it (through the loop's BlockSource.ran hook) and, per
 * compiled module, its compile time, blocks and sizes (Jit.onCompiled).
 * The per-block counts add up to the loop's totals (RunResult.executed and
 * .compiled) by construction: the hook is told every retired instruction.
 *
 * With chaining inside wasm (chain.ts) the loop sees only the total of a
 * chained run: it tells the hook the predecessors' instructions as run in
 * the block it entered and the last block's own (the totals still add up).
 * Exact per-block counts need chaining off (JitOptions.chain: false), which
 * `jitvisor profile` does by default (src/commands/profile.ts).
 */
export class Profiler {
  readonly blocks = new Map<Block, BlockProfile>();
  readonly modules: ModuleProfile[] = [];

  constructor(private readonly cpu: Cpu, jit: Jit) {
    // Its blocks may die during the run (the decompressor's, evicted ones) and are disassembled after it.
    jit.keepDeadRecords();
    jit.ran = (b, n, compiled) => {
      let p = this.blocks.get(b);
      if (p === undefined) p = this.add(b);
      if (p.entries === 0) this.firstRun(p);
      p.entries++;
      p.insns += n;
      if (compiled) { p.jitEntries++; p.jitInsns += n; }
    };
    jit.onCompiled = (blocks, batch, ms) => {
      this.modules.push({ ms, blocks: blocks.length, bytes: batch.bytes });
      blocks.forEach((b, j) => {
        if (b.jit === null) return; // killed while it compiled: no code attached (JitCounters.staleAtAttach)
        const p = this.blocks.get(b) ?? this.add(b);
        const info = batch.blocks[j];
        p.compiled = true;
        p.wasmBytes = info?.bytes ?? 0;
        p.callouts = info?.callouts.length ?? 0;
        p.inline = b.recs.length - p.callouts;
        p.compileUs = (ms * 1000) / blocks.length;
      });
    };
  }

  /** Where the block runs and its bytes, taken at its first run (the loop has set cpu.blockEip; it may have been compiled before). */
  private firstRun(p: BlockProfile): void {
    p.eip = this.cpu.blockEip;
    p.csBase = this.cpu.s[w(SEG_BASE) + CS]!;
    p.bytes = blockBytes(this.cpu.phys, p.block);
  }

  private add(b: Block): BlockProfile {
    const p: BlockProfile = {
      block: b, eip: 0, csBase: 0, bytes: [],
      entries: 0, jitEntries: 0, insns: 0, jitInsns: 0, compiled: false, wasmBytes: 0, inline: 0, callouts: 0, compileUs: 0,
    };
    this.blocks.set(b, p);
    return p;
  }

  /** The `n` blocks that retired the most instructions. */
  hottest(n: number): BlockProfile[] {
    return [...this.blocks.values()].sort((a, b) => b.insns - a.insns || b.entries - a.entries).slice(0, n);
  }

  disassemble(p: BlockProfile): DisasmLine[] {
    return disassemble(p.block, p.bytes, p.eip);
  }
}
