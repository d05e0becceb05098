/**
 * Which queued hot blocks go to the compile worker next (engine.ts
 * dispatch). The worker answers a module when all of it is emitted, so what
 * a block waits (running interpreted) is the emit time of everything sent
 * before it and of its own module. Two rules, from the boot's waiting
 * instructions (bench/wait-trace.ts, docs/jit-plan.md session 10):
 * - hottest first: behind a busy worker hundreds of blocks queue (a burst of
 *   new code), most run a few times; the loops among them ran interpreted
 *   until their turn in queue order came;
 * - loops alone: blocks that ran `loopRuns` times since going hot go in a
 *   module of at most LOOP_BATCH of their own when more follows (a backlog of
 *   at least a batch, or more loops than LOOP_BATCH): answered in a fraction
 *   of a full module's time. The first modules come from a cold worker (its
 *   JS and binaryen's wasm not tiered up yet): 56 blocks of the kernel's
 *   decompressor took it ~1 s, 16 of them ~0.3-0.6 s.
 */

/** Most blocks in a module of loops sent ahead of the rest. */
export const LOOP_BATCH = 16;

/** What the choice reads of a block: its runs so far (Block.hits). */
export interface Queued { hits: number; }

/**
 * Orders `queue` (in place) hottest first and returns how many of its
 * first blocks go in the next module: at most `max`; the loops alone (at
 * most LOOP_BATCH) when the rule above applies. `hotAt` is the JIT's
 * threshold (runs at which a block was queued), `batch` its batch size.
 */
export function nextBatch(queue: Queued[], hotAt: number, batch: number, max: number, loopRuns: number): { n: number; loops: boolean } {
  queue.sort((a, b) => b.hits - a.hits);
  const n = Math.min(queue.length, max);
  let loops = 0;
  while (loops < n && queue[loops]!.hits - hotAt >= loopRuns) loops++;
  if (loops > LOOP_BATCH || (loops > 0 && queue.length - loops >= batch)) return { n: Math.min(loops, LOOP_BATCH), loops: true };
  return { n, loops: false };
}
