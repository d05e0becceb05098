/**
 * Exact x87 arithmetic on 80-bit extended values: + − × ÷ √ rounded to the
 * precision control (24 / 53 / 64 bits) in the extended exponent range, with
 * the rounding control, the exception flags (IE DE ZE OE UE PE) and C1
 * ("rounded up") as the hardware sets them (SDM vol. 1, 4.9 and 8.5).
 *
 * Operands and the result are 80-bit images (mantissa lo, mantissa hi,
 * sign|exponent); the result goes to E80, flags are ORed into X.f. The exact
 * computation uses BigInt: it is the slow path, taken when an operand is not
 * a binary64 value or when the binary64 fast paths (num.ts `arith`, `sqrt`)
 * cannot prove their result (see docs/fpu.md, "Speed").
 *
 * Masked responses: QNaN indefinite for invalid operations and unsupported
 * encodings (pseudo-NaN, pseudo-infinity, unnormals), SNaN operands quieted,
 * ±∞ or the largest finite value on overflow by RC, denormal or zero results
 * on underflow (tininess after rounding, UE only when inexact). Unmasked OE
 * / UE on a register destination deliver the rounded result with the
 * exponent wrapped by 24576 (SDM vol. 1, 8.5.4 / 8.5.5).
 */
import {
  C1, DE, E80, IE, K_DENORMAL, K_INF, K_NAN, K_NORMAL, K_UNSUPPORTED, K_ZERO, OE, PE, RD, RN, RU, UE, X, ZE,
  bitLength, kind80,
} from './num.js';

/** Unpacked operand: kind, sign, and for finite non-zero values value = m * 2^e. */
export interface Un { k: number; neg: boolean; m: bigint; e: number; lo: number; hi: number; se: number }
const mk = (): Un => ({ k: 0, neg: false, m: 0n, e: 0, lo: 0, hi: 0, se: 0 });
export const UA = mk(), UB = mk();

export const EMIN = -16382, EMAX = 16383, BIAS = 16383, WRAP = 24576;

export function unpack(u: Un, lo: number, hi: number, se: number): Un {
  u.lo = lo >>> 0; u.hi = hi >>> 0; u.se = se & 0xffff; u.neg = (se & 0x8000) !== 0;
  u.k = kind80(u.lo, u.hi, u.se);
  if (u.k === K_NORMAL || u.k === K_DENORMAL) {
    u.m = (BigInt(u.hi) << 32n) | BigInt(u.lo);
    const e = se & 0x7fff;
    u.e = (e === 0 ? 1 : e) - BIAS - 63; // a pseudo-denormal (J = 1, exponent 0) has the exponent of 1
  }
  return u;
}

/** Significand bits for the precision control (CW bits 9..8); the reserved 01 acts as 64. */
export function precOf(cw: number): number {
  const pc = (cw >> 8) & 3;
  return pc === 0 ? 24 : pc === 2 ? 53 : 64;
}

// ---- results ---------------------------------------------------------------------

export function putIndefinite(): void { E80[0] = 0; E80[1] = 0xc0000000; E80[2] = 0xffff; }
function putZero(neg: boolean): void { E80[0] = 0; E80[1] = 0; E80[2] = neg ? 0x8000 : 0; }
function putInf(neg: boolean): void { E80[0] = 0; E80[1] = 0x80000000; E80[2] = neg ? 0xffff : 0x7fff; }
function putUn(u: Un): void { E80[0] = u.lo; E80[1] = u.hi; E80[2] = u.se; }
/** value keep * 2^q (keep >= 0) as an 80-bit image (denormal below 2^EMIN). */
function pack(neg: boolean, keep: bigint, q: number): void {
  if (keep === 0n) { putZero(neg); return; }
  const nb = bitLength(keep);
  const E = q + nb - 1;
  let mant: bigint, ex: number;
  if (E >= EMIN) { mant = keep << BigInt(64 - nb); ex = E + BIAS; } else {
    const sh = q - (EMIN - 63);
    mant = sh >= 0 ? keep << BigInt(sh) : keep >> BigInt(-sh);
    ex = 0;
  }
  E80[0] = Number(mant & 0xffffffffn);
  E80[1] = Number(mant >> 32n);
  E80[2] = (neg ? 0x8000 : 0) | (ex & 0x7fff);
}

/** Rounding of m * 2^e to the quantum 2^q: keep in R.keep, inexact / rounded-up in R. */
const R = { keep: 0n, inexact: false, up: false };
function rnd(neg: boolean, m: bigint, e: number, q: number, rc: number): void {
  R.inexact = false; R.up = false;
  if (q <= e) { R.keep = m << BigInt(e - q); return; }
  const sh = q - e;
  if (sh > bitLength(m) + 1) { // below half a quantum
    R.keep = 0n; R.inexact = true;
    R.up = rc === RD ? neg : rc === RU ? !neg : false;
    if (R.up) R.keep = 1n;
    return;
  }
  const bs = BigInt(sh);
  let keep = m >> bs;
  const rem = m - (keep << bs);
  if (rem !== 0n) {
    R.inexact = true;
    let up: boolean;
    if (rc === RN) {
      const half = 1n << (bs - 1n);
      up = rem > half || (rem === half && (keep & 1n) === 1n);
    } else up = rc === RD ? neg : rc === RU ? !neg : false;
    if (up) { keep += 1n; R.up = true; }
  }
  R.keep = keep;
}

/**
 * Round (-1)^neg * m * 2^e (m > 0) to `prec` bits in the extended range with
 * rounding control rc; the result to E80, flags (PE UE OE C1) into X.f.
 * `cw` gives the OE / UE masks.
 */
export function roundPack(neg: boolean, m: bigint, e: number, prec: number, rc: number, cw: number): void {
  const nb = bitLength(m);
  let q = e + nb - prec; // quantum for `prec` bits with an unbounded exponent
  rnd(neg, m, e, q, rc);
  let keep = R.keep;
  if (bitLength(keep) > prec) { keep >>= 1n; q += 1; }
  const Eu = q + bitLength(keep) - 1;
  const inexact = R.inexact, up = R.up;
  if (Eu > EMAX) {
    if ((cw & OE) === 0) { // unmasked: the exponent wrapped down
      if (Eu - WRAP > EMAX) { X.f |= OE | PE | C1; putInf(neg); return; } // still too large (FSCALE): ∞ whatever RC says (host)
      X.f |= OE | (inexact ? PE : 0) | (up ? C1 : 0);
      pack(neg, keep, q - WRAP);
      return;
    }
    X.f |= OE | PE;
    const toInf = rc === RN || (rc === RU && !neg) || (rc === RD && neg);
    if (toInf) { X.f |= C1; putInf(neg); return; }
    pack(neg, (1n << BigInt(prec)) - 1n, EMAX - prec + 1);
    return;
  }
  if (Eu < EMIN) { // tiny after rounding
    if ((cw & UE) === 0 && Eu + WRAP >= EMIN) { // unmasked: the exponent wrapped up
      X.f |= UE | (inexact ? PE : 0) | (up ? C1 : 0);
      pack(neg, keep, q + WRAP);
      return;
    }
    rnd(neg, m, e, EMIN - prec + 1, rc);
    if (R.inexact) X.f |= UE | PE | (R.up ? C1 : 0);
    pack(neg, R.keep, EMIN - prec + 1);
    return;
  }
  if (inexact) X.f |= PE | (up ? C1 : 0);
  pack(neg, keep, q);
}

// ---- operands ---------------------------------------------------------------------

/**
 * NaN and unsupported operands of a two-operand operation: returns true when
 * the result is decided (E80). Unsupported encodings are invalid (the
 * indefinite); an SNaN raises IE; a QNaN beats an SNaN; of two NaNs of the
 * same kind the larger significand wins (a tie: the positive one). Also
 * raises DE for a denormal operand when no NaN is involved.
 */
export function special2(a: Un, b: Un, cw: number): boolean {
  if (a.k === K_UNSUPPORTED || b.k === K_UNSUPPORTED) { X.f |= IE; putIndefinite(); return true; }
  const an = a.k === K_NAN, bn = b.k === K_NAN;
  if (an || bn) {
    const sa = an && (a.hi & 0x40000000) === 0, sb = bn && (b.hi & 0x40000000) === 0;
    if (sa || sb) X.f |= IE;
    let w: Un;
    if (an && bn) {
      if (sa !== sb) w = sa ? b : a;
      else {
        const fa = a.hi & 0x3fffffff, fb = b.hi & 0x3fffffff;
        if (fa > fb || (fa === fb && a.lo > b.lo)) w = a;
        else if (fa < fb || a.lo < b.lo) w = b;
        else w = !a.neg ? a : !b.neg ? b : a;
      }
    } else w = an ? a : b;
    E80[0] = w.lo; E80[1] = (w.hi | 0x40000000) >>> 0; E80[2] = w.se;
    return true;
  }
  if (a.k === K_DENORMAL || b.k === K_DENORMAL) return denormal(cw);
  return false;
}
/** The same for one operand. */
/** A denormal operand: DE; unmasked, the instruction stops before the operation (true). */
function denormal(cw: number): boolean {
  X.f |= DE;
  return (cw & DE) === 0;
}
export function special1(a: Un, cw: number): boolean {
  if (a.k === K_UNSUPPORTED) { X.f |= IE; putIndefinite(); return true; }
  if (a.k === K_NAN) {
    if ((a.hi & 0x40000000) === 0) X.f |= IE;
    E80[0] = a.lo; E80[1] = (a.hi | 0x40000000) >>> 0; E80[2] = a.se;
    return true;
  }
  if (a.k === K_DENORMAL) return denormal(cw);
  return false;
}

// ---- operations -----------------------------------------------------------------

/** a + b (sub: a - b). */
export function add80(a: Un, b: Un, sub: boolean, cw: number): void {
  if (special2(a, b, cw)) return;
  const rc = (cw >> 10) & 3;
  const bneg = b.neg !== sub;
  if (a.k === K_INF || b.k === K_INF) {
    if (a.k === K_INF && b.k === K_INF && a.neg !== bneg) { X.f |= IE; putIndefinite(); return; }
    putInf(a.k === K_INF ? a.neg : bneg);
    return;
  }
  const az = a.k === K_ZERO, bz = b.k === K_ZERO;
  if (az && bz) { putZero(rc === RD ? a.neg || bneg : a.neg && bneg); return; }
  // x + 0 is still rounded to the precision control
  if (bz) { roundPack(a.neg, a.m, a.e, precOf(cw), rc, cw); return; }
  if (az) { roundPack(bneg, b.m, b.e, precOf(cw), rc, cw); return; }
  let ma = a.m, ea = a.e, mb = b.m, eb = b.e;
  // far apart: the smaller operand only matters as a sticky bit
  const la = ea + bitLength(ma), lb = eb + bitLength(mb);
  if (la - lb > 72) { mb = 1n; eb = la - 150; } else if (lb - la > 72) { ma = 1n; ea = lb - 150; }
  const e0 = Math.min(ea, eb);
  const A = ma << BigInt(ea - e0), B = mb << BigInt(eb - e0);
  let s: bigint, neg: boolean;
  if (a.neg === bneg) { s = A + B; neg = a.neg; } else if (A >= B) { s = A - B; neg = a.neg; } else { s = B - A; neg = bneg; }
  if (s === 0n) { putZero(rc === RD); return; }
  roundPack(neg, s, e0, precOf(cw), rc, cw);
}

export function mul80(a: Un, b: Un, cw: number): void {
  if (special2(a, b, cw)) return;
  const neg = a.neg !== b.neg;
  if (a.k === K_INF || b.k === K_INF) {
    if (a.k === K_ZERO || b.k === K_ZERO) { X.f |= IE; putIndefinite(); return; }
    putInf(neg); return;
  }
  if (a.k === K_ZERO || b.k === K_ZERO) { putZero(neg); return; }
  roundPack(neg, a.m * b.m, a.e + b.e, precOf(cw), (cw >> 10) & 3, cw);
}

/** a / b. */
export function div80(a: Un, b: Un, cw: number): void {
  // a finite dividend over zero is #Z only, even when the dividend is a denormal (checked on the host)
  if (b.k === K_ZERO && (a.k === K_NORMAL || a.k === K_DENORMAL)) { X.f |= ZE; putInf(a.neg !== b.neg); return; }
  if (special2(a, b, cw)) return;
  const neg = a.neg !== b.neg;
  if (a.k === K_INF) {
    if (b.k === K_INF) { X.f |= IE; putIndefinite(); return; }
    putInf(neg); return;
  }
  if (b.k === K_INF) { putZero(neg); return; }
  if (b.k === K_ZERO) {
    if (a.k === K_ZERO) { X.f |= IE; putIndefinite(); return; }
    X.f |= ZE; putInf(neg); return;
  }
  if (a.k === K_ZERO) { putZero(neg); return; }
  // quotient to at least 67 significant bits, then a sticky bit
  const sh = 70 + bitLength(b.m) - bitLength(a.m);
  const num = sh > 0 ? a.m << BigInt(sh) : a.m;
  let q = num / b.m;
  let e = a.e - b.e - (sh > 0 ? sh : 0);
  if (q * b.m !== num) { q = (q << 1n) | 1n; e -= 1; }
  roundPack(neg, q, e, precOf(cw), (cw >> 10) & 3, cw);
}

/** Integer square root (floor). */
export function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  const nb = bitLength(n);
  // start just above the root: the binary64 root of the top bits, raised by a margin
  const sh = nb > 104 ? (nb - 104 + 1) & ~1 : 0;
  const est = BigInt(Math.floor(Math.sqrt(Number(n >> BigInt(sh))))) + 2n;
  let x = (est + (est >> 40n) + 1n) << BigInt(sh >> 1);
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

export function sqrt80(a: Un, cw: number): void {
  if (a.k === K_ZERO) { putUn(a); return; }
  if (a.k === K_UNSUPPORTED || a.k === K_NAN) { special1(a, cw); return; }
  if (a.neg) { X.f |= IE; putIndefinite(); return; } // -∞, negative finite (a negative denormal: IE only)
  if (a.k === K_INF) { putUn(a); return; }
  if (a.k === K_DENORMAL && denormal(cw)) return;
  let m = a.m, e = a.e;
  // root to at least 67 bits: m * 2^sh with sh even and m * 2^sh >= 2^134
  let sh = 140 - bitLength(m);
  if (sh < 0) sh = 0;
  if (((e - sh) & 1) !== 0) sh += 1;
  m <<= BigInt(sh); e -= sh;
  let r = isqrt(m);
  let er = e / 2;
  if (r * r !== m) { r = (r << 1n) | 1n; er -= 1; }
  roundPack(false, r, er, precOf(cw), (cw >> 10) & 3, cw);
}

/** ST op: 0 add, 1 mul, 4 sub, 5 subr, 6 div, 7 divr (the handlers' op numbers) on unpacked UA, UB. */
export function binop80(op: number, a: Un, b: Un, cw: number): void {
  switch (op) {
    case 0: add80(a, b, false, cw); return;
    case 1: mul80(a, b, cw); return;
    case 4: add80(a, b, true, cw); return;
    case 5: add80(b, a, true, cw); return;
    case 6: div80(a, b, cw); return;
    default: div80(b, a, cw); return;
  }
}

// ---- FPREM / FPREM1, FSCALE, FXTRACT -----------------------------------------------

/** Quotient bits of the last fprem80: 0..7, -1 for an incomplete reduction (C2 = 1), -2 for a NaN / invalid operand. */
export const QB = { k: 0 };
/** Exponent of the leading bit of a finite non-zero operand. */
const lead = (u: Un): number => u.e + bitLength(u.m) - 1;

/**
 * FPREM (ieee = false: truncated quotient) / FPREM1 (nearest): the exact
 * partial remainder of a / b; an exponent difference of 64 or more reduces by
 * (diff & 31) | 32 bits only, as Intel and AMD parts do (C2 = 1).
 */
export function fprem80(a: Un, b: Un, ieee: boolean, cw: number): void {
  QB.k = -2;
  if (a.k === K_UNSUPPORTED || b.k === K_UNSUPPORTED || a.k === K_NAN || b.k === K_NAN) { special2(a, b, cw); return; }
  if (a.k === K_INF || b.k === K_ZERO) { X.f |= IE; putIndefinite(); return; }
  if ((a.k === K_DENORMAL || b.k === K_DENORMAL) && denormal(cw)) return;
  QB.k = 0;
  if (b.k === K_INF) { if (a.k === K_ZERO) putUn(a); else roundPack(a.neg, a.m, a.e, 64, RN, cw); return; }
  if (a.k === K_ZERO) { putUn(a); return; }
  const d = lead(a) - lead(b);
  let A = a.m, B = b.m;
  const e0 = Math.min(a.e, b.e);
  if (d >= 64) {
    // reduce by n bits: a - trunc(a / (b * 2^(d - n))) * b * 2^(d - n)
    const n = (d & 31) | 32;
    const eb = b.e + d - n; // b scaled
    const f0 = Math.min(a.e, eb);
    A = a.m << BigInt(a.e - f0); B = b.m << BigInt(eb - f0);
    const R = A % B;
    QB.k = -1;
    if (R === 0n) { putZero(a.neg); return; }
    roundPack(a.neg, R, f0, 64, RN, cw);
    return;
  }
  if (d < -1 || (!ieee && d < 0)) { roundPack(a.neg, a.m, a.e, 64, RN, cw); return; } // |a| < |b|: a itself (normalised), quotient 0
  A = A << BigInt(a.e - e0); B = B << BigInt(b.e - e0);
  let q = A / B, R = A - q * B, negative = a.neg;
  if (ieee) {
    const twice = 2n * R;
    if (twice > B || (twice === B && (q & 1n) === 1n)) { R = B - R; q += 1n; negative = !negative; }
  }
  QB.k = Number(q & 7n);
  if (R === 0n) { putZero(a.neg); return; }
  roundPack(negative, R, e0, 64, RN, cw);
}

/** FSCALE: a * 2^trunc(b), rounded (64 bits, RC) only when the result leaves the range. */
export function fscale80(a: Un, b: Un, cw: number): void {
  if (special2(a, b, cw)) return;
  if (b.k === K_INF) {
    if (!b.neg) { if (a.k === K_ZERO) { X.f |= IE; putIndefinite(); return; } putInf(a.neg); return; }
    if (a.k === K_INF) { X.f |= IE; putIndefinite(); return; }
    putZero(a.neg); return;
  }
  if (a.k === K_ZERO || a.k === K_INF) { putUn(a); return; }
  let n = 0;
  if (b.k !== K_ZERO) {
    const L = lead(b);
    if (L >= 20) n = b.neg ? -(1 << 20) : 1 << 20; // far beyond the range either way
    else if (L >= 0) { const t = Number(b.e >= 0 ? b.m << BigInt(b.e) : b.m >> BigInt(-b.e)); n = b.neg ? -t : t; }
  }
  roundPack(a.neg, a.m, a.e + n, 64, (cw >> 10) & 3, cw);
}

/** FXTRACT: the significand (in E80) and the exponent as a value (XE, 80-bit image words). */
export const XE = new Uint32Array(3);
export function fxtract80(a: Un, cw: number): void {
  const keep = () => { XE[0] = E80[0]; XE[1] = E80[1]; XE[2] = E80[2]; };
  if (a.k === K_UNSUPPORTED || a.k === K_NAN) { special1(a, cw); keep(); return; }
  if (a.k === K_ZERO) { X.f |= ZE; putInf(true); keep(); putUn(a); return; }
  if (a.k === K_INF) { putInf(false); keep(); putUn(a); return; }
  if (a.k === K_DENORMAL && denormal(cw)) return;
  const L = lead(a);
  // the exponent: an integer, exact in 64 bits
  if (L === 0) putZero(false);
  else { const m = BigInt(Math.abs(L)); pack(L < 0, m, 0); }
  keep();
  pack(a.neg, a.m, -(bitLength(a.m) - 1));
}
