/**
 * SSE/SSE2 floating point on binary32 / binary64 lanes, exact: every result
 * is rounded once from the exact value (BigInt, runtime/fpu/num.ts roundBig)
 * under MXCSR.RC, with flush-to-zero (FZ) and denormals-are-zero (DAZ), and
 * the exception flags of SDM vol. 1, 11.5: pre-computation IE (SNaN, or any
 * NaN for ordered compares / MIN / MAX, invalid operations), DE (denormal
 * operand), ZE; post-computation OE, UE, PE. NaN results follow the SSE rule
 * (vol. 1, table 4-7): the first source (destination) operand's NaN, made
 * quiet, else the second's; invalid operations give the negative QNaN
 * "indefinite". Lanes are handled as raw bits: a binary32 NaN never passes
 * through a JS number (that would quiet it).
 */
import { BIG, PE, OE, UE, X, bitLength, decompose, roundBig } from '../fpu/num.js';
import { MX_DAZ, MX_DE, MX_FZ, MX_IE, MX_OE, MX_PE, MX_UE, MX_ZE, type Vec } from './state.js';

export interface Fmt { readonly w: 4 | 8; readonly prec: number; readonly emin: number; readonly emax: number }
export const F32: Fmt = { w: 4, prec: 24, emin: -126, emax: 127 };
export const F64: Fmt = { w: 8, prec: 53, emin: -1022, emax: 1023 };

/** Lane classes. */
export const C_ZERO = 0, C_DEN = 1, C_NORM = 2, C_INF = 3, C_QNAN = 4, C_SNAN = 5;

/** One operand lane: raw bits (lo, hi: hi is 0 for binary32), class, sign, value (finite ones). */
export class Lane {
  lo = 0; hi = 0; cls = 0; neg = false; v = 0;
}

/** Read lane i of `vec` in format f, applying DAZ (a denormal becomes a signed zero). */
export function readLane(vec: Vec, f: Fmt, i: number, daz: boolean, out: Lane): Lane {
  if (f.w === 4) {
    const b = vec.u32[i], e = (b >>> 23) & 0xff, m = b & 0x7fffff;
    out.lo = b; out.hi = 0; out.neg = b >>> 31 === 1;
    out.cls = e === 0xff ? (m === 0 ? C_INF : (m & 0x400000) !== 0 ? C_QNAN : C_SNAN) : e === 0 ? (m === 0 ? C_ZERO : C_DEN) : C_NORM;
    if (out.cls === C_DEN && daz) { out.cls = C_ZERO; out.lo = b & 0x80000000; }
    out.v = out.cls === C_ZERO ? (out.neg ? -0 : 0) : out.cls < C_QNAN ? vec.f32[i] : 0;
  } else {
    const lo = vec.u32[2 * i], hi = vec.u32[2 * i + 1], e = (hi >>> 20) & 0x7ff, mh = hi & 0xfffff;
    out.lo = lo; out.hi = hi; out.neg = hi >>> 31 === 1;
    const mz = mh === 0 && lo === 0;
    out.cls = e === 0x7ff ? (mz ? C_INF : (mh & 0x80000) !== 0 ? C_QNAN : C_SNAN) : e === 0 ? (mz ? C_ZERO : C_DEN) : C_NORM;
    if (out.cls === C_DEN && daz) { out.cls = C_ZERO; out.lo = 0; out.hi = hi & 0x80000000; }
    out.v = out.cls === C_ZERO ? (out.neg ? -0 : 0) : out.cls < C_QNAN ? vec.f64[i] : 0;
  }
  return out;
}

/** Result of one lane: bits to store. */
export const RES = { lo: 0, hi: 0 };
function setNum(f: Fmt, v: number): void {
  if (f.w === 4) { SC.f32[0] = v; RES.lo = SC.u32[0]; RES.hi = 0; } else { SC.f64[0] = v; RES.lo = SC.u32[0]; RES.hi = SC.u32[1]; }
}
const SCB = new ArrayBuffer(8);
const SC = { f32: new Float32Array(SCB), f64: new Float64Array(SCB), u32: new Uint32Array(SCB) };
/** The QNaN of a NaN lane (quiet bit set). */
function setQuiet(f: Fmt, x: Lane): void {
  if (f.w === 4) { RES.lo = (x.lo | 0x400000) >>> 0; RES.hi = 0; } else { RES.lo = x.lo; RES.hi = (x.hi | 0x80000) >>> 0; }
}
function setIndefinite(f: Fmt): void {
  if (f.w === 4) { RES.lo = 0xffc00000; RES.hi = 0; } else { RES.lo = 0; RES.hi = 0xfff80000; }
}
export function storeLane(vec: Vec, f: Fmt, i: number): void {
  if (f.w === 4) vec.u32[i] = RES.lo; else { vec.u32[2 * i] = RES.lo; vec.u32[2 * i + 1] = RES.hi; }
}

/** Flags gathered over the lanes of one instruction: pre-computation (IE DE ZE) and post-computation (OE UE PE). */
export const FLAGS = { pre: 0, post: 0 };

export const OPF_ADD = 0, OPF_SUB = 1, OPF_MUL = 2, OPF_DIV = 3;

const isNaN_ = (x: Lane) => x.cls >= C_QNAN;

/** NaN operands (SSE rule) and DE. Returns true when the result is decided (RES set). */
function nanOrDenormal(f: Fmt, a: Lane, b: Lane | null): boolean {
  if (isNaN_(a) || (b && isNaN_(b))) {
    if (a.cls === C_SNAN || (b && b.cls === C_SNAN)) FLAGS.pre |= MX_IE;
    setQuiet(f, isNaN_(a) ? a : b!);
    return true;
  }
  if (a.cls === C_DEN || (b && b.cls === C_DEN)) FLAGS.pre |= MX_DE;
  return false;
}

/** Round the exact (-1)^neg m 2^e to format f under MXCSR; FZ flushes tiny results. */
function roundTo(f: Fmt, neg: boolean, m: bigint, e: number, mx: number): void {
  X.f = 0;
  const rc = (mx >> 13) & 3;
  let v = roundBig(neg, m, e, f.prec, f.emin, f.emax, rc);
  let fl = 0;
  if (X.f & OE) fl |= MX_OE;
  if (X.f & UE) fl |= MX_UE;
  if (X.f & PE) fl |= MX_PE;
  // Tiny (below the normal range) after rounding: UE when inexact (masked) or always (unmasked);
  // FZ with UE masked returns a signed zero and reports UE and PE (SDM vol. 1, 10.2.3.3).
  const tiny = (X.f & UE) !== 0 || ((X.f & PE) === 0 && v !== 0 && Math.abs(v) < 2 ** f.emin);
  if (tiny) {
    if ((mx & 0x800) === 0) fl |= MX_UE;
    else if (mx & MX_FZ) { v = neg ? -0 : 0; fl |= MX_UE | MX_PE; }
  }
  FLAGS.post |= fl;
  setNum(f, v);
}

// ---- fast path: round to nearest, normal operands and a normal result --------------------

const SPLIT = 134217729; // 2^27 + 1 (Veltkamp)
/** The rounding error of a*b (Dekker, no FMA); valid for |a|, |b| < 2^900 and |a*b| > 2^-900. */
function prodErr(a: number, b: number, p: number): number {
  let c = SPLIT * a; const ah = c - (c - a), al = a - ah;
  c = SPLIT * b; const bh = c - (c - b), bl = b - bh;
  return ((ah * bh - p) + ah * bl + al * bh) + al * bl;
}
const LO = 2 ** -900, HI = 2 ** 900;
/** The fast path can be switched off (tests compare it with the BigInt path). */
export const FAST = { on: true };
const inMid = (x: number) => { const y = Math.abs(x); return y > LO && y < HI; };
/**
 * The common case without BigInt: MXCSR.RC = nearest, both operands normal,
 * the result normal. binary32 is computed in binary64 and rounded once more
 * (correct for + - x / sqrt since 53 >= 2 * 24 + 2); exactness (PE) from the
 * binary64 error (TwoSum / Dekker). Returns false when the BigInt path must decide.
 */
function fastArith(op: number, f: Fmt, a: number, b: number): boolean {
  let r: number, exact: boolean;
  switch (op) {
    case OPF_ADD: case OPF_SUB: {
      if (op === OPF_SUB) b = -b;
      const s = a + b, bb = s - a, err = (a - (s - bb)) + (b - bb);
      if (f.w === 4) { r = Math.fround(s); exact = err === 0 && r === s; } else { r = s; exact = err === 0; }
      break;
    }
    case OPF_MUL: {
      const p = a * b;
      if (f.w === 4) { r = Math.fround(p); exact = r === p; } // 24 x 24 bits: p is exact
      else { if (!inMid(a) || !inMid(b) || !inMid(p)) return false; r = p; exact = prodErr(a, b, p) === 0; }
      break;
    }
    case OPF_DIV: {
      const q = a / b;
      if (f.w === 4) { r = Math.fround(q); exact = r === q && q * b === a; } // r has 24 bits: q*b exact
      else { if (!inMid(a) || !inMid(b) || !inMid(q)) return false; r = q; exact = q * b === a && prodErr(q, b, q * b) === 0; }
      break;
    }
    default: return false;
  }
  const m = Math.abs(r);
  if (!(m >= 2 ** f.emin) || m === Infinity || (f.w === 4 && m > 3.4028234663852886e38)) return false;
  if (!exact) FLAGS.post |= MX_PE;
  setNum(f, r);
  return true;
}
function fastSqrt(f: Fmt, a: number): boolean {
  const s = Math.sqrt(a);
  let r: number, exact: boolean;
  if (f.w === 4) { r = Math.fround(s); exact = r === s && r * r === a; }
  else { if (!inMid(a)) return false; r = s; exact = r * r === a && prodErr(r, r, r * r) === 0; }
  if (!exact) FLAGS.post |= MX_PE;
  setNum(f, r);
  return true;
}

/** a op b on one lane (ADD SUB MUL DIV). */
export function arith(op: number, f: Fmt, a: Lane, b: Lane, mx: number): void {
  if ((mx & 0x6000) === 0 && FAST.on && a.cls === C_NORM && b.cls === C_NORM && fastArith(op, f, a.v, b.v)) return;
  // A denormal divided by zero is ZE alone, no DE (host CPU fixtures).
  if (op === OPF_DIV && b.cls === C_ZERO && a.cls === C_DEN) { FLAGS.pre |= MX_ZE; setNum(f, a.neg !== b.neg ? -Infinity : Infinity); return; }
  if (nanOrDenormal(f, a, b)) return;
  const rc = (mx >> 13) & 3;
  let bneg = b.neg;
  if (op === OPF_SUB) bneg = !bneg;
  if (op === OPF_ADD || op === OPF_SUB) {
    if (a.cls === C_INF || b.cls === C_INF) {
      if (a.cls === C_INF && b.cls === C_INF && a.neg !== bneg) { FLAGS.pre |= MX_IE; setIndefinite(f); return; }
      setNum(f, a.cls === C_INF ? (a.neg ? -Infinity : Infinity) : (bneg ? -Infinity : Infinity));
      return;
    }
    if (a.cls === C_ZERO && b.cls === C_ZERO) {
      setNum(f, a.neg === bneg ? (a.neg ? -0 : 0) : rc === 1 ? -0 : 0);
      return;
    }
    if (b.cls === C_ZERO) { exactLane(f, a.neg, a.v, mx); return; }
    if (a.cls === C_ZERO) { exactLane(f, bneg, b.v, mx); return; }
    const ea = decompose(a.v), ma = BIG.m, eb = decompose(b.v), mb = BIG.m;
    const e = Math.min(ea, eb);
    const sa = (a.neg ? -ma : ma) << BigInt(ea - e), sb = (bneg ? -mb : mb) << BigInt(eb - e);
    const s = sa + sb;
    if (s === 0n) { setNum(f, rc === 1 ? -0 : 0); return; }
    roundTo(f, s < 0n, s < 0n ? -s : s, e, mx);
    return;
  }
  const neg = a.neg !== b.neg;
  if (op === OPF_MUL) {
    if (a.cls === C_INF || b.cls === C_INF) {
      if (a.cls === C_ZERO || b.cls === C_ZERO) { FLAGS.pre |= MX_IE; setIndefinite(f); return; }
      setNum(f, neg ? -Infinity : Infinity); return;
    }
    if (a.cls === C_ZERO || b.cls === C_ZERO) { setNum(f, neg ? -0 : 0); return; }
    const ea = decompose(a.v), ma = BIG.m, eb = decompose(b.v), mb = BIG.m;
    roundTo(f, neg, ma * mb, ea + eb, mx);
    return;
  }
  // DIV
  if (a.cls === C_INF) {
    if (b.cls === C_INF) { FLAGS.pre |= MX_IE; setIndefinite(f); return; }
    setNum(f, neg ? -Infinity : Infinity); return;
  }
  if (b.cls === C_INF) { setNum(f, neg ? -0 : 0); return; }
  if (b.cls === C_ZERO) {
    if (a.cls === C_ZERO) { FLAGS.pre |= MX_IE; setIndefinite(f); return; }
    FLAGS.pre |= MX_ZE; setNum(f, neg ? -Infinity : Infinity); return;
  }
  if (a.cls === C_ZERO) { setNum(f, neg ? -0 : 0); return; }
  const ea = decompose(a.v), ma = BIG.m, eb = decompose(b.v), mb = BIG.m;
  const k = Math.max(0, f.prec + 3 + bitLength(mb) - bitLength(ma));
  const num = ma << BigInt(k), q = num / mb, rem = num - q * mb;
  roundTo(f, neg, (q << 1n) | (rem !== 0n ? 1n : 0n), ea - eb - k - 1, mx);
}

/** A finite value already in the format (x + 0): only FZ/DAZ effects could change it; round for uniformity. */
function exactLane(f: Fmt, neg: boolean, v: number, mx: number): void {
  const e = decompose(v);
  roundTo(f, neg, BIG.m, e, mx);
}

function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = 1n << BigInt((bitLength(n) + 1) >> 1);
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

/** SQRT of one lane. */
export function sqrtLane(f: Fmt, a: Lane, mx: number): void {
  if ((mx & 0x6000) === 0 && FAST.on && a.cls === C_NORM && !a.neg && fastSqrt(f, a.v)) return;
  // A negative operand (denormals included) is IE alone: no DE (host CPU fixtures).
  if (a.neg && a.cls !== C_ZERO && !isNaN_(a)) { FLAGS.pre |= MX_IE; setIndefinite(f); return; }
  if (nanOrDenormal(f, a, null)) return;
  if (a.cls === C_ZERO) { setNum(f, a.v); return; }
  if (a.cls === C_INF) { setNum(f, Infinity); return; }
  let e = decompose(a.v), m = BIG.m;
  let s = Math.max(0, 2 * f.prec + 6 - bitLength(m));
  if ((e - s) & 1) s++;
  m <<= BigInt(s); e -= s;
  const r = isqrt(m);
  roundTo(f, false, (r << 1n) | (r * r !== m ? 1n : 0n), e / 2 - 1, mx);
}

/** MIN / MAX: any NaN is IE and returns the second operand as it is; equal values (±0) return the second too. */
export function minmax(max: boolean, f: Fmt, a: Lane, b: Lane): void {
  if (isNaN_(a) || isNaN_(b)) { FLAGS.pre |= MX_IE; RES.lo = b.lo; RES.hi = b.hi; return; }
  if (a.cls === C_DEN || b.cls === C_DEN) FLAGS.pre |= MX_DE;
  const pick = max ? a.v > b.v : a.v < b.v;
  const x = pick ? a : b;
  RES.lo = x.lo; RES.hi = x.hi;
}

/**
 * Compare for CMPccPS/PD/SS/SD predicates 0..7 (EQ LT LE UNORD NEQ NLT NLE ORD):
 * true or false; IE for an SNaN, or any NaN with the ordered predicates LT LE NLT NLE.
 */
export function cmpLane(pred: number, a: Lane, b: Lane): boolean {
  const un = isNaN_(a) || isNaN_(b);
  const signaling = (pred & 3) === 1 || (pred & 3) === 2;
  if (un && (signaling || a.cls === C_SNAN || b.cls === C_SNAN)) FLAGS.pre |= MX_IE;
  else if (!un && (a.cls === C_DEN || b.cls === C_DEN)) FLAGS.pre |= MX_DE;
  let r: boolean;
  switch (pred & 3) {
    case 0: r = !un && a.v === b.v; break;
    case 1: r = !un && a.v < b.v; break;
    case 2: r = !un && a.v <= b.v; break;
    default: r = un; break;
  }
  return (pred & 4) !== 0 ? !r : r;
}

/** COMIS / UCOMIS: ZF PF CF (unordered 111, greater 000, less 001, equal 100); IE for any NaN (COMIS) or an SNaN. */
export function comiLane(signaling: boolean, a: Lane, b: Lane): number {
  const un = isNaN_(a) || isNaN_(b);
  if (un) {
    // A NaN with a denormal: no DE (host CPU fixtures), as for arithmetic.
    if (signaling || a.cls === C_SNAN || b.cls === C_SNAN) FLAGS.pre |= MX_IE;
    return 0x45; // ZF PF CF
  }
  if (a.cls === C_DEN || b.cls === C_DEN) FLAGS.pre |= MX_DE;
  return a.v > b.v ? 0 : a.v < b.v ? 0x1 : 0x40;
}

export { MX_DAZ };

// ---- conversions ------------------------------------------------------------------------

/** Float lane -> binary32/binary64 lane (CVTSS2SD CVTSD2SS CVTPS2PD CVTPD2PS): NaNs keep their payload's top bits, quieted. */
export function convertLane(to: Fmt, a: Lane, mx: number): void {
  if (a.cls >= C_QNAN) {
    if (a.cls === C_SNAN) FLAGS.pre |= MX_IE;
    const sign = a.neg ? 0x80000000 : 0;
    if (to.w === 8) { const m = a.lo & 0x7fffff; RES.hi = (sign | 0x7ff80000 | (m >>> 3)) >>> 0; RES.lo = (m << 29) >>> 0; }
    else { RES.lo = (sign | 0x7fc00000 | ((a.hi & 0x7ffff) << 3) | (a.lo >>> 29)) >>> 0; RES.hi = 0; }
    return;
  }
  if (a.cls === C_DEN) FLAGS.pre |= MX_DE;
  if (a.cls === C_ZERO || a.cls === C_INF) { setNum(to, a.v); return; }
  const e = decompose(a.v);
  roundTo(to, a.neg, BIG.m, e, mx);
}

/** Integer -> float lane (CVTSI2SS/SD, CVTDQ2PS/PD, CVTPI2PS/PD). */
export function fromIntLane(to: Fmt, v: number, mx: number): void {
  if (v === 0) { setNum(to, 0); return; }
  const neg = v < 0;
  roundTo(to, neg, BigInt(Math.abs(v)), 0, mx);
}

/**
 * Float lane -> int32 (CVT(T)SS2SI, CVT(T)SD2SI, CVT(T)PS2DQ, ...): rounded by
 * MXCSR.RC or truncated; NaN, infinity or out of range: IE and the integer
 * indefinite 0x80000000; inexact: PE.
 */
export function toIntLane(a: Lane, trunc: boolean, mx: number): number {
  if (a.cls >= C_INF) { FLAGS.pre |= MX_IE; return 0x80000000 | 0; }
  if (a.cls === C_ZERO) return 0;
  const v = a.v, rc = trunc ? 3 : (mx >> 13) & 3;
  let r: number;
  switch (rc) {
    case 0: { r = Math.round(v); if (r - v === 0.5 && (r & 1) !== 0) r -= 1; break; } // ties to even
    case 1: r = Math.floor(v); break;
    case 2: r = Math.ceil(v); break;
    default: r = Math.trunc(v); break;
  }
  if (r > 2147483647 || r < -2147483648) { FLAGS.pre |= MX_IE; return 0x80000000 | 0; }
  if (r !== v) FLAGS.post |= MX_PE;
  return r | 0;
}
