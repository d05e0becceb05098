/**
 * Which JavaScript functions V8 optimises (TurboFan) and deoptimises during a
 * deterministic JIT boot, per isolate (the main thread's or the compile
 * worker's), and what the process's threads spent.
 *
 *   node dist/bench/opt-trace.js [--dir /tmp/x] [--top 30] [--node-flags '...'] [-- boot-runner args...]
 *   node dist/bench/opt-trace.js --parse /tmp/x [--top 30]     (an earlier run's files)
 *
 * Runs bench/boot-runner.js (the settings of src/host-tuning.ts, the default
 * guest to GUEST-BOOT-OK unless boot-runner args are given) in --dir with
 * `--trace-opt --trace-deopt --log-code --log-deopt`:
 *   - V8 writes one log per isolate (isolate-<addr>-<pid>-v8.log): TurboFan
 *     code creations (name, file:line:col, its SharedFunctionInfo) and deopts
 *     (reason, source position), so every event is placed in its isolate;
 *   - --trace-opt's "completed compiling ... took A, B, C ms" lines (stdout,
 *     both isolates' lines interleaved, so matched by pattern, not by line)
 *     give the compile time; its SharedFunctionInfo address names the isolate.
 * When the boot reaches its marker, the CPU time of each of the child's
 * threads is read from /proc (schedstat: ns; comm names V8's platform
 * thread "V8 DefaultWorke").
 * Prints per isolate: optimisations, compile ms, deopts by reason, and the
 * top functions with their deopt reasons and where (the deopt's source position).
 * The tracing itself slows the boot down (~+10-20 %): counts, not timings.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TUNED_ENV, TUNED_NODE_FLAGS } from '../src/host-tuning.js';

const argv = process.argv.slice(2);
const dd = argv.indexOf('--');
const own = dd >= 0 ? argv.slice(0, dd) : argv;
const opt = (name: string, def: string): string => { const i = own.indexOf(`--${name}`); return i >= 0 && i + 1 < own.length ? own[i + 1] : def; };
const top = Number(opt('top', '30'));
/** More node/V8 flags for the traced boot (space-separated), e.g. --node-flags '--no-flush-bytecode'. */
const nodeFlags = opt('node-flags', '').split(' ').filter((x) => x !== '');
/** The checkout (this file runs from dist/bench). */
const root = fileURLToPath(new URL('../..', import.meta.url));

/** One function in one isolate (keyed by name and source position). */
interface Fn {
  key: string;
  opts: number;
  compileMs: number;
  deopts: Map<string, number>;
}
interface Isolate {
  file: string;
  role: string;
  opts: number;
  compileMs: number;
  deopts: Map<string, number>;
  fns: Map<string, Fn>;
  /** SharedFunctionInfo address (untagged) -> function key. */
  sfi: Map<string, string>;
}

function bump(m: Map<string, number>, k: string, by = 1): void { m.set(k, (m.get(k) ?? 0) + by); }

/** Splits a V8 log line's comma-separated fields (names may hold commas only in the name field). */
function parseLog(file: string): Isolate {
  const iso: Isolate = { file, role: 'other', opts: 0, compileMs: 0, deopts: new Map(), fns: new Map(), sfi: new Map() };
  /** Code address -> function key of the TurboFan code last created there. */
  const code = new Map<string, string>();
  const fn = (key: string): Fn => {
    let f = iso.fns.get(key);
    if (f === undefined) { f = { key, opts: 0, compileMs: 0, deopts: new Map() }; iso.fns.set(key, f); }
    return f;
  };
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.startsWith('script-source,') || line.startsWith('code-creation,Script')) {
      // The main isolate runs boot-runner.js (and loads binaryen's name too: worker-client.ts); the worker never does.
      if (line.includes('boot-runner')) iso.role = 'main';
      else if (iso.role === 'other' && line.includes('translator/jit/worker')) iso.role = 'worker';
    }
    if (line.startsWith('code-creation,JS,13,')) {
      // code-creation,JS,13,<time>,<addr>,<size>,<name>,<sfi>,<marker>: the name may contain commas.
      const f = line.split(',');
      const addr = f[4], sfi = f[f.length - 2];
      const name = f.slice(6, f.length - 2).join(',').replace(`file://${root}`, '').replace('file://', '');
      fn(name).opts++;
      iso.opts++;
      code.set(addr, name);
      iso.sfi.set(sfi, name);
    } else if (line.startsWith('code-deopt,')) {
      // code-deopt,<time>,<size>,<code addr>,<inlining id>,<script offset>,<kind>,<position>,<reason>
      const f = line.split(',');
      const addr = f[3], kind = f[6];
      const pos = f.slice(7, f.length - 1).join(',').replace(/file:\/\/[^>]*\/(dist\/|jitvisor-0\/)/g, '').split(' inlined at ')[0];
      const reason = `${kind}: ${f[f.length - 1]}`;
      bump(iso.deopts, reason);
      const name = code.get(addr) ?? '(unknown code)';
      bump(fn(name).deopts, `${reason} @${pos}`);
    }
  }
  return iso;
}

/** Adds --trace-opt's compile times to the isolate whose log created code for that SharedFunctionInfo. */
function addCompileTimes(trace: string, isos: Isolate[]): number {
  let unplaced = 0;
  const re = /\(sfi = 0x([0-9a-f]+)\)> \(target TURBOFAN\) - took ([\d.]+), ([\d.]+), ([\d.]+) ms/g;
  for (const m of trace.matchAll(re)) {
    const sfi = `0x${(BigInt(`0x${m[1]}`) - 1n).toString(16)}`;
    const ms = Number(m[2]) + Number(m[3]) + Number(m[4]);
    const iso = isos.find((i) => i.sfi.has(sfi));
    if (iso === undefined) { unplaced += ms; continue; }
    iso.compileMs += ms;
    iso.fns.get(iso.sfi.get(sfi)!)!.compileMs += ms;
  }
  return unplaced;
}

function report(dir: string): void {
  const isos = readdirSync(dir).filter((f) => /^isolate-.*-v8\.log$/.test(f)).map((f) => parseLog(join(dir, f)));
  let trace = '';
  try { trace = readFileSync(join(dir, 'trace.txt'), 'utf8'); } catch { /* no trace: counts only */ }
  const unplaced = addCompileTimes(trace, isos);
  const bailouts = (trace.match(/\[bailout \(kind/g) ?? []).length;
  console.log(`trace: ${bailouts} bailouts; compile ms not placed in an isolate: ${unplaced.toFixed(0)}`);
  for (const iso of isos) {
    const nDeopt = [...iso.deopts.values()].reduce((a, b) => a + b, 0);
    // Optimisations of a function beyond its first: what deopts and lost optimised code cost again.
    const repeats = [...iso.fns.values()].reduce((a, f) => a + Math.max(0, f.opts - 1), 0);
    console.log(`\n== ${iso.role} isolate (${iso.file.replace(/.*\//, '')}): ${iso.opts} TurboFan optimisations (${repeats} beyond a function's first), ${iso.compileMs.toFixed(0)} ms compile, ${nDeopt} deopts`);
    for (const [r, n] of [...iso.deopts].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`   ${String(n).padStart(5)}  ${r}`);
    console.log('   opts  compile-ms  deopts  function');
    const fns = [...iso.fns.values()].sort((a, b) => b.compileMs - a.compileMs || b.opts - a.opts).slice(0, top);
    for (const f of fns) {
      const nd = [...f.deopts.values()].reduce((a, b) => a + b, 0);
      console.log(`   ${String(f.opts).padStart(4)}  ${f.compileMs.toFixed(1).padStart(10)}  ${String(nd).padStart(6)}  ${f.key}`);
      for (const [r, n] of [...f.deopts].sort((a, b) => b[1] - a[1]).slice(0, 6)) console.log(`                             ${n} x ${r}`);
    }
  }
  try {
    const threads = readFileSync(join(dir, 'threads.txt'), 'utf8');
    console.log(`\nthreads at the marker (CPU ms, name):\n${threads}`);
  } catch { /* not recorded */ }
}

/** CPU ms of each thread of process `pid` (schedstat's first field is ns), with its name. */
function threadCpu(pid: number): string {
  const rows: string[] = [];
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    try {
      const ns = Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'utf8').split(' ')[0]);
      const comm = readFileSync(`/proc/${pid}/task/${t}/comm`, 'utf8').trim();
      rows.push(`${(ns / 1e6).toFixed(0).padStart(8)}  ${comm}${t === String(pid) ? ' (main)' : ''}`);
    } catch { /* the thread ended */ }
  }
  return rows.join('\n');
}

const parseDir = opt('parse', '');
if (parseDir !== '') {
  report(parseDir);
} else {
  const dir = opt('dir', `/tmp/opt-trace-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const bootArgs = dd >= 0 ? argv.slice(dd + 1) : [
    'jitvisor', '--engine', 'jit', '--clock', 'deterministic', '--kernel', join(root, 'guests/linux-686.bzImage'),
    '--initrd', join(root, 'guests/initramfs.cpio.gz'), '--append', 'console=ttyS0', '--memory', '128', '--until', 'GUEST-BOOT-OK',
  ];
  const child = spawn(process.execPath, [...TUNED_NODE_FLAGS, '--trace-opt', '--trace-deopt', '--log-code', '--log-deopt', ...nodeFlags,
    join(root, 'dist/bench/boot-runner.js'), ...bootArgs], { cwd: dir, env: { ...process.env, ...TUNED_ENV }, stdio: ['ignore', 'pipe', 'inherit', 'pipe'] });
  child.stdout!.pipe(createWriteStream(join(dir, 'trace.txt')));
  const threads = createWriteStream(join(dir, 'threads.txt'));
  let buf = '';
  child.stdio[3]!.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      const ev = JSON.parse(line) as { ev: string; ms?: number; cpuMs?: number; mainCpuMs?: number; executed?: number };
      if (ev.ev === 'marker') {
        threads.write(`${threadCpu(child.pid!)}\n`);
        console.log(`marker: ms ${ev.ms?.toFixed(0)} cpuMs ${ev.cpuMs?.toFixed(0)} mainCpuMs ${ev.mainCpuMs} executed ${ev.executed}`);
      }
    }
  });
  child.on('exit', () => threads.end(() => { report(dir); }));
}
