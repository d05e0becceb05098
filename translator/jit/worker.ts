/**
 * The compile worker: a worker_threads thread running binaryen, so the guest
 * keeps running (interpreted) on the main thread while its hot blocks
 * compile. One per process, shared by every JIT (worker-client.ts starts it).
 *
 * Each JIT talks to it over its own MessagePort (sent in a `port` message):
 * a request carries packed blocks (pack.ts); the answer carries the compiled
 * WebAssembly.Module (structured-cloned: V8 shares the compiled code between
 * threads), each block's export name and the code-generation counts. The
 * main thread instantiates it with its imports (link.ts `instantiate`):
 * call-outs need the records' interpreter handlers, which live there. After
 * each answer the worker bumps and notifies the JIT's shared signal word, so
 * a synchronous compile (threshold 0) sleeps in Atomics.wait until it comes.
 */
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { readlinkSync } from 'node:fs';
import v8 from 'node:v8';
import { unpackBlocks } from './pack.js';
import type { EmitOptions, EmittedModule } from './compile.js';
import { collectGarbage } from '../frontend/gc.js';
import { installIcedEnums } from './iced-enums.js';
import { enableCompilationHints, withEagerHints } from './eager-hints.js';

// The code generator imports iced-x86 for enum constants only: serve them without instantiating
// iced-x86's decoder in this thread (~17 MiB; iced-enums.ts). Before compile.js is loaded, hence the
// dynamic import (messages that arrive meanwhile wait in the ports' queues: no listener yet).
// Liveness for a main thread blocked in a synchronous wait (worker-client.ts workerGone): this thread's OS
// id (its /proc/self/task entry goes when the thread ends, however it ends), and a word set when an 'exit'
// handler runs (process.exit, an uncaught error), with every client's signal woken so the wait sees it now.
const life = (workerData as { life?: Int32Array } | null)?.life;
const signals: Int32Array[] = [];
if (life !== undefined) {
  try { Atomics.store(life, 0, Number(readlinkSync('/proc/thread-self').split('/').pop())); } catch { /* no /proc: the wait's deadline */ }
  process.on('exit', () => {
    Atomics.store(life, 1, 1);
    for (const s of signals) { Atomics.add(s, 0, 1); Atomics.notify(s, 0); }
  });
}
installIcedEnums();
const { emitModule } = await import('./compile.js');
// JITVISOR_WARM=1: binaryen's lazy Liftoff compile and its largest functions' tier-ups now, before
// the first request (warm-binaryen.ts). Off by default: under host load the worker is not idle before
// its first request, and the warm-up delayed the first modules (docs/jit-plan.md, session 17).
const warmed = process.env.JITVISOR_WARM === '1' ? (await import('./warm-binaryen.js')).warmBinaryen().length : 0;

/** A JIT -> worker request. */
export interface CompileRequest {
  id: number;
  packed: Float64Array;
  /** Chaining ids, registers in locals, flat-segment assumptions (compile.ts EmitOptions). */
  opts: EmitOptions;
  /**
   * Compile ahead of this port's other waiting requests (engine.ts waiting():
   * loops that run interpreted behind full requests in flight).
   */
  priority?: boolean;
  /**
   * A warm-up (JitOptions.warmCold, worker-client.ts sendWarmUp): emitted when no other request waits,
   * then dropped: no module, no answer.
   */
  warm?: boolean;
}

/** Worker -> JIT answer. */
export interface CompileReply {
  id: number;
  module?: WebAssembly.Module;
  error?: string;
  names: string[];
  /** Link slots in the module (compile.ts EmittedModule.sites). */
  sites: number;
  inline: number;
  callouts: number;
  /** Register stores dropped as dead (compile.ts EmittedModule.deadRegs). */
  deadRegs?: number;
  bytes: number;
  /** Per block, in request order: wasm body bytes, impure call-outs, call-out record indices (compile.ts EmittedModule.blocks). */
  blocks: EmittedModule['blocks'];
  /** Worker time: binaryen (IR + binary), V8 compile, ms. */
  emitMs: number;
  compileMs: number;
  /** Blocks of warm-up requests (JitOptions.warmCold) this worker had emitted when it answered this. */
  warmBlocks?: number;
}

/** Modules sent between collections of this thread's heap. */
const GC_EVERY = 16;
let sent = 0;
/** Blocks of warm-up requests emitted (JitOptions.warmCold), reported in WorkerStats. */
let warmBlocks = 0;
/** Compacting collections run (JitOptions.workerCompact), reported in WorkerStats. */
let compactions = 0;

function serve(port: MessagePort, signal: Int32Array): void {
  signals.push(signal);
  const post = (reply: CompileReply, opts: EmitOptions): void => {
    const compact = opts.workerCompact === true;
    port.postMessage(reply);
    // The module objects this thread made stay in its (small, rarely collected) heap after they are
    // sent, and each pins its compiled code, which V8 allocates from one bounded per-process code
    // space: without a collection here, one module per block (threshold 0: the fixtures) exhausted it.
    // Wake the main thread first: it goes on running the guest while this thread collects.
    Atomics.add(signal, 0, 1);
    Atomics.notify(signal, 0);
    if (++sent % (opts.workerGcEvery ?? GC_EVERY) === 0) {
      collectGarbage();
      // JitOptions.workerCompact: V8 picks the pages to empty from the previous collection's sweep,
      // so the compacting one runs second and moves what the plain one just left sparse (gc.ts).
      if (compact) { collectGarbage({ compact: true }); compactions++; }
    }
  };
  const compile = (req: CompileRequest): void => {
    // TEST-ONLY (test-faults.ts workerExit): this thread dies as it takes the request, as a crash would.
    if (req.opts.faultWorkerExit !== undefined) {
      if (req.opts.faultWorkerExit === 'quiet') process.removeAllListeners('exit'); // a kill: no handler runs
      process.exit(70);
    }
    if (req.warm === true) {
      // Our code generator's and binaryen's paths run on real blocks; the bytes (and any error: it is
      // only a warm-up) are dropped, and no V8 module is made (its code would take code space).
      try { emitModule(unpackBlocks(req.packed), req.opts); warmBlocks += req.packed[0]!; } catch { /* dropped */ }
      return;
    }
    const t0 = performance.now();
    try {
      const e = emitModule(unpackBlocks(req.packed), req.opts);
      const t1 = performance.now();
      // JitOptions.eager: Liftoff runs here, in this constructor, for the blocks' functions (eager-hints.ts).
      if (req.opts.eager === true) enableCompilationHints();
      const bin = req.opts.eager === true ? withEagerHints(e.bytes, e.names.length) : e.bytes;
      const module = new WebAssembly.Module(bin as Uint8Array<ArrayBuffer>);
      const reply: CompileReply = {
        id: req.id, module, names: e.names, sites: e.sites, inline: e.inline, callouts: e.callouts, deadRegs: e.deadRegs ?? 0, bytes: e.bytes.length, blocks: e.blocks,
        emitMs: t1 - t0, compileMs: performance.now() - t1, warmBlocks,
      };
      post(reply, req.opts);
    } catch (err) {
      const reply: CompileReply = {
        id: req.id, error: err instanceof Error ? (err.stack ?? err.message) : String(err),
        names: [], sites: 0, inline: 0, callouts: 0, bytes: 0, blocks: [], emitMs: performance.now() - t0, compileMs: 0,
      };
      post(reply, req.opts);
    }
  };
  // Requests are taken off the port before each compile, so a priority request sent while others
  // wait here goes next (one compile at a time; the main thread keeps up to two ordinary ones here).
  const jobs: CompileRequest[] = [];
  const take = (): void => {
    for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) jobs.push(m.message as CompileRequest);
  };
  // A warm-up request goes last: after any real one waiting (a priority one first of all).
  const next = (): number => {
    const k = jobs.findIndex((r) => r.priority === true);
    if (k >= 0) return k;
    const j = jobs.findIndex((r) => r.warm !== true);
    return j >= 0 ? j : 0;
  };
  port.on('message', (req: CompileRequest) => {
    jobs.push(req);
    take();
    while (jobs.length > 0) {
      compile(jobs.splice(next(), 1)[0]!);
      take();
    }
  });
}

/** What the worker's isolate holds (bench/memory.ts asks through worker-client.ts workerStats). */
export interface WorkerStats {
  /** V8 heap of this thread: used / total, MiB; and per space (used MiB). */
  heapUsed: number;
  heapTotal: number;
  spaces: Record<string, number>;
  /** Per space: its size (MiB), used or not. */
  spaceSizes: Record<string, number>;
  /** V8's bound on this heap (old generation + the young generation's bound), MiB. */
  heapLimit: number;
  /** Heap pages resident, memory V8 counts outside its heap (ArrayBuffers, ...), V8's own malloc, MiB. */
  physical: number;
  external: number;
  malloced: number;
  /** Code and script sources (v8.getHeapCodeStatistics), MiB: bytecode/code objects, sources kept outside the heap. */
  code: number;
  bytecode: number;
  externalSources: number;
  /** Modules compiled by this worker since it started. */
  modules: number;
  /** Modules the warm-up emitted before the first request (warm-binaryen.ts, JITVISOR_WARM=1; else 0). */
  warmed: number;
  /** Compacting collections run after the periodic ones (JitOptions.workerCompact; else 0). */
  compactions: number;
  /** Blocks of warm-up requests emitted and dropped (JitOptions.warmCold). */
  warmBlocks: number;
}

function stats(): WorkerStats {
  const h = v8.getHeapStatistics();
  const spaces: Record<string, number> = {}, spaceSizes: Record<string, number> = {};
  for (const sp of v8.getHeapSpaceStatistics()) {
    spaces[sp.space_name.replace('_space', '')] = sp.space_used_size / 1048576;
    spaceSizes[sp.space_name.replace('_space', '')] = sp.space_size / 1048576;
  }
  const c = v8.getHeapCodeStatistics();
  const mib = (n: number): number => n / 1048576;
  return {
    heapUsed: mib(h.used_heap_size), heapTotal: mib(h.total_heap_size), spaces, spaceSizes, heapLimit: mib(h.heap_size_limit),
    physical: mib(h.total_physical_size), external: mib(h.external_memory), malloced: mib(h.malloced_memory),
    code: mib(c.code_and_metadata_size), bytecode: mib(c.bytecode_and_metadata_size), externalSources: mib(c.external_script_source_size),
    modules: sent, warmed, compactions, warmBlocks,
  };
}

parentPort?.on('message', (m: { port: MessagePort; signal: Int32Array; stats?: boolean }) => {
  if (m.stats === true) {
    m.port.postMessage(stats());
    Atomics.add(m.signal, 0, 1);
    Atomics.notify(m.signal, 0);
    m.port.close();
    return;
  }
  serve(m.port, m.signal);
});
