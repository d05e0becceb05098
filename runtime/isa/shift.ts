/**
 * Shifts and rotates: ROL ROR RCL RCR SHL SHR SAL SAR (`rec.shift` in x86
 * /digit order, the C0/C1/D0-D3 group) and the double shifts SHLD SHRD.
 * Interpreter: runtime/interp/families/shift.ts.
 */
import { Mnemonic } from '../iced.js';
import { E_NONE, row, type FlagEffect, type IsaRow, type JitHow } from './types.js';

export const SH_ROL = 0, SH_ROR = 1, SH_RCL = 2, SH_RCR = 3, SH_SHL = 4, SH_SHR = 5, SH_SAL = 6, SH_SAR = 7;
export const SH_SHLD = 8, SH_SHRD = 9;
/** Not a shift (the record's default). */
export const SH_NONE = -1;

function sh(m: Mnemonic, shift: number, flags: FlagEffect, interp = 'shift', jit: JitHow = 'callout'): IsaRow {
  return row({ m: [m], interp, jit, shift, ends: E_NONE, faults: 'mem', flags });
}

export const SHIFT_ROWS: readonly IsaRow[] = [
  sh(Mnemonic.Rol, SH_ROL, 'rotate', 'shift', 'inline:rotate'),
  sh(Mnemonic.Ror, SH_ROR, 'rotate', 'shift', 'inline:rotate'),
  sh(Mnemonic.Rcl, SH_RCL, 'rotate'),
  sh(Mnemonic.Rcr, SH_RCR, 'rotate'),
  sh(Mnemonic.Shl, SH_SHL, 'result', 'shift', 'inline:shift'),
  sh(Mnemonic.Shr, SH_SHR, 'result', 'shift', 'inline:shift'),
  sh(Mnemonic.Sal, SH_SAL, 'result', 'shift', 'inline:shift'),
  sh(Mnemonic.Sar, SH_SAR, 'result', 'shift', 'inline:shift'),
  sh(Mnemonic.Shld, SH_SHLD, 'result', 'shd', 'inline:shd'),
  sh(Mnemonic.Shrd, SH_SHRD, 'result', 'shd', 'inline:shd'),
];
