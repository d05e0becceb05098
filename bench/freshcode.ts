/**
 * Fresh code for minutes: test/programs/freshcode.bin patched to a larger
 * code buffer, more calls per function (so each becomes hot and is
 * compiled) and endless passes, run on one machine with the default cache
 * bounds. Prints, every few seconds, RSS, the front end's live blocks and
 * records, the compiled modules and blocks, and what was evicted: the
 * memory must level off.
 *
 *   npm run bench:freshcode -- [--engine jit|interpreter] [--minutes 3] [--slots 65536] [--calls 64] [--every 10]
 *
 * (The test with exact results and tiny bounds is test/jit/cache.test.ts.)
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Machine } from '../src/machine.js';
import { runSnippet } from '../src/snippet.js';

const { values: o } = parseArgs({
  options: {
    engine: { type: 'string', default: 'jit' },
    minutes: { type: 'string', default: '3' },
    slots: { type: 'string', default: '65536' },
    calls: { type: 'string', default: '64' },
    every: { type: 'string', default: '10' },
  },
});

const bin = new Uint8Array(readFileSync(fileURLToPath(new URL('../../test/programs/freshcode.bin', import.meta.url))));

/** Replace the one occurrence of `from` (an instruction with its imm32) by the same opcode bytes with `imm`. */
function patch(opcode: number[], oldImm: number, imm: number): void {
  const pat = [...opcode, ...[0, 8, 16, 24].map((s) => (oldImm >>> s) & 0xff)];
  const at: number[] = [];
  for (let i = 0; i + pat.length <= bin.length; i++) if (pat.every((b, k) => bin[i + k] === b)) at.push(i);
  if (at.length !== 1) throw new Error(`freshcode.bin: expected one ${pat.map((b) => b.toString(16)).join(' ')}, found ${at.length}`);
  new DataView(bin.buffer, bin.byteOffset).setUint32(at[0] + opcode.length, imm, true);
}

const slots = Number(o.slots);
if (slots & (slots - 1) || slots > 262144) throw new Error('--slots: a power of two, at most 262144 (8 MiB of code at 0x20000)');
patch([0x81, 0xe7], 255, slots - 1);     // and edi, SLOTS - 1
patch([0xba], 4, Number(o.calls));       // mov edx, CALLS
patch([0x81, 0xfd], 768, 0x7fffffff);    // cmp ebp, SLOTS * PASSES: run until stopped

const m = new Machine({ memoryMiB: 16, engine: o.engine as 'jit' | 'interpreter' });
const t0 = performance.now();
const endMs = Number(o.minutes) * 60_000;
let next = 0, executed = 0;
class Stop extends Error {}

process.stdout.write('   s   M instr   RSS MiB  live blocks  live records  modules  compiled  evicted (front end / code modules)\n');
try {
  runSnippet({
    machine: m, code: bin, maxInstructions: Number.MAX_SAFE_INTEGER, slice: 1_000_000,
    onSlice: () => {
      executed += 1_000_000;
      const t = performance.now() - t0;
      if (t < next && t < endMs) return;
      next = t + Number(o.every) * 1000;
      const f = m.frontEnd.stats, j = m.jit;
      process.stdout.write(`${(t / 1000).toFixed(0).padStart(4)} ${(executed / 1e6).toFixed(0).padStart(9)} ` +
        `${(process.memoryUsage.rss() / 1048576).toFixed(0).padStart(9)} ${String(f.liveBlocks).padStart(12)} ${String(f.liveRecords).padStart(13)} ` +
        `${String(j?.cache.moduleCount ?? '-').padStart(8)} ${String(j?.cache.blockCount ?? '-').padStart(9)}  ${f.evicted} / ${j?.counters.evictedModules ?? '-'}\n`);
      if (t >= endMs) throw new Stop();
    },
  });
} catch (e) {
  if (!(e instanceof Stop)) throw e;
}
if (m.jit) process.stdout.write(`JIT: ${m.jit.counters.summary()}\n`);
process.exit(0);
