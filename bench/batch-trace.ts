/**
 * Which modules a fresh deterministic boot's early hot blocks land in, and
 * what that costs in transfers (docs/jit-plan.md "Module splits", session
 * 17): runs `Machine.create({ clock: 'deterministic' })` to N instructions
 * (2.32e9: the end of the kernel decompressor) with `--jit` JitOptions, and
 * prints one line per module as it is attached (the JIT's onCompiled hook):
 * guest instructions then, host ms since the run began, its blocks, how many
 * lie in [LO, HI) (physical; default the decompressor's pages 0x1fee000-
 * 0x1ff0fff), their address range; then direct and global-cache transfers,
 * batches by send reason and the main thread's CPU. The batching is decided
 * on host time (maxWaitMs, the worker's answers), so run it several times:
 * a boot whose decompressor hot set is cut between two early modules shows
 * direct ~18 M / global ~24 M at 2.32 G against the usual 35-37 M / 5-7 M.
 * Not a timing benchmark (CPU shown for orientation only).
 *
 *   node dist/bench/batch-trace.js [N] [--jit JSON] [--lo HEX] [--hi HEX] [--quiet]
 */
import { Machine } from '../src/vm.js';
import type { Block } from '../runtime/records.js';
import type { Jit, JitOptions } from '../translator/jit/engine.js';
import { XFER_GLOBAL } from '../translator/jit/chain.js';
import { SEND_REASONS } from '../translator/jit/batching.js';

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => { const i = args.indexOf(`--${name}`); return i >= 0 && i + 1 < args.length ? args[i + 1] : undefined; };
const n = args[0] !== undefined && !args[0].startsWith('--') ? Number(args[0]) : 2.32e9;
const lo = parseInt(opt('lo') ?? '1fee000', 16), hi = parseInt(opt('hi') ?? '1ff1000', 16);
const quiet = args.includes('--quiet');
const m = Machine.create({ clock: 'deterministic', jit: JSON.parse(opt('jit') ?? '{}') as JitOptions });
const jit = (m as unknown as { pc: { machine: { jit: Jit | null } } }).pc.machine.jit;
if (jit === null) { process.stderr.write('batch-trace: the machine has no JIT\n'); process.exit(2); }

const t0 = performance.now();
const hex = (x: number): string => x.toString(16);
jit.onCompiled = (blocks: readonly Block[]): void => {
  if (quiet) return;
  const inside = blocks.filter((b) => b.phys >= lo && b.phys < hi);
  const ph = inside.map((b) => b.phys);
  const range = ph.length === 0 ? '' : ` ${hex(Math.min(...ph))}-${hex(Math.max(...ph))}`;
  console.log(`module at ${(m.status().instructions / 1e6).toFixed(1)} M, ${(performance.now() - t0).toFixed(0)} ms: ${blocks.length} blocks, ${inside.length} in range${range}`);
};
const c0 = process.cpuUsage();
await m.run({ instructions: n });
const c = process.cpuUsage(c0);
const k = jit.counters;
const sent = SEND_REASONS.map((r, i) => `${r} ${k.sentBy[i]!}/${k.blocksSentBy[i]!}`).filter((_, i) => k.sentBy[i]! > 0).join(', ');
console.log(JSON.stringify({ executed: m.status().instructions, direct: k.direct.n, global: k.xfers[XFER_GLOBAL], blocksCompiled: k.blocksCompiled, modules: k.modulesCompiled, cpuMs: Math.round((c.user + c.system) / 1000), wallMs: Math.round(performance.now() - t0) }));
console.log(`batches (reason count/blocks): ${sent}`);
process.exit(0);
