/**
 * x87 transcendentals on binary64 values: FSIN FCOS FSINCOS FPTAN FPATAN
 * F2XM1 FYL2X FYL2XP1. The handlers use these only for special operands
 * (zeros, infinities, out of domain), where the results are exact; finite
 * operands go to trans80.ts. Exception flags go to X.f (num.ts).
 *
 * Argument reduction for the trigonometric instructions uses the x87's own
 * 66-bit approximation of pi (SDM vol. 1, 8.3.10), done exactly in BigInt,
 * so results near multiples of pi follow the hardware (fsin(M_PI) is
 * 1.2246063538223773e-16 on a real x87, not 1.2246467991473532e-16).
 */
import {
  BIG, IE, INDEFINITE, PE, RN, UE, X, ZE, arith, decompose, ilogb, nan1, nan2, OP_MUL,
  roundBig, scale2, signBit,
} from './num.js';

/** pi = PI66 * 2^-64, the 66-bit constant of the x87 (truncated pi: C90FDAA2 2168C234 C). */
const PI66 = 0x3243f6a8885a308d3n;
const PIO4 = 0.7853981633974483;

/** Quotient bits / quadrant of the last reduction or remainder. */
export const Q = { k: 0 };

/** x - k*pi/2 for the nearest k (pi/2 from the 66-bit constant); k mod 4 into Q.k. */
function reduce(x: number): number {
  const ax = Math.abs(x);
  if (ax <= PIO4) { Q.k = 0; return x; }
  const e = decompose(ax), m = BIG.m;
  const e0 = Math.min(e, -65);
  const xs = m << BigInt(e - e0);
  const p = PI66 << BigInt(-65 - e0);
  const k = (2n * xs + p) / (2n * p);
  const rr = xs - k * p;
  const negative = (rr < 0n) !== (x < 0);
  const r = roundBig(negative, rr < 0n ? -rr : rr, e0, 53, -1022, 1023, RN);
  const km = Number(k & 3n);
  Q.k = x < 0 ? (4 - km) & 3 : km;
  return r;
}

/** |x| >= 2^63: out of range for FSIN & co (C2 = 1, operand unchanged). */
export const TRIG_LIMIT = 9223372036854775808;

export function fsin(x: number): number {
  if (x !== x) return nan1(x);
  if (!isFinite(x)) { X.f |= IE; return INDEFINITE; }
  if (x === 0) return x;
  X.f |= PE;
  const r = reduce(x);
  switch (Q.k) {
    case 0: return Math.sin(r);
    case 1: return Math.cos(r);
    case 2: return -Math.sin(r);
    default: return -Math.cos(r);
  }
}
export function fcos(x: number): number {
  if (x !== x) return nan1(x);
  if (!isFinite(x)) { X.f |= IE; return INDEFINITE; }
  if (x === 0) return 1;
  X.f |= PE;
  const r = reduce(x);
  switch (Q.k) {
    case 0: return Math.cos(r);
    case 1: return -Math.sin(r);
    case 2: return -Math.cos(r);
    default: return Math.sin(r);
  }
}
export function ftan(x: number): number {
  if (x !== x) return nan1(x);
  if (!isFinite(x)) { X.f |= IE; return INDEFINITE; }
  if (x === 0) return x;
  X.f |= PE;
  const r = reduce(x);
  return (Q.k & 1) === 0 ? Math.tan(r) : -Math.cos(r) / Math.sin(r);
}

/** FPATAN: atan(y / x) with the quadrant from both signs (C99 atan2 matches the SDM table). */
export function fpatan(y: number, x: number): number {
  if (x !== x || y !== y) return nan2(y, x);
  const r = Math.atan2(y, x);
  if (r !== 0) X.f |= PE;
  return r;
}

const LN2 = 0.6931471805599453, LN2_LO = 2.3190468138462996e-17;
const LOG2E = 1.4426950408889634, LOG2E_LO = 2.0355273740931033e-17;
const SPLIT = 134217729;
function prodErr(a: number, b: number, p: number): number {
  let t = SPLIT * a;
  const ah = t - (t - a), al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b), bl = b - bh;
  return ((ah * bh - p) + ah * bl + al * bh) + al * bl;
}

/** F2XM1: 2^x - 1, defined for -1 <= x <= 1. */
export function f2xm1(x: number): number {
  if (x !== x) return nan1(x);
  if (x === 0) return x;
  if (x === Infinity) return x;
  if (x === -Infinity) return -1;
  X.f |= PE; // the x87 reports F2XM1 results as inexact, even 2^1 - 1
  if (x === 1) return 1;
  if (x === -1) return -0.5;
  // expm1(x ln 2) with x ln 2 as a double-double.
  const hi = x * LN2;
  const lo = prodErr(x, LN2, hi) + x * LN2_LO;
  const em = Math.expm1(hi);
  const r = em + lo * (1 + em);
  if (r !== 0 && Math.abs(r) < 2.2250738585072014e-308) X.f |= UE;
  return r;
}

/** log2(x) as a double-double (hi + L.lo) for finite x > 0. */
const L = { lo: 0 };
function log2dd(x: number): number {
  const e = ilogb(x);
  let m = scale2(x, -e); // [1, 2)
  let k = e;
  if (m > Math.SQRT2) { m /= 2; k += 1; }
  // log2(m) = log1p(m - 1) * log2(e); m - 1 is exact (Sterbenz)
  const l = Math.log1p(m - 1);
  const h = l * LOG2E;
  const lo = prodErr(l, LOG2E, h) + l * LOG2E_LO;
  const s = k + h;
  L.lo = (k - s + h) + lo;
  return s;
}

/** FYL2X: y * log2(x) (ST(1) * log2(ST(0))). */
export function fyl2x(y: number, x: number, cw: number): number {
  if (x !== x || y !== y) return nan2(x, y);
  if (x < 0) { X.f |= IE; return INDEFINITE; }
  if (x === 0) {
    if (y === 0 || y !== y) { X.f |= IE; return INDEFINITE; }
    X.f |= ZE;
    return y > 0 ? -Infinity : Infinity;
  }
  if (x === Infinity) {
    if (y === 0) { X.f |= IE; return INDEFINITE; }
    return y > 0 ? Infinity : -Infinity;
  }
  if (x === 1) {
    if (!isFinite(y)) { X.f |= IE; return INDEFINITE; }
    return y < 0 || Object.is(y, -0) ? -0 : 0;
  }
  if (!isFinite(y)) return (x > 1) === (y > 0) ? Infinity : -Infinity;
  if (y === 0) return (x > 1) === (signBit(y) === 0) ? 0 : -0;
  const h = log2dd(x);
  X.f |= PE; // the x87 reports every FYL2X result as inexact
  if (L.lo === 0 && Number.isInteger(h)) return arith(OP_MUL, y, h, cw);
  return y * h + y * L.lo;
}

/** FYL2XP1: y * log2(x + 1), defined for |x| < 1 - sqrt(2)/2. */
export function fyl2xp1(y: number, x: number): number {
  if (x !== x || y !== y) return nan2(x, y);
  if (x === 0) {
    if (!isFinite(y)) { X.f |= IE; return INDEFINITE; }
    return (signBit(x) ^ signBit(y)) ? -0 : 0;
  }
  if (x < -1 || x === -1) {
    if (x === -1) { if (y === 0) { X.f |= IE; return INDEFINITE; } X.f |= ZE; return y > 0 ? -Infinity : Infinity; }
    X.f |= IE; return INDEFINITE;
  }
  if (!isFinite(x)) return y === 0 ? (X.f |= IE, INDEFINITE) : y > 0 ? Infinity : -Infinity;
  if (!isFinite(y)) return (x > 0) === (y > 0) ? Infinity : -Infinity;
  if (y === 0) return (x > 0) === (signBit(y) === 0) ? 0 : -0;
  X.f |= PE;
  const l = Math.log1p(x);
  const h = l * LOG2E;
  const lo = prodErr(l, LOG2E, h) + l * LOG2E_LO;
  const p = y * h;
  return p + (prodErr(y, h, p) + y * lo);
}
