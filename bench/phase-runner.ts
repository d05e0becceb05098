/**
 * One measured run from a snapshot (the bench=1 phase snapshots): restore,
 * run N instructions, print the process's CPU time and the JIT counters.
 * For paired before/after runs (interleave them: A B A B):
 *
 *   node dist/bench/phase-runner.js SNAPSHOT [--max-instructions N] [--jit-global 0] [--jit-global-fill attach|exit|both] [--jit-modules 0]
 *
 * Prints one JSON line: {cpuS, wallS, executed, compiled, xfers: {name: n}, summary}.
 */
import { Machine } from '../src/vm.js';
import type { JitOptions } from '../translator/jit/engine.js';

const args = process.argv.slice(2);
const snap = args.shift();
if (snap === undefined) { process.stderr.write('usage: phase-runner SNAPSHOT [--max-instructions N] [--jit-global 0] [--jit-modules 0]\n'); process.exit(2); }
const num = (name: string): number | undefined => { const i = args.indexOf(`--${name}`); return i >= 0 && i + 1 < args.length ? Number(args[i + 1]) : undefined; };
const max = num('max-instructions') ?? 3e9;
const jit: JitOptions & Record<string, unknown> = {};
if (num('jit-global') === 0) jit.global = false;
if (num('jit-modules') === 0) jit.modules = false;
const fillAt = args.indexOf('--jit-global-fill');
if (fillAt >= 0) jit.globalFill = args[fillAt + 1] as JitOptions['globalFill'];
const c0 = process.cpuUsage(), t0 = performance.now();
const m = await Machine.restore(snap, { jit });
const exit = await m.run({ instructions: max });
const c = process.cpuUsage(c0);
const counters = m.jitCounters() ?? {};
process.stdout.write(JSON.stringify({ exit: exit.kind, cpuS: (c.user + c.system) / 1e6, wallS: (performance.now() - t0) / 1000, executed: counters.executed, compiled: counters.compiled, summary: m.jitSummary() }) + '\n');
process.exit(0);
