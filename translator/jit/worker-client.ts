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
 *
 * A worker that dies (it should not: its compile errors come back as
 * answers; an out-of-memory end or a bug in binaryen would) is restarted at
 * once, at most MAX_RESTARTS times per thread: every client's requests still
 * in flight to it are dropped (each id once, takeLost: the JIT queues their
 * blocks again), after the answers it had posted before it died, which are
 * still delivered. Past the bound `failed` is set for good and the JITs go on
 * interpreted. A synchronous wait (wait()) cannot see the worker's 'exit'
 * event (its thread runs no events while it waits), so it checks the worker's
 * liveness itself between Atomics.wait timeouts (workerGone).
 */
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { existsSync } from 'node:fs';
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

/**
 * Restarts of a worker that died, per thread (fleet VMs and test processes
 * share one); the death after the last ends compiling for good (`failed`).
 */
export const MAX_RESTARTS = 3;
/** A synchronous wait checks the worker's liveness this often, ms (workerGone). */
export const LIVENESS_MS = 200;
/**
 * Where the worker's thread cannot be watched (no /proc: its OS thread id
 * unknown), a synchronous wait with no answer for this long takes it for
 * dead (ended, its requests dropped, a restart used), ms.
 */
export const WAIT_DEADLINE_MS = 120_000;

/** One worker: its liveness words and how it ended. */
interface Slot {
  w: Worker;
  gen: number;
  /** Written by the worker (worker.ts): [0] its OS thread id (0 until known), [1] 1 once its 'exit' handler ran. */
  life: Int32Array;
  /** Ended on purpose (idle, unadopted prestart): its exit is no failure. */
  retired: boolean;
  /** Its death was counted (by its 'exit' event or a synchronous wait, whichever came first). */
  dead: boolean;
  /** The message of its 'error' event, if it had one (it comes before 'exit'). */
  error: string | null;
}

let shared: Slot | null = null;
/** Bumped each time a worker is started: a client's port belongs to one worker. */
let generation = 0;
/** Requests sent by any client and not answered yet; the last send. */
let pending = 0;
let lastUse = 0;
/** Why the worker stopped for good (its death after MAX_RESTARTS restarts). */
let failure: string | null = null;
/** Workers that died (not retired) in this thread, by generation: why, and which death it was (1, 2, ...); their clients drop what is in flight. */
const died = new Map<number, { why: string; n: number }>();
/** died.size, read by clients on each poll (a number compare). */
let deaths = 0;
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

function worker(): Slot {
  if (shared === null) {
    // A small young generation: the worker allocates little that lives (binaryen works in its own wasm
    // heap), and V8's default semi-spaces (up to 16 MiB each) grew to ~14 MiB used for nothing
    // (bench/memory.ts; docs/jit-plan.md "Memory").
    const restore = startSemiSpaceFlag();
    v8.setFlagsFromString(`--max-semi-space-size=${WORKER_SEMI_MB}`);
    const life = new Int32Array(new SharedArrayBuffer(8));
    const w = new Worker(new URL('./worker.js', import.meta.url), { resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_MB }, workerData: { life } });
    // 'online': the worker runs JavaScript, so its heap was configured (the main thread's was at start).
    w.once('online', () => v8.setFlagsFromString(restore));
    w.unref();
    const slot: Slot = { w, gen: ++generation, life, retired: false, dead: false, error: null };
    w.on('error', (e) => { slot.error = e instanceof Error ? e.message : String(e); });
    w.on('exit', (code) => {
      exited++;
      if (!slot.retired) died_(slot, slot.error ?? `exited with code ${code}`);
      if (shared === slot) shared = null;
    });
    shared = slot;
  }
  return shared;
}

/**
 * `slot`'s worker died (counted once): its clients drop their requests in flight
 * (CompileClient.reap); a new worker starts at once while restarts are left (loading
 * binaryen takes it 1-3 s: not at the next hot block), else compiling stops for good.
 */
function died_(slot: Slot, why: string): void {
  if (slot.dead) return;
  slot.dead = true;
  died.set(slot.gen, { why, n: died.size + 1 });
  deaths = died.size;
  if (shared === slot) shared = null;
  if (deaths > MAX_RESTARTS) { failure = why; return; }
  // Ended like a prestarted one if no client connects (a process whose machines all ended).
  prestartCompileWorker();
}

/**
 * Why `slot`'s worker is gone, seen from a thread that runs no events (a
 * synchronous wait), or null while it lives: its 'exit' handler ran
 * (process.exit, an uncaught error), or its OS thread is no longer in /proc
 * (terminated, out of memory: no handler runs).
 */
function workerGone(slot: Slot): string | null {
  if (slot.dead) return slot.error ?? 'it exited';
  if (Atomics.load(slot.life, 1) !== 0) return slot.error ?? 'its thread exited under a synchronous wait';
  const tid = Atomics.load(slot.life, 0);
  return tid > 0 && !existsSync(`/proc/self/task/${tid}`) ? slot.error ?? 'its thread ended under a synchronous wait (gone from /proc)' : null;
}

/** End the worker (the unadopted timer, CompileClient.idle); retired, so its exit is not taken for a death. */
function retire(): void {
  if (unadopted !== null) { clearTimeout(unadopted); unadopted = null; }
  if (shared === null) return;
  shared.retired = true;
  void shared.w.terminate();
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
  if (shared !== null) void shared.w.terminate();
}

/** Workers started and ended in this thread so far, and whether one runs (tests, bench). */
export function compileWorkerStatus(): { started: number; exited: number; died: number; running: boolean; adopted: boolean } {
  return { started: generation, exited, died: deaths, running: shared !== null, adopted: shared !== null && unadopted === null };
}

/** What a client learnt when the worker its requests went to died (CompileClient.takeDeath). */
export interface WorkerDeath {
  why: string;
  /** Which restart followed (1..MAX_RESTARTS), or null: none, compiling stopped for good. */
  restart: number | null;
  /** This client's requests in flight that it dropped (takeLost). */
  dropped: number;
}

export class CompileClient {
  private port: MessagePort | null = null;
  private portGeneration = -1;
  /** Bumped (and notified) by the worker after each answer it posts: wait() sleeps on it. */
  private readonly signal = new Int32Array(new SharedArrayBuffer(4));
  private nextId = 1;
  /** Requests sent and not answered (nor dropped) yet. */
  inFlight = 0;
  /** Their ids. */
  private readonly ids = new Set<number>();
  /** Answers a dead worker had posted, taken off its port before the port was closed (poll returns them first). */
  private early: CompileReply[] = [];
  /** Requests dropped because their worker died, not yet taken (takeLost). */
  private lost: number[] = [];
  /** Deaths seen so far (the module's `deaths` when this client last looked). */
  private seen = 0;
  /** Deaths of this client's worker not yet taken (takeDeath). */
  private news: WorkerDeath[] = [];
  /** Something for takeLost / takeDeath (a field the JIT reads after polling). */
  pendingNews = false;

  /** The worker died for good (after MAX_RESTARTS restarts): requests are no longer answered. */
  get failed(): string | null { return failure; }

  /** This client's port to the current worker (a new channel after the worker was restarted). */
  private connect(): MessagePort {
    if (this.seen !== deaths) this.reap();
    if (failure !== null) throw new Error(`JIT compile worker failed: ${failure}`);
    const slot = worker();
    // A prestarted worker is this client's now: it is no longer ended for want of one.
    if (unadopted !== null) { clearTimeout(unadopted); unadopted = null; }
    if (this.port === null || this.portGeneration !== slot.gen) {
      this.port?.close();
      const { port1, port2 } = new MessageChannel();
      slot.w.postMessage({ port: port2, signal: this.signal }, [port2]);
      port1.unref();
      this.port = port1;
      this.portGeneration = slot.gen;
    }
    return this.port;
  }

  /**
   * A worker died since this client last looked: if it was this client's, the
   * answers it posted before are kept (early), every other request in flight is
   * dropped (lost, each id once) and the port is closed; the next send opens one
   * to the restarted worker.
   */
  private reap(): void {
    this.seen = deaths;
    const death = died.get(this.portGeneration);
    if (death === undefined || this.port === null) return;
    for (let m = receiveMessageOnPort(this.port); m !== undefined; m = receiveMessageOnPort(this.port)) this.early.push(m.message as CompileReply);
    const answered = new Set(this.early.map((r) => r.id));
    let dropped = 0;
    for (const id of this.ids) {
      if (answered.has(id)) continue;
      this.ids.delete(id);
      this.lost.push(id);
      dropped++;
    }
    this.inFlight -= dropped;
    pending -= dropped;
    this.port.close();
    this.port = null;
    this.portGeneration = -1;
    // The n-th death is followed by restart n while n <= MAX_RESTARTS.
    this.news.push({ why: death.why, restart: death.n <= MAX_RESTARTS ? death.n : null, dropped });
    this.pendingNews = true;
  }

  /** Ids of requests dropped because their worker died, each once (the JIT sends their blocks again). */
  takeLost(): number[] {
    const l = this.lost;
    this.lost = [];
    return l;
  }

  /** The deaths of this client's worker since the last call, in order. */
  takeDeath(): WorkerDeath[] {
    const n = this.news;
    this.news = [];
    this.pendingNews = false;
    return n;
  }

  /** Start the worker now, so binaryen loads while the guest's first (cold) code runs. */
  warm(): void {
    if (failure !== null) return;
    this.connect();
    lastUse = performance.now();
  }

  /** Send a request; a `priority` one is compiled before this client's others still waiting in the worker. */
  send(packed: Float64Array, opts: EmitOptions, priority = false): number {
    const id = this.nextId++;
    const req: CompileRequest = { id, packed, opts, priority };
    this.connect().postMessage(req, [packed.buffer as ArrayBuffer]);
    this.ids.add(id);
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

  /** The next answer, if one has arrived (the answers of a worker that died first, then its requests are dropped). */
  poll(): CompileReply | undefined {
    if (this.seen !== deaths) this.reap();
    if (this.early.length > 0) return this.answered(this.early.shift()!);
    if (this.port === null || this.inFlight === 0) return undefined;
    const m = receiveMessageOnPort(this.port);
    if (m === undefined) return undefined;
    return this.answered(m.message as CompileReply);
  }

  private answered(r: CompileReply): CompileReply {
    this.ids.delete(r.id);
    this.inFlight--;
    pending--;
    return r;
  }

  /**
   * Block until the next answer arrives (synchronous compiles). Returns
   * undefined when nothing is left to wait for: the worker died and this
   * client's requests were dropped (takeLost). This thread runs no events
   * meanwhile, so the worker's 'exit' is not seen here: its liveness is
   * checked every LIVENESS_MS (workerGone), and where that cannot tell, an
   * answer that takes WAIT_DEADLINE_MS ends the worker as dead.
   */
  wait(): CompileReply | undefined {
    const t0 = performance.now();
    for (;;) {
      const seen = Atomics.load(this.signal, 0);
      const r = this.poll();
      if (r !== undefined) return r;
      if (this.inFlight === 0) return undefined;
      const slot = shared;
      if (slot === null || slot.gen !== this.portGeneration) {
        // Our worker ended and its 'exit' was counted (or it was retired): reap at the next poll.
        if (!died.has(this.portGeneration)) throw new Error(`JIT compile worker: requests in flight to a worker that was ended (generation ${this.portGeneration})`);
        continue;
      }
      // Woken by an answer, by the worker's exit handler (it bumps every signal), or LIVENESS_MS passed.
      Atomics.wait(this.signal, 0, seen, LIVENESS_MS);
      const gone = workerGone(slot);
      if (gone !== null) died_(slot, gone);
      else if (Atomics.load(slot.life, 0) === 0 && performance.now() - t0 >= WAIT_DEADLINE_MS) {
        slot.retired = true; // its 'exit' is not a second death
        void slot.w.terminate();
        died_(slot, `no answer in ${WAIT_DEADLINE_MS / 1000} s under a synchronous wait (ended)`);
      }
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
    this.ids.clear();
    this.early = [];
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
  shared.w.postMessage({ port: port2, signal, stats: true }, [port2]);
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
