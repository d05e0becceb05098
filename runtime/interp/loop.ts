/**
 * The interpreter's execution loop: fetch the block at CS:EIP from the block
 * source, run its records, retire instructions, and turn guest faults into
 * exception delivery at the faulting instruction.
 */
import type { Cpu } from '../cpu.js';
import { T_BRANCH, type BlockSource } from '../records.js';
import { GuestFault } from '../exceptions.js';
import { deliver, type Unhandled } from '../interrupts.js';
import { CODE32, CS, EIP, INT_SHADOW, SEG_BASE, w } from '../state/layout.js';
import { IF } from '../state/eflags.js';
import { W_EFLAGS } from '../flags.js';

const W_EIP = w(EIP), W_CS_BASE = w(SEG_BASE) + CS, W_CODE32 = w(CODE32), W_SHADOW = w(INT_SHADOW);

export type StopReason = 'budget' | 'hlt' | 'unhandled';

export interface RunResult {
  reason: StopReason;
  executed: number;
  unhandled?: Unhandled;
}

export function run(cpu: Cpu, source: BlockSource, budget: number): RunResult {
  const s = cpu.s;
  let executed = 0;
  while (executed < budget) {
    // External interrupts are taken at block boundaries when IF=1 and no
    // STI / MOV SS shadow covers this boundary (SDM vol. 3, 6.8.3).
    if (s[W_SHADOW] !== 0) s[W_SHADOW] = 0;
    else if (cpu.intr !== null && (s[W_EFLAGS] & IF) !== 0 && cpu.intr.pending()) {
      const vector = cpu.intr.acknowledge();
      cpu.halted = false;
      const u = deliver(cpu, vector, -1, s[W_EIP], false);
      if (u) return { reason: 'unhandled', executed, unhandled: u };
    }
    if (cpu.halted) return { reason: 'hlt', executed };
    const eip = s[W_EIP];
    const code32 = s[W_CODE32] !== 0;
    const lin = (s[W_CS_BASE] + eip) | 0;
    let block;
    try {
      block = source.get(cpu.mmu.translateFetch(lin), lin, code32);
    } catch (e) {
      if (!(e instanceof GuestFault)) throw e;
      const u = deliver(cpu, e.vector, e.errorCode, eip, false);
      if (u) return { reason: 'unhandled', executed, unhandled: u };
      continue;
    }
    const recs = block.recs;
    let n = recs.length;
    if (n > budget - executed) n = budget - executed;
    block.hits++;
    cpu.blockEip = eip;
    let i = 0;
    try {
      for (; i < n; i++) {
        const r = recs[i];
        r.exec(cpu, r);
        if (cpu.exitBlock) { i++; break; }
      }
    } catch (e) {
      if (!(e instanceof GuestFault)) throw e;
      executed += i;
      cpu.addIcount(i);
      cpu.exitBlock = false;
      const at = code32 ? (eip + recs[i].off) | 0 : (eip + recs[i].off) & 0xffff;
      s[W_EIP] = at;
      const u = deliver(cpu, e.vector, e.errorCode, at, false);
      if (u) return { reason: 'unhandled', executed, unhandled: u };
      continue;
    }
    executed += i;
    cpu.addIcount(i);
    const last = recs[i - 1];
    if (last.term !== T_BRANCH) {
      const off = i < recs.length && !cpu.exitBlock ? recs[i].off : last.next;
      s[W_EIP] = code32 ? (eip + off) | 0 : (eip + off) & 0xffff;
    }
    cpu.exitBlock = false;
    if (cpu.pendingStop) {
      // An instruction (INT n) raised an interrupt nothing handles: stop here.
      const u = cpu.pendingStop;
      cpu.pendingStop = null;
      return { reason: 'unhandled', executed, unhandled: u };
    }
  }
  return { reason: 'budget', executed };
}
