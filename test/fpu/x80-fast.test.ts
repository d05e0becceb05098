/**
 * The number-only fast path for + − × ÷ on normal 80-bit operands
 * (runtime/fpu/fx80.ts) against the exact BigInt implementation
 * (runtime/fpu/x80.ts): same bits, same flags, for random operands (random
 * 64-bit significands, short significands for exact results and ties, close
 * exponents for cancellation, far exponents, the ends of the range) under
 * every precision and rounding control and with OE/UE unmasked. Where the
 * fast path declines (result out of the normal range) nothing may change.
 */
import { expect } from 'chai';
import { E80, X, round24, round24Big } from '../../runtime/fpu/num.js';
import { fastBin80, fastSqrt80 } from '../../runtime/fpu/fx80.js';
import { UA, UB, binop80, sqrt80, unpack } from '../../runtime/fpu/x80.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s; };
}

describe('x87 fast 80-bit arithmetic (fx80) = exact (x80)', () => {
  it('agrees on 60000 random normal operand pairs in every PC/RC', () => {
    const r = rng(0x8087);
    const bad: string[] = [];
    let declined = 0;
    for (let n = 0; n < 60000; n++) {
      const sig = (): [number, number] => {
        let lo = r(), hi = (r() | 0x80000000) >>> 0;
        const k = r() % 8;
        if (k === 0) lo = 0; else if (k === 1) { lo = 0; hi = (hi & 0xffff0000) >>> 0; } else if (k === 2) { lo = 0xffffffff; hi = 0xffffffff; }
        return [lo >>> 0, hi];
      };
      const [alo, ahi] = sig();
      let [blo, bhi] = sig();
      const ea = r() % 8 === 0 ? (r() % 2 ? 1 + (r() % 70) : 0x7ffe - (r() % 70)) : 16383 + (r() % 200) - 100;
      const sh = r() % 6;
      const eb = sh === 0 ? ea : sh === 1 ? ea + (r() % 3) - 1 : sh === 2 ? ea + (r() % 140) - 70 : r() % 8 === 0 ? 1 + (r() % 0x7ffd) : 16383 + (r() % 200) - 100;
      if (sh <= 1 && r() % 2) { bhi = ahi; blo = (alo ^ (r() & 0xff)) >>> 0; }
      const ase = ((r() & 1) << 15) | ea, bse = ((r() & 1) << 15) | Math.min(0x7ffe, Math.max(1, eb));
      const op = [0, 1, 4, 5, 6, 7][r() % 6]!;
      const cw = 0x40 | (r() % 4 << 8) | (r() % 4 << 10) | (r() % 4 === 0 ? 0x27 : 0x3f);
      X.f = 0;
      const ok = fastBin80(op, alo, ahi, ase, blo, bhi, bse, cw);
      const got = [E80[0], E80[1], E80[2], X.f];
      X.f = 0;
      binop80(op, unpack(UA, alo, ahi, ase), unpack(UB, blo, bhi, bse), cw);
      const want = [E80[0], E80[1], E80[2], X.f];
      if (!ok) { declined++; if (got[3] !== 0) bad.push(`declined but set flags ${got[3]}`); continue; }
      if (got.join() !== want.join() && bad.length < 10) {
        bad.push(`op ${op} cw ${cw.toString(16)} a ${ase.toString(16)}:${ahi.toString(16)}:${alo.toString(16)} b ${bse.toString(16)}:${bhi.toString(16)}:${blo.toString(16)}: got ${got.map((x) => x.toString(16))} want ${want.map((x) => x.toString(16))}`);
      }
    }
    expect(bad, bad.join('\n')).to.deep.equal([]);
    expect(declined).to.be.lessThan(60000 / 5);
  });

  it('FSQRT agrees on 20000 random normal operands in every PC/RC', () => {
    const r = rng(0x1f5);
    const bad: string[] = [];
    for (let n = 0; n < 20000; n++) {
      let lo = r() >>> 0, hi = (r() | 0x80000000) >>> 0;
      if (r() % 4 === 0) { lo = 0; hi = (hi & 0xfff00000) >>> 0; } // exact roots and ties
      const se = r() % 8 === 0 ? 1 + (r() % 0x7ffe) : 16383 + (r() % 400) - 200;
      const cw = 0x40 | (r() % 4 << 8) | (r() % 4 << 10) | 0x3f;
      X.f = 0;
      const ok = fastSqrt80(lo, hi, se, cw);
      const got = [E80[0], E80[1], E80[2], X.f];
      X.f = 0;
      sqrt80(unpack(UA, lo, hi, se), cw);
      const want = [E80[0], E80[1], E80[2], X.f];
      if ((!ok || got.join() !== want.join()) && bad.length < 10) bad.push(`cw ${cw.toString(16)} ${se.toString(16)}:${hi.toString(16)}:${lo.toString(16)}: ${ok} got ${got.map((x) => x.toString(16))} want ${want.map((x) => x.toString(16))}`);
    }
    expect(bad, bad.join('\n')).to.deep.equal([]);
  });
  // the number-only ÷ and √ (22-bit digits in doubles) on the values where
  // digit estimates and corrections are tight: extreme significands, exact
  // quotients and roots (remainder 0), halfway cases for PC 24/53, one away
  // from them; every PC and RC, against the BigInt reference.
  const EDGE: [number, number][] = [
    [0, 0x80000000], [1, 0x80000000], [0xffffffff, 0xffffffff], [0xfffffffe, 0xffffffff], [0, 0xc0000000],
    [0xaaaaaaaa, 0xaaaaaaaa], [0x55555555, 0xd5555555], [0xffffffff, 0x80000000], [0, 0xffffffff], [0x003fffff, 0x80000fff],
    [0xffc00000, 0xfffff000], [0x00400000, 0x80001000], [0xfffff800, 0xffffffff], [0x800, 0x80000000],
  ];
  /** (lo, hi) of a non-negative integer below 2^64 given as hi·2^32 + lo pieces, normalised (top bit set). */
  const norm = (v: bigint): [number, number] => {
    while (v < 1n << 63n) v <<= 1n;
    return [Number(v & 0xffffffffn), Number(v >> 32n)];
  };
  function check(bad: string[], label: string, got: number[], want: number[]): void {
    if (got.join() !== want.join() && bad.length < 10) bad.push(`${label}: got ${got.map((x) => x.toString(16))} want ${want.map((x) => x.toString(16))}`);
  }
  it('÷ agrees on edge significands, exact quotients and ties in every PC/RC', () => {
    const r = rng(0xd1f);
    const big = (): bigint => (BigInt(r()) << 32n) | BigInt(r());
    const pairs: [number, number, number, number][] = [];
    for (const a of EDGE) for (const b of EDGE) pairs.push([a[0], a[1], b[0], b[1]]);
    for (let n = 0; n < 3000; n++) {
      // a = q·b exactly: q of 1..64 bits, b the rest, so that the quotient is exact or a tie at 24/53 bits
      const qb = 1 + (r() % 63), q = (big() >> BigInt(64 - qb)) | 1n;
      const bb = 64 - qb, b = bb === 0 ? 1n : (big() >> BigInt(64 - bb)) | 1n;
      const [alo, ahi] = norm(q * b), [blo, bhi] = norm(b);
      pairs.push([alo, ahi, blo, bhi]);
      // and one off
      pairs.push([(alo + 1) >>> 0, alo === 0xffffffff ? ahi + 1 : ahi, blo, bhi]);
      pairs.push([alo, ahi, (blo + (r() & 1 ? 1 : -1)) >>> 0, blo === 0 ? bhi - 1 : bhi]);
    }
    const bad: string[] = [];
    let n = 0;
    for (const [alo, ahi, blo, bhi] of pairs) {
      if (!(ahi & 0x80000000) || !(bhi & 0x80000000)) continue;
      for (let pcrc = 0; pcrc < 16; pcrc++) {
        const cw = 0x7f | (pcrc << 8), op = (n++ & 1) ? 6 : 7;
        const ase = 16383 + (r() % 64) - 32, bse = (r() & 0x8000) | (16383 + (r() % 64) - 32);
        X.f = 0;
        const ok = fastBin80(op, alo, ahi >>> 0, ase, blo, bhi >>> 0, bse, cw);
        const got = [E80[0], E80[1], E80[2], X.f, ok ? 1 : 0];
        X.f = 0;
        binop80(op, unpack(UA, alo, ahi >>> 0, ase), unpack(UB, blo, bhi >>> 0, bse), cw);
        check(bad, `op ${op} cw ${cw.toString(16)} ${ahi.toString(16)}:${alo.toString(16)} / ${bhi.toString(16)}:${blo.toString(16)}`, got, [E80[0], E80[1], E80[2], X.f, 1]);
      }
    }
    expect(n).to.be.greaterThan(100000);
    expect(bad, bad.join('\n')).to.deep.equal([]);
  });
  it('√ agrees on edge significands, exact roots and ties in every PC/RC', () => {
    const r = rng(0x5c7);
    const vals: [number, number][] = [...EDGE];
    for (let n = 0; n < 1500; n++) {
      // m = s² (exact root of up to 32 bits), and s² ± 1
      const sb = 1 + (r() % 32), s = BigInt(((r() >>> (32 - sb)) | 1) >>> 0);
      const m = s * s;
      vals.push(norm(m), norm(m + 1n), norm(m > 1n ? m - 1n : 2n));
    }
    const bad: string[] = [];
    for (const [lo, hi] of vals) {
      for (let pcrc = 0; pcrc < 16; pcrc++) {
        for (const se of [16383, 16384, 1, 0x7ffe]) {
          const cw = 0x7f | (pcrc << 8);
          X.f = 0;
          const ok = fastSqrt80(lo, hi, se, cw);
          const got = [E80[0], E80[1], E80[2], X.f, ok ? 1 : 0];
          X.f = 0;
          sqrt80(unpack(UA, lo, hi, se), cw);
          check(bad, `cw ${cw.toString(16)} ${se.toString(16)}:${hi.toString(16)}:${lo.toString(16)}`, got, [E80[0], E80[1], E80[2], X.f, 1]);
        }
      }
    }
    expect(bad, bad.join('\n')).to.deep.equal([]);
  });
});

describe('x87 PC 24 rounding of a binary64 result (num.ts round24) = BigInt reference', () => {
  it('agrees on 200000 random values, errSign and RC, incl. exact values, ties and powers of two', () => {
    let s = 0x2424;
    const r32 = (): number => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s; };
    const pick = (k: number): number => (r32() >>> 8) % k; // the LCG's high bits (its low bits have short periods)
    const bad: string[] = [];
    for (let n = 0; n < 200000; n++) {
      // a significand of 1..53 bits (short ones: exact at 24 bits, halfway cases), an exponent in the fast range
      const bits = 1 + pick(53);
      let m = (r32() * 2 ** 21 + (r32() >>> 11)) % 2 ** bits;
      m = Math.max(1, m);
      if (pick(8) === 0) m = 2 ** (bits - 1); // powers of two
      const e = pick(1800) - 900 - bits;
      const v = (pick(2) ? -1 : 1) * m * 2 ** e;
      if (!(Math.abs(v) >= 1e-280 && Math.abs(v) <= 1e280)) continue;
      const es = pick(3) - 1, rc = pick(4);
      X.f = 0; const got = round24(v, es, rc); const gf = X.f;
      X.f = 0; const want = round24Big(v, es, rc); const wf = X.f;
      if ((!Object.is(got, want) || gf !== wf) && bad.length < 10) bad.push(`${v} err ${es} rc ${rc}: got ${got} ${gf} want ${want} ${wf}`);
    }
    expect(bad, bad.join('\n')).to.deep.equal([]);
  });
});
