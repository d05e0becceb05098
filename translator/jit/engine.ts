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
import { compileBatch, type CompiledBatch } from './compile.js';
import { JitCounters } from './counters.js';

export interface JitOptions {
  /**
   * Executions before a block is compiled. 0 forces compilation: every block
   * is compiled, alone, before its first run (tests: the translated path is
   * what runs).
   */
  threshold?: number;
  /** Blocks per module. */
  batch?: number;
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
  /**
   * Told of every compiled batch, after its blocks got their code (the
   * profiler and the lockstep checker, translator/jit/profile.ts and
   * lockstep.ts, hook in here); null normally.
   */
  onCompiled: ((blocks: readonly Block[], batch: CompiledBatch, ms: number) => void) | null = null;
  /** The loop's per-block-run hook (BlockSource.ran), set by the profiler / lockstep only. */
  ran?: (b: Block, retired: number, compiled: boolean) => void;
  private queuedAt = 0;

  constructor(private readonly cpu: Cpu, private readonly frontEnd: FrontEnd, opts: JitOptions = {}) {
    const t = opts.threshold ?? DEFAULT_THRESHOLD;
    this.hotAt = Math.max(1, t);
    this.batch = t === 0 ? 1 : opts.batch ?? DEFAULT_BATCH;
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
    if (this.queue.length > 0 && performance.now() - this.queuedAt >= MAX_WAIT_MS) this.flush();
  }

  /** Compile every queued block that is still valid. */
  flush(): void {
    const blocks = this.queue.filter((b) => b.valid && b.jit === null);
    this.counters.droppedInvalid += this.queue.length - blocks.length;
    this.queue = [];
    if (blocks.length === 0) return;
    const t0 = performance.now();
    const st = compileBatch(this.cpu, blocks);
    const ms = performance.now() - t0;
    const c = this.counters;
    c.compileMs += ms;
    c.modulesCompiled++;
    c.blocksCompiled += blocks.length;
    c.recordsInline += st.inline;
    c.recordsCallout += st.callouts;
    c.moduleBytes += st.bytes;
    this.onCompiled?.(blocks, st, ms);
  }
}
