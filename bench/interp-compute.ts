/**
 * Interpreter throughput on a 32-bit compute loop (bench/programs/compute.asm:
 * checksum over 64 KiB x 60 rounds + an insertion sort), side by side with the
 * same algorithm compiled natively (bench/programs/compute.c, gcc -m32 -O2)
 * when gcc is available. Prints guest instructions per second and ratios.
 *
 *   npm run bench            (builds first)
 *   node dist/bench/interp-compute.js [--runs N]
 */
import { readFileSync, mkdtempSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runSnippet, type EngineName } from '../src/snippet.js';
import { Machine, EngineUnavailable } from '../src/machine.js';

const here = fileURLToPath(new URL('../../bench/programs/', import.meta.url));
const code = new Uint8Array(readFileSync(join(here, 'compute.bin')));
// From compute.c run natively (gcc -m32 -O2) on the development host.
const EXPECTED = { eax: 2452651781, ebx: 2334606241, edx: 2734151002 };

const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 7;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function timeEngine(engine: EngineName): { mips: number; best: number; instr: number } | string {
  try { new Machine({ engine, memoryMiB: 2 }); } catch (e) { if (e instanceof EngineUnavailable) return e.message; throw e; }
  const times: number[] = [];
  let instr = 0;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const r = runSnippet({ code, engine, maxInstructions: 1e9 });
    const t1 = performance.now();
    if (r.stop !== 'hlt' || r.regs.eax !== EXPECTED.eax || r.regs.ebx !== EXPECTED.ebx || r.regs.edx !== EXPECTED.edx) {
      throw new Error(`${engine}: wrong result ${JSON.stringify(r.regs)} (stop ${r.stop}); expected ${JSON.stringify(EXPECTED)}`);
    }
    instr = r.instructions;
    times.push((t1 - t0) / 1000);
  }
  return { mips: instr / median(times) / 1e6, best: instr / Math.min(...times) / 1e6, instr };
}

function timeNative(): number | string {
  try {
    const dir = mkdtempSync(join(tmpdir(), 'jitvisor-bench-'));
    const exe = join(dir, 'compute');
    execFileSync('gcc', ['-m32', '-O2', join(here, 'compute.c'), '-o', exe], { stdio: 'pipe' });
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      const out = execFileSync(exe, { encoding: 'utf8' });
      times.push((performance.now() - t0) / 1000);
      if (!out.includes(`eax=${EXPECTED.eax} `)) throw new Error(`native result differs: ${out}`);
    }
    return median(times);
  } catch (e) {
    return `native reference unavailable (${(e as Error).message.split('\n')[0]})`;
  }
}

console.log(`jitvisor bench: compute loop (${code.length} bytes of guest code), ${RUNS} runs, median\n`);
const rows: [string, string][] = [];
const interp = timeEngine('interpreter');
if (typeof interp === 'string') throw new Error(interp);
rows.push(['interpreter', `${interp.mips.toFixed(1)} M guest instr/s (best ${interp.best.toFixed(1)}), ${interp.instr} instructions, ${(interp.instr / interp.mips / 1e6).toFixed(3)} s`]);
const jit = timeEngine('jit');
rows.push(['jit', typeof jit === 'string' ? `n/a: ${jit}` : `${jit.mips.toFixed(1)} M guest instr/s, ${(jit.mips / interp.mips).toFixed(2)}x interpreter`]);
const native = timeNative();
if (typeof native === 'number') {
  rows.push(['native (gcc -O2, whole process)', `${native.toFixed(3)} s; interpreter is ${((interp.instr / interp.mips / 1e6) / native).toFixed(1)}x slower`]);
} else rows.push(['native', native]);
for (const [k, v] of rows) console.log(`${k.padEnd(34)} ${v}`);
