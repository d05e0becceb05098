/**
 * The x87 FPU instructions (state and numerics in runtime/fpu/, semantics
 * notes and what differs from an 80-bit x87 in docs/fpu.md).
 *
 * Record fields used by this family: `sub` = operation (/digit order for the
 * arithmetic group: 0 ADD 1 MUL 4 SUB 5 SUBR 6 DIV 7 DIVR, + 8 for the
 * popping forms; compares: bit 0 = pop once, bit 1 = pop twice, bit 2 =
 * unordered form) | source kind << 4 (memory forms); `imm2` = the 11-bit FOP
 * recorded in the FPU state. A LOCK prefix is #UD for every x87 mnemonic.
 *
 * Every handler starts with fpuEnter (waiting instructions: #NM when
 * CR0.EM/TS, then a pending unmasked exception is #MF or FERR#) or
 * fpuEnterNoWait (FNINIT FNCLEX FNSTSW FNSTCW FNSTENV FNSAVE FXSAVE
 * FXRSTOR). Memory is read, or the first write made (a store that crosses
 * a page is checked up front), before any FPU state changes, so a #PF/#GP
 * leaves the x87 untouched. WAIT/FWAIT lives in
 * misc.ts (runtime/fpu/state.ts exports fpuWait for it).
 */
import { Code, CodeExt, Mnemonic } from 'iced-x86';
import type { Cpu } from '../../cpu.js';
import type { Rec } from '../../records.js';
import { NO_REG, OP_FPU, OP_MEM, OP_REG } from '../../records.js';
import { CS, SEG_SEL, w } from '../../state/layout.js';
import { AF, CF, OF, PF, SF as EF_SF, ZF } from '../../state/eflags.js';
import { getCF, getPF, getZF, setFlags } from '../../flags.js';
import { raiseGP } from '../../exceptions.js';
import { def } from '../table.js';
import { ea, offset } from '../operands.js';
import { thisEip } from '../control.js';
import {
  BIG, C0, C1, C2, C3, DE, E80, IE, INDEFINITE, K_DENORMAL, K_INF, K_NAN, K_NORMAL, K_UNSUPPORTED, K_ZERO,
  OE, OP_ADD, OP_DIV, OP_MUL, OP_SUB, PE, RN, RU, SF as STACK_FAULT, UE, X, ZE,
  arith, compare, decompose, decompose80, exactTo80, fromBits, hiOf, kind80, loOf,
  quiet, roundBig, roundInt, roundIntBig, signBit, sqrt,
} from '../../fpu/num.js';
import {
  Fpu, W_CW, W_EMPTY, W_FCS, W_FDP, W_FDS, W_FIP, W_FOP, W_SW, W_TOP, W_X80V, fpuEnter, fpuEnterNoWait,
} from '../../fpu/state.js';
import { Q, TRIG_LIMIT, XT, f2xm1, fcos, fpatan, fprem, fscale, fsin, ftan, fxtract, fyl2x, fyl2xp1 } from '../../fpu/trans.js';

const PRE = IE | DE | ZE; // unmasked: the instruction leaves its destination and the stack alone
const W_SEG_SEL = w(SEG_SEL), W_CS_SEL = W_SEG_SEL + CS;

// ---- FOP and the instruction / data pointers ------------------------------

const opcodes = new Map<number, number>();
/** iced's opcode for a Code: (length << 16) | opcode (0xd8c0-style for register forms, 0xd8 for memory forms) | group << 20. */
function opcodeInfo(code: number): number {
  let v = opcodes.get(code);
  if (v === undefined) {
    const oc = CodeExt.opCode(code);
    v = (oc.opCodeLength << 16) | oc.opCode | ((oc.groupIndex & 7) << 20);
    oc.free();
    opcodes.set(code, v);
  }
  return v;
}
/** The ModRM byte an assembler would emit for the record's memory operand (the FOP keeps mod and r/m). */
function modrmOf(r: Rec, reg: number): number {
  let mod: number, rm: number;
  const d8 = r.disp >= -128 && r.disp <= 127;
  if (r.asz === 2) {
    const b = r.base, i = r.index; // 0..7 register numbers: BX=3 BP=5 SI=6 DI=7
    const pair = (x: number, y: number) => (b === x && i === y) || (b === y && i === x);
    if (b === NO_REG && i === NO_REG) return (reg << 3) | 6;
    rm = pair(3, 6) ? 0 : pair(3, 7) ? 1 : pair(5, 6) ? 2 : pair(5, 7) ? 3
      : (b === 6 || i === 6) ? 4 : (b === 7 || i === 7) ? 5 : (b === 5 || i === 5) ? 6 : 7;
    mod = r.disp === 0 && rm !== 6 ? 0 : d8 ? 1 : 2;
    return (mod << 6) | (reg << 3) | rm;
  }
  if (r.base === NO_REG && r.index === NO_REG) return (reg << 3) | 5;
  rm = r.index !== NO_REG || r.base === 4 ? 4 : r.base;
  mod = r.base === NO_REG ? 0 : r.disp === 0 && r.base !== 5 ? 0 : d8 ? 1 : 2;
  return (mod << 6) | (reg << 3) | rm;
}
function computeFop(r: Rec): number {
  const info = opcodeInfo(r.code), len = (info >> 16) & 0xf, opc = info & 0xffff;
  if (len === 2) {
    let i = 0;
    if (r.k0 === OP_FPU) i = r.k1 === OP_FPU && r.r0 === 0 ? r.r1 : r.r0;
    return (((opc >> 8) & 7) << 8) | ((opc & 0xff) + i);
  }
  return ((opc & 7) << 8) | modrmOf(r, (info >> 20) & 7);
}

/** Last-instruction pointers (non-control instructions). */
function ip(cpu: Cpu, r: Rec): void {
  const s = cpu.s;
  s[W_FIP] = thisEip(cpu, r);
  s[W_FCS] = s[W_CS_SEL] & 0xffff;
  s[W_FOP] = r.imm2;
}
function ipMem(cpu: Cpu, r: Rec): void {
  const s = cpu.s;
  s[W_FIP] = thisEip(cpu, r);
  s[W_FCS] = s[W_CS_SEL] & 0xffff;
  s[W_FOP] = r.imm2;
  s[W_FDP] = offset(cpu, r);
  s[W_FDS] = s[W_SEG_SEL + r.seg] & 0xffff;
}

// ---- memory operand formats --------------------------------------------------

const SRC_F32 = 0, SRC_F64 = 1, SRC_I32 = 2, SRC_I16 = 3;

/** m32fp -> f64, exact (an SNaN stays signalling: the consumer raises IE); a denormal is DE. */
function fromF32(b: number): number {
  const e = (b >>> 23) & 0xff, f = b & 0x7fffff, sgn = b & 0x80000000;
  if (e === 0xff) {
    if (f === 0) return sgn ? -Infinity : Infinity;
    return fromBits(sgn | 0x7ff00000 | (f >>> 3), (f << 29) >>> 0);
  }
  if (e === 0) {
    if (f === 0) return sgn ? -0 : 0;
    X.f |= DE;
    const v = f * 1.401298464324817e-45; // 2^-149, exact
    return sgn ? -v : v;
  }
  return fromBits(sgn | ((e - 127 + 1023) << 20) | (f >>> 3), (f << 29) >>> 0);
}
function fromF64(lo: number, hi: number): number {
  if ((hi & 0x7ff00000) === 0 && ((hi & 0xfffff) | lo) !== 0) X.f |= DE;
  return fromBits(hi, lo);
}
/** Read a source operand of kind SRC_*. */
function loadSrc(cpu: Cpu, kind: number, lin: number): number {
  const m = cpu.mmu;
  switch (kind) {
    case SRC_F32: return fromF32(m.read32(lin));
    case SRC_F64: { const lo = m.read32(lin), hi = m.read32((lin + 4) | 0); return fromF64(lo >>> 0, hi >>> 0); }
    case SRC_I32: return m.read32(lin) | 0;
    default: return (m.read16(lin) << 16) >> 16;
  }
}

/** f64 -> m32fp bits with rounding control; flags into X.f. */
function toF32(v: number, cw: number): number {
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
function toF64Bits(v: number): void {
  let h = hiOf(v);
  const l = loOf(v);
  if (v !== v && (h & 0x80000) === 0) { X.f |= IE; h |= 0x80000; }
  B64[0] = l; B64[1] = h;
}
const B64 = new Uint32Array(2);

/** The exact 80-bit image in E80 rounded to m32fp/m64fp (prec 24/53) with flags. */
function round80(prec: number, cw: number): number {
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
const IR = new Int32Array(2);
function toInt(f: Fpu, p: number, size: number, cw: number): void {
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

const POP = 1;
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
  const f = fpuEnter(cpu), lin = ea(cpu, r), n = r.msz, m = cpu.mmu;
  checkStore(cpu, lin, n);
  const empty = f.isEmpty(0);
  X.f = 0;
  if (empty) {
    X.f = IE | STACK_FAULT;
    IR[0] = n === 2 ? 0x8000 : n === 4 ? 0x80000000 | 0 : 0; IR[1] = n === 8 ? 0x80000000 | 0 : 0;
  } else toInt(f, f.ph(0), n, f.cw);
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

// ---- handlers: arithmetic --------------------------------------------------------------

/**
 * A NaN result from an operand that is an unsupported 80-bit encoding (held
 * as an SNaN with an exact image) is the real indefinite, as on the x87.
 */
function unsupportedOperand(f: Fpu, p: number): boolean {
  return f.hasExact(p) && f.kindP(p) === K_UNSUPPORTED;
}
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
  let v = binop(r.sub & 7, f.st[pd], f.st[ps], s[W_CW]);
  if (v !== v && (unsupportedOperand(f, pd) || unsupportedOperand(f, ps))) v = INDEFINITE;
  if (X.f !== 0) {
    const un = f.exc(X.f);
    f.setCC(C1, X.f & C1);
    if (un & PRE) return;
  } else s[W_SW] &= ~C1;
  f.setP(pd, v);
  if (r.sub & 8) f.pop();
}
/** ST(0) = ST(0) op m32fp/m64fp/m16int/m32int. */
function arithRM(cpu: Cpu, r: Rec): void {
  const f = fpuEnter(cpu), lin = ea(cpu, r);
  X.f = 0;
  const b = loadSrc(cpu, r.sub >> 4, lin);
  ipMem(cpu, r);
  const pd = f.ph(0);
  if (f.isEmpty(0)) { if (f.underflow()) f.setP(pd, INDEFINITE); return; }
  // a NaN operand takes precedence over a denormal one; an unmasked denormal stops the instruction
  if (b !== b || f.st[pd] !== f.st[pd]) X.f &= ~DE;
  if (X.f & ~f.cw & DE) { f.setCC(C1, 0); f.exc(X.f); return; }
  let v = binop(r.sub & 7, f.st[pd], b, f.cw);
  if (v !== v && unsupportedOperand(f, pd)) v = INDEFINITE;
  const un = f.exc(X.f);
  f.setCC(C1, X.f & C1);
  if (un & PRE) return;
  f.setP(pd, v);
}

/** One-operand ST(0) operations. */
type Unary = (f: Fpu, x: number, cw: number) => number;
function unaryOp(fn: Unary) {
  return (cpu: Cpu, r: Rec): void => {
    const f = fpuEnter(cpu);
    ip(cpu, r);
    const p = f.ph(0);
    if (f.isEmpty(0)) { if (f.underflow()) f.setP(p, INDEFINITE); return; }
    X.f = 0;
    let v = fn(f, f.st[p], f.cw);
    if (v !== v && unsupportedOperand(f, p)) v = INDEFINITE;
    const un = f.exc(X.f);
    f.setCC(C1, X.f & C1);
    if (un & PRE) return;
    f.setP(p, v);
  };
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

/** Two-operand ST(1) op ST(0) -> ST(1), pop (FPATAN FYL2X FYL2XP1); FSCALE / FPREM keep both. */
function fpatanLike(fn: (y: number, x: number, cw: number) => number) {
  return (cpu: Cpu, r: Rec): void => {
    const f = fpuEnter(cpu);
    ip(cpu, r);
    const p0 = f.ph(0), p1 = f.ph(1);
    if (f.isEmpty(0) || f.isEmpty(1)) {
      if (f.underflow()) { f.setP(p1, INDEFINITE); f.pop(); }
      return;
    }
    X.f = 0;
    let v = fn(f.st[p1], f.st[p0], f.cw);
    if (v !== v && (unsupportedOperand(f, p0) || unsupportedOperand(f, p1))) v = INDEFINITE;
    const un = f.exc(X.f);
    f.setCC(C1, X.f & C1);
    if (un & PRE) return;
    f.setP(p1, v);
    f.pop();
  };
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
    const x = f.st[p];
    if (x === x && Math.abs(x) >= TRIG_LIMIT && isFinite(x)) { f.setCC(C1 | C2, C2); return; }
    X.f = 0;
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
    if (x !== x || !isFinite(x)) v2 = v; // NaN / invalid: both results are the NaN
    // FPTAN: ST(0) = tan, push 1.0; FSINCOS: ST(0) = sine, push the cosine
    f.setP(p, v); f.push(v2);
  };
}

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

/** FCMOVcc ST(0), ST(i): sub = condition 0 B 1 E 2 BE 3 U, +4 negated. */
function fcmov(cpu: Cpu, r: Rec): void {
  const f = fpuEnter(cpu);
  ip(cpu, r);
  if (f.isEmpty(0) || f.isEmpty(r.r1)) { if (f.underflow()) f.setP(f.ph(0), INDEFINITE); return; }
  const s = cpu.s;
  let c: boolean;
  switch (r.sub & 3) {
    case 0: c = getCF(s) !== 0; break;
    case 1: c = getZF(s); break;
    case 2: c = getCF(s) !== 0 || getZF(s); break;
    default: c = getPF(s); break;
  }
  if (r.sub & 4) c = !c;
  if (c && r.r1 !== 0) f.copyP(f.ph(0), f.ph(r.r1));
}

// ---- handlers: stack and control -----------------------------------------------------

function fxch(cpu: Cpu, r: Rec): void {
  const f = fpuEnter(cpu);
  ip(cpu, r);
  const i = r.k1 === OP_FPU ? r.r1 : 1;
  const p0 = f.ph(0), pi = f.ph(i);
  f.setCC(C1, 0);
  if (f.isEmpty(0) || f.isEmpty(i)) {
    if (!f.underflow()) return;
    if (f.isEmpty(0)) f.setP(p0, INDEFINITE);
    if (f.isEmpty(i)) f.setP(pi, INDEFINITE);
  }
  if (p0 === pi) return;
  // swap through the scratch slot (bits and exact images, NaN-safe)
  const su = f.su, x = f.x, s = cpu.s, V = W_X80V;
  const l0 = su[2 * p0], h0 = su[2 * p0 + 1];
  su[2 * p0] = su[2 * pi]; su[2 * p0 + 1] = su[2 * pi + 1];
  su[2 * pi] = l0; su[2 * pi + 1] = h0;
  const v = s[V], b0 = (v >> p0) & 1, bi = (v >> pi) & 1;
  if (b0 | bi) {
    for (let k = 0; k < 3; k++) { const t = x[4 * p0 + k]; x[4 * p0 + k] = x[4 * pi + k]; x[4 * pi + k] = t; }
    s[V] = (v & ~((1 << p0) | (1 << pi))) | (bi << p0) | (b0 << pi);
  }
}
function fincdecstp(cpu: Cpu, r: Rec): void {
  const f = fpuEnter(cpu);
  ip(cpu, r);
  f.setCC(C1, 0);
  f.top = f.top + (r.sub === 0 ? 1 : -1);
}
function ffree(cpu: Cpu, r: Rec): void {
  const f = fpuEnter(cpu);
  ip(cpu, r);
  f.setCC(C1, 0);
  cpu.s[W_EMPTY] |= 1 << f.ph(r.r0);
  if (r.sub & POP) f.pop();
}
function fnop(cpu: Cpu, r: Rec): void {
  fpuEnter(cpu);
  ip(cpu, r);
}
/** FNENI / FNDISI / FNSETPM: 8087/287 instructions, no-ops on the 387 and later. */
function fnopControl(cpu: Cpu): void { fpuEnterNoWait(cpu); }

function fninit(cpu: Cpu): void { fpuEnterNoWait(cpu).init(); }
function fnclex(cpu: Cpu): void { fpuEnterNoWait(cpu).clearExceptions(); }
function fnstswAX(cpu: Cpu): void { cpu.r16[0] = fpuEnterNoWait(cpu).statusWord(); }
function fnstswM(cpu: Cpu, r: Rec): void {
  const f = fpuEnterNoWait(cpu);
  cpu.mmu.write16(ea(cpu, r), f.statusWord());
}
function fnstcw(cpu: Cpu, r: Rec): void {
  const f = fpuEnterNoWait(cpu);
  cpu.mmu.write16(ea(cpu, r), f.controlWord());
}
function fldcw(cpu: Cpu, r: Rec): void {
  const f = fpuEnter(cpu);
  const v = cpu.mmu.read16(ea(cpu, r));
  f.setControlWord(v);
}

// ---- environment, FSAVE / FRSTOR, FXSAVE / FXRSTOR -----------------------------------------

/** Real-address or virtual-8086 mode: the environment holds linear pointers. */
function realLayout(cpu: Cpu): boolean { return !cpu.protectedMode || cpu.v86; }

/** The environment as 7 dwords (32-bit layout) or 7 words (16-bit), SDM vol. 1, figures 8-9..8-12. */
function envImage(cpu: Cpu, f: Fpu, big: boolean): number[] {
  const s = cpu.s;
  const cw = f.controlWord(), sw = f.statusWord(), tw = f.tagWord();
  const fip = s[W_FIP], fcs = s[W_FCS] & 0xffff, fdp = s[W_FDP], fds = s[W_FDS] & 0xffff, fop = s[W_FOP] & 0x7ff;
  if (realLayout(cpu)) {
    const ipl = (fip + (fcs << 4)) | 0, dpl = (fdp + (fds << 4)) | 0;
    if (big) {
      return [cw | 0xffff0000, sw | 0xffff0000, tw | 0xffff0000, (ipl & 0xffff) | 0xffff0000,
        ((ipl >>> 16) << 12) | fop, (dpl & 0xffff) | 0xffff0000, (dpl >>> 16) << 12].map((x) => x | 0);
    }
    return [cw, sw, tw, ipl & 0xffff, (((ipl >>> 16) & 0xf) << 12) | fop, dpl & 0xffff, ((dpl >>> 16) & 0xf) << 12];
  }
  if (big) return [cw | 0xffff0000, sw | 0xffff0000, tw | 0xffff0000, fip, fcs | (fop << 16), fdp, fds | 0xffff0000].map((x) => x | 0);
  return [cw, sw, tw, fip & 0xffff, fcs, fdp & 0xffff, fds];
}
function writeEnv(cpu: Cpu, lin: number, img: number[], big: boolean): void {
  const m = cpu.mmu;
  for (let i = 0; i < 7; i++) {
    if (big) m.write32((lin + 4 * i) | 0, img[i]); else m.write16((lin + 2 * i) | 0, img[i]);
  }
}
function readEnv(cpu: Cpu, lin: number, big: boolean): number[] {
  const m = cpu.mmu, out: number[] = [];
  for (let i = 0; i < 7; i++) out.push(big ? m.read32((lin + 4 * i) | 0) : m.read16((lin + 2 * i) | 0));
  return out;
}
function loadEnv(cpu: Cpu, f: Fpu, v: number[], big: boolean): void {
  const s = cpu.s;
  s[W_CW] = v[0] & 0x1f3f;
  f.setTagWord(v[2] & 0xffff);
  if (realLayout(cpu)) {
    const ipl = big ? (v[3] & 0xffff) | (((v[4] >>> 12) & 0xffff) << 16) : (v[3] & 0xffff) | (((v[4] >>> 12) & 0xf) << 16);
    const dpl = big ? (v[5] & 0xffff) | (((v[6] >>> 12) & 0xffff) << 16) : (v[5] & 0xffff) | (((v[6] >>> 12) & 0xf) << 16);
    s[W_FIP] = ipl; s[W_FCS] = 0; s[W_FOP] = v[4] & 0x7ff; s[W_FDP] = dpl; s[W_FDS] = 0;
  } else if (big) {
    s[W_FIP] = v[3]; s[W_FCS] = v[4] & 0xffff; s[W_FOP] = (v[4] >>> 16) & 0x7ff; s[W_FDP] = v[5]; s[W_FDS] = v[6] & 0xffff;
  } else {
    s[W_FIP] = v[3] & 0xffff; s[W_FCS] = v[4] & 0xffff; s[W_FDP] = v[5] & 0xffff; s[W_FDS] = v[6] & 0xffff;
  }
  f.setStatusWord(v[1] & 0xffff); // recomputes ES/B against the new CW
}

function fnstenv(cpu: Cpu, r: Rec): void {
  const f = fpuEnterNoWait(cpu), lin = ea(cpu, r), big = r.msz === 28;
  cpu.mmu.checkWrite(lin, r.msz);
  writeEnv(cpu, lin, envImage(cpu, f, big), big);
  // FNSTENV then masks every exception (SDM vol. 2, FSTENV/FNSTENV).
  cpu.s[W_CW] |= 0x3f;
  f.updateES();
}
function fldenv(cpu: Cpu, r: Rec): void {
  const f = fpuEnter(cpu), lin = ea(cpu, r), big = r.msz === 28;
  loadEnv(cpu, f, readEnv(cpu, lin, big), big);
}
function fnsave(cpu: Cpu, r: Rec): void {
  const f = fpuEnterNoWait(cpu), lin = ea(cpu, r), big = r.msz === 108, m = cpu.mmu;
  m.checkWrite(lin, r.msz);
  writeEnv(cpu, lin, envImage(cpu, f, big), big);
  const base = big ? 28 : 14;
  for (let i = 0; i < 8; i++) {
    f.image80(f.ph(i));
    const a = (lin + base + 10 * i) | 0;
    m.write32(a, E80[0]); m.write32((a + 4) | 0, E80[1]); m.write16((a + 8) | 0, E80[2]);
  }
  f.init();
}
function frstor(cpu: Cpu, r: Rec): void {
  const f = fpuEnter(cpu), lin = ea(cpu, r), big = r.msz === 108, m = cpu.mmu;
  const env = readEnv(cpu, lin, big);
  const base = big ? 28 : 14, regs: number[] = [];
  for (let i = 0; i < 8; i++) {
    const a = (lin + base + 10 * i) | 0;
    regs.push(m.read32(a) >>> 0, m.read32((a + 4) | 0) >>> 0, m.read16((a + 8) | 0));
  }
  loadEnv(cpu, f, env, big);
  const empty = cpu.s[W_EMPTY];
  for (let i = 0; i < 8; i++) f.set80P(f.ph(i), regs[3 * i], regs[3 * i + 1], regs[3 * i + 2]);
  cpu.s[W_EMPTY] = empty;
}

function fxsave(cpu: Cpu, r: Rec): void {
  const f = fpuEnterNoWait(cpu), lin = ea(cpu, r), m = cpu.mmu, s = cpu.s;
  if (lin & 15) raiseGP(0);
  m.checkWrite(lin, 512);
  m.write16(lin, f.controlWord());
  m.write16((lin + 2) | 0, f.statusWord());
  m.write16((lin + 4) | 0, f.abridgedTag());
  m.write16((lin + 6) | 0, s[W_FOP] & 0x7ff);
  m.write32((lin + 8) | 0, s[W_FIP]);
  m.write32((lin + 12) | 0, s[W_FCS] & 0xffff);
  m.write32((lin + 16) | 0, s[W_FDP]);
  m.write32((lin + 20) | 0, s[W_FDS] & 0xffff);
  m.write32((lin + 24) | 0, 0x1f80); // MXCSR: no SSE on this model, its reset value
  m.write32((lin + 28) | 0, 0);      // MXCSR_MASK 0: "use the default mask" (pre-Pentium 4)
  for (let i = 0; i < 8; i++) {
    f.image80(f.ph(i));
    const a = (lin + 32 + 16 * i) | 0;
    m.write32(a, E80[0]); m.write32((a + 4) | 0, E80[1]); m.write32((a + 8) | 0, E80[2]); m.write32((a + 12) | 0, 0);
  }
}
function fxrstor(cpu: Cpu, r: Rec): void {
  const f = fpuEnterNoWait(cpu), lin = ea(cpu, r), m = cpu.mmu, s = cpu.s;
  if (lin & 15) raiseGP(0);
  m.checkRead(lin, 512);
  const cw = m.read16(lin), sw = m.read16((lin + 2) | 0), tag = m.read8((lin + 4) | 0), fop = m.read16((lin + 6) | 0);
  const fip = m.read32((lin + 8) | 0), fcs = m.read16((lin + 12) | 0), fdp = m.read32((lin + 16) | 0), fds = m.read16((lin + 20) | 0);
  const regs: number[] = [];
  for (let i = 0; i < 8; i++) {
    const a = (lin + 32 + 16 * i) | 0;
    regs.push(m.read32(a) >>> 0, m.read32((a + 4) | 0) >>> 0, m.read16((a + 8) | 0));
  }
  s[W_CW] = cw & 0x1f3f;
  f.setStatusWord(sw);
  s[W_FOP] = fop & 0x7ff; s[W_FIP] = fip; s[W_FCS] = fcs; s[W_FDP] = fdp; s[W_FDS] = fds;
  for (let i = 0; i < 8; i++) f.set80P(f.ph(i), regs[3 * i], regs[3 * i + 1], regs[3 * i + 2]);
  s[W_EMPTY] = ~tag & 0xff;
}

// ---- the table ------------------------------------------------------------------------------

/** `def` for x87 mnemonics: a LOCK prefix makes any of them #UD. */
function fdef(m: Mnemonic | Mnemonic[], f: (r: Rec) => ((cpu: Cpu, r: Rec) => void) | null): void {
  def(m, (r) => (r.lock ? null : f(r)));
}
/** Source kind of a memory arithmetic/compare form from its operand size and integer-ness. */
function srcKind(r: Rec, int: boolean): number {
  return int ? (r.msz === 2 ? SRC_I16 : SRC_I32) : r.msz === 8 ? SRC_F64 : SRC_F32;
}
function withFop(h: (cpu: Cpu, r: Rec) => void) {
  return (r: Rec) => { r.imm2 = computeFop(r); return h; };
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
fdef(Mnemonic.Fbstp, withFop(fbstp));
// FISTTP is SSE3: this CPU does not have it (no def: #UD).

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
fdef(Mnemonic.Fsqrt, withFop(unaryOp((_f, x, cw) => sqrt(x, cw))));
fdef(Mnemonic.F2xm1, withFop(unaryOp((_f, x) => f2xm1(x))));
fdef(Mnemonic.Frndint, withFop(frndint));
fdef(Mnemonic.Fscale, withFop(fscaleH));
fdef(Mnemonic.Fxtract, withFop(fxtractH));
fdef(Mnemonic.Fprem, (r) => { r.imm2 = computeFop(r); r.sub = 0; return fpremH; });
fdef(Mnemonic.Fprem1, (r) => { r.imm2 = computeFop(r); r.sub = 1; return fpremH; });
fdef(Mnemonic.Fpatan, withFop(fpatanLike((y, x) => fpatan(y, x))));
fdef(Mnemonic.Fyl2x, withFop(fpatanLike((y, x, cw) => fyl2x(y, x, cw))));
fdef(Mnemonic.Fyl2xp1, withFop(fpatanLike((y, x) => fyl2xp1(y, x))));
fdef(Mnemonic.Fsin, withFop(ftrig(0)));
fdef(Mnemonic.Fcos, withFop(ftrig(1)));
fdef(Mnemonic.Fptan, withFop(ftrig(2)));
fdef(Mnemonic.Fsincos, withFop(ftrig(3)));

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

const FCMOV: [Mnemonic, number][] = [
  [Mnemonic.Fcmovb, 0], [Mnemonic.Fcmove, 1], [Mnemonic.Fcmovbe, 2], [Mnemonic.Fcmovu, 3],
  [Mnemonic.Fcmovnb, 4], [Mnemonic.Fcmovne, 5], [Mnemonic.Fcmovnbe, 6], [Mnemonic.Fcmovnu, 7],
];
for (const [m, cc] of FCMOV) fdef(m, (r) => { r.imm2 = computeFop(r); r.sub = cc; return fcmov; });

fdef(Mnemonic.Fxch, withFop(fxch));
fdef(Mnemonic.Fincstp, (r) => { r.imm2 = computeFop(r); r.sub = 0; return fincdecstp; });
fdef(Mnemonic.Fdecstp, (r) => { r.imm2 = computeFop(r); r.sub = 1; return fincdecstp; });
fdef(Mnemonic.Ffree, (r) => { r.imm2 = computeFop(r); r.sub = 0; return ffree; });
fdef(Mnemonic.Ffreep, (r) => { r.imm2 = computeFop(r); r.sub = POP; return ffree; }); // undocumented DF C0+i
fdef(Mnemonic.Fnop, withFop(fnop));
fdef([Mnemonic.Fneni, Mnemonic.Fndisi, Mnemonic.Fnsetpm], () => fnopControl);

fdef(Mnemonic.Fninit, () => fninit);
fdef(Mnemonic.Fnclex, () => fnclex);
fdef(Mnemonic.Fnstsw, (r) => (r.k0 === OP_REG ? fnstswAX : r.k0 === OP_MEM ? fnstswM : null));
fdef(Mnemonic.Fnstcw, () => fnstcw);
fdef(Mnemonic.Fldcw, () => fldcw);
fdef(Mnemonic.Fnstenv, () => fnstenv);
fdef(Mnemonic.Fldenv, () => fldenv);
fdef(Mnemonic.Fnsave, () => fnsave);
fdef(Mnemonic.Frstor, () => frstor);
// FXSAVE/FXRSTOR (CPUID does not advertise FXSR on this model yet).
fdef(Mnemonic.Fxsave, (r) => (r.code === Code.Fxsave_m512byte ? fxsave : null));
fdef(Mnemonic.Fxrstor, (r) => (r.code === Code.Fxrstor_m512byte ? fxrstor : null));

