/**
 * EIP helpers for control transfers: the record's next EIP, and near jumps
 * with the operand-size wrap and the CS limit check (SDM vol. 2, JMP: a
 * target outside the CS limit raises #GP(0)).
 */
import type { Cpu } from '../cpu.js';
import type { Rec } from '../records.js';
import { CODE32, CS, EIP, SEG_LIMIT, w } from '../state/layout.js';
import { raiseGP } from '../exceptions.js';

const W_CODE32 = w(CODE32), W_EIP = w(EIP), W_CS_LIMIT = w(SEG_LIMIT) + CS;

/** EIP of the instruction after `r`. */
export function nextEip(cpu: Cpu, r: Rec): number {
  const v = cpu.blockEip + r.next;
  return cpu.s[W_CODE32] ? v | 0 : v & 0xffff;
}

/** EIP of `r` itself. */
export function thisEip(cpu: Cpu, r: Rec): number {
  const v = cpu.blockEip + r.off;
  return cpu.s[W_CODE32] ? v | 0 : v & 0xffff;
}

/** Wrap a near target to the operand size and check it against the CS limit (#GP(0)). */
export function nearTarget(cpu: Cpu, target: number, osz: number): number {
  const t = osz === 2 ? target & 0xffff : target | 0;
  if ((t >>> 0) > (cpu.s[W_CS_LIMIT] >>> 0)) raiseGP(0);
  return t;
}

/** Near transfer to `target` with operand size `osz` (2 wraps to 16 bits). */
export function jumpNear(cpu: Cpu, target: number, osz: number): void {
  cpu.s[W_EIP] = nearTarget(cpu, target, osz);
}
