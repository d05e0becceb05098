/**
 * The binary64-based fast path of SSE arithmetic (round to nearest, normal
 * operands) against the exact BigInt path, on random lanes with exponents
 * spread over both formats' ranges: same bits, same flags.
 */
import { expect } from 'chai';
import { F32, F64, FAST, FLAGS, Lane, OPF_ADD, OPF_DIV, OPF_MUL, OPF_SUB, RES, arith, readLane, sqrtLane, type Fmt } from '../../runtime/simd/float.js';
import { Vec } from '../../runtime/simd/state.js';

let seed = 0x9e3779b9;
function rnd(): number { seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5; return seed >>> 0; }

function lane(v: Vec, f: Fmt): void {
  if (f.w === 4) {
    const e = [1, 2, 60, 100, 126, 127, 128, 150, 200, 253, 254][rnd() % 11];
    v.u32[0] = ((rnd() & 0x807fffff) | (e << 23)) >>> 0;
  } else {
    const e = [1, 2, 100, 500, 1000, 1022, 1023, 1024, 1100, 1500, 2000, 2045, 2046][rnd() % 13];
    v.u32[0] = rnd(); v.u32[1] = ((rnd() & 0x800fffff) | (e << 20)) >>> 0;
  }
}

describe('SSE float fast path = exact path', () => {
  it('ADD SUB MUL DIV SQRT on 40000 random normal lanes (binary32 and binary64)', () => {
    const A = new Vec(), B = new Vec(), la = new Lane(), lb = new Lane();
    const bad: string[] = [];
    for (let k = 0; k < 40000; k++) {
      const f = k & 1 ? F64 : F32, op = (k >> 1) % 5;
      lane(A, f); lane(B, f);
      if (rnd() % 8 === 0) { A.u32.set(B.u32); if (f.w === 4) A.u32[0] ^= 1; else A.u32[0] ^= 1; } // near-cancellation
      const results: string[] = [];
      for (const on of [true, false]) {
        FAST.on = on; FLAGS.pre = 0; FLAGS.post = 0;
        readLane(A, f, 0, false, la); readLane(B, f, 0, false, lb);
        if (op === 4) sqrtLane(f, la, 0x1f80); else arith([OPF_ADD, OPF_SUB, OPF_MUL, OPF_DIV][op], f, la, lb, 0x1f80);
        results.push(`${RES.hi.toString(16)}:${RES.lo.toString(16)} ${FLAGS.pre}/${FLAGS.post}`);
      }
      if (results[0] !== results[1]) bad.push(`w${f.w} op${op} ${A.u32[1].toString(16)}:${A.u32[0].toString(16)} ${B.u32[1].toString(16)}:${B.u32[0].toString(16)}: fast ${results[0]} exact ${results[1]}`);
    }
    FAST.on = true;
    expect(bad.slice(0, 5)).to.deep.equal([]);
  });
});
