/**
 * Unconditional control transfers: JMP, CALL, RET (near, and the far forms
 * of JMP/CALL, which go to families/far.ts). Direct near JMP/CALL may be
 * folded into the superblock (E_FOLD). Conditional branches: runtime/isa/cond.ts.
 */
import { Code, Mnemonic } from '../iced.js';
import { E_BRANCH, E_FOLD, row, type IsaRow } from './types.js';

export const BRANCH_ROWS: readonly IsaRow[] = [
  row({ m: [Mnemonic.Jmp], codes: [Code.Jmp_rel8_16, Code.Jmp_rel8_32, Code.Jmp_rel16, Code.Jmp_rel32_32], interp: 'jmp', jit: 'inline:jmp', ends: E_FOLD, flags: 'none' }),
  row({ m: [Mnemonic.Jmp], codes: [Code.Jmp_rm16, Code.Jmp_rm32], interp: 'jmp', jit: 'inline:jmpind', ends: E_BRANCH, flags: 'none' }),
  row({ m: [Mnemonic.Jmp], codes: [Code.Jmp_ptr1616, Code.Jmp_ptr1632, Code.Jmp_m1616, Code.Jmp_m1632], interp: 'jmpfar', ends: E_BRANCH, flags: 'eager' }),
  row({ m: [Mnemonic.Call], codes: [Code.Call_rel16, Code.Call_rel32_32], interp: 'call', jit: 'inline:call', ends: E_FOLD, flags: 'none' }),
  row({ m: [Mnemonic.Call], codes: [Code.Call_rm16, Code.Call_rm32], interp: 'call', jit: 'inline:callind', ends: E_BRANCH, flags: 'none' }),
  row({ m: [Mnemonic.Call], codes: [Code.Call_ptr1616, Code.Call_ptr1632, Code.Call_m1616, Code.Call_m1632], interp: 'callfar', ends: E_BRANCH, flags: 'eager' }),
  row({ m: [Mnemonic.Ret], interp: 'ret', jit: 'inline:ret', ends: E_BRANCH, flags: 'none' }),
];
