/**
 * One process per case for test/jit/prestart.test.ts: the compile worker is
 * per thread (translator/jit/worker-client.ts), so whether a command line
 * starts one, and whether the machine's JIT takes it up, is only seen from
 * a fresh process. Prints one JSON line: the worker status and the run.
 *
 *   node dist/test/helpers/prestart-child.js ENGINE ARGV_JSON [UNADOPTED_MS] [MAKE_AFTER_MS] [WAIT_MS]
 *
 * ARGV_JSON is the command line given to prestartFor (as bin/jitvisor.js
 * does); then, after MAKE_AFTER_MS, a machine on ENGINE ('none': no machine)
 * runs a small loop with its compiles waited for ('create:ENGINE': vm.ts
 * Machine.create is called with a kernel that cannot be read); then after
 * WAIT_MS the status is printed.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { runsJit } from '../../src/prestart.js';
import { compileWorkerStatus, prestartCompileWorker } from '../../translator/jit/worker-client.js';
// Imported before the prestart (the CLI imports them after it): the machine is then made at once, so a
// short UNADOPTED_MS does not run out during the imports.
import { Machine } from '../../src/machine.js';
import { runSnippet } from '../../src/snippet.js';

const [engine = 'none', argvJson = '[]', unadoptedMs, makeAfterMs = '0', waitMs = '0'] = process.argv.slice(2);
const argv = JSON.parse(argvJson) as string[];
// prestartFor with a chosen timeout: the same decision, then the same call.
const prestarted = runsJit(argv) && prestartCompileWorker(unadoptedMs === undefined ? undefined : Number(unadoptedMs));
const atPrestart = compileWorkerStatus();
if (Number(makeAfterMs) > 0) await sleep(Number(makeAfterMs));
let compiled = 0, modules = 0, instructions = 0;
let afterMachine = compileWorkerStatus();
if (engine.startsWith('create:')) {
  // Machine.create with a kernel that cannot be read: it throws after starting (or not) the worker.
  const { Machine: Vm } = await import('../../src/vm.js');
  try { Vm.create({ engine: engine.slice(7) as 'jit' | 'interpreter', kernel: '/nonexistent/kernel' }); } catch { /* expected */ }
  afterMachine = compileWorkerStatus();
} else if (engine === 'interpreter' || engine === 'jit') {
  // Compiled after 2 runs, one block a module; its compiles waited for between slices.
  const m = new Machine({ memoryMiB: 2, engine, jit: { threshold: 2, batch: 1 } });
  afterMachine = compileWorkerStatus();
  // mov ecx, 20000; l: dec ecx; jnz l; hlt
  const code = new Uint8Array([0xb9, 0x20, 0x4e, 0x00, 0x00, 0x49, 0x75, 0xfd, 0xf4]);
  const r = runSnippet({ machine: m, code, slice: 1000, onSlice: (mm) => mm.jit?.drain() });
  m.jit?.flush();
  compiled = r.compiled;
  instructions = r.instructions;
  modules = m.jit?.counters.modulesCompiled ?? 0;
}
await sleep(Number(waitMs));
console.log(JSON.stringify({ prestarted, atPrestart, afterMachine, compiled, modules, instructions, end: compileWorkerStatus() }));
process.exit(0);
