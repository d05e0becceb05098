/**
 * Run machine code at CPL 3 in flat 32-bit protected mode (paging off), for
 * tests of privilege checks that the snippet runner (always CPL 0) cannot
 * reach. The machine is fresh per call; `setup` may adjust the state (TSS,
 * CR4, EFLAGS.IOPL, memory...) before the run.
 */
import { Machine } from '../../src/machine.js';
import type { Cpu } from '../../runtime/cpu.js';
import type { RunResult } from '../../runtime/interp/loop.js';
import { decode } from '../../runtime/segments.js';
import { CR0, CS, IDTR_LIMIT, w } from '../../runtime/state/layout.js';

const CODE3 = decode(0x0000ffff, 0x00cffb00); // code, DPL 3, 32-bit, 4 GiB
const DATA3 = decode(0x0000ffff, 0x00cff300); // data, DPL 3, 32-bit, 4 GiB

export function runAtCpl3(code: Uint8Array, setup?: (cpu: Cpu) => void, budget = 100_000, engine: 'interpreter' | 'jit' = 'interpreter'): { cpu: Cpu; res: RunResult } {
  // (the JIT compiles every block before its first run: the compiled form is what runs)
  const m = new Machine({ memoryMiB: 2, engine, jit: { threshold: 0 } });
  const cpu = m.cpu;
  cpu.reset();
  cpu.stopOnNullVector = true;
  cpu.phys.load(0x1000, code);
  cpu.s[w(CR0)] = 0x60000011;
  cpu.s[w(IDTR_LIMIT)] = 0; // no IDT: exceptions stop the run (runtime/interrupts.ts)
  for (let i = 0; i < 6; i++) {
    const d = i === CS ? CODE3 : DATA3;
    cpu.setSegCache(i, i === CS ? 0x1b : 0x23, d.base, d.limit, d.flags);
  }
  cpu.setCpl(3);
  cpu.r32[4] = 0x8000;
  cpu.setEflags(0x2, 0x3f7fd7);
  cpu.eip = 0x1000;
  setup?.(cpu);
  const res = m.run(budget);
  return { cpu, res };
}
