/**
 * Segment-register loads: real/virtual-8086 mode (base = selector << 4) and
 * protected mode through the GDT/LDT with the checks of SDM vol. 3, 5.4-5.6
 * and the MOV/POP Sreg pseudo-code in vol. 2.
 */
import type { Cpu } from './cpu.js';
import { CS, GDTR_BASE, GDTR_LIMIT, LDTR_BASE, LDTR_LIMIT, SS, w } from './state/layout.js';
import { fault, GP, NP, SS as SS_FAULT } from './exceptions.js';

export interface Descriptor { lo: number; hi: number; base: number; limit: number; flags: number }

/** Read the 8-byte descriptor for `sel`, or raise #GP(sel) when it is outside its table. */
export function readDescriptor(cpu: Cpu, sel: number, vector = GP): Descriptor {
  const s = cpu.s;
  const ldt = (sel & 4) !== 0;
  const tableBase = ldt ? s[w(LDTR_BASE)] : s[w(GDTR_BASE)];
  const tableLimit = ldt ? s[w(LDTR_LIMIT)] : s[w(GDTR_LIMIT)];
  const idx = sel & ~7;
  if (idx + 7 > (tableLimit >>> 0)) fault(vector, sel & ~3);
  // Descriptor-table reads are supervisor accesses whatever the CPL (SDM vol. 3, 4.6).
  const a = (tableBase + idx) | 0;
  const lo = cpu.mmu.sys.read32(a), hi = cpu.mmu.sys.read32((a + 4) | 0);
  return decode(lo, hi);
}

export function decode(lo: number, hi: number): Descriptor {
  const base = ((lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000)) | 0;
  let limit = (lo & 0xffff) | (hi & 0xf0000);
  if (hi & 0x800000) limit = ((limit << 12) | 0xfff) | 0;
  return { lo, hi, base, limit, flags: hi & 0x00f0ff00 };
}

/** MOV/POP/LxS into a data or stack segment register (not CS). */
export function loadSegment(cpu: Cpu, seg: number, sel: number): void {
  sel &= 0xffff;
  if (!cpu.protectedMode || cpu.v86) { cpu.setSegReal(seg, sel); return; }
  const cpl = cpu.cpl, rpl = sel & 3;
  if ((sel & ~3) === 0) {
    if (seg === SS) fault(GP, 0);
    // A null selector loads; using the segment later faults (limit 0, not present).
    cpu.setSegCache(seg, sel, 0, 0, 0);
    return;
  }
  const d = readDescriptor(cpu, sel);
  const type = (d.hi >>> 8) & 0x1f, dpl = (d.hi >>> 13) & 3, present = (d.hi & 0x8000) !== 0;
  const isCode = (type & 0x18) === 0x18, isData = (type & 0x18) === 0x10;
  if (seg === SS) {
    // Writable data segment with RPL = DPL = CPL.
    if (!isData || (type & 2) === 0 || rpl !== cpl || dpl !== cpl) fault(GP, sel & ~3);
    if (!present) fault(SS_FAULT, sel & ~3);
  } else {
    // Data or readable code; for data and non-conforming code, max(CPL, RPL) <= DPL.
    if (!(isData || (isCode && (type & 2) !== 0))) fault(GP, sel & ~3);
    const conforming = isCode && (type & 4) !== 0;
    if (!conforming && (rpl > dpl || cpl > dpl)) fault(GP, sel & ~3);
    if (!present) fault(NP, sel & ~3);
  }
  setAccessed(cpu, sel, d);
  cpu.setSegCache(seg, sel, d.base, d.limit, d.flags);
}

/** Mark a descriptor accessed (bit 40), as the CPU does on a segment load. */
export function setAccessed(cpu: Cpu, sel: number, d: Descriptor): void {
  if (d.hi & 0x100) return;
  const s = cpu.s;
  const tableBase = sel & 4 ? s[w(LDTR_BASE)] : s[w(GDTR_BASE)];
  cpu.mmu.sys.write32((tableBase + (sel & ~7) + 4) | 0, d.hi | 0x100);
}

export { CS };
