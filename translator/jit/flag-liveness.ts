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
 * Quiet consumers (`quiet`, JitOptions.quietCC): a SETcc, CMOVcc or
 * mid-block Jcc whose condition generated code takes from the tracked
 * source (the producer's operands and result in wasm locals, codegen/flags.ts
 * `condition`) reads no flag state, so it does not observe the stores: the
 * producers before it may be OWED (never DROPPED: it is passed like a record
 * that may fault or leave). Whether the tracked source answers is only known
 * while emitting (a call-out in between forgets it), so `quiet` is a
 * prediction, and codegen/flags.ts `cond` pays what is owed before it reads
 * the state instead: with nothing DROPPED across a quiet consumer, the owed
 * stores of the last OWED producer make the state exact there. A wrong
 * prediction costs bytes (replays on the cold paths), never correctness.
 * The taken exit of a Jcc pays the debt as every exit does (Fn.exit).
 *
 * What an instruction does with the flags and how it may fault is read from
 * the instruction table (runtime/isa), the one description both engines share.
 */
import { Mnemonic } from '../../runtime/iced.js';
import { isaRow, E_NONE, type FlagEffect, type IsaRow } from '../../runtime/isa/index.js';
import { OP_IMM, OP_MEM, T_COND, T_NONE, type Rec } from '../../runtime/records.js';
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

/**
 * Does the tracked source (codegen/flags.ts `condition`) answer condition
 * code `cc` after producer `p` (flag effect `kind`)? The bases (cc & ~1)
 * each kind answers there: 0 O, 2 B, 4 E, 6 BE, 8 S, 10 P, 12 L, 14 LE.
 */
function tracks(p: Rec, kind: FlagEffect, cc: number): boolean {
  const base = cc & ~1;
  switch (kind) {
    case 'add': case 'sub': case 'logic': return true;
    case 'adc': case 'sbb': return base === 2 || base === 4 || base === 8;
    case 'inc': case 'dec': return base !== 2 && base !== 6; // CF is eager (pinned)
    case 'result': // shifts by a non-zero constant: CF/OF eager; MUL/IMUL track no condition
      return SHIFTS.has(p.mnemonic) && p.k1 === OP_IMM && (p.imm & 31) !== 0 && (base === 4 || base === 8 || base === 10);
    default: return false;
  }
}

const CONSUMERS: ReadonlySet<string> = new Set(['jcc', 'setcc', 'cmovcc']);

/**
 * Records predicted to be quiet consumers (see above): a SETcc, CMOVcc or
 * mid-block Jcc whose nearest flag-writing record before it, in the block,
 * is a producer whose tracked source answers its condition. 'all': every
 * SETcc/CMOVcc/mid-block Jcc (TEST-ONLY: exercises the payment in `cond`).
 */
export function quietConsumers(recs: readonly Rec[], mode: boolean | 'all' = true): boolean[] {
  const quiet = new Array<boolean>(recs.length).fill(false);
  if (mode === false) return quiet;
  recs.forEach((r, i) => {
    const row = isaRow(r.code, r.mnemonic);
    if (row === null || !CONSUMERS.has(row.interp) || r.lock || (r.flagsRead & ~ARITH) !== 0) return;
    if (row.interp === 'jcc' ? r.term !== T_COND : r.term !== T_NONE) return;
    if (mode === 'all') { quiet[i] = true; return; }
    for (let j = i - 1; j >= 0; j--) {
      const p = recs[j]!, pr = isaRow(p.code, p.mnemonic);
      if (pr === null || pr.flags === 'handler') return;
      if (pr.flags === 'none') continue;
      quiet[i] = tracks(p, pr.flags, r.cc);
      return;
    }
  });
  return quiet;
}

/**
 * What becomes of each record's flag stores (see above). `owe` false: DROPPED only (no replay on cold paths).
 * `quiet`: quietConsumers (passed over as records that may fault or leave).
 */
export function flagFates(recs: readonly Rec[], owe = true, quiet: readonly boolean[] | null = null, joins: ReadonlySet<number> | null = null): FlagFate[] {
  const n = recs.length;
  const fate = new Array<FlagFate>(n).fill(LIVE);
  // Walking back from the end: `covered` = a complete overwrite comes later, reached through passable records;
  // `pure` = none of those may fault.
  let covered = false, pure = false;
  for (let i = n - 1; i >= 0; i--) {
    const r = recs[i]!;
    // `joins` (JitOptions.innerJcc): records also reached by a branch from an earlier record over the ones
    // before them. Nothing before a join is dead for an overwrite after it: the branch skips the records
    // between, and the join forgets what is owed (ir.ts Fn.join), so the state must be exact there.
    if (joins !== null && joins.has(i + 1)) { covered = false; pure = false; }
    const row = isaRow(r.code, r.mnemonic);
    const full = complete(r, row);
    if (covered && row !== null && ARITH_PRODUCER.has(row.flags) && r.term === T_NONE) {
      if (pure) fate[i] = DROPPED;
      else if (owe && full) fate[i] = OWED;
    }
    // A quiet consumer: its exits and faults pay the debt, its condition does not read the state (or pays first).
    const pass = quiet !== null && quiet[i] === true ? (r.k0 === OP_MEM || r.k1 === OP_MEM) && r.asz !== 4 ? null : 'mem' : passable(r, row);
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
