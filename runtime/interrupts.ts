/**
 * Exception and interrupt delivery. Real mode (and the snippet runner's
 * "nothing handles it" rule) is here now; protected-mode delivery through
 * the IDT (gates, privilege switches, task gates, double fault) is the
 * system-CPU work and will land in this module.
 */
import type { Cpu } from './cpu.js';
import { CS, IDTR_BASE, IDTR_LIMIT, w } from './state/layout.js';
import { AC, IF, RF, TF } from './state/eflags.js';
import { vectorName } from './exceptions.js';

export interface Unhandled {
  vector: number;
  errorCode: number;
  eip: number;
  reason: string;
}

/**
 * Deliver `vector` with the return address `retEip` (the faulting instruction
 * for faults, the next one for traps and INT n). Returns null when delivered,
 * or what stopped the machine when nothing handles it.
 */
export function deliver(cpu: Cpu, vector: number, errorCode: number, retEip: number, software: boolean): Unhandled | null {
  if (!cpu.protectedMode) return deliverReal(cpu, vector, errorCode, retEip);
  void software;
  return { vector, errorCode, eip: retEip, reason: `${vectorName(vector)} in protected mode: IDT delivery is not implemented yet` };
}

function deliverReal(cpu: Cpu, vector: number, errorCode: number, retEip: number): Unhandled | null {
  const s = cpu.s;
  const idtBase = s[w(IDTR_BASE)], idtLimit = s[w(IDTR_LIMIT)] >>> 0;
  if (vector * 4 + 3 > idtLimit) {
    return { vector, errorCode, eip: retEip, reason: `${vectorName(vector)} outside the real-mode IVT limit` };
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
