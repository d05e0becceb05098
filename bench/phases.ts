/**
 * Per-phase bench of the bench=1 workload (/bench.sh in guests/initramfs.cpio.gz):
 *
 *   1. builds a phase-marked initramfs in the cache dir: guests/initramfs.cpio.gz
 *      with `echo GUEST-PH-<X>-START` inserted before each part of /bench.sh
 *      (SH: the ash loop, AWK, MD5: md5sum, SHA: sha256sum) and
 *      `echo GUEST-PH-END` after the last (cpio newc read and written here);
 *   2. boots it once with `bench=1` on the JIT, deterministic clock, and saves
 *      a snapshot at each marker (ph-sh.snap ... ph-sha.snap);
 *   3. times each phase from its snapshot to the next marker, per engine, in
 *      child processes one after another (process CPU and wall time, guest
 *      instructions, M instr/s), and prints a table.
 *
 * The snapshots are kept (keyed by the initramfs and kernel bytes) and reused;
 * they are also the inputs of bench/phase-runner.ts and bench/phase-pair.ts.
 *
 *   npm run bench:phases
 *   node dist/bench/phases.js [--engines jit,interpreter] [--phases sh,awk,md5,sha] [--cache DIR] [--rebuild] [--runs N]
 *   node dist/bench/phases.js --only-snaps          (step 1 and 2: print the snapshot paths)
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Machine } from '../src/vm.js';
import type { EngineName } from '../src/vm.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const PHASES = ['SH', 'AWK', 'MD5', 'SHA'] as const;
type Phase = typeof PHASES[number];
/** The line of /bench.sh each phase marker goes before (a prefix of that line). */
const PHASE_LINE: Record<Phase, string> = { SH: 'i=0;', AWK: 'a=$(awk', MD5: 'm=$(dd', SHA: 'h=$(dd' };
const END_MARK = 'GUEST-PH-END';
const mark = (p: Phase): string => `GUEST-PH-${p}-START`;

// ---------------------------------------------------------------- cpio newc

interface CpioEntry { header: string[]; name: string; data: Uint8Array }

/** Parses a cpio "newc" archive (070701 headers: 13 8-hex-digit fields, name and data padded to 4 bytes). */
export function readCpio(buf: Uint8Array): CpioEntry[] {
  const dec = new TextDecoder('latin1');
  const out: CpioEntry[] = [];
  let p = 0;
  const pad4 = (n: number): number => (n + 3) & ~3;
  for (;;) {
    if (p + 110 > buf.length) throw new Error(`cpio: truncated header at byte ${p}`);
    const magic = dec.decode(buf.subarray(p, p + 6));
    if (magic !== '070701' && magic !== '070702') throw new Error(`cpio: bad magic '${magic}' at byte ${p} (only newc is supported)`);
    const header: string[] = [];
    for (let i = 0; i < 13; i++) header.push(dec.decode(buf.subarray(p + 6 + i * 8, p + 14 + i * 8)));
    const fileSize = parseInt(header[6]!, 16), nameSize = parseInt(header[11]!, 16);
    const name = dec.decode(buf.subarray(p + 110, p + 110 + nameSize - 1));
    const dataAt = pad4(p + 110 + nameSize);
    const data = buf.slice(dataAt, dataAt + fileSize);
    p = pad4(dataAt + fileSize);
    if (name === 'TRAILER!!!') return out;
    out.push({ header: [magic, ...header], name, data });
  }
}

/** Writes a cpio newc archive (with the trailer). Field 6 (filesize) and 11 (namesize) are recomputed. */
export function writeCpio(entries: CpioEntry[]): Uint8Array {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  let len = 0;
  const push = (b: Uint8Array): void => { parts.push(b); len += b.length; const pad = (4 - (len & 3)) & 3; if (pad) { parts.push(new Uint8Array(pad)); len += pad; } };
  const hex = (n: number): string => n.toString(16).padStart(8, '0').toUpperCase();
  const all = [...entries, { header: ['070701', ...new Array<string>(13).fill('00000000')], name: 'TRAILER!!!', data: new Uint8Array(0) }];
  for (const e of all) {
    const f = e.header.slice(1);
    f[6] = hex(e.data.length);
    f[11] = hex(e.name.length + 1);
    if (e.name === 'TRAILER!!!') f[4] = hex(1); // nlink 1, as GNU cpio writes it
    const head = enc.encode(e.header[0] + f.join(''));
    const name = new Uint8Array(e.name.length + 1);
    name.set(enc.encode(e.name));
    const hn = new Uint8Array(head.length + name.length);
    hn.set(head); hn.set(name, head.length);
    push(hn);
    if (e.data.length) push(e.data);
  }
  const out = new Uint8Array(len);
  let o = 0;
  for (const b of parts) { out.set(b, o); o += b.length; }
  return out;
}

/** guests/initramfs.cpio.gz with the phase markers in /bench.sh. Throws if a phase's line is not found. */
export function markedInitramfs(gz: Uint8Array): Uint8Array {
  const entries = readCpio(gunzipSync(gz));
  const sh = entries.find((e) => e.name === 'bench.sh');
  if (!sh) throw new Error('initramfs: no /bench.sh');
  const lines = new TextDecoder().decode(sh.data).split('\n');
  for (const p of PHASES) {
    const i = lines.findIndex((l) => l.startsWith(PHASE_LINE[p]));
    if (i < 0) throw new Error(`initramfs /bench.sh: no line starting '${PHASE_LINE[p]}' for phase ${p}`);
    lines.splice(i, 0, `echo ${mark(p)}`);
  }
  const last = lines.findIndex((l) => l.startsWith(PHASE_LINE.SHA));
  lines.splice(last + 1, 0, `echo ${END_MARK}`);
  sh.data = new TextEncoder().encode(lines.join('\n'));
  return gzipSync(writeCpio(entries), { level: 9 });
}

// ---------------------------------------------------------------- snapshots

/** Boots the marked initramfs with bench=1 (JIT, deterministic clock) and saves a snapshot at each marker. */
export async function phaseSnapshots(cacheDir: string, rebuild = false): Promise<Record<Phase, string>> {
  mkdirSync(cacheDir, { recursive: true });
  const kernel = readFileSync(join(ROOT, 'guests/linux-686.bzImage'));
  const initrd = markedInitramfs(new Uint8Array(readFileSync(join(ROOT, 'guests/initramfs.cpio.gz'))));
  const key = createHash('sha256').update(kernel).update(initrd).digest('hex').slice(0, 12);
  const snaps = Object.fromEntries(PHASES.map((p) => [p, join(cacheDir, `ph-${p.toLowerCase()}-${key}.snap`)])) as Record<Phase, string>;
  if (!rebuild && PHASES.every((p) => existsSync(snaps[p]))) return snaps;
  const initrdFile = join(cacheDir, `initramfs-phases-${key}.cpio.gz`);
  writeFileSync(initrdFile, initrd);
  process.stderr.write(`phases: booting bench=1 on the JIT to save the phase snapshots in ${cacheDir} (minutes)\n`);
  const m = Machine.create({ engine: 'jit', clock: 'deterministic', memoryMiB: 128, cmdline: 'console=ttyS0 bench=1', initrd: initrdFile, kernel: join(ROOT, 'guests/linux-686.bzImage') });
  let out = '';
  let next = 0;
  let saving: Promise<void> = Promise.resolve();
  let failed: Error | null = null;
  m.on('output', (b: Buffer) => {
    out += b.toString('latin1');
    const p = PHASES[next];
    if (p === undefined || !out.includes(mark(p))) return;
    next++;
    // Pause now, not in a later microtask: the run loop need not yield to the event loop between
    // busy slices, so a pause requested later could land far into the phase (or after its end).
    const paused = m.pause();
    saving = saving.then(async () => {
      await paused;
      const s = await m.saveSnapshot(snaps[p]);
      process.stderr.write(`phases: ${p} at ${s.instructions} instructions, ${(s.bytes / 1048576).toFixed(1)} MiB\n`);
      if (next >= PHASES.length) m.stop(); else m.resume();
    }).catch((e: Error) => { failed = e; m.stop(); });
  });
  await m.run();
  await saving;
  if (failed) throw failed;
  if (next < PHASES.length) throw new Error(`phases: the guest ended before ${mark(PHASES[next]!)}; output tail:\n${out.slice(-2000)}`);
  return snaps;
}

// ---------------------------------------------------------------- timing (child process)

/** compiled: guest instructions retired in compiled code (the rest: the interpreter). */
interface PhaseTime { cpuS: number; wallS: number; instructions: number; compiled: number | null; ok: boolean }

/** In a child: restore `snap` on `engine`, run until `until` appears on the serial line. */
async function timeOne(snap: string, engine: EngineName, until: string): Promise<void> {
  const m = await Machine.restore(snap, { engine });
  let out = '';
  let ok = false;
  m.on('output', (b: Buffer) => { out += b.toString('latin1'); if (!ok && out.includes(until)) { ok = true; m.stop(); } });
  const i0 = m.status().executed;
  const compiled0 = m.jitCounters()?.compiled ?? 0;
  const c0 = process.cpuUsage(), t0 = performance.now();
  await m.run();
  const c = process.cpuUsage(c0);
  const r: PhaseTime = { cpuS: (c.user + c.system) / 1e6, wallS: (performance.now() - t0) / 1000, instructions: m.status().executed - i0, compiled: m.jitCounters() ? (m.jitCounters()!.compiled ?? 0) - compiled0 : null, ok };
  process.stdout.write(JSON.stringify(r) + '\n');
}

function parseArgs(argv: string[]): { engines: EngineName[]; phases: Phase[]; cache: string; rebuild: boolean; runs: number; onlySnaps: boolean } {
  const opt = (n: string): string | undefined => { const i = argv.indexOf(`--${n}`); return i >= 0 ? argv[i + 1] : undefined; };
  const phases = (opt('phases') ?? 'sh,awk,md5,sha').split(',').map((s) => s.toUpperCase());
  for (const p of phases) if (!(PHASES as readonly string[]).includes(p)) throw new Error(`unknown phase '${p}' (sh, awk, md5, sha)`);
  const engines = (opt('engines') ?? 'jit').split(',');
  for (const e of engines) if (e !== 'jit' && e !== 'interpreter') throw new Error(`unknown engine '${e}' (jit, interpreter)`);
  const runs = Number(opt('runs') ?? 1);
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs: a positive integer');
  return { engines: engines as EngineName[], phases: phases as Phase[], cache: opt('cache') ?? join(ROOT, 'bench/.cache'), rebuild: argv.includes('--rebuild'), runs, onlySnaps: argv.includes('--only-snaps') };
}

async function main(argv: string[]): Promise<void> {
  if (argv[0] === '--child') { await timeOne(argv[1]!, argv[2] as EngineName, argv[3]!); return; }
  if (argv.includes('--help')) { process.stdout.write(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0]! + '*/\n'); return; }
  const o = parseArgs(argv);
  const snaps = await phaseSnapshots(o.cache, o.rebuild);
  if (o.onlySnaps) { for (const p of PHASES) process.stdout.write(`${p.toLowerCase()} ${snaps[p]}\n`); return; }
  const head = `${'phase'.padEnd(6)} ${'engine'.padEnd(12)} ${'cpu s'.padStart(8)} ${'wall s'.padStart(8)} ${'M instr'.padStart(9)} ${'M instr/s'.padStart(10)} ${'% in JIT'.padStart(9)}`;
  process.stdout.write(head + '\n');
  for (const p of o.phases) {
    const until = p === 'SHA' ? END_MARK : mark(PHASES[PHASES.indexOf(p) + 1]!);
    for (const e of o.engines) {
      for (let r = 0; r < o.runs; r++) {
        const c = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', snaps[p], e, until], { encoding: 'utf8', maxBuffer: 1 << 24 });
        const line = c.stdout.trim().split('\n').pop() ?? '';
        if (c.status !== 0 || !line.startsWith('{')) { process.stdout.write(`${p.toLowerCase().padEnd(6)} ${e.padEnd(12)} failed (exit ${c.status}): ${c.stderr.slice(-500)}\n`); continue; }
        const t = JSON.parse(line) as PhaseTime;
        const row = `${p.toLowerCase().padEnd(6)} ${e.padEnd(12)} ${t.cpuS.toFixed(2).padStart(8)} ${t.wallS.toFixed(2).padStart(8)} ${(t.instructions / 1e6).toFixed(0).padStart(9)} ${(t.instructions / 1e6 / t.cpuS).toFixed(1).padStart(10)} ${(t.compiled === null ? '-' : (100 * t.compiled / t.instructions).toFixed(1)).padStart(9)}${t.ok ? '' : '  (marker not reached)'}`;
        process.stdout.write(row + '\n');
      }
    }
  }
}

// Only as a script (the cpio and snapshot helpers are importable).
if (process.argv[1] === fileURLToPath(import.meta.url)) main(process.argv.slice(2)).then(() => process.exit(0), (e: Error) => { process.stderr.write(`phases: ${e.message}\n`); process.exit(1); });
