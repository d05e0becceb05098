/**
 * A compile burst cut into slices, with what each slice cost and did: a warm
 * worker first (as burst-window.ts: WARM_SNAP run WARM_N instructions), then
 * SNAP restored (`--jit`, `--front`), `--skip` unmeasured, then `--window` in
 * slices of `--slice` instructions. One JSON line per slice: main-thread and
 * other threads' CPU ms, wall ms, blocks decoded (and instructions decoded,
 * decoded again, evicted), blocks compiled, batches sent, modules attached
 * and the main thread's ms attaching them, returns of compiled code to the
 * loop, instructions interpreted by reason, and the GCs (scavenges and
 * mark-compacts, count and ms, from perf_hooks). A last line sums the window.
 *
 *   node dist/bench/burst-slices.js WARM_SNAP WARM_N SNAP [--skip N] [--window N] [--slice N] [--jit JSON] [--front JSON]
 */
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { Machine } from '../src/vm.js';
import type { JitOptions } from '../translator/jit/engine.js';
import type { JitCounters } from '../translator/jit/counters.js';
import type { FrontEnd } from '../translator/frontend/blocks.js';
import { INTERP_REASONS } from '../runtime/records.js';
import { threadNs } from './thread-cpu.js';

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => { const i = args.indexOf(`--${name}`); return i >= 0 && i + 1 < args.length ? args[i + 1] : undefined; };
const [warmSnap, warmN, snap] = args;
if (warmSnap === undefined || warmN === undefined || snap === undefined) {
  process.stderr.write('usage: burst-slices WARM_SNAP WARM_N SNAP [--skip N] [--window N] [--slice N] [--jit JSON] [--front JSON]\n');
  process.exit(2);
}
const skip = Number(opt('skip') ?? 0), window = Number(opt('window') ?? 3.4e8), slice = Number(opt('slice') ?? 2e7);
const jit = JSON.parse(opt('jit') ?? '{}') as JitOptions;
const front = JSON.parse(opt('front') ?? '{}') as Partial<FrontEnd>;
type Internals = { pc: { machine: { jit: { counters: JitCounters } | null; frontEnd: FrontEnd } } };
const internals = (m: Machine): Internals['pc']['machine'] => (m as unknown as Internals).pc.machine;

// GCs on the main thread (perf_hooks reports this isolate's only): count and ms by kind.
const gc = { minorN: 0, minorMs: 0, majorN: 0, majorMs: 0 };
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind;
    if (kind === constants.NODE_PERFORMANCE_GC_MINOR) { gc.minorN++; gc.minorMs += e.duration; } else { gc.majorN++; gc.majorMs += e.duration; }
  }
}).observe({ entryTypes: ['gc'] });

if (Number(warmN) > 0) {
  const warm = await Machine.restore(warmSnap, { jit });
  await warm.run({ instructions: Number(warmN) });
  warm.stop();
}

const m = await Machine.restore(snap, { jit });
const { jit: engine, frontEnd } = internals(m);
if (engine === null) { process.stderr.write('burst-slices: the machine has no JIT\n'); process.exit(2); }
Object.assign(frontEnd, front);
const jc = engine.counters, fs = frontEnd.stats;
if (skip > 0) await m.run({ instructions: skip });

const take = () => ({
  th: threadNs(), t: performance.now(), ...gc, i: [...jc.interpreted], exits: jc.exits.reduce((a, b) => a + b, 0),
  decoded: fs.blocksDecoded, insnsDecoded: fs.insnsDecoded, redecoded: fs.redecoded, evicted: fs.evicted, evictMs: fs.evictMs,
  compiled: jc.blocksCompiled, modules: jc.modulesCompiled, batches: jc.batchesSent, attachMs: jc.instantiateMs, polls: jc.polls,
  // Instructions retired by compiled code (the rest ran interpreted).
  xcompiled: m.jitCounters()?.compiled ?? 0,
});
type Take = ReturnType<typeof take>;
const diff = (a: Take, b: Take, at: number, n: number): Record<string, unknown> => ({
  at, n, mainMs: +((b.th.main - a.th.main) / 1e6).toFixed(1), othersMs: +((b.th.others - a.th.others) / 1e6).toFixed(1), wallMs: +(b.t - a.t).toFixed(0),
  compiledInsns: b.xcompiled - a.xcompiled,
  decoded: b.decoded - a.decoded, insnsDecoded: b.insnsDecoded - a.insnsDecoded, redecoded: b.redecoded - a.redecoded, evicted: b.evicted - a.evicted,
  evictMs: +(b.evictMs - a.evictMs).toFixed(1),
  compiled: b.compiled - a.compiled, modules: b.modules - a.modules, batches: b.batches - a.batches, attachMs: +(b.attachMs - a.attachMs).toFixed(1),
  polls: b.polls - a.polls, exits: b.exits - a.exits,
  scav: b.minorN - a.minorN, scavMs: +(b.minorMs - a.minorMs).toFixed(1), full: b.majorN - a.majorN, fullMs: +(b.majorMs - a.majorMs).toFixed(1),
  interpreted: Object.fromEntries(INTERP_REASONS.map((nm, k) => [nm, (b.i[k] ?? 0) - (a.i[k] ?? 0)] as const).filter(([, v]) => v !== 0)),
});
// gc entries are delivered asynchronously: let the observer run before each reading.
const settle = (): Promise<void> => new Promise((r) => setImmediate(r));
await settle();
const first = take();
let at = skip;
const mono = (): string => (Number(process.hrtime.bigint()) / 1e9).toFixed(6);
const monoA = mono();
for (let done = 0; done < window; done += slice) {
  const n = Math.min(slice, window - done);
  await settle();
  const a = take();
  await m.run({ instructions: n });
  await settle();
  process.stdout.write(JSON.stringify(diff(a, take(), at, n)) + '\n');
  at += n;
}
process.stderr.write(`window monotonic ${monoA} ${mono()}\n`);
process.stdout.write(JSON.stringify({ total: true, jit, front, ...diff(first, take(), skip, window) }) + '\n');
process.exit(0);
