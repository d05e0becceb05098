/**
 * The main thread's side of the compile worker (worker.ts): one worker per
 * process, started on first use and unref'd (it never keeps the process
 * alive); each JIT gets its own MessageChannel to it. Answers are read with
 * receiveMessageOnPort, synchronously, when the JIT polls between run
 * slices: attaching compiled code never waits for the host event loop, and
 * always happens between blocks.
 *
 * The worker holds ~100 MB (binaryen's code and heap, its own V8 isolate,
 * iced-x86): once no JIT has sent it anything for IDLE_MS, `idle()` ends
 * it, and the next request starts a new one (1-3 s of its CPU to load
 * binaryen again, off the main thread).
 *
 * A command that will run a JIT can start the worker before it imports the
 * rest of the machine (prestartCompileWorker, src/prestart.ts): the worker
 * loads binaryen while the main thread imports and builds the machine, and
 * the first JIT to connect uses it (the same one worker as always: there is
 * never a second). One that no JIT connects to within PRESTART_MS is ended.
 */
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import v8 from 'node:v8';
import { startSemiSpaceFlag } from '../frontend/gc.js';
import type { CompileReply, CompileRequest, WorkerStats } from './worker.js';
import type { EmitOptions } from './compile.js';

/** A worker unused this long is ended (between slices, see CompileClient.idle). */
export const IDLE_MS = 30_000;

/** The worker's V8 young generation bound (resourceLimits), MiB. */
const WORKER_YOUNG_MB = 4;
/**
 * The same as a semi-space bound (V8: young generation = 3 semi-spaces), MiB. Needed as well: V8's
 * `--max-semi-space-size` flag, process-wide, overrides resourceLimits, and the tuned host settings
 * (src/host-tuning.ts) give the main thread 4 MiB with it: the worker's new space then sat at 8 MiB
 * committed for ~0.4 MiB used at the boot's peak (docs/jit-plan.md "Memory", eighth pass).
 */
const WORKER_SEMI_MB = 1;

/** The flag as this process was started with it, to put back once the worker's heap is configured (gc.ts). */
export { startSemiSpaceFlag };

let shared: Worker | null = null;
/** Bumped each time a worker is started: a client's port belongs to one worker. */
let generation = 0;
/** Requests sent by any client and not answered yet; the last send. */
let pending = 0;
let lastUse = 0;
/** Why the worker stopped, when it did without being told to. */
let failure: string | null = null;
/** Workers that have exited (tests: a prestarted worker nobody used is gone). */
let exited = 0;
/** Ends a prestarted worker that no client connected to in time (null: none such waits). */
let unadopted: ReturnType<typeof setTimeout> | null = null;

/** The worker generation whose warm-up (JitOptions.warmCold) a JIT has claimed; -1: none. */
let warmedGeneration = -1;

/**
 * JitOptions.warmCold: true for the first JIT that asks while this worker runs (it sends the warm-up);
 * false for every later one (the worker is shared: one warm-up warms it for all).
 */
export function claimWarmUp(): boolean {
  if (shared === null || warmedGeneration === generation) return false;
  warmedGeneration = generation;
  return true;
}

/** How long a prestarted worker waits for its first client before it is ended, ms. */
export const PRESTART_MS = 15_000;

function worker(): Worker {
  if (shared === null) {
    // A small young generation: the worker allocates little that lives (binaryen works in its own wasm
    // heap), and V8's default semi-spaces (up to 16 MiB each) grew to ~14 MiB used for nothing
    // (bench/memory.ts; docs/jit-plan.md "Memory").
    const restore = startSemiSpaceFlag();
    v8.setFlagsFromString(`--max-semi-space-size=${WORKER_SEMI_MB}`);
    const w = new Worker(new URL('./worker.js', import.meta.url), { resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_MB } });
    // 'online': the worker runs JavaScript, so its heap was configured (the main thread's was at start).
    w.once('online', () => v8.setFlagsFromString(restore));
    w.unref();
    let ended = false;
    w.on('error', (e) => { failure = e instanceof Error ? e.message : String(e); });
    w.on('exit', (code) => {
      if (!retired.has(w) && !ended) failure ??= `exited with code ${code}`;
      ended = true;
      if (shared === w) shared = null;
      exited++;
    });
    shared = w;
    generation++;
  }
  return shared;
}
const retired = new WeakSet<Worker>();

/** End the worker (the unadopted timer, CompileClient.idle); retired, so its exit is not taken for a failure. */
function retire(): void {
  if (unadopted !== null) { clearTimeout(unadopted); unadopted = null; }
  if (shared === null) return;
  retired.add(shared);
  void shared.terminate();
  shared = null;
}

/**
 * Start the compile worker now, ahead of the JIT that will use it (the CLI
 * and the boot bench call this first thing when the command runs a JIT:
 * src/prestart.ts). Returns false when a worker already runs. When no
 * CompileClient connects within `unadoptedMs`, the worker is ended (a timer
 * that does not keep the process alive): a process that ends up making no
 * JIT holds its ~100 MB no longer than that.
 */
export function prestartCompileWorker(unadoptedMs = PRESTART_MS): boolean {
  if (shared !== null) return false;
  worker();
  lastUse = performance.now();
  unadopted = setTimeout(() => {
    unadopted = null;
    retire();
  }, unadoptedMs);
  unadopted.unref();
  return true;
}

/**
 * TEST-ONLY: end the worker as a crash would (not retired: its exit is taken for a failure), so a
 * test can see what a machine does when its compile worker dies (test/jit/worker-crash.test.ts).
 */
export function crashCompileWorkerForTest(): void {
  if (shared !== null) void shared.terminate();
}

/** Workers started and ended in this thread so far, and whether one runs (tests, bench). */
export function compileWorkerStatus(): { started: number; exited: number; running: boolean; adopted: boolean } {
  return { started: generation, exited, running: shared !== null, adopted: shared !== null && unadopted === null };
}

export class CompileClient {
  private port: MessagePort | null = null;
  private portGeneration = -1;
  /** Bumped (and notified) by the worker after each answer it posts: wait() sleeps on it. */
  private readonly signal = new Int32Array(new SharedArrayBuffer(4));
  private nextId = 1;
  /** Requests sent and not answered yet. */
  inFlight = 0;

  /** The worker died (an uncaught error or exit): pending requests will never be answered. */
  get failed(): string | null { return failure; }

  /** This client's port to the current worker (a new channel after the worker was restarted). */
  private connect(): MessagePort {
    const w = worker();
    // A prestarted worker is this client's now: it is no longer ended for want of one.
    if (unadopted !== null) { clearTimeout(unadopted); unadopted = null; }
    if (this.port === null || this.portGeneration !== generation) {
      this.port?.close();
      const { port1, port2 } = new MessageChannel();
      w.postMessage({ port: port2, signal: this.signal }, [port2]);
      port1.unref();
      this.port = port1;
      this.portGeneration = generation;
    }
    return this.port;
  }

  /** Start the worker now, so binaryen loads while the guest's first (cold) code runs. */
  warm(): void {
    this.connect();
    lastUse = performance.now();
  }

  /** Send a request; a `priority` one is compiled before this client's others still waiting in the worker. */
  send(packed: Float64Array, opts: EmitOptions, priority = false): number {
    const id = this.nextId++;
    const req: CompileRequest = { id, packed, opts, priority };
    this.connect().postMessage(req, [packed.buffer as ArrayBuffer]);
    this.inFlight++;
    pending++;
    lastUse = performance.now();
    return id;
  }

  /**
   * A warm-up request (JitOptions.warmCold): the worker emits it when no real request waits and drops
   * it, with no answer, so it is not in flight (a real batch is never held for it) and never attached.
   */
  sendWarmUp(packed: Float64Array, opts: EmitOptions): void {
    const req: CompileRequest = { id: 0, packed, opts, warm: true };
    this.connect().postMessage(req, [packed.buffer as ArrayBuffer]);
    lastUse = performance.now();
  }

  /** The next answer, if one has arrived. */
  poll(): CompileReply | undefined {
    if (this.port === null || this.inFlight === 0) return undefined;
    const m = receiveMessageOnPort(this.port);
    if (m === undefined) return undefined;
    this.inFlight--;
    pending--;
    return m.message as CompileReply;
  }

  /** Block until the next answer arrives (synchronous compiles); throws if the worker died. */
  wait(): CompileReply {
    for (;;) {
      const seen = Atomics.load(this.signal, 0);
      const r = this.poll();
      if (r !== undefined) return r;
      if (failure !== null) throw new Error(`JIT compile worker failed: ${failure}`);
      Atomics.wait(this.signal, 0, seen, 1000);
    }
  }

  /** Between slices: end the shared worker when nobody has used it for IDLE_MS. Returns true if it did. */
  idle(now = performance.now()): boolean {
    if (shared === null || pending !== 0 || now - lastUse < IDLE_MS) return false;
    retire();
    return true;
  }

  /**
   * This client is done (its machine ended): requests still in flight are
   * forgotten, so they no longer keep the shared worker from idling (a fleet
   * or test process outlives its machines), and the port is closed; a later
   * send() opens a new one.
   */
  close(): void {
    pending -= this.inFlight;
    this.inFlight = 0;
    this.port?.close();
    this.port = null;
  }
}

/**
 * The running worker's heap (bench/memory.ts), waiting at most `timeoutMs`
 * for its answer (it answers between compiles); null when no worker runs.
 */
export function workerStats(timeoutMs = 5000): WorkerStats | null {
  if (shared === null) return null;
  const { port1, port2 } = new MessageChannel();
  const signal = new Int32Array(new SharedArrayBuffer(4));
  shared.postMessage({ port: port2, signal, stats: true }, [port2]);
  const end = performance.now() + timeoutMs;
  try {
    for (;;) {
      const m = receiveMessageOnPort(port1);
      if (m !== undefined) return m.message as WorkerStats;
      const left = end - performance.now();
      if (left <= 0) return null;
      Atomics.wait(signal, 0, 0, Math.min(left, 100));
    }
  } finally {
    port1.close();
  }
}
