/**
 * Shifts and rotates: ROL ROR RCL RCR SHL/SAL SHR SAR (by 1, imm8, CL; r/m
 * 8/16/32) and the double shifts SHLD SHRD (imm8, CL; 16/32). The operation
 * is `r.shift` (SH_* from runtime/isa/shift.ts, x86 /digit order).
 *
 * Semantics: Intel SDM vol. 2B "SAL/SAR/SHL/SHR", "RCL/RCR/ROL/ROR",
 * "SHLD", "SHRD". The count is masked to 5 bits; RCL/RCR of 8/16-bit
 * operands then rotate modulo 9/17. A (masked, resp. effective) count of 0
 * changes nothing, not even flags.
 *
 * Flags the SDM leaves undefined follow the real CPU (checked on an Intel
 * family 6 host with test/fixtures/gen/runner.c):
 *  - OF for counts other than 1 is computed exactly as for a 1-bit shift of the
 *    *original* operand (SHL/ROL/RCL: MSB ^ next bit; SHR: MSB; SAR: 0;
 *    ROR: MSB ^ LSB; RCR: MSB ^ CF-in; SHLD: MSB ^ next bit of dest;
 *    SHRD: MSB of dest ^ LSB of source). So OF never depends on the count.
 *    Exception: ROL/ROR of a *register* by an *immediate* count other than 1
 *    leave OF unchanged (by CL, or on memory, they compute it as above). The
 *    binder selects handlers for these forms that use the pseudo-ops ROL_I/ROR_I.
 *  - AF is cleared by SHL/SHR/SAR/SHLD/SHRD (count != 0); rotates do not touch
 *    AF, SF, ZF or PF.
 *  - CF for SHL/SHR with count >= operand size is the last bit shifted out
 *    (0 once the count exceeds the size), as if shifting one bit at a time.
 *  - SHLD/SHRD r/m16 with count 17..31: the CPU shifts the 48-bit value
 *    dest:src:dest (result, CF, SF/ZF/PF from it; OF and AF as above).
 *
 * Flags are half lazy: CF/OF/AF are written eagerly, SF/ZF/PF are lazy from
 * the result (K_RESULT).
 */
import type { Cpu } from '../../cpu.js';
import type { Rec } from '../../records.js';
import { OP_IMM, OP_MEM, OP_REG } from '../../records.js';
import { K_RESULT, getCF, szCode, W_EFLAGS, W_MASK, W_OP, W_RES } from '../../flags.js';
import { AF, CF, OF, PF, SF, ZF } from '../../state/eflags.js';
import { bind } from '../table.js';
import { SH_RCL as RCL, SH_RCR as RCR, SH_ROL as ROL, SH_ROR as ROR, SH_SAL as SAL, SH_SAR as SAR, SH_SHL as SHL, SH_SHR as SHR, SH_SHRD } from '../../isa/shift.js';
import { ea, getReg, readMemW, setReg, writeMem } from '../operands.js';

/** shiftOp pseudo-ops for ROL/ROR by an immediate count != 1: like ROL/ROR but OF is left unchanged (never in a record). */
export const ROL_I = 16, ROR_I = 17;

const SZP = SF | ZF | PF;
const COA = CF | OF | AF;
const CL = 4; // r8 index of CL

/** Result flags of SHL/SHR/SAR/SHLD/SHRD: CF/OF eager (`cfof`, OF at bit 11), AF = 0, SF/ZF/PF lazy from `res`. */
function shFlags(s: Int32Array, sz: number, res: number, cfof: number): void {
  s[W_EFLAGS] = (s[W_EFLAGS] & ~COA) | cfof;
  s[W_OP] = (K_RESULT << 2) | sz;
  s[W_RES] = res;
  s[W_MASK] = SZP;
}
/** Rotates change only CF and OF; the other flags keep whatever (lazy) state they had. */
function rotFlags(s: Int32Array, cfof: number): void {
  s[W_MASK] &= ~(CF | OF);
  s[W_EFLAGS] = (s[W_EFLAGS] & ~(CF | OF)) | cfof;
}

function rotCF(s: Int32Array, cf: number): void {
  s[W_MASK] &= ~CF;
  s[W_EFLAGS] = (s[W_EFLAGS] & ~CF) | cf;
}

/**
 * Shift/rotate the operand `v` (zero-extended, size `n` bytes) by the masked
 * count `c` (1..31), set the flags, and return the result (bits above the
 * operand size may be garbage: the sized write drops them).
 * RCL/RCR with an effective count of 0 return `v` and leave the flags alone.
 */
export function shiftOp(s: Int32Array, op: number, n: number, v: number, c: number): number {
  const bits = n << 3, sz = szCode(n);
  switch (op) {
    case ROL: {
      const k = c & (bits - 1);
      const res = k === 0 ? v : ((v << k) | (v >>> (bits - k)));
      rotFlags(s, (res & 1) | ((((v >>> (bits - 1)) ^ (v >>> (bits - 2))) & 1) << 11));
      return res;
    }
    case ROR: {
      const k = c & (bits - 1);
      const res = k === 0 ? v : ((v >>> k) | (v << (bits - k)));
      rotFlags(s, ((res >>> (bits - 1)) & 1) | (((v ^ (v >>> (bits - 1))) & 1) << 11));
      return res;
    }
    case ROL_I: {
      const k = c & (bits - 1);
      const res = k === 0 ? v : ((v << k) | (v >>> (bits - k)));
      rotCF(s, res & 1);
      return res;
    }
    case ROR_I: {
      const k = c & (bits - 1);
      const res = k === 0 ? v : ((v >>> k) | (v << (bits - k)));
      rotCF(s, (res >>> (bits - 1)) & 1);
      return res;
    }
    case RCL: {
      const cin = getCF(s);
      let res: number, cf: number;
      if (n === 4) {
        res = (v << c) | (cin << (c - 1)) | (c === 1 ? 0 : v >>> (33 - c));
        cf = (v >>> (32 - c)) & 1;
      } else {
        const k = c % (bits + 1);
        if (k === 0) return v;
        const x = (cin << bits) | v;
        const y = (x << k) | (x >>> (bits + 1 - k));
        res = y; cf = (y >>> bits) & 1;
      }
      rotFlags(s, cf | ((((v >>> (bits - 1)) ^ (v >>> (bits - 2))) & 1) << 11));
      return res;
    }
    case RCR: {
      const cin = getCF(s);
      let res: number, cf: number;
      if (n === 4) {
        res = (v >>> c) | (cin << (32 - c)) | (c === 1 ? 0 : v << (33 - c));
        cf = (v >>> (c - 1)) & 1;
      } else {
        const k = c % (bits + 1);
        if (k === 0) return v;
        const x = (cin << bits) | v;
        const y = (x >>> k) | (x << (bits + 1 - k));
        res = y; cf = (y >>> bits) & 1;
      }
      rotFlags(s, cf | (((cin ^ (v >>> (bits - 1))) & 1) << 11));
      return res;
    }
    case SHL: case SAL: {
      const res = v << c;
      const cf = c <= bits ? (v >>> (bits - c)) & 1 : 0;
      shFlags(s, sz, res, cf | ((((v >>> (bits - 1)) ^ (v >>> (bits - 2))) & 1) << 11));
      return res;
    }
    case SHR: {
      const res = v >>> c;
      shFlags(s, sz, res, ((v >>> (c - 1)) & 1) | (((v >>> (bits - 1)) & 1) << 11));
      return res;
    }
    default: { // SAR
      const x = n === 4 ? v : n === 2 ? (v << 16) >> 16 : (v << 24) >> 24;
      const res = x >> c;
      shFlags(s, sz, res, (x >> (c - 1)) & 1);
      return res;
    }
  }
}

// ---- hot 32-bit register forms ----------------------------------------------

function shl32RI(cpu: Cpu, r: Rec): void {
  const R = cpu.r32, s = cpu.s, c = r.imm & 31, v = R[r.r0], res = v << c;
  R[r.r0] = res;
  s[W_EFLAGS] = (s[W_EFLAGS] & ~COA) | ((v >>> (32 - c)) & 1) | ((((v ^ (v << 1)) >>> 31)) << 11);
  s[W_OP] = (K_RESULT << 2) | 2; s[W_RES] = res; s[W_MASK] = SZP;
}
function shr32RI(cpu: Cpu, r: Rec): void {
  const R = cpu.r32, s = cpu.s, c = r.imm & 31, v = R[r.r0], res = v >>> c;
  R[r.r0] = res;
  s[W_EFLAGS] = (s[W_EFLAGS] & ~COA) | ((v >>> (c - 1)) & 1) | ((v >>> 31) << 11);
  s[W_OP] = (K_RESULT << 2) | 2; s[W_RES] = res; s[W_MASK] = SZP;
}
function sar32RI(cpu: Cpu, r: Rec): void {
  const R = cpu.r32, s = cpu.s, c = r.imm & 31, v = R[r.r0], res = v >> c;
  R[r.r0] = res;
  s[W_EFLAGS] = (s[W_EFLAGS] & ~COA) | ((v >> (c - 1)) & 1);
  s[W_OP] = (K_RESULT << 2) | 2; s[W_RES] = res; s[W_MASK] = SZP;
}
/** ROL/ROR r32 by an immediate count 2..31: CF only (OF unchanged, see the header). */
function rol32RI(cpu: Cpu, r: Rec): void {
  const R = cpu.r32, s = cpu.s, c = r.imm & 31, v = R[r.r0], res = (v << c) | (v >>> (32 - c));
  R[r.r0] = res;
  s[W_MASK] &= ~CF;
  s[W_EFLAGS] = (s[W_EFLAGS] & ~CF) | (res & 1);
}
function ror32RI(cpu: Cpu, r: Rec): void {
  const R = cpu.r32, s = cpu.s, c = r.imm & 31, v = R[r.r0], res = (v >>> c) | (v << (32 - c));
  R[r.r0] = res;
  s[W_MASK] &= ~CF;
  s[W_EFLAGS] = (s[W_EFLAGS] & ~CF) | (res >>> 31);
}
/** 32-bit register shift by CL: the common variable shift. */
function shift32RC(cpu: Cpu, r: Rec): void {
  const c = cpu.r8[CL] & 31;
  if (c === 0) return;
  const R = cpu.r32;
  R[r.r0] = shiftOp(cpu.s, r.shift, 4, R[r.r0], c);
}

// ---- generic forms -------------------------------------------------------------

function nop(): void { /* count 0: no effect */ }

function shiftRI(cpu: Cpu, r: Rec): void {
  const n = r.osz;
  setReg(cpu, n, r.r0, shiftOp(cpu.s, r.shift, n, getReg(cpu, n, r.r0), r.imm & 31));
}
/** ROL/ROR r8/r16 by an immediate count other than 1: OF unchanged (see the header). */
function rotImmRI(cpu: Cpu, r: Rec): void {
  const n = r.osz;
  setReg(cpu, n, r.r0, shiftOp(cpu.s, r.shift === ROL ? ROL_I : ROR_I, n, getReg(cpu, n, r.r0), r.imm & 31));
}
function shiftRC(cpu: Cpu, r: Rec): void {
  const c = cpu.r8[CL] & 31;
  if (c === 0) return;
  const n = r.osz;
  setReg(cpu, n, r.r0, shiftOp(cpu.s, r.shift, n, getReg(cpu, n, r.r0), c));
}
function shiftM(cpu: Cpu, r: Rec, c: number): void {
  const n = r.osz, a = ea(cpu, r);
  const v = readMemW(cpu, n, a); // a count of 0 still accesses the operand (read-modify-write)
  if (c === 0) return;
  writeMem(cpu, n, a, shiftOp(cpu.s, r.shift, n, v, c));
}
function shiftMI(cpu: Cpu, r: Rec): void { shiftM(cpu, r, r.imm & 31); }
function shiftMC(cpu: Cpu, r: Rec): void { shiftM(cpu, r, cpu.r8[CL] & 31); }

bind('shift', (r) => {
  const op = r.shift;
  const byCl = r.k1 === OP_REG;
  if (!byCl && r.k1 !== OP_IMM) return null;
  if (r.k0 === OP_REG) {
    if (byCl) return r.osz === 4 ? shift32RC : shiftRC;
    if ((r.imm & 31) === 0) return nop;
    const rotImm = (op === ROL || op === ROR) && (r.imm & 31) !== 1;
    if (r.osz === 4) {
      if (op === SHL || op === SAL) return shl32RI;
      if (op === SHR) return shr32RI;
      if (op === SAR) return sar32RI;
      if (rotImm) return op === ROL ? rol32RI : ror32RI;
    }
    return rotImm ? rotImmRI : shiftRI;
  }
  if (r.k0 === OP_MEM) return byCl ? shiftMC : shiftMI;
  return null;
});

// ---- SHLD / SHRD ---------------------------------------------------------------

/**
 * Double shift of `d` (zero-extended, n = 2 or 4 bytes) with bits from `src`
 * by the masked count `c` (1..31); sets flags, returns the result.
 */
export function shiftDouble(s: Int32Array, right: boolean, n: number, d: number, src: number, c: number): number {
  let res: number, cf: number, of: number;
  if (n === 4) {
    if (right) {
      res = (d >>> c) | (src << (32 - c));
      cf = (d >>> (c - 1)) & 1;
      of = (d ^ (src << 31)) >>> 31;
    } else {
      res = (d << c) | (src >>> (32 - c));
      cf = (d >>> (32 - c)) & 1;
      of = (d ^ (d << 1)) >>> 31;
    }
    shFlags(s, 2, res, cf | (of << 11));
    return res;
  }
  // 16-bit: counts 17..31 shift the 48-bit value d:src:d (what Intel P6+ does).
  if (right) {
    const y = c <= 16 ? (src << 16) | d : (d << 16) | src, k = c <= 16 ? c : c - 16;
    res = (y >>> k) & 0xffff;
    cf = (y >>> (k - 1)) & 1;
    of = ((d >>> 15) ^ src) & 1;
  } else {
    if (c <= 16) { res = ((d << c) | (src >>> (16 - c))) & 0xffff; cf = (d >>> (16 - c)) & 1; }
    else { const k = c - 16; res = ((src << k) | (d >>> (16 - k))) & 0xffff; cf = (src >>> (16 - k)) & 1; }
    of = ((d >>> 15) ^ (d >>> 14)) & 1;
  }
  shFlags(s, 1, res, cf | (of << 11));
  return res;
}

function shld32RRI(cpu: Cpu, r: Rec): void {
  const R = cpu.r32, s = cpu.s, c = r.imm & 31, d = R[r.r0], res = (d << c) | (R[r.r1] >>> (32 - c));
  R[r.r0] = res;
  s[W_EFLAGS] = (s[W_EFLAGS] & ~COA) | ((d >>> (32 - c)) & 1) | (((d ^ (d << 1)) >>> 31) << 11);
  s[W_OP] = (K_RESULT << 2) | 2; s[W_RES] = res; s[W_MASK] = SZP;
}
function shrd32RRI(cpu: Cpu, r: Rec): void {
  const R = cpu.r32, s = cpu.s, c = r.imm & 31, d = R[r.r0], src = R[r.r1], res = (d >>> c) | (src << (32 - c));
  R[r.r0] = res;
  s[W_EFLAGS] = (s[W_EFLAGS] & ~COA) | ((d >>> (c - 1)) & 1) | (((d ^ (src << 31)) >>> 31) << 11);
  s[W_OP] = (K_RESULT << 2) | 2; s[W_RES] = res; s[W_MASK] = SZP;
}
function shdR(cpu: Cpu, r: Rec): void {
  const c = (r.k2 === OP_REG ? cpu.r8[CL] : r.imm) & 31;
  if (c === 0) return;
  const n = r.osz;
  setReg(cpu, n, r.r0, shiftDouble(cpu.s, r.shift === SH_SHRD, n, getReg(cpu, n, r.r0), getReg(cpu, n, r.r1), c));
}
function shdM(cpu: Cpu, r: Rec): void {
  const c = (r.k2 === OP_REG ? cpu.r8[CL] : r.imm) & 31;
  const n = r.osz, a = ea(cpu, r);
  const d = readMemW(cpu, n, a);
  if (c === 0) return;
  writeMem(cpu, n, a, shiftDouble(cpu.s, r.shift === SH_SHRD, n, d, getReg(cpu, n, r.r1), c));
}

function shdFactory() {
  return (r: Rec) => {
    const right = r.shift === SH_SHRD;
    if (r.k1 !== OP_REG || (r.k2 !== OP_REG && r.k2 !== OP_IMM)) return null;
    if (r.k0 === OP_REG) {
      if (r.k2 === OP_IMM) {
        if ((r.imm & 31) === 0) return nop;
        if (r.osz === 4) return right ? shrd32RRI : shld32RRI;
      }
      return shdR;
    }
    return r.k0 === OP_MEM ? shdM : null;
  };
}
bind('shd', shdFactory());
