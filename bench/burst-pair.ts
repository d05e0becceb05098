/**
 * A compile burst measured for two JIT configurations in one process (the
 * same host load for both): burst-window.ts's warm-up (a first machine
 * restored from WARM_SNAP runs WARM_N instructions of new code, so the
 * shared compile worker is warm), then SNAP restored twice, A with --a and B
 * with --b (JitOptions JSON), both run --skip unmeasured in alternating
 * slices, then --window in alternating slices of --slice (A B, B A, ...),
 * each slice's main-thread CPU added to its side. Both sides send their
 * requests to the one worker, so each side's compile latency includes the
 * other's requests, alike for both. One JSON line: per side main-thread ms,
 * wall ms of its slices, blocks compiled, attach ms, the worker's emit and
 * V8 compile ms for that side's modules, instructions interpreted by
 * reason; mainRatio = B/A.
 *
 *   node dist/bench/burst-pair.js WARM_SNAP WARM_N SNAP [--skip N] [--window N] [--slice N] [--a JSON] [--b JSON] [--fa JSON] [--fb JSON]
 *
 * --fa / --fb: front-end settings as JSON (fields of FrontEnd, e.g. {"recycle":false}), set on each
 * side's front end right after its restore.
 */
import { Machine } from '../src/vm.js';
import type { JitOptions } from '../translator/jit/engine.js';
import type { JitCounters } from '../translator/jit/counters.js';
import { INTERP_REASONS } from '../runtime/records.js';
import { mainThreadNs } from './thread-cpu.js';
import type { FrontEnd } from '../translator/frontend/blocks.js';

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => { const i = args.indexOf(`--${name}`); return i >= 0 && i + 1 < args.length ? args[i + 1] : undefined; };
const [warmSnap, warmN, snap] = args;
if (warmSnap === undefined || warmN === undefined || snap === undefined) {
  process.stderr.write('usage: burst-pair WARM_SNAP WARM_N SNAP [--skip N] [--window N] [--slice N] [--a JSON] [--b JSON]\n');
  process.exit(2);
}
const skip = Number(opt('skip') ?? 0), window = Number(opt('window') ?? 1e8), slice = Number(opt('slice') ?? 5e6);
const cfg = { a: JSON.parse(opt('a') ?? '{}') as JitOptions, b: JSON.parse(opt('b') ?? '{}') as JitOptions };
type FrontEndSettings = Partial<Pick<FrontEnd, 'pairRets' | 'pairThunks' | 'maxRecords' | 'recycle'>>;
const fe = { a: JSON.parse(opt('fa') ?? '{}') as FrontEndSettings, b: JSON.parse(opt('fb') ?? '{}') as FrontEndSettings };
const frontEndOf = (m: Machine): FrontEnd => (m as unknown as { pc: { machine: { frontEnd: FrontEnd } } }).pc.machine.frontEnd;
type Internals = { pc: { machine: { jit: { counters: JitCounters } | null } } };
const counters = (m: Machine): JitCounters => {
  const j = (m as unknown as Internals).pc.machine.jit;
  if (j === null) { process.stderr.write('burst-pair: the machine has no JIT\n'); process.exit(2); }
  return j.counters;
};

const warm = await Machine.restore(warmSnap, { jit: cfg.a });
await warm.run({ instructions: Number(warmN) });
warm.stop();

type Side = { m: Machine; jc: JitCounters; main: number; wall: number };
const sides = { a: null as Side | null, b: null as Side | null };
for (const k of ['a', 'b'] as const) {
  const m = await Machine.restore(snap, { jit: cfg[k] });
  Object.assign(frontEndOf(m), fe[k]);
  sides[k] = { m, jc: counters(m), main: 0, wall: 0 };
}
const both = [sides.a!, sides.b!] as const;
const runSlices = async (total: number, measure: boolean): Promise<void> => {
  for (let i = 0, done = 0; done < total; i++, done += slice) {
    const n = Math.min(slice, total - done);
    for (const s of i % 2 === 0 ? [both[0], both[1]] : [both[1], both[0]]) {
      const n0 = mainThreadNs(), t0 = performance.now();
      await s.m.run({ instructions: n });
      if (measure) { s.main += (mainThreadNs() - n0) / 1e6; s.wall += performance.now() - t0; }
    }
  }
};
await runSlices(skip, false);
const at = both.map((s) => ({ i: [...s.jc.interpreted], blocks: s.jc.blocksCompiled, attach: s.jc.instantiateMs, emit: s.jc.workerEmitMs, v8: s.jc.workerCompileMs }));
await runSlices(window, true);
const out: Record<string, unknown> = { from: skip, window, slice };
both.forEach((s, j) => {
  const a = at[j]!, jc = s.jc;
  out[j === 0 ? 'a' : 'b'] = {
    jit: cfg[j === 0 ? 'a' : 'b'], frontEnd: fe[j === 0 ? 'a' : 'b'], mainMs: +s.main.toFixed(1), wallMs: +s.wall.toFixed(0), blocks: jc.blocksCompiled - a.blocks,
    attachMs: +(jc.instantiateMs - a.attach).toFixed(1), emitMs: +(jc.workerEmitMs - a.emit).toFixed(1), v8Ms: +(jc.workerCompileMs - a.v8).toFixed(1),
    interpreted: Object.fromEntries(INTERP_REASONS.map((nm, k) => [nm, (jc.interpreted[k] ?? 0) - (a.i[k] ?? 0)] as const).filter(([, v]) => v !== 0)),
  };
});
out.mainRatio = +(both[1].main / both[0].main).toFixed(3);
process.stdout.write(JSON.stringify(out) + '\n');
process.exit(0);
