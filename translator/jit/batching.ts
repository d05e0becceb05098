/**
 * Which queued hot blocks go to the compile worker next (engine.ts
 * dispatch): the hottest first. Behind a busy worker hundreds or thousands
 * of blocks queue (a burst of new code: ~5,800 blocks go hot at 2.0-3.0 G
 * of the boot); most ran a few times, and the loops among them ran
 * interpreted until their turn in queue order came (bench/wait-trace.ts,
 * docs/jit-plan.md session 10). The sort is stable, so blocks that went hot
 * together (and transfer to each other: direct transfers join blocks of one
 * module only) stay together among equally hot ones.
 *
 * Not done: sending the loops (1,024 runs since hot) alone, in a small
 * module ahead of the rest. It cut `interpreted.waiting` but took the loops
 * away from the blocks they exit to: direct transfers on the boot 168 M ->
 * 117-143 M, global-cache transfers 50 M -> 75-102 M (docs/jit-plan.md).
 */

/** What the choice reads of a block: its runs so far (Block.hits). */
export interface Queued { hits: number; }

/**
 * The batch order: a function made once, not an arrow per call (V8 keeps an arrow's optimised code only
 * while one lives: it optimised the per-call comparator again after each full GC, 8 times a boot).
 */
function hottestFirst(a: Queued, b: Queued): number { return b.hits - a.hits; }

/** Orders `queue` (in place) hottest first and returns how many of its first blocks go in the next module (at most `max`). */
export function nextBatch(queue: Queued[], max: number): number {
  queue.sort(hottestFirst);
  return Math.min(queue.length, max);
}

/**
 * Why a batch went to the worker (JitCounters.sentBy / blocksSentBy, in this order): a full batch
 * (DEFAULT_BATCH queued), a partial one at a slice end, a partial one from a hot loop's poll
 * (engine.ts waiting()), a flush (sync, compileNow), the priority lane, a regroup, a repack
 * (JitOptions.repack / repackSmall).
 */
export const SEND_REASONS = ['full', 'slice', 'loop', 'flush', 'priority', 'regroup', 'repack'] as const;
export const S_FULL = 0, S_SLICE = 1, S_LOOP = 2, S_FLUSH = 3, S_PRIORITY = 4, S_REGROUP = 5, S_REPACK = 6;

/**
 * When a partial batch (fewer than a full batch queued, the oldest queued maxWaitMs or more) goes at a
 * slice end (JitOptions.partial):
 * - 'busy' (sessions 1-15): whenever the worker has room, i.e. fewer than MAX_IN_FLIGHT (2) requests, so
 *   one may wait in the worker behind the one it compiles. A realtime slice ends every few ms of host
 *   time, so every maxWaitMs a partial batch went: on a loaded host, whose guest runs few instructions
 *   per ms of host time, blocks go hot a few at a time (threshold 200: fewer still) and each few became
 *   a module (burst15: ~8 blocks a module, 510-545 modules a realtime boot against ~280).
 * - 'work': as 'busy', once the queued blocks have run `workMin` instructions interpreted since they went
 *   hot (what their code would have run: the wait's cost), or the oldest waited `capMs`. The batch's age
 *   is host time, which under load passes with little guest work; the work is the guest's, on either
 *   clock, so a trickle of blocks run a few times each waits to fill a module and a busy one goes.
 * Full batches and hot loops' partial batches (waiting()) go while the worker has room under either.
 * Tried and dropped: 'idle', partial batches only to an idle worker, sent with its answer (the queue
 * depth): realtime modules 496 -> 485 at load 3-7, since the worker is idle at most slice ends (a trickle
 * of blocks: the batches were small because few blocks go hot per ms, not because the worker was busy).
 */
export type PartialPolicy = 'busy' | 'work';

/** The queue as the partial-batch rule sees it. */
export interface PartialQueue {
  /** Blocks queued. */
  queued: number;
  /** Age of the oldest, ms. */
  waitedMs: number;
  /** Ordinary requests at the worker (a priority one not counted). */
  inFlight: number;
  /** Instructions the queued blocks ran interpreted since they went hot (engine.ts queuedWork). */
  work: number;
}

export interface PartialRule {
  policy: PartialPolicy;
  maxWaitMs: number;
  /** Most ordinary requests at the worker. */
  room: number;
  /** 'work': instructions run by the queued blocks that send the batch, and the age that sends it anyway. */
  workMin: number;
  capMs: number;
}

/** Whether a partial batch goes now (at a slice end). */
export function partialDue(q: PartialQueue, r: PartialRule): boolean {
  if (q.queued === 0 || q.waitedMs < r.maxWaitMs || q.inFlight >= r.room) return false;
  return r.policy === 'busy' || q.work >= r.workMin || q.waitedMs >= r.capMs;
}
