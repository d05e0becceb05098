/**
 * The guest state `jitvisor compare` compares between engines: general,
 * segment and control registers, EIP, EFLAGS (materialised), and guest RAM
 * (hashed, or compared page by page when both machines are in this process).
 */
import { createHash } from 'node:crypto';
import type { Pc } from '../pc.js';
import { CR0, CR2, CR3, CR4, EIP, REGS, SEG_BASE, SEG_SEL, w } from '../../runtime/state/layout.js';

export interface EndState { regs: Record<string, number>; ramSha256: string; stateSha256: string }

/** Registers by name (unsigned). */
export function registers(pc: Pc): Record<string, number> {
  const cpu = pc.cpu, s = cpu.s;
  const regs: Record<string, number> = {};
  ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'].forEach((n, i) => { regs[n] = s[w(REGS) + i]! >>> 0; });
  regs.eip = s[w(EIP)]! >>> 0;
  regs.eflags = cpu.getEflags() >>> 0;
  ['es', 'cs', 'ss', 'ds', 'fs', 'gs'].forEach((n, i) => { regs[n] = s[w(SEG_SEL) + i]! >>> 0; regs[`${n}.base`] = s[w(SEG_BASE) + i]! >>> 0; });
  regs.cr0 = s[w(CR0)]! >>> 0; regs.cr2 = s[w(CR2)]! >>> 0; regs.cr3 = s[w(CR3)]! >>> 0; regs.cr4 = s[w(CR4)]! >>> 0;
  return regs;
}

/** Guest RAM (a view, not a copy). */
export function guestRam(pc: Pc): Uint8Array {
  const phys = pc.cpu.phys;
  return phys.u8.subarray(phys.buffer.byteLength - phys.ramSize);
}

export function endState(pc: Pc): EndState {
  const regs = registers(pc);
  return {
    regs,
    ramSha256: createHash('sha256').update(guestRam(pc)).digest('hex'),
    stateSha256: createHash('sha256').update(JSON.stringify(regs)).digest('hex'),
  };
}

/** Names of the registers that differ. */
export function registerDiffs(a: Record<string, number>, b: Record<string, number>): string[] {
  return Object.keys(a).filter((k) => a[k] !== b[k]);
}

export interface PageDiff { addr: number; bytes: number }

/** The 4 KiB pages of guest RAM that differ, with how many bytes differ in each. */
export function ramDiffs(a: Uint8Array, b: Uint8Array): PageDiff[] {
  const out: PageDiff[] = [];
  const ba = Buffer.from(a.buffer, a.byteOffset, a.byteLength), bb = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  if (ba.equals(bb)) return out;
  const n = Math.min(a.length, b.length);
  for (let p = 0; p < n; p += 4096) {
    const e = Math.min(p + 4096, n);
    if (ba.compare(bb, p, e, p, e) === 0) continue;
    let bytes = 0;
    for (let i = p; i < e; i++) if (a[i] !== b[i]) bytes++;
    out.push({ addr: p, bytes });
  }
  return out;
}
