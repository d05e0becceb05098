/**
 * Where the memory of a boot goes: boots the default guest on one engine and
 * prints, every few seconds and at GUEST-BOOT-OK, the process RSS split by
 * mapping (from /proc/self/smaps: each WebAssembly memory is its own large
 * reservation, so the guest machine's memory, binaryen's heap and iced-x86's
 * heap show up separately), the V8 heap, and the front end's and the JIT's
 * live objects.
 *
 *   node --expose-gc dist/bench/memory.js [--engine jit|interpreter] [--clock deterministic|realtime]
 *        [--memory 128] [--until GUEST-BOOT-OK] [--every 5] [--append "console=ttyS0"] [--max-records N]
 *        [--snapshot FILE.heapsnapshot]
 *
 * With --expose-gc the V8 heap is also measured after a full GC (live data vs. garbage not yet collected).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import v8 from 'node:v8';
import { parseArgs } from 'node:util';
import { Pc } from '../src/pc.js';
import { workerStats } from '../translator/jit/worker-client.js';

const { values: o } = parseArgs({
  options: {
    engine: { type: 'string', default: 'jit' },
    clock: { type: 'string', default: 'deterministic' },
    memory: { type: 'string', default: '128' },
    until: { type: 'string', default: 'GUEST-BOOT-OK' },
    every: { type: 'string', default: '5' },
    append: { type: 'string', default: 'console=ttyS0' },
    'max-records': { type: 'string' },
    /** Write a V8 heap snapshot of the main thread here at the marker (bench/heap-summary.ts reads it). */
    snapshot: { type: 'string' },
  },
});

const MiB = 1024 * 1024;
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const kernel = new Uint8Array(readFileSync(join(root, 'guests', 'linux-686.bzImage')));
const initrd = new Uint8Array(readFileSync(join(root, 'guests', 'initramfs.cpio.gz')));

interface Mapping { size: number; rss: number; name: string; perm: string }

/** Resident kB per mapping from /proc/self/smaps. */
function mappings(): Mapping[] {
  const out: Mapping[] = [];
  let cur: Mapping | null = null;
  for (const line of readFileSync('/proc/self/smaps', 'latin1').split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (m) {
      cur = { size: (parseInt(m[2], 16) - parseInt(m[1], 16)) / 1024, rss: 0, name: m[4], perm: m[3] };
      out.push(cur);
    } else if (cur && line.startsWith('Rss:')) cur.rss = parseInt(line.slice(4), 10);
  }
  return out;
}

function vmhwm(): number {
  const m = /VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'latin1'));
  return m ? Number(m[1]) / 1024 : 0;
}

const pc = new Pc({
  memoryMiB: Number(o.memory), engine: o.engine as 'jit' | 'interpreter',
  clock: o.clock as 'deterministic' | 'realtime', onSerialOutput: serial,
});
const guestBytes = pc.cpu.phys.memory.buffer.byteLength;
if (o['max-records'] !== undefined) pc.machine.frontEnd.maxRecords = Number(o['max-records']);

function report(tag: string): void {
  const gcFn = (globalThis as { gc?: () => void }).gc;
  const before = process.memoryUsage();
  if (gcFn) gcFn();
  const mu = process.memoryUsage();
  const maps = mappings();
  // A wasm memory is a reservation of 8 GiB or more whose accessible part is its own mapping:
  // the guest machine's is exactly its size; binaryen's and iced-x86's heaps are others.
  const guestKb = guestBytes / 1024;
  const wasm = maps.filter((m) => m.size === guestKb);
  const top = maps.filter((m) => m.size !== guestKb && !m.name.startsWith('/')).sort((a, b) => b.rss - a.rss).slice(0, 12);
  const f = (kb: number): string => (kb / 1024).toFixed(1);
  const total = maps.reduce((a, m) => a + m.rss, 0);
  const wasmRss = wasm.reduce((a, m) => a + m.rss, 0);
  const files = maps.filter((m) => m.name.startsWith('/')).reduce((a, m) => a + m.rss, 0);
  const fe = pc.machine.frontEnd;
  let blocks = 0, recs = 0, compiled = 0, compiledRecs = 0;
  for (const b of fe.liveBlocks()) { blocks++; recs += b.recs.length; if (b.jit) { compiled++; compiledRecs += b.recs.length; } }
  const jit = pc.machine.jit;
  const lines = [
    `[${tag}] t=${(performance.now() / 1000).toFixed(1)}s instr=${pc.executed} RSS ${f(total)} MiB (VmHWM ${vmhwm().toFixed(1)})`,
    `  guest machine memory (state, TLB, RAM): ${wasm.map((m) => `${f(m.rss)} of ${f(m.size)}`).join(', ')} MiB resident`,
    `  largest other anonymous mappings (RSS/size MiB): ${top.map((m) => `${f(m.rss)}/${f(m.size)} ${m.perm}${m.name ? ' ' + m.name : ''}`).join(', ')}`,
    `  other anonymous (V8 heap, malloc, code): ${f(total - wasmRss - files)} MiB; file-backed (node, libs): ${f(files)} MiB`,
    `  V8 heap used/total ${(before.heapUsed / MiB).toFixed(1)}/${(before.heapTotal / MiB).toFixed(1)} MiB` +
      (gcFn ? ` -> after GC ${(mu.heapUsed / MiB).toFixed(1)}/${(mu.heapTotal / MiB).toFixed(1)}` : '') +
      `, external ${(mu.external / MiB).toFixed(1)} (arrayBuffers ${(mu.arrayBuffers / MiB).toFixed(1)})`,
    `  V8 spaces (used MiB): ${v8.getHeapSpaceStatistics().map((s) => `${s.space_name.replace('_space', '')} ${(s.space_used_size / MiB).toFixed(1)}`).join(', ')}`,
    `  front end: ${blocks} live blocks, ${recs} records, ${compiled} compiled (${compiledRecs} records); decoded ${fe.stats.blocksDecoded} blocks, killed ${fe.stats.blocksKilled}`,
  ];
  if (jit) {
    lines.push(`  JIT: ${jit.counters.summary()}`);
    lines.push(`  compiled cache: ${jit.cache.moduleCount} modules, ${jit.cache.blockCount} blocks`);
    const ws = workerStats();
    lines.push(ws === null ? '  compile worker: not running' :
      `  compile worker: V8 heap ${ws.heapUsed.toFixed(1)}/${ws.heapTotal.toFixed(1)} MiB (${Object.entries(ws.spaces).filter(([, v]) => v >= 0.1).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}), ${ws.modules} modules sent`);
  }
  process.stderr.write(lines.join('\n') + '\n');
}

let line: number[] = [];
function serial(b: number): void {
  if (b !== 0x0a) { if (line.length < 200) line.push(b); return; }
  const text = Buffer.from(line).toString('latin1').replace(/\r/g, '');
  line = [];
  if (text.startsWith(o.until)) {
    report(o.until);
    if (o.snapshot !== undefined) process.stderr.write(`heap snapshot: ${v8.writeHeapSnapshot(o.snapshot)}\n`);
    process.exit(0);
  }
}

report('start');
pc.bootLinux(kernel, 'linux-686.bzImage', o.append, initrd, 'initramfs.cpio.gz');
report('loaded');
setInterval(() => report('tick'), Number(o.every) * 1000);
await pc.run();
report('exit');
process.exit(0);
