/**
 * Dead flag producers within a block (JitOptions.deadFlags): a record whose
 * status flags (CF PF AF ZF SF OF) a later record of the same block
 * overwrites need not store them, as long as nothing can observe them in
 * between. Observers are: a record that reads a status flag (iced-x86's
 * `rflagsRead`: Jcc, SETcc, CMOVcc, ADC/SBB, RCL/RCR, LAHF, PUSHF ...), an
 * exit from the block, and a fault (its handler gets EFLAGS: faults are
 * precise, SDM vol. 3 6.5). Single-stepping (TF) never runs compiled code
 * (runtime/interp/loop.ts) and interrupts are only taken between blocks.
 *
 * Two ways a producer can be dead (`FlagFate`):
 * - DROPPED: between it and the overwrite nothing can fault or exit; its
 *   flag stores are simply not emitted.
 * - OWED: the records in between may fault, but only through generated
 *   code's fault paths (Fn.slowAccess: the slow arm of an inline memory
 *   access, a call-out) or leave through Fn.exit/leave; the producer writes
 *   all six flags from its own operands (`complete`), so its stores can be
 *   replayed there, on the cold paths only (ir.ts Fn.owedFlags), and the
 *   state is exact wherever it can be seen.
 * A producer that reads the flag state in memory to compute its own (INC/DEC
 * keep CF, rotates, BT, CLC ...) is only DROPPED, never OWED, and, when it
 * stays live, ends any earlier debt: it must find the earlier producer's
 * flags in the state.
 *
 * What an instruction does with the flags and how it may fault is read from
 * the instruction table (runtime/isa), the one description both engines share.
 */
import { Mnemonic } from 'iced-x86';
import { isaRow, E_NONE, type FlagEffect, type IsaRow } from '../../runtime/isa/index.js';
import { OP_IMM, OP_MEM, T_NONE, type Rec } from '../../runtime/records.js';
import { ARITH } from '../../runtime/state/eflags.js';

export const LIVE = 0, DROPPED = 1, OWED = 2;
export type FlagFate = typeof LIVE | typeof DROPPED | typeof OWED;

/** Flag effects that touch only the six status flags (their stores in generated code may be left out when dead). */
const ARITH_PRODUCER: ReadonlySet<FlagEffect> = new Set<FlagEffect>(['add', 'adc', 'sub', 'sbb', 'logic', 'inc', 'dec', 'result', 'rotate']);
/** Flag effects that write all six status flags from the operands (ADC/SBB read CF: rflagsRead makes them observers too). */
const FULL_LAZY: ReadonlySet<FlagEffect> = new Set<FlagEffect>(['add', 'adc', 'sub', 'sbb', 'logic']);
const SHIFTS: ReadonlySet<number> = new Set<number>([Mnemonic.Shl, Mnemonic.Shr, Mnemonic.Sal, Mnemonic.Sar]);

const hasMem = (r: Rec): boolean => r.k0 === OP_MEM || r.k1 === OP_MEM || r.k2 === OP_MEM;

/** How a record may be passed over: 'pure' (no fault, no exit), 'mem' (may fault only through its memory operand), or not at all. */
function passable(r: Rec, row: IsaRow | null): 'pure' | 'mem' | null {
  if (row === null || row.ends !== E_NONE || r.term !== T_NONE || r.lock || (r.flagsRead & ARITH) !== 0 || row.flags === 'handler') return null;
  if (row.faults === 'never' || (row.faults === 'mem' && (!hasMem(r) || r.mnemonic === Mnemonic.Lea))) return 'pure';
  // 32-bit addressing: generated inline (codegen/mem.ts) or called out, either way through Fn.slowAccess / Fn.callout.
  if (row.faults === 'mem' && r.asz === 4) return 'mem';
  return null;
}

/** Writes all six status flags from its operands, whatever their values (a shift by 0 or by CL may leave them). */
function complete(r: Rec, row: IsaRow | null): boolean {
  if (row === null) return false;
  if (FULL_LAZY.has(row.flags)) return true;
  if (r.mnemonic === Mnemonic.Mul || r.mnemonic === Mnemonic.Imul) return row.flags === 'result';
  return SHIFTS.has(r.mnemonic) && row.flags === 'result' && r.k1 === OP_IMM && (r.imm & 31) !== 0;
}

/** Writes flag state a later replay of an earlier producer's stores would clobber (an ARITH producer or an eager flag writer). */
export function writesFlags(r: Rec): boolean {
  const row = isaRow(r.code, r.mnemonic);
  return row !== null && (ARITH_PRODUCER.has(row.flags) || row.flags === 'eager');
}

/** What becomes of each record's flag stores (see above). `owe` false: DROPPED only (no replay on cold paths). */
export function flagFates(recs: readonly Rec[], owe = true): FlagFate[] {
  const n = recs.length;
  const fate = new Array<FlagFate>(n).fill(LIVE);
  // Walking back from the end: `covered` = a complete overwrite comes later, reached through passable records;
  // `pure` = none of those may fault.
  let covered = false, pure = false;
  for (let i = n - 1; i >= 0; i--) {
    const r = recs[i]!;
    const row = isaRow(r.code, r.mnemonic);
    const full = complete(r, row);
    if (covered && row !== null && ARITH_PRODUCER.has(row.flags) && r.term === T_NONE) {
      if (pure) fate[i] = DROPPED;
      else if (owe && full) fate[i] = OWED;
    }
    const pass = passable(r, row);
    if (pass === null || (pass === 'mem' && !owe)) { covered = false; pure = false; continue; }
    if (full) { covered = true; pure = pass === 'pure'; continue; }
    if (pass === 'mem') pure = false;
    // A live producer that reads the flag state (INC's CF, a rotate's mask ...) must find the earlier one's flags stored
    // when a fault may come after it and before the overwrite: a replay there would undo its own.
    const touches = row !== null && (ARITH_PRODUCER.has(row.flags) || row.flags === 'eager');
    // (Only when a fault may come after it: before that, nothing is replayed after it.)
    if (touches && fate[i] === LIVE && !pure) covered = false;
  }
  return fate;
}
