/**
 * iced-x86 operands -> record fields: register numbering for our register
 * views, EFLAGS bit conversion, memory operands.
 */
import { OpKind, Register, RflagsBits } from '../../runtime/iced.js';
import { AF, CF, DF, IF, OF, PF, SF, ZF, AC } from '../../runtime/state/eflags.js';
import {
  NO_REG, OP_CREG, OP_DREG, OP_FAR, OP_FPU, OP_MMX, OP_XMM, OP_IMM, OP_MEM, OP_NONE, OP_REG, OP_REL, OP_SREG, OP_STR, Rec,
} from '../../runtime/records.js';

export interface RegInfo { readonly kind: number; readonly size: number; readonly index: number }

const NONE: RegInfo = Object.freeze({ kind: OP_NONE, size: 0, index: 0 });

/**
 * Our register views: r32[i] for EAX..EDI, r16[2i] for AX..DI, r8 for AL..BH
 * (AL=0 CL=4 DL=8 BL=12 AH=1 CH=5 DH=9 BH=13: the little-endian byte inside r32).
 */
function classify(reg: Register): RegInfo {
  if (reg >= Register.AL && reg <= Register.BH) {
    const i = reg - Register.AL;
    return { kind: OP_REG, size: 1, index: (i & 3) * 4 + (i >> 2) };
  }
  if (reg >= Register.AX && reg <= Register.DI) return { kind: OP_REG, size: 2, index: (reg - Register.AX) * 2 };
  if (reg >= Register.EAX && reg <= Register.EDI) return { kind: OP_REG, size: 4, index: reg - Register.EAX };
  if (reg >= Register.ES && reg <= Register.GS) return { kind: OP_SREG, size: 2, index: reg - Register.ES };
  if (reg >= Register.CR0 && reg < Register.CR0 + 16) return { kind: OP_CREG, size: 4, index: reg - Register.CR0 };
  if (reg >= Register.DR0 && reg < Register.DR0 + 16) return { kind: OP_DREG, size: 4, index: reg - Register.DR0 };
  if (reg >= Register.ST0 && reg < Register.ST0 + 8) return { kind: OP_FPU, size: 10, index: reg - Register.ST0 };
  if (reg >= Register.MM0 && reg < Register.MM0 + 8) return { kind: OP_MMX, size: 8, index: reg - Register.MM0 };
  if (reg >= Register.XMM0 && reg < Register.XMM0 + 8) return { kind: OP_XMM, size: 16, index: reg - Register.XMM0 };
  return NONE;
}

/**
 * Every Register's RegInfo, built once: the front end asks per register
 * operand of every decoded instruction, so the answers are shared, frozen
 * descriptors rather than an object allocated per operand (iced-x86 has
 * fewer than 256 registers; any other value is NONE).
 */
const REG_INFO: readonly RegInfo[] = (() => {
  const out: RegInfo[] = [];
  for (let reg = 0; reg < 256; reg++) out.push(Object.freeze(classify(reg as Register)));
  return out;
})();

export function regInfo(reg: Register): RegInfo {
  return REG_INFO[reg] ?? NONE;
}

/** 32-bit register number (0-7) of a 16- or 32-bit general register, for addressing. */
export function gprNumber(reg: Register): number {
  if (reg === Register.None) return NO_REG;
  if (reg >= Register.AX && reg <= Register.DI) return reg - Register.AX;
  if (reg >= Register.EAX && reg <= Register.EDI) return reg - Register.EAX;
  return -2; // not addressable in 32-bit code (RIP, 64-bit registers)
}

export function segNumber(reg: Register): number {
  return reg >= Register.ES && reg <= Register.GS ? reg - Register.ES : 3;
}

/** iced-x86 RflagsBits -> EFLAGS bits. */
export function toEflags(bits: number): number {
  let f = 0;
  if (bits & RflagsBits.OF) f |= OF;
  if (bits & RflagsBits.SF) f |= SF;
  if (bits & RflagsBits.ZF) f |= ZF;
  if (bits & RflagsBits.AF) f |= AF;
  if (bits & RflagsBits.CF) f |= CF;
  if (bits & RflagsBits.PF) f |= PF;
  if (bits & RflagsBits.DF) f |= DF;
  if (bits & RflagsBits.IF) f |= IF;
  if (bits & RflagsBits.AC) f |= AC;
  return f;
}

export interface OperandOut { kind: number; reg: number; size: number }

/** Classify one operand kind; immediates and memory fields are filled into the record by the caller. */
export function isImmediate(k: OpKind): boolean {
  return k >= OpKind.Immediate8 && k <= OpKind.Immediate32to64;
}
export function isStringMem(k: OpKind): boolean {
  return k >= OpKind.MemorySegSI && k <= OpKind.MemoryESRDI;
}

export const KIND_OF_OPKIND = (k: OpKind): number => {
  if (k === OpKind.Register) return OP_REG;
  if (k === OpKind.Memory) return OP_MEM;
  if (k === OpKind.NearBranch16 || k === OpKind.NearBranch32) return OP_REL;
  if (k === OpKind.FarBranch16 || k === OpKind.FarBranch32) return OP_FAR;
  if (isImmediate(k)) return OP_IMM;
  if (isStringMem(k)) return OP_STR;
  return OP_NONE;
};

export function setOperand(r: Rec, i: number, kind: number, reg: number, size: number): void {
  if (i === 0) { r.k0 = kind; r.r0 = reg; r.s0 = size; }
  else if (i === 1) { r.k1 = kind; r.r1 = reg; r.s1 = size; }
  else if (i === 2) { r.k2 = kind; r.r2 = reg; }
}
