/**
 * What a window of a run costs, slice by slice: restore a snapshot (or boot
 * the default guest deterministically from the start), run `--skip`
 * instructions unmeasured, then `--window` more in slices of `--slice`, and
 * print per slice the main thread's and the other threads' CPU ms
 * (bench/thread-cpu.ts: the compile worker and V8's TurboFan thread apart
 * from the guest's own thread), wall ms, blocks compiled, worker polls,
 * direct transfers, dispatcher/global-cache transfers (chain.ts XFER_NAMES),
 * instructions interpreted by reason (records.ts INTERP_REASONS) and EIP at
 * the slice's end; then the window's totals. Not a paired measurement:
 * compare configurations with bench/phase-pair.ts; this shows where in a
 * window the time goes (a delay loop, a compile burst) and why.
 *
 *   node dist/bench/phase-window.js [SNAPSHOT] [--skip N] [--window N] [--slice N] [--jit JSON] [--quiet]
 *
 * Without SNAPSHOT: Machine.create({ clock: 'deterministic' }) (the default
 * guest). A restored snapshot has no compiled code: its first slices
 * recompile the hot code (use --skip).
 */
import { Machine } from '../src/vm.js';
import type { JitOptions } from '../translator/jit/engine.js';
import type { JitCounters } from '../translator/jit/counters.js';
import { XFER_NAMES } from '../translator/jit/chain.js';
import { INTERP_REASONS } from '../runtime/records.js';
import { threadNs } from './thread-cpu.js';

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => { const i = args.indexOf(`--${name}`); return i >= 0 && i + 1 < args.length ? args[i + 1] : undefined; };
const snap = args[0] !== undefined && !args[0].startsWith('--') ? args[0] : undefined;
const skip = Number(opt('skip') ?? 0), window = Number(opt('window') ?? 1e9), slice = Number(opt('slice') ?? 5e7);
const jit = JSON.parse(opt('jit') ?? '{}') as JitOptions;
const quiet = args.includes('--quiet');

const m = snap !== undefined ? await Machine.restore(snap, { jit }) : Machine.create({ clock: 'deterministic', jit });
type Internals = { pc: { machine: { cpu: { eip: number }; jit: { counters: JitCounters } | null } } };
const pm = (m as unknown as Internals).pc.machine;
if (pm.jit === null) { process.stderr.write('phase-window: the machine has no JIT\n'); process.exit(2); }
const jc = pm.jit.counters;
if (skip > 0) await m.run({ instructions: skip });

interface Mark { x: number[]; i: number[]; blocks: number; polls: number; direct: number; n: number; main: number; others: number; t: number }
const mark = (): Mark => {
  const th = threadNs();
  return { x: [...jc.xfers], i: [...jc.interpreted], blocks: jc.blocksCompiled, polls: jc.polls, direct: jc.direct.n, n: m.status().instructions, main: th.main, others: th.others, t: performance.now() };
};
const named = (a: readonly number[], b: readonly number[], names: readonly string[]): Record<string, number> =>
  Object.fromEntries(names.map((nm, k) => [nm, (b[k] ?? 0) - (a[k] ?? 0)] as const).filter(([, v]) => v !== 0));
const line = (a: Mark, b: Mark): Record<string, unknown> => ({
  at: +(b.n / 1e9).toFixed(3),
  mainMs: +((b.main - a.main) / 1e6).toFixed(1), othersMs: +((b.others - a.others) / 1e6).toFixed(1), wallMs: +(b.t - a.t).toFixed(0),
  blocks: b.blocks - a.blocks, polls: b.polls - a.polls, direct: b.direct - a.direct,
  xfers: named(a.x, b.x, XFER_NAMES), interpreted: named(a.i, b.i, INTERP_REASONS),
});

const start = mark();
for (let done = 0; done < window; done += slice) {
  const a = mark();
  await m.run({ instructions: Math.min(slice, window - done) });
  if (!quiet) process.stdout.write(JSON.stringify({ ...line(a, mark()), eip: (pm.cpu.eip >>> 0).toString(16) }) + '\n');
}
process.stdout.write(JSON.stringify({ total: true, from: +(start.n / 1e9).toFixed(3), ...line(start, mark()) }) + '\n');
process.exit(0);
