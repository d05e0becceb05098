/**
 * Two builds of jitvisor booted in one process, for changes to how V8 tiers our JS (deopts, what runs in
 * Ignition or Sparkplug): each `dist` is its own module graph, so its functions have their own feedback,
 * optimised code and deopts, while both share the host's load and V8's one platform thread. Both boot the
 * default guest (deterministic clock, JIT) to --from unmeasured, alternating 1e8 chunks, then run
 * [--from, --to) in alternating slices of --slice (A B, B A, ...), each slice's main-thread CPU
 * (schedstat) added to its side. One JSON line; ratio = B/A. (session 17, burst17: the loop's deopts at
 * the kernel's start, docs/jit-plan.md.)
 *
 *   node --v8-pool-size=1 --max-semi-space-size=4 dist/bench/build-pair.js DIST_A DIST_B [--from 2.3e9] [--to 2.5e9] [--slice 5e6]
 *
 * DIST_*: absolute paths of two `dist` directories (a copy of a build with package.json beside it and
 * node_modules reachable). Swap A and B between runs.
 */
import { loadavg } from 'node:os';
import { mainThreadNs } from './thread-cpu.js';

const args = process.argv.slice(2);
const opt = (name: string, def: string): string => { const i = args.indexOf(`--${name}`); return i >= 0 && i + 1 < args.length ? args[i + 1]! : def; };
const [da, db] = args;
if (da === undefined || db === undefined || da.startsWith('--') || db.startsWith('--')) {
  process.stderr.write('usage: build-pair DIST_A DIST_B [--from N] [--to N] [--slice N]\n');
  process.exit(2);
}
const from = Number(opt('from', '2.3e9')), to = Number(opt('to', '2.5e9')), slice = Number(opt('slice', '5e6'));

interface RunnableMachine { run(opts: { instructions: number }): Promise<unknown> }
interface VmModule { Machine: { create(opts: { clock: 'deterministic'; engine: 'jit' }): RunnableMachine } }
type Side = { dist: string; m: RunnableMachine; ns: number; wall: number };

const sides: Side[] = [];
for (const dist of [da, db]) {
  const vm = await import(`${dist}/src/vm.js`) as VmModule;
  sides.push({ dist, m: vm.Machine.create({ clock: 'deterministic', engine: 'jit' }), ns: 0, wall: 0 });
}
for (let done = 0; done < from; done += 1e8) {
  for (const s of sides) await s.m.run({ instructions: Math.min(1e8, from - done) });
}
for (let at = from, k = 0; at < to; at += slice, k++) {
  const order = k % 2 === 0 ? sides : [sides[1]!, sides[0]!];
  for (const s of order) {
    const c0 = mainThreadNs(), t0 = performance.now();
    await s.m.run({ instructions: Math.min(slice, to - at) });
    s.ns += mainThreadNs() - c0;
    s.wall += performance.now() - t0;
  }
}
const [a, b] = sides as [Side, Side];
console.log(JSON.stringify({
  a: a.dist, b: b.dist, from, to, slice,
  mainMsA: Math.round(a.ns / 1e6), mainMsB: Math.round(b.ns / 1e6), wallMsA: Math.round(a.wall), wallMsB: Math.round(b.wall),
  ratio: +(b.ns / a.ns).toFixed(3), load: +loadavg()[0]!.toFixed(1),
}));
process.exit(0);
