/**
 * Operand access shared by every family: effective addresses and sized
 * register/memory reads and writes. Written once; handlers specialise by
 * operand form and call these.
 */
import type { Cpu } from '../cpu.js';
import { OP_MEM, OP_REG, type Rec } from '../records.js';
import { SEG_BASE, SEG_HI, SEG_LO, SS, w } from '../state/layout.js';
import { fault, GP, SS as SS_FAULT } from '../exceptions.js';
import { outOfBounds } from '../u32.js';

const W_SEG_BASE = w(SEG_BASE), W_SEG_LO = w(SEG_LO), W_SEG_HI = w(SEG_HI);

/** Offset (effective address) of the record's memory operand, wrapped to the address size. */
export function offset(cpu: Cpu, r: Rec): number {
  const R = cpu.r32;
  let off = r.disp;
  if (r.base >= 0) off += R[r.base];
  if (r.index >= 0) off += R[r.index] << r.scale;
  return r.asz === 2 ? off & 0xffff : off | 0;
}

/**
 * Linear address of the record's memory operand, after the segment limit
 * and type check for its whole size (#GP(0), or #SS(0) for SS): the bounds
 * are the read or write bounds of the segment as `r.bnd` says.
 */
export function ea(cpu: Cpu, r: Rec): number {
  const R = cpu.r32, s = cpu.s, b = r.bnd;
  let off = r.disp;
  if (r.base >= 0) off += R[r.base];
  if (r.index >= 0) off += R[r.index] << r.scale;
  off = r.asz === 2 ? off & 0xffff : off | 0;
  if (outOfBounds(off, r.msz, s[W_SEG_LO + b], s[W_SEG_HI + b])) segmentFault(r.seg);
  return (s[W_SEG_BASE + r.seg] + off) | 0;
}

/** ea() for the commonest form, [base + disp] with 32-bit addressing (see isBaseDisp32). */
export function eaBaseDisp(cpu: Cpu, r: Rec): number {
  const s = cpu.s, b = r.bnd, off = (cpu.r32[r.base] + r.disp) | 0;
  if (outOfBounds(off, r.msz, s[W_SEG_LO + b], s[W_SEG_HI + b])) segmentFault(r.seg);
  return (s[W_SEG_BASE + r.seg] + off) | 0;
}
export const isBaseDisp32 = (r: Rec): boolean => r.asz === 4 && r.base >= 0 && r.index < 0;

function segmentFault(seg: number): never {
  return fault(seg === SS ? SS_FAULT : GP, 0);
}

export function getReg(cpu: Cpu, size: number, i: number): number {
  return size === 4 ? cpu.r32[i] : size === 2 ? cpu.r16[i] : cpu.r8[i];
}
export function setReg(cpu: Cpu, size: number, i: number, v: number): void {
  if (size === 4) cpu.r32[i] = v; else if (size === 2) cpu.r16[i] = v; else cpu.r8[i] = v;
}

export function readMem(cpu: Cpu, size: number, lin: number): number {
  const m = cpu.mmu;
  return size === 4 ? m.read32(lin) : size === 2 ? m.read16(lin) : m.read8(lin);
}
/** Read for a read-modify-write: write permission is checked first. */
export function readMemW(cpu: Cpu, size: number, lin: number): number {
  const m = cpu.mmu;
  return size === 4 ? m.readW32(lin) : size === 2 ? m.readW16(lin) : m.readW8(lin);
}
export function writeMem(cpu: Cpu, size: number, lin: number, v: number): void {
  const m = cpu.mmu;
  if (size === 4) m.write32(lin, v); else if (size === 2) m.write16(lin, v); else m.write8(lin, v);
}

/** Operand 0 (register or memory) read with operand size `r.osz`. */
export function readOp0(cpu: Cpu, r: Rec): number {
  return r.k0 === OP_REG ? getReg(cpu, r.osz, r.r0) : readMem(cpu, r.osz, ea(cpu, r));
}
/** Operand 1 (register, memory or immediate) read with size `size`. */
export function readOp1(cpu: Cpu, r: Rec, size: number): number {
  if (r.k1 === OP_REG) return getReg(cpu, size, r.r1);
  if (r.k1 === OP_MEM) return readMem(cpu, size, ea(cpu, r));
  return r.imm;
}
export function writeOp0(cpu: Cpu, r: Rec, v: number): void {
  if (r.k0 === OP_REG) setReg(cpu, r.osz, r.r0, v);
  else writeMem(cpu, r.osz, ea(cpu, r), v);
}

/** Sign-extend the low `size` bytes of v to 32 bits. */
export function sext(size: number, v: number): number {
  return size === 4 ? v | 0 : size === 2 ? (v << 16) >> 16 : (v << 24) >> 24;
}
/** Zero-extend the low `size` bytes of v (result is an unsigned number). */
export function zext(size: number, v: number): number {
  return size === 4 ? v >>> 0 : size === 2 ? v & 0xffff : v & 0xff;
}

export { OP_MEM, OP_REG };
