/**
 * Which instruction forms the default guest executes, and whether the JIT
 * generates them inline: boots the kernel in deterministic mode on the
 * interpreter for N instructions and prints the per-form histogram
 * (translator/jit/profile.ts). The result is kept in bench/results/.
 *
 *   node dist/bench/histogram.js [instructions=2e9] [--json FILE]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Pc } from '../src/pc.js';
import { histogram } from '../translator/jit/profile.js';

const guests = fileURLToPath(new URL('../../guests/', import.meta.url));
const n = Number(process.argv[2] ?? 2e9);
const jsonAt = process.argv.indexOf('--json');
const pc = new Pc({ memoryMiB: 128, engine: 'interpreter', clock: 'deterministic' });
pc.bootLinux(new Uint8Array(readFileSync(guests + 'linux-686.bzImage')), 'linux-686.bzImage', 'console=ttyS0',
  new Uint8Array(readFileSync(guests + 'initramfs.cpio.gz')), 'initramfs.cpio.gz');
await pc.run(n);
const h = histogram(pc.machine.frontEnd.liveBlocks());
const total = h.reduce((a, c) => a + c.count, 0);
let acc = 0, inl = 0;
console.log(`${pc.executed} instructions run; histogram over ${total} record executions (block hits x records)`);
for (const c of h.slice(0, 60)) {
  acc += c.count;
  console.log(`${((100 * c.count) / total).toFixed(2).padStart(6)}%  ${((100 * acc) / total).toFixed(1).padStart(5)}%  ${c.inline ? 'inline ' : 'callout'}  ${c.form}`);
}
for (const c of h) if (c.inline) inl += c.count;
console.log(`inline share (static, assuming tracked flags for Jcc): ${((100 * inl) / total).toFixed(1)}%`);
if (jsonAt > 0) writeFileSync(process.argv[jsonAt + 1]!, JSON.stringify({ instructions: pc.executed, total, forms: h }, null, 1));
process.exit(0);
