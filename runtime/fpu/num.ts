/**
 * The x87's numeric core on f64 register values: bit access, the 80-bit
 * extended format, correctly rounded arithmetic with x87 exception flags,
 * rounding control and precision control, integer conversions.
 *
 * Register values are IEEE binary64 (see docs/fpu.md for what that changes).
 * Every operation here knows the sign of its rounding error exactly
 * (error-free transformations on the fast path, BigInt on the rare slow
 * path), so the precision flag PE, the round-up bit C1 and directed
 * rounding (RC = down/up/chop) are exact for the binary64 result, and
 * precision control 24 bits is applied by rounding again with that sticky
 * information (no double-rounding error).
 *
 * NaN payloads never travel through JS arrays or arithmetic: NaN results are
 * made from bits, signs are flipped on bits (V8 keeps NaN bits through locals
 * and typed arrays, not through plain arrays).
 */

/** Status-word bits (SDM vol. 1, 8.1.3). */
export const IE = 0x1, DE = 0x2, ZE = 0x4, OE = 0x8, UE = 0x10, PE = 0x20, SF = 0x40, ES = 0x80;
export const C0 = 0x100, C1 = 0x200, C2 = 0x400, C3 = 0x4000, BUSY = 0x8000;
export const EXC = 0x3f;
/** Rounding control (CW bits 11..10). */
export const RN = 0, RD = 1, RU = 2, RZ = 3;

/**
 * Flags produced by the last operation: exception bits (IE..PE) and C1 (the
 * "rounded up" indicator). Callers reset it with X.f = 0 where noted.
 */
export const X = { f: 0 };

// ---- bits ----------------------------------------------------------------

const SCR = new Float64Array(1);
const SCU = new Uint32Array(SCR.buffer);
export function hiOf(v: number): number { SCR[0] = v; return SCU[1]; }
export function loOf(v: number): number { SCR[0] = v; return SCU[0]; }
export function fromBits(hi: number, lo: number): number { SCU[0] = lo; SCU[1] = hi; return SCR[0]; }

/** The x87 "real indefinite" QNaN (sign 1, quiet bit only), as f64 bits FFF8000000000000. */
export const INDEFINITE = fromBits(0xfff80000, 0);
/**
 * How an 80-bit unsupported encoding (pseudo-NaN/infinity, unnormal) is held
 * in f64: a negative SNaN with payload 1, so arithmetic on it raises IE.
 */
export const UNSUPPORTED = fromBits(0xfff00000, 1);
export const MAX64 = fromBits(0x7fefffff, 0xffffffff);

export const isNaN64 = (v: number): boolean => v !== v;
export function isSNaN(v: number): boolean { return v !== v && (hiOf(v) & 0x80000) === 0; }
export function quiet(v: number): number { SCR[0] = v; SCU[1] |= 0x80000; return SCR[0]; }
export function neg(v: number): number { SCR[0] = v; SCU[1] ^= 0x80000000; return SCR[0]; }
export function abs(v: number): number { SCR[0] = v; SCU[1] &= 0x7fffffff; return SCR[0]; }
/** Sign bit (also of -0 and NaNs). */
export function signBit(v: number): number { return hiOf(v) >>> 31; }

/** Exactly 2^e for -1074 <= e <= 1023. */
export function pow2(e: number): number {
  if (e >= -1022) return fromBits((e + 1023) << 20, 0);
  const k = e + 1074; // bit index in the 52-bit fraction
  return k >= 32 ? fromBits(1 << (k - 32), 0) : fromBits(0, (1 << k) >>> 0);
}
/** x * 2^n exactly where representable (stepwise, so 2^n itself may be out of range). */
export function scale2(x: number, n: number): number {
  while (n > 1023) { x *= 8.98846567431158e307; n -= 1023; if (!isFinite(x)) return x; }
  while (n < -1022) { x *= 2.2250738585072014e-308; n += 1022; if (x === 0) return x; }
  return x * pow2(n);
}
/** floor(log2 |v|) for finite non-zero v (subnormals included). */
export function ilogb(v: number): number {
  const h = hiOf(v), e = (h >>> 20) & 0x7ff;
  if (e !== 0) return e - 1023;
  const l = loOf(v), f = h & 0xfffff;
  return f !== 0 ? -1011 - Math.clz32(f) : -1074 + (31 - Math.clz32(l));
}
export function nextUp(v: number): number {
  if (v !== v || v === Infinity) return v;
  if (v === 0) return fromBits(0, 1);
  let h = hiOf(v), l = loOf(v);
  if (v > 0) { l = (l + 1) >>> 0; if (l === 0) h++; } else { if (l === 0) h--; l = (l - 1) >>> 0; }
  return fromBits(h, l);
}
export function nextDown(v: number): number { return neg(nextUp(neg(v))); }

// ---- BigInt views --------------------------------------------------------

/** Finite non-zero v = m * 2^e with integer m > 0. Returns e; the mantissa goes to BIG.m. */
export const BIG = { m: 0n };
export function decompose(v: number): number {
  const h = hiOf(v), l = loOf(v), e = (h >>> 20) & 0x7ff;
  const f = BigInt(h & 0xfffff) * 4294967296n + BigInt(l);
  if (e === 0) { BIG.m = f; return -1074; }
  BIG.m = f + 4503599627370496n; // 2^52
  return e - 1075;
}
export function bitLength(m: bigint): number {
  let n = 0;
  while (m >= 4294967296n) { m >>= 32n; n += 32; }
  return n + (m === 0n ? 0 : 32 - Math.clz32(Number(m)));
}

/**
 * Round (-1)^neg * m * 2^e exactly to a binary format with `prec` significand
 * bits, smallest normal exponent `emin`, largest exponent `emax` (a subset of
 * binary64), with rounding control `rc`. Returns the f64 result and ORs
 * PE / UE / OE and C1 into X.f. Tininess is detected after rounding (SDM vol.
 * 1, 4.9.1.5); masked underflow is reported only when also inexact, unless
 * `ueUnmasked`.
 */
export function roundBig(neg_: boolean, m: bigint, e: number, prec: number, emin: number, emax: number, rc: number, ueUnmasked = false): number {
  if (m === 0n) return neg_ ? -0 : 0;
  const nb = bitLength(m);
  const E = e + nb - 1;
  let q = E - prec + 1;
  const qmin = emin - prec + 1;
  let tiny = false;
  if (E < emin) {
    // Tiny after rounding to `prec` bits with an unbounded exponent?
    tiny = true;
    if (E === emin - 1) {
      const sh = q - e;
      if (sh > 0) {
        const keep = m >> BigInt(sh), rem = m - (keep << BigInt(sh));
        if (roundsUp(neg_, keep, rem, sh, rc) && bitLength(keep + 1n) > prec) tiny = false;
      }
    }
    q = qmin;
  }
  let keep: bigint, inexact = false, up = false;
  if (q > e) {
    const sh = q - e;
    keep = m >> BigInt(sh);
    const rem = m - (keep << BigInt(sh));
    if (rem !== 0n) {
      inexact = true;
      if (roundsUp(neg_, keep, rem, sh, rc)) { keep += 1n; up = true; }
    }
  } else {
    keep = m << BigInt(e - q);
  }
  if (keep !== 0n && bitLength(keep) + q - 1 > emax) {
    // Overflow: the masked response depends on the rounding direction.
    X.f |= OE | PE;
    const toInf = rc === RN || (rc === RU && !neg_) || (rc === RD && neg_);
    if (toInf) { X.f |= C1; return neg_ ? -Infinity : Infinity; }
    const max = (2 ** prec - 1) * pow2(emax - prec + 1);
    return neg_ ? -max : max;
  }
  if (tiny && (inexact || ueUnmasked)) X.f |= UE;
  if (inexact) { X.f |= PE; if (up) X.f |= C1; }
  const v = Number(keep) * pow2(q);
  return neg_ ? -v : v;
}
function roundsUp(neg_: boolean, keep: bigint, rem: bigint, sh: number, rc: number): boolean {
  if (rem === 0n) return false;
  switch (rc) {
    case RN: {
      const half = 1n << BigInt(sh - 1);
      return rem > half || (rem === half && (keep & 1n) === 1n);
    }
    case RD: return neg_;
    case RU: return !neg_;
    default: return false;
  }
}

// ---- rounding the f64 result of an operation --------------------------------

/**
 * The operation's binary64 round-to-nearest result r, and the sign of
 * (exact - r): errSign. Applies precision control (24 bits) and rounding
 * control, ORs PE and C1 into X.f, returns the register value.
 */
export { round24 };
export function finish(r: number, errSign: number, cw: number): number {
  const pc = (cw >> 8) & 3, rc = (cw >> 10) & 3;
  if (pc === 0) return round24(r, errSign, rc);
  if (errSign === 0) return r;
  X.f |= PE;
  let dir = -errSign; // sign of (result - exact)
  if (rc !== RN) {
    if (rc === RD ? errSign < 0 : rc === RU ? errSign > 0 : (r > 0 ? errSign < 0 : errSign > 0)) {
      r = errSign < 0 ? nextDown(r) : nextUp(r);
      dir = errSign;
    }
  }
  if ((dir > 0 && r > 0) || (dir < 0 && r < 0)) X.f |= C1;
  if (r !== 0 && Math.abs(r) < 2.2250738585072014e-308) X.f |= UE;
  return r;
}
/**
 * Smallest exponent at which binary64 still holds 24 significant bits: below
 * it the 24-bit result is rounded again to binary64's subnormal quantum.
 */
const PC24_EMIN = -1051;
/**
 * Precision control 24 bits: round r (+ the sticky errSign) to 24 significand
 * bits. For |r| in the fast paths' range (always, from `finish`) without
 * BigInt: |r| scaled by a power of two to [2^23, 2^24) (exact), its integer
 * and fraction parts decide; the same bits and flags as `round24Big`
 * (test/fpu/x80-fast.test.ts).
 */
function round24(r: number, errSign: number, rc: number): number {
  const a = Math.abs(r);
  if (!(a >= FAST_LO && a <= FAST_HI)) return round24Big(r, errSign, rc);
  const negative = r < 0, s = negative ? -errSign : errSign; // sign of (exact − r) in magnitude
  let q = pow2((((hiOf(a) >>> 20) & 0x7ff) - 1023) - 23);
  const t = a / q, d = t - Math.floor(t);
  let fl = Math.floor(t);
  if (d === 0 && s === 0) return r;
  if (d === 0 && s < 0 && fl === 8388608) { q /= 2; fl = 16777216; } // just below a power of two: the finer grid
  // the exact magnitude is fl + d + s·ε: its floor and whether it is above, at or below the half
  const base = d === 0 && s < 0 ? fl - 1 : fl;
  let up: boolean;
  if (rc === RN) {
    if (d === 0) up = s < 0; // just below fl (from fl − 1: round to fl) or just above fl (stay)
    else if (d !== 0.5) up = d > 0.5;
    else up = s > 0 || (s === 0 && (fl & 1) === 1);
  } else up = rc === RU ? !negative : rc === RD ? negative : false;
  const n = base + (up ? 1 : 0);
  X.f |= PE;
  if (up) X.f |= C1;
  const v = n * q;
  return negative ? -v : v;
}
/** The same with BigInt, for any finite r (the reference). */
export function round24Big(r: number, errSign: number, rc: number): number {
  if (r === 0 || !isFinite(r)) return r;
  const e = decompose(Math.abs(r));
  // exact = (2M + errSign) * 2^(e-1) sits on the same side of every 24-bit rounding point.
  return roundBig(r < 0, 2n * BIG.m + BigInt(errSign * (r < 0 ? -1 : 1)), e - 1, 24, PC24_EMIN, 1023, rc);
}

// ---- NaN propagation -------------------------------------------------------

/**
 * x87 NaN rules for two operands (SDM vol. 1, table 4-7): an SNaN raises IE
 * and is quieted; a QNaN beats an SNaN; of two NaNs of the same kind the
 * larger significand wins (equal significands: the positive one).
 */
export function nan2(a: number, b: number): number {
  const an = a !== a, bn = b !== b;
  const sa = an && (hiOf(a) & 0x80000) === 0, sb = bn && (hiOf(b) & 0x80000) === 0;
  if (sa || sb) X.f |= IE;
  if (an && bn) {
    // an SNaN and a QNaN: the QNaN; two of a kind: the larger significand (a tie: the positive one)
    if (sa !== sb) return sa ? b : a;
    const ha = hiOf(a), hb = hiOf(b), fa = ha & 0x7ffff, fb = hb & 0x7ffff, la = loOf(a), lb = loOf(b);
    if (fa > fb || (fa === fb && la > lb)) return quiet(a);
    if (fa < fb || la < lb) return quiet(b);
    return quiet(ha >= 0 && (ha >>> 31) === 0 ? a : (hb >>> 31) === 0 ? b : a);
  }
  return quiet(an ? a : b);
}
export function nan1(a: number): number {
  if ((hiOf(a) & 0x80000) === 0) X.f |= IE;
  return quiet(a);
}

// ---- arithmetic -------------------------------------------------------------

export const OP_ADD = 0, OP_MUL = 1, OP_SUB = 4, OP_SUBR = 5, OP_DIV = 6, OP_DIVR = 7;

const SPLIT = 134217729; // 2^27 + 1
/** Dekker: the exact error of the product p = fl(a*b), for operands in the safe range. */
function prodErr(a: number, b: number, p: number): number {
  let t = SPLIT * a;
  const ah = t - (t - a), al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b), bl = b - bh;
  return ((ah * bh - p) + ah * bl + al * bh) + al * bl;
}

/**
 * Outcome of the binary64 fast paths (`arith`, `sqrt`): 0 = the returned f64
 * is the x87's exact result; 1 = the result is in E80 (precision control 64
 * bits: a value with up to 64 significant bits); 2 = not decided here (an
 * operand or the result near the edges of the binary64 range, or a 64-bit
 * rounding the fast path cannot certify): the caller computes it exactly
 * with x80.ts.
 */
export const FAST = { st: 0 };
function slow(): number { FAST.st = 2; return 0; }

/** Results in this range are safe for the fast paths (no binary64 overflow / subnormal, Dekker products work). */
const FAST_LO = 1e-280, FAST_HI = 1e280;

/**
 * The operation's binary64 round-to-nearest result r (normal, in the fast
 * range) and its error err = exact - r (exact for + − ×; for ÷ and √ the
 * correctly signed quotient of an exact remainder, relative error 2^-53).
 * Rounds to the precision control with the rounding control.
 */
function finishX(r: number, err: number, exact: boolean, cw: number): number {
  const ar = Math.abs(r);
  if (!(ar >= FAST_LO && ar <= FAST_HI)) return slow();
  const pc = (cw >> 8) & 3;
  if (pc === 0 || pc === 2) return finish(r, err > 0 ? 1 : err < 0 ? -1 : 0, cw);
  if (err === 0) return r;
  return round64(r, err, exact, (cw >> 10) & 3);
}

/**
 * r + err rounded to 64 significant bits (|err| <= half an ulp of r in
 * binary64): r's 53 bits plus err counted in units of the 64-bit ulp, rounded
 * to an integer. The result goes to E80 (FAST.st = 1). With an approximate
 * err (÷, √: the exact result is then never on the 64-bit grid nor halfway)
 * the rounding is taken only when err is far from a decision point.
 */
function round64(r: number, err: number, exact: boolean, rc: number): number {
  const h = hiOf(r), l = loOf(r), negative = h >>> 31 === 1;
  let ex = ((h >>> 20) & 0x7ff) - 1023;
  let hi = (0x80000000 | ((h & 0xfffff) << 11) | (l >>> 21)) >>> 0;
  let lo = (l << 11) >>> 0;
  let t = (negative ? -err : err) * pow2(32 - ex) * 2147483648; // in 64-bit ulps of r, + = larger magnitude
  if (t === 0) t = (err > 0) !== negative ? 1e-30 : -1e-30; // err far below the ulp: only its sign matters
  let pow2below = false;
  if (t < 0 && hi === 0x80000000 && lo === 0) { t *= 2; pow2below = true; } // below 2^ex the ulp halves
  const fl = Math.floor(t), d = t - fl;
  let n: number;
  if (d === 0) {
    if (!exact) return slow();
    n = fl;
  } else {
    if (!exact && (d < 1e-9 || d > 1 - 1e-9 || Math.abs(d - 0.5) < 1e-9)) return slow();
    switch (rc) {
      case RN: n = d > 0.5 ? fl + 1 : d < 0.5 ? fl : fl + (fl & 1); break;
      case RZ: n = fl; break;
      case RU: n = negative ? fl : fl + 1; break;
      default: n = negative ? fl + 1 : fl; break;
    }
    X.f |= PE;
    if (n > t) X.f |= C1;
  }
  if (pow2below) {
    if (n !== 0) { hi = 0xffffffff; lo = (4294967296 + n) >>> 0; ex -= 1; }
  } else {
    let L = lo + n;
    if (L < 0) { L += 4294967296; hi = (hi - 1) >>> 0; } else if (L >= 4294967296) { L -= 4294967296; hi = (hi + 1) >>> 0; }
    lo = L;
  }
  E80[0] = lo; E80[1] = hi; E80[2] = (negative ? 0x8000 : 0) | (ex + 16383);
  FAST.st = 1;
  return r;
}

/**
 * ST-op fast path on binary64 operands: `a op b` for op in OP_ADD / OP_MUL /
 * OP_SUB / OP_DIV (reverse forms swap the operands before calling); see FAST
 * for the outcome. X.f must be cleared by the caller (operand conversions
 * may already have set DE/IE).
 */
export function arith(op: number, a: number, b: number, cw: number): number {
  FAST.st = 0;
  if (a !== a || b !== b) return nan2(a, b);
  switch (op) {
    case OP_ADD: case OP_SUB: {
      if (op === OP_SUB) b = neg(b);
      const s = a + b;
      if (s !== s) { X.f |= IE; return INDEFINITE; } // inf + -inf
      if (!isFinite(s)) return isFinite(a) && isFinite(b) ? slow() : s;
      if (s === 0) {
        // Exact zero: +0, or -0 when rounding down (or both operands are -0).
        const rc = (cw >> 10) & 3;
        return (rc === RD ? !(Object.is(a, 0) && Object.is(b, 0)) : Object.is(a, -0) && Object.is(b, -0)) ? -0 : 0;
      }
      const bb = s - a;
      const err = (a - (s - bb)) + (b - bb);
      if (err === 0 && (cw & 0x300) !== 0) return s; // exact (a binary64 subnormal is a normal extended value)
      return finishX(s, err, true, cw);
    }
    case OP_MUL: {
      const p = a * b;
      if (p !== p) { X.f |= IE; return INDEFINITE; } // 0 * inf
      if (!isFinite(p)) return isFinite(a) && isFinite(b) ? slow() : p;
      if (a === 0 || b === 0) return p;
      const mp = Math.abs(p);
      if (!(mp >= FAST_LO && mp <= FAST_HI) || Math.abs(a) > FAST_HI || Math.abs(b) > FAST_HI) return slow();
      return finishX(p, prodErr(a, b, p), true, cw);
    }
    default: { // OP_DIV
      const ainf = !isFinite(a), binf = !isFinite(b);
      if ((ainf && binf) || (a === 0 && b === 0)) { X.f |= IE; return INDEFINITE; }
      if (b === 0) { X.f |= ZE; return signBit(a) ^ signBit(b) ? -Infinity : Infinity; }
      const q = a / b;
      if (ainf || binf || a === 0) return q;
      const mq = Math.abs(q), mb = Math.abs(b), ma = Math.abs(a);
      if (!(mq >= FAST_LO && mq <= FAST_HI && mb >= FAST_LO && mb <= FAST_HI && ma >= FAST_LO && ma <= FAST_HI)) return slow();
      const p = q * b, pe = prodErr(q, b, p);
      const rem = (a - p) - pe; // exact: a - p by Sterbenz, and the remainder is representable
      return finishX(q, rem / b, false, cw);
    }
  }
}

/** FSQRT fast path on a binary64 operand (see FAST). */
export function sqrt(a: number, cw: number): number {
  FAST.st = 0;
  if (a !== a) return nan1(a);
  if (a === 0 || a === Infinity) return a;
  if (a < 0) { X.f |= IE; return INDEFINITE; }
  if (!(a >= FAST_LO && a <= FAST_HI)) return slow();
  const r = Math.sqrt(a);
  const p = r * r, pe = prodErr(r, r, p);
  const res = (a - p) - pe; // exact
  return finishX(r, res / (2 * r), false, cw);
}

// ---- comparisons ----------------------------------------------------------------

/** 0: a > b, 1: a < b, 2: equal, 3: unordered (SNaN or, for `ordered`, any NaN: IE). */
export function compare(a: number, b: number, quietNaN: boolean): number {
  if (a !== a || b !== b) {
    if (!quietNaN || isSNaN(a) || isSNaN(b)) X.f |= IE;
    return 3;
  }
  return a > b ? 0 : a < b ? 1 : 2;
}

// ---- integers --------------------------------------------------------------------

/**
 * Round v to an integer value with rounding control rc (FRNDINT, FIST*).
 * ORs PE/C1 into X.f when inexact. Keeps the sign of zero.
 */
export function roundInt(v: number, rc: number): number {
  if (!isFinite(v) || v !== v) return v;
  const a = Math.abs(v);
  if (a >= 4503599627370496) return v; // 2^52: already an integer
  const fl = Math.floor(v), d = v - fl; // exact
  if (d === 0) return v;
  let r: number;
  switch (rc) {
    case RN: r = d > 0.5 ? fl + 1 : d < 0.5 ? fl : (fl % 2 === 0 ? fl : fl + 1); break;
    case RD: r = fl; break;
    case RU: r = fl + 1; break;
    default: r = v < 0 ? fl + 1 : fl; break;
  }
  X.f |= PE;
  if (Math.abs(r) > a) X.f |= C1;
  return r === 0 ? (v < 0 ? -0 : 0) : r;
}

/**
 * Round the exact value (-1)^negative * m * 2^e (m >= 0) to an integer
 * magnitude with rounding control rc (FIST, FBSTP, FRNDINT on an exact
 * 80-bit image). ORs PE / C1 into X.f when inexact.
 */
export function roundIntBig(negative: boolean, m: bigint, e: number, rc: number): bigint {
  if (e >= 0) return e > 80 ? 1n << 90n : m << BigInt(e); // (beyond every integer format)
  const sh = BigInt(-e);
  if (sh > 80n) { // below 1/2: only the directed modes move away from zero
    if (m === 0n) return 0n;
    X.f |= PE;
    const up = rc === RD ? negative : rc === RU ? !negative : false;
    if (up) X.f |= C1;
    return up ? 1n : 0n;
  }
  let n = m >> sh;
  const rem = m - (n << sh);
  if (rem !== 0n) {
    const half = 1n << (sh - 1n);
    const up = rc === RN ? rem > half || (rem === half && (n & 1n) === 1n)
      : rc === RD ? negative : rc === RU ? !negative : false;
    if (up) { n += 1n; X.f |= C1; }
    X.f |= PE;
  }
  return n;
}

// ---- 80-bit extended format ------------------------------------------------------

/** An 80-bit value as (mantissa lo, mantissa hi, sign|exponent): the scratch result of to80. */
export const E80 = new Uint32Array(3);

/** f64 -> 80-bit, exact. Result in E80. */
export function to80(v: number): void {
  const h = hiOf(v), l = loOf(v);
  const sign = (h >>> 16) & 0x8000, e = (h >>> 20) & 0x7ff, fh = h & 0xfffff;
  if (e === 0x7ff) {
    E80[0] = (l << 11) >>> 0;
    E80[1] = (0x80000000 | (fh << 11) | (l >>> 21)) >>> 0;
    E80[2] = sign | 0x7fff;
  } else if (e !== 0) {
    E80[0] = (l << 11) >>> 0;
    E80[1] = (0x80000000 | (fh << 11) | (l >>> 21)) >>> 0;
    E80[2] = sign | (e - 1023 + 16383);
  } else if (fh === 0 && l === 0) {
    E80[0] = 0; E80[1] = 0; E80[2] = sign;
  } else {
    // Subnormal f64: normal in the extended format.
    let mh = fh, ml = l, ex = -1022;
    // normalise the 53-bit (hidden bit 0) mantissa so bit 52 is set
    while ((mh & 0x100000) === 0) { mh = (mh << 1) | (ml >>> 31); ml = (ml << 1) >>> 0; ex--; }
    E80[0] = (ml << 11) >>> 0;
    E80[1] = ((mh << 11) | (ml >>> 21)) >>> 0;
    E80[2] = sign | (ex + 16383);
  }
}

/** Kind of an 80-bit encoding. */
export const K_ZERO = 0, K_NORMAL = 1, K_DENORMAL = 2, K_INF = 3, K_NAN = 4, K_UNSUPPORTED = 5;
export function kind80(lo: number, hi: number, se: number): number {
  const e = se & 0x7fff;
  if (e === 0x7fff) {
    if ((hi & 0x80000000) === 0) return K_UNSUPPORTED;
    return (hi & 0x7fffffff) === 0 && lo === 0 ? K_INF : K_NAN;
  }
  if (e === 0) return hi === 0 && lo === 0 ? K_ZERO : K_DENORMAL;
  return (hi & 0x80000000) === 0 ? K_UNSUPPORTED : K_NORMAL;
}

/** Is the 80-bit value exactly an f64 (so no shadow copy is needed)? */
export function exactIn64(lo: number, hi: number, se: number): boolean {
  const k = kind80(lo, hi, se);
  if (k === K_ZERO || k === K_INF) return true;
  if (k === K_DENORMAL || k === K_UNSUPPORTED) return false;
  if ((lo & 0x7ff) !== 0) return false;
  if (k === K_NAN) return ((hi & 0x7fffffff) >>> 11) !== 0 || (((hi << 21) | (lo >>> 11)) >>> 0) !== 0;
  const E = (se & 0x7fff) - 16383;
  if (E > 1023) return false;
  if (E >= -1022) return true;
  if (E < -1074) return false;
  // f64 subnormal: the low (-1022 - E) bits of the 53-bit mantissa must be zero too
  const drop = -1022 - E + 11; // bits dropped from the 64-bit mantissa
  return drop < 32 ? (lo & ((1 << drop) - 1)) === 0 : lo === 0 && (drop === 32 || (hi & ((1 << (drop - 32)) - 1)) === 0);
}

/** 80-bit -> f64 rounded to nearest (the register value). Unsupported encodings become UNSUPPORTED. */
export function from80(lo: number, hi: number, se: number): number {
  const e = se & 0x7fff, negative = (se & 0x8000) !== 0;
  switch (kind80(lo, hi, se)) {
    case K_ZERO: return negative ? -0 : 0;
    case K_INF: return negative ? -Infinity : Infinity;
    case K_UNSUPPORTED: return UNSUPPORTED;
    case K_NAN: {
      let fh = (hi >>> 11) & 0xfffff;
      let fl = ((hi << 21) | (lo >>> 11)) >>> 0;
      if (fh === 0 && fl === 0) fl = 1; // payload only in the low bits: keep it a NaN
      if ((hi & 0x40000000) !== 0) fh |= 0x80000;
      return fromBits((negative ? 0x80000000 : 0) | 0x7ff00000 | fh, fl);
    }
    case K_DENORMAL: return negative ? -0 : 0; // below 2^-16382: far below binary64
    default: {
      const E = e - 16383;
      if (E >= -1022 && E <= 1023) {
        const m = (hi * 4294967296 + lo) * 1.0842021724855044e-19; // * 2^-63; one rounding
        const v = m * pow2(E > 1022 ? 1022 : E) * (E > 1022 ? 2 : 1);
        return negative ? -v : v;
      }
      if (E > 1023) return negative ? -Infinity : Infinity;
      const m = (BigInt(hi) << 32n) | BigInt(lo);
      const saved = X.f;
      const v = roundBig(negative, m, E - 63, 53, -1022, 1023, RN);
      X.f = saved;
      return v;
    }
  }
}

/**
 * 80-bit value -> exact (negative, m, e) as value = m * 2^e; returns e and sets
 * BIG.m (finite non-zero normal/denormal encodings only).
 */
export function decompose80(lo: number, hi: number, se: number): number {
  BIG.m = (BigInt(hi) << 32n) | BigInt(lo);
  const e = se & 0x7fff;
  return (e === 0 ? 1 : e) - 16383 - 63;
}

/**
 * 80-bit from an exact (negative, m, e): m must fit 64 bits after
 * normalisation (integers up to 2^64, BCD) — used for loads that are exact
 * in the extended format. Result in E80.
 */
export function exactTo80(negative: boolean, m: bigint, e: number): void {
  if (m === 0n) { E80[0] = 0; E80[1] = 0; E80[2] = negative ? 0x8000 : 0; return; }
  const nb = bitLength(m);
  const mm = m << BigInt(64 - nb);
  E80[0] = Number(mm & 0xffffffffn);
  E80[1] = Number(mm >> 32n);
  E80[2] = (negative ? 0x8000 : 0) | (e + nb - 1 + 16383);
}
