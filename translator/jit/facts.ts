/**
 * What the JIT needs to know about a record beyond its operand fields, read
 * in one place: the typed facts the instruction table (runtime/isa/) stores
 * in the record (`alu`, `cc`), and `sub` for the families the table does not
 * describe yet (MOVZX/MOVSX: runtime/isa/legacy.ts).
 */
import { Mnemonic } from 'iced-x86';
import type { Rec } from '../../runtime/records.js';

export type AluOp = 'add' | 'or' | 'adc' | 'sbb' | 'and' | 'sub' | 'xor' | 'cmp' | 'test';
const ALU_BY_SUB: AluOp[] = ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp', 'test'];

/** The two-operand ALU operation of an ADD..CMP/TEST record (`rec.alu`, runtime/isa/alu.ts: /digit order, TEST = 8). */
export function aluOp(r: Rec): AluOp {
  const op = ALU_BY_SUB[r.alu];
  if (op === undefined) throw new Error(`JIT: record ${r.code} has no two-operand ALU op (alu=${r.alu})`);
  return op;
}

/** Condition code (Jcc/SETcc/CMOVcc low nibble, runtime/isa/cc.ts) of a Jcc record. */
export function jccCondition(r: Rec): number { return r.cc; }

/** Source size in bytes of MOVZX/MOVSX (families/mov.ts keeps it in sub). */
export function extendSourceSize(r: Rec): number { return r.sub; }

const JCC = new Set<number>([
  Mnemonic.Jo, Mnemonic.Jno, Mnemonic.Jb, Mnemonic.Jae, Mnemonic.Je, Mnemonic.Jne, Mnemonic.Jbe, Mnemonic.Ja,
  Mnemonic.Js, Mnemonic.Jns, Mnemonic.Jp, Mnemonic.Jnp, Mnemonic.Jl, Mnemonic.Jge, Mnemonic.Jle, Mnemonic.Jg,
]);
export const isJcc = (r: Rec): boolean => JCC.has(r.mnemonic);

/**
 * Records whose interpreter handler only computes (registers, flags, memory)
 * and never changes what the dispatcher checks between blocks (interrupt
 * flag and shadow, TF, CR/segment state, I/O, the TSC): a compiled block
 * whose call-outs are all of these may loop on itself inside wasm.
 */
const PURE = new Set<number>([
  Mnemonic.Adc, Mnemonic.Sbb, Mnemonic.Add, Mnemonic.Sub, Mnemonic.And, Mnemonic.Or, Mnemonic.Xor, Mnemonic.Cmp, Mnemonic.Test,
  Mnemonic.Inc, Mnemonic.Dec, Mnemonic.Neg, Mnemonic.Not, Mnemonic.Mul, Mnemonic.Imul, Mnemonic.Div, Mnemonic.Idiv,
  Mnemonic.Shl, Mnemonic.Shr, Mnemonic.Sar, Mnemonic.Sal, Mnemonic.Rol, Mnemonic.Ror, Mnemonic.Rcl, Mnemonic.Rcr, Mnemonic.Shld, Mnemonic.Shrd,
  Mnemonic.Mov, Mnemonic.Movzx, Mnemonic.Movsx, Mnemonic.Lea, Mnemonic.Xchg, Mnemonic.Bswap, Mnemonic.Xadd, Mnemonic.Cmpxchg,
  Mnemonic.Bt, Mnemonic.Bts, Mnemonic.Btr, Mnemonic.Btc, Mnemonic.Bsf, Mnemonic.Bsr,
  Mnemonic.Cdq, Mnemonic.Cwde, Mnemonic.Cbw, Mnemonic.Cwd, Mnemonic.Nop, Mnemonic.Clc, Mnemonic.Stc, Mnemonic.Cmc, Mnemonic.Cld, Mnemonic.Std,
  Mnemonic.Seto, Mnemonic.Setno, Mnemonic.Setb, Mnemonic.Setae, Mnemonic.Sete, Mnemonic.Setne, Mnemonic.Setbe, Mnemonic.Seta,
  Mnemonic.Sets, Mnemonic.Setns, Mnemonic.Setp, Mnemonic.Setnp, Mnemonic.Setl, Mnemonic.Setge, Mnemonic.Setle, Mnemonic.Setg,
  Mnemonic.Cmovo, Mnemonic.Cmovno, Mnemonic.Cmovb, Mnemonic.Cmovae, Mnemonic.Cmove, Mnemonic.Cmovne, Mnemonic.Cmovbe, Mnemonic.Cmova,
  Mnemonic.Cmovs, Mnemonic.Cmovns, Mnemonic.Cmovp, Mnemonic.Cmovnp, Mnemonic.Cmovl, Mnemonic.Cmovge, Mnemonic.Cmovle, Mnemonic.Cmovg,
  Mnemonic.Push, Mnemonic.Pop, Mnemonic.Movsb, Mnemonic.Movsw, Mnemonic.Movsd, Mnemonic.Stosb, Mnemonic.Stosw, Mnemonic.Stosd,
  Mnemonic.Lodsb, Mnemonic.Lodsw, Mnemonic.Lodsd,
]);
/** Operand kinds that reach system state (segment, control, debug registers). */
const SYSTEM_OPERANDS = new Set<number>([4, 5, 6]); // OP_SREG, OP_CREG, OP_DREG (runtime/records.ts)

export function isPureCallout(r: Rec): boolean {
  return PURE.has(r.mnemonic) && r.rep === 0 && !SYSTEM_OPERANDS.has(r.k0) && !SYSTEM_OPERANDS.has(r.k1);
}
