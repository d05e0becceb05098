/**
 * One process for test/jit/worker-crash.test.ts's synchronous case: a JIT
 * with threshold 0 compiles each block before its first run, blocked in
 * CompileClient.wait() (this thread runs no events meanwhile, so the worker's
 * 'exit' event cannot reach it). The worker dies as it takes the first
 * request: once through process.exit (its 'exit' handler runs: the liveness
 * word), once with its handlers removed first (as a kill or an out-of-memory
 * end: only /proc tells). Both runs must go on (restarted worker) and end at
 * the loop's hlt. Prints one JSON line.
 */
import { Machine } from '../../src/machine.js';
import { runSnippet } from '../../src/snippet.js';
import { testFaults } from '../../translator/jit/test-faults.js';

const loop = (n: number, k: number): Uint8Array =>
  new Uint8Array([0xb9, n & 0xff, (n >> 8) & 0xff, 0, 0, ...new Array<number>(k).fill(0x90), 0x49, 0x75, 0xfd, 0xf4]);
const m = new Machine({ memoryMiB: 2, engine: 'jit', jit: { threshold: 0 } });
const reports: [string, number | null][] = [];
m.jit!.onWorkerFailure = (why, restart) => { reports.push([why, restart]); };
const runs: { instructions: number; compiled: number; stop: string }[] = [];
for (const quiet of [false, true]) {
  testFaults.workerExit = 1;
  testFaults.workerExitQuiet = quiet;
  const r = runSnippet({ machine: m, code: loop(1000, quiet ? 1 : 0) });
  runs.push({ instructions: r.instructions, compiled: r.compiled, stop: r.stop });
}
const c = m.jit!.counters;
console.log(JSON.stringify({ runs, reports, dropped: c.workerDropped, requeued: c.workerRequeued, sent: c.batchesSent, modules: c.modulesCompiled }));
process.exit(0);
