/**
 * Where the boot is won or lost against v86: both emulators boot the default
 * guest to GUEST-BOOT-OK, interleaved, and the wall time (from spawning the
 * runner) at which landmark lines of the guest's serial console appear is
 * compared stretch by stretch. Both boot the same kernel and initramfs, so the
 * kernel's own lines are a common clock; instruction counts are not (v86 runs
 * SeaBIOS first and counts differently).
 *
 *   node dist/bench/serial-timeline.js [--runs 3] [--engines jit-det,v86] [--jit JSON] [--json FILE]
 *
 * Engines: jit-det (our JIT, deterministic clock), jit-rt (realtime), v86 (v86's JIT, SeaBIOS from guests/).
 * Lines are timestamped as they arrive on the runner's stdout (bench/boot-runner.ts writes COM1
 * raw). The kernel prints nothing on the serial console until "printk: console [ttyS0] enabled",
 * then flushes its early log at once: the first landmark is that moment (decompressor, start-up and
 * the earliest setup together). v86's realtime clock makes it idle ~0.9 s after "Switched to
 * clocksource tsc-early" (our deterministic clock has no such wait): that stretch is its own row.
 * Wall times move with the host: read the medians of interleaved runs, per stretch.
 */
import { spawn } from 'node:child_process';
import { writeFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TUNED_ENV, TUNED_NODE_FLAGS } from '../src/host-tuning.js';

/** Lines every boot of the default guest prints, in the order both emulators print them. */
export const LANDMARKS: { name: string; re: RegExp }[] = [
  { name: 'console on (early log)', re: /printk: console \[ttyS0\] enabled/ },
  { name: 'kprobes', re: /kprobes: kprobe jump-optimization/ },
  { name: 'clocksource tsc-early', re: /Switched to clocksource tsc-early/ },
  { name: 'VFS dquot', re: /VFS: Disk quotas/ },
  { name: 'unpack rootfs', re: /Trying to unpack rootfs/ },
  { name: 'initrd freed', re: /Freeing initrd memory/ },
  { name: 'io scheduler', re: /io scheduler mq-deadline registered/ },
  { name: 'X.509 loading', re: /Loading compiled-in X\.509/ },
  { name: 'evm HMAC', re: /evm: HMAC attrs/ },
  { name: 'clk unused', re: /clk: Disabling unused clocks/ },
  { name: 'run /init', re: /Run \/init as init process/ },
  { name: 'GUEST-BOOT-OK', re: /^GUEST-BOOT-OK/ },
];

const args = process.argv.slice(2);
function opt(name: string, def: string): string {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return def;
  const v = args[i + 1];
  if (v === undefined) { process.stderr.write(`serial-timeline: --${name} needs a value\n`); process.exit(2); }
  args.splice(i, 2);
  return v;
}
const runs = Number(opt('runs', '3'));
const engines = opt('engines', 'jit-det,v86').split(',');
const jit = opt('jit', '');
const jsonOut = opt('json', '');
if (args.length > 0) { process.stderr.write(`serial-timeline: unknown argument ${args[0]}\n`); process.exit(2); }
for (const e of engines) {
  if (!['jit-det', 'jit-rt', 'v86'].includes(e)) { process.stderr.write(`serial-timeline: unknown engine ${e} (jit-det, jit-rt, v86)\n`); process.exit(2); }
}
const here = resolve(fileURLToPath(import.meta.url), '../../..');
const guest = (f: string): string => join(here, 'guests', f);
if (engines.includes('v86') && !existsSync(guest('seabios.bin'))) { process.stderr.write('serial-timeline: no guests/seabios.bin for v86\n'); process.exit(2); }

/** Seconds from spawn at which each landmark appeared (null: never). */
type Times = (number | null)[];

function runOnce(engine: string): Promise<Times> {
  const common = ['--kernel', guest('linux-686.bzImage'), '--initrd', guest('initramfs.cpio.gz'), '--append', 'console=ttyS0', '--memory', '128', '--until', 'GUEST-BOOT-OK'];
  const runner = join(here, 'dist/bench/boot-runner.js');
  const argv = engine === 'v86'
    ? [runner, 'v86', '--bios-dir', join(here, 'guests'), ...common]
    : [...TUNED_NODE_FLAGS, runner, 'jitvisor', '--engine', 'jit', '--clock', engine === 'jit-rt' ? 'realtime' : 'deterministic', ...common, ...(jit ? ['--jit', jit] : [])];
  return new Promise((done, fail) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, argv, { cwd: here, stdio: ['ignore', 'pipe', 'inherit', 'pipe'], env: engine === 'v86' ? process.env : { ...process.env, ...TUNED_ENV } });
    (child.stdio[3] as NodeJS.ReadableStream).resume();   // the runner's JSON events: not needed here, but the pipe must drain
    const times: Times = LANDMARKS.map(() => null);
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      const now = (performance.now() - t0) / 1000;
      buf += d.toString('latin1');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).replace(/\r/g, '').replace(/^\[ *[0-9.]+\] /, '');
        buf = buf.slice(nl + 1);
        LANDMARKS.forEach((l, i) => { if (times[i] === null && l.re.test(line)) times[i] = now; });
      }
    });
    child.on('error', fail);
    child.on('close', (code) => {
      if (times[times.length - 1] === null) fail(new Error(`${engine}: exit ${code} before GUEST-BOOT-OK`));
      else done(times);
    });
  });
}

const median = (xs: number[]): number => { const t = [...xs].sort((a, b) => a - b); const m = t.length >> 1; return t.length % 2 ? t[m]! : (t[m - 1]! + t[m]!) / 2; };
const all: Record<string, Times[]> = Object.fromEntries(engines.map((e) => [e, []]));
for (let k = 0; k < runs; k++) {
  // Alternate the order each round: a drift in the host's speed falls on both.
  const order = k % 2 === 0 ? engines : [...engines].reverse();
  for (const e of order) {
    const t = await runOnce(e);
    all[e]!.push(t);
    console.log(`${e.padEnd(8)} ${t.map((x) => (x === null ? '-' : x.toFixed(2))).join(' ')}`);
  }
}

/** Median per landmark of each engine, then the stretch before it (from the previous landmark). */
const med = Object.fromEntries(engines.map((e) => [e, LANDMARKS.map((_, i) => {
  const xs = all[e]!.map((t) => t[i]).filter((x): x is number => x !== null);
  return xs.length ? median(xs) : NaN;
})]));
const w = 24;
console.log(`\nmedians of ${runs} run(s), wall s from spawn: at the landmark | the stretch ending there`);
console.log(`${'landmark'.padEnd(w)} ${engines.map((e) => `${e.padStart(8)} ${'stretch'.padStart(8)}`).join(' ')}${engines.length > 1 ? `   ${engines[0]} - ${engines[1]} (stretch)` : ''}`);
LANDMARKS.forEach((l, i) => {
  const cells = engines.map((e) => {
    const at = med[e]![i]!, prev = i > 0 ? med[e]![i - 1]! : 0;
    return `${at.toFixed(2).padStart(8)} ${(at - prev).toFixed(2).padStart(8)}`;
  });
  let diff = '';
  if (engines.length > 1) {
    const a = med[engines[0]!]!, b = med[engines[1]!]!;
    const sa = a[i]! - (i > 0 ? a[i - 1]! : 0), sb = b[i]! - (i > 0 ? b[i - 1]! : 0);
    diff = `   ${(sa - sb >= 0 ? '+' : '') + (sa - sb).toFixed(2)}`;
  }
  console.log(`${l.name.padEnd(w)} ${cells.join(' ')}${diff}`);
});
if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ landmarks: LANDMARKS.map((l) => l.name), engines, runs: all }, null, 1));
