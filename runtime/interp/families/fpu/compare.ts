/**
 * x87 compares and conditional moves: FCOM FCOMP FCOMPP FICOM FICOMP FUCOM
 * FUCOMP FUCOMPP FCOMI FCOMIP FUCOMI FUCOMIP FTST FXAM FCMOVcc.
 */
import { Mnemonic } from '../../../iced.js';
import type { Cpu } from '../../../cpu.js';
import type { Rec } from '../../../records.js';
import { OP_FPU, OP_MEM } from '../../../records.js';
import { AF, CF, OF, PF, SF as EF_SF, ZF } from '../../../state/eflags.js';
import { getCF, getPF, getZF, setFlags, testCC } from '../../../flags.js';
import { bind } from '../../table.js';
import { ea } from '../../operands.js';
import {
  BIG, C0, C1, C2, C3, DE, E80, IE, INDEFINITE, K_DENORMAL, K_INF, K_NAN, K_NORMAL, K_UNSUPPORTED, K_ZERO,
  SF as STACK_FAULT, X, compare, decompose, decompose80, signBit,
} from '../../../fpu/num.js';
import { Fpu, fpuEnter } from '../../../fpu/state.js';
import { PRE, computeFop, ip, ipMem, loadSrc, srcKind, fdef, withFop } from './common.js';

// ---- handlers: compares -------------------------------------------------------------

const CC_OF = [0, C0, C3, C0 | C2 | C3]; // >, <, =, unordered
/** FCOM/FCOMP/FCOMPP/FUCOM*: ST(0) vs ST(r1) (sub bit 0: pop, bit 1: pop twice, bit 2: unordered). */
function fcomRR(cpu: Cpu, r: Rec): void {
  const f = fpuEnter(cpu);
  ip(cpu, r);
  const i = r.k1 === OP_FPU ? r.r1 : 1;
  const p0 = f.ph(0), pi = f.ph(i);
  if (f.isEmpty(0) || f.isEmpty(i)) {
    f.setCC(C0 | C1 | C2 | C3, C0 | C2 | C3);
    if (f.exc(IE | STACK_FAULT) & IE) return;
    popN(f, r.sub);
    return;
  }
  X.f = 0;
  const c = f.hasExact(p0) || f.hasExact(pi) ? compareExact(f, p0, pi, (r.sub & 4) !== 0) : compare(f.st[p0], f.st[pi], (r.sub & 4) !== 0);
  f.setCC(C0 | C1 | C2 | C3, CC_OF[c]);
  if (f.exc(X.f) & PRE) return;
  popN(f, r.sub);
}
function popN(f: Fpu, sub: number): void {
  if (sub & 3) f.pop();
  if (sub & 2) f.pop();
}
function fcomM(cpu: Cpu, r: Rec): void {
  const f = fpuEnter(cpu), lin = ea(cpu, r);
  X.f = 0;
  const b = loadSrc(cpu, r.sub >> 4, lin);
  ipMem(cpu, r);
  if (f.isEmpty(0)) {
    f.setCC(C0 | C1 | C2 | C3, C0 | C2 | C3);
    if (f.exc(IE | STACK_FAULT) & IE) return;
    if (r.sub & 1) f.pop();
    return;
  }
  const p0 = f.ph(0);
  const c = f.hasExact(p0) ? compareExactV(f, p0, b) : compare(f.st[p0], b, false);
  if (c === 3) X.f &= ~DE;
  f.setCC(C0 | C1 | C2 | C3, CC_OF[c]);
  if (f.exc(X.f) & PRE) return;
  if (r.sub & 1) f.pop();
}
function ftst(cpu: Cpu, r: Rec): void {
  const f = fpuEnter(cpu);
  ip(cpu, r);
  if (f.isEmpty(0)) {
    f.setCC(C0 | C1 | C2 | C3, C0 | C2 | C3);
    f.exc(IE | STACK_FAULT);
    return;
  }
  X.f = 0;
  const p0 = f.ph(0);
  const c = f.hasExact(p0) ? compareExactV(f, p0, 0) : compare(f.st[p0], 0, false);
  f.setCC(C0 | C1 | C2 | C3, CC_OF[c]);
  f.exc(X.f);
}
/** FCOMI/FCOMIP/FUCOMI/FUCOMIP: ZF PF CF like an unsigned compare; OF SF AF cleared (sub bit 0: pop, bit 2: unordered). */
const EFL_OF = [0, CF, ZF, ZF | PF | CF];
function fcomi(cpu: Cpu, r: Rec): void {
  const f = fpuEnter(cpu);
  ip(cpu, r);
  const p0 = f.ph(0), pi = f.ph(r.r1);
  const ALL = ZF | PF | CF | OF | EF_SF | AF;
  if (f.isEmpty(0) || f.isEmpty(r.r1)) {
    setFlags(cpu.s, ALL, ZF | PF | CF);
    f.setCC(C1, 0);
    if (f.exc(IE | STACK_FAULT) & IE) return;
    if (r.sub & 1) f.pop();
    return;
  }
  X.f = 0;
  const c = f.hasExact(p0) || f.hasExact(pi) ? compareExact(f, p0, pi, (r.sub & 4) !== 0) : compare(f.st[p0], f.st[pi], (r.sub & 4) !== 0);
  setFlags(cpu.s, ALL, EFL_OF[c]);
  if (f.exc(X.f) & PRE) return;
  if (r.sub & 1) f.pop();
}
/** Exact compare when a register holds an 80-bit image binary64 cannot represent. */
function compareExact(f: Fpu, pa: number, pb: number, quietNaN: boolean): number {
  const ka = f.kindP(pa), kb = f.kindP(pb);
  if (ka === K_NAN || kb === K_NAN || ka === K_UNSUPPORTED || kb === K_UNSUPPORTED) {
    const sn = (p: number, k: number) => k === K_UNSUPPORTED || (k === K_NAN && (f.image80(p), (E80[1] & 0x40000000) === 0));
    if (!quietNaN || sn(pa, ka) || sn(pb, kb)) X.f |= IE;
    return 3;
  }
  if (ka === K_DENORMAL || kb === K_DENORMAL) X.f |= DE;
  f.image80(pa); const a = exactOf(ka);
  f.image80(pb); const b = exactOf(kb);
  return a > b ? 0 : a < b ? 1 : 2;
}
function compareExactV(f: Fpu, pa: number, v: number): number {
  const ka = f.kindP(pa);
  if (v !== v || ka === K_NAN || ka === K_UNSUPPORTED) { X.f |= IE; return 3; }
  if (ka === K_DENORMAL) X.f |= DE;
  f.image80(pa); const a = exactOf(ka);
  const bk = v === 0 ? K_ZERO : !isFinite(v) ? K_INF : K_NORMAL;
  let b: bigint;
  if (bk === K_ZERO) b = 0n;
  else if (bk === K_INF) b = v > 0 ? INF_BIG : -INF_BIG;
  else { const e = decompose(Math.abs(v)); b = (BIG.m << BigInt(e + 20000)) * (v < 0 ? -1n : 1n); }
  return a > b ? 0 : a < b ? 1 : 2;
}
const INF_BIG = 1n << 40000n;
/** The value in E80 as a BigInt scaled by 2^20000 (exact for every finite extended value). */
function exactOf(k: number): bigint {
  const negative = (E80[2] & 0x8000) !== 0;
  if (k === K_ZERO) return 0n;
  if (k === K_INF) return negative ? -INF_BIG : INF_BIG;
  const e = decompose80(E80[0], E80[1], E80[2]);
  const v = BIG.m << BigInt(e + 20000);
  return negative ? -v : v;
}
function fxam(cpu: Cpu, r: Rec): void {
  const f = fpuEnter(cpu);
  ip(cpu, r);
  const p = f.ph(0);
  const sign = f.hasExact(p) ? (f.x[4 * p + 2] >> 15) & 1 : signBit(f.st[p]);
  let cc: number;
  if (f.isEmpty(0)) cc = C3 | C0;
  else {
    switch (f.kindP(p)) {
      case K_UNSUPPORTED: cc = 0; break;
      case K_NAN: cc = C0; break;
      case K_NORMAL: cc = C2; break;
      case K_INF: cc = C2 | C0; break;
      case K_ZERO: cc = C3; break;
      default: cc = C3 | C2; break; // denormal
    }
  }
  f.setCC(C0 | C1 | C2 | C3, cc | (sign ? C1 : 0));
}

/** FCMOVcc ST(0), ST(i): `cc` is B E BE P or a negation (runtime/isa/cond.ts). */
function fcmov(cpu: Cpu, r: Rec): void {
  const f = fpuEnter(cpu);
  ip(cpu, r);
  if (f.isEmpty(0) || f.isEmpty(r.r1)) { if (f.underflow()) f.setP(f.ph(0), INDEFINITE); return; }
  if (testCC(cpu.s, r.cc) && r.r1 !== 0) f.copyP(f.ph(0), f.ph(r.r1));
}

// compares: sub bit 0 pop, bit 1 pop twice, bit 2 unordered
fdef(Mnemonic.Fcom, (r) => { r.imm2 = computeFop(r); if (r.k0 === OP_MEM) { r.sub = srcKind(r, false) << 4; return fcomM; } r.sub = 0; return fcomRR; });
fdef(Mnemonic.Fcomp, (r) => { r.imm2 = computeFop(r); if (r.k0 === OP_MEM) { r.sub = 1 | (srcKind(r, false) << 4); return fcomM; } r.sub = 1; return fcomRR; });
fdef(Mnemonic.Fcompp, (r) => { r.imm2 = computeFop(r); r.sub = 2; return fcomRR; });
fdef(Mnemonic.Fucom, (r) => { r.imm2 = computeFop(r); r.sub = 4; return fcomRR; });
fdef(Mnemonic.Fucomp, (r) => { r.imm2 = computeFop(r); r.sub = 5; return fcomRR; });
fdef(Mnemonic.Fucompp, (r) => { r.imm2 = computeFop(r); r.sub = 6; return fcomRR; });
fdef(Mnemonic.Ficom, (r) => { r.imm2 = computeFop(r); r.sub = srcKind(r, true) << 4; return fcomM; });
fdef(Mnemonic.Ficomp, (r) => { r.imm2 = computeFop(r); r.sub = 1 | (srcKind(r, true) << 4); return fcomM; });
fdef(Mnemonic.Fcomi, (r) => { r.imm2 = computeFop(r); r.sub = 0; return fcomi; });
fdef(Mnemonic.Fcomip, (r) => { r.imm2 = computeFop(r); r.sub = 1; return fcomi; });
fdef(Mnemonic.Fucomi, (r) => { r.imm2 = computeFop(r); r.sub = 4; return fcomi; });
fdef(Mnemonic.Fucomip, (r) => { r.imm2 = computeFop(r); r.sub = 5; return fcomi; });
fdef(Mnemonic.Ftst, withFop(ftst));
fdef(Mnemonic.Fxam, withFop(fxam));

bind('fcmovcc', (r) => { if (r.lock) return null; r.imm2 = computeFop(r); return fcmov; }); // LOCK is #UD (fdef)
