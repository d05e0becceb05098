/**
 * Snapshot costs for a saved machine (default: the default guest at its
 * shell, made by test/snapshot/child.ts or Ctrl-A s):
 *   node dist/bench/snapshot.js FILE [--engine jit|interpreter]
 * Restores FILE, then measures: the copy out (the guest's pause), RAM
 * compression with each codec and level (same bytes, one after the other,
 * in this process), a whole save (file, fsync, rename) and a whole restore
 * from the file. Prints one JSON object (README "Snapshots" quotes it).
 */
import * as zlib from 'node:zlib';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Machine } from '../src/index.js';
import { capture } from '../src/snapshot/machine-state.js';
import type { Pc } from '../src/pc.js';

const file = process.argv[2];
if (!file) { process.stderr.write('usage: node dist/bench/snapshot.js FILE [--engine jit|interpreter]\n'); process.exit(2); }
const engine = process.argv.includes('--engine') ? process.argv[process.argv.indexOf('--engine') + 1] as 'jit' | 'interpreter' : 'jit';

const ms = (t0: number) => Math.round((performance.now() - t0) * 10) / 10;
const t0 = performance.now();
const m = await Machine.restore(file, { engine });
const restoreMs = ms(t0);
const pc = (m as unknown as { pc: Pc }).pc;
// Touch the capture path once (first reads of never-written host pages cost page faults), then time it.
capture(pc, { kernel: null, initrd: null, cmdline: '', engine }, 'bench');
const t1 = performance.now();
const c = capture(pc, { kernel: null, initrd: null, cmdline: '', engine }, 'bench');
const captureMs = ms(t1);
const raw = c.ram;
/** CPU ms of this process (the machine is shared: wall time says more about the neighbours than about the codec). */
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
/** Best of 3 CPU times of f. */
function best(f: () => void): number {
  let b = Infinity;
  for (let i = 0; i < 3; i++) { const c = cpuMs(); f(); b = Math.min(b, cpuMs() - c); }
  return Math.round(b);
}
const captureCpuMs = best(() => capture(pc, { kernel: null, initrd: null, cmdline: '', engine }, 'bench'));
const codecs: Record<string, { cpuMs: number; bytes: number; decodeCpuMs: number }> = {};
for (const level of [1, 3, 6, 9]) {
  let d: Buffer = Buffer.alloc(0);
  const e = best(() => { d = zlib.deflateSync(raw, { level }); });
  codecs[`deflate-${level}`] = { cpuMs: e, bytes: d.length, decodeCpuMs: best(() => zlib.inflateSync(d)) };
}
for (const q of [1, 4, 6]) {
  let d: Buffer = Buffer.alloc(0);
  const e = best(() => { d = zlib.brotliCompressSync(raw, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: q, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: raw.length } }); });
  codecs[`brotli-${q}`] = { cpuMs: e, bytes: d.length, decodeCpuMs: best(() => zlib.brotliDecompressSync(d)) };
}
const dir = mkdtempSync(join(tmpdir(), 'jitvisor-bench-'));
const saved = await m.saveSnapshot(join(dir, 'x.snap'));
const t2 = performance.now(), c2 = cpuMs();
const again = await Machine.restore(join(dir, 'x.snap'), { engine });
const restoreAgainMs = ms(t2), restoreAgainCpuMs = Math.round(cpuMs() - c2);
again.stop(); m.stop();
rmSync(dir, { recursive: true });
process.stdout.write(JSON.stringify({
  file, engine, memoryMiB: c.config.memoryMiB, instructions: c.config.instructions,
  ramPages: c.config.ram.pages, storedPages: c.config.ram.storedPages, ramSectionBytes: raw.length,
  restoreMs, captureMs, captureCpuMs, save: { bytes: saved.bytes, pauseMs: Math.round(saved.pauseMs * 10) / 10, totalMs: Math.round(saved.totalMs * 10) / 10 }, restoreAgainMs, restoreAgainCpuMs,
  codecs, loadavg: (await import('node:os')).loadavg(),
}, null, 2) + '\n');
