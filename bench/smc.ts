/**
 * Stores into code pages (translator/frontend/blocks.ts invalidation): the
 * issue-7 loops that store into the page they run from and into another
 * page, a loop that patches its own next instruction, and zeroed memory
 * running `add [bx+si],al` into its own page. Prints wall and CPU time per
 * workload (median; CPU time is the steadier one on a busy host) and what
 * the front end did in the last run (blocks decoded / killed).
 *
 *   npm run bench:smc        (builds first)
 *   node dist/bench/smc.js [--runs N]
 */
import { runSnippet, type Mode } from '../src/snippet.js';

const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 5;

function hex(s: string): Uint8Array {
  const h = s.replace(/\s+/g, '');
  return Uint8Array.from({ length: h.length / 2 }, (_, i) => parseInt(h.slice(2 * i, 2 * i + 2), 16));
}

/** Real mode: mov al,1; mov bx,0x1800; xor si,si; then zeroed memory: add [bx+si],al over and over (IP wraps). */
function zeroed(): Uint8Array {
  const code = new Uint8Array(0x1000);
  code.set(hex('b001 bb0018 31f6'));
  return code;
}

const WORKLOADS: { name: string; code: Uint8Array; mode: Mode; max?: number; check: (r: ReturnType<typeof runSnippet>) => boolean }[] = [
  // mov ecx,100000; l: mov [0x1100],al; dec ecx; jnz l; hlt  (the store lands 0x100 bytes after the code)
  { name: 'store into own page', code: hex('b9a0860100 a200110000 49 75f8 f4'), mode: 'protected32', check: (r) => r.instructions === 300_002 },
  // same, storing to 0x2100
  { name: 'store into another page', code: hex('b9a0860100 a200210000 49 75f8 f4'), mode: 'protected32', check: (r) => r.instructions === 300_002 },
  // mov ecx,100000; l: mov [0x100c],cl; mov al,imm8 (patched); dec ecx; jnz l; hlt
  { name: 'patch the next instruction', code: hex('b9a0860100 880d0c100000 b000 49 75f5 f4'), mode: 'protected32', check: (r) => r.instructions === 400_002 && (r.regs.eax & 0xff) === 1 },
  { name: 'zeroed memory: add [bx+si],al', code: zeroed(), mode: 'real', max: 300_000, check: (r) => r.instructions === 300_000 },
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

console.log(`jitvisor bench: stores into code pages, ${RUNS} runs, median\n`);
console.log(`${'workload'.padEnd(32)} ${'instructions'.padStart(12)} ${'wall ms'.padStart(9)} ${'cpu ms'.padStart(9)} ${'M instr/s'.padStart(10)} ${'decoded'.padStart(8)} ${'killed'.padStart(8)}`);
for (const w of WORKLOADS) {
  const times: number[] = [], cpu: number[] = [];
  let last: ReturnType<typeof runSnippet> | null = null;
  runSnippet({ code: w.code, mode: w.mode, maxInstructions: w.max ?? 1e8 }); // warm-up: V8 compiles the hot paths
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now(), c0 = process.cpuUsage();
    const r = runSnippet({ code: w.code, mode: w.mode, maxInstructions: w.max ?? 1e8 });
    const c = process.cpuUsage(c0);
    times.push(performance.now() - t0);
    cpu.push((c.user + c.system) / 1000);
    if (!w.check(r)) throw new Error(`${w.name}: unexpected result (stop ${r.stop}, ${r.instructions} instructions, ${JSON.stringify(r.regs)})`);
    last = r;
  }
  const ms = median(times), r = last!;
  console.log(`${w.name.padEnd(32)} ${String(r.instructions).padStart(12)} ${ms.toFixed(1).padStart(9)} ${median(cpu).toFixed(1).padStart(9)} ${(r.instructions / ms / 1e3).toFixed(1).padStart(10)} ${String(r.frontEnd.blocksDecoded).padStart(8)} ${String(r.frontEnd.blocksKilled).padStart(8)}`);
}
