/**
 * x87 loads and stores: FLD FST FSTP (m32fp m64fp m80fp ST(i)), FSTP1,
 * FILD FIST FISTP (m16 m32 m64), FBLD FBSTP, FLD1 FLDZ FLDPI FLDL2E FLDL2T
 * FLDLG2 FLDLN2.
 */
import { Mnemonic } from '../../../iced.js';
import type { Cpu } from '../../../cpu.js';
import { SIMD_SSE3 } from '../../../cpu-model.js';
import { raiseUD } from '../../../exceptions.js';
import type { Rec } from '../../../records.js';
import { OP_FPU, OP_MEM } from '../../../records.js';
import { ea } from '../../operands.js';
import {
  BIG, C1, E80, IE, INDEFINITE, K_DENORMAL, K_NORMAL, K_ZERO, OE, PE, RN, RU, SF as STACK_FAULT, UE, X,
  decompose80, exactTo80, hiOf, kind80, loOf, quiet, roundIntBig,
} from '../../../fpu/num.js';
import { W_EMPTY, fpuEnter } from '../../../fpu/state.js';
import { PRE, computeFop, ip, ipMem, loadSrc, srcKind, POP, fdef, withFop } from './common.js';
import { toF32, toF64Bits, B64, round80, IR, toInt } from './convert.js';

// ---- handlers: loads -----------------------------------------------------------

function fldM(cpu: Cpu, r: Rec): void {
  const f = fpuEnter(cpu), lin = ea(cpu, r);
  X.f = 0;
  let v = loadSrc(cpu, r.sub >> 4, lin);
  if (v !== v && (hiOf(v) & 0x80000) === 0) { X.f |= IE; v = quiet(v); } // FLD m32/m64 quiets an SNaN
  ipMem(cpu, r);
  f.setCC(C1, 0);
  if (!f.pushRoom()) return;
  if (f.exc(X.f) & PRE) return;
  f.push(v);
}
function fldM80(cpu: Cpu, r: Rec): void {
  const f = fpuEnter(cpu), lin = ea(cpu, r), m = cpu.mmu;
  const lo = m.read32(lin) >>> 0, hi = m.read32((lin + 4) | 0) >>> 0, se = m.read16((lin + 8) | 0);
  ipMem(cpu, r);
  f.setCC(C1, 0);
  if (!f.pushRoom()) return;
  f.push80(lo, hi, se);
}
function fildM(cpu: Cpu, r: Rec): void {
  const f = fpuEnter(cpu), lin = ea(cpu, r), m = cpu.mmu;
  const n = r.msz;
  const lo = n === 2 ? (m.read16(lin) << 16) >> 16 : m.read32(lin);
  const hi = n === 8 ? m.read32((lin + 4) | 0) : 0;
  ipMem(cpu, r);
  f.setCC(C1, 0);
  if (!f.pushRoom()) return;
  if (n < 8) { f.push(lo); return; }
  const v = hi * 4294967296 + (lo >>> 0); // one rounding
  if (Math.abs(v) < 9007199254740992) { f.push(v); return; } // below 2^53: exact
  const b = (BigInt(hi) << 32n) | BigInt(lo >>> 0);
  if (BigInt(v) === b) { f.push(v); return; }
  exactTo80(b < 0n, b < 0n ? -b : b, 0);
  f.push80(E80[0], E80[1], E80[2]);
}
function fbld(cpu: Cpu, r: Rec): void {
  const f = fpuEnter(cpu), lin = ea(cpu, r), m = cpu.mmu;
  const bytes: number[] = [];
  for (let i = 0; i < 10; i++) bytes.push(m.read8((lin + i) | 0));
  ipMem(cpu, r);
  f.setCC(C1, 0);
  if (!f.pushRoom()) return;
  let n = 0n;
  for (let i = 8; i >= 0; i--) n = n * 100n + BigInt((bytes[i] >> 4) * 10 + (bytes[i] & 15));
  exactTo80((bytes[9] & 0x80) !== 0, n, 0);
  f.push80(E80[0], E80[1], E80[2]);
}
function fldSt(cpu: Cpu, r: Rec): void {
  const f = fpuEnter(cpu);
  ip(cpu, r);
  f.setCC(C1, 0);
  const src = f.ph(r.r0);
  if ((cpu.s[W_EMPTY] >> src) & 1) {
    if (!f.pushRoom()) return;
    if (f.underflow()) f.push(INDEFINITE);
    return;
  }
  if (!f.pushRoom()) return;
  f.top = f.top - 1;
  f.copyP(f.ph(0), src);
}

/** FLD1 FLDL2T FLDL2E FLDPI FLDLG2 FLDLN2 FLDZ: 80-bit images for RN, RD (= RZ), RU. */
const CONSTS: Record<number, [number, number, number, number, number]> = {
  // [mantissa hi, lo(RN), lo(RD/RZ), lo(RU), sign|exponent]
  [Mnemonic.Fld1]: [0x80000000, 0, 0, 0, 0x3fff],
  [Mnemonic.Fldl2t]: [0xd49a784b, 0xcd1b8afe, 0xcd1b8afe, 0xcd1b8aff, 0x4000],
  [Mnemonic.Fldl2e]: [0xb8aa3b29, 0x5c17f0bc, 0x5c17f0bb, 0x5c17f0bc, 0x3fff],
  [Mnemonic.Fldpi]: [0xc90fdaa2, 0x2168c235, 0x2168c234, 0x2168c235, 0x4000],
  [Mnemonic.Fldlg2]: [0x9a209a84, 0xfbcff799, 0xfbcff798, 0xfbcff799, 0x3ffd],
  [Mnemonic.Fldln2]: [0xb17217f7, 0xd1cf79ac, 0xd1cf79ab, 0xd1cf79ac, 0x3ffe],
  [Mnemonic.Fldz]: [0, 0, 0, 0, 0],
};
function fldConst(cpu: Cpu, r: Rec): void {
  const f = fpuEnter(cpu);
  ip(cpu, r);
  f.setCC(C1, 0);
  if (!f.pushRoom()) return;
  const c = CONSTS[r.sub]!, rc = (f.cw >> 10) & 3;
  f.push80(rc === RN ? c[1] : rc === RU ? c[3] : c[2], c[0], c[4]);
}

// ---- handlers: stores -------------------------------------------------------------

/**
 * A store of `n` bytes: only an access that crosses a page is checked up
 * front; otherwise the first write is the one that can fault, and every
 * store handler makes it before changing any FPU state.
 */
function checkStore(cpu: Cpu, lin: number, n: number): void {
  if ((lin & 0xfff) + n > 0x1000) cpu.mmu.checkWrite(lin, n);
}
function fstM(cpu: Cpu, r: Rec): void {
  const f = fpuEnter(cpu), lin = ea(cpu, r), n = r.msz, m = cpu.mmu;
  checkStore(cpu, lin, n);
  const p = f.ph(0);
  if (f.isEmpty(0)) {
    if ((f.cw & IE) !== 0) { // masked: the indefinite is stored
      if (n === 4) m.write32(lin, 0xffc00000 | 0);
      else if (n === 8) { m.write32(lin, 0); m.write32((lin + 4) | 0, 0xfff80000 | 0); }
      else { m.write32(lin, 0); m.write32((lin + 4) | 0, 0xc0000000 | 0); m.write16((lin + 8) | 0, 0xffff); }
    }
    ipMem(cpu, r);
    if (!f.underflow()) return;
    if (r.sub & POP) f.pop();
    return;
  }
  X.f = 0;
  const cw = f.cw;
  if (n === 10) {
    f.image80(p);
    m.write32(lin, E80[0]); m.write32((lin + 4) | 0, E80[1]); m.write16((lin + 8) | 0, E80[2]);
    ipMem(cpu, r);
    f.setCC(C1, 0);
    if (r.sub & POP) f.pop();
    return;
  }
  let lo = 0, hi = 0;
  if (n === 4) {
    lo = f.hasExact(p) ? (f.image80(p), toF32(round80(24, cw), 0)) : toF32(f.st[p], cw);
  } else if (f.hasExact(p)) {
    f.image80(p);
    const v = round80(53, cw);
    lo = loOf(v); hi = hiOf(v);
  } else {
    toF64Bits(f.st[p]); lo = B64[0]; hi = B64[1];
  }
  // unmasked over/underflow to memory: nothing stored, C1 = 0, PE not reported
  if (X.f & ~cw & (OE | UE)) X.f &= ~(C1 | PE);
  if ((X.f & ~cw & (IE | OE | UE)) === 0) {
    if (n === 4) m.write32(lin, lo); else { m.write32(lin, lo); m.write32((lin + 4) | 0, hi); }
  }
  ipMem(cpu, r);
  const un = X.f !== 0 ? f.exc(X.f) : 0;
  f.setCC(C1, X.f & C1);
  if (un & (IE | OE | UE)) return;
  if (r.sub & POP) f.pop();
}
function fstSt(cpu: Cpu, r: Rec): void {
  const f = fpuEnter(cpu);
  ip(cpu, r);
  f.setCC(C1, 0);
  const dst = f.ph(r.r0);
  if (f.isEmpty(0)) {
    if (!f.underflow()) return;
    f.setP(dst, INDEFINITE);
  } else if (r.r0 !== 0) f.copyP(dst, f.ph(0));
  if (r.sub & POP) f.pop();
}
/** FSTP1 (D9 D8+i, "no check empty"): copies ST(0) with its tag, an empty ST(0) raises nothing. */
function fstpnce(cpu: Cpu, r: Rec): void {
  const f = fpuEnter(cpu);
  ip(cpu, r);
  f.setCC(C1, 0);
  const dst = f.ph(r.r0), src = f.ph(0);
  if (dst !== src) {
    f.copyP(dst, src);
    if (f.isEmpty(0)) cpu.s[W_EMPTY] |= 1 << dst;
  }
  f.pop();
}
function fistM(cpu: Cpu, r: Rec): void {
  fistStore(cpu, r, false);
}
/**
 * FISTTP (SSE3): FISTP with truncation whatever RC says; #UD on models
 * without SSE3 (runtime/cpu-model.ts), checked before the x87 entry checks.
 */
function fisttp(cpu: Cpu, r: Rec): void {
  if ((cpu.model.simd & SIMD_SSE3) === 0) raiseUD();
  fistStore(cpu, r, true);
}
function fistStore(cpu: Cpu, r: Rec, chop: boolean): void {
  const f = fpuEnter(cpu), lin = ea(cpu, r), n = r.msz, m = cpu.mmu;
  checkStore(cpu, lin, n);
  const empty = f.isEmpty(0);
  X.f = 0;
  if (empty) {
    X.f = IE | STACK_FAULT;
    IR[0] = n === 2 ? 0x8000 : n === 4 ? 0x80000000 | 0 : 0; IR[1] = n === 8 ? 0x80000000 | 0 : 0;
  } else toInt(f, f.ph(0), n, chop ? f.cw | 0xc00 : f.cw);
  if ((X.f & ~f.cw & IE) === 0) {
    if (n === 2) m.write16(lin, IR[0]);
    else if (n === 4) m.write32(lin, IR[0]);
    else { m.write32(lin, IR[0]); m.write32((lin + 4) | 0, IR[1]); }
  }
  ipMem(cpu, r);
  const un = f.exc(X.f);
  f.setCC(C1, X.f & C1);
  if (un & IE) return;
  if (r.sub & POP) f.pop();
}
function fbstp(cpu: Cpu, r: Rec): void {
  const f = fpuEnter(cpu), lin = ea(cpu, r), m = cpu.mmu;
  m.checkWrite(lin, 10);
  ipMem(cpu, r);
  const out = new Array<number>(10).fill(0);
  let bad = false;
  if (f.isEmpty(0)) {
    if (!f.underflow()) return;
    bad = true;
  } else {
    X.f = 0;
    const p = f.ph(0);
    f.image80(p);
    const lo = E80[0], hi = E80[1], se = E80[2], k = kind80(lo, hi, se);
    const negative = (se & 0x8000) !== 0;
    let n = 0n;
    if (k === K_NORMAL || k === K_DENORMAL) { const e = decompose80(lo, hi, se); n = roundIntBig(negative, BIG.m, e, (f.cw >> 10) & 3); }
    else if (k !== K_ZERO) bad = true;
    if (n >= 1000000000000000000n) bad = true;
    if (bad) { f.setCC(C1, 0); if (f.exc(IE) & IE) return; }
    else {
      if (f.exc(X.f) & IE) return;
      f.setCC(C1, X.f & C1);
      for (let i = 0; i < 9; i++) { const d = Number(n % 100n); n /= 100n; out[i] = ((Math.floor(d / 10)) << 4) | (d % 10); }
      out[9] = negative ? 0x80 : 0;
    }
  }
  if (bad) { out[9] = 0xff; out[8] = 0xff; out[7] = 0xc0; }
  for (let i = 0; i < 10; i++) m.write8((lin + i) | 0, out[i]);
  f.pop();
}

fdef(Mnemonic.Fld, (r) => {
  r.imm2 = computeFop(r);
  if (r.k0 === OP_FPU) return fldSt;
  if (r.k0 !== OP_MEM) return null;
  if (r.msz === 10) return fldM80;
  r.sub = srcKind(r, false) << 4;
  return fldM;
});
fdef(Mnemonic.Fild, (r) => { r.imm2 = computeFop(r); return r.k0 === OP_MEM ? fildM : null; });
fdef(Mnemonic.Fbld, withFop(fbld));
fdef([Mnemonic.Fld1, Mnemonic.Fldl2t, Mnemonic.Fldl2e, Mnemonic.Fldpi, Mnemonic.Fldlg2, Mnemonic.Fldln2, Mnemonic.Fldz], (r) => {
  r.imm2 = computeFop(r); r.sub = r.mnemonic; return fldConst;
});
fdef(Mnemonic.Fst, (r) => { r.imm2 = computeFop(r); r.sub = 0; return r.k0 === OP_MEM ? fstM : fstSt; });
fdef(Mnemonic.Fstp, (r) => { r.imm2 = computeFop(r); r.sub = POP; return r.k0 === OP_MEM ? fstM : fstSt; });
fdef(Mnemonic.Fstpnce, (r) => { r.imm2 = computeFop(r); return fstpnce; }); // undocumented D9 D8+i
fdef(Mnemonic.Fist, (r) => { r.imm2 = computeFop(r); r.sub = 0; return fistM; });
fdef(Mnemonic.Fistp, (r) => { r.imm2 = computeFop(r); r.sub = POP; return fistM; });
fdef(Mnemonic.Fisttp, (r) => { r.imm2 = computeFop(r); r.sub = POP; return r.k0 === OP_MEM ? fisttp : null; });
fdef(Mnemonic.Fbstp, withFop(fbstp));
// FISTTP is SSE3: this CPU does not have it (no def: #UD).
