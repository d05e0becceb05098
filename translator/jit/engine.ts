/**
 * The JIT as a block source for the execution loop (runtime/interp/loop.ts):
 * blocks come from the decode front end; a block that becomes hot is queued
 * and compiled with others into one module; from then on the loop runs its
 * compiled code (Block.jit) whenever the whole block fits the budget.
 *
 * Compilation runs in a worker thread (worker.ts: binaryen, then V8's
 * compile of the module) while the guest keeps running interpreted; the
 * answer is polled between run slices and its functions attached to the
 * blocks that are still alive (the front end may have killed some
 * meanwhile). A compiled block does exactly what its records do, instruction
 * for instruction, so when code gets attached changes speed only, never
 * what the guest sees or its instruction counts (deterministic runs stay
 * repeatable). Threshold 0 (snippets and tests: compiled before the first
 * run) and `worker: false` compile synchronously on the main thread.
 *
 * The compiled code is bounded (cache.ts): past the limits the least
 * recently run modules lose their code; the front end bounds the decoded
 * blocks (translator/frontend/blocks.ts).
 */
import type { Block, BlockSource } from '../../runtime/records.js';
import type { Cpu } from '../../runtime/cpu.js';
import type { FrontEnd, KillReason } from '../frontend/blocks.js';
import { compileBatch, instantiate } from './compile.js';
import { JitCounters } from './counters.js';
import { CodeCache, DEFAULT_LIMITS, type CacheLimits } from './cache.js';
import { packBlocks } from './pack.js';
import { CompileClient } from './worker-client.js';
import type { CompileReply } from './worker.js';

export interface JitOptions {
  /**
   * Executions before a block is compiled. 0 forces compilation: every block
   * is compiled, alone, before its first run (tests: the translated path is
   * what runs).
   */
  threshold?: number;
  /** Blocks per module (at least; more when the worker was busy). */
  batch?: number;
  /** Compile in the worker thread (default true; threshold 0 always compiles on the main thread). */
  worker?: boolean;
  /** Bounds of the compiled code (cache.ts DEFAULT_LIMITS). */
  limits?: Partial<CacheLimits>;
}

export const DEFAULT_THRESHOLD = 50;
export const DEFAULT_BATCH = 64;
/** Most blocks in one request: what queued while the worker was busy goes in one module, up to this. */
export const MAX_BATCH = 256;
/** Longest a hot block waits for its batch to fill. */
export const MAX_WAIT_MS = 20;
/** Requests the worker may have: one compiling, one waiting, so it never idles while blocks queue. */
const MAX_IN_FLIGHT = 2;
const PAUSE = new Int32Array(new SharedArrayBuffer(4));

export class Jit implements BlockSource {
  readonly hotAt: number;
  readonly counters = new JitCounters();
  readonly cache: CodeCache;
  private readonly batch: number;
  private queue: Block[] = [];
  private queuedAt = 0;
  private client: CompileClient | null = null;
  private readonly inFlight = new Map<number, { blocks: Block[]; sent: number }>();

  constructor(private readonly cpu: Cpu, private readonly frontEnd: FrontEnd, opts: JitOptions = {}) {
    const t = opts.threshold ?? DEFAULT_THRESHOLD;
    this.hotAt = Math.max(1, t);
    this.batch = t === 0 ? 1 : opts.batch ?? DEFAULT_BATCH;
    if (t !== 0 && (opts.worker ?? true)) this.client = new CompileClient();
    this.cache = new CodeCache({ ...DEFAULT_LIMITS, ...opts.limits });
    this.counters.frontEnd = frontEnd.stats;
    frontEnd.onBlocksKilled((blocks, reason) => this.killed(blocks, reason));
  }

  get(phys: number, lin: number, code32: boolean): Block {
    return this.frontEnd.get(phys, lin, code32);
  }

  hot(b: Block): void {
    if (this.queue.length === 0) this.queuedAt = performance.now();
    this.queue.push(b);
    if (this.client === null) {
      if (this.queue.length >= this.batch) this.flush();
    } else if (this.queue.length >= this.batch) this.dispatch();
  }

  /**
   * Between run slices: attach what the worker finished, send what waited
   * MAX_WAIT_MS (a small hot set does not wait for a full batch), and keep
   * the compiled code under its bound.
   */
  sliceEnd(): void {
    if (this.client !== null) {
      this.receive();
      if (this.client.failed !== null) this.workerFailed();
    }
    if (this.queue.length > 0 && performance.now() - this.queuedAt >= MAX_WAIT_MS) {
      if (this.client === null) this.flush();
      else this.dispatch(true);
    }
    this.bound();
  }

  /** Keep the compiled code under its bound (after anything that attached code; between blocks). */
  private bound(): void {
    if (!this.cache.overBound()) return;
    const [mods, blocks] = this.cache.evict((b) => this.detach(b));
    this.counters.evictedModules += mods;
    this.counters.evictedBlocks += blocks;
  }

  /** Compile every queued block that is still valid, here and now (main thread). */
  flush(): void {
    const blocks = this.takeQueue();
    if (blocks.length === 0) return;
    const t0 = performance.now();
    const st = compileBatch(this.cpu, blocks);
    const c = this.counters;
    c.compileMs += performance.now() - t0;
    c.modulesCompiled++;
    c.blocksCompiled += blocks.length;
    c.recordsInline += st.inline;
    c.recordsCallout += st.callouts;
    c.moduleBytes += st.bytes;
    this.cache.add(blocks, st.bytes);
    this.bound();
  }

  /** Wait for every request in flight and attach it (tests, benchmarks: a known state). */
  drain(): void {
    while (this.client !== null && this.client.inFlight > 0) {
      this.receive();
      if (this.client.failed !== null) { this.workerFailed(); break; }
      if (this.client.inFlight > 0) Atomics.wait(PAUSE, 0, 0, 1); // sleep 1 ms: leave the CPU to the worker
    }
  }

  private takeQueue(): Block[] {
    const blocks = this.queue.filter((b) => b.valid && b.jit === null);
    this.counters.droppedInvalid += this.queue.length - blocks.length;
    this.queue = [];
    return blocks;
  }

  /** Send queued blocks to the worker (a full batch, or anything when `due`), while it has room. */
  private dispatch(due = false): void {
    const client = this.client!;
    while (this.queue.length > 0 && client.inFlight < MAX_IN_FLIGHT && (due || this.queue.length >= this.batch)) {
      const all = this.takeQueue();
      const blocks = all.slice(0, MAX_BATCH);
      this.queue = all.slice(MAX_BATCH);
      if (blocks.length === 0) return;
      const id = client.send(packBlocks(blocks));
      this.inFlight.set(id, { blocks, sent: performance.now() });
      this.counters.batchesSent++;
    }
  }

  private receive(): void {
    let r: CompileReply | undefined;
    while ((r = this.client!.poll()) !== undefined) this.attach(r);
    this.bound();
    // Room again: what queued while the worker was busy goes now, as bigger batches.
    if (this.queue.length >= this.batch) this.dispatch();
  }

  private attach(r: CompileReply): void {
    const req = this.inFlight.get(r.id);
    if (req === undefined) return;
    this.inFlight.delete(r.id);
    if (r.error !== undefined || r.module === undefined) throw new Error(`JIT compile worker: ${r.error ?? 'no module'}`);
    const c = this.counters;
    const t0 = performance.now();
    const blocks = req.blocks;
    // Attach only to blocks still alive and without code: the front end may have killed
    // (or evicted) some while they compiled; their records would only exit now.
    const live = blocks.map((b) => b.valid && b.jit === null);
    instantiate(this.cpu, r.module, blocks, r.names, (j) => live[j]);
    const attached = blocks.filter((_, j) => live[j]);
    c.instantiateMs += performance.now() - t0;
    c.workerEmitMs += r.emitMs;
    c.workerCompileMs += r.compileMs;
    c.compileMs += r.emitMs + r.compileMs;
    c.latencyMs += performance.now() - req.sent;
    c.modulesCompiled++;
    c.blocksCompiled += blocks.length;
    c.staleAtAttach += blocks.length - attached.length;
    c.recordsInline += r.inline;
    c.recordsCallout += r.callouts;
    c.moduleBytes += r.bytes;
    this.cache.add(attached, r.bytes);
  }

  /** The worker died: compile what it had on this thread from now on. */
  private workerFailed(): void {
    this.counters.workerFailure = this.client!.failed;
    for (const { blocks } of this.inFlight.values()) this.queue.push(...blocks);
    this.inFlight.clear();
    this.client = null;
    this.flush();
  }

  /** Evicted from the compiled cache: the block runs interpreted and may become hot again. */
  private detach(b: Block): void {
    b.jit = null;
    this.frontEnd.rearm(b);
  }

  private killed(blocks: readonly Block[], reason: KillReason): void {
    const n = this.cache.killed(blocks);
    if (reason === 'evict') this.counters.evictedBlocks += n;
    else this.counters.invalidatedBlocks += n;
  }
}
