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
