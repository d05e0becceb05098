/**
 * One process for test/jit/worker-crash.test.ts: the compile worker is shared
 * by the whole thread and a failure is final for it, so a crash is staged
 * where no other test runs. Prints one JSON line.
 *
 *   node dist/test/helpers/worker-crash-child.js
 *
 * A loop is run until it is compiled (the worker alive); the worker is then
 * ended as a crash would end it; a second and a third loop, new code that
 * goes hot, run after it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Machine } from '../../src/machine.js';
import { runSnippet } from '../../src/snippet.js';
import { crashCompileWorkerForTest } from '../../translator/jit/worker-client.js';

const m = new Machine({ memoryMiB: 2, engine: 'jit', jit: { threshold: 2, batch: 1 } });
const reports: string[] = [];
m.jit!.onWorkerFailure = (why) => { reports.push(why); };
// mov ecx, N; k x nop; l: dec ecx; jnz l; hlt (k = 0, 1, 2: the loop is new code each time, not the
// compiled block of the run before, which is kept while its bytes are unchanged)
const loop = (n: number, k: number): Uint8Array =>
  new Uint8Array([0xb9, n & 0xff, (n >> 8) & 0xff, 0, 0, ...new Array<number>(k).fill(0x90), 0x49, 0x75, 0xfd, 0xf4]);
const first = runSnippet({ machine: m, code: loop(20000, 0), slice: 1000, onSlice: (mm) => mm.jit?.drain() });
const modulesBefore = m.jit!.counters.modulesCompiled;
crashCompileWorkerForTest();
await sleep(300); // the worker's 'exit' event is what records the failure
const second = runSnippet({ machine: m, code: loop(30000, 1), slice: 1000 });
const third = runSnippet({ machine: m, code: loop(40000, 2), slice: 1000 });
console.log(JSON.stringify({
  modulesBefore, modulesAfter: m.jit!.counters.modulesCompiled, reports,
  failure: m.jit!.counters.workerFailure, summary: m.jit!.counters.summary(),
  runs: [first, second, third].map((r) => ({ instructions: r.instructions, compiled: r.compiled })),
}));
process.exit(0);
