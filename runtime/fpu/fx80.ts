/**
 * Number-only x87 arithmetic for the common case: + − × ÷ of two normal
 * 80-bit operands (explicit integer bit set, exponent 1..0x7FFE) whose
 * result is normal again. The 64-bit significands are pairs of 32-bit words;
 * the exact result is formed in a 128-bit window (four words) plus a sticky
 * bit and rounded to the precision control with the rounding control. Same
 * bits and flags as x80.ts (which handles everything else, in BigInt);
 * returns false, having changed nothing, when the case is not for it.
 */
import { C1, E80, PE, RD, RN, RU, X } from './num.js';

const TWO32 = 4294967296, INV16 = 1 / 65536;
// the 128-bit window (W3 most significant) and the sticky bit below it
let W3 = 0, W2 = 0, W1 = 0, W0 = 0, ST = false;

/**
 * Round the normalised window (W3 bit 31 set, leading bit of exponent E,
 * unbiased) to `prec` bits; on success writes E80 and ORs PE / C1 into X.f.
 */
function roundWin(neg: boolean, E: number, prec: number, rc: number): boolean {
  let hi = W3, lo = W2, r: number, half: number, rest: boolean, odd: boolean;
  if (prec === 64) { r = W1; half = 0x80000000; rest = W0 !== 0 || ST; odd = (W2 & 1) !== 0; }
  else if (prec === 53) { r = W2 & 0x7ff; half = 0x400; rest = (W1 | W0) !== 0 || ST; odd = (W2 & 0x800) !== 0; lo = (W2 & ~0x7ff) >>> 0; }
  else { r = W3 & 0xff; half = 0x80; rest = (W2 | W1 | W0) !== 0 || ST; odd = (W3 & 0x100) !== 0; hi = (W3 & ~0xff) >>> 0; lo = 0; }
  const inexact = r !== 0 || rest;
  let up = false;
  if (inexact) {
    if (rc === RN) up = r > half || (r === half && (rest || odd));
    else up = rc === RU ? !neg : rc === RD ? neg : false;
  }
  if (up) {
    const inc = prec === 64 ? 1 : prec === 53 ? 0x800 : 0;
    if (inc !== 0) {
      const t = lo + inc;
      if (t >= TWO32) { lo = t - TWO32; hi += 1; } else lo = t;
    } else hi += 0x100;
    if (hi >= TWO32) { hi = 0x80000000; E += 1; }
  }
  const be = E + 16383;
  if (be <= 0 || be >= 0x7fff) return false; // tiny or huge: x80.ts
  E80[0] = lo >>> 0; E80[1] = hi >>> 0; E80[2] = (neg ? 0x8000 : 0) | be;
  if (inexact) X.f |= up ? PE | C1 : PE;
  return true;
}

/** Normalise the window left so that W3 bit 31 is set; returns the shift (-1: all zero). */
function normalise(): number {
  let k = 0;
  while (W3 === 0) {
    if ((W2 | W1 | W0) === 0) return -1;
    W3 = W2; W2 = W1; W1 = W0; W0 = 0; k += 32;
  }
  const z = Math.clz32(W3);
  if (z !== 0) {
    W3 = ((W3 << z) | (W2 >>> (32 - z))) >>> 0;
    W2 = ((W2 << z) | (W1 >>> (32 - z))) >>> 0;
    W1 = ((W1 << z) | (W0 >>> (32 - z))) >>> 0;
    W0 = (W0 << z) >>> 0;
  }
  return k + z;
}

const isNormal = (hi: number, se: number): boolean => {
  const e = se & 0x7fff;
  return e !== 0 && e !== 0x7fff && (hi & 0x80000000) !== 0;
};

/** a + b (sub: a − b) for normal a, b. */
function add(alo: number, ahi: number, ase: number, blo: number, bhi: number, bse: number, sub: boolean, prec: number, rc: number): boolean {
  let an = (ase & 0x8000) !== 0, bn = ((bse & 0x8000) !== 0) !== sub;
  let ea = ase & 0x7fff, eb = bse & 0x7fff;
  // |a| >= |b|
  if (eb > ea || (eb === ea && (bhi > ahi || (bhi === ahi && blo > alo)))) {
    let t = alo; alo = blo; blo = t; t = ahi; ahi = bhi; bhi = t; t = ea; ea = eb; eb = t;
    const n = an; an = bn; bn = n;
  }
  const d = ea - eb;
  // b shifted right by d in the window [B3 B2 B1 B0] + sticky
  let B3 = bhi, B2 = blo, B1 = 0, B0 = 0, sticky = false;
  if (d >= 128) { B3 = 0; B2 = 0; sticky = true; } else if (d > 0) {
    let k = d;
    while (k >= 32) { if (B0 !== 0) sticky = true; B0 = B1; B1 = B2; B2 = B3; B3 = 0; k -= 32; }
    if (k > 0) {
      if ((B0 << (32 - k)) !== 0) sticky = true;
      B0 = ((B0 >>> k) | (B1 << (32 - k))) >>> 0;
      B1 = ((B1 >>> k) | (B2 << (32 - k))) >>> 0;
      B2 = ((B2 >>> k) | (B3 << (32 - k))) >>> 0;
      B3 = B3 >>> k;
    }
  }
  let E = ea - 16383;
  if (an === bn) {
    let t = B0; W0 = t >>> 0; let c = 0;
    t = B1 + c; W1 = t >>> 0; c = t >= TWO32 ? 1 : 0;
    t = alo + B2 + c; W2 = t >>> 0; c = t >= TWO32 ? 1 : 0;
    t = ahi + B3 + c; W3 = t >>> 0; c = t >= TWO32 ? 1 : 0;
    if (c) { // carry out: shift right by one
      if (W0 & 1) sticky = true;
      W0 = ((W0 >>> 1) | (W1 << 31)) >>> 0; W1 = ((W1 >>> 1) | (W2 << 31)) >>> 0;
      W2 = ((W2 >>> 1) | (W3 << 31)) >>> 0; W3 = ((W3 >>> 1) | 0x80000000) >>> 0;
      E += 1;
    }
    ST = sticky;
    return roundWin(an, E, prec, rc);
  }
  // a − b − (sticky: a little more, kept as the sticky bit)
  let t = 0 - B0 - (sticky ? 1 : 0); let br = t < 0 ? 1 : 0; W0 = (t + (br ? TWO32 : 0)) >>> 0;
  t = 0 - B1 - br; br = t < 0 ? 1 : 0; W1 = (t + (br ? TWO32 : 0)) >>> 0;
  t = alo - B2 - br; br = t < 0 ? 1 : 0; W2 = (t + (br ? TWO32 : 0)) >>> 0;
  t = ahi - B3 - br; W3 = (t + (t < 0 ? TWO32 : 0)) >>> 0;
  const k = normalise();
  if (k < 0) { // exact zero (only without sticky): +0, or −0 rounding down
    E80[0] = 0; E80[1] = 0; E80[2] = rc === RD ? 0x8000 : 0;
    return true;
  }
  ST = sticky;
  return roundWin(an, E - k, prec, rc);
}

/** a × b for normal a, b. */
function mul(alo: number, ahi: number, ase: number, blo: number, bhi: number, bse: number, prec: number, rc: number): boolean {
  const a0 = alo & 0xffff, a1 = alo >>> 16, a2 = ahi & 0xffff, a3 = ahi >>> 16;
  const b0 = blo & 0xffff, b1 = blo >>> 16, b2 = bhi & 0xffff, b3 = bhi >>> 16;
  let v = a0 * b0;
  let c = Math.floor(v * INV16);
  const l0 = v - c * 65536;
  v = a0 * b1 + a1 * b0 + c; c = Math.floor(v * INV16); const l1 = v - c * 65536;
  v = a0 * b2 + a1 * b1 + a2 * b0 + c; c = Math.floor(v * INV16); const l2 = v - c * 65536;
  v = a0 * b3 + a1 * b2 + a2 * b1 + a3 * b0 + c; c = Math.floor(v * INV16); const l3 = v - c * 65536;
  v = a1 * b3 + a2 * b2 + a3 * b1 + c; c = Math.floor(v * INV16); const l4 = v - c * 65536;
  v = a2 * b3 + a3 * b2 + c; c = Math.floor(v * INV16); const l5 = v - c * 65536;
  v = a3 * b3 + c; const l7 = Math.floor(v * INV16); const l6 = v - l7 * 65536;
  W0 = (l0 | (l1 << 16)) >>> 0; W1 = (l2 | (l3 << 16)) >>> 0; W2 = (l4 | (l5 << 16)) >>> 0; W3 = (l6 | (l7 << 16)) >>> 0;
  let E = (ase & 0x7fff) + (bse & 0x7fff) - 2 * 16383 + 1;
  if ((W3 & 0x80000000) === 0) { normaliseOne(); E -= 1; }
  ST = false;
  return roundWin(((ase ^ bse) & 0x8000) !== 0, E, prec, rc);
}
function normaliseOne(): void {
  W3 = ((W3 << 1) | (W2 >>> 31)) >>> 0; W2 = ((W2 << 1) | (W1 >>> 31)) >>> 0;
  W1 = ((W1 << 1) | (W0 >>> 31)) >>> 0; W0 = (W0 << 1) >>> 0;
}

// ---- ÷ and √ without BigInt: 22-bit limbs in doubles ---------------------------------
//
// A 64-bit significand is three limbs of 22 bits (x2 x1 x0, x2 < 2^20). A
// quotient or root digit of 22 bits is estimated in binary64 (relative error
// a few 2^-53, so the floor is off by at most one), then the exact remainder
// is formed limb by limb (every product < 2^45, every sum < 2^53: exact in
// doubles) and the digit corrected until the remainder is in range. Three
// digits give 66 bits, the remainder's being non-zero the sticky bit.

const L22 = 4194304, INV22 = 1 / 4194304, L44 = L22 * L22;
// remainder limbs of the division (T3 is the sign / overflow limb)
let T0 = 0, T1 = 0, T2 = 0, T3 = 0;
/** Carry-propagate T0..T3 so that T0..T2 are in [0, 2^22). */
function carry(): void {
  let c = Math.floor(T0 * INV22); T0 -= c * L22; T1 += c;
  c = Math.floor(T1 * INV22); T1 -= c * L22; T2 += c;
  c = Math.floor(T2 * INV22); T2 -= c * L22; T3 += c;
}
/**
 * One quotient digit: R = (T2 T1 T0) < B on entry; returns q = floor(R·2^22 / B)
 * and leaves R·2^22 − q·B (< B) in T2 T1 T0.
 */
function divDigit(b2: number, b1: number, b0: number, bd: number): number {
  const r2 = T2, r1 = T1, r0 = T0;
  let q = Math.floor(((r2 * L44 + r1 * L22 + r0) * L22) / bd);
  T0 = -q * b0; T1 = r0 - q * b1; T2 = r1 - q * b2; T3 = r2;
  carry();
  while (T3 < 0) { q -= 1; T0 += b0; T1 += b1; T2 += b2; carry(); }
  while (T3 > 0 || T2 > b2 || (T2 === b2 && (T1 > b1 || (T1 === b1 && T0 >= b0)))) {
    q += 1; T0 -= b0; T1 -= b1; T2 -= b2; carry();
  }
  return q;
}
/**
 * Put a 67-bit integer q0·2^66 + q1·2^44 + q2·2^22 + q3 (q0 0 or 1, the
 * others < 2^22) at the top of the window (bit 66 on window bit 127).
 */
function place(q0: number, q1: number, q2: number, q3: number): void {
  W3 = ((q0 << 31) | (q1 << 9) | (q2 >>> 13)) >>> 0;
  W2 = ((q2 << 19) | (q3 >>> 3)) >>> 0;
  W1 = (q3 << 29) >>> 0;
  W0 = 0;
}

/** a ÷ b for normal a, b: 66 or 67 quotient bits by 22-bit digits, the remainder as the sticky bit. */
function div(alo: number, ahi: number, ase: number, blo: number, bhi: number, bse: number, prec: number, rc: number): boolean {
  const b0 = blo & 0x3fffff, b1 = ((blo >>> 22) | ((bhi & 0xfff) << 10)) >>> 0, b2 = bhi >>> 12;
  const bd = b2 * L44 + b1 * L22 + b0; // B rounded to binary64 (for the estimates only)
  T0 = alo & 0x3fffff; T1 = ((alo >>> 22) | ((ahi & 0xfff) << 10)) >>> 0; T2 = ahi >>> 12; T3 = 0;
  // A / B is in (1/2, 2): the integer digit first
  let q0 = 0;
  if (ahi > bhi || (ahi === bhi && alo >= blo)) { q0 = 1; T0 -= b0; T1 -= b1; T2 -= b2; carry(); }
  const q1 = divDigit(b2, b1, b0, bd), q2 = divDigit(b2, b1, b0, bd), q3 = divDigit(b2, b1, b0, bd);
  ST = (T0 | T1 | T2) !== 0;
  place(q0, q1, q2, q3);
  let E = (ase & 0x7fff) - (bse & 0x7fff);
  if ((W3 & 0x80000000) === 0) { normaliseOne(); E -= 1; }
  return roundWin(((ase ^ bse) & 0x8000) !== 0, E, prec, rc);
}

/**
 * op (the handlers' numbering: 0 add, 1 mul, 4 sub, 5 subr, 6 div, 7 divr)
 * on two 80-bit images; false when an operand is not normal or the result
 * leaves the normal range (nothing changed then).
 */
export function fastBin80(op: number, alo: number, ahi: number, ase: number, blo: number, bhi: number, bse: number, cw: number): boolean {
  if (!isNormal(ahi, ase) || !isNormal(bhi, bse)) return false;
  const pc = (cw >> 8) & 3, prec = pc === 0 ? 24 : pc === 2 ? 53 : 64, rc = (cw >> 10) & 3;
  switch (op) {
    case 0: return add(alo, ahi, ase, blo, bhi, bse, false, prec, rc);
    case 1: return mul(alo, ahi, ase, blo, bhi, bse, prec, rc);
    case 4: return add(alo, ahi, ase, blo, bhi, bse, true, prec, rc);
    case 5: return add(blo, bhi, bse, alo, ahi, ase, true, prec, rc);
    case 6: return div(alo, ahi, ase, blo, bhi, bse, prec, rc);
    default: return div(blo, bhi, bse, alo, ahi, ase, prec, rc);
  }
}

/**
 * Next root digit: S = sh·2^22 + sl is the root so far of the top part P of
 * the radicand, with remainder r = P − S² (0 <= r <= 2S); the radicand gains
 * 44 bits c. Returns d (< 2^23) with (S·2^22 + d)² <= P·2^44 + c < (S·2^22 + d + 1)²
 * and its remainder as V·2^22 + c − d² (V in SQV: the remainder can exceed 2^53).
 */
let SQV = 0;
function sqrtDigit(sh: number, sl: number, r: number, c: number): number {
  const s = sh * L22 + sl, y = r * L44 + c, s22 = s * L22;
  let d = Math.floor(y / (s22 + Math.sqrt(s22 * s22 + y)));
  for (;;) {
    // remainder = (r − 2·sh·d)·2^44 − 2·sl·d·2^22 + c − d², in pieces that stay exact
    const v = (r - 2 * sh * d) * L22 - 2 * sl * d;
    const hi = v * L22, lo = d * d - c; // remainder = hi − lo
    if (hi < lo) { d -= 1; continue; }
    // remainder > 2(S·2^22 + d): one more
    if ((v - 2 * s) * L22 > lo + 2 * d) { d += 1; continue; }
    SQV = v;
    return d;
  }
}

/** FSQRT of a positive normal 80-bit value: a 66-bit integer root by 22-bit digits, the remainder as the sticky bit. */
export function fastSqrt80(lo: number, hi: number, se: number, cw: number): boolean {
  if (!isNormal(hi, se) || (se & 0x8000) !== 0) return false;
  const e = (se & 0x7fff) - 16383; // value = m * 2^(e - 63)
  const k = ((e - 63 - 67) & 1) === 0 ? 67 : 68;
  // the radicand M = m·2^k < 2^132 in 44-bit pieces: P0 (bits 88..131), c1 (bits 44..87), 0
  let p0: number, c1: number;
  if (k === 68) { p0 = hi * 4096 + (lo >>> 20); c1 = (lo & 0xfffff) * 16777216; } else { p0 = hi * 2048 + (lo >>> 21); c1 = (lo & 0x1fffff) * 8388608; }
  const s1 = Math.floor(Math.sqrt(p0)); // exact: p0 < 2^44
  const r1 = p0 - s1 * s1;
  const d2 = sqrtDigit(0, s1, r1, c1);
  const r2 = SQV * L22 + c1 - d2 * d2; // < 2^46 here: exact
  const d3 = sqrtDigit(s1, d2, r2, 0);
  ST = SQV * L22 !== d3 * d3;
  place(0, s1, d2, d3);
  normaliseOne(); // the root's bit 65 onto window bit 127
  const pc = (cw >> 8) & 3;
  return roundWin(false, 65 + (e - 63 - k) / 2, pc === 0 ? 24 : pc === 2 ? 53 : 64, (cw >> 10) & 3);
}
