/**
 * Paired, interleaved measurement of two JIT configurations in one process
 * (the same load for both, as far as one process can): restore the same
 * snapshot twice, warm both machines up, then alternate slices of N
 * instructions, A B A B, adding each slice's process CPU time to its side.
 * Both machines run the same deterministic guest path.
 *
 *   node dist/bench/phase-pair.js SNAPSHOT [--warmup N] [--slice N] [--slices K] [--a JSON] [--b JSON] [--fa JSON] [--fb JSON]
 *
 * --a / --b: JitOptions as JSON (default A = {"global":false}, B = {}).
 * --fa / --fb: front-end settings as JSON, applied before the warm-up
 * (FrontEnd fields: {"pairRets": false}, {"pairThunks": false}, {"maxRecords": 300000}).
 * Prints one JSON line: per side process CPU s (all threads: the compile
 * worker's and TurboFan's too), the main thread's CPU s (bench/thread-cpu.ts,
 * what the guest's steady state costs), instructions, transfer counters over
 * the measured slices; B/A of both (ratio, mainRatio).
 */
import { Machine } from '../src/vm.js';
import type { JitOptions } from '../translator/jit/engine.js';
import { XFER_NAMES } from '../translator/jit/chain.js';
import { mainThreadNs } from './thread-cpu.js';
import type { FrontEnd } from '../translator/frontend/blocks.js';

const args = process.argv.slice(2);
const snap = args.shift();
if (snap === undefined) { process.stderr.write('usage: phase-pair SNAPSHOT [--warmup N] [--slice N] [--slices K] [--a JSON] [--b JSON]\n'); process.exit(2); }
const opt = (name: string): string | undefined => { const i = args.indexOf(`--${name}`); return i >= 0 && i + 1 < args.length ? args[i + 1] : undefined; };
const warmup = Number(opt('warmup') ?? 1e9), slice = Number(opt('slice') ?? 2e8), slices = Number(opt('slices') ?? 10);
const cfg = { a: JSON.parse(opt('a') ?? '{"global":false}') as JitOptions, b: JSON.parse(opt('b') ?? '{}') as JitOptions };
type FrontEndSettings = Partial<Pick<FrontEnd, 'pairRets' | 'pairThunks' | 'maxRecords'>>;
const fe = { a: JSON.parse(opt('fa') ?? '{}') as FrontEndSettings, b: JSON.parse(opt('fb') ?? '{}') as FrontEndSettings };
const frontEndOf = (m: Machine): FrontEnd => (m as unknown as { pc: { machine: { frontEnd: FrontEnd } } }).pc.machine.frontEnd;
type Side = { m: Machine; cpu: number; main: number; x0: number[]; e0: number; c0: Record<string, number>; d0: number };
const directs = (m: Machine): number => (m as unknown as { pc: { machine: { jit: { counters: { direct: { n: number } } } | null } } }).pc.machine.jit?.counters.direct.n ?? 0;
const xfers = (m: Machine): number[] => [...((m as unknown as { pc: { machine: { jit: { counters: { xfers: number[] } } | null } } }).pc.machine.jit?.counters.xfers ?? [])];
const executed = (m: Machine): number => m.jitCounters()?.executed ?? 0;
const sides: Record<'a' | 'b', Side> = {} as Record<'a' | 'b', Side>;
for (const k of ['a', 'b'] as const) {
  const m = await Machine.restore(snap, { jit: cfg[k] });
  Object.assign(frontEndOf(m), fe[k]);
  await m.run({ instructions: warmup });
  sides[k] = { m, cpu: 0, main: 0, x0: xfers(m), e0: executed(m), c0: m.jitCounters() ?? {}, d0: directs(m) };
}
for (let i = 0; i < slices; i++) {
  for (const k of (i % 2 === 0 ? ['a', 'b'] : ['b', 'a']) as ('a' | 'b')[]) {
    const s = sides[k];
    const c0 = process.cpuUsage(), n0 = mainThreadNs();
    await s.m.run({ instructions: slice });
    const c = process.cpuUsage(c0);
    s.cpu += (c.user + c.system) / 1e6;
    s.main += (mainThreadNs() - n0) / 1e9;
  }
}
const out: Record<string, unknown> = { warmup, slice, slices };
for (const k of ['a', 'b'] as const) {
  const s = sides[k], x = xfers(s.m);
  out[k] = {
    jit: cfg[k], frontEnd: fe[k], pairedRets: frontEndOf(s.m).stats.pairedRets, pairedThunks: frontEndOf(s.m).stats.pairedThunks, cpuS: +s.cpu.toFixed(2), mainS: +s.main.toFixed(3), executed: executed(s.m) - s.e0,
    // Over the measured slices: instructions compiled code retired, blocks compiled (a window with a compile burst is not steady).
    counters: { ...Object.fromEntries(['compiled', 'blocksCompiled'].map((c) => [c, (s.m.jitCounters()?.[c] ?? 0) - (s.c0[c] ?? 0)])), direct: directs(s.m) - s.d0 },
    xfers: Object.fromEntries(x.map((v, j) => [(XFER_NAMES as readonly string[])[j] ?? String(j), v - (s.x0[j] ?? 0)]).filter(([, v]) => v !== 0)),
  };
}
out.ratio = +(sides.b.cpu / sides.a.cpu).toFixed(3);
out.mainRatio = +(sides.b.main / sides.a.main).toFixed(3);
process.stdout.write(JSON.stringify(out) + '\n');
process.exit(0);
