/**
 * What the JIT needs to know about a record beyond its operand fields, read
 * in one place: the typed facts the instruction table (runtime/isa/) stores
 * in the record (`alu`, `cc`), and `sub` for the families the table does not
 * describe yet (MOVZX/MOVSX: runtime/isa/legacy.ts).
 */
import { Mnemonic } from '../../runtime/iced.js';
import type { Rec } from '../../runtime/records.js';
import { STR_NONE } from '../../runtime/isa/string.js';

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
  Mnemonic.Cdq, Mnemonic.Cwde, Mnemonic.Cbw, Mnemonic.Cwd, Mnemonic.Nop, Mnemonic.Pause, Mnemonic.Clc, Mnemonic.Stc, Mnemonic.Cmc, Mnemonic.Cld, Mnemonic.Std,
  Mnemonic.Seto, Mnemonic.Setno, Mnemonic.Setb, Mnemonic.Setae, Mnemonic.Sete, Mnemonic.Setne, Mnemonic.Setbe, Mnemonic.Seta,
  Mnemonic.Sets, Mnemonic.Setns, Mnemonic.Setp, Mnemonic.Setnp, Mnemonic.Setl, Mnemonic.Setge, Mnemonic.Setle, Mnemonic.Setg,
  Mnemonic.Cmovo, Mnemonic.Cmovno, Mnemonic.Cmovb, Mnemonic.Cmovae, Mnemonic.Cmove, Mnemonic.Cmovne, Mnemonic.Cmovbe, Mnemonic.Cmova,
  Mnemonic.Cmovs, Mnemonic.Cmovns, Mnemonic.Cmovp, Mnemonic.Cmovnp, Mnemonic.Cmovl, Mnemonic.Cmovge, Mnemonic.Cmovle, Mnemonic.Cmovg,
  Mnemonic.Push, Mnemonic.Pop, Mnemonic.Movsb, Mnemonic.Movsw, Mnemonic.Movsd, Mnemonic.Stosb, Mnemonic.Stosw, Mnemonic.Stosd,
  Mnemonic.Lodsb, Mnemonic.Lodsw, Mnemonic.Lodsd,
  // Unrepeated SCAS / CMPS read memory and write flags, eSI/eDI as LODS does (the kernel's strncmp/strcmp loop
  // `lodsb; scasb; jne; test al,al; jne` returned to the loop at every exit: ~1.3 M of the boot's 3.7 M entries).
  Mnemonic.Scasb, Mnemonic.Scasw, Mnemonic.Scasd, Mnemonic.Cmpsb, Mnemonic.Cmpsw, Mnemonic.Cmpsd,
]);
/** Operand kinds that reach system state (segment, control, debug registers). */
const SYSTEM_OPERANDS = new Set<number>([4, 5, 6]); // OP_SREG, OP_CREG, OP_DREG (runtime/records.ts)

export function isPureCallout(r: Rec): boolean {
  // A REP prefix makes a string instruction loop (and write EIP); on any other one it is ignored
  // (F3 0F BC, TZCNT on later CPUs, is BSF here).
  return PURE.has(r.mnemonic) && (r.rep === 0 || r.strop === STR_NONE) && !SYSTEM_OPERANDS.has(r.k0) && !SYSTEM_OPERANDS.has(r.k1);
}

/**
 * x87 records whose interpreter handler, entered with SW.ES clear (no
 * unmasked exception pending), changes only x87 state, memory and EFLAGS
 * (FCOMI): FERR# (runtime/fpu/state.ts signalPending, IRQ 13 on a PC) is
 * only signalled by a waiting instruction that finds ES set, and is only
 * deasserted (FLDCW's updateES) when it was asserted, which ES clear rules
 * out. Their call-outs leave the block when ES was set
 * (codegen/x87.ts x87Callout) instead of making the block impure. Not here:
 * FNINIT FNCLEX FLDENV FRSTOR FXRSTOR FNSTENV FNSAVE FXSAVE (rare; they
 * reset the exception state) and WAIT.
 */
const X87_GUARDED = new Set<number>([
  Mnemonic.Fld, Mnemonic.Fst, Mnemonic.Fstp, Mnemonic.Fstpnce, Mnemonic.Fild, Mnemonic.Fist, Mnemonic.Fistp, Mnemonic.Fisttp,
  Mnemonic.Fbld, Mnemonic.Fbstp, Mnemonic.Fld1, Mnemonic.Fldl2t, Mnemonic.Fldl2e, Mnemonic.Fldpi, Mnemonic.Fldlg2, Mnemonic.Fldln2, Mnemonic.Fldz,
  Mnemonic.Fadd, Mnemonic.Faddp, Mnemonic.Fiadd, Mnemonic.Fsub, Mnemonic.Fsubp, Mnemonic.Fisub, Mnemonic.Fsubr, Mnemonic.Fsubrp, Mnemonic.Fisubr,
  Mnemonic.Fmul, Mnemonic.Fmulp, Mnemonic.Fimul, Mnemonic.Fdiv, Mnemonic.Fdivp, Mnemonic.Fidiv, Mnemonic.Fdivr, Mnemonic.Fdivrp, Mnemonic.Fidivr,
  Mnemonic.Fabs, Mnemonic.Fchs, Mnemonic.Fprem, Mnemonic.Fprem1, Mnemonic.Frndint, Mnemonic.Fscale, Mnemonic.Fsqrt, Mnemonic.Fxtract,
  Mnemonic.F2xm1, Mnemonic.Fyl2x, Mnemonic.Fyl2xp1, Mnemonic.Fptan, Mnemonic.Fpatan, Mnemonic.Fsin, Mnemonic.Fcos, Mnemonic.Fsincos,
  Mnemonic.Fcom, Mnemonic.Fcomp, Mnemonic.Fcompp, Mnemonic.Fucom, Mnemonic.Fucomp, Mnemonic.Fucompp, Mnemonic.Ficom, Mnemonic.Ficomp,
  Mnemonic.Ftst, Mnemonic.Fxam, Mnemonic.Fcomi, Mnemonic.Fcomip, Mnemonic.Fucomi, Mnemonic.Fucomip,
  Mnemonic.Fcmovb, Mnemonic.Fcmove, Mnemonic.Fcmovbe, Mnemonic.Fcmovu, Mnemonic.Fcmovnb, Mnemonic.Fcmovne, Mnemonic.Fcmovnbe, Mnemonic.Fcmovnu,
  Mnemonic.Fincstp, Mnemonic.Fdecstp, Mnemonic.Ffree, Mnemonic.Ffreep, Mnemonic.Fxch, Mnemonic.Fldcw, Mnemonic.Fnstcw, Mnemonic.Fnstsw, Mnemonic.Fnop,
]);
export const isX87Guarded = (r: Rec): boolean => X87_GUARDED.has(r.mnemonic);
