/**
 * The JIT as a block source for the execution loop (runtime/interp/loop.ts):
 * blocks come from the decode front end; a block that becomes hot is queued
 * and compiled with others into one module; from then on the loop runs its
 * compiled code (Block.jit) whenever the whole block fits the budget.
 *
 * Compilation is synchronous on the main thread for now (binaryen + a
 * synchronous WebAssembly.Module): batching amortises it; a worker is the
 * next step.
 */
import type { Block, BlockSource } from '../../runtime/records.js';
import type { Cpu } from '../../runtime/cpu.js';
import type { FrontEnd } from '../frontend/blocks.js';
import { compileBatch } from './compile.js';
import { JitCounters } from './counters.js';
import { ChainTable } from './chain.js';

export interface JitOptions {
  /**
   * Executions before a block is compiled. 0 forces compilation: every block
   * is compiled, alone, before its first run (tests: the translated path is
   * what runs).
   */
  threshold?: number;
  /** Blocks per module. */
  batch?: number;
  /** Chain compiled blocks inside wasm (chain.ts); default true. */
  chain?: boolean;
  /**
   * Keep registers in wasm locals inside a block (ir.ts); default false: on
   * a chained 3-block loop it measured no faster than registers in memory,
   * and it made the boot's modules 45 % larger (write-backs on every slow
   * path), so the boot compiled more for no gain (docs/jit-plan.md).
   */
  regs?: boolean;
  /** Skip inline limit checks for segments flat when the block is compiled, behind an entry guard (ir.ts); default true. */
  flat?: boolean;
}

export const DEFAULT_THRESHOLD = 50;
export const DEFAULT_BATCH = 64;
/** Longest a hot block waits for its batch to fill. */
export const MAX_WAIT_MS = 20;

export class Jit implements BlockSource {
  readonly hotAt: number;
  readonly counters = new JitCounters();
  private readonly batch: number;
  private queue: Block[] = [];
  private queuedAt = 0;
  private readonly chain: ChainTable | null;
  private readonly regs: boolean;
  private readonly flat: boolean;

  constructor(private readonly cpu: Cpu, private readonly frontEnd: FrontEnd, opts: JitOptions = {}) {
    const t = opts.threshold ?? DEFAULT_THRESHOLD;
    this.hotAt = Math.max(1, t);
    this.batch = t === 0 ? 1 : opts.batch ?? DEFAULT_BATCH;
    this.chain = opts.chain === false ? null : new ChainTable(cpu);
    this.regs = opts.regs === true;
    this.flat = opts.flat !== false;
    if (this.chain !== null) frontEnd.onBlocksKilled((dead) => this.chain!.killed(dead));
  }

  get(phys: number, lin: number, code32: boolean): Block {
    return this.frontEnd.get(phys, lin, code32);
  }

  hot(b: Block): void {
    if (this.queue.length === 0) this.queuedAt = performance.now();
    this.queue.push(b);
    if (this.queue.length >= this.batch) this.flush();
  }

  /**
   * Between run slices: a partial batch is compiled once its oldest block
   * has waited MAX_WAIT_MS, so a small hot set does not wait for a full batch.
   */
  sliceEnd(): void {
    this.chain?.sliceEnd(this.counters.exits, this.counters.chained);
    if (this.queue.length > 0 && performance.now() - this.queuedAt >= MAX_WAIT_MS) this.flush();
  }

  /** Compile every queued block that is still valid. */
  flush(): void {
    const blocks = this.queue.filter((b) => b.valid && b.jit === null);
    this.counters.droppedInvalid += this.queue.length - blocks.length;
    this.queue = [];
    if (blocks.length === 0) return;
    const t0 = performance.now();
    const st = compileBatch(this.cpu, blocks, this.chain, this.regs, this.flat);
    const c = this.counters;
    c.compileMs += performance.now() - t0;
    c.modulesCompiled++;
    c.blocksCompiled += blocks.length;
    c.recordsInline += st.inline;
    c.recordsCallout += st.callouts;
    c.moduleBytes += st.bytes;
  }
}
