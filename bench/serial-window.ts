/**
 * A stretch of the deterministic JIT boot between two lines of the guest's
 * serial output (docs/jit-plan.md, session 14 "user14": the user-space tail,
 * from the kernel's "Freeing unused kernel image" to GUEST-BOOT-OK): wall,
 * main-thread and process CPU, instructions, and the JIT's and front end's
 * counters over it, taken when each line's newline is written (mid-slice,
 * not at slice ends, where Machine's 'output' event would put them;
 * instructions from the state's ICOUNT, exact to the block: Pc.executed
 * moves once per slice of up to 2 M). `mono`: the window's ends in
 * CLOCK_MONOTONIC seconds, the clock of `perf record -k mono`'s samples.
 *
 *   node --v8-pool-size=1 --max-semi-space-size=4 dist/bench/serial-window.js [--from REGEX] [--to REGEX]
 *     [--jit JSON] [--front JSON] [--every MS] [--lines] [--kernel K] [--initrd I]
 *
 * --front: FrontEnd settings (e.g. '{"markAt":0}'), set before the boot; --every: also a row of counters
 * every MS of wall time inside the window (rows fall between slices: ~2 M instructions each);
 * --lines: also a row at every serial line inside the window (mid-slice, like the window's ends).
 * Run it with MALLOC_ARENA_MAX=1 and the flags above (src/host-tuning.ts), as `jitvisor run` runs.
 * One line per run ends in `WINDOW {json}`: compare runs interleaved (the host's load moves everything).
 */
import { readFileSync } from 'node:fs';
import { XFER_NAMES, EXIT_REASONS } from '../translator/jit/chain.js';
import { INTERP_REASONS } from '../runtime/records.js';
import type { FrontEndStats } from '../translator/frontend/blocks.js';
import { args, opt } from './args.js';
import { mainCpuMs } from './thread-cpu.js';
import { windowPc } from './window-pc.js';

const from = new RegExp(opt('from', 'Freeing unused kernel image'));
const to = new RegExp(opt('to', '^GUEST-BOOT-OK'));
const every = Number(opt('every', '0'));
const lines = args.includes('--lines');
const kernel = new Uint8Array(readFileSync(opt('kernel', 'guests/linux-686.bzImage')));
const initrd = new Uint8Array(readFileSync(opt('initrd', 'guests/initramfs.cpio.gz')));

(await import('../translator/jit/worker-client.js')).prestartCompileWorker();
const { Pc } = await import('../src/pc.js');

interface Snap {
  line: string; t: number; mono: number; n: number; main: number; cpu: number;
  compiled: number; again: number; batches: number; latency: number; emit: number;
  interp: number[]; xfers: number[]; exits: number[]; codeEvicted: number; fe: FrontEndStats;
}

const t0 = performance.now();
let a: Snap | null = null, b: Snap | null = null;
const rows: Snap[] = [];
let timer: NodeJS.Timeout | null = null;
const pc = windowPc(Pc, (line) => {
  if (a === null && from.test(line)) {
    a = snap(line);
    if (every > 0) timer = setInterval(() => rows.push(snap('')), every);
  } else if (a !== null && b === null && to.test(line)) {
    b = snap(line);
    pc.stop();
  } else if (a !== null && b === null && lines) {
    rows.push(snap(line));
  }
});
const jit = pc.machine.jit!;
const fe = pc.machine.frontEnd;

function snap(line: string): Snap {
  const c = jit.counters, u = process.cpuUsage();
  return {
    line, t: performance.now() - t0, mono: Number(process.hrtime.bigint()) / 1e9, n: pc.cpu.icountNumber(), main: mainCpuMs(), cpu: (u.user + u.system) / 1000,
    compiled: c.blocksCompiled, again: c.compiledAgain, batches: c.batchesSent, latency: c.latencyMs, emit: c.workerEmitMs,
    interp: [...c.interpreted], xfers: [...c.xfers], exits: [...c.exits], codeEvicted: c.evictedBlocks, fe: { ...fe.stats },
  };
}

const named = (names: readonly string[], x: number[], y: number[]): Record<string, number> =>
  Object.fromEntries(y.map((v, i) => [names[i] ?? String(i), v - x[i]!] as const).filter(([, v]) => v !== 0));
function delta(x: Snap, y: Snap): Record<string, unknown> {
  const feDelta: Record<string, number> = {};
  for (const k of Object.keys(y.fe) as (keyof FrontEndStats)[]) {
    const v = +(y.fe[k] - x.fe[k]).toFixed(1);
    if (v !== 0) feDelta[k] = v;
  }
  return {
    ms: Math.round(y.t - x.t), instructions: y.n - x.n, mainCpuMs: y.main - x.main, cpuMs: Math.round(y.cpu - x.cpu),
    compiled: y.compiled - x.compiled, compiledAgain: y.again - x.again, batches: y.batches - x.batches,
    latencyMs: Math.round(y.latency - x.latency), workerEmitMs: Math.round(y.emit - x.emit), codeEvicted: y.codeEvicted - x.codeEvicted,
    interpreted: named(INTERP_REASONS, x.interp, y.interp), exits: named(EXIT_REASONS, x.exits, y.exits),
    xfers: named(XFER_NAMES, x.xfers, y.xfers), frontEnd: feDelta,
  };
}

pc.bootLinux(kernel, 'linux-686.bzImage', 'console=ttyS0', initrd, 'initramfs.cpio.gz');
await pc.run();
if (timer !== null) clearInterval(timer);
const x = a as Snap | null, y = b as Snap | null;
if (x === null || y === null) {
  console.log(`serial-window: ${x === null ? `no line matched ${from}` : `no line matched ${to} after it`}`);
  process.exit(1);
}
let prev = x;
for (const r of rows) {
  if (r.t > y.t) break;
  console.log(`row ${(r.t / 1000).toFixed(2)} s ${r.n}${r.line !== '' ? ` '${r.line.slice(0, 50)}'` : ''}`, JSON.stringify(delta(prev, r)));
  prev = r;
}
const load = readFileSync('/proc/loadavg', 'latin1').split(' ')[0];
console.log(`from ${x.n} '${x.line.slice(0, 60)}' to ${y.n} '${y.line.slice(0, 40)}'`);
console.log('WINDOW', JSON.stringify({
  ...delta(x, y), mono: [x.mono, y.mono], boot: { ms: Math.round(y.t), mainCpuMs: y.main, instructions: y.n }, load: Number(load),
}));
process.exit(0);
