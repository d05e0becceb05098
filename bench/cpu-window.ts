/**
 * Where the main thread's time goes over one window of the deterministic JIT
 * boot: V8's CPU profiler (the inspector, in process) started at `--from`
 * instructions (default 2.32e9: the kernel decompressor's end) and stopped at
 * the first serial line matching `--to` (default the console line, ~2.384 G)
 * or at `--to-n` instructions; prints the window's counters (as
 * serial-window.ts), the top functions by self time and by inclusive time
 * (each function counted once per sample), and the top self-time sites
 * grouped by script; `--out FILE` keeps the .cpuprofile (Chrome DevTools).
 * The start is taken at a slice end (`pc.run(from)` stops there, within
 * ~2 M instructions of it); the end mid-slice, when the line's newline is
 * written. Profiling costs the window ~5-15 %: compare profiles, not times.
 *
 *   node --v8-pool-size=1 --max-semi-space-size=4 dist/bench/cpu-window.js [--from 2.32e9] [--to REGEX] [--to-n N]
 *     [--interval US] [--top 40] [--out FILE] [--jit JSON] [--front JSON]
 *
 * Run it with MALLOC_ARENA_MAX=1 and the flags above (src/host-tuning.ts).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { INTERP_REASONS } from '../runtime/records.js';
import type { FrontEndStats } from '../translator/frontend/blocks.js';
import { args, opt } from './args.js';
import { mainCpuMs } from './thread-cpu.js';
import { windowPc } from './window-pc.js';

const from = Number(opt('from', '2.32e9'));
const to = new RegExp(opt('to', 'console \\[ttyS0\\] enabled'));
const toN = Number(opt('to-n', 'Infinity'));
const interval = Number(opt('interval', '200'));
const top = Number(opt('top', '40'));
const out = opt('out', '');
// --no-prof: the window's counters and threads only (no profiler: its cost out of the times).
const prof = !args.includes('--no-prof');
/** CPU ms of every thread of this process by tid (schedstat ns): which thread is which by creation order. */
function tasks(): Map<string, number> {
  const m = new Map<string, number>();
  for (const t of readdirSync('/proc/self/task')) {
    try { m.set(t, Number(readFileSync(`/proc/self/task/${t}/schedstat`, 'utf8').split(' ')[0]) / 1e6); } catch { /* ended */ }
  }
  return m;
}
const kernel = new Uint8Array(readFileSync('guests/linux-686.bzImage'));
const initrd = new Uint8Array(readFileSync('guests/initramfs.cpio.gz'));

(await import('../translator/jit/worker-client.js')).prestartCompileWorker();
const { Pc } = await import('../src/pc.js');

let armed = false;
let endLine = '';
const pc = windowPc(Pc, (line) => {
  if (armed && endLine === '' && to.test(line)) { endLine = line; pc.stop(); }
});
const jit = pc.machine.jit!;
const fe = pc.machine.frontEnd;
interface Snap { n: number; main: number; t: number; compiled: number; batches: number; latency: number; emit: number; interp: number[]; fe: FrontEndStats }
const snap = (): Snap => {
  const c = jit.counters;
  return {
    n: pc.cpu.icountNumber(), main: mainCpuMs(), t: performance.now(), compiled: c.blocksCompiled, batches: c.batchesSent,
    latency: c.latencyMs, emit: c.workerEmitMs, interp: [...c.interpreted], fe: { ...fe.stats },
  };
};

pc.bootLinux(kernel, 'linux-686.bzImage', 'console=ttyS0', initrd, 'initramfs.cpio.gz');
// --warm-file F [--warm-skip K] [--warm-blocks N] [--warm-at I]: an experiment: at I instructions
// (default 1e9: the decompressor's steady stretch, the worker idle) the recorded compile requests of F
// (bench/emit.ts record) from the K-th on, up to N blocks, go to the shared compile worker through a
// client of their own (answers dropped): does a worker that has emitted kernel code before the window
// shorten the window's wait?
const warmFile = opt('warm-file', '');
let warmSent = 0, warmBlocks = 0;
if (warmFile !== '') {
  const { load } = await import('./emit-recording.js');
  const { CompileClient } = await import('../translator/jit/worker-client.js');
  const reqs = load(warmFile).slice(Number(opt('warm-skip', '0')));
  const most = Number(opt('warm-blocks', '400'));
  await pc.run(Number(opt('warm-at', '1e9')));
  (pc as unknown as { exit: unknown }).exit = null;
  const client = new CompileClient();
  for (const q of reqs) {
    if (warmBlocks >= most) break;
    warmBlocks += q.packed[0]!;
    client.send(q.packed, q.opts);
    warmSent++;
  }
  // Answers taken as they come (nothing attached), so the client's port does not hold the modules.
  const drop = setInterval(() => { while (client.poll() !== undefined) { /* dropped */ } if (client.inFlight === 0) clearInterval(drop); }, 20);
  process.stderr.write(`cpu-window: warm-up ${warmSent} requests, ${warmBlocks} blocks at ${pc.cpu.icountNumber()}\n`);
}
// --warm-cold N [--warm-at I]: the other experiment, with no recording: at I instructions the front
// end's live blocks without code (the boot's cold code so far, hottest first, up to N) go to the
// worker once, answers dropped: the worker emits real code paths while it idles in the decompressor.
const warmCold = Number(opt('warm-cold', '0'));
if (warmCold > 0) {
  const { CompileClient } = await import('../translator/jit/worker-client.js');
  const { packBlocks } = await import('../translator/jit/pack.js');
  await pc.run(Number(opt('warm-at', '1e9')));
  (pc as unknown as { exit: unknown }).exit = null;
  const cold = [...fe.liveBlocks()].filter((b) => b.valid && b.jit === null && b.code32).sort((x, y) => y.hits - x.hits);
  const pick = cold.slice(0, warmCold);
  const client = new CompileClient();
  const emitOptions = (jit as unknown as { emitOptions(n: number): import('../translator/jit/compile.js').EmitOptions }).emitOptions.bind(jit);
  for (let i = 0; i < pick.length; i += 64) { const part = pick.slice(i, i + 64); client.send(packBlocks(part), emitOptions(part.length)); warmSent++; warmBlocks += part.length; }
  const drop = setInterval(() => { while (client.poll() !== undefined) { /* dropped */ } if (client.inFlight === 0) clearInterval(drop); }, 20);
  process.stderr.write(`cpu-window: cold warm-up ${warmSent} requests, ${warmBlocks} of ${cold.length} cold blocks (${pick.reduce((t, b) => t + b.recs.length, 0)} records) at ${pc.cpu.icountNumber()}\n`);
}
await pc.run(from);
// Pc's exit is sticky (a 'limit' ends every later run): clear it to go on from here.
(pc as unknown as { exit: unknown }).exit = null;
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval });
const ta = tasks();
// For an outside profiler (perf record -p PID): the window starts now.
process.stderr.write(`cpu-window: start pid ${process.pid} mono ${(Number(process.hrtime.bigint()) / 1e9).toFixed(6)}\n`);
const a = snap();
armed = true;
process.stdout.write('@@ cpu-window start\n');
if (prof) await session.post('Profiler.start');
await pc.run(Number.isFinite(toN) ? toN : Infinity);
const { profile } = prof ? await session.post('Profiler.stop') : { profile: { nodes: [], samples: [] } as unknown as import('node:inspector').Profiler.Profile };
const b = snap();
const tb = tasks();
process.stdout.write('@@ cpu-window end\n');
if (out !== '') writeFileSync(out, JSON.stringify(profile));

const feDelta: Record<string, number> = {};
for (const k of Object.keys(b.fe) as (keyof FrontEndStats)[]) {
  const v = +(b.fe[k] - a.fe[k]).toFixed(1);
  if (v !== 0) feDelta[k] = v;
}
console.log(`window ${a.n} -> ${b.n} ('${endLine.slice(0, 50)}')`);
console.log('WINDOW', JSON.stringify({
  instructions: b.n - a.n, ms: Math.round(b.t - a.t), mainCpuMs: b.main - a.main, compiled: b.compiled - a.compiled,
  batches: b.batches - a.batches, latencyMs: Math.round(b.latency - a.latency), workerEmitMs: Math.round(b.emit - a.emit),
  interpreted: Object.fromEntries(INTERP_REASONS.map((r, i) => [r, b.interp[i]! - a.interp[i]!]).filter(([, v]) => v !== 0)),
  threadsMs: Object.fromEntries([...tb].map(([t, v]) => [t, Math.round(v - (ta.get(t) ?? 0))]).filter(([, v]) => (v as number) > 0)),
  warm: warmSent > 0 ? { requests: warmSent, blocks: warmBlocks } : undefined,
  frontEnd: feDelta, load: Number(readFileSync('/proc/loadavg', 'latin1').split(' ')[0]),
}));

if (!prof) process.exit(0);
// Self and inclusive sample counts per function (name + script + line).
type Node = (typeof profile.nodes)[number];
const byId = new Map<number, Node>(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const key = (n: Node): string => {
  const f = n.callFrame;
  const file = f.url.replace(/^.*\/(dist|node_modules)\//, '$1/');
  return `${f.functionName || '(anon)'} ${file}:${f.lineNumber + 1}`;
};
const self = new Map<string, number>(), incl = new Map<string, number>();
const samples = profile.samples ?? [];
for (const id of samples) {
  const n = byId.get(id)!;
  self.set(key(n), (self.get(key(n)) ?? 0) + 1);
  const seen = new Set<string>();
  for (let x: number | undefined = id; x !== undefined; x = parent.get(x)) {
    const k = key(byId.get(x)!);
    if (!seen.has(k)) { seen.add(k); incl.set(k, (incl.get(k) ?? 0) + 1); }
  }
}
const total = samples.length;
const print = (title: string, m: Map<string, number>): void => {
  console.log(`\n${title} (of ${total} samples, ${interval} us)`);
  for (const [k, v] of [...m].sort((x, y) => y[1] - x[1]).slice(0, top)) console.log(`${String(v).padStart(7)} ${(100 * v / total).toFixed(1).padStart(5)} %  ${k}`);
};
print('self', self);
print('inclusive', incl);
const byFile = new Map<string, number>();
for (const id of samples) {
  const u = byId.get(id)!.callFrame.url.replace(/^.*\/(dist|node_modules)\//, '$1/') || byId.get(id)!.callFrame.functionName;
  byFile.set(u, (byFile.get(u) ?? 0) + 1);
}
print('self by script', byFile);
process.exit(0);
