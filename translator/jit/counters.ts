import { EXIT_REASONS, XFER_NAMES } from './chain.js';
import { INTERP_REASONS } from '../../runtime/records.js';
import { SEND_REASONS } from './batching.js';

/** JIT counters: cheap enough to stay on (plain number fields, bumped per batch or per compiled-block run). */
import type { FrontEndStats } from '../frontend/blocks.js';

export class JitCounters {
  blocksCompiled = 0;
  modulesCompiled = 0;
  /** Total compile time (binaryen + V8), ms: in the worker, or on the main thread for synchronous compiles. */
  compileMs = -0; // (ms: a double field from the start)
  /** Worker time: binaryen (IR + module bytes) / V8 compiling the bytes, ms. */
  workerEmitMs = -0; // (ms: a double field from the start)
  workerCompileMs = -0; // (ms: a double field from the start)
  /** Main-thread time attaching worker modules (WebAssembly.Instance + binding call-outs), ms. */
  instantiateMs = -0; // (ms: a double field from the start)
  /** Sum over worker batches of send -> attach wall time, ms (divide by batchesSent for the mean). */
  latencyMs = -0; // (ms: a double field from the start)
  batchesSent = 0;
  /** Batches sent and their blocks, by why they went (batching.ts SEND_REASONS order). */
  readonly sentBy: number[] = SEND_REASONS.map(() => 0);
  readonly blocksSentBy: number[] = SEND_REASONS.map(() => 0);
  /** Slice ends whose partial batch had waited maxWaitMs and was held (JitOptions.partial 'work'). */
  partialHeld = 0;
  /** Partial batches sent at slice ends, by the instructions their blocks ran queued: [0] none, [k] 2^(k-1) to 2^k - 1. */
  readonly partialWorkLog2: number[] = Array.from({ length: 32 }, () => 0);
  /** Of batchesSent: small batches of loops sent ahead of the requests in flight (engine.ts waiting, priority lane). */
  priorityBatches = 0;
  /** JitOptions.warmCold: warm-up requests sent to the idle worker, and their blocks (emitted there, then dropped). */
  warmRequests = 0;
  warmBlocks = 0;
  /** Blocks sent to the worker that had been compiled (or decoded) before and evicted (Block.again). */
  compiledAgain = 0;
  /** Polls of the compile worker from the loop while a hot block waited for its code (engine.ts waiting). */
  polls = 0;
  recordsInline = 0;
  recordsCallout = 0;
  /** Register stores left out of compiled blocks as dead (reg-liveness.ts, JitOptions.deadRegs). */
  deadRegStores = 0;
  moduleBytes = 0;
  /** Blocks that became hot but were invalid by the time their batch was sent (or compiled, synchronously). */
  droppedInvalid = 0;
  /** Transfers from a compiled block into its successor inside wasm (chain.ts), read between slices. */
  readonly chained = { n: 0 };
  /** Direct transfers into a same-page block of the same module (chain.ts, no table), read between slices. */
  readonly direct = { n: 0 };
  /**
   * Dispatcher transfers (RET / JMP / CALL r/m32, static exits into another
   * page) and returns to the loop by exit kind, counted in wasm with direct
   * transfers on (chain.ts XFER_* order), read between slices.
   */
  readonly xfers: number[] = XFER_NAMES.map(() => 0);
  /** Blocks queued for compilation with a hot same-page predecessor before going hot themselves (engine.ts hot). */
  neighbours = 0;
  /** Batches of hot global-cache targets and their predecessors compiled again together (JitOptions.regroup), and their blocks. */
  regroups = 0;
  regrouped = 0;
  /** Requests of sparse modules' attached blocks compiled again together (JitOptions.repack), the modules and blocks. */
  repacks = 0;
  repackedModules = 0;
  repackedBlocks = 0;
  /** Returns from compiled code to the loop, by reason (chain.ts EXIT_REASONS order). */
  readonly exits: number[] = EXIT_REASONS.map(() => 0);
  /** Guest instructions the loop ran interpreted, by reason (runtime/records.ts INTERP_REASONS order). */
  readonly interpreted: number[] = INTERP_REASONS.map(() => 0);
  /** Blocks compiled by the worker that had died (front end) by the time their module arrived. */
  staleAtAttach = 0;
  /**
   * Compiled blocks that lost their code: evictedModules / evictedBlocks by the
   * compiled-code bound (cache.ts) or, blocks only, the front end's eviction;
   * invalidatedBlocks by the front end's kills (SMC, mapping, flush: reasons in frontEnd).
   */
  evictedModules = 0;
  evictedBlocks = 0;
  /** Of evictedBlocks, those that had run since the previous pass, queued again at once to be compiled together (engine.ts bound). */
  evictedRepacked = 0;
  invalidatedBlocks = 0;
  /** Compiled blocks whose entry guard failed GUARD_RECOMPILE times, sent again without the facts that failed (engine.ts guardFailed). */
  guardRecompiles = 0;
  /** Times the idle compile worker was ended to free its memory (worker-client.ts IDLE_MS). */
  workerStops = 0;
  /** Set when the compile worker died for good (after worker-client.ts MAX_RESTARTS restarts): compiling stops and the guest goes on interpreted (engine.ts workerFailed, onWorkerFailure). */
  workerFailure: string | null = null;
  /** Deaths of the compile worker this JIT saw that were followed by a restart (engine.ts workerNews). */
  workerRestarts = 0;
  /** Requests in flight to a worker that died, dropped (each once; never answered), and their blocks queued again (not compiled, alive). */
  workerDropped = 0;
  workerRequeued = 0;
  /** The front end's counters (lookups, hits, misses, kills by reason, evictions, live size). */
  frontEnd: FrontEndStats | null = null;

  summary(): string {
    const per = this.blocksCompiled ? (this.compileMs * 1000) / this.blocksCompiled : 0;
    const share = this.recordsInline + this.recordsCallout;
    let s = this.workerFailure === null ? '' : `COMPILE WORKER FAILED (${this.workerFailure}): compiling stopped; `;
    if (this.workerRestarts) s += `compile worker restarted ${this.workerRestarts} times (${this.workerDropped} requests dropped, ${this.workerRequeued} blocks queued again); `;
    s += `${this.blocksCompiled} blocks in ${this.modulesCompiled} modules, ${this.compileMs.toFixed(0)} ms (${per.toFixed(0)} us/block), ` +
      `${share ? ((100 * this.recordsInline) / share).toFixed(1) : '0'}% of records inline`;
    s += `; ${this.direct.n} direct transfers (${this.neighbours} blocks batched with a predecessor), ${this.chained.n} chained transfers, returns to the loop: ${EXIT_REASONS.map((r, k) => `${r} ${this.exits[k]}`).join(', ')}`;
    s += `; dispatcher: ${XFER_NAMES.map((r, k) => `${r} ${this.xfers[k]}`).join(', ')}`;
    s += `; interpreted: ${INTERP_REASONS.map((r, k) => `${r} ${this.interpreted[k]}`).join(', ')}`;
    if (this.batchesSent) {
      s += `; worker: attach ${this.instantiateMs.toFixed(0)} ms on the main thread, latency ${(this.latencyMs / this.batchesSent).toFixed(0)} ms/batch`;
      s += `; batches (blocks) by why sent: ${SEND_REASONS.map((r, k) => `${r} ${this.sentBy[k]} (${this.blocksSentBy[k]})`).join(', ')}, partial held ${this.partialHeld}`;
    }
    if (this.evictedBlocks || this.invalidatedBlocks) s += `; code evicted ${this.evictedBlocks} (${this.evictedModules} modules, ${this.evictedRepacked} repacked), invalidated ${this.invalidatedBlocks}`;
    if (this.repacks) s += `; repacked ${this.repackedModules} sparse modules (${this.repackedBlocks} blocks, ${this.repacks} requests)`;
    if (this.guardRecompiles) s += `; recompiled for failed entry guards ${this.guardRecompiles}`;
    const f = this.frontEnd;
    if (f) {
      s += `; cache: ${f.liveBlocks} blocks/${f.liveRecords} records, lookups ${f.lookups} (miss ${f.blocksDecoded})` +
        `, killed smc ${f.killedSmc} mapping ${f.killedMapping} flush ${f.killedFlush} evicted ${f.evicted} (decoded again ${f.redecoded}) in ${f.evictMs.toFixed(0)} ms (full GC ${f.evictGcMs.toFixed(0)} ms)`;
      s += `; compiled again ${this.compiledAgain}`;
    }
    return s;
  }
}
