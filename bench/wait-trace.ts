/**
 * Where the JIT's `interpreted.waiting` instructions go on the deterministic
 * boot (docs/jit-plan.md, session 10 "boot-wait"): per block, the guest
 * instructions it ran between going hot and getting its code, and when.
 *
 *   node dist/bench/wait-trace.js [--kernel K] [--initrd I] [--until GUEST-BOOT-OK] [--instructions N] [--top 20]
 *     [--clock deterministic|realtime]
 *
 * Prints the worker's start-up (first hot block, first send, first answer,
 * ms from the machine's construction), a histogram of blocks by waiting
 * instructions, how much of the total the top-N blocks hold, the waiting
 * split by batch (first answer vs later) and by block latency, and the top
 * blocks (address, waiting instructions, hot -> attached ms, batch size).
 * Not a timing benchmark: the hooks cost a little, and what waits depends
 * on how fast the worker answers (load). Per block the count is
 * `Block.insns` at attach minus at hot(): every run in between was
 * interpreted (a hot block without code), apart from rare budget/step runs.
 */
import { readFileSync } from 'node:fs';
import type { Block } from '../runtime/records.js';

const args = process.argv.slice(2);
function opt(name: string, def: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1]! : def;
}
const kernel = new Uint8Array(readFileSync(opt('kernel', 'guests/linux-686.bzImage')));
const initrd = new Uint8Array(readFileSync(opt('initrd', 'guests/initramfs.cpio.gz')));
const until = opt('until', 'GUEST-BOOT-OK');
const top = Number(opt('top', '20'));
const clock = opt('clock', 'deterministic');
if (clock !== 'deterministic' && clock !== 'realtime') throw new Error(`--clock: deterministic or realtime, not ${clock}`);
/** Stop after this many guest instructions (a prefix of the boot), if before the marker. */
const limit = Number(opt('instructions', 'Infinity'));

const { Pc } = await import('../src/pc.js');
const t0 = performance.now();
let line: number[] = [];
let done = false;
const pc = new Pc({
  memoryMiB: 128, engine: 'jit', clock,
  onSerialOutput: (b) => {
    if (b !== 0x0a) { if (line.length < 256) line.push(b); return; }
    const text = Buffer.from(line).toString('latin1');
    line = [];
    if (text.startsWith(until) && !done) { done = true; pc.stop(); }
  },
});
const jit = pc.machine.jit!;

interface Hot { t: number; insns: number; exec: number; }
interface Done { b: Block; waited: number; ms: number; batch: number; size: number; hotExec: number; }
const hotAt = new Map<Block, Hot>();
const done_: Done[] = [];
let firstHot = -1, firstSend = -1, firstAnswer = -1, batches = 0;
/** The first batches: sent (ms since start), answered, worker ms (emit + V8 compile), blocks. */
const sends: number[] = [];
const early: string[] = [];
const now = (): number => performance.now() - t0;

const hot = jit.hot.bind(jit);
jit.hot = (b: Block): void => {
  if (firstHot < 0) firstHot = now();
  if (!hotAt.has(b)) hotAt.set(b, { t: now(), insns: b.insns, exec: pc.executed });
  hot(b);
};
// The compile client is private: reached here only to time the first send.
const client = (jit as unknown as { client: { send: (...a: unknown[]) => number } }).client;
const send = client.send.bind(client);
client.send = (...a: unknown[]): number => { if (firstSend < 0) firstSend = now(); sends.push(now()); return send(...a); };
jit.onCompiled = (blocks, _batch, ms) => {
  const t = now();
  if (early.length < 8) early.push(`    batch ${early.length + 1}: ${blocks.length} blocks, sent ${sends[early.length]?.toFixed(0)} ms, answered ${t.toFixed(0)} ms, worker ${ms.toFixed(0)} ms`);
  if (firstAnswer < 0) firstAnswer = t;
  batches++;
  for (const b of blocks) {
    const h = hotAt.get(b);
    if (h === undefined) continue;
    hotAt.delete(b);
    done_.push({ b, waited: b.insns - h.insns, ms: t - h.t, batch: batches, size: blocks.length, hotExec: h.exec });
  }
};

pc.bootLinux(kernel, 'linux-686.bzImage', 'console=ttyS0', initrd, 'initramfs.cpio.gz');
await pc.run(limit);
const wall = now();

const waitingTotal = jit.interpreted[2]!;
const traced = done_.reduce((a, d) => a + d.waited, 0);
let pendingWait = 0;
for (const [b, h] of hotAt) pendingWait += b.insns - h.insns;
const M = (n: number): string => (n / 1e6).toFixed(1) + 'M';
console.log(`boot ${(wall / 1000).toFixed(1)} s, executed ${pc.executed}, interpreted.waiting ${M(waitingTotal)}; traced at attach ${M(traced)} in ${done_.length} blocks, still waiting at the end ${M(pendingWait)} in ${hotAt.size}`);
console.log(`worker: first hot ${firstHot.toFixed(0)} ms, first send ${firstSend.toFixed(0)} ms, first answer ${firstAnswer.toFixed(0)} ms; ${batches} batches`);
console.log(early.join('\n'));

// Histogram of blocks by waiting instructions (powers of 4).
const edges = [0, 1e3, 4e3, 16e3, 64e3, 256e3, 1e6, 4e6, 16e6, Infinity];
console.log('waiting per block: blocks, sum');
for (let i = 0; i + 1 < edges.length; i++) {
  const sel = done_.filter((d) => d.waited >= edges[i]! && d.waited < edges[i + 1]!);
  console.log(`  [${edges[i]!.toExponential(0)}, ${edges[i + 1]!.toExponential(0)}): ${sel.length} blocks, ${M(sel.reduce((a, d) => a + d.waited, 0))}`);
}
const sorted = [...done_].sort((a, b) => b.waited - a.waited);
for (const n of [10, 50, 200, 1000]) console.log(`  top ${n}: ${M(sorted.slice(0, n).reduce((a, d) => a + d.waited, 0))}`);
const first = done_.filter((d) => d.batch === 1);
console.log(`first batch: ${first.length} blocks, ${M(first.reduce((a, d) => a + d.waited, 0))}; later: ${M(traced - first.reduce((a, d) => a + d.waited, 0))}`);
const lat = [0, 25, 50, 100, 200, 400, 1000, Infinity];
console.log('waiting by hot -> attached latency (ms): blocks, sum');
for (let i = 0; i + 1 < lat.length; i++) {
  const sel = done_.filter((d) => d.ms >= lat[i]! && d.ms < lat[i + 1]!);
  console.log(`  [${lat[i]}, ${lat[i + 1]}): ${sel.length} blocks, ${M(sel.reduce((a, d) => a + d.waited, 0))}`);
}
// Waiting by when the block went hot (guest instructions executed, buckets of 500 M).
const byExec = new Map<number, [number, number]>();
for (const d of done_) { const k = Math.floor(d.hotExec / 5e8); const e = byExec.get(k) ?? [0, 0]; e[0]++; e[1] += d.waited; byExec.set(k, e); }
console.log('waiting by when the block went hot (executed, 500 M buckets): blocks, sum');
for (const k of [...byExec.keys()].sort((a, b) => a - b)) console.log(`  ${(k * 0.5).toFixed(1)} G: ${byExec.get(k)![0]} blocks, ${M(byExec.get(k)![1])}`);
console.log(`top ${top}:`);
for (const d of sorted.slice(0, top)) {
  console.log(`  ${(d.b.phys >>> 0).toString(16).padStart(8, '0')} recs ${d.b.recs.length} waited ${M(d.waited)} in ${d.ms.toFixed(0)} ms, batch ${d.batch} of ${d.size}, hot at ${(d.hotExec / 1e9).toFixed(2)} G`);
}
process.exit(0);
