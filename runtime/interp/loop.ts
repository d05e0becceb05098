/**
 * The interpreter's execution loop: fetch the block at CS:EIP from the block
 * source, run its records, retire instructions, and turn guest faults into
 * exception delivery at the faulting instruction.
 */
import type { Cpu } from '../cpu.js';
import { I_AGAIN, I_BUDGET, I_COLD, I_GUARD, I_SHADOW, I_STEP, I_WAITING, JIT_GUARD_FAILED, T_BRANCH, type Block, type BlockSource, type Rec } from '../records.js';
import { DB, GuestFault } from '../exceptions.js';
import { BLOCK_EXIT, EXIT, EXIT2, SKIP } from '../records.js';
import { deliver, type Unhandled } from '../interrupts.js';
import {
  BLOCK_DEAD, BLOCK_EIP, CODE32, CS, CUR_BLOCK, DEBUG, EIP, FAULT_REC, ICOUNT, INT_SHADOW, LINK_EXIT, MMU_GEN, RETIRED, SEG_BASE, SHADOW_SS, w,
} from '../state/layout.js';
import { IF, RF, TF } from '../state/eflags.js';
import { W_EFLAGS } from '../flags.js';
import { DR6_BS, execBreakpoints, holdDb, signalDb, takeHeldDb } from '../debug.js';

const W_EIP = w(EIP), W_CS_BASE = w(SEG_BASE) + CS, W_CODE32 = w(CODE32), W_SHADOW = w(INT_SHADOW), W_DEBUG = w(DEBUG);
const W_FAULT_REC = w(FAULT_REC), W_DEAD = w(BLOCK_DEAD), W_RETIRED = w(RETIRED);
const W_BLOCK_EIP = w(BLOCK_EIP), W_GEN = w(MMU_GEN), W_LINK_EXIT = w(LINK_EXIT), W_CUR_BLOCK = w(CUR_BLOCK);
const W64_ICOUNT = ICOUNT / 8;

/** A hot block without code calls BlockSource.waiting every (WAIT_POLL + 1)th run. */
const WAIT_POLL = 63;

export type StopReason = 'budget' | 'hlt' | 'unhandled';

export interface RunResult {
  reason: StopReason;
  executed: number;
  /** Of `executed`, instructions retired by compiled code (Block.jit). */
  compiled: number;
  unhandled?: Unhandled;
}

/**
 * Deliver a fault raised at `at`. Fault-class exceptions push RF = 1, so an
 * instruction breakpoint does not fire again when the handler returns to the
 * instruction; a #DB pushes RF as it is (SDM vol. 3, 17.3.1.1).
 */
function deliverFault(cpu: Cpu, e: GuestFault, at: number): Unhandled | null {
  const s = cpu.s;
  cpu.mmu.watchHits = 0; // the instruction did not complete: its data breakpoints do not count
  const rf = e.vector !== DB && (s[W_EFLAGS] & RF) === 0;
  if (rf) s[W_EFLAGS] |= RF;
  const u = deliver(cpu, e.vector, e.errorCode, at, false);
  if (u) {
    if (rf) s[W_EFLAGS] &= ~RF; // nobody handles it: leave the state as the fault found it
    return u;
  }
  // A #DB held by MOV SS / POP SS over this faulting instruction is still pending:
  // taken at the next boundary, the fault handler's entry (as after an INT n there).
  const held = takeHeldDb(cpu);
  if (held === 0) return null;
  signalDb(cpu, held);
  return deliver(cpu, DB, -1, s[W_EIP], false);
}

/** Why `block` ran interpreted (INTERP_REASONS; `jit` its code at entry, `n` the records the budget allowed). */
function interpReason(block: Block, jit: Block['jit'], n: number, step: boolean, shadow: number, hotAt: number): number {
  if (jit === null) return block.hits >= hotAt ? I_WAITING : block.again ? I_AGAIN : I_COLD;
  if (step) return I_STEP;
  if (n !== block.recs.length) return I_BUDGET;
  if (shadow !== 0) return I_SHADOW;
  return I_GUARD;
}

/**
 * What `thrown` retired: the loop adds these to its counts (one object, reused: no allocation per fault).
 * -0, not 0: double fields from the start. What compiled code retired before a fault is a difference of
 * ICOUNT doubles; stored into small-integer fields it changed the object's map (a field representation
 * change deprecates it) at the first user-space fault after a chained run, which deoptimised `run`
 * ("wrong map" at `caught.executed`) and aborted its next optimisation ("Maps became deprecated during
 * optimization"), all inside the boot's user-space tail (`--trace-deopt`, session 15). Exported for
 * test/interp/v8-shapes.test.ts only.
 */
export const caught = { executed: -0, compiled: -0 };

/**
 * The loop's catch path, out of line: an exception from block `block` (entered at `eip`, `recs`
 * its records, record `i` running; `jitRan`: its compiled code ran, ICOUNT was `ic0` then). A
 * BLOCK_EXIT (the block was invalidated by a write to its own code) or a guest fault. Retires what
 * ran, sets EIP, delivers the fault; the counts retired go to `caught`. Returns what nobody handles.
 * Why a function of its own: `run` is optimised again after every deoptimisation (30-33 times in a
 * boot, bench/opt-trace.ts), and this path is a large part of it but taken only on faults and SMC exits
 * (user space's page faults): `run` compiles smaller, and TurboFan no longer builds code for it from
 * feedback its first faults (late in the boot) have not given yet.
 */
function thrown(cpu: Cpu, source: BlockSource, e: unknown, block: Block, recs: readonly Rec[], eip: number, i: number,
  jitRan: boolean, ic0: number, jit: Block['jit'], n: number, step: boolean, shadow: number, code32: boolean): Unhandled | null {
  const s = cpu.s, f64 = cpu.f64, ran = source.ran ?? null, interpreted = source.interpreted ?? null;
  let executed = 0, compiled = 0, extra = 0;
  caught.executed = 0;
  caught.compiled = 0;
  if (jitRan) {
    // The fault (or BLOCK_EXIT) is in the block compiled code was running: maybe a chained successor.
    const chained = f64[W64_ICOUNT] - ic0;
    executed += chained;
    compiled += chained;
    // The profiler's hook: the chained predecessors' instructions, all told to the block the loop entered
    // (compiled code counts them in ICOUNT only, not per block: the profile runs with chaining off).
    if (ran !== null && chained !== 0) ran(block, chained, true);
    s[W_LINK_EXIT] = 0;
    const cur = cpu.block!;
    if (cur !== block) { block = cur; recs = cur.recs; eip = s[W_BLOCK_EIP]; }
  }
  // The record the fault belongs to, when the one that threw is not the loop's own
  // (compiled code; the second record of a fused pair): see FAULT_REC.
  const k = s[W_FAULT_REC];
  if (k !== 0) { i = k - 1; s[W_FAULT_REC] = 0; extra = s[W_RETIRED]; s[W_RETIRED] = 0; }
  // BLOCK_EXIT: the block was invalidated by a write to its own code (see translator/frontend):
  // record i was not run; continue from it with freshly decoded code.
  const fault = e === BLOCK_EXIT ? null : e;
  if (fault !== null) {
    if (!(fault instanceof GuestFault)) throw fault;
    // A fault raised after a task switch committed is delivered in the new task, at its
    // EIP; the instruction that switched has retired.
    if (fault.taskEip !== undefined) i++;
  }
  // The faulting block's own instructions (chained ones were counted above).
  const done = i + extra;
  executed += done;
  if (jitRan) compiled += done;
  block.insns += done;
  if (ran !== null) ran(block, done, jitRan);
  if (interpreted !== null && !jitRan) interpreted[interpReason(block, jit, n, step, shadow, source.hotAt ?? 0)] += done;
  cpu.addIcount(done);
  const at = fault?.taskEip ?? (code32 ? (eip + recs[i].off) | 0 : (eip + recs[i].off) & 0xffff);
  s[W_EIP] = at;
  caught.executed = executed;
  caught.compiled = compiled;
  return fault === null ? null : deliverFault(cpu, fault, at);
}

/**
 * Run up to `budget` guest instructions. `wholeBlocks`: the run may go past the budget to the end of the
 * block it ends in (at most one block more; compiled code then runs that block too) instead of stopping
 * exactly on instruction `budget`. The realtime clock's slices (src/pc.ts) want that: their budget only
 * approximates the next device event, and an exact stop mid-block resumes there in the next slice, at
 * an address no block starts at: the front end decodes a block for that tail, used once (nearly every
 * realtime slice ended so: ~63,000 tails a boot, the front-end cache thrashed with them).
 */
export function run(cpu: Cpu, source: BlockSource, budget: number, wholeBlocks = false): RunResult {
  const s = cpu.s, mmu = cpu.mmu, f64 = cpu.f64, jitBlocks = cpu.jitBlocks;
  let executed = 0, compiled = 0;
  let prev: Block | null = null;
  // Compiled block whose exit site `linkSite` found its link slot stale: linked to the next block run.
  let linkFrom: Block | null = null, linkSite = 0;
  const hotAt = source.hotAt ?? 0;
  const ran = source.ran ?? null;
  const interpreted = source.interpreted ?? null;
  // Method calls on `source`, not functions bound per call of run(): optimised code specialised on one
  // bound function deoptimised ("wrong call target") when the next slice's run() bound new ones.
  const waits = source.waiting !== undefined;
  const guards = source.guardFailed !== undefined;
  const boundary = cpu.onBoundary;
  while (executed < budget) {
    // External interrupts are taken at block boundaries when IF=1 and no
    // STI / MOV SS shadow covers this boundary (SDM vol. 3, 6.8.3).
    const shadow = s[W_SHADOW];
    // Cleared whether set or not: one store, and no store its optimised code has never seen run (the
    // first STI after `run` was optimised deoptimised it: no feedback for a store only shadows reach).
    s[W_SHADOW] = 0;
    // pending() (a pure query) before IF: asked at every boundary from the first, so its call has type
    // feedback when `run` is optimised; asked only with IF=1 it was first reached ~2.38 G into the
    // boot (the kernel's first STI) and deoptimised `run` there (session 17, burst17).
    if (shadow === 0 && cpu.intr !== null && cpu.intr.pending() && (s[W_EFLAGS] & IF) !== 0) {
      const vector = cpu.intr.acknowledge();
      cpu.halted = false;
      prev = null;
      const u = deliver(cpu, vector, -1, s[W_EIP], false);
      if (u) return { reason: 'unhandled', executed, compiled, unhandled: u };
    }
    if (cpu.halted) return { reason: 'hlt', executed, compiled };
    if (boundary !== null) boundary(cpu);
    let eip = s[W_EIP];
    const code32 = s[W_CODE32] !== 0;
    const lin = (s[W_CS_BASE] + eip) | 0;
    // Single-step (TF), RF, the debug registers: one instruction at a time, checked here.
    const flags = s[W_EFLAGS];
    const step = (flags & (TF | RF)) !== 0 || s[W_DEBUG] !== 0;
    if (step) {
      // Instruction breakpoints: a fault before the instruction, after external
      // interrupts (SDM vol. 3, 6.9), not when RF is set or right after MOV SS /
      // POP SS (17.3.1.1).
      if (cpu.dbgExec !== 0 && (flags & RF) === 0 && shadow !== SHADOW_SS) {
        const hits = execBreakpoints(cpu, lin);
        if (hits !== 0) {
          prev = null;
          signalDb(cpu, hits);
          const u = deliver(cpu, DB, -1, eip, false);
          if (u) return { reason: 'unhandled', executed, compiled, unhandled: u };
          continue;
        }
      }
      // RF covers this one instruction; the processor clears it once the instruction completes
      // (clearing it first is the same: a fault pushes RF = 1 anyway, PUSHF stores it as 0).
      if ((flags & RF) !== 0) s[W_EFLAGS] = flags & ~RF;
      mmu.watchHits = 0;
    }
    const gen = mmu.generation;
    // The successor cache's key: the MMU generation and the code size in one number (never -1, the empty slot's).
    const key = gen * 2 + (code32 ? 1 : 0);
    let block: Block | null = null;
    if (prev !== null) {
      // Chained successor: same linear address and code size, no translation change since it was linked.
      if (prev.chainLin0 === lin && prev.chainGen0 === key) block = prev.chainBlock0;
      else if (prev.chainLin1 === lin && prev.chainGen1 === key) block = prev.chainBlock1;
      if (block !== null && !block.valid) block = null;
    }
    if (block === null) {
      try {
        block = source.get(mmu.translateFetch(lin), lin, code32);
      } catch (e) {
        if (!(e instanceof GuestFault)) throw e;
        prev = null;
        const u = deliverFault(cpu, e, eip);
        if (u) return { reason: 'unhandled', executed, compiled, unhandled: u };
        continue;
      }
      if (prev !== null) {
        prev.chainLin1 = prev.chainLin0; prev.chainGen1 = prev.chainGen0; prev.chainBlock1 = prev.chainBlock0;
        prev.chainLin0 = lin; prev.chainGen0 = key; prev.chainBlock0 = block;
      }
    }
    if (linkFrom !== null) {
      // Same (linear address, generation) -> block relation the successor cache above keeps.
      if (linkFrom === prev && block.jitId !== 0 && block.code32 === linkFrom.code32) linkFrom.link!(linkSite, lin, gen, block);
      linkFrom = null;
    }
    prev = block;
    let recs = block.recs;
    let n = recs.length;
    if (n > budget - executed && !wholeBlocks) n = budget - executed;
    if (step) n = 1;
    if (block.jit === null) {
      const h = ++block.hits;
      if (h === hotAt) source.hot!(block);
      // Hot, its code not here yet: let the source look for it now and then (a compile worker's answer
      // would otherwise wait for the slice's end: up to 2 M instructions interpreted).
      else if (h > hotAt && (h & WAIT_POLL) === 0 && waits) source.waiting!(block);
    } else block.hits++;
    cpu.blockEip = eip;
    cpu.block = block;
    let i = 0, left = false;
    const jit = block.jit;
    // ICOUNT before compiled code ran (when jitRan): chained successors add their predecessors' count to it.
    // A boolean, not ic0 = -1 as "did not run": compared as a number, ic0 >= 0 deoptimised `run` once ICOUNT
    // passed 2^31 (a double where the feedback had seen small integers).
    let ic0 = 0, jitRan = false;
    try {
      // After an interrupt shadow (STI, MOV SS) the interrupt it held is taken at the next boundary, so
      // the block runs alone, interpreted: no budget keeps compiled code from going on. The block's length
      // did not: a block left early by a taken mid-block branch still had budget for a short successor,
      // entered by a direct transfer before the held interrupt (bench=1, `jitvisor compare`). Rare: STI
      // and MOV/POP SS.
      if (jit !== null && n === recs.length && !step && shadow === 0) {
        // Compiled code runs the whole block (it fits the budget; no single-step or debug registers)
        // and maybe successors (translator/jit/chain.ts).
        s[W_DEAD] = 0;
        s[W_RETIRED] = 0;
        s[W_GEN] = gen;
        ic0 = f64[W64_ICOUNT];
        jitRan = true;
        // The budget is an i32 in wasm: a run of 2^31 or more (`exec --max-instructions 2^53`) is cut to
        // the largest i32 (ToInt32 would wrap it to 0 or below and the block would run nothing, forever).
        // (wholeBlocks: at least the block's own length, so it runs whole and goes on into nothing more.)
        const x = jit(Math.min(Math.max(budget - executed, n), 0x7fffffff));
        // Compared here for every exit, not only in the guard-failed branch below: that branch is first
        // taken ~2.33 G into the boot, and a keyed load (then a compare) with no type feedback there
        // deoptimised `run` (session 17, burst17).
        const moved = f64[W64_ICOUNT] !== ic0;
        s[W_FAULT_REC] = 0;
        s[W_RETIRED] = 0;
        if (x !== JIT_GUARD_FAILED) {
          i = x >>> 1;
          left = (x & 1) !== 0;
          compiled += i;
        } else if (moved) {
          left = true; // a chained successor's entry guard failed: it ran nothing (EIP written); next time it is interpreted
        } else {
          jitRan = false; // this block's entry guard failed: it runs in the interpreter below
          if (guards) source.guardFailed!(block);
        }
      }
      if (jitRan) {
        // compiled code ran
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
      // Out of line (thrown): page faults, SMC exits. See `thrown`.
      const u = thrown(cpu, source, e, block, recs, eip, i, jitRan, ic0, jit, n, step, shadow, code32);
      executed += caught.executed;
      compiled += caught.compiled;
      prev = null;
      if (u !== null) return { reason: 'unhandled', executed, compiled, unhandled: u };
      continue;
    }
    // The block whose instructions `i` counts: the one the loop entered, unless compiled code went on into
    // others (ICOUNT moved: direct transfers or chaining counted theirs there), then the one CUR_BLOCK names.
    let cur: Block = block;
    if (jitRan) {
      const chained = f64[W64_ICOUNT] - ic0;
      if (chained !== 0) {
        executed += chained;
        compiled += chained;
        // The profiler's hook: see the fault path above; `i` below is the last chained block's.
        if (ran !== null) ran(block, chained, true);
        const id = s[W_CUR_BLOCK];
        if (id !== 0) {
          cur = jitBlocks[id]!;
          // (The last block of the chain wrote EIP: `left`. These are for the EIP fix-up below all the same.)
          if (cur !== block) { recs = cur.recs; eip = s[W_BLOCK_EIP]; }
        }
        prev = cur;
      }
      const site = s[W_LINK_EXIT];
      if (site !== 0) { s[W_LINK_EXIT] = 0; linkFrom = prev; linkSite = site - 1; }
    }
    executed += i;
    cur.insns += i;
    if (ran !== null) ran(cur, i, jitRan);
    if (interpreted !== null && !jitRan) interpreted[interpReason(block, jit, n, step, shadow, hotAt)] += i;
    f64[W64_ICOUNT] += i;
    // (Compiled code that looped on itself may report more than recs.length: it left by a branch.)
    if (!left && recs[i - 1].term !== T_BRANCH) {
      const last = recs[i - 1];
      const off = i < recs.length ? recs[i].off : last.next;
      s[W_EIP] = code32 ? (eip + off) | 0 : (eip + off) & 0xffff;
    }
    if (step) {
      // Debug traps after the instruction: single-step (TF at its start, SDM vol. 3,
      // 17.3.1.4) and data breakpoints (17.3.1.2), one #DB for all. After MOV SS /
      // POP SS they wait until the next instruction has run (6.8.3).
      const bits = ((flags & TF) !== 0 ? DR6_BS : 0) | mmu.watchHits;
      mmu.watchHits = 0;
      if (s[W_SHADOW] === SHADOW_SS) {
        if (bits !== 0) holdDb(cpu, bits);
      } else {
        const all = bits | takeHeldDb(cpu);
        if (all !== 0) {
          prev = null;
          signalDb(cpu, all);
          const u = deliver(cpu, DB, -1, s[W_EIP], false);
          if (u) return { reason: 'unhandled', executed, compiled, unhandled: u };
        }
      }
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
