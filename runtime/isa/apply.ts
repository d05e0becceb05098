/**
 * Store a row's typed facts in a freshly decoded record and set its block
 * termination from the row's `ends` (the front end calls this once per
 * decoded instruction, before the interpreter binds a handler).
 *
 * The rows (runtime/isa/*.ts) are object literals of many shapes (each
 * names only the facts it has), so reading them per instruction is a
 * megamorphic property load each; the front end reads a row once, through
 * rowFacts(), into a RowFacts of one shape and applies that.
 */
import { T_BRANCH, T_NONE, T_STOP, T_TRAP, type Rec } from '../records.js';
import { CC_NONE } from './cc.js';
import { E_BRANCH, E_COND, E_FOLD, E_HANDLER, E_NONE, E_REP, E_STOP, E_TRAP, type End, type IsaRow } from './types.js';

/** A RowFacts field the row leaves alone (the record keeps its value). */
const LEAVE = -1000;
/** RowFacts.ccFrom: no condition (CC_NONE), iced-x86's `conditionCode`, the row's fixed code. */
export const CC_FROM_NONE = 0, CC_FROM_ICED = 1, CC_FROM_ROW = 2;

/** A row's facts, every field present (one hidden class). */
export interface RowFacts {
  readonly row: IsaRow;
  readonly alu: number;
  readonly shift: number;
  readonly strop: number;
  /** Where `rec.cc` comes from (CC_FROM_*); `cc` is the row's own when CC_FROM_ROW. */
  readonly ccFrom: number;
  readonly cc: number;
  readonly osz: number;
  readonly asz: number;
  readonly ends: End;
}

export function rowFacts(row: IsaRow): RowFacts {
  return {
    row,
    alu: row.alu ?? LEAVE,
    shift: row.shift ?? LEAVE,
    strop: row.strop ?? LEAVE,
    ccFrom: row.cc === undefined ? CC_FROM_NONE : row.cc === 'iced' ? CC_FROM_ICED : CC_FROM_ROW,
    cc: typeof row.cc === 'number' ? row.cc : CC_NONE,
    osz: row.osz ?? LEAVE,
    asz: row.asz ?? LEAVE,
    ends: row.ends,
  };
}

/** `cc` is the condition code resolved by the caller (iced's `conditionCode` when f.ccFrom is CC_FROM_ICED, else f.cc). */
export function applyFacts(r: Rec, f: RowFacts, cc: number): void {
  if (f.alu !== LEAVE) r.alu = f.alu;
  if (f.shift !== LEAVE) r.shift = f.shift;
  if (f.strop !== LEAVE) r.strop = f.strop;
  r.cc = f.ccFrom === CC_FROM_NONE ? CC_NONE : cc;
  if (f.osz !== LEAVE) r.osz = f.osz;
  if (f.asz !== LEAVE) r.asz = f.asz;
  r.ends = f.ends;
  switch (f.ends) {
    case E_NONE: r.term = T_NONE; break;
    case E_BRANCH: case E_COND: case E_FOLD: r.term = T_BRANCH; break;
    case E_TRAP: r.term = T_TRAP; break;
    case E_STOP: r.term = T_STOP; break;
    case E_REP: r.term = r.rep !== 0 ? T_BRANCH : T_NONE; break;
    case E_HANDLER: break; // the binder decides (families bound per mnemonic)
  }
}
