/**
 * What the JIT needs to know about a record beyond its operand fields, read
 * in one place. Today the family sub-op lives in `r.sub` with a meaning per
 * family (runtime/interp/families/*); when the declarative per-instruction
 * table lands (issue 8 item 1), these functions read it instead.
 */
import { Mnemonic } from 'iced-x86';
import type { Rec } from '../../runtime/records.js';

export type AluOp = 'add' | 'or' | 'adc' | 'sbb' | 'and' | 'sub' | 'xor' | 'cmp' | 'test';
const ALU_BY_SUB: AluOp[] = ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp', 'test'];

/** The two-operand ALU operation of an ADD..CMP/TEST record (runtime/interp/families/alu.ts: sub in /digit order). */
export function aluOp(r: Rec): AluOp { return ALU_BY_SUB[r.sub]!; }

/** Condition code (Jcc/SETcc/CMOVcc low nibble) of a Jcc record (families/branch.ts keeps it in sub). */
export function jccCondition(r: Rec): number { return r.sub; }

/** Source size in bytes of MOVZX/MOVSX (families/mov.ts keeps it in sub). */
export function extendSourceSize(r: Rec): number { return r.sub; }

const JCC = new Set<number>([
  Mnemonic.Jo, Mnemonic.Jno, Mnemonic.Jb, Mnemonic.Jae, Mnemonic.Je, Mnemonic.Jne, Mnemonic.Jbe, Mnemonic.Ja,
  Mnemonic.Js, Mnemonic.Jns, Mnemonic.Jp, Mnemonic.Jnp, Mnemonic.Jl, Mnemonic.Jge, Mnemonic.Jle, Mnemonic.Jg,
]);
export const isJcc = (r: Rec): boolean => JCC.has(r.mnemonic);
