/**
 * Dead flag producers within a block (JitOptions.deadFlags): a record whose
 * status flags (CF PF AF ZF SF OF) are all overwritten by a later record of
 * the same block before anything can observe them need not compute them.
 * Nothing observes them when every record in between
 *   - cannot fault (its row's `faults` is 'never', or 'mem' without a memory
 *     operand: a fault delivers EFLAGS to the guest's handler, so the flags
 *     must be exact at every instruction that may raise one, SDM vol. 3
 *     6.5 "precise" faults),
 *   - does not leave the block (no exit, no call-out that ends it: `ends` and
 *     `term` are E_NONE / T_NONE),
 *   - reads none of the six flags (iced-x86's `rflagsRead`: Jcc, SETcc,
 *     CMOVcc, ADC/SBB, RCL/RCR, LAHF, PUSHF ...);
 * and the overwriting record itself obeys the same three rules and writes
 * all six flags whatever its operands (ADD SUB AND OR XOR CMP TEST NEG,
 * MUL/IMUL, SHL/SHR/SAL/SAR by a non-zero constant count). Single-stepping
 * (TF) never runs compiled code (runtime/interp/loop.ts), and interrupts are
 * only taken between blocks, so no other observer exists inside a block.
 *
 * What an instruction does with the flags is read from the instruction
 * table (runtime/isa), the one description both engines share.
 */
import { Mnemonic } from 'iced-x86';
import { isaRow, E_NONE, type FlagEffect } from '../../runtime/isa/index.js';
import { OP_IMM, OP_MEM, T_NONE, type Rec } from '../../runtime/records.js';
import { ARITH } from '../../runtime/state/eflags.js';

/** Flag effects that touch only the six status flags (their stores in generated code may be dropped when dead). */
const ARITH_PRODUCER: ReadonlySet<FlagEffect> = new Set<FlagEffect>(['add', 'adc', 'sub', 'sbb', 'logic', 'inc', 'dec', 'result', 'rotate']);
/** Flag effects that write all six status flags (ADC/SBB read CF: rflagsRead keeps them from overwriting). */
const FULL_LAZY: ReadonlySet<FlagEffect> = new Set<FlagEffect>(['add', 'adc', 'sub', 'sbb', 'logic']);
const SHIFTS: ReadonlySet<number> = new Set<number>([Mnemonic.Shl, Mnemonic.Shr, Mnemonic.Sal, Mnemonic.Sar]);

const hasMem = (r: Rec): boolean => r.k0 === OP_MEM || r.k1 === OP_MEM || r.k2 === OP_MEM;

/** Cannot fault, does not leave the block, reads no status flag. */
function transparent(r: Rec): boolean {
  const row = isaRow(r.code, r.mnemonic);
  if (row === null || row.ends !== E_NONE || r.term !== T_NONE || r.lock || (r.flagsRead & ARITH) !== 0) return false;
  return row.faults === 'never' || (row.faults === 'mem' && (!hasMem(r) || r.mnemonic === Mnemonic.Lea));
}

/** Writes all six status flags, whatever its operand values. */
function overwritesAll(r: Rec): boolean {
  const row = isaRow(r.code, r.mnemonic);
  if (row === null) return false;
  if (FULL_LAZY.has(row.flags)) return true;
  if (r.mnemonic === Mnemonic.Mul || r.mnemonic === Mnemonic.Imul) return row.flags === 'result';
  // A shift by a constant count: 0 (mod 32) leaves the flags alone; by CL it may.
  return SHIFTS.has(r.mnemonic) && row.flags === 'result' && r.k1 === OP_IMM && (r.imm & 31) !== 0;
}

/**
 * dead[i]: record i produces only status flags that a later record of the
 * block overwrites before they can be observed (see above).
 */
export function deadFlagProducers(recs: readonly Rec[]): boolean[] {
  const n = recs.length;
  const dead = new Array<boolean>(n).fill(false);
  // One pass from the end: `covered` = a full overwrite comes later with only transparent records before it.
  let covered = false;
  for (let i = n - 1; i >= 0; i--) {
    const r = recs[i]!;
    const row = isaRow(r.code, r.mnemonic);
    if (covered && row !== null && ARITH_PRODUCER.has(row.flags) && r.term === T_NONE) dead[i] = true;
    if (transparent(r)) covered = covered || overwritesAll(r);
    else covered = false;
  }
  return dead;
}
