/**
 * Which guest registers a self-loop keeps in wasm locals across its back
 * edge (JitOptions.loopRegs; Fn.loopRegs): those its body reads and, as
 * far as the records say, never writes (the mpi multiply loop's EBP, the
 * base of its locals, read 12 times a pass).
 *
 * This is a choice of speed only, never of correctness: Fn loads the chosen
 * registers into their forward locals once before the wasm loop, counts them
 * valid at the pass top, and at every back edge loads again any whose local
 * is not valid there (a call-out or a store it could not prove came between),
 * so a wrong answer here costs a load, not a wrong value. Why the answer
 * matters for speed: a register written in the body and kept in its local
 * past a memory access's slow-path call is spilled by TurboFan at its
 * definition, on the hot path (Fn.slowAccess, forward 'near'); one never
 * written is defined once, before the loop.
 */
import { Mnemonic } from '../../runtime/iced.js';
import { OP_MEM, OP_REG, type Rec } from '../../runtime/records.js';
import { isJcc } from './facts.js';

/** All eight general registers. */
const ALL = 0xff;

/** Write no general register (their memory destination, if any, is not one). */
const NO_WRITE: ReadonlySet<number> = new Set<number>([Mnemonic.Cmp, Mnemonic.Test, Mnemonic.Nop, Mnemonic.Bt]);

/**
 * Write at most their first operand (when it is a register) and the flags:
 * no implicit register operand (one-operand IMUL/MUL write EDX:EAX and are
 * told apart by their operand count below; XCHG, XADD, CMPXCHG, string,
 * stack and CDQ-like instructions are not here).
 */
const OP0_ONLY: ReadonlySet<number> = new Set<number>([
  Mnemonic.Mov, Mnemonic.Movzx, Mnemonic.Movsx, Mnemonic.Lea,
  Mnemonic.Add, Mnemonic.Or, Mnemonic.Adc, Mnemonic.Sbb, Mnemonic.And, Mnemonic.Sub, Mnemonic.Xor,
  Mnemonic.Inc, Mnemonic.Dec, Mnemonic.Neg, Mnemonic.Not, Mnemonic.Imul,
  Mnemonic.Shl, Mnemonic.Shr, Mnemonic.Sar, Mnemonic.Rol, Mnemonic.Ror, Mnemonic.Rcl, Mnemonic.Rcr, Mnemonic.Shld, Mnemonic.Shrd,
  Mnemonic.Bswap, Mnemonic.Bsf, Mnemonic.Bsr, Mnemonic.Bts, Mnemonic.Btr, Mnemonic.Btc,
  Mnemonic.Seta, Mnemonic.Setae, Mnemonic.Setb, Mnemonic.Setbe, Mnemonic.Sete, Mnemonic.Setg, Mnemonic.Setge, Mnemonic.Setl,
  Mnemonic.Setle, Mnemonic.Setne, Mnemonic.Setno, Mnemonic.Setnp, Mnemonic.Setns, Mnemonic.Seto, Mnemonic.Setp, Mnemonic.Sets,
  Mnemonic.Cmova, Mnemonic.Cmovae, Mnemonic.Cmovb, Mnemonic.Cmovbe, Mnemonic.Cmove, Mnemonic.Cmovg, Mnemonic.Cmovge, Mnemonic.Cmovl,
  Mnemonic.Cmovle, Mnemonic.Cmovne, Mnemonic.Cmovno, Mnemonic.Cmovnp, Mnemonic.Cmovns, Mnemonic.Cmovo, Mnemonic.Cmovp, Mnemonic.Cmovs,
]);

/** The general register (0-7) register operand `i` of `size` bytes names (the r32 / r16 / r8 views: Fn.regN). */
function regOf(size: number, i: number): number {
  return size === 4 ? i : size === 2 ? i >> 1 : i >> 2;
}

/** The registers record `r` may write: its operand 0's register, none, or (not known) all. */
export function regsWritten(r: Rec): number {
  const m = r.mnemonic;
  if (NO_WRITE.has(m) || isJcc(r)) return 0;
  // IMUL with one operand writes EDX:EAX (two and three operands: op0 only).
  if (m === Mnemonic.Imul && r.k1 === 0) return ALL;
  if (!OP0_ONLY.has(m)) return ALL;
  return r.k0 === OP_REG ? 1 << regOf(r.s0, r.r0) : r.k0 === OP_MEM ? 0 : ALL;
}

/** The registers record `r` may read: its memory operand's base and index, its register operands. */
export function regsRead(r: Rec): number {
  let out = 0;
  const ks = [r.k0, r.k1, r.k2], rs = [r.r0, r.r1, r.r2], ss = [r.s0, r.s1, r.osz];
  for (let k = 0; k < 3; k++) {
    if (ks[k] === OP_REG) out |= 1 << regOf(ss[k]!, rs[k]!);
    else if (ks[k] === OP_MEM) {
      if (r.base >= 0 && r.base < 8) out |= 1 << r.base;
      if (r.index >= 0 && r.index < 8) out |= 1 << r.index;
    }
  }
  return out;
}

/**
 * The registers to keep across the back edge of a self-loop whose body is
 * records[0 .. end]: read there and written by none of them (a bit each).
 */
export function loopRegs(recs: readonly Rec[], end: number): number {
  let read = 0, written = 0;
  for (let i = 0; i <= end && i < recs.length; i++) {
    const r = recs[i]!;
    written |= regsWritten(r);
    if (written === ALL) return 0;
    read |= regsRead(r);
  }
  return read & ~written;
}
