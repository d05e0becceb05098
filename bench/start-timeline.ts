/**
 * The boot's start: how long (wall from process start, the main thread's
 * CPU, the process's CPU) until the deterministic default boot reaches given
 * instruction counts, for one or more checkouts run interleaved (A B A B ...):
 *
 *   node dist/bench/start-timeline.js [--runs 3] [--stop-at 2320000000] [--marks 1e8,3e8,1e9] [--every 50]
 *     [--jit JSON] [--json FILE] [DIR[=JSON][+NODEFLAG...] ...]
 *
 * Each DIR (default: this checkout) must hold a built dist/ whose
 * bench/boot-runner.js knows `--timeline` and `--stop-at` (copy this
 * checkout's dist/bench/boot-runner.js and thread-cpu.js into an older one to
 * measure it). `DIR=JSON` runs DIR with those JitOptions (over --jit's), so
 * one build can be its own A and B (`. .={"firstBatch":8}`); `+FLAG` adds a node
 * flag to that side's process after the tuned ones (`. .+--wasm-tiering-budget=600000`:
 * V8 flags that must be set at process start), `+NAME=VALUE` (no leading dash) an
 * environment variable (`. .+JITVISOR_WARM=1`). Every run is a fresh process with `jitvisor run`'s settings
 * (src/host-tuning.ts), booting to `--stop-at` instructions (default 2.32 G:
 * the end of the kernel decompressor, docs/jit-plan.md "Next"). Per run:
 * when the first guest instruction ran, each of the first modules'
 * attach (ms, blocks, instructions executed by then), the time to each mark
 * (interpolated between ticks), and the end (exact: the run stops there).
 * Then the medians per DIR. Wall times are noise on a loaded machine: the
 * main thread's CPU is the steadier figure; interleave and compare medians.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TUNED_ENV, TUNED_NODE_FLAGS } from '../src/host-tuning.js';
import type { Readable } from 'node:stream';
import { atExecuted, collectEvents } from './runner-events.js';

const args = process.argv.slice(2);
function opt(name: string, def: string): string {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return def;
  const v = args[i + 1] ?? def;
  args.splice(i, 2);
  return v;
}
const runs = Number(opt('runs', '3'));
const stopAt = Number(opt('stop-at', '2320000000'));
const marks = opt('marks', '1e8,3e8,1e9').split(',').map(Number).filter((m) => m < stopAt);
const every = Number(opt('every', '50'));
const jit = opt('jit', '');
const jsonOut = opt('json', '');
const here = resolve(fileURLToPath(import.meta.url), '../../..');
/** Each side: a checkout and its JitOptions (JSON, '' for none). */
const sides = (args.length > 0 ? args : [here]).map((arg) => {
  const [a, ...flags] = arg.split('+') as [string, ...string[]];
  const eq = a.indexOf('=');
  return eq < 0 ? { dir: resolve(a), jit, flags } : { dir: resolve(a.slice(0, eq)), jit: JSON.stringify({ ...(jit ? JSON.parse(jit) as object : {}), ...JSON.parse(a.slice(eq + 1)) as object }), flags };
});
const dirs = sides.map((_, i) => i);

interface Ev { ev: string; at?: number; mainMs?: number; cpuMs?: number; executed?: number; blocks?: number; modules?: number; interpreted?: number; how?: string }
interface Point { at: number; mainMs: number; cpuMs: number }
interface Run {
  side: number;
  start: number;
  firstModules: { at: number; blocks: number; executed: number }[];
  marks: (Point | null)[];
  end: Point & { executed: number; interpreted: number; modules: number };
  /** Every tick (for rate curves: instructions per wall ms between ticks). */
  ticks: { at: number; mainMs: number; cpuMs: number; executed: number }[];
}

function runOnce(side: number): Promise<Run> {
  const { dir, jit, flags: all } = sides[side]!;
  const flags = all.filter((f) => f.startsWith('-'));
  const env = Object.fromEntries(all.filter((f) => !f.startsWith('-')).map((f) => [f.slice(0, f.indexOf('=')), f.slice(f.indexOf('=') + 1)]));
  const argv = [...TUNED_NODE_FLAGS, ...flags, join(dir, 'dist/bench/boot-runner.js'), 'jitvisor', '--engine', 'jit', '--clock', 'deterministic',
    '--kernel', join(here, 'guests/linux-686.bzImage'), '--initrd', join(here, 'guests/initramfs.cpio.gz'), '--append', 'console=ttyS0',
    '--memory', '128', '--timeline', String(every), '--stop-at', String(stopAt), ...(jit ? ['--jit', jit] : [])];
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, argv, { cwd: dir, stdio: ['ignore', 'ignore', 'inherit', 'pipe'], env: { ...process.env, ...TUNED_ENV, ...env } });
    const evs: Ev[] = [];
    collectEvents(child.stdio[3] as Readable, evs);
    child.on('error', fail);
    child.on('close', (code) => {
      const start = evs.find((e) => e.ev === 'run');
      const exit = evs.find((e) => e.ev === 'exit');
      if (code !== 0 || !start || !exit || exit.how !== 'limit') { fail(new Error(`${dir}: exit ${code}, ${JSON.stringify(exit)}`)); return; }
      const ticks = [start, ...evs.filter((e) => e.ev === 'tick'), exit] as Required<Ev>[];
      const lastTick = evs.filter((e) => e.ev === 'tick').pop();
      const at = (n: number): Point | null => {
        const lerp = atExecuted(ticks, n);
        return lerp && { at: lerp((t) => t.at), mainMs: lerp((t) => t.mainMs), cpuMs: lerp((t) => t.cpuMs) };
      };
      done({
        side, start: start.at!,
        firstModules: evs.filter((e) => e.ev === 'module').slice(0, 4).map((e) => ({ at: e.at!, blocks: e.blocks!, executed: e.executed! })),
        marks: marks.map(at),
        ticks: ticks.map((t) => ({ at: t.at, mainMs: t.mainMs, cpuMs: t.cpuMs, executed: t.executed })),
        end: { at: exit.at!, mainMs: exit.mainMs!, cpuMs: exit.cpuMs!, executed: exit.executed!, interpreted: lastTick?.interpreted ?? 0, modules: lastTick?.modules ?? 0 },
      });
    });
  });
}

const s = (ms: number): string => (ms / 1000).toFixed(2);
const g = (n: number): string => `${(n / 1e9).toFixed(2)}G`;
function line(r: Run): string {
  const mods = r.firstModules.map((m) => `${s(m.at)}s/${m.blocks}b@${(m.executed / 1e6).toFixed(0)}M`).join(' ');
  const mk = r.marks.map((p, i) => `${g(marks[i]!)} ${p ? `${s(p.at)} main ${s(p.mainMs)} cpu ${s(p.cpuMs)}` : '-'}`).join(' | ');
  return `start ${s(r.start)} | modules ${mods} | ${mk} | end ${g(stopAt)} ${s(r.end.at)} main ${s(r.end.mainMs)} cpu ${s(r.end.cpuMs)} interp ${(r.end.interpreted / 1e6).toFixed(1)}M mods ${r.end.modules}`;
}
const median = (xs: number[]): number => { const t = [...xs].sort((a, b) => a - b); const m = t.length >> 1; return t.length % 2 ? t[m]! : (t[m - 1]! + t[m]!) / 2; };

const all: Run[] = [];
for (let k = 0; k < runs; k++) {
  // Alternate the order each round (A B, B A, ...): a drift in the machine's load falls on both.
  const order = k % 2 === 0 ? dirs : [...dirs].reverse();
  for (const d of order) {
    const r = await runOnce(d);
    all.push(r);
    console.log(`${String.fromCharCode(65 + d)} ${line(r)}`);
  }
}
console.log('medians:');
for (const d of dirs) {
  const rs = all.filter((r) => r.side === d);
  const mk = marks.map((m, i) => {
    const ps = rs.map((r) => r.marks[i]).filter((p): p is Point => p !== null);
    return `${g(m)} ${s(median(ps.map((p) => p.at)))} main ${s(median(ps.map((p) => p.mainMs)))} cpu ${s(median(ps.map((p) => p.cpuMs)))}`;
  }).join(' | ');
  const first = median(rs.map((r) => r.firstModules[0]?.at ?? NaN));
  console.log(`${String.fromCharCode(65 + d)} ${sides[d]!.dir}${sides[d]!.jit ? ` ${sides[d]!.jit}` : ''}${sides[d]!.flags.map((f) => ` ${f}`).join('')}: start ${s(median(rs.map((r) => r.start)))} first module ${s(first)} | ${mk} | end ${s(median(rs.map((r) => r.end.at)))} main ${s(median(rs.map((r) => r.end.mainMs)))} cpu ${s(median(rs.map((r) => r.end.cpuMs)))} interp ${(median(rs.map((r) => r.end.interpreted)) / 1e6).toFixed(1)}M`);
}
if (jsonOut) writeFileSync(jsonOut, JSON.stringify(all, null, 1));
