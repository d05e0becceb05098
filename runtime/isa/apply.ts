/**
 * Store a row's typed facts in a freshly decoded record and set its block
 * termination from the row's `ends` (the front end calls this once per
 * decoded instruction, before the interpreter binds a handler).
 */
import { T_BRANCH, T_NONE, T_STOP, T_TRAP, type Rec } from '../records.js';
import { CC_NONE } from './cc.js';
import { E_BRANCH, E_COND, E_FOLD, E_HANDLER, E_NONE, E_REP, E_STOP, E_TRAP, type IsaRow } from './types.js';

/** `cc` is the row's condition code resolved by the caller (iced's `conditionCode` when the row says 'iced'). */
export function applyFacts(r: Rec, row: IsaRow, cc: number): void {
  if (row.alu !== undefined) r.alu = row.alu;
  if (row.shift !== undefined) r.shift = row.shift;
  if (row.strop !== undefined) r.strop = row.strop;
  r.cc = row.cc === undefined ? CC_NONE : cc;
  if (row.osz !== undefined) r.osz = row.osz;
  if (row.asz !== undefined) r.asz = row.asz;
  r.ends = row.ends;
  switch (row.ends) {
    case E_NONE: r.term = T_NONE; break;
    case E_BRANCH: case E_COND: case E_FOLD: r.term = T_BRANCH; break;
    case E_TRAP: r.term = T_TRAP; break;
    case E_STOP: r.term = T_STOP; break;
    case E_REP: r.term = r.rep !== 0 ? T_BRANCH : T_NONE; break;
    case E_HANDLER: break; // the binder decides (families bound per mnemonic)
  }
}
