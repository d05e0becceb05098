/**
 * Child of test/jit/worker-young.test.ts (its own process: the flag under
 * test is process-wide and the compile worker belongs to the thread):
 * starts the compile worker, waits for it to run, and prints one JSON line
 * with the worker's heap bound and the main thread's before and after, and
 * the modules its binaryen warm-up emitted (test/jit/warm-binaryen.test.ts).
 */
import v8 from 'node:v8';
import { compileWorkerStatus, prestartCompileWorker, workerStats } from '../../translator/jit/worker-client.js';

const mainBefore = v8.getHeapStatistics().heap_size_limit / 1048576;
prestartCompileWorker(60_000);
let stats = null;
for (let i = 0; i < 600 && stats === null; i++) {
  await new Promise((r) => setTimeout(r, 50));
  if (compileWorkerStatus().running) stats = workerStats(2000);
}
const mainAfter = v8.getHeapStatistics().heap_size_limit / 1048576;
process.stdout.write(`${JSON.stringify({ worker: stats?.heapLimit ?? null, mainBefore, mainAfter, warmed: stats?.warmed ?? null })}\n`);
process.exit(0);
