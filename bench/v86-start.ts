/**
 * The console's start, like for like against v86: both emulators boot the default guest from a
 * fresh process to the kernel's first serial line ("printk: console [ttyS0] enabled"), interleaved
 * (A B, B A, ...), and each run is cut into the same stretches:
 *
 *   node dist/bench/v86-start.js [--runs 4] [--every 10] [--step 2.5e8] [--json FILE] [SIDE ...]
 *
 * SIDE: `v86` (v86's JIT, SeaBIOS from guests/), or a checkout DIR running jitvisor's JIT on the
 * deterministic clock (`DIR[=JSON][+NODEFLAG|+NAME=VALUE...]` as in bench/start-timeline.ts, JSON its
 * JitOptions; default sides:
 * `v86 .`). Each DIR needs a dist/bench/boot-runner.js that knows `--until-console` (copy this
 * build's boot-runner.js and thread-cpu.js into an older one).
 *
 * Stretches (wall from the spawn; the main thread's CPU beside it):
 *   node     spawn -> boot-runner's first line (Node's own start-up)
 *   imports  -> the emulator's modules loaded (boot-runner's t0)
 *   first    -> the first guest instruction (v86: emulator-started, i.e. its wasm compiled and
 *               files loaded; SeaBIOS and the real-mode setup run first there: ~0.3 M instructions)
 *   entry    -> the kernel's 32-bit entry (the first tick with EIP in 1-64 MiB; jitvisor starts there)
 *   +0.25G.. -> each --step instructions after the entry (interpolated between ticks)
 *   decomp   -> the decompressor's end (the first tick with EIP >= 0xc0000000: ~2.32 G)
 *   console  -> the console line (~63 M instructions of early kernel setup after the decompressor)
 * Both count instructions alike (REP iterations included): both reach the console line at
 * ~2.383 G, so instruction counts after the entry compare directly.
 * Wall times move with the host: read the medians of interleaved runs, stretch by stretch.
 */
import { spawn } from 'node:child_process';
import { writeFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TUNED_ENV, TUNED_NODE_FLAGS } from '../src/host-tuning.js';
import type { Readable } from 'node:stream';
import { atExecuted, collectEvents } from './runner-events.js';

const args = process.argv.slice(2);
function opt(name: string, def: string): string {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return def;
  const v = args[i + 1];
  if (v === undefined) { process.stderr.write(`v86-start: --${name} needs a value\n`); process.exit(2); }
  args.splice(i, 2);
  return v;
}
const runs = Number(opt('runs', '4'));
const every = Number(opt('every', '10'));
const step = Number(opt('step', '2.5e8'));
const jsonOut = opt('json', '');
const here = resolve(fileURLToPath(import.meta.url), '../../..');
const guest = (f: string): string => join(here, 'guests', f);
interface Side { label: string; dir: string | null; flags: string[]; jit: string }
const USAGE = 'usage: node dist/bench/v86-start.js [--runs N] [--every MS] [--step N] [--json FILE] [v86 | DIR[=JSON][+FLAG|+NAME=VALUE...]]...\n';
if (args.includes('--help')) { process.stdout.write(USAGE); process.exit(0); }
const unknown = args.find((a) => a.startsWith('-'));
if (unknown !== undefined) { process.stderr.write(`v86-start: unknown option ${unknown}\n${USAGE}`); process.exit(2); }
for (const a of args) {
  const dir = a.split('+')[0]!.split('=')[0]!;
  if (a !== 'v86' && !existsSync(join(dir, 'dist/bench/boot-runner.js'))) { process.stderr.write(`v86-start: ${dir} is not a built checkout (no dist/bench/boot-runner.js)\n`); process.exit(2); }
}
const sides: Side[] = (args.length > 0 ? args : ['v86', '.']).map((arg) => {
  if (arg === 'v86') return { label: 'v86', dir: null, flags: [], jit: '' };
  const [a, ...flags] = arg.split('+') as [string, ...string[]];
  const eq = a.indexOf('=');
  return { label: arg, dir: resolve(eq < 0 ? a : a.slice(0, eq)), flags, jit: eq < 0 ? '' : a.slice(eq + 1) };
});
if (sides.some((s) => s.dir === null) && !existsSync(guest('seabios.bin'))) { process.stderr.write('v86-start: no guests/seabios.bin for v86\n'); process.exit(2); }

interface Ev { ev: string; at: number; origin?: number; mainMs?: number; cpuMs?: number; executed?: number; eip?: number }
interface Point { at: number; mainMs: number; executed: number }
/** One run: every stretch's end as wall ms from the spawn (and main-thread CPU ms where known). */
interface Run {
  side: number;
  spawnToOrigin: number;
  points: { name: string; at: number; mainMs: number | null }[];
  entryExecuted: number;
  consoleExecuted: number;
}

/** The decompressor runs at 0x100000 and from ~0x1fee000 (relocated); SeaBIOS's relocated 32-bit code sits at the top of RAM (~0x7fb0000). */
const ENTRY = 0x100000, ENTRY_END = 0x4000000;
const KERNEL_MAPPING = 0xc0000000;

function runOnce(side: number): Promise<Run> {
  const { dir, flags: all, jit } = sides[side]!;
  const common = ['--kernel', guest('linux-686.bzImage'), '--initrd', guest('initramfs.cpio.gz'), '--append', 'console=ttyS0', '--memory', '128', '--timeline', String(every), '--until-console'];
  const flags = all.filter((f) => f.startsWith('-'));
  const env = Object.fromEntries(all.filter((f) => !f.startsWith('-')).map((f) => [f.slice(0, f.indexOf('=')), f.slice(f.indexOf('=') + 1)]));
  const argv = dir === null
    ? [join(here, 'dist/bench/boot-runner.js'), 'v86', '--bios-dir', join(here, 'guests'), ...common]
    : [...TUNED_NODE_FLAGS, ...flags, join(dir, 'dist/bench/boot-runner.js'), 'jitvisor', '--engine', 'jit', '--clock', 'deterministic', ...common, ...(jit ? ['--jit', jit] : [])];
  return new Promise((done, fail) => {
    const spawnedAt = performance.timeOrigin + performance.now();
    const child = spawn(process.execPath, argv, { cwd: dir ?? here, stdio: ['ignore', 'ignore', 'inherit', 'pipe'], env: dir === null ? process.env : { ...process.env, ...TUNED_ENV, ...env } });
    const evs: Ev[] = [];
    collectEvents(child.stdio[3] as Readable, evs);
    child.on('error', fail);
    child.on('close', (code) => {
      const find = (name: string): Ev | undefined => evs.find((e) => e.ev === name);
      const script = find('script'), t0 = find('t0'), run = find('run'), con = find('console');
      if (code !== 0 || !script || !t0 || !run || !con || t0.origin === undefined) { fail(new Error(`${sides[side]!.label}: exit ${code}, events ${evs.map((e) => e.ev).filter((e) => e !== 'tick' && e !== 'module').join(',')}`)); return; }
      const offset = t0.origin - spawnedAt;   // the child's clock starts this much after the spawn
      const ticks = [run, ...evs.filter((e) => e.ev === 'tick' && e.at < con.at), con] as Required<Ev>[];
      const entry = ticks.find((e) => e.eip >= ENTRY && e.eip < ENTRY_END)!;
      const decomp = ticks.find((e) => e.eip >= KERNEL_MAPPING) ?? (con as Required<Ev>);
      const at = (n: number): Point | null => {
        const lerp = atExecuted(ticks, n);
        return lerp && { at: lerp((t) => t.at), mainMs: lerp((t) => t.mainMs), executed: n };
      };
      const points: Run['points'] = [
        { name: 'node', at: script.at, mainMs: script.mainMs ?? null },
        { name: 'imports', at: t0.at, mainMs: t0.mainMs ?? null },
        { name: 'first', at: run.at, mainMs: run.mainMs! },
        { name: 'entry', at: entry.at, mainMs: entry.mainMs },
      ];
      for (let k = 1; entry.executed + k * step < decomp.executed; k++) {
        const p = at(entry.executed + k * step);
        if (p) points.push({ name: `+${(k * step / 1e9).toFixed(2)}G`, at: p.at, mainMs: p.mainMs });
      }
      points.push({ name: 'decomp', at: decomp.at, mainMs: decomp.mainMs }, { name: 'console', at: con.at, mainMs: con.mainMs ?? null });
      for (const p of points) p.at += offset;
      done({ side, spawnToOrigin: offset, points, entryExecuted: entry.executed, consoleExecuted: con.executed! });
    });
  });
}

const s = (ms: number): string => (ms / 1000).toFixed(2);
const median = (xs: number[]): number => { const t = [...xs].sort((a, b) => a - b); const m = t.length >> 1; return t.length % 2 ? t[m]! : (t[m - 1]! + t[m]!) / 2; };

const all: Run[] = [];
const dirs = sides.map((_, i) => i);
for (let k = 0; k < runs; k++) {
  // Alternate the order each round (A B, B A, ...): a drift in the machine's load falls on both.
  const order = k % 2 === 0 ? dirs : [...dirs].reverse();
  for (const d of order) {
    const r = await runOnce(d);
    all.push(r);
    console.log(`${String.fromCharCode(65 + d)} ${r.points.map((p) => `${p.name} ${s(p.at)}${p.mainMs !== null ? `/${s(p.mainMs)}` : ''}`).join(' ')} | entry@${(r.entryExecuted / 1e6).toFixed(2)}M console@${(r.consoleExecuted / 1e9).toFixed(4)}G`);
  }
}
// Medians per stretch: the wall time at which each point came (from the spawn), the stretch's own
// length (this point minus the previous, median of the differences), and the main thread's CPU there.
console.log('medians (wall s from spawn | stretch s | stretch main-thread CPU s):');
const names = all[0]!.points.map((p) => p.name);
const header = ['stretch', ...sides.map((sd, i) => `${String.fromCharCode(65 + i)}=${sd.label}`)];
console.log(header.join('\t'));
for (let j = 0; j < names.length; j++) {
  const name = names[j]!;
  const cells = dirs.map((d) => {
    const rs = all.filter((r) => r.side === d).map((r) => ({ p: r.points.find((p) => p.name === name), q: j > 0 ? r.points.find((p) => p.name === names[j - 1]) : undefined }));
    const ok = rs.filter((x) => x.p !== undefined);
    const at = median(ok.map((x) => x.p!.at));
    const len = median(ok.map((x) => x.p!.at - (x.q?.at ?? 0)));
    const cpu = ok.every((x) => x.p!.mainMs !== null && (x.q === undefined || x.q.mainMs !== null)) ? median(ok.map((x) => x.p!.mainMs! - (x.q?.mainMs ?? 0))) : NaN;
    return `${s(at)} | ${s(len)} | ${Number.isNaN(cpu) ? '-' : s(cpu)}`;
  });
  console.log([name, ...cells].join('\t'));
}
if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ sides, runs: all }, null, 1));
