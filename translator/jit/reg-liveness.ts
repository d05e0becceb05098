/**
 * Dead register stores within a block (JitOptions.deadRegs, on with
 * forwarding only: Fn.forward). Compiled code stores every register it
 * writes to the state block at once, and TurboFan keeps every store to
 * linear memory, so `mov ebx, ebp; shr ebx, 0xb` stores EBX twice. The
 * first store is dead when a later record of the block overwrites the whole
 * register before anything can observe the state:
 * - a fault or an exit (its handler, the loop, the lockstep checker read the
 *   state: faults are precise, SDM vol. 3 6.5), a call-out (its handler
 *   reads and writes the state), a memory access (its slow arm may fault);
 * - a read of the register from the state block. Reads from its forward
 *   local (Fn.reg while the local is valid) see the value the dropped store
 *   would have stored: the store's local.tee stays, as a local.set.
 * Single-stepping never runs compiled code and interrupts are only taken
 * between blocks (as for flags: flag-liveness.ts).
 *
 * Half of it is static (`regClasses`, from the instruction table, the
 * description both engines share): which records may be passed over, may
 * overwrite, may have their store dropped. The other half is what emitting
 * each record did (`RegEvent`, collected by Fn in the order its emitter
 * built them): the register stores and whether each is evaluated whenever
 * the record completes (the forward analysis' top level, Fn.fwdTop: a store
 * inside an if or loop may not run), the register words loaded from the
 * state, the points that can observe the state (Fn.callout, Fn.slowAccess,
 * exits, deadCheck). `deadStores` combines them after the block is emitted
 * and Fn replaces each dead store by its local.set.
 *
 * Narrow writes need nothing special: with forwarding on, a write of AH or
 * CX is a 32-bit read-modify-write of the register (Fn.setRegN), whose read
 * comes from the local when valid (then it overwrites all 32 bits) or from
 * the state (a load event: the earlier store stays).
 */
import { Mnemonic } from '../../runtime/iced.js';
import { isaRow, E_NONE } from '../../runtime/isa/index.js';
import { OP_MEM, OP_REG, T_NONE, type Rec } from '../../runtime/records.js';

/** Not passable: may fault outside generated code's fault paths, exit, call out, or is not known. */
export const RC_NONE = 0;
/** No memory operand (LEA's is not an access), cannot fault, does not leave the block. */
export const RC_PURE = 1;
/**
 * `reg <- op(reg?, [mem])` with 32-bit addressing: may fault only in reading its memory source, which is the
 * value of its one register store (so before it); nothing after the store may fault. Its store may be dropped;
 * it is never passed over (the access observes the state).
 */
export const RC_LOAD = 2;
export type RegClass = typeof RC_NONE | typeof RC_PURE | typeof RC_LOAD;

/** Write only their first (register) operand and maybe the status flags, reading their memory source first. */
const LOADS: ReadonlySet<number> = new Set<number>([Mnemonic.Mov, Mnemonic.Movzx, Mnemonic.Movsx, Mnemonic.Add, Mnemonic.Or, Mnemonic.Adc,
  Mnemonic.Sbb, Mnemonic.And, Mnemonic.Sub, Mnemonic.Xor, Mnemonic.Imul]);

export function regClass(r: Rec): RegClass {
  const row = isaRow(r.code, r.mnemonic);
  if (row === null || row.ends !== E_NONE || r.term !== T_NONE || r.lock || row.flags === 'handler') return RC_NONE;
  const mem = r.k0 === OP_MEM || r.k1 === OP_MEM || r.k2 === OP_MEM;
  if (row.faults === 'never' || (row.faults === 'mem' && (!mem || r.mnemonic === Mnemonic.Lea))) return RC_PURE;
  if (row.faults === 'mem' && r.asz === 4 && r.k0 === OP_REG && r.k1 === OP_MEM && r.k2 !== OP_MEM && LOADS.has(r.mnemonic)) return RC_LOAD;
  return RC_NONE;
}

export function regClasses(recs: readonly Rec[]): RegClass[] {
  return recs.map(regClass);
}

/**
 * What emitting a record did, in the order its emitter built it (see above),
 * one number per event: kind | reg << 2 | top << 5. All records' events are
 * in one flat list; `starts[i]` is record i's first (the list's length ends
 * the last record).
 */
export const EV_STORE = 0, EV_LOAD = 1, EV_OBSERVE = 2;
/** EV_STORE: evaluated whenever the record's code completes (Fn.fwdTop found it). */
export const EV_TOP = 1 << 5;
export const ev = (kind: number, reg = 0, top = false): number => kind | (reg << 2) | (top ? EV_TOP : 0);

/**
 * The indices (into the flat event list) of the register stores that are
 * dead. A store of register R in record i is dead when:
 * - record i's class is RC_PURE or RC_LOAD (nothing after its store may
 *   fault), all its stores of R are top level, and after the last one (which
 *   is the one dropped) it built no load of R's word and no observer;
 * - every record after i up to the overwrite is RC_PURE, built no observer,
 *   no load of R's word and no store of R;
 * - the overwrite is an RC_PURE record with a top-level store of R that
 *   built no observer and no load of R's word (its reads of R come from the
 *   local, valid since record i's top-level store), all its stores of R top level.
 * Walked from the end: `killed` (a bit per register) = an overwrite comes
 * later, reached through records that may be passed. One pass over the events.
 */
export function deadStores(classes: readonly RegClass[], events: readonly number[], starts: readonly number[]): number[] {
  const n = classes.length, out: number[] = [];
  const last = new Int32Array(8);
  let killed = 0;
  for (let i = n - 1; i >= 0; i--) {
    const cls = classes[i]!, from = starts[i]!, to = i + 1 < n ? starts[i + 1]! : events.length;
    // Backwards through the record: the last store of each register, whether an observer or a load of it follows.
    let stored = 0, notTop = 0, loads = 0, observes = false, clean = 0;
    for (let k = to - 1; k >= from; k--) {
      const e = events[k]!, kind = e & 3, bit = 1 << ((e >> 2) & 7);
      if (kind === EV_OBSERVE) observes = true;
      else if (kind === EV_LOAD) loads |= bit;
      else {
        if ((e & EV_TOP) === 0) notTop |= bit;
        if ((stored & bit) === 0) {
          stored |= bit;
          last[(e >> 2) & 7] = k;
          if (!observes && (loads & bit) === 0) clean |= bit;
        }
      }
    }
    if (cls !== RC_NONE) {
      const dead = killed & stored & ~notTop & clean;
      for (let r = 0; r < 8; r++) if ((dead >> r) & 1) out.push(last[r]!);
    }
    if (cls !== RC_PURE || observes) killed = 0;
    else killed = ((killed & ~stored) | (stored & ~notTop)) & ~loads;
  }
  return out.sort((a, b) => a - b);
}
