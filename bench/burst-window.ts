/**
 * One compile burst measured with a warm compile worker: a restored snapshot
 * has no compiled code and its process's worker has compiled nothing, so a
 * burst right after a restore finds binaryen and the code generator cold
 * (2-8 ms a block instead of ~1 at load 10; docs/jit-plan.md session 12,
 * burst12) and mostly measures that. Here a first machine restored from
 * WARM_SNAP runs WARM_N instructions (new code: the worker compiles a few
 * thousand blocks) and stops; then SNAP is restored with `--jit`, runs
 * `--skip` instructions unmeasured and `--window` measured, and one JSON line
 * gives the window's main-thread and other threads' CPU ms, wall ms, blocks
 * and batches compiled, priority batches, main-thread ms attaching modules
 * (JitCounters.instantiateMs), instructions interpreted by reason.
 * Compare configurations by interleaving processes (A B B A ...).
 *
 *   node dist/bench/burst-window.js WARM_SNAP WARM_N SNAP [--skip N] [--window N] [--jit JSON]
 */
import { Machine } from '../src/vm.js';
import type { JitOptions } from '../translator/jit/engine.js';
import type { JitCounters } from '../translator/jit/counters.js';
import { INTERP_REASONS } from '../runtime/records.js';
import { threadNs } from './thread-cpu.js';

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => { const i = args.indexOf(`--${name}`); return i >= 0 && i + 1 < args.length ? args[i + 1] : undefined; };
const [warmSnap, warmN, snap] = args;
if (warmSnap === undefined || warmN === undefined || snap === undefined) {
  process.stderr.write('usage: burst-window WARM_SNAP WARM_N SNAP [--skip N] [--window N] [--jit JSON]\n');
  process.exit(2);
}
const skip = Number(opt('skip') ?? 0), window = Number(opt('window') ?? 5e7);
const jit = JSON.parse(opt('jit') ?? '{}') as JitOptions;
type Internals = { pc: { machine: { jit: { counters: JitCounters } | null } } };
const counters = (m: Machine): JitCounters => {
  const j = (m as unknown as Internals).pc.machine.jit;
  if (j === null) { process.stderr.write('burst-window: the machine has no JIT\n'); process.exit(2); }
  return j.counters;
};

const warm = await Machine.restore(warmSnap, { jit });
await warm.run({ instructions: Number(warmN) });
const warmBlocks = counters(warm).blocksCompiled;
warm.stop();

const m = await Machine.restore(snap, { jit });
const jc = counters(m);
if (skip > 0) await m.run({ instructions: skip });
const snapOf = (): { i: number[]; blocks: number; batches: number; prio: number; attach: number; emit: number; v8: number; th: { main: number; others: number }; t: number } =>
  ({ i: [...jc.interpreted], blocks: jc.blocksCompiled, batches: jc.batchesSent, prio: jc.priorityBatches, attach: jc.instantiateMs,
    emit: jc.workerEmitMs, v8: jc.workerCompileMs, th: threadNs(), t: performance.now() });
const mono = (): string => (Number(process.hrtime.bigint()) / 1e9).toFixed(6);
const monoA = mono();
const a = snapOf();
await m.run({ instructions: window });
const b = snapOf();
// CLOCK_MONOTONIC seconds, the clock of `perf record -k mono`: cut a profile of this process to the window.
process.stderr.write(`window monotonic ${monoA} ${mono()}\n`);
process.stdout.write(JSON.stringify({
  jit, warmBlocks, from: skip, window,
  mainMs: +((b.th.main - a.th.main) / 1e6).toFixed(1), othersMs: +((b.th.others - a.th.others) / 1e6).toFixed(1), wallMs: +(b.t - a.t).toFixed(0),
  blocks: b.blocks - a.blocks, batches: b.batches - a.batches, priority: b.prio - a.prio, attachMs: +(b.attach - a.attach).toFixed(1),
  // The worker's wall time per module: binaryen (emitMs) and new WebAssembly.Module (v8Ms: Liftoff too with JitOptions.eager).
  emitMs: +(b.emit - a.emit).toFixed(1), v8Ms: +(b.v8 - a.v8).toFixed(1),
  interpreted: Object.fromEntries(INTERP_REASONS.map((nm, k) => [nm, (b.i[k] ?? 0) - (a.i[k] ?? 0)] as const).filter(([, v]) => v !== 0)),
}) + '\n');
process.exit(0);
