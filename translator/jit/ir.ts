/**
 * The per-block code-generation context: a binaryen function under
 * construction, its locals, and helpers for the state block (loads and
 * stores at runtime/state/layout.ts offsets), registers and exits.
 *
 * Registers live in the state block (REGS) and are read and written there
 * directly: every exit and call-out then sees the interpreter's state
 * without a write-back step (keeping them in locals is a later step).
 */
import binaryen from 'binaryen';
import type { Rec } from '../../runtime/records.js';
import { EIP as EIP_OFF, FAULT_REC, REGS, RETIRED } from '../../runtime/state/layout.js';

export type X = binaryen.ExpressionRef;
/** Label of the loop around a block's body (a branch back to the block start continues it). */
export const SELF_LOOP = 'top';

/** What the last inline flag-producing record left in locals (QEMU's cc_op, per block). */
export interface FlagSource {
  /** 'result': only SF/ZF/PF are lazy (from r), CF/OF eager in EFLAGS (shifts); 'mul': SF/PF lazy, the rest eager (IMUL). */
  kind: 'sub' | 'add' | 'logic' | 'inc' | 'dec' | 'result' | 'mul' | 'adc' | 'sbb';
  a: number;   // locals holding the operands and the result (32-bit operations only)
  b: number;
  r: number;
  /** ADC/SBB: local holding the carry-in (0/1). */
  c?: number;
  /**
   * 8/16-bit operations: a, b and r hold the operands and result shifted
   * left by `sh` (24 or 16), so the 32-bit comparisons of the condition code
   * give the narrow flags (CF, SF, OF, the signed orders); PF reads r >>> sh.
   */
  sh?: number;
}

export class Fn {
  readonly vars: binaryen.Type[] = [];
  /** Block EIP at entry (EIP in the state block is not written until the block leaves). */
  readonly eip0: number;
  /** Parameter: instructions the dispatcher's budget still allows. */
  static readonly BUDGET = 0;
  /** Instructions retired by completed iterations when the block loops on itself (see selfLoop). */
  readonly done: number;
  /** Set once a call-out of a record that may change system state was emitted: no looping in wasm then. */
  impure = false;
  flags: FlagSource | null = null;
  /** Set by code that may have written guest memory the slow way (possibly code: check BLOCK_DEAD). */
  stored = false;

  /** `recBase`: index of this block's first record in the module's call-out table. */
  constructor(readonly m: binaryen.Module, readonly code32: boolean, readonly recBase: number) {
    this.eip0 = this.local();
    this.done = this.local();
  }

  /** Run the record through its interpreter handler (import `interp`); the value is 1 when a T_COND branch was taken. */
  callout(r: Rec): X {
    return this.m.block(null, [this.faultAt(r), this.m.call('interp', [this.c(this.recBase + r.idx)], binaryen.i32)], binaryen.i32);
  }

  local(t: binaryen.Type = binaryen.i32): number {
    this.vars.push(t);
    return this.vars.length; // after the one parameter
  }
  c(v: number): X { return this.m.i32.const(v | 0); }
  get(l: number): X { return this.m.local.get(l, binaryen.i32); }
  set(l: number, v: X): X { return this.m.local.set(l, v); }
  tee(l: number, v: X): X { return this.m.local.tee(l, v, binaryen.i32); }
  /** i32 at a state-block offset. */
  ld(off: number): X { return this.m.i32.load(off, 4, this.m.i32.const(0)); }
  st(off: number, v: X): X { return this.m.i32.store(off, 4, this.m.i32.const(0), v); }
  reg(i: number): X { return this.ld(REGS + 4 * i); }
  setReg(i: number, v: X): X { return this.st(REGS + 4 * i, v); }
  /** Register `i` of the record's numbering for `size` bytes (r32 / r16 / r8 views: runtime/records.ts). */
  regN(size: number, i: number): X {
    const m = this.m, z = m.i32.const(0);
    return size === 4 ? m.i32.load(REGS + 4 * i, 4, z) : size === 2 ? m.i32.load16_u(REGS + 2 * i, 2, z) : m.i32.load8_u(REGS + i, 1, z);
  }
  setRegN(size: number, i: number, v: X): X {
    const m = this.m, z = m.i32.const(0);
    return size === 4 ? m.i32.store(REGS + 4 * i, 4, z, v) : size === 2 ? m.i32.store16(REGS + 2 * i, 2, z, v) : m.i32.store8(REGS + i, 1, z, v);
  }
  /** Leave the block: `retired` records of this iteration done; `left` when EIP was written. */
  exit(retired: number, left: boolean): X {
    const m = this.m;
    return m.return(m.i32.or(m.i32.shl(m.i32.add(this.get(this.done), this.c(retired)), this.c(1)), this.c(left ? 1 : 0)));
  }
  /** Name the record a fault from the next call belongs to (FAULT_REC protocol). */
  faultAt(r: Rec): X { return this.st(FAULT_REC, this.c(r.idx + 1)); }
  /**
   * A taken branch back to the block's own start (the block has `n`
   * records): run the block again inside wasm while the budget allows
   * another whole pass, else leave with EIP = `target` (a local).
   * Only for blocks without impure call-outs: nothing the dispatcher checks
   * between blocks (interrupts, TF, translations) can change in between.
   */
  loopBack(n: number, target: number): X {
    const m = this.m;
    return this.block([
      this.set(this.done, m.i32.add(this.get(this.done), this.c(n))),
      this.st(RETIRED, this.get(this.done)),
      m.br(SELF_LOOP, m.i32.ge_s(m.i32.sub(m.local.get(Fn.BUDGET, binaryen.i32), this.get(this.done)), this.c(n))),
      this.st(EIP_OFF, this.get(target)),
      m.return(m.i32.or(m.i32.shl(this.get(this.done), this.c(1)), this.c(1))),
    ]);
  }
  /** EIP of the instruction at byte offset `off` from the block start (16-bit code wraps). */
  eipAt(off: number): X {
    const m = this.m, v = m.i32.add(this.get(this.eip0), this.c(off));
    return this.code32 ? v : m.i32.and(v, this.c(0xffff));
  }
  block(list: X[]): X { return list.length === 1 ? list[0] : this.m.block(null, list, binaryen.none); }
}
