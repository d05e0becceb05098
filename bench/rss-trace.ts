/**
 * When a process's RSS peaks, and in what: runs a command as a child and
 * samples its /proc/<pid>/smaps every `--every` seconds (default 1), split
 * into what can be told apart from outside the process:
 *   - wasm: the accessible part of a WebAssembly memory (V8 reserves 8 GiB
 *     or more for each and guards the rest: a read/write mapping next to a
 *     `---p` mapping of 1 GiB or more): the guest machine's memory,
 *     binaryen's heap, iced-x86's heap (one per thread that loads it);
 *   - arenas: glibc malloc heaps of threads other than the main one (64 MiB
 *     aligned reservations of 64 MiB, the used part read/write);
 *   - brk: the main thread's malloc heap (`[heap]`);
 *   - code: executable anonymous mappings (V8's JIT code, wasm code);
 *   - anon: every other anonymous mapping (V8 heaps of both isolates,
 *     thread stacks, ...);
 *   - files: file-backed mappings (node, its libraries, fonts of nothing).
 * Prints one line per sample and, at the end, the sample with the largest
 * RSS with its largest mappings. `VmHWM` (the kernel's peak) is printed too:
 * a transient shorter than the sampling interval shows only there.
 *
 *   node dist/bench/rss-trace.js [--every 1] [--top 12] [--dump FILE] -- node dist/bench/boot-runner.js jitvisor --engine jit ...
 * (with boot-runner --heap-stats, the V8 heaps of both threads at each marker are printed too)
 *
 * When the child started one process and waits for it (bench/boot-runner.ts re-starting itself with
 * src/host-tuning.ts's settings), that process is sampled instead, down to the last one.
 * The child's stdout (the guest's serial output) is discarded; its stderr is passed through; its
 * file descriptor 3 is a pipe whose lines (bench/boot-runner.ts events: markers with CPU time) are
 * printed as they come.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

const argv = process.argv.slice(2);
const sep = argv.indexOf('--');
if (sep < 0 || sep === argv.length - 1) {
  process.stderr.write('usage: node dist/bench/rss-trace.js [--every SECONDS] [--top N] -- COMMAND ARGS...\n');
  process.exit(2);
}
const own = argv.slice(0, sep);
const cmd = argv.slice(sep + 1);
const ownOpt = (name: string, def: number): number => {
  const i = own.indexOf(`--${name}`);
  return i >= 0 && i + 1 < own.length ? Number(own[i + 1]) : def;
};
const every = ownOpt('every', 1);
const topN = ownOpt('top', 12);
/** --dump FILE: every mapping of the largest sample (address range, permissions, RSS kB, kind, name). */
const dumpAt = own.indexOf('--dump');
const dump = dumpAt >= 0 ? own[dumpAt + 1] : undefined;

interface Map { start: number; end: number; perm: string; name: string; rss: number }
type Split = Record<'wasm' | 'arenas' | 'brk' | 'code' | 'anon' | 'files', number>;
interface Sample { t: number; rss: number; hwm: number; threads: number; split: Split; maps: Map[]; kinds: string[] }

const GiB = 1024 ** 3;
const ARENA = 64 * 1024 * 1024;

function readMaps(pid: number): Map[] | null {
  let text: string;
  try { text = readFileSync(`/proc/${pid}/smaps`, 'latin1'); } catch { return null; }
  const out: Map[] = [];
  let cur: Map | null = null;
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (m) {
      cur = { start: parseInt(m[1], 16), end: parseInt(m[2], 16), perm: m[3], name: m[4], rss: 0 };
      out.push(cur);
    } else if (cur !== null && line.startsWith('Rss:')) cur.rss = parseInt(line.slice(4), 10);
  }
  return out;
}

/** The category of each mapping (see the header). */
function classify(maps: Map[]): string[] {
  return maps.map((m, i) => {
    if (m.name === '[heap]') return 'brk';
    if (m.name.startsWith('/')) return 'files';
    if (m.name !== '' && m.name !== '[anon]' && !m.name.startsWith('[anon:')) return 'anon';
    if (m.perm.includes('x')) return 'code';
    if (m.perm.startsWith('rw')) {
      const prev = maps[i - 1], next = maps[i + 1];
      // A glibc arena heap: 64 MiB aligned, its used part read/write, the rest of the 64 MiB reserved ---p
      // (tested first: one can sit right after a wasm memory's guard region).
      if (m.start % ARENA === 0 && m.end - m.start <= ARENA) {
        const rest = next !== undefined && next.start === m.end && next.perm.startsWith('---') ? next.end - next.start : 0;
        if (m.end - m.start + rest === ARENA) return 'arenas';
      }
      const guard = (g: Map | undefined, adjacent: boolean) => g !== undefined && adjacent && g.perm.startsWith('---') && g.end - g.start >= GiB;
      if (guard(prev, prev !== undefined && prev.end === m.start) || guard(next, next !== undefined && next.start === m.end)) return 'wasm';
    }
    return 'anon';
  });
}

function status(pid: number): { hwm: number; threads: number } {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'latin1');
    return { hwm: Number(/VmHWM:\s+(\d+)/.exec(s)?.[1] ?? 0), threads: Number(/Threads:\s+(\d+)/.exec(s)?.[1] ?? 0) };
  } catch { return { hwm: 0, threads: 0 }; }
}

const MiB = (kb: number): string => (kb / 1024).toFixed(1);
const t0 = performance.now();
const child = spawn(cmd[0], cmd.slice(1), { stdio: ['ignore', 'ignore', 'inherit', 'pipe'] });
const events = child.stdio[3];
if (events !== null && events !== undefined && 'on' in events) {
  let buf = '';
  events.on('data', (d: Buffer) => {
    buf += d.toString('utf8');
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      try {
        const e = JSON.parse(line) as { ev?: string; name?: string; ms?: number; cpuMs?: number; executed?: number; main?: unknown; worker?: unknown; mainAfterGc?: unknown };
        if (e.ev === 'marker') process.stdout.write(`event: ${e.name} at ${((e.ms ?? 0) / 1000).toFixed(1)} s, CPU ${((e.cpuMs ?? 0) / 1000).toFixed(2)} s, ${e.executed} instructions\n`);
        // boot-runner --heap-stats: the V8 heaps of both threads at the marker.
        if (e.ev === 'marker' && e.main !== undefined) process.stdout.write(`heaps: ${JSON.stringify({ main: e.main, worker: e.worker, mainAfterGc: e.mainAfterGc })}\n`);
      } catch { /* not an event line */ }
    }
  });
}
const samples: Sample[] = [];
let hwm = 0;

/** The process to sample: the child, or the one process it started, and so on down (boot-runner re-starts itself with the host settings). */
function leaf(pid: number): number {
  for (;;) {
    let kids: string[];
    try { kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'latin1').trim().split(/\s+/).filter((k) => k !== ''); } catch { return pid; }
    if (kids.length !== 1) return pid;
    pid = Number(kids[0]);
  }
}

function sample(): void {
  if (child.pid === undefined) return;
  const pid = leaf(child.pid);
  const maps = readMaps(pid);
  if (maps === null) return;
  const st = status(pid);
  hwm = Math.max(hwm, st.hwm);
  const kinds = classify(maps);
  const split: Split = { wasm: 0, arenas: 0, brk: 0, code: 0, anon: 0, files: 0 };
  maps.forEach((m, i) => { split[kinds[i] as keyof Split] += m.rss; });
  const rss = maps.reduce((a, m) => a + m.rss, 0);
  const s: Sample = { t: (performance.now() - t0) / 1000, rss, hwm: st.hwm, threads: st.threads, split, maps, kinds };
  samples.push(s);
  process.stdout.write(`t=${s.t.toFixed(0).padStart(4)}s RSS ${MiB(rss).padStart(6)} HWM ${MiB(st.hwm).padStart(6)} thr ${String(st.threads).padStart(2)} | ` +
    Object.entries(split).map(([k, v]) => `${k} ${MiB(v)}`).join(' ') + '\n');
}

const timer = setInterval(sample, every * 1000);
child.on('exit', (code) => {
  clearInterval(timer);
  if (samples.length === 0) { process.stdout.write(`child exited (${code}) before the first sample\n`); return; }
  const peak = samples.reduce((a, s) => (s.rss > a.rss ? s : a));
  const last = samples[samples.length - 1];
  process.stdout.write(`\nchild exited with ${code}; last VmHWM ${MiB(hwm)} MiB (the kernel's peak); largest sample ${MiB(peak.rss)} MiB at t=${peak.t.toFixed(1)}s (last sample t=${last.t.toFixed(1)}s)\n`);
  process.stdout.write(`  split at the largest sample: ${Object.entries(peak.split).map(([k, v]) => `${k} ${MiB(v)}`).join(', ')}\n`);
  const order = peak.maps.map((m, i) => ({ m, k: peak.kinds[i] })).filter((x) => x.k !== 'files').sort((a, b) => b.m.rss - a.m.rss).slice(0, topN);
  process.stdout.write(`  largest non-file mappings (RSS / size MiB, kind): ${order.map(({ m, k }) => `${MiB(m.rss)}/${MiB((m.end - m.start) / 1024)} ${k}${m.name ? ' ' + m.name : ''}`).join(', ')}\n`);
  if (dump !== undefined) {
    writeFileSync(dump, peak.maps.map((m, i) => `${m.start.toString(16)}-${m.end.toString(16)} ${m.perm} ${String(m.rss).padStart(8)} kB ${((m.end - m.start) / 1024).toFixed(0).padStart(10)} kB ${peak.kinds[i]} ${m.name}`).join('\n') + '\n');
  }
  process.exitCode = code ?? 1;
});
