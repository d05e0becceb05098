/**
 * x87 transcendentals on 80-bit operands: F2XM1 FYL2X FYL2XP1 FPATAN FSIN
 * FCOS FSINCOS FPTAN for finite non-zero arguments in their domains, computed
 * with ~160-bit binary floating point (BigInt significands) and rounded once
 * to 64 bits with the rounding control (precision control does not apply to
 * these instructions). Special operands (NaN, ∞, 0, out of domain) are left
 * to trans.ts / the handlers.
 *
 * The hardware's results are not correctly rounded; how far these are from
 * this host's is measured by the x80trans fixtures (docs/fpu.md).
 */
import { C1, E80, PE, RN, X } from './num.js';
import { type Un, roundPack } from './x80.js';

/** A big binary float: m * 2^e (m signed). */
interface BF { m: bigint; e: number }
const W = 170; // working significand bits
const WB = BigInt(W);

function bl(m: bigint): number {
  if (m < 0n) m = -m;
  let n = 0;
  while (m >= 1n << 64n) { m >>= 64n; n += 64; }
  while (m > 0n) { m >>= 1n; n++; }
  return n;
}
function norm(a: BF): BF {
  const n = bl(a.m);
  if (n === 0) return { m: 0n, e: 0 };
  if (n > W) { const sh = n - W; return { m: a.m >> BigInt(sh), e: a.e + sh }; }
  return { m: a.m << BigInt(W - n), e: a.e - (W - n) };
}
const mul = (a: BF, b: BF): BF => norm({ m: a.m * b.m, e: a.e + b.e });
function add(a: BF, b: BF): BF {
  if (a.m === 0n) return b;
  if (b.m === 0n) return a;
  const la = a.e + bl(a.m), lb = b.e + bl(b.m);
  if (la - lb > W + 4) return a;
  if (lb - la > W + 4) return b;
  const e = Math.min(a.e, b.e);
  return norm({ m: (a.m << BigInt(a.e - e)) + (b.m << BigInt(b.e - e)), e });
}
const neg = (a: BF): BF => ({ m: -a.m, e: a.e });
const sub = (a: BF, b: BF): BF => add(a, neg(b));
function div(a: BF, b: BF): BF { return norm({ m: (a.m << (WB + 8n)) / b.m, e: a.e - b.e - W - 8 }); }
const divInt = (a: BF, k: number): BF => norm({ m: (a.m << 16n) / BigInt(k), e: a.e - 16 });
const small = (a: BF, below: number): boolean => a.m === 0n || a.e + bl(a.m) < below;
const lead = (a: BF): number => a.e + bl(a.m) - 1;
const ONE: BF = norm({ m: 1n, e: 0 });
const bfInt = (k: number): BF => norm({ m: BigInt(k), e: 0 });
function sqrtBF(a: BF): BF {
  // sqrt(m * 2^e): make e even and m wide
  let m = a.m, e = a.e;
  const sh = 2 * W + 4 - bl(m);
  m <<= BigInt(sh); e -= sh;
  if (e & 1) { m <<= 1n; e -= 1; }
  let x = 1n << BigInt((bl(m) + 1) >> 1);
  for (;;) { const y = (x + m / x) >> 1n; if (y >= x) break; x = y; }
  return norm({ m: x, e: e / 2 });
}

// ---- series --------------------------------------------------------------------

/** atanh(s) = s + s^3/3 + ... for |s| < 1/2. */
function atanhS(s: BF): BF {
  const s2 = mul(s, s);
  let term = s, sum = s;
  for (let k = 3; ; k += 2) {
    term = mul(term, s2);
    const t = divInt(term, k);
    if (small(t, lead(sum) - W - 2)) break;
    sum = add(sum, t);
  }
  return sum;
}
/** atan(t) = t - t^3/3 + ... for |t| small. */
function atanS(t: BF): BF {
  const t2 = mul(t, t);
  let term = t, sum = t;
  for (let k = 3; ; k += 2) {
    term = neg(mul(term, t2));
    const x = divInt(term, k);
    if (small(x, lead(sum) - W - 2)) break;
    sum = add(sum, x);
  }
  return sum;
}
/** e^t - 1 for |t| <= 1. */
function expm1S(t: BF): BF {
  let term = t, sum = t;
  for (let k = 2; ; k++) {
    term = divInt(mul(term, t), k);
    if (small(term, lead(sum) - W - 2)) break;
    sum = add(sum, term);
  }
  return sum;
}
/**
 * sin(r), cos(r) for |r| <= pi/4. When r is so small that only the first
 * term counts (r itself, 1), the sum is exactly a 64-bit value while the true
 * value is a little smaller in magnitude: FIRST says so. The rounding does
 * not use it (`out` rounds as from just above): for tiny arguments Intel
 * parts return r (FSIN) under chop / toward zero too, as the recorded Intel
 * trans.json shows, while this AMD host rounds the exact value (r − 1 ulp);
 * the modelled CPUs are Intel's, so the AMD cases are allow-listed
 * (docs/fpu.md).
 */
const FIRST = { s: false, c: false };
/** Round a first-term result as from below (the AMD host's, correct, behaviour): off, as Intel parts do. */
const ROUND_FIRST_BELOW = false;
function sinS(r: BF): BF {
  FIRST.s = false;
  if (r.m === 0n) return r;
  const r2 = mul(r, r);
  let term = r, sum = r;
  for (let k = 2; ; k += 2) {
    term = neg(divInt(mul(term, r2), k * (k + 1)));
    if (small(term, lead(sum) - W - 2)) { FIRST.s = k === 2; break; }
    sum = add(sum, term);
  }
  return sum;
}
function cosS(r: BF): BF {
  FIRST.c = false;
  const r2 = mul(r, r);
  let term = ONE, sum = ONE;
  for (let k = 1; ; k += 2) {
    term = neg(divInt(mul(term, r2), k * (k + 1)));
    if (term.m === 0n || small(term, -W - 2)) { FIRST.c = k === 1 && r.m !== 0n; break; }
    sum = add(sum, term);
  }
  return sum;
}

// ---- constants (computed once, to W bits) -------------------------------------------

const LN2 = mul(bfInt(2), atanhS(div(ONE, bfInt(3))));
/** pi to 300 bits (Machin), for the argument reduction of |x| < 2^64. */
const PI_WIDE = ((): BF => {
  const P = 320n;
  const atanInv = (n: bigint): bigint => {
    let sum = 0n, pw = (1n << P) / n, k = 1n, sign = 1n;
    const n2 = n * n;
    while (pw !== 0n) { sum += sign * (pw / k); pw /= n2; k += 2n; sign = -sign; }
    return sum;
  };
  return { m: 16n * atanInv(5n) - 4n * atanInv(239n), e: -320 };
})();
const PI = norm(PI_WIDE);
const PIO2 = { m: PI.m, e: PI.e - 1 };

// ---- operands and results ---------------------------------------------------------------

const fromUn = (u: Un): BF => norm({ m: u.neg ? -u.m : u.m, e: u.e });
/** The last value rounded by `out` (analysis scripts only). */
export const LAST: { v: BF } = { v: { m: 0n, e: 0 } };
/** Round to 64 bits with RC into E80; the x87 reports PE for these results (C1: rounded up). */
function out(a: BF, cw: number, below = false): void {
  LAST.v = a;
  if (a.m === 0n) { E80[0] = 0; E80[1] = 0; E80[2] = 0; return; }
  const negative = a.m < 0n;
  // a sticky bit below the working precision: the true value is never exactly a 64-bit value here;
  // `below`: its magnitude is a little less than |a| (a is a first series term)
  const m = ((negative ? -a.m : a.m) << 1n) + (below ? -1n : 1n);
  roundPack(negative, m, a.e - 1, 64, (cw >> 10) & 3, cw);
  X.f |= PE;
}
/** Result exactly representable (e.g. F2XM1(±1)): PE still reported by the x87. */
function exact(a: BF, cw: number): void {
  const negative = a.m < 0n;
  roundPack(negative, negative ? -a.m : a.m, a.e, 64, RN, cw);
  X.f |= PE;
}

// ---- the instructions (finite non-zero operands) ----------------------------------------------

/** F2XM1: 2^x - 1 for 0 < |x| <= 1. */
export function f2xm1_80(x: Un, cw: number): void {
  const t = mul(fromUn(x), LN2);
  out(expm1S(t), cw);
}

/** ln(x) for x > 0. */
function lnBF(x: BF): BF {
  const L = lead(x);
  let m: BF = { m: x.m, e: x.e - L }; // [1, 2)
  let k = L;
  // m > sqrt(2): use m/2
  if (m.m * m.m > (2n << BigInt(2 * (-m.e)))) { m = { m: m.m, e: m.e - 1 }; k += 1; }
  const s = div(sub(m, ONE), add(m, ONE));
  return add(mul(bfInt(k), LN2), mul(bfInt(2), atanhS(s)));
}
/** FYL2X: y * log2(x), x > 0 finite, y finite non-zero. */
export function fyl2x80(y: Un, x: Un, cw: number): void {
  const xb = fromUn(x);
  // log2 of a power of two is exact: y * k rounds once (still PE on the x87)
  if (x.m === (x.m & -x.m)) { exact(mul(fromUn(y), bfInt(lead(xb))), cw); return; }
  out(mul(fromUn(y), div(lnBF(xb), LN2)), cw);
}
/** FYL2XP1: y * log2(1 + x) for x > -1 (the documented domain is |x| < 1 - sqrt(2)/2). */
export function fyl2xp1_80(y: Un, x: Un, cw: number): void {
  const xb = fromUn(x);
  // small |x|: 2 atanh(x / (2 + x)) keeps the relative precision; else ln(1 + x) (1 + x exact enough in W bits)
  const l = lead(xb) < -1 ? mul(bfInt(2), atanhS(div(xb, add(bfInt(2), xb)))) : lnBF(add(ONE, xb));
  out(mul(fromUn(y), div(l, LN2)), cw);
}
/** FPATAN: atan2(y, x) for finite non-zero y, x. */
export function fpatan80(y: Un, x: Un, cw: number): void {
  const ay = fromUn({ ...y, neg: false }), ax = fromUn({ ...x, neg: false });
  const swap = lead(ay) > lead(ax) || (lead(ay) === lead(ax) && cmpAbs(ay, ax) > 0);
  let t = swap ? div(ax, ay) : div(ay, ax); // in (0, 1]
  // halve the argument twice: atan(t) = 2 atan(t / (1 + sqrt(1 + t^2)))
  let mult = 1;
  for (let i = 0; i < 3; i++) { t = div(t, add(ONE, sqrtBF(add(ONE, mul(t, t))))); mult *= 2; }
  let a = mul(bfInt(mult), atanS(t));
  if (swap) a = sub(PIO2, a);
  if (x.neg) a = sub(PI, a);
  if (y.neg) a = neg(a);
  out(a, cw);
}
function cmpAbs(a: BF, b: BF): number {
  const e = Math.min(a.e, b.e);
  const A = a.m << BigInt(a.e - e), B = b.m << BigInt(b.e - e);
  return A > B ? 1 : A < B ? -1 : 0;
}

/** x mod pi/2: the reduced argument and the quadrant (pi to ~300 bits; |x| < 2^63). */
const RQ = { q: 0 };
export const REDUCE = { pi: process.env['X87_PI'] === 'wide' ? PI_WIDE : { m: 0x3243f6a8885a308d3n, e: -64 } };
function reduce(x: BF): BF {
  // k = round(x / (pi/2)), r = x - k * pi/2 exactly, with the reduction constant
  const PIR = REDUCE.pi;
  const e = Math.min(x.e, PIR.e - 1);
  const X = x.m << BigInt(x.e - e), P = PIR.m << BigInt(PIR.e - 1 - e); // pi/2
  let k = X / P;
  let r = X - k * P;
  if (2n * (r < 0n ? -r : r) > P) { if (r > 0n) { k += 1n; r -= P; } else { k -= 1n; r += P; } }
  RQ.q = Number(((k % 4n) + 4n) % 4n);
  return norm({ m: r, e });
}
/** FSIN / FCOS / FSINCOS / FPTAN of a finite non-zero x, |x| < 2^63: results in SC. */
export const SC = { s: new Uint32Array(3), c: new Uint32Array(3) };
export function trig80(x: Un, kind: number, cw: number): void {
  const r = reduce(fromUn(x));
  const s = sinS(r), c = cosS(r);
  const odd = (RQ.q & 1) !== 0, snBelow = ROUND_FIRST_BELOW && (odd ? FIRST.c : FIRST.s), csBelow = ROUND_FIRST_BELOW && (odd ? FIRST.s : FIRST.c);
  let sn: BF, cs: BF;
  switch (RQ.q) {
    case 0: sn = s; cs = c; break;
    case 1: sn = c; cs = neg(s); break;
    case 2: sn = neg(s); cs = neg(c); break;
    default: sn = neg(c); cs = s; break;
  }
  const save = (dst: Uint32Array) => { dst[0] = E80[0]; dst[1] = E80[1]; dst[2] = E80[2]; };
  if (kind === 0) { out(sn, cw, snBelow); save(SC.s); return; }
  if (kind === 1) { out(cs, cw, csBelow); save(SC.s); return; }
  if (kind === 2) { out(div(sn, cs), cw); save(SC.s); return; }
  const f = X.f;
  out(cs, cw, csBelow); save(SC.c);
  X.f = f | (X.f & ~C1);
  out(sn, cw, snBelow); save(SC.s); // C1 describes the sine (host)
}
