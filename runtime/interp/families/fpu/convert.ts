/**
 * Register values to memory formats for the x87 stores: m32fp, m64fp (from
 * the f64 value or the exact 80-bit image) and m16int/m32int/m64int.
 */
import {
  BIG, C1, E80, IE, INDEFINITE, K_DENORMAL, K_INF, K_NAN, K_NORMAL, K_UNSUPPORTED, K_ZERO, PE, RD, RN, RU, UE, X,
  decompose, decompose80, fromBits, hiOf, kind80, loOf, roundBig, roundInt, roundIntBig, signBit,
} from '../../../fpu/num.js';
import { Fpu } from '../../../fpu/state.js';

/** f64 -> m32fp bits with rounding control; flags into X.f. */
export function toF32(v: number, cw: number): number {
  if (v !== v) {
    const h = hiOf(v), l = loOf(v);
    if ((h & 0x80000) === 0) X.f |= IE;
    return ((h & 0x80000000) | 0x7fc00000 | ((h & 0x7ffff) << 3) | (l >>> 29)) >>> 0;
  }
  if (v === 0) return signBit(v) ? 0x80000000 : 0;
  if (!isFinite(v)) return v < 0 ? 0xff800000 : 0x7f800000;
  const a = Math.abs(v);
  const rc = (cw >> 10) & 3;
  let r: number;
  if (rc === RN && a >= 2.350988701644575e-38 && a < 1.7014118346046923e38) {
    r = Math.fround(v);
    if (r !== v) { X.f |= PE; if (Math.abs(r) > a) X.f |= C1; }
  } else {
    const e = decompose(a);
    r = roundBig(v < 0, BIG.m, e, 24, -126, 127, rc, (cw & UE) === 0);
  }
  F32[0] = r;
  return U32F[0];
}
const F32 = new Float32Array(1), U32F = new Uint32Array(F32.buffer);

/** f64 register value -> m64fp: only an SNaN raises (IE, quieted). */
export function toF64Bits(v: number): void {
  let h = hiOf(v);
  const l = loOf(v);
  if (v !== v && (h & 0x80000) === 0) { X.f |= IE; h |= 0x80000; }
  B64[0] = l; B64[1] = h;
}
export const B64 = new Uint32Array(2);

/**
 * A normal 80-bit value rounded to binary64 without BigInt, when the result
 * is a normal binary64 value (else NaN: the caller takes the exact path).
 * ORs PE / C1 into X.f.
 */
function round80to64(lo: number, hi: number, se: number, rc: number): number {
  const negative = (se & 0x8000) !== 0;
  let E = (se & 0x7fff) - 16383;
  const r = lo & 0x7ff, half = 0x400;
  let mlo = (lo & ~0x7ff) >>> 0, mhi = hi;
  let up = false;
  const inexact = r !== 0;
  if (inexact) up = rc === RN ? r > half || (r === half && (lo & 0x800) !== 0) : rc === RU ? !negative : rc === RD ? negative : false;
  if (up) {
    const t = mlo + 0x800;
    if (t >= 4294967296) { mlo = t - 4294967296; mhi += 1; } else mlo = t;
    if (mhi >= 4294967296) { mhi = 0x80000000; E += 1; }
  }
  if (E < -1022 || E > 1023) return NaN;
  if (inexact) X.f |= up ? PE | C1 : PE;
  // binary64: sign, exponent, the 52 bits below the integer bit
  const fh = (mhi >>> 11) & 0xfffff, fl = ((mhi << 21) | (mlo >>> 11)) >>> 0;
  return fromBits((negative ? 0x80000000 : 0) | ((E + 1023) << 20) | fh, fl);
}

/** The exact 80-bit image in E80 rounded to m32fp/m64fp (prec 24/53) with flags. */
export function round80(prec: number, cw: number): number {
  const lo = E80[0], hi = E80[1], se = E80[2];
  const k = kind80(lo, hi, se), negative = (se & 0x8000) !== 0;
  if (k === K_ZERO) return negative ? -0 : 0;
  if (k === K_UNSUPPORTED) { X.f |= IE; return INDEFINITE; }
  if (k === K_INF) return negative ? -Infinity : Infinity;
  if (k === K_NAN) {
    // quiet it, keep the high payload bits
    const v = fromBits((negative ? 0x80000000 : 0) | 0x7ff80000 | ((hi >>> 11) & 0x7ffff), ((hi << 21) | (lo >>> 11)) >>> 0);
    if ((hi & 0x40000000) === 0) X.f |= IE;
    return v;
  }
  if (prec === 53 && k === K_NORMAL) {
    const v = round80to64(lo, hi, se, (cw >> 10) & 3);
    if (v === v) return v;
  }
  const e = decompose80(lo, hi, se); // (stores raise no DE for a denormal source)
  return prec === 24
    ? roundBig(negative, BIG.m, e, 24, -126, 127, (cw >> 10) & 3, (cw & UE) === 0)
    : roundBig(negative, BIG.m, e, 53, -1022, 1023, (cw >> 10) & 3, (cw & UE) === 0);
}

// ---- integer conversion -------------------------------------------------------

const INT_MIN = [0, 0, -32768, 0, -2147483648];
const INT_MAX = [0, 0, 32767, 0, 2147483647];
/**
 * Round R(p) to an integer of `size` bytes (2, 4, 8) with rounding control;
 * out of range / NaN / infinity is IE and the integer indefinite. The result
 * goes to ILO/IHI (two's complement words).
 */
export const IR = new Int32Array(2);
export function toInt(f: Fpu, p: number, size: number, cw: number): void {
  const rc = (cw >> 10) & 3;
  if (f.hasExact(p)) { toIntExact(f, p, size, rc); return; }
  const v = f.st[p];
  const r = roundInt(v, rc);
  if (size < 8) {
    if (r >= INT_MIN[size] && r <= INT_MAX[size]) { IR[0] = r; IR[1] = r < 0 ? -1 : 0; return; }
  } else if (r >= -9223372036854775808 && r < 9223372036854775808) {
    const b = BigInt(r);
    IR[0] = Number(BigInt.asIntN(32, b)); IR[1] = Number(BigInt.asIntN(32, b >> 32n));
    return;
  }
  X.f = (X.f & ~(PE | C1)) | IE;
  IR[0] = size === 2 ? 0x8000 : size === 4 ? 0x80000000 | 0 : 0; IR[1] = size === 8 ? 0x80000000 | 0 : 0;
}
function toIntExact(f: Fpu, p: number, size: number, rc: number): void {
  f.image80(p);
  const lo = E80[0], hi = E80[1], se = E80[2], k = kind80(lo, hi, se), negative = (se & 0x8000) !== 0;
  const ok = k === K_ZERO || k === K_NORMAL || k === K_DENORMAL;
  let n = 0n;
  if (ok && k !== K_ZERO) { const e = decompose80(lo, hi, se); n = roundIntBig(negative, BIG.m, e, rc); }
  const lim = 1n << BigInt(size * 8 - 1);
  if (ok && (negative ? n <= lim : n < lim)) {
    const v = BigInt.asIntN(64, negative ? -n : n);
    IR[0] = Number(BigInt.asIntN(32, v)); IR[1] = Number(BigInt.asIntN(32, v >> 32n));
    return;
  }
  X.f = (X.f & ~(PE | C1)) | IE;
  IR[0] = size === 2 ? 0x8000 : size === 4 ? 0x80000000 | 0 : 0; IR[1] = size === 8 ? 0x80000000 | 0 : 0;
}
