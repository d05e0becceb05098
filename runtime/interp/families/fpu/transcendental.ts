/**
 * x87 transcendentals: FSIN FCOS FSINCOS FPTAN FPATAN F2XM1 FYL2X FYL2XP1.
 * Finite non-zero operands in the instructions' domains are computed on their
 * exact 80-bit values (runtime/fpu/trans80.ts); NaNs and unsupported
 * encodings follow x80.ts; the other special operands (zeros, infinities,
 * out-of-domain values) take the binary64 rules of runtime/fpu/trans.ts,
 * which give exactly representable results.
 */
import { Mnemonic } from '../../../iced.js';
import type { Cpu } from '../../../cpu.js';
import type { Rec } from '../../../records.js';
import {
  C1, C2, E80, IE, INDEFINITE, K_DENORMAL, K_NAN, K_NORMAL, K_UNSUPPORTED, SF as STACK_FAULT, X,
} from '../../../fpu/num.js';
import { Fpu, fpuEnter } from '../../../fpu/state.js';
import { f2xm1, fcos, fpatan, fsin, ftan, fyl2x, fyl2xp1 } from '../../../fpu/trans.js';
import { SC, f2xm1_80, fpatan80, fyl2x80, fyl2xp1_80, trig80 } from '../../../fpu/trans80.js';
import { UA, UB, type Un, special1, special2 } from '../../../fpu/x80.js';
import { PRE, ip, fdef, withFop, unsupportedOperand } from './common.js';
import { regOp } from './arith.js';

const finite = (u: Un): boolean => u.k === K_NORMAL || u.k === K_DENORMAL;
const lead = (u: Un): number => u.e + u.m.toString(2).length - 1;
/** A denormal operand: DE; true when unmasked (the instruction stops). */
function denormalStops(f: Fpu, a: Un, b: Un | null): boolean {
  if (a.k !== K_DENORMAL && (b === null || b.k !== K_DENORMAL)) return false;
  X.f |= 0x2;
  return (f.cw & 0x2) === 0;
}

/** Result in E80 (in80) or an f64 into R(p). Returns false when an unmasked IE/DE/ZE stops the instruction. */
function commit(f: Fpu, p: number, v: number, in80: boolean): boolean {
  const un = f.exc(X.f);
  f.setCC(C1, X.f & C1);
  if (un & PRE) return false;
  if (in80) f.set80P(p, E80[0], E80[1], E80[2]); else f.setP(p, v);
  return true;
}

function f2xm1H(cpu: Cpu, r: Rec): void {
  const f = fpuEnter(cpu);
  ip(cpu, r);
  const p = f.ph(0);
  if (f.isEmpty(0)) { if (f.underflow()) f.setP(p, INDEFINITE); return; }
  X.f = 0;
  const cw = f.cw, a = regOp(f, UA, p);
  if (a.k === K_NAN || a.k === K_UNSUPPORTED) { special1(a, cw); commit(f, p, 0, true); return; }
  if (finite(a) && (lead(a) > 0 || (lead(a) === 0 && a.m !== 1n << 63n))) {
    // |x| > 1: outside the documented domain (undefined); this host returns x unchanged with PE
    if (denormalStops(f, a, null)) { commit(f, p, 0, true); return; }
    X.f |= 0x20;
    f.setCC(C1, 0);
    f.exc(X.f);
    return;
  }
  if (finite(a)) {
    if (denormalStops(f, a, null)) { commit(f, p, 0, true); return; }
    if (a.m === 1n << 63n && lead(a) === 0) { X.f |= 0x20; commit(f, p, a.neg ? -0.5 : 1, false); return; } // ±1: exact, PE reported
    f2xm1_80(a, cw);
    commit(f, p, 0, true);
    return;
  }
  commit(f, p, f2xm1(f.st[p]), false);
}

/** Two-operand ST(1) op ST(0) -> ST(1), pop: FPATAN FYL2X FYL2XP1. */
function fpatanLike(kind: number) {
  return (cpu: Cpu, r: Rec): void => {
    const f = fpuEnter(cpu);
    ip(cpu, r);
    const p0 = f.ph(0), p1 = f.ph(1);
    if (f.isEmpty(0) || f.isEmpty(1)) {
      if (f.underflow()) { f.setP(p1, INDEFINITE); f.pop(); }
      return;
    }
    X.f = 0;
    const cw = f.cw, x = regOp(f, UA, p0), y = regOp(f, UB, p1);
    let ok: boolean;
    if (x.k === K_NAN || x.k === K_UNSUPPORTED || y.k === K_NAN || y.k === K_UNSUPPORTED) {
      special2(x, y, cw);
      ok = commit(f, p1, 0, true);
    } else if (kind === 1 && finite(x) && x.neg) { // log of a negative number (also a denormal): invalid
      X.f |= IE;
      ok = commit(f, p1, INDEFINITE, false);
    } else if (finite(x) && finite(y) && (kind === 0 || (kind === 1 ? !x.neg : !x.neg || lead(x) < 0))) {
      if (denormalStops(f, x, y)) ok = commit(f, p1, 0, true);
      else {
        if (kind === 0) fpatan80(y, x, cw); else if (kind === 1) fyl2x80(y, x, cw); else fyl2xp1_80(y, x, cw);
        ok = commit(f, p1, 0, true);
      }
    } else {
      if (denormalStops(f, x, y)) { commit(f, p1, 0, true); return; }
      const xv = f.st[p0], yv = f.st[p1];
      let v = kind === 0 ? fpatan(yv, xv) : kind === 1 ? fyl2x(yv, xv, cw) : fyl2xp1(yv, xv);
      if (v !== v && (unsupportedOperand(f, p0) || unsupportedOperand(f, p1))) v = INDEFINITE;
      ok = commit(f, p1, v, false);
    }
    if (ok) f.pop();
  };
}

const TRIG_LEAD = 63; // |x| >= 2^63: out of range (C2 = 1, operand unchanged)
function ftrig(kind: number) {
  // 0 FSIN 1 FCOS 2 FPTAN 3 FSINCOS
  return (cpu: Cpu, r: Rec): void => {
    const f = fpuEnter(cpu);
    ip(cpu, r);
    const p = f.ph(0);
    if (f.isEmpty(0)) {
      f.setCC(C2, 0);
      if (!f.underflow()) return;
      f.setP(p, INDEFINITE);
      if (kind >= 2) f.push(INDEFINITE);
      return;
    }
    if (kind >= 2 && !f.isEmpty(7)) {
      f.setCC(C1 | C2, C1);
      if (f.exc(IE | STACK_FAULT) & IE) return;
      f.setP(p, INDEFINITE);
      f.top = f.top - 1;
      f.setP(f.ph(0), INDEFINITE);
      return;
    }
    X.f = 0;
    const cw = f.cw, a = regOp(f, UA, p);
    if (finite(a) && lead(a) >= TRIG_LEAD) { f.setCC(C1 | C2, C2); return; }
    if (a.k === K_NAN || a.k === K_UNSUPPORTED) {
      special1(a, cw);
      f.setCC(C1 | C2, 0);
      if (f.exc(X.f) & PRE) return;
      const lo = E80[0], hi = E80[1], se = E80[2];
      f.set80P(p, lo, hi, se);
      if (kind >= 2) { f.pushRoom(); f.push80(lo, hi, se); } // both results are the NaN
      return;
    }
    if (finite(a)) {
      if (denormalStops(f, a, null)) { f.setCC(C1 | C2, 0); f.exc(X.f); return; }
      trig80(a, kind, cw);
      const un = f.exc(X.f);
      f.setCC(C1 | C2, X.f & C1);
      if (un & PRE) return;
      f.set80P(p, SC.s[0]!, SC.s[1]!, SC.s[2]!);
      if (kind === 2) f.push(1);
      else if (kind === 3) { f.pushRoom(); f.push80(SC.c[0]!, SC.c[1]!, SC.c[2]!); }
      return;
    }
    // zeros and infinities
    const x = f.st[p];
    let v: number, v2 = 0;
    switch (kind) {
      case 0: v = fsin(x); break;
      case 1: v = fcos(x); break;
      case 2: v = ftan(x); v2 = 1; break;
      default: v2 = fcos(x); v = fsin(x); break;
    }
    if (f.exc(X.f) & PRE) return;
    f.setCC(C1 | C2, 0);
    if (kind < 2) { f.setP(p, v); return; }
    if (!isFinite(x)) v2 = v; // invalid: both results are the indefinite
    // FPTAN: ST(0) = tan, push 1.0; FSINCOS: ST(0) = sine, push the cosine
    f.setP(p, v); f.push(v2);
  };
}

fdef(Mnemonic.F2xm1, withFop(f2xm1H));
fdef(Mnemonic.Fpatan, withFop(fpatanLike(0)));
fdef(Mnemonic.Fyl2x, withFop(fpatanLike(1)));
fdef(Mnemonic.Fyl2xp1, withFop(fpatanLike(2)));
fdef(Mnemonic.Fsin, withFop(ftrig(0)));
fdef(Mnemonic.Fcos, withFop(ftrig(1)));
fdef(Mnemonic.Fptan, withFop(ftrig(2)));
fdef(Mnemonic.Fsincos, withFop(ftrig(3)));
