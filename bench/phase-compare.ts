/**
 * Same state on every engine from a phase snapshot: restore it on the
 * interpreter and on the JIT with each JitOptions given, run N instructions
 * (the snapshots are deterministic-clock), and compare RAM, the general
 * registers, EIP and the x87 block (layout.ts FPU .. FPU + FPU_SIZE).
 *
 *   node dist/bench/phase-compare.js SNAPSHOT [--instructions N] [--jit JSON]...
 *
 * Default: the JIT with {} and with {"x87":false}. Exits 1 when they differ.
 */
import { createHash } from 'node:crypto';
import { Machine } from '../src/vm.js';
import type { JitOptions } from '../translator/jit/engine.js';
import { EIP, FPU, FPU_SIZE, RAM_BASE, REGS } from '../runtime/state/layout.js';

const args = process.argv.slice(2);
const snap = args.shift();
if (snap === undefined) { process.stderr.write('usage: phase-compare SNAPSHOT [--instructions N] [--jit JSON]...\n'); process.exit(2); }
const ni = args.indexOf('--instructions');
const n = ni >= 0 ? Number(args[ni + 1]) : 2e8;
const jits: JitOptions[] = args.flatMap((a, i) => (a === '--jit' ? [JSON.parse(args[i + 1]!) as JitOptions] : []));
if (jits.length === 0) jits.push({}, { x87: false });
const info = await Machine.snapshotInfo(snap);
const runs: { name: string; opts: { engine: 'interpreter' | 'jit'; jit?: JitOptions } }[] = [
  { name: 'interpreter', opts: { engine: 'interpreter' } },
  ...jits.map((j) => ({ name: `jit ${JSON.stringify(j)}`, opts: { engine: 'jit' as const, jit: j } })),
];
const h = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex').slice(0, 16);
let first: string | null = null, same = true;
for (const { name, opts } of runs) {
  const m = await Machine.restore(snap, opts);
  await m.run({ instructions: n });
  const cpu = (m as unknown as { pc: { machine: { cpu: { phys: { buffer: ArrayBuffer } } } } }).pc.machine.cpu;
  const buf = new Uint8Array(cpu.phys.buffer);
  const state = {
    ram: h(buf.subarray(RAM_BASE, RAM_BASE + info.memoryMiB * 1024 * 1024)),
    regs: Array.from(new Uint32Array(cpu.phys.buffer, REGS, 8), (x) => x.toString(16)).join(','),
    eip: new Uint32Array(cpu.phys.buffer, EIP, 1)[0]!.toString(16),
    fpu: h(buf.subarray(FPU, FPU + FPU_SIZE)),
    instructions: m.status().instructions,
  };
  const key = JSON.stringify(state);
  first ??= key;
  if (key !== first) same = false;
  process.stdout.write(`${name.padEnd(28)} ${key}\n`);
}
process.stdout.write(same ? 'same state on every engine\n' : 'DIFFERENT\n');
process.exit(same ? 0 : 1);
