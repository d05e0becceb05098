/**
 * x87 arithmetic: FADD FMUL FSUB FSUBR FDIV FDIVR (register, memory, popping
 * and integer forms), FCHS FABS FSQRT FRNDINT FSCALE FXTRACT FPREM FPREM1.
 */
import { Mnemonic } from '../../../iced.js';
import type { Cpu } from '../../../cpu.js';
import type { Rec } from '../../../records.js';
import { OP_FPU, OP_MEM } from '../../../records.js';
import { ea } from '../../operands.js';
import {
  BIG, C0, C1, C2, C3, DE, E80, FAST, IE, INDEFINITE, K_DENORMAL, K_NAN, K_NORMAL, K_UNSUPPORTED, K_ZERO, OP_ADD, OP_DIV,
  OP_MUL, OP_SUB, SF as STACK_FAULT, X, arith, decompose80, exactTo80, hiOf, kind80, quiet, roundInt,
  roundIntBig, sqrt, to80,
} from '../../../fpu/num.js';
import { Fpu, W_CW, W_EMPTY, W_SW, W_TOP, W_X80V, fpuEnter } from '../../../fpu/state.js';
import { fastBin80, fastSqrt80 } from '../../../fpu/fx80.js';
import { QB, UA, UB, XE, type Un, binop80, fprem80, fscale80, fxtract80, sqrt80, unpack } from '../../../fpu/x80.js';
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
  f.image80(pd);
  const alo = E80[0], ahi = E80[1], ase = E80[2];
  f.image80(ps);
  if (!fastBin80(r.sub & 7, alo, ahi, ase, E80[0], E80[1], E80[2], cw)) {
    binop80(r.sub & 7, unpack(UA, alo, ahi, ase), unpack(UB, E80[0], E80[1], E80[2]), cw);
  }
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
  // (and so does an unsupported encoding; a denormal dividend over a zero ST(0) is #Z only)
  if (X.f & DE) {
    const k = f.kindP(pd);
    if (b !== b || k === K_NAN || k === K_UNSUPPORTED || ((r.sub & 7) === 7 && k === K_ZERO)) X.f &= ~DE;
  }
  if (X.f & ~cw & DE) { f.setCC(C1, 0); f.exc(X.f); return; }
  const pre = X.f;
  if (!f.hasExact(pd)) {
    const v = binop(r.sub & 7, f.st[pd], b, cw);
    if (FAST.st !== 2) { commit(f, pd, v, FAST.st === 1); return; }
    X.f = pre;
  }
  f.image80(pd);
  const alo = E80[0], ahi = E80[1], ase = E80[2];
  to80(b);
  if (!fastBin80(r.sub & 7, alo, ahi, ase, E80[0], E80[1], E80[2], cw)) {
    binop80(r.sub & 7, unpack(UA, alo, ahi, ase), unpack(UB, E80[0], E80[1], E80[2]), cw);
  }
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
  f.image80(p);
  if (!fastSqrt80(E80[0], E80[1], E80[2], cw)) sqrt80(regOp(f, UA, p), cw);
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
      if (k === K_DENORMAL) X.f |= DE;
      const e = decompose80(lo, hi, se);
      if (e >= 0) { f.setCC(C1, 0); return; } // already an integer
      const n = roundIntBig(negative, BIG.m, e, rc);
      const un = f.exc(X.f);
      f.setCC(C1, un & DE ? 0 : X.f & C1);
      if (un & PRE) return;
      exactTo80(negative, n, 0);
      f.set80P(p, E80[0], E80[1], E80[2]);
      return;
    }
    if (k === K_UNSUPPORTED) { f.setCC(C1, 0); if (f.exc(IE) & IE) return; f.setP(p, INDEFINITE); return; }
    if (k === K_NAN) { // quieted with its 64-bit payload
      f.setCC(C1, 0);
      if ((hi & 0x40000000) === 0 && f.exc(IE) & IE) return;
      f.set80P(p, lo, (hi | 0x40000000) >>> 0, se);
      return;
    }
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
  const cw = f.cw;
  fscale80(regOp(f, UA, p0), regOp(f, UB, p1), cw);
  commit(f, p0, 0, true);
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
  fprem80(regOp(f, UA, p0), regOp(f, UB, p1), r.sub === 1, f.cw);
  const k = QB.k;
  if (k === -2) f.setCC(C1 | C2, 0); // NaN / invalid: C1 = C2 = 0, C0 C3 kept (also when unmasked)
  if (f.exc(X.f) & PRE) return;
  if (k === -2) { /* done */ } else if (k < 0) f.setCC(C0 | C1 | C2 | C3, C2);
  else f.setCC(C0 | C1 | C2 | C3, (k & 4 ? C0 : 0) | (k & 2 ? C3 : 0) | (k & 1 ? C1 : 0));
  f.set80P(p0, E80[0], E80[1], E80[2]);
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
  fxtract80(regOp(f, UA, p0), f.cw);
  f.setCC(C1, 0);
  if (f.exc(X.f) & PRE) return;
  const slo = E80[0], shi = E80[1], sse = E80[2];
  f.set80P(p0, XE[0], XE[1], XE[2]);
  f.pushRoom();
  f.push80(slo, shi, sse);
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
