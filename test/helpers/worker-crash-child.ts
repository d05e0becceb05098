/**
 * One process for test/jit/worker-crash.test.ts: the compile worker is shared
 * by the whole thread and its restarts are counted per thread, so crashes are
 * staged where no other test runs. Prints one JSON line.
 *
 *   node dist/test/helpers/worker-crash-child.js
 *
 * 0. A raw client sends two requests, the second one ending the worker as it
 *    takes it: the first is answered (it was posted before the death), the
 *    second dropped, once.
 * 1. Two machines share the worker; a loop is compiled on A (the worker alive).
 * 2. The worker is ended as a crash would end it: both machines hear of it
 *    (restart 2 of 3: step 0 used the first); a new loop on A is compiled by
 *    the restarted worker.
 * 3. A and B each send a request that ends the worker (test-faults.ts): each
 *    machine's request is dropped and its block queued again, then compiled
 *    by the third worker when the same loop runs again (restart 3 of 3).
 * 4. One more death: past the bound, compiling stops for good; a new loop
 *    runs interpreted to the same result.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Machine } from '../../src/machine.js';
import { runSnippet } from '../../src/snippet.js';
import { CompileClient, compileWorkerStatus, crashCompileWorkerForTest } from '../../translator/jit/worker-client.js';
import { packBlocks } from '../../translator/jit/pack.js';
import { testFaults } from '../../translator/jit/test-faults.js';
import type { Block } from '../../runtime/records.js';
import type { JitCounters } from '../../translator/jit/counters.js';

// mov ecx, N; k x nop; l: dec ecx; jnz l; hlt (each k new code: not the compiled block of a run before,
// which is kept while its bytes are unchanged)
const loop = (n: number, k: number): Uint8Array =>
  new Uint8Array([0xb9, n & 0xff, (n >> 8) & 0xff, 0, 0, ...new Array<number>(k).fill(0x90), 0x49, 0x75, 0xfd, 0xf4]);

// 0. The raw client.
const src = new Machine({ memoryMiB: 2, engine: 'jit', jit: { threshold: 0 } });
const got: Block[] = [];
src.jit!.onCompiled = (blocks) => { got.push(...blocks); };
runSnippet({ machine: src, code: loop(100, 7), slice: 1000 });
const raw = new CompileClient();
const first = raw.send(packBlocks(got), { firstId: 0, regs: false, flatMask: 0 });
const second = raw.send(packBlocks(got), { firstId: 0, regs: false, flatMask: 0, faultWorkerExit: 'exit' });
await sleep(300);
while (compileWorkerStatus().died < 1) await sleep(100);
const answers: number[] = [];
for (let r = raw.poll(); r !== undefined; r = raw.poll()) answers.push(r.id);
const rawOut = { first, second, answers, lost: raw.takeLost(), lostAgain: raw.takeLost(), deaths: raw.takeDeath(), inFlight: raw.inFlight };
raw.close();

const a = new Machine({ memoryMiB: 2, engine: 'jit', jit: { threshold: 2, batch: 1 } });
const b = new Machine({ memoryMiB: 2, engine: 'jit', jit: { threshold: 2, batch: 1 } });
const reports: { a: [string, number | null][]; b: [string, number | null][] } = { a: [], b: [] };
a.jit!.onWorkerFailure = (why, restart) => { reports.a.push([why, restart]); };
b.jit!.onWorkerFailure = (why, restart) => { reports.b.push([why, restart]); };
const drain = { onSlice: (mm: Machine) => mm.jit?.drain() };
const runs: { instructions: number; compiled: number }[] = [];
const run = (m: Machine, code: Uint8Array, drained = true): void => {
  const r = runSnippet({ machine: m, code, slice: 1000, ...(drained ? drain : {}) });
  runs.push({ instructions: r.instructions, compiled: r.compiled });
};
const count = (c: JitCounters) => ({ sent: c.batchesSent, modules: c.modulesCompiled, dropped: c.workerDropped, requeued: c.workerRequeued, restarts: c.workerRestarts });

// 1.
run(a, loop(20000, 0));
run(b, loop(20000, 0));
const modulesBefore = a.jit!.counters.modulesCompiled;
// 2.
crashCompileWorkerForTest();
while (compileWorkerStatus().died < 2) await sleep(100);
run(a, loop(30000, 1));
run(b, loop(30000, 1));
const afterRestart = { a: count(a.jit!.counters), b: count(b.jit!.counters) };
// 3. Not drained: the loop runs interpreted while its request goes to the worker that dies of it.
testFaults.workerExit = 2;
run(a, loop(40000, 2), false);
run(b, loop(40000, 2), false);
while (compileWorkerStatus().died < 3) await sleep(100);
run(a, loop(40000, 2));
run(b, loop(40000, 2));
const afterDrop = { a: count(a.jit!.counters), b: count(b.jit!.counters) };
// 4.
crashCompileWorkerForTest();
while (compileWorkerStatus().died < 4) await sleep(100);
run(a, loop(50000, 3));
run(b, loop(50000, 3));
console.log(JSON.stringify({
  raw: rawOut, modulesBefore, afterRestart, afterDrop, end: { a: count(a.jit!.counters), b: count(b.jit!.counters) },
  reports, failure: a.jit!.counters.workerFailure, summary: a.jit!.counters.summary(), runs, status: compileWorkerStatus(),
}));
process.exit(0);
