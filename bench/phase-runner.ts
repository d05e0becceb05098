/**
 * One measured run from a snapshot (the bench=1 phase snapshots): restore,
 * run `warmup` instructions (default 1e9: compiles the phase's hot code),
 * then N more, measured: the process's CPU time and the JIT counters over them.
 * For paired before/after runs (interleave them: A B A B):
 *
 *   node dist/bench/phase-runner.js SNAPSHOT [--warmup N] [--max-instructions N] [--jit-global 0] [--jit-global-fill attach|exit|both] [--jit-modules 0|1] [--jit-x87 0] [--jit JSON]
 *
 * Prints one JSON line: {cpuS, wallS, executed, compiled, xfers: {name: n}, summary}.
 */
import { Machine } from '../src/vm.js';
import type { JitOptions } from '../translator/jit/engine.js';
import { XFER_NAMES } from '../translator/jit/chain.js';

const args = process.argv.slice(2);
const snap = args.shift();
if (snap === undefined) { process.stderr.write('usage: phase-runner SNAPSHOT [--max-instructions N] [--jit-global 0] [--jit-modules 0|1]\n'); process.exit(2); }
const num = (name: string): number | undefined => { const i = args.indexOf(`--${name}`); return i >= 0 && i + 1 < args.length ? Number(args[i + 1]) : undefined; };
const max = num('max-instructions') ?? 3e9;
const jit: JitOptions & Record<string, unknown> = {};
if (num('jit-global') === 0) jit.global = false;
if (num('jit-modules') !== undefined) jit.modules = num('jit-modules') === 1; // default off
if (num('jit-x87') === 0) jit.x87 = false;
// --jit JSON: more JitOptions, merged over the flags above (e.g. '{"pageGroups":true}').
const jitAt = args.indexOf('--jit');
if (jitAt >= 0) Object.assign(jit, JSON.parse(args[jitAt + 1]!) as JitOptions);
const fillAt = args.indexOf('--jit-global-fill');
if (fillAt >= 0) jit.globalFill = args[fillAt + 1] as JitOptions['globalFill'];
// Not measured: the first `warmup` instructions (restore, compiling the phase's hot code: the worker's CPU time
// under load varies more than what is measured).
const warmup = num('warmup') ?? 1e9;
const m = await Machine.restore(snap, { jit });
const w0 = process.cpuUsage();
if (warmup > 0) await m.run({ instructions: warmup });
const warm = process.cpuUsage(w0);
const before = m.jitCounters() ?? {};
const xf0 = [...(m as unknown as { pc: { machine: { jit: { counters: { xfers: number[] } } | null } } }).pc.machine.jit?.counters.xfers ?? []];
const c0 = process.cpuUsage(), t0 = performance.now();
const exit = await m.run({ instructions: max });
const c = process.cpuUsage(c0);
const counters = m.jitCounters() ?? {};
const xf = (m as unknown as { pc: { machine: { jit: { counters: { xfers: number[] } } | null } } }).pc.machine.jit?.counters.xfers ?? [];
const names = XFER_NAMES as readonly string[];
const xfers = Object.fromEntries(xf.map((v, k) => [names[k] ?? String(k), v - (xf0[k] ?? 0)]));
process.stdout.write(JSON.stringify({
  exit: exit.kind, cpuS: (c.user + c.system) / 1e6, wallS: (performance.now() - t0) / 1000, warmCpuS: (warm.user + warm.system) / 1e6,
  executed: (counters.executed ?? 0) - (before.executed ?? 0), compiled: (counters.compiled ?? 0) - (before.compiled ?? 0),
  compileMs: (counters.compileMs ?? 0) - (before.compileMs ?? 0), xfers, summary: m.jitSummary(),
}) + '\n');
process.exit(0);
