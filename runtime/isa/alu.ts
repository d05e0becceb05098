/**
 * Integer ALU rows: ADD OR ADC SBB AND SUB XOR CMP TEST (`rec.alu` in x86
 * /digit order, so the 80-83 group, the JIT and the interpreter share it)
 * and the one-operand INC DEC NEG NOT. Interpreter: runtime/interp/families/alu.ts.
 */
import { Mnemonic } from '../iced.js';
import { E_NONE, row, type FlagEffect, type IsaRow } from './types.js';

export const ALU_ADD = 0, ALU_OR = 1, ALU_ADC = 2, ALU_SBB = 3, ALU_AND = 4, ALU_SUB = 5, ALU_XOR = 6, ALU_CMP = 7;
export const ALU_TEST = 8, ALU_INC = 9, ALU_DEC = 10, ALU_NEG = 11, ALU_NOT = 12;
/** Not an ALU instruction (the record's default). */
export const ALU_NONE = -1;
/** Ops below ALU_CMP write their destination; CMP and TEST only set flags. */
export const ALU_WRITES = (op: number): boolean => op < ALU_CMP || op > ALU_TEST;

function two(m: Mnemonic, alu: number, flags: FlagEffect): IsaRow {
  return row({ m: [m], interp: 'alu', jit: 'inline:alu', alu, ends: E_NONE, faults: 'mem', flags });
}

export const ALU_ROWS: readonly IsaRow[] = [
  two(Mnemonic.Add, ALU_ADD, 'add'),
  two(Mnemonic.Or, ALU_OR, 'logic'),
  two(Mnemonic.Adc, ALU_ADC, 'adc'),
  two(Mnemonic.Sbb, ALU_SBB, 'sbb'),
  two(Mnemonic.And, ALU_AND, 'logic'),
  two(Mnemonic.Sub, ALU_SUB, 'sub'),
  two(Mnemonic.Xor, ALU_XOR, 'logic'),
  two(Mnemonic.Cmp, ALU_CMP, 'sub'),
  two(Mnemonic.Test, ALU_TEST, 'logic'),
  row({ m: [Mnemonic.Inc], interp: 'incdec', jit: 'inline:incdec', alu: ALU_INC, ends: E_NONE, faults: 'mem', flags: 'inc' }),
  row({ m: [Mnemonic.Dec], interp: 'incdec', jit: 'inline:incdec', alu: ALU_DEC, ends: E_NONE, faults: 'mem', flags: 'dec' }),
  row({ m: [Mnemonic.Neg], interp: 'neg', jit: 'inline:negnot', alu: ALU_NEG, ends: E_NONE, faults: 'mem', flags: 'sub' }),
  row({ m: [Mnemonic.Not], interp: 'not', jit: 'inline:negnot', alu: ALU_NOT, ends: E_NONE, faults: 'mem', flags: 'none' }),
];
