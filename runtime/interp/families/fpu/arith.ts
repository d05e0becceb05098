/**
 * x87 arithmetic: FADD FMUL FSUB FSUBR FDIV FDIVR (register, memory, popping
 * and integer forms), FCHS FABS FSQRT FRNDINT FSCALE FXTRACT FPREM FPREM1.
 */
import { Mnemonic } from 'iced-x86';
import type { Cpu } from '../../../cpu.js';
import type { Rec } from '../../../records.js';
import { OP_FPU, OP_MEM } from '../../../records.js';
import { ea } from '../../operands.js';
import {
  BIG, C0, C1, C2, C3, DE, E80, FAST, IE, INDEFINITE, K_DENORMAL, K_NAN, K_NORMAL, K_UNSUPPORTED, OP_ADD, OP_DIV,
  OP_MUL, OP_SUB, SF as STACK_FAULT, X, arith, decompose80, exactTo80, hiOf, kind80, quiet, roundInt,
  roundIntBig, sqrt, to80,
} from '../../../fpu/num.js';
import { Fpu, W_CW, W_EMPTY, W_SW, W_TOP, W_X80V, fpuEnter } from '../../../fpu/state.js';
import { UA, UB, type Un, binop80, sqrt80, unpack } from '../../../fpu/x80.js';
import { Q, XT, fprem, fscale, fxtract } from '../../../fpu/trans.js';
import { PRE, computeFop, ip, ipMem, loadSrc, srcKind, fdef, withFop, unsupportedOperand } from './common.js';

// ---- handlers: arithmetic --------------------------------------------------------------

function binop(op: number, a: number, b: number, cw: number): number {
  switch (op) {
    case 0: return arith(OP_ADD, a, b, cw);
    case 1: return arith(OP_MUL, a, b, cw);
    case 4: return arith(OP_SUB, a, b, cw);
    case 5: return arith(OP_SUB, b, a, cw);
    case 6: return arith(OP_DIV, a, b, cw);
    default: return arith(OP_DIV, b, a, cw);
  }
}
/**
 * Result of an arithmetic operation into R(p): the f64 from the fast path,
 * or the 80-bit image in E80 (FAST.st = 1, or the exact path). Returns false
 * when an unmasked IE/DE/ZE leaves the destination alone.
 */
function commit(f: Fpu, p: number, v: number, in80: boolean): boolean {
  if (X.f !== 0) {
    const un = f.exc(X.f);
    f.setCC(C1, X.f & C1);
    if (un & PRE) return false;
  } else f.s[W_SW] &= ~C1;
  if (in80) f.set80P(p, E80[0], E80[1], E80[2]); else f.setP(p, v);
  return true;
}
/** Register operand as an unpacked 80-bit value. */
export function regOp(f: Fpu, u: Un, p: number): Un {
  f.image80(p);
  return unpack(u, E80[0], E80[1], E80[2]);
}
export function valOp(u: Un, v: number): Un {
  to80(v);
  return unpack(u, E80[0], E80[1], E80[2]);
}

/** ST(r0) = ST(r0) op ST(r1) (and pop for the P forms: sub bit 3). */
function arithRR(cpu: Cpu, r: Rec): void {
  const f = fpuEnter(cpu);
  ip(cpu, r);
  const s = cpu.s, t = s[W_TOP], pd = (t + r.r0) & 7, ps = (t + r.r1) & 7, e = s[W_EMPTY];
  if (((e >> pd) | (e >> ps)) & 1) {
    if (f.underflow()) { f.setP(pd, INDEFINITE); if (r.sub & 8) f.pop(); }
    return;
  }
  X.f = 0;
  const xv = s[W_X80V], cw = s[W_CW];
  if ((((xv >> pd) | (xv >> ps)) & 1) === 0) {
    const v = binop(r.sub & 7, f.st[pd], f.st[ps], cw);
    if (FAST.st !== 2) {
      if (commit(f, pd, v, FAST.st === 1) && (r.sub & 8)) f.pop();
      return;
    }
    X.f = 0;
  }
  binop80(r.sub & 7, regOp(f, UA, pd), regOp(f, UB, ps), cw);
  if (commit(f, pd, 0, true) && (r.sub & 8)) f.pop();
}
/** ST(0) = ST(0) op m32fp/m64fp/m16int/m32int. */
function arithRM(cpu: Cpu, r: Rec): void {
  const f = fpuEnter(cpu), lin = ea(cpu, r);
  X.f = 0;
  const b = loadSrc(cpu, r.sub >> 4, lin);
  ipMem(cpu, r);
  const pd = f.ph(0);
  if (f.isEmpty(0)) { if (f.underflow()) f.setP(pd, INDEFINITE); return; }
  const cw = f.cw;
  // a NaN operand takes precedence over a denormal one; an unmasked denormal stops the instruction
  if (b !== b || (f.hasExact(pd) ? f.kindP(pd) === K_NAN : f.st[pd] !== f.st[pd])) X.f &= ~DE;
  if (X.f & ~cw & DE) { f.setCC(C1, 0); f.exc(X.f); return; }
  const pre = X.f;
  if (!f.hasExact(pd)) {
    const v = binop(r.sub & 7, f.st[pd], b, cw);
    if (FAST.st !== 2) { commit(f, pd, v, FAST.st === 1); return; }
    X.f = pre;
  }
  const a = regOp(f, UA, pd);
  binop80(r.sub & 7, a, valOp(UB, b), cw);
  commit(f, pd, 0, true);
}
function fsqrtH(cpu: Cpu, r: Rec): void {
  const f = fpuEnter(cpu);
  ip(cpu, r);
  const p = f.ph(0);
  if (f.isEmpty(0)) { if (f.underflow()) f.setP(p, INDEFINITE); return; }
  X.f = 0;
  const cw = f.cw;
  if (!f.hasExact(p)) {
    const v = sqrt(f.st[p], cw);
    if (FAST.st !== 2) { commit(f, p, v, FAST.st === 1); return; }
    X.f = 0;
  }
  sqrt80(regOp(f, UA, p), cw);
  commit(f, p, 0, true);
}

function fchsAbs(cpu: Cpu, r: Rec): void {
  const f = fpuEnter(cpu);
  ip(cpu, r);
  const p = f.ph(0);
  if (f.isEmpty(0)) { if (f.underflow()) f.setP(p, INDEFINITE); return; }
  f.setCC(C1, 0);
  f.signP(p, r.sub === 0 ? 'chs' : 'abs');
}
function frndint(cpu: Cpu, r: Rec): void {
  const f = fpuEnter(cpu);
  ip(cpu, r);
  const p = f.ph(0);
  if (f.isEmpty(0)) { if (f.underflow()) f.setP(p, INDEFINITE); return; }
  X.f = 0;
  const cw = f.cw, rc = (cw >> 10) & 3;
  if (f.hasExact(p)) {
    f.image80(p);
    const lo = E80[0], hi = E80[1], se = E80[2], k = kind80(lo, hi, se), negative = (se & 0x8000) !== 0;
    if (k === K_NORMAL || k === K_DENORMAL) {
      const e = decompose80(lo, hi, se);
      if (e >= 0) { f.setCC(C1, 0); return; } // already an integer
      const n = roundIntBig(negative, BIG.m, e, rc);
      const un = f.exc(X.f);
      f.setCC(C1, X.f & C1);
      if (un & PRE) return;
      exactTo80(negative, n, 0);
      f.set80P(p, E80[0], E80[1], E80[2]);
      return;
    }
    if (k === K_UNSUPPORTED) { if (f.exc(IE) & IE) return; f.setP(p, INDEFINITE); return; }
  }
  const x = f.st[p];
  const v = x !== x ? quietNaN(x) : roundInt(x, rc);
  const un = f.exc(X.f);
  f.setCC(C1, X.f & C1);
  if (un & PRE) return;
  f.setP(p, v);
}
function quietNaN(x: number): number {
  if ((hiOf(x) & 0x80000) === 0) X.f |= IE;
  return quiet(x);
}

function fscaleH(cpu: Cpu, r: Rec): void {
  const f = fpuEnter(cpu);
  ip(cpu, r);
  const p0 = f.ph(0), p1 = f.ph(1);
  if (f.isEmpty(0) || f.isEmpty(1)) { if (f.underflow()) f.setP(p0, INDEFINITE); return; }
  X.f = 0;
  const b = f.st[p1];
  if (f.hasExact(p0) && b === b && isFinite(b) && f.kindP(p0) === K_NORMAL) {
    // an exact 80-bit image scales exactly while the exponent stays in range
    f.image80(p0);
    const e = (E80[2] & 0x7fff) + Math.trunc(b);
    if (e > 0 && e < 0x7fff) {
      f.setCC(C1, 0);
      f.set80P(p0, E80[0], E80[1], (E80[2] & 0x8000) | e);
      return;
    }
  }
  const v = fscale(f.st[p0], b, f.cw);
  const un = f.exc(X.f);
  f.setCC(C1, X.f & C1);
  if (un & PRE) return;
  f.setP(p0, v);
}
function fpremH(cpu: Cpu, r: Rec): void {
  const f = fpuEnter(cpu);
  ip(cpu, r);
  const p0 = f.ph(0), p1 = f.ph(1);
  if (f.isEmpty(0) || f.isEmpty(1)) {
    f.setCC(C2, 0);
    if (f.underflow()) f.setP(p0, INDEFINITE);
    return;
  }
  X.f = 0;
  const v = fprem(f.st[p0], f.st[p1], r.sub === 1);
  if (f.exc(X.f) & PRE) return;
  const k = Q.k;
  if (k === -2) { f.setCC(C1 | C2, 0); f.setP(p0, v); return; } // NaN / invalid: C1 = C2 = 0, C0 C3 kept
  if (k < 0) f.setCC(C0 | C1 | C2 | C3, C2);
  else f.setCC(C0 | C1 | C2 | C3, (k & 4 ? C0 : 0) | (k & 2 ? C3 : 0) | (k & 1 ? C1 : 0));
  f.setP(p0, v);
}
function fxtractH(cpu: Cpu, r: Rec): void {
  const f = fpuEnter(cpu);
  ip(cpu, r);
  const p0 = f.ph(0);
  if (!f.isEmpty(7)) {
    f.setCC(C1, C1);
    if (f.exc(IE | STACK_FAULT) & IE) return;
    f.setP(p0, INDEFINITE);
    f.top = f.top - 1;
    f.setP(f.ph(0), INDEFINITE);
    return;
  }
  if (f.isEmpty(0)) {
    if (!f.underflow()) return;
    f.setP(p0, INDEFINITE);
    f.push(INDEFINITE);
    return;
  }
  X.f = 0;
  const sig = fxtract(f.st[p0]);
  if (f.exc(X.f) & PRE) return;
  f.setCC(C1, 0);
  f.setP(p0, XT.exp);
  f.push(sig);
}

const ARITH: [Mnemonic, Mnemonic | null, Mnemonic | null, number][] = [
  // [ST/mem form, pop form, integer form, op]
  [Mnemonic.Fadd, Mnemonic.Faddp, Mnemonic.Fiadd, 0],
  [Mnemonic.Fmul, Mnemonic.Fmulp, Mnemonic.Fimul, 1],
  [Mnemonic.Fsub, Mnemonic.Fsubp, Mnemonic.Fisub, 4],
  [Mnemonic.Fsubr, Mnemonic.Fsubrp, Mnemonic.Fisubr, 5],
  [Mnemonic.Fdiv, Mnemonic.Fdivp, Mnemonic.Fidiv, 6],
  [Mnemonic.Fdivr, Mnemonic.Fdivrp, Mnemonic.Fidivr, 7],
];
for (const [m, mp, mi, op] of ARITH) {
  fdef(m, (r) => {
    r.imm2 = computeFop(r);
    if (r.k0 === OP_FPU && r.k1 === OP_FPU) { r.sub = op; return arithRR; }
    if (r.k0 === OP_MEM) { r.sub = op | (srcKind(r, false) << 4); return arithRM; }
    return null;
  });
  if (mp !== null) fdef(mp, (r) => { r.imm2 = computeFop(r); r.sub = op | 8; return r.k0 === OP_FPU ? arithRR : null; });
  if (mi !== null) fdef(mi, (r) => { r.imm2 = computeFop(r); r.sub = op | (srcKind(r, true) << 4); return r.k0 === OP_MEM ? arithRM : null; });
}

fdef(Mnemonic.Fchs, (r) => { r.imm2 = computeFop(r); r.sub = 0; return fchsAbs; });
fdef(Mnemonic.Fabs, (r) => { r.imm2 = computeFop(r); r.sub = 1; return fchsAbs; });
fdef(Mnemonic.Fsqrt, withFop(fsqrtH));
fdef(Mnemonic.Frndint, withFop(frndint));
fdef(Mnemonic.Fscale, withFop(fscaleH));
fdef(Mnemonic.Fxtract, withFop(fxtractH));
fdef(Mnemonic.Fprem, (r) => { r.imm2 = computeFop(r); r.sub = 0; return fpremH; });
fdef(Mnemonic.Fprem1, (r) => { r.imm2 = computeFop(r); r.sub = 1; return fpremH; });
