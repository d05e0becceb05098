/**
 * Task-state segment access: the inner-level stack pointers used by
 * privilege-changing interrupts and calls (SDM vol. 3, 7.2.1 and 6.12.1).
 */
import type { Cpu } from './cpu.js';
import { TR_BASE, TR_FLAGS, TR_LIMIT, w } from './state/layout.js';
import { fault, TS } from './exceptions.js';

/** True when TR holds a 32-bit TSS (type 9/11), false for a 16-bit one (1/3). */
export function tss32(cpu: Cpu): boolean {
  return ((cpu.s[w(TR_FLAGS)] >>> 8) & 0x8) !== 0;
}

/** SS:ESP for privilege level `dpl` from the current TSS; #TS(TR) when outside its limit. TSS reads are supervisor accesses. */
export function innerStack(cpu: Cpu, dpl: number, ext: number): { ss: number; esp: number } {
  const base = cpu.s[w(TR_BASE)], limit = cpu.s[w(TR_LIMIT)] >>> 0;
  const trSel = cpu.segSelTr();
  if (tss32(cpu)) {
    const off = 4 + dpl * 8;
    if (off + 5 > limit) fault(TS, (trSel & ~3) | ext);
    return { esp: cpu.mmu.sys.read32((base + off) | 0), ss: cpu.mmu.sys.read16((base + off + 4) | 0) };
  }
  const off = 2 + dpl * 4;
  if (off + 3 > limit) fault(TS, (trSel & ~3) | ext);
  return { esp: cpu.mmu.sys.read16((base + off) | 0), ss: cpu.mmu.sys.read16((base + off + 2) | 0) };
}
