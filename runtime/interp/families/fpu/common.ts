/**
 * Helpers shared by the x87 instruction files: the FOP and the last
 * instruction / data pointers, reading a memory source operand (m32fp m64fp
 * m16int m32int), the `fdef` wrapper (LOCK is #UD), and the one-operand
 * ST(0) handler shape used by FSQRT and F2XM1.
 */
import { CodeExt, Mnemonic } from '../../../iced.js';
import type { Cpu } from '../../../cpu.js';
import type { Rec } from '../../../records.js';
import { NO_REG, OP_FPU } from '../../../records.js';
import { CS, SEG_SEL, w } from '../../../state/layout.js';
import { def } from '../../table.js';
import { offset } from '../../operands.js';
import { thisEip } from '../../control.js';
import { C1, DE, IE, INDEFINITE, K_UNSUPPORTED, X, ZE, fromBits } from '../../../fpu/num.js';
import { Fpu, W_FCS, W_FDP, W_FDS, W_FIP, W_FOP, fpuEnter } from '../../../fpu/state.js';

export const PRE = IE | DE | ZE; // unmasked: the instruction leaves its destination and the stack alone
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
export function computeFop(r: Rec): number {
  const info = opcodeInfo(r.code), len = (info >> 16) & 0xf, opc = info & 0xffff;
  if (len === 2) {
    let i = 0;
    if (r.k0 === OP_FPU) i = r.k1 === OP_FPU && r.r0 === 0 ? r.r1 : r.r0;
    return (((opc >> 8) & 7) << 8) | ((opc & 0xff) + i);
  }
  return ((opc & 7) << 8) | modrmOf(r, (info >> 20) & 7);
}

/** Last-instruction pointers (non-control instructions). */
export function ip(cpu: Cpu, r: Rec): void {
  const s = cpu.s;
  s[W_FIP] = thisEip(cpu, r);
  s[W_FCS] = s[W_CS_SEL] & 0xffff;
  s[W_FOP] = r.imm2;
}
export function ipMem(cpu: Cpu, r: Rec): void {
  const s = cpu.s;
  s[W_FIP] = thisEip(cpu, r);
  s[W_FCS] = s[W_CS_SEL] & 0xffff;
  s[W_FOP] = r.imm2;
  s[W_FDP] = offset(cpu, r);
  s[W_FDS] = s[W_SEG_SEL + r.seg] & 0xffff;
}

// ---- memory operand formats --------------------------------------------------

/** Memory source kinds (`rec.sub >> 4` of the memory forms; the JIT's codegen/x87.ts reads them too). */
export const SRC_F32 = 0, SRC_F64 = 1, SRC_I32 = 2, SRC_I16 = 3;

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
export function loadSrc(cpu: Cpu, kind: number, lin: number): number {
  const m = cpu.mmu;
  switch (kind) {
    case SRC_F32: return fromF32(m.read32(lin));
    case SRC_F64: { const lo = m.read32(lin), hi = m.read32((lin + 4) | 0); return fromF64(lo >>> 0, hi >>> 0); }
    case SRC_I32: return m.read32(lin) | 0;
    default: return (m.read16(lin) << 16) >> 16;
  }
}

/** Source kind of a memory arithmetic/compare form from its operand size and integer-ness. */
export function srcKind(r: Rec, int: boolean): number {
  return int ? (r.msz === 2 ? SRC_I16 : SRC_I32) : r.msz === 8 ? SRC_F64 : SRC_F32;
}

/** `sub` bit of the popping forms of the stores and FFREEP. */
export const POP = 1;

// ---- binding ------------------------------------------------------------------------------

/** `def` for x87 mnemonics: a LOCK prefix makes any of them #UD. */
export function fdef(m: Mnemonic | Mnemonic[], f: (r: Rec) => ((cpu: Cpu, r: Rec) => void) | null): void {
  def(m, (r) => (r.lock ? null : f(r)));
}
export function withFop(h: (cpu: Cpu, r: Rec) => void) {
  return (r: Rec) => { r.imm2 = computeFop(r); return h; };
}

// ---- shared handler pieces ----------------------------------------------------------------

/**
 * A NaN result from an operand that is an unsupported 80-bit encoding (held
 * as an SNaN with an exact image) is the real indefinite, as on the x87.
 */
export function unsupportedOperand(f: Fpu, p: number): boolean {
  return f.hasExact(p) && f.kindP(p) === K_UNSUPPORTED;
}
