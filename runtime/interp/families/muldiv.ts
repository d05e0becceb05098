/**
 * MUL, IMUL (one-, two- and three-operand forms), DIV, IDIV (Intel SDM vol. 2
 * "MUL", "IMUL", "DIV", "IDIV").
 *
 * Flags. MUL/IMUL define only CF = OF (set when the result does not fit the
 * destination half). For the undefined ones we do what the real CPU does
 * (Intel family 6, checked with test/fixtures/gen/runner.c): SF = sign bit of
 * the low half of the product, PF = parity of its low byte, ZF = 0, AF = 0.
 * SF/PF stay lazy (K_RESULT, mask SF|PF); CF/OF/ZF/AF are written eagerly.
 * DIV/IDIV leave every flag unchanged (what the real CPU does; the SDM calls
 * them undefined).
 *
 * #DE (divide by zero, quotient too large for the destination, including
 * IDIV of the most negative dividend by -1) is raised before any register
 * changes. 64-bit products and dividends are handled exactly with 16-bit
 * split arithmetic on doubles: no BigInt, no allocation.
 */
import { Mnemonic } from '../../iced.js';
import type { Cpu } from '../../cpu.js';
import type { Rec } from '../../records.js';
import { OP_IMM, OP_MEM, OP_NONE, OP_REG } from '../../records.js';
import { K_RESULT, W_EFLAGS, W_MASK, W_OP, W_RES } from '../../flags.js';
import { AF, CF, OF, PF, SF, ZF } from '../../state/eflags.js';
import { raiseDE } from '../../exceptions.js';
import { def } from '../table.js';
import { ea, getReg, readMem, setReg } from '../operands.js';

const EAX = 0, EDX = 2;          // r32 indices
const AX = 0, DX = 4;            // r16 indices
const AL = 0, AH = 1;            // r8 indices

/** Flags after a multiply: CF = OF = `ovf`, ZF = AF = 0, SF/PF lazy from the low half `lo`. */
function mulFlags(s: Int32Array, sz: number, lo: number, ovf: boolean): void {
  s[W_EFLAGS] = (s[W_EFLAGS] & ~(CF | OF | ZF | AF)) | (ovf ? CF | OF : 0);
  s[W_OP] = (K_RESULT << 2) | sz;
  s[W_RES] = lo;
  s[W_MASK] = SF | PF;
}

/** High 32 bits of the unsigned 64-bit product of two 32-bit values (any sign representation). */
export function mulHiU32(a: number, b: number): number {
  const al = a & 0xffff, ah = a >>> 16, bl = b & 0xffff, bh = b >>> 16;
  const lh = al * bh, hl = ah * bl;
  const mid = ((al * bl) >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  return (ah * bh + (lh >>> 16) + (hl >>> 16) + (mid >>> 16)) | 0;
}
/** High 32 bits of the signed 64-bit product of two 32-bit values. */
export function mulHiS32(a: number, b: number): number {
  let hi = mulHiU32(a, b);
  if (a < 0) hi = (hi - b) | 0;
  if (b < 0) hi = (hi - a) | 0;
  return hi;
}

// ---- one-operand MUL / IMUL ---------------------------------------------------

/** MUL/IMUL with the implicit accumulator; `src` is the explicit operand (zero-extended for n < 4). */
function mul1(cpu: Cpu, n: number, src: number, signed: boolean): void {
  const s = cpu.s;
  if (n === 4) {
    const R = cpu.r32, a = R[EAX], b = src | 0;
    const lo = Math.imul(a, b), hi = signed ? mulHiS32(a, b) : mulHiU32(a, b);
    R[EAX] = lo; R[EDX] = hi;
    mulFlags(s, 2, lo, signed ? hi !== lo >> 31 : hi !== 0);
  } else if (n === 2) {
    const R16 = cpu.r16;
    const p = signed ? ((R16[AX] << 16) >> 16) * ((src << 16) >> 16) : R16[AX] * (src & 0xffff);
    R16[AX] = p; R16[DX] = p >> 16;
    mulFlags(s, 1, p, signed ? p !== (p << 16) >> 16 : p > 0xffff);
  } else {
    const R8 = cpu.r8;
    const p = signed ? ((R8[AL] << 24) >> 24) * ((src << 24) >> 24) : R8[AL] * (src & 0xff);
    cpu.r16[AX] = p;
    mulFlags(s, 0, p, signed ? p !== (p << 24) >> 24 : p > 0xff);
  }
}
function mulR(cpu: Cpu, r: Rec): void { mul1(cpu, r.osz, getReg(cpu, r.osz, r.r0), false); }
function mulM(cpu: Cpu, r: Rec): void { mul1(cpu, r.osz, readMem(cpu, r.osz, ea(cpu, r)), false); }
function imul1R(cpu: Cpu, r: Rec): void { mul1(cpu, r.osz, getReg(cpu, r.osz, r.r0), true); }
function imul1M(cpu: Cpu, r: Rec): void { mul1(cpu, r.osz, readMem(cpu, r.osz, ea(cpu, r)), true); }
function mul32R(cpu: Cpu, r: Rec): void {
  const R = cpu.r32, s = cpu.s, a = R[EAX], b = R[r.r0];
  const lo = Math.imul(a, b), hi = mulHiU32(a, b);
  R[EAX] = lo; R[EDX] = hi;
  s[W_EFLAGS] = (s[W_EFLAGS] & ~(CF | OF | ZF | AF)) | (hi !== 0 ? CF | OF : 0);
  s[W_OP] = (K_RESULT << 2) | 2; s[W_RES] = lo; s[W_MASK] = SF | PF;
}

// ---- two- and three-operand IMUL (truncating) ------------------------------------

/** Signed a*b truncated to `n` bytes; sets flags; returns the truncated product. */
function imulTrunc(s: Int32Array, n: number, a: number, b: number): number {
  if (n === 4) {
    const lo = Math.imul(a, b);
    // The double product is exact whenever it fits in 32 bits, and out of range otherwise.
    mulFlags(s, 2, lo, lo !== (a | 0) * (b | 0));
    return lo;
  }
  const p = ((a << 16) >> 16) * ((b << 16) >> 16);
  mulFlags(s, 1, p, p !== (p << 16) >> 16);
  return p;
}
function imul32RR(cpu: Cpu, r: Rec): void {
  const R = cpu.r32, s = cpu.s, a = R[r.r0], b = R[r.r1], lo = Math.imul(a, b);
  R[r.r0] = lo;
  s[W_EFLAGS] = (s[W_EFLAGS] & ~(CF | OF | ZF | AF)) | (lo !== a * b ? CF | OF : 0);
  s[W_OP] = (K_RESULT << 2) | 2; s[W_RES] = lo; s[W_MASK] = SF | PF;
}
function imul32RRI(cpu: Cpu, r: Rec): void {
  const R = cpu.r32, s = cpu.s, a = R[r.r1], b = r.imm, lo = Math.imul(a, b);
  R[r.r0] = lo;
  s[W_EFLAGS] = (s[W_EFLAGS] & ~(CF | OF | ZF | AF)) | (lo !== a * b ? CF | OF : 0);
  s[W_OP] = (K_RESULT << 2) | 2; s[W_RES] = lo; s[W_MASK] = SF | PF;
}
function imul32RM(cpu: Cpu, r: Rec): void {
  const b = cpu.mmu.read32(ea(cpu, r)) | 0;
  cpu.r32[r.r0] = imulTrunc(cpu.s, 4, cpu.r32[r.r0], b);
}
function imul2RR(cpu: Cpu, r: Rec): void {
  const n = r.osz;
  setReg(cpu, n, r.r0, imulTrunc(cpu.s, n, getReg(cpu, n, r.r0), getReg(cpu, n, r.r1)));
}
function imul2RM(cpu: Cpu, r: Rec): void {
  const n = r.osz, b = readMem(cpu, n, ea(cpu, r));
  setReg(cpu, n, r.r0, imulTrunc(cpu.s, n, getReg(cpu, n, r.r0), b));
}
function imul3RRI(cpu: Cpu, r: Rec): void {
  const n = r.osz;
  setReg(cpu, n, r.r0, imulTrunc(cpu.s, n, getReg(cpu, n, r.r1), r.imm));
}
function imul3RMI(cpu: Cpu, r: Rec): void {
  const n = r.osz, a = readMem(cpu, n, ea(cpu, r));
  setReg(cpu, n, r.r0, imulTrunc(cpu.s, n, a, r.imm));
}

def(Mnemonic.Mul, (r) => {
  if (r.k1 !== OP_NONE) return null;
  if (r.k0 === OP_REG) return r.osz === 4 ? mul32R : mulR;
  return r.k0 === OP_MEM ? mulM : null;
});
def(Mnemonic.Imul, (r) => {
  if (r.k1 === OP_NONE) {
    if (r.k0 === OP_REG) return imul1R;
    return r.k0 === OP_MEM ? imul1M : null;
  }
  if (r.k0 !== OP_REG || r.osz === 1) return null;
  if (r.k2 === OP_IMM) {
    if (r.k1 === OP_REG) return r.osz === 4 ? imul32RRI : imul3RRI;
    return r.k1 === OP_MEM ? imul3RMI : null;
  }
  if (r.k1 === OP_REG) return r.osz === 4 ? imul32RR : imul2RR;
  if (r.k1 === OP_MEM) return r.osz === 4 ? imul32RM : imul2RM;
  return null;
});

// ---- DIV / IDIV --------------------------------------------------------------------

// Results of the 64/32 division helpers (module scratch: no allocation per call).
let quo = 0, rem = 0;

/**
 * Unsigned (hi:lo) / d for 32-bit unsigned hi < d, d > 0: sets `quo`, `rem`
 * (both unsigned numbers). Two 16-bit long-division steps on exact doubles:
 * every intermediate is below 2^48, and floor(t / d) cannot round across an
 * integer (the fractional distance is at least 1/d > 2^-32, far above an ulp).
 */
function divU64(hi: number, lo: number, d: number): void {
  if (hi === 0) {
    const q = Math.floor(lo / d);
    quo = q; rem = lo - q * d;
    return;
  }
  const t1 = hi * 65536 + (lo >>> 16);
  const q1 = Math.floor(t1 / d);
  const t2 = (t1 - q1 * d) * 65536 + (lo & 0xffff);
  const q2 = Math.floor(t2 / d);
  quo = q1 * 65536 + q2; rem = t2 - q2 * d;
}

function div32(cpu: Cpu, src: number): void {
  const R = cpu.r32, d = src >>> 0, hi = R[EDX] >>> 0;
  if (d === 0 || hi >= d) raiseDE();
  divU64(hi, R[EAX] >>> 0, d);
  R[EAX] = quo; R[EDX] = rem;
}
function idiv32(cpu: Cpu, src: number): void {
  const R = cpu.r32, dv = src | 0;
  if (dv === 0) raiseDE();
  let hi = R[EDX], lo = R[EAX];
  const neg = hi < 0;
  if (neg) { lo = -lo | 0; hi = (~hi + (lo === 0 ? 1 : 0)) | 0; } // |dividend| as hi:lo (2^63 stays 0x80000000:0)
  const d = dv < 0 ? -dv >>> 0 : dv; // |divisor|, 2^31 for the most negative one
  const uhi = hi >>> 0;
  if (uhi >= d) raiseDE();
  divU64(uhi, lo >>> 0, d);
  const qneg = neg !== dv < 0;
  if (quo > (qneg ? 0x80000000 : 0x7fffffff)) raiseDE();
  R[EAX] = qneg ? -quo : quo;
  R[EDX] = neg ? -rem : rem;
}
function div16(cpu: Cpu, src: number): void {
  const R16 = cpu.r16, d = src & 0xffff;
  if (d === 0) raiseDE();
  const n = R16[DX] * 65536 + R16[AX], q = Math.floor(n / d);
  if (q > 0xffff) raiseDE();
  R16[AX] = q; R16[DX] = n - q * d;
}
function idiv16(cpu: Cpu, src: number): void {
  const R16 = cpu.r16, d = (src << 16) >> 16;
  if (d === 0) raiseDE();
  const n = (R16[DX] << 16) | R16[AX], q = Math.trunc(n / d);
  if (q > 0x7fff || q < -0x8000) raiseDE();
  R16[AX] = q; R16[DX] = n - q * d;
}
function div8(cpu: Cpu, src: number): void {
  const d = src & 0xff;
  if (d === 0) raiseDE();
  const n = cpu.r16[AX], q = Math.floor(n / d);
  if (q > 0xff) raiseDE();
  cpu.r8[AL] = q; cpu.r8[AH] = n - q * d;
}
function idiv8(cpu: Cpu, src: number): void {
  const d = (src << 24) >> 24;
  if (d === 0) raiseDE();
  const n = (cpu.r16[AX] << 16) >> 16, q = Math.trunc(n / d);
  if (q > 0x7f || q < -0x80) raiseDE();
  cpu.r8[AL] = q; cpu.r8[AH] = n - q * d;
}

function divR(cpu: Cpu, r: Rec): void {
  const n = r.osz, v = getReg(cpu, n, r.r0);
  if (n === 4) div32(cpu, v); else if (n === 2) div16(cpu, v); else div8(cpu, v);
}
function divM(cpu: Cpu, r: Rec): void {
  const n = r.osz, v = readMem(cpu, n, ea(cpu, r));
  if (n === 4) div32(cpu, v); else if (n === 2) div16(cpu, v); else div8(cpu, v);
}
function idivR(cpu: Cpu, r: Rec): void {
  const n = r.osz, v = getReg(cpu, n, r.r0);
  if (n === 4) idiv32(cpu, v); else if (n === 2) idiv16(cpu, v); else idiv8(cpu, v);
}
function idivM(cpu: Cpu, r: Rec): void {
  const n = r.osz, v = readMem(cpu, n, ea(cpu, r));
  if (n === 4) idiv32(cpu, v); else if (n === 2) idiv16(cpu, v); else idiv8(cpu, v);
}
function div32R(cpu: Cpu, r: Rec): void { div32(cpu, cpu.r32[r.r0]); }
function idiv32R(cpu: Cpu, r: Rec): void { idiv32(cpu, cpu.r32[r.r0]); }

def(Mnemonic.Div, (r) => {
  if (r.k1 !== OP_NONE) return null;
  if (r.k0 === OP_REG) return r.osz === 4 ? div32R : divR;
  return r.k0 === OP_MEM ? divM : null;
});
def(Mnemonic.Idiv, (r) => {
  if (r.k1 !== OP_NONE) return null;
  if (r.k0 === OP_REG) return r.osz === 4 ? idiv32R : idivR;
  return r.k0 === OP_MEM ? idivM : null;
});
