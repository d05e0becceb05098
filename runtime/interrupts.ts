/**
 * Exception and interrupt delivery: real mode through the IVT, protected
 * mode through the IDT (runtime/protected-interrupts.ts), and the SDM's
 * double-fault rules (vol. 3, 6.15, table 6-5): a contributory fault or page
 * fault while delivering one becomes #DF; a fault while delivering #DF is a
 * triple fault, which shuts the processor down (the machine resets).
 */
import type { Cpu } from './cpu.js';
import { CS, IDTR_BASE, IDTR_LIMIT, w } from './state/layout.js';
import { AC, IF, RF, TF } from './state/eflags.js';
import { DF, GuestFault, PF, vectorName } from './exceptions.js';
import { deliverProtected } from './protected-interrupts.js';

export interface Unhandled {
  vector: number;
  errorCode: number;
  eip: number;
  reason: string;
  /** The processor shut down (triple fault): a PC resets. */
  tripleFault?: boolean;
}

const CONTRIBUTORY = new Set([0, 10, 11, 12, 13]);

function escalates(first: number, second: number): boolean {
  if (first === PF) return second === PF || CONTRIBUTORY.has(second);
  return CONTRIBUTORY.has(first) && CONTRIBUTORY.has(second);
}

/**
 * Deliver `vector` with the return address `retEip` (the faulting instruction
 * for faults, the next one for traps and INT n). `software` marks INT n /
 * INT3 / INTO. `faultEip` is the return address of a fault raised while
 * delivering: for INT n / INT3 / INTO the instruction itself (a fault is
 * reported on the instruction that caused it, SDM vol. 3, 6.5 — e.g. the
 * #GP/#NP of a bad gate points at the INT, so the handler can fix the gate and
 * restart it); for exceptions and external interrupts the same as retEip.
 * Returns null when delivered, or what stopped the machine.
 */
export function deliver(cpu: Cpu, vector: number, errorCode: number, retEip: number, software: boolean, faultEip: number = retEip): Unhandled | null {
  if (!cpu.protectedMode) return deliverReal(cpu, vector, errorCode, retEip);
  if (cpu.stopOnNullVector && (cpu.s[w(IDTR_LIMIT)] >>> 0) === 0) {
    return { vector, errorCode, eip: retEip, reason: `${vectorName(vector)} with no IDT loaded` };
  }
  let v = vector, code = errorCode;
  for (;;) {
    try {
      deliverProtected(cpu, v, code, retEip, software && v === vector);
      return null;
    } catch (e) {
      if (!(e instanceof GuestFault)) throw e;
      if (v === DF) {
        return { vector: DF, errorCode: 0, eip: retEip, reason: `triple fault: ${e.name} while delivering #DF (first: ${vectorName(vector)})`, tripleFault: true };
      }
      if (escalates(v, e.vector)) { v = DF; code = 0; }
      else { v = e.vector; code = e.errorCode; }
      software = false;
      // A fault after a task gate's switch committed is the new task's (see taskSwitch).
      if (e.taskEip !== undefined) faultEip = e.taskEip;
      retEip = faultEip;
    }
  }
}

function deliverReal(cpu: Cpu, vector: number, errorCode: number, retEip: number): Unhandled | null {
  const s = cpu.s;
  const idtBase = s[w(IDTR_BASE)], idtLimit = s[w(IDTR_LIMIT)] >>> 0;
  if (vector * 4 + 3 > idtLimit) {
    // Real mode: an IVT too short for the vector is a #GP, and that one a #DF, then shutdown.
    return { vector, errorCode, eip: retEip, reason: `${vectorName(vector)} outside the real-mode IVT limit: triple fault`, tripleFault: true };
  }
  const entry = cpu.mmu.read32((idtBase + vector * 4) | 0);
  if (entry === 0 && cpu.stopOnNullVector) {
    return { vector, errorCode, eip: retEip, reason: `${vectorName(vector)} with no handler (IVT entry 0000:0000)` };
  }
  const flags = cpu.getEflags();
  cpu.push16(flags);
  cpu.push16(cpu.segSel(CS));
  cpu.push16(retEip);
  cpu.setEflags(0, IF | TF | AC | RF);
  cpu.setSegReal(CS, entry >>> 16);
  cpu.eip = entry & 0xffff;
  return null;
}
