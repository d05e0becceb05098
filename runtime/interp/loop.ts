/**
 * The interpreter's execution loop: fetch the block at CS:EIP from the block
 * source, run its records, retire instructions, and turn guest faults into
 * exception delivery at the faulting instruction.
 */
import type { Cpu } from '../cpu.js';
import { T_BRANCH, type Block, type BlockSource } from '../records.js';
import { GuestFault } from '../exceptions.js';
import { BLOCK_EXIT, EXIT, EXIT2, SKIP } from '../records.js';
import { deliver, type Unhandled } from '../interrupts.js';
import { BLOCK_DEAD, CODE32, CS, DR, EIP, FAULT_REC, INT_SHADOW, RETIRED, SEG_BASE, w } from '../state/layout.js';
import { IF, TF } from '../state/eflags.js';
import { W_EFLAGS } from '../flags.js';

const W_DR6 = w(DR) + 6;
const W_FAULT_REC = w(FAULT_REC), W_DEAD = w(BLOCK_DEAD), W_RETIRED = w(RETIRED);
const W_EIP = w(EIP), W_CS_BASE = w(SEG_BASE) + CS, W_CODE32 = w(CODE32), W_SHADOW = w(INT_SHADOW);

export type StopReason = 'budget' | 'hlt' | 'unhandled';

export interface RunResult {
  reason: StopReason;
  executed: number;
  /** Of `executed`, instructions retired by compiled code (Block.jit). */
  compiled: number;
  unhandled?: Unhandled;
}

export function run(cpu: Cpu, source: BlockSource, budget: number): RunResult {
  const s = cpu.s, mmu = cpu.mmu;
  let executed = 0, compiled = 0;
  let prev: Block | null = null;
  const hotAt = source.hotAt ?? 0;
  while (executed < budget) {
    // External interrupts are taken at block boundaries when IF=1 and no
    // STI / MOV SS shadow covers this boundary (SDM vol. 3, 6.8.3).
    if (s[W_SHADOW] !== 0) s[W_SHADOW] = 0;
    else if (cpu.intr !== null && (s[W_EFLAGS] & IF) !== 0 && cpu.intr.pending()) {
      const vector = cpu.intr.acknowledge();
      cpu.halted = false;
      prev = null;
      const u = deliver(cpu, vector, -1, s[W_EIP], false);
      if (u) return { reason: 'unhandled', executed, compiled, unhandled: u };
    }
    if (cpu.halted) return { reason: 'hlt', executed, compiled };
    const eip = s[W_EIP];
    const code32 = s[W_CODE32] !== 0;
    const lin = (s[W_CS_BASE] + eip) | 0;
    const gen = mmu.generation;
    let block: Block | null = null;
    if (prev !== null) {
      // Chained successor: same linear address, no translation change since it was linked.
      if (prev.chainLin0 === lin && prev.chainGen0 === gen) block = prev.chainBlock0;
      else if (prev.chainLin1 === lin && prev.chainGen1 === gen) block = prev.chainBlock1;
      if (block !== null && (!block.valid || block.code32 !== code32)) block = null;
    }
    if (block === null) {
      try {
        block = source.get(mmu.translateFetch(lin), lin, code32);
      } catch (e) {
        if (!(e instanceof GuestFault)) throw e;
        prev = null;
        const u = deliver(cpu, e.vector, e.errorCode, eip, false);
        if (u) return { reason: 'unhandled', executed, compiled, unhandled: u };
        continue;
      }
      if (prev !== null) {
        prev.chainLin1 = prev.chainLin0; prev.chainGen1 = prev.chainGen0; prev.chainBlock1 = prev.chainBlock0;
        prev.chainLin0 = lin; prev.chainGen0 = gen; prev.chainBlock0 = block;
      }
    }
    prev = block;
    const recs = block.recs;
    let n = recs.length;
    if (n > budget - executed) n = budget - executed;
    // Single-step (EFLAGS.TF at the start of an instruction): run one instruction,
    // then a #DB trap (SDM vol. 3, 17.3.1.4). MOV SS / POP SS shadows are not modelled for #DB.
    const step = (s[W_EFLAGS] & TF) !== 0;
    if (step) n = 1;
    if (++block.hits === hotAt && block.jit === null) source.hot!(block);
    cpu.blockEip = eip;
    let i = 0, left = false, extra = 0;
    const jit = block.jit;
    try {
      if (jit !== null && n === recs.length && !step) {
        // Compiled code runs the whole block (it fits the budget; no single-step).
        s[W_DEAD] = 0;
        s[W_RETIRED] = 0;
        const x = jit(budget - executed);
        s[W_FAULT_REC] = 0;
        s[W_RETIRED] = 0;
        i = x >>> 1;
        left = (x & 1) !== 0;
        compiled += i;
      } else if (n === recs.length) {
        for (; i < n; i++) {
          const r = recs[i];
          // A taken mid-block branch (T_COND) returns EXIT having written EIP;
          // a fused compare-and-branch returns SKIP or EXIT2 for its two records.
          const x = r.exec(cpu, r);
          if (x !== undefined) {
            if (x === EXIT) { i++; left = true; break; }
            if (x === SKIP) i++;
            else if (x === EXIT2) { i += 2; left = true; break; }
          }
        }
      } else {
        // The budget ends inside this block: run records one by one (no fusion),
        // so the stop lands exactly on instruction n.
        for (; i < n; i++) {
          const r = recs[i];
          if ((r.plain ?? r.exec)(cpu, r) === EXIT) { i++; left = true; break; }
        }
      }
    } catch (e) {
      // The record the fault belongs to, when the one that threw is not the loop's own
      // (compiled code; the second record of a fused pair): see FAULT_REC.
      const k = s[W_FAULT_REC];
      if (k !== 0) { i = k - 1; s[W_FAULT_REC] = 0; extra = s[W_RETIRED]; s[W_RETIRED] = 0; }
      if (e === BLOCK_EXIT) {
        // The block was invalidated by a write to its own code (see translator/frontend):
        // record i was not run; continue from it with freshly decoded code.
        executed += i + extra;
        cpu.addIcount(i + extra);
        s[W_EIP] = code32 ? (eip + recs[i].off) | 0 : (eip + recs[i].off) & 0xffff;
        prev = null;
        continue;
      }
      if (!(e instanceof GuestFault)) throw e;
      executed += i + extra;
      cpu.addIcount(i + extra);
      const at = code32 ? (eip + recs[i].off) | 0 : (eip + recs[i].off) & 0xffff;
      s[W_EIP] = at;
      prev = null;
      const u = deliver(cpu, e.vector, e.errorCode, at, false);
      if (u) return { reason: 'unhandled', executed, compiled, unhandled: u };
      continue;
    }
    executed += i;
    cpu.addIcount(i);
    if (!left && recs[i - 1].term !== T_BRANCH) {
      const last = recs[i - 1];
      const off = i < recs.length ? recs[i].off : last.next;
      s[W_EIP] = code32 ? (eip + off) | 0 : (eip + off) & 0xffff;
    }
    if (step) {
      s[W_DR6] |= 0x4000; // BS: single-step
      prev = null;
      const u = deliver(cpu, 1, -1, s[W_EIP], false);
      if (u) return { reason: 'unhandled', executed, compiled, unhandled: u };
    }
    if (cpu.pendingStop) {
      // An instruction (INT n) raised an interrupt nothing handles: stop here.
      const u = cpu.pendingStop;
      cpu.pendingStop = null;
      return { reason: 'unhandled', executed, compiled, unhandled: u };
    }
  }
  return { reason: 'budget', executed, compiled };
}
