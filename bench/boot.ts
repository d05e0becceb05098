/**
 * Whole-guest benchmark: boots Debian's stock i386 kernel + the busybox
 * initramfs (guests/) on jitvisor and on its peers, one after another, and
 * prints one side-by-side table:
 *
 *   boot:  start -> the serial line `GUEST-BOOT-OK`           (cmdline "console=ttyS0")
 *   bench: start -> `GUEST-BENCH-DONE <md5>`, and the workload
 *          alone, `GUEST-BENCH-START` -> `GUEST-BENCH-DONE`   (cmdline "console=ttyS0 bench=1")
 *
 * Rows: jitvisor's interpreter (deterministic and realtime clock), jitvisor's
 * JIT (when it exists), v86 with and without its JIT (npm package v86, with
 * the SeaBIOS + VGA BIOS images from --bios-dir), and QEMU TCG when
 * qemu-system-i386 is on PATH. Every run is a child process (killed at
 * --timeout); see bench/README.md for what is measured and how.
 *
 *   npm run bench:boot                  (builds first; the full default run takes an hour or more)
 *   node dist/bench/boot.js --only boot --engines interp-det,v86 --timeout 300
 */
import { spawn, execFileSync } from 'node:child_process';
import { accessSync, constants, createReadStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { cpus, totalmem } from 'node:os';
import { delimiter, join, relative, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { TUNED_ENV, TUNED_NODE_FLAGS } from '../src/host-tuning.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RUNNER = 'dist/bench/boot-runner.js';
const KERNEL = 'guests/linux-686.bzImage';
const INITRD = 'guests/initramfs.cpio.gz';
const MEMORY_MIB = 128;
const EXPECTED_MD5 = '14cd3bac25eceaf825f9512702ca4552';
const CMDLINES = { boot: 'console=ttyS0', bench: 'console=ttyS0 bench=1' } as const;
type Workload = keyof typeof CMDLINES;

const HELP = `usage: node dist/bench/boot.js [--only boot|bench] [--engines LIST] [--timeout SECONDS]
                                [--runs N] [--bios-dir DIR] [--out FILE | --no-json]

Boots guests/linux-686.bzImage + guests/initramfs.cpio.gz on each engine, one run at a time,
and prints a table: start -> GUEST-BOOT-OK (cmdline "console=ttyS0") and the bench=1 workload
(start -> GUEST-BENCH-DONE, and GUEST-BENCH-START -> GUEST-BENCH-DONE, checksum checked).
  --only       boot or bench (default: both)
  --engines    comma-separated rows (default: all):
               interp-det, interp-rt   jitvisor interpreter, deterministic / realtime clock
               jit-det, jit-rt         jitvisor JIT, deterministic / realtime clock
               v86, v86-nojit          v86 ${'(npm package)'} with its JIT / with disable_jit
               qemu                    qemu-system-i386 TCG, if on PATH
  --timeout    seconds per run before the child is killed (default 900)
  --runs       runs per row and workload; the table shows the median (default 1)
  --bios-dir   folder with seabios.bin and vgabios-stdvga.bin for v86 (default guests/)
               relative to the repo root)
  --out        JSON results file (default bench/results/boot-<date>.json); --no-json: none`;

// ---------------------------------------------------------------- options

interface Options { only: Workload[]; engines: string[]; timeoutS: number; runs: number; biosDir: string; out: string | null }

interface RowDef {
  id: string;
  label: string;
  kind: 'interp' | 'jit' | 'v86-jit' | 'v86-nojit' | 'qemu';
  /** The v86 row this one is compared with (same kind of engine). */
  peer?: string;
}

const ROWS: RowDef[] = [
  { id: 'interp-det', label: 'jitvisor interpreter, deterministic clock', kind: 'interp', peer: 'v86-nojit' },
  { id: 'interp-rt', label: 'jitvisor interpreter, realtime clock', kind: 'interp', peer: 'v86-nojit' },
  { id: 'jit-det', label: 'jitvisor JIT, deterministic clock', kind: 'jit', peer: 'v86' },
  { id: 'jit-rt', label: 'jitvisor JIT, realtime clock', kind: 'jit', peer: 'v86' },
  { id: 'v86', label: 'v86 VERSION, JIT on (v86.wasm)', kind: 'v86-jit' },
  { id: 'v86-nojit', label: 'v86 VERSION, JIT off (disable_jit)', kind: 'v86-nojit' },
  { id: 'qemu', label: 'QEMU TCG, -M pc', kind: 'qemu' },
];

class UsageError extends Error {}

function parseOptions(argv: string[]): Options {
  const o: Options = {
    only: ['boot', 'bench'], engines: ROWS.map((r) => r.id), timeoutS: 900, runs: 1,
    biosDir: resolve(ROOT, 'guests'), out: '',
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    switch (a) {
      case '--help': case '-h': console.log(HELP); process.exit(0);
      // falls through (process.exit does not return)
      case '--only': {
        const v = value();
        if (v !== 'boot' && v !== 'bench') throw new UsageError(`--only must be boot or bench, not '${v}'`);
        o.only = [v];
        break;
      }
      case '--engines': {
        const list = value().split(',').map((s) => s.trim()).filter(Boolean);
        for (const e of list) if (!ROWS.some((r) => r.id === e)) throw new UsageError(`unknown engine '${e}' (one of ${ROWS.map((r) => r.id).join(', ')})`);
        if (!list.length) throw new UsageError('--engines needs at least one engine');
        o.engines = ROWS.map((r) => r.id).filter((id) => list.includes(id));
        break;
      }
      case '--timeout': o.timeoutS = Number(value()); if (!(o.timeoutS > 0)) throw new UsageError('--timeout must be a positive number of seconds'); break;
      case '--runs': o.runs = Number(value()); if (!Number.isInteger(o.runs) || o.runs < 1) throw new UsageError('--runs must be a positive integer'); break;
      case '--bios-dir': o.biosDir = resolve(value()); break;
      case '--out': o.out = resolve(value()); break;
      case '--no-json': o.out = null; break;
      default: throw new UsageError(`unknown argument '${a}'`);
    }
  }
  return o;
}

// ---------------------------------------------------------------- host facts

function cpuModel(): string {
  try {
    const m = /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) return m[1].trim();
  } catch { /* not Linux */ }
  return cpus()[0]?.model ?? 'unknown';
}

function onPath(cmd: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const f = join(dir, cmd);
    try { accessSync(f, constants.X_OK); return f; } catch { /* next */ }
  }
  return null;
}

function firstLine(cmd: string, args: string[]): string | null {
  try { return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], cwd: ROOT }).split('\n')[0].trim(); } catch { return null; }
}

async function sha256(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** /proc/stat "cpu" line: [busy, total] jiffies over all CPUs. */
function hostJiffies(): [number, number] | null {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, idle, iowait = 0, irq = 0, softirq = 0, steal = 0] = f;
    const busy = user + nice + system + irq + softirq + steal;
    return [busy, busy + idle + iowait];
  } catch { return null; }
}

const CLK_TCK = 100; // USER_HZ: /proc/<pid>/stat times are in 1/100 s on Linux

/** CPU seconds (user + system, all threads) of a live process, from /proc. */
function procCpuS(pid: number): number | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLK_TCK; // fields 14, 15 (utime, stime)
  } catch { return null; }
}

/** Peak resident set (VmHWM) of a live process, MiB. */
function procPeakRssMiB(pid: number): number | null {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch { return null; }
}

// ---------------------------------------------------------------- one run

interface Mark {
  /** Seconds from spawn until the bench saw the line. */
  wallS: number;
  /** Child CPU seconds then (from inside the child when it reports it, else /proc). */
  cpuS: number | null;
  /** Seconds from the child's own t0 (just before the emulator is constructed), when reported. */
  childS?: number;
  /** jitvisor: guest instructions retired by then. */
  executed?: number;
  line: string;
}

interface RunResult {
  ok: boolean;
  error?: string;
  marks: Record<string, Mark>;
  md5?: string;
  parts?: string;
  peakRssMiB: number | null;
  /** Host CPUs busy with other work during the run (host busy minus the child), averaged. */
  otherLoad: number | null;
  tailLines: string[];
}

interface Command { cmd: string; args: string[]; runner: boolean; env?: Readonly<Record<string, string>> }

function quote(a: string): string { return /^[\w@%+=:,./-]+$/.test(a) ? a : `"${a.replace(/(["\\$`])/g, '\\$1')}"`; }
function commandText(c: Command): string {
  return [...Object.entries(c.env ?? {}).map(([k, v]) => `${k}=${v}`), c.cmd === process.execPath ? 'node' : c.cmd, ...c.args].map(quote).join(' ');
}

function commandFor(row: RowDef, w: Workload, o: Options): Command {
  const until = w === 'boot' ? 'GUEST-BOOT-OK' : 'GUEST-BENCH-DONE';
  const common = ['--kernel', KERNEL, '--initrd', INITRD, '--append', CMDLINES[w], '--memory', String(MEMORY_MIB), '--until', until];
  switch (row.kind) {
    case 'interp': case 'jit':
      // Started as `jitvisor run` starts (src/host-tuning.ts: malloc arenas, V8's thread pool).
      return { cmd: process.execPath, runner: true, env: TUNED_ENV, args: [...TUNED_NODE_FLAGS, RUNNER, 'jitvisor', '--engine', row.kind === 'jit' ? 'jit' : 'interpreter', '--clock', row.id.endsWith('-rt') ? 'realtime' : 'deterministic', ...common] };
    case 'v86-jit': case 'v86-nojit':
      return { cmd: process.execPath, runner: true, args: [RUNNER, 'v86', ...(row.kind === 'v86-nojit' ? ['--no-jit'] : []), '--bios-dir', relOrAbs(o.biosDir), ...common] };
    case 'qemu':
      return { cmd: 'qemu-system-i386', runner: false, args: ['-accel', 'tcg', '-M', 'pc', '-m', String(MEMORY_MIB), '-nographic', '-no-reboot', '-kernel', KERNEL, '-initrd', INITRD, '-append', CMDLINES[w]] };
  }
}

function relOrAbs(p: string): string {
  const r = relative(ROOT, p) || '.';
  return r.startsWith('../..') ? p : r;
}

function lines(stream: Readable, onLine: (l: string) => void): void {
  let buf = '';
  stream.setEncoding('latin1');
  stream.on('data', (d: string) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) { onLine(buf.slice(0, i).replace(/\r/g, '')); buf = buf.slice(i + 1); }
    if (buf.length > 65536) buf = buf.slice(-4096);
  });
}

function runOnce(c: Command, w: Workload, timeoutS: number): Promise<RunResult> {
  const final = w === 'boot' ? 'GUEST-BOOT-OK' : 'GUEST-BENCH-DONE';
  const wanted = w === 'boot' ? ['GUEST-BOOT-OK'] : ['GUEST-BOOT-OK', 'GUEST-BENCH-START', 'GUEST-BENCH-DONE'];
  return new Promise((done) => {
    const res: RunResult = { ok: false, marks: {}, peakRssMiB: null, otherLoad: null, tailLines: [] };
    const host0 = hostJiffies();
    const t0 = performance.now();
    const child = spawn(c.cmd, c.args, { cwd: ROOT, env: { ...process.env, ...c.env }, stdio: ['pipe', 'pipe', 'pipe', c.runner ? 'pipe' : 'ignore'] });
    const pid = child.pid ?? -1;
    let finished = false;
    let stderrTail = '';
    const childEvents = new Map<string, { ms: number; cpuMs: number; executed?: number }>();

    const finish = (error?: string) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      const wallS = (performance.now() - t0) / 1000;
      const host1 = hostJiffies();
      const cpuNow = procCpuS(pid);
      res.peakRssMiB = procPeakRssMiB(pid) ?? res.peakRssMiB;
      if (host0 && host1 && cpuNow !== null && wallS > 0.5) {
        const ncpu = cpus().length;
        const busyCores = (host1[0] - host0[0]) / Math.max(1, host1[1] - host0[1]) * ncpu;
        res.otherLoad = Math.max(0, busyCores - cpuNow / wallS);
      }
      if (error) res.error = error;
      else res.ok = true;
      try { child.kill('SIGKILL'); } catch { /* gone */ }
      // A grandchild could keep the pipes open: do not wait for them forever.
      setTimeout(() => { for (const s of child.stdio) s?.destroy(); close(); }, 5000).unref();
    };

    const see = (name: string, line: string) => {
      if (!wanted.includes(name) || res.marks[name]) return;
      const wallS = (performance.now() - t0) / 1000;
      res.marks[name] = { wallS, cpuS: procCpuS(pid), line };
      res.peakRssMiB = procPeakRssMiB(pid) ?? res.peakRssMiB;
      if (name === 'GUEST-BENCH-DONE') res.md5 = line.split(/\s+/)[1] ?? '';
      if (name === final) setImmediate(() => finish()); // let a child event written just before arrive first
    };

    lines(child.stdout!, (l) => {
      res.tailLines.push(l);
      if (res.tailLines.length > 12) res.tailLines.shift();
      if (l.startsWith('bench parts:')) res.parts = l;
      const m = /^(GUEST-[A-Z-]+)/.exec(l);
      if (m) see(m[1], l);
    });
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (d: string) => { stderrTail = (stderrTail + d).slice(-2000); });
    if (c.runner) {
      lines(child.stdio[3] as Readable, (l) => {
        let e: { ev?: string; name?: string; line?: string; ms?: number; cpuMs?: number; executed?: number };
        try { e = JSON.parse(l); } catch { return; }
        if (e.ev === 'marker' && e.name && e.ms !== undefined && e.cpuMs !== undefined) {
          childEvents.set(e.name, { ms: e.ms, cpuMs: e.cpuMs, executed: e.executed });
          if (e.line) see(e.name, e.line);
        }
      });
    }
    child.on('error', (e) => finish(`could not start ${c.cmd}: ${e.message}`));
    child.on('exit', (code, signal) => {
      if (!finished) finish(`exited (${signal ?? `status ${code}`}) before ${final}${stderrTail.trim() ? `; stderr: ${stderrTail.trim().split('\n').slice(-3).join(' | ')}` : ''}`);
    });
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      // All pipes drained: attach what the child reported about itself.
      for (const [name, m] of Object.entries(res.marks)) {
        const e = childEvents.get(name);
        if (!e) continue;
        m.childS = e.ms / 1000;
        m.cpuS = e.cpuMs / 1000;
        if (e.executed !== undefined) m.executed = e.executed;
      }
      if (res.ok && w === 'bench' && res.md5 !== EXPECTED_MD5) res.error = `wrong checksum ${res.md5}`;
      done(res);
    };
    child.on('close', close);
    const timer = setTimeout(() => {
      const last = res.tailLines.filter((l) => l.trim()).slice(-1)[0] ?? '';
      finish(`timeout after ${timeoutS} s before ${final}; last serial line: ${JSON.stringify(last.slice(0, 120))}`);
    }, timeoutS * 1000);
  });
}

// ---------------------------------------------------------------- statistics and table

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

interface Summary {
  runs: number;
  failures: string[];
  wallS?: number; wallAll?: number[];
  cpuS?: number;
  /** bench: START -> DONE */
  workS?: number; workCpuS?: number;
  mips?: number; workMips?: number;
  md5?: string; checksumOk?: boolean;
  peakRssMiB?: number;
}

function summarize(w: Workload, runs: RunResult[]): Summary {
  const final = w === 'boot' ? 'GUEST-BOOT-OK' : 'GUEST-BENCH-DONE';
  const s: Summary = { runs: runs.length, failures: runs.filter((r) => r.error).map((r) => r.error!) };
  const good = runs.filter((r) => r.marks[final]);
  if (!good.length) return s;
  const med = (f: (r: RunResult) => number | null | undefined): number | undefined => {
    const xs = good.map(f).filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
    return xs.length ? median(xs) : undefined;
  };
  s.wallAll = good.map((r) => r.marks[final].wallS);
  s.wallS = median(s.wallAll);
  s.cpuS = med((r) => r.marks[final].cpuS);
  s.mips = med((r) => { const m = r.marks[final]; return m.executed !== undefined && m.childS ? m.executed / m.childS / 1e6 : null; });
  s.peakRssMiB = med((r) => r.peakRssMiB);
  if (w === 'bench') {
    const between = (r: RunResult, f: (m: Mark) => number | null | undefined) => {
      const a = r.marks['GUEST-BENCH-START'], b = r.marks['GUEST-BENCH-DONE'];
      if (!a || !b) return null;
      const x = f(a), y = f(b);
      return x == null || y == null ? null : y - x;
    };
    s.workS = med((r) => {
      const a = r.marks['GUEST-BENCH-START'], b = r.marks['GUEST-BENCH-DONE'];
      if (!a || !b) return null;
      return a.childS !== undefined && b.childS !== undefined ? b.childS - a.childS : b.wallS - a.wallS;
    });
    s.workCpuS = med((r) => between(r, (m) => m.cpuS));
    s.workMips = med((r) => {
      const n = between(r, (m) => m.executed), t = between(r, (m) => m.childS);
      return n !== null && t ? n / t / 1e6 : null;
    });
    const sums = good.map((r) => r.md5 ?? '');
    s.md5 = sums.find((m) => m !== EXPECTED_MD5) ?? sums[0];
    s.checksumOk = sums.every((m) => m === EXPECTED_MD5);
  }
  return s;
}

const f2 = (x: number | undefined) => (x === undefined ? '-' : x.toFixed(2));
const f1 = (x: number | undefined) => (x === undefined ? '-' : x.toFixed(1));

function wallCell(s: Summary): string {
  if (s.wallS === undefined) return `FAILED: ${s.failures[0] ?? 'no result'}`;
  let t = f2(s.wallS);
  if (s.runs > 1) t += ` (${s.wallAll!.map((x) => x.toFixed(2)).join(', ')})`;
  const failures = s.failures.filter((f) => !f.startsWith('wrong checksum')); // shown in the checksum column
  if (failures.length) t += ` [${failures.length} of ${s.runs} runs failed: ${failures[0]}]`;
  return t;
}

function ratioCell(ours: number | undefined, peer: number | undefined, peerId: string | undefined): string {
  if (!peerId) return '';
  if (ours === undefined || peer === undefined) return '-';
  return `${(ours / peer).toFixed(2)}x ${peerId}`;
}

// ---------------------------------------------------------------- main

async function main(): Promise<number> {
  let o: Options;
  try { o = parseOptions(process.argv.slice(2)); } catch (e) {
    if (e instanceof UsageError) { process.stderr.write(`bench:boot: ${e.message}\n${HELP}\n`); return 2; }
    throw e;
  }
  const started = new Date();
  const log = (s: string) => process.stderr.write(s + '\n');

  // What can run here.
  const require = createRequire(import.meta.url);
  let v86Version: string | null = null;
  try { v86Version = (JSON.parse(readFileSync(require.resolve('v86/package.json'), 'utf8')) as { version: string }).version.replace(/\+.*/, ''); } catch { /* not installed */ }
  const seabios = join(o.biosDir, 'seabios.bin'), vgabios = join(o.biosDir, 'vgabios-stdvga.bin');
  const qemuPath = onPath('qemu-system-i386');
  const qemuVersion = qemuPath ? firstLine(qemuPath, ['--version']) : null;
  let jitMessage: string | null = null;
  {
    const { Pc } = await import('../src/pc.js');
    const { EngineUnavailable } = await import('../src/machine.js');
    try { new Pc({ engine: 'jit', memoryMiB: 16 }); } catch (e) {
      if (!(e instanceof EngineUnavailable)) throw e;
      jitMessage = 'n/a (not available yet)';
    }
  }
  const unavailable = (row: RowDef): string | null => {
    switch (row.kind) {
      case 'jit': return jitMessage;
      case 'v86-jit': case 'v86-nojit':
        if (!v86Version) return 'v86: skipped (npm package v86 not installed: npm install)';
        if (!existsSync(seabios)) return `v86: skipped (no SeaBIOS at ${seabios}; pass --bios-dir)`;
        if (!existsSync(vgabios)) return `v86: skipped (no VGA BIOS at ${vgabios}; pass --bios-dir)`;
        return null;
      case 'qemu': return qemuPath ? null : 'skipped (not installed: apt-get install qemu-system-x86)';
      default: return null;
    }
  };
  for (const f of [KERNEL, INITRD, RUNNER]) {
    if (!existsSync(join(ROOT, f))) { log(`bench:boot: missing ${f}${f === RUNNER ? ' (run npm run build)' : ''}`); return 2; }
  }

  const rows = ROWS.filter((r) => o.engines.includes(r.id)).map((r) => ({
    ...r, label: r.label.replace('VERSION', v86Version ?? '?'), skip: unavailable(r),
  }));
  const commit = firstLine('git', ['rev-parse', '--short', 'HEAD']);
  const dirty = firstLine('git', ['status', '--porcelain', '--untracked-files=no']);
  const hostInfo = {
    date: started.toISOString(),
    cpu: cpuModel(), cpus: cpus().length, memGiB: +(totalmem() / 2 ** 30).toFixed(1),
    loadavg: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
    node: process.version, v86: v86Version, qemu: qemuVersion,
    jitvisor: commit ? `${commit}${dirty ? ' + uncommitted changes' : ''}` : null,
  };
  const guestFiles = { [KERNEL]: await sha256(join(ROOT, KERNEL)), [INITRD]: await sha256(join(ROOT, INITRD)) };

  // Run: round-robin over runs, workloads and rows, one child at a time.
  const results = new Map<string, RunResult[]>(); // `${row}/${workload}`
  const totalRuns = o.runs * o.only.length * rows.filter((r) => !r.skip).length;
  let n = 0;
  log(`bench:boot: ${totalRuns} run${totalRuns === 1 ? "" : "s"} (timeout ${o.timeoutS} s each); host load average ${hostInfo.loadavg}`);
  for (let run = 0; run < o.runs; run++) {
    for (const w of o.only) {
      for (const row of rows) {
        if (row.skip) continue;
        const c = commandFor(row, w, o);
        n++;
        process.stderr.write(`[${n}/${totalRuns}] ${w} ${row.id} (run ${run + 1}/${o.runs}) ... `);
        const r = await runOnce(c, w, o.timeoutS);
        const final = w === 'boot' ? 'GUEST-BOOT-OK' : 'GUEST-BENCH-DONE';
        const m = r.marks[final];
        log(r.error && !m ? `FAILED: ${r.error}` :
          `${m.wallS.toFixed(2)} s wall, ${m.cpuS?.toFixed(2) ?? '?'} s CPU${m.executed !== undefined ? `, ${(m.executed / 1e6).toFixed(0)}M instructions` : ''}` +
          `${r.md5 ? `, md5 ${r.md5 === EXPECTED_MD5 ? 'ok' : `WRONG ${r.md5}`}` : ''}${r.otherLoad !== null ? `, other load ${r.otherLoad.toFixed(2)}` : ''}${r.error ? ` (${r.error})` : ''}`);
        if (r.error && r.tailLines.length) log('    last serial lines:\n' + r.tailLines.slice(-5).map((l) => '      ' + l).join('\n'));
        const key = `${row.id}/${w}`;
        results.set(key, [...(results.get(key) ?? []), r]);
      }
    }
  }

  // Table.
  const sum = new Map<string, Summary>();
  for (const row of rows) for (const w of o.only) sum.set(`${row.id}/${w}`, summarize(w, results.get(`${row.id}/${w}`) ?? []));
  const peerOf = (row: RowDef, w: Workload) => {
    if (!row.peer || !o.engines.includes(row.peer)) return undefined;
    return sum.get(`${row.peer}/${w}`);
  };
  const head: string[] = ['engine (config)'];
  const runsNote = o.runs > 1 ? `median of ${o.runs} (runs)` : '1 run';
  if (o.only.includes('boot')) head.push(`boot: start -> GUEST-BOOT-OK, wall s, ${runsNote}`, 'boot CPU s', 'boot vs v86 (same kind, wall)', 'boot guest M instr/s');
  if (o.only.includes('bench')) head.push(`bench: start -> GUEST-BENCH-DONE, wall s, ${runsNote}`, 'bench only: START -> DONE, wall s', 'bench only, CPU s', 'bench only vs v86 (same kind, wall)', 'bench only guest M instr/s', 'checksum');
  head.push('peak RSS MiB');
  const body: string[][] = [];
  for (const row of rows) {
    const cells = [row.label];
    if (row.skip) {
      cells.push(row.skip);
      while (cells.length < head.length) cells.push('');
      body.push(cells);
      continue;
    }
    let rss: number | undefined;
    for (const w of o.only) {
      const s = sum.get(`${row.id}/${w}`)!;
      const p = peerOf(row, w);
      if (s.peakRssMiB !== undefined) rss = Math.max(rss ?? 0, s.peakRssMiB);
      if (w === 'boot') {
        cells.push(wallCell(s), f2(s.cpuS), ratioCell(s.wallS, p?.wallS, row.peer), f1(s.mips));
      } else {
        cells.push(wallCell(s), f2(s.workS), f2(s.workCpuS), ratioCell(s.workS, p?.workS, row.peer), f1(s.workMips),
          s.wallS === undefined ? '-' : s.checksumOk ? 'ok' : `WRONG: ${s.md5 || '(empty)'}`);
      }
    }
    cells.push(rss === undefined ? '-' : rss.toFixed(0));
    body.push(cells);
  }
  const md = (cells: string[]) => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
  const table = [md(head), md(head.map(() => '---')), ...body.map(md)].join('\n');

  const loads = [...results.values()].flat().map((r) => r.otherLoad).filter((x): x is number => x !== null);
  const commands: Record<string, Record<string, string>> = {};
  for (const row of rows) {
    if (row.skip) continue;
    commands[row.id] = {};
    for (const w of o.only) commands[row.id][w] = commandText(commandFor(row, w, o));
  }
  const lines: string[] = [];
  lines.push(`jitvisor bench:boot, ${hostInfo.date}`);
  lines.push(`Host: ${hostInfo.cpu}, ${hostInfo.cpus} CPUs, ${hostInfo.memGiB} GiB; Node ${hostInfo.node}; jitvisor ${hostInfo.jitvisor ?? '?'}` +
    `; v86 ${v86Version ?? 'not installed'}; ${qemuVersion ?? 'QEMU not installed'}.`);
  lines.push(`Guest: ${KERNEL} (sha256 ${guestFiles[KERNEL].slice(0, 16)}...) + ${INITRD} (sha256 ${guestFiles[INITRD].slice(0, 16)}...), ${MEMORY_MIB} MiB RAM. ` +
    `Cmdlines: "${CMDLINES.boot}" and "${CMDLINES.bench}". Expected checksum ${EXPECTED_MD5}.`);
  lines.push(`start = child process spawn (node startup, module load and file reads included); CPU = the child's user + system time ` +
    `(all threads, from its start) up to the line; "bench only" = GUEST-BENCH-START -> GUEST-BENCH-DONE as timed inside the child. ` +
    `vs v86 = our wall time / v86's (interpreter vs v86 disable_jit, JIT vs v86 JIT; > 1 is slower). ` +
    `Guest M instr/s = jitvisor's retired instructions / in-child seconds.`);
  if (loads.length) {
    lines.push(`Other load on the host during the runs (busy CPUs of ${hostInfo.cpus} besides the measured child, /proc/stat): ` +
      `min ${Math.min(...loads).toFixed(2)}, median ${median(loads).toFixed(2)}, max ${Math.max(...loads).toFixed(2)}; load average at start ${hostInfo.loadavg}.`);
  }
  lines.push('');
  lines.push(table);
  lines.push('');
  lines.push('Commands (cwd = repo root):');
  for (const [id, ws] of Object.entries(commands)) for (const [w, cmd] of Object.entries(ws)) lines.push(`- ${id}, ${w}: \`${cmd}\``);
  if (rows.some((r) => !r.skip && r.kind.startsWith('v86'))) {
    lines.push(`  (v86 runner: new V86({wasm_path: node_modules/v86/build/v86.wasm, memory_size: ${MEMORY_MIB} MiB, bios: seabios.bin, vga_bios: vgabios-stdvga.bin, ` +
      `bzimage, initrd, cmdline, autostart: true, disable_jit, disable_keyboard/mouse/speaker: true}); acpi off (v86's default); serial0-output-byte listener)`);
  }
  if (rows.some((r) => !r.skip && (r.kind === 'interp' || r.kind === 'jit'))) {
    lines.push('  (jitvisor runner: new Pc({memoryMiB, engine, clock}) + bootLinux + pc.run(), the loop `jitvisor run --clock ... --append ...` uses, node started as bin/jitvisor.js starts it: src/host-tuning.ts)');
  }
  const report = lines.join('\n');
  console.log('\n' + report);

  if (o.out !== null) {
    const stamp = started.toISOString().replace(/:/g, '').replace(/\..*/, '');
    const file = o.out || join(ROOT, 'bench', 'results', `boot-${stamp}.json`);
    mkdirSync(join(file, '..'), { recursive: true });
    const json = {
      host: hostInfo, guestFiles, memoryMiB: MEMORY_MIB, cmdlines: CMDLINES, expectedMd5: EXPECTED_MD5,
      options: { ...o, out: undefined },
      rows: rows.map((r) => ({
        id: r.id, label: r.label, skipped: r.skip ?? undefined, commands: commands[r.id],
        results: Object.fromEntries(o.only.map((w) => [w, { summary: sum.get(`${r.id}/${w}`), runs: results.get(`${r.id}/${w}`) ?? [] }])),
      })),
      table: report,
    };
    writeFileSync(file, JSON.stringify(json, null, 2) + '\n');
    { const r = relative(process.cwd(), file); console.log(`\nresults: ${r.startsWith('..') ? file : r}`); }
  }
  const bad = [...results.values()].flat().some((r) => r.error);
  return bad ? 1 : 0;
}

process.exitCode = await main();
