/**
 * Lockstep checking of the JIT against the interpreter, block run by block
 * run (`jitvisor compare --lockstep`). Every time the execution loop is about
 * to run a compiled block:
 *
 *   1. the state block is copied (registers, lazy flags, segments, x87, SSE);
 *   2. the compiled code runs, its memory stores journalled;
 *   3. its stores are undone and the state copy put back;
 *   4. the interpreter runs the same number of instructions from there
 *      (its handlers one record at a time, as the loop does at a budget
 *      boundary), its stores journalled too;
 *   5. the two ends are compared: every state word (EFLAGS materialised, not
 *      the lazy words), the fault each raised (vector, error code, where),
 *      and every byte either one stored.
 *
 * The interpreter's end state is kept (it equals the JIT's), so the guest
 * goes on exactly as before. On the first difference the run stops with a
 * LockstepDivergence: the block disassembled, its wasm (text format), the
 * differing state, and the first instruction whose translation differs
 * (found by compiling ever longer prefixes of the block, see isolate()).
 *
 * What is not compared, and why:
 * - Instructions whose handler has effects outside the state block and RAM
 *   (I/O, the TSC, HLT, MMU and descriptor-table changes, far transfers,
 *   interrupts: see replayable()) would do them twice. Their records are
 *   guarded: a checked run stops just before one (guard()), the two engines
 *   are compared up to there, and the record runs once, in the interpreter
 *   (runImpure); the loop goes on after it. (Superblocks often end in such
 *   an instruction after a mid-block exit: the runs that leave earlier are
 *   compared whole.)
 * - A run that invalidates its own block (self-modifying code) cannot be
 *   replayed (the dead block's records only exit): the JIT's result is kept.
 * - With `runsPerBlock`, a block's runs after its first N are not checked.
 *
 * The budget: every compiled run, checked or not, must retire at most the
 * budget the loop gave it (the instructions left to the next device event
 * in the deterministic clock). The replay cannot see an overrun (it runs
 * the interpreter for as many instructions as the JIT retired), but an
 * overrun delays the next interrupt: the default boot diverged that way (a
 * self-loop in wasm, translator/jit/ir.ts loopBack). overran() makes it a
 * divergence of its own.
 *
 * Journalling stores: during a checked run the TLB masks (READ_MASK and
 * WRITE_MASK in the state block for generated code, Mmu.readMask/writeMask
 * for the interpreter and the REP MOVS/STOS fast paths) are 0, which no TLB
 * entry matches, so every access of either engine takes the MMU's slow path,
 * and every store ends in PhysicalMemory.write8/16/32. The reads go slow
 * too because the TLB is not rolled back: with paging on, the first run's
 * TLB miss sets a page table entry's accessed bit (a store) that the second
 * run, hitting the entry the first one filled, would not repeat; walking on
 * every access makes both runs set the A and D bits alike (the boot found
 * this: a false divergence on an A bit). Those three methods are interposed on this
 * machine's PhysicalMemory instance only (page-walk A/D bit updates go the
 * same way and are journalled too). Nothing changes in the runtime, normal
 * runs pay nothing, and no store can bypass the journal (a write-protected
 * copy of RAM or a per-block RAM diff would cost far more per block). No
 * MMIO device exists today; an MMIO store in a checked block would be
 * reported (`mmioStores`), as it would have happened twice.
 */
import { Code, Mnemonic } from '../../runtime/iced.js';
import type { Cpu } from '../../runtime/cpu.js';
import { Block, EXIT, JIT_GUARD_FAILED, OP_CREG, OP_DREG, OP_FAR, OP_SREG, T_BRANCH, type Handler, type Rec } from '../../runtime/records.js';
import { GuestFault } from '../../runtime/exceptions.js';
import { materialize } from '../../runtime/flags.js';
import { PhysicalMemory } from '../../runtime/memory.js';
import {
  BLOCK_DEAD, CODE32, CS, EFLAGS, EIP, FAULT_REC, JIT_EXITS, JIT_XFERS, JIT_XFERS2, LAZY_A, LAZY_B, LAZY_MASK, LAZY_OP, LAZY_RES, RAM_BASE, READ_MASK, RETIRED,
  SEG_BASE, STATE_END, WRITE_MASK, w,
} from '../../runtime/state/layout.js';
import type { FrontEnd } from '../frontend/blocks.js';
import type { Jit } from './engine.js';
import { emitModule, NO_CHAIN } from './compile.js';
import { instantiate } from './link.js';
import { isPureCallout, isX87Guarded } from './facts.js';
import { blockBytes, disassemble, type DisasmLine } from './disasm.js';
import { stateWordName } from './state-names.js';

type JitFn = (budget: number) => number;

export interface LockstepOptions {
  /** Check each block's first N compiled runs, then let it run unchecked (default: every run). */
  runsPerBlock?: number;
}

export interface LockstepStats {
  /** Compiled block runs checked against the interpreter, and their instructions. */
  runsCompared: number;
  instructionsCompared: number;
  /** Of those, runs that ended in a guest fault (compared too). */
  faultsCompared: number;
  /** Distinct blocks checked at least once. */
  blocksCompared: number;
  /** Blocks left to the interpreter because they call an impure handler. */
  /** Instructions with effects outside the state block and RAM, run once by the interpreter (the run compared up to them). */
  impureInstructions: number;
  /** Instructions the loop ran in the interpreter (budget splits, single-step): not compared. */
  instructionsInterpreted: number;
  /** Compiled runs not compared: the block invalidated itself (self-modifying code). */
  smcRuns: number;
  smcInstructions: number;
  /** Compiled runs past `runsPerBlock` (not compared). */
  uncheckedRuns: number;
  uncheckedInstructions: number;
  /** Stores to MMIO in checked blocks (none expected: no MMIO device exists). */
  mmioStores: number;
  /**
   * Compiled runs checked against their budget (every compiled run, checked or not:
   * a run may never retire more than the budget the loop gave it; see overran()).
   */
  budgetChecks: number;
}

/** One engine's end of a run from the same start. */
interface Side {
  state: Int32Array;
  /** Every byte stored, in order (with its value before), and the values after. */
  stores: Stores;
  retired: number;
  fault: GuestFault | null;
  /** Anything else thrown (BLOCK_EXIT, a host error). */
  other: unknown;
  /** The run stopped before this impure record (see guard()). */
  trap: Rec | null;
  /** Compiled code's return value (retired << 1 | EIP written). */
  x: number;
}

export interface StateDiff { what: string; jit: string; interp: string }
export interface MemDiff { addr: number; before: number; jit: number; interp: number }

export interface DivergenceReport {
  /** Block EIP, CS base, physical address, 16/32-bit. */
  eip: number;
  csBase: number;
  phys: number;
  code32: boolean;
  /** Instructions retired by the whole run before the block (ICOUNT). */
  icount: number;
  disasm: DisasmLine[];
  /** Index of the first record whose translation differs (prefix isolation), or -1 when not isolated. */
  culprit: number;
  /** The budget the loop gave the compiled run (the most instructions it may retire). */
  budget: number;
  /** The JIT retired more than `budget` (the prefix run's when isolated; an overrun is a divergence of its own). */
  overran: boolean;
  /** Instructions each engine retired in the run that differed (the prefix run when isolated). */
  retired: { jit: number; interp: number };
  faults: { jit: string | null; interp: string | null };
  state: StateDiff[];
  memory: MemDiff[];
  /** Start state of the run that differed: general registers, EIP, EFLAGS (materialised). */
  start: StateDiff[];
  /** Generated wasm in text format: the prefix that differs compiled alone (the whole block when not isolated). */
  wasm: string;
}

export class LockstepDivergence extends Error {
  constructor(readonly report: DivergenceReport) {
    super(`lockstep: the JIT and the interpreter differ in the block at 0x${(report.eip >>> 0).toString(16)}`);
  }
}

const hex = (v: number, digits = 8): string => '0x' + (v >>> 0).toString(16).padStart(digits, '0');
const faultText = (f: GuestFault | null): string | null => f === null ? null : `${f.name}${f.errorCode >= 0 ? `(${hex(f.errorCode, 4)})` : ''}`;

/** State words not compared as raw words: the lazy-flag encoding (EFLAGS is compared materialised) and per-run scratch words. */
const SKIP = new Uint8Array(STATE_END >> 2);
for (const off of [EFLAGS, LAZY_OP, LAZY_RES, LAZY_A, LAZY_B, LAZY_MASK, FAULT_REC, RETIRED, BLOCK_DEAD]) SKIP[w(off)] = 1;
// The JIT's own counters (a failed entry guard counts in JIT_EXITS): not guest state, the interpreter never writes them.
for (const [off, n] of [[JIT_EXITS, 8], [JIT_XFERS, 8], [JIT_XFERS2, 4]] as const) for (let k = 0; k < n; k++) SKIP[w(off) + k] = 1;
const W_EFLAGS = w(EFLAGS), W_LAZY_MASK = w(LAZY_MASK);
const W_EIP = w(EIP), W_CS_BASE = w(SEG_BASE) + CS, W_CODE32 = w(CODE32), W_WMASK = w(WRITE_MASK), W_RMASK = w(READ_MASK);
const W_FAULT_REC = w(FAULT_REC), W_RETIRED = w(RETIRED);
const WORDS = STATE_END >> 2;

/**
 * The bytes one run stored, in store order: physical address and the byte
 * before (an address may repeat), and once the run is over the byte after.
 * Typed arrays, reused from run to run: a block may store kilobytes (REP
 * STOS/MOVS) and runs number in the billions.
 */
class Stores {
  n = 0;
  addr = new Int32Array(256);
  before = new Uint8Array(256);
  after = new Uint8Array(256);

  push(a: number, b: number): void {
    if (this.n === this.addr.length) {
      const m = this.n * 2;
      const na = new Int32Array(m); na.set(this.addr); this.addr = na;
      const nb = new Uint8Array(m); nb.set(this.before); this.before = nb;
      this.after = new Uint8Array(m);
    }
    this.addr[this.n] = a;
    this.before[this.n++] = b;
  }
}

/** Journal of guest stores: interposes the PhysicalMemory write methods of one instance (see the file comment). */
class StoreJournal {
  on: Stores | null = null;
  mmio = 0;

  constructor(phys: PhysicalMemory) {
    const proto = PhysicalMemory.prototype, u8 = phys.u8, ram = phys.ramSize;
    const note = (p: number, size: number): void => {
      const st = this.on!;
      for (let i = 0; i < size; i++) {
        const a = (p + i) >>> 0;
        if (a >= ram) { this.mmio++; continue; }
        st.push(a, u8[RAM_BASE + a]!);
      }
    };
    phys.write8 = (p, v) => { if (this.on !== null) note(p >>> 0, 1); proto.write8.call(phys, p, v); };
    phys.write16 = (p, v) => { if (this.on !== null) note(p >>> 0, 2); proto.write16.call(phys, p, v); };
    phys.write32 = (p, v) => { if (this.on !== null) note(p >>> 0, 4); proto.write32.call(phys, p, v); };
  }
}

/**
 * Compile one block on this thread (binaryen loaded here: only the lockstep
 * checker does so, the normal run compiles in the worker), attach its code
 * and return the module's wasm text. No chaining, registers in memory, no
 * flat-segment assumption: the prefixes' code may differ from the JIT's in
 * those (the ADC fault injection is applied: testFaults is read here).
 */
function compileHere(cpu: Cpu, b: Block): string {
  const e = emitModule([b], { ...NO_CHAIN, text: true });
  instantiate(cpu, new WebAssembly.Module(e.bytes as Uint8Array<ArrayBuffer>), [b], e.names);
  return e.text ?? '';
}

export class Lockstep {
  readonly stats: LockstepStats = {
    runsCompared: 0, instructionsCompared: 0, faultsCompared: 0, blocksCompared: 0, impureInstructions: 0,
    instructionsInterpreted: 0, smcRuns: 0, smcInstructions: 0, uncheckedRuns: 0, uncheckedInstructions: 0, mmioStores: 0,
    budgetChecks: 0,
  };
  private readonly journal: StoreJournal;
  private readonly pre: Int32Array = new Int32Array(WORDS);
  /** Reused per checked run: the JIT's and the interpreter's ends. */
  private readonly jSide: Side = newSide();
  private readonly iSide: Side = newSide();
  /** One bit per byte of guest RAM, set while comparing stores (always clear between runs). */
  private readonly marks: Uint8Array;
  private readonly runsPerBlock: number;
  private savedMask = 0;
  private savedRMask = 0;
  private savedMmuRMask = 0;
  /** While set, a guarded (impure) record stops the run before it runs (TRAP). */
  private trapping = false;
  private trapRec: Rec | null = null;
  /**
   * Each guarded record's wrapper as installed. Not a set of records: the front end decodes new
   * instructions into dead blocks' records (blocks.ts reclaim; Rec.reset gives them a fresh
   * handler), and a record remembered as guarded would then run its new impure handler unguarded,
   * twice (seen: an `in al, 0x40` whose two PIT reads differed, a false divergence).
   */
  private readonly guarded = new WeakMap<Rec, Handler>();
  private savedMmuMask = 0;

  constructor(private readonly cpu: Cpu, private readonly frontEnd: FrontEnd, private readonly jit: Jit, opts: LockstepOptions = {}) {
    // A chained run spans blocks whose impure records are not guarded and whose runs the wrapper below never sees.
    if (jit.chaining) throw new Error('lockstep needs the JIT with chaining off (JitOptions.chain and direct: false): it checks one block per compiled run');
    this.runsPerBlock = opts.runsPerBlock ?? Infinity;
    this.journal = new StoreJournal(cpu.phys);
    this.marks = new Uint8Array(Math.ceil(cpu.phys.ramSize / 8));
    jit.onCompiled = (blocks) => {
      for (const b of blocks) {
        const fn = b.jit;
        if (fn === null) continue;
        for (const r of b.recs) if (!replayable(r)) this.guard(r);
        let runs = 0;
        b.jit = (budget: number): number => {
          if (runs === 0) this.stats.blocksCompared++;
          if (++runs > this.runsPerBlock) return this.unchecked(b, fn, budget); // (still wrapped: counted)
          return this.check(b, fn, budget);
        };
      }
    };
    jit.ran = (_b, n, compiled) => { if (!compiled) this.stats.instructionsInterpreted += n; };
  }

  /**
   * A record whose handler must not run twice: while a checked run is in
   * progress it stops the run just before itself (the call-out has stored
   * FAULT_REC, so the retired count is known); check() then compares the
   * runs up to it and runs it once in the interpreter (runImpure).
   */
  private guard(r: Rec): void {
    if (this.guarded.get(r) === r.exec) return;
    const wrap = (h: Handler): Handler => (cpu, rr) => {
      if (this.trapping) { this.trapRec = rr; throw TRAP; }
      return h(cpu, rr);
    };
    r.exec = wrap(r.exec);
    if (r.plain !== null) r.plain = wrap(r.plain);
    this.guarded.set(r, r.exec);
  }

  private unchecked(b: Block, fn: JitFn, budget: number): number {
    this.stats.uncheckedRuns++;
    const eip = this.cpu.s[W_EIP]!, icount = this.cpu.icountNumber();
    try {
      const x = fn(budget);
      if (x === JIT_GUARD_FAILED) return x;
      this.stats.budgetChecks++;
      // Not replayed (the start state was not kept), but the budget is still checked.
      if ((x >>> 1) > budget) throw new LockstepDivergence(this.overrunReport(b, budget, x >>> 1, eip, icount));
      this.stats.uncheckedInstructions += x >>> 1;
      return x;
    } catch (e) {
      const k = this.cpu.s[W_FAULT_REC];
      this.stats.uncheckedInstructions += (k !== 0 ? k - 1 : 0) + this.cpu.s[W_RETIRED];
      throw e;
    }
  }

  private force(into: Stores): void {
    const s = this.cpu.s, mmu = this.cpu.mmu;
    into.n = 0;
    this.savedMask = s[W_WMASK]!;
    this.savedMmuMask = mmu.writeMask;
    this.savedRMask = s[W_RMASK]!;
    this.savedMmuRMask = mmu.readMask;
    s[W_WMASK] = 0;
    mmu.writeMask = 0;
    s[W_RMASK] = 0;
    mmu.readMask = 0;
    this.journal.on = into;
  }

  private unforce(): void {
    const s = this.cpu.s, st = this.journal.on!, u8 = this.cpu.phys.u8;
    s[W_WMASK] = this.savedMask;
    this.cpu.mmu.writeMask = this.savedMmuMask;
    s[W_RMASK] = this.savedRMask;
    this.cpu.mmu.readMask = this.savedMmuRMask;
    this.stats.mmioStores += this.journal.mmio;
    this.journal.mmio = 0;
    this.journal.on = null;
    for (let k = 0; k < st.n; k++) st.after[k] = u8[RAM_BASE + st.addr[k]!]!;
  }

  /** Put the start state back: undo a side's stores and restore the state block. */
  private rollback(side: Side): void {
    const u8 = this.cpu.phys.u8, st = side.stores;
    for (let k = st.n - 1; k >= 0; k--) u8[RAM_BASE + st.addr[k]!] = st.before[k]!;
    this.cpu.s.set(this.pre);
  }

  private runJit(fn: JitFn, budget: number, side: Side = newSide()): Side {
    const s = this.cpu.s;
    let x = 0, fault: GuestFault | null = null, other: unknown = null, trap: Rec | null = null, retired: number;
    this.force(side.stores);
    this.trapping = true;
    try {
      x = fn(budget);
      // A failed flat-segment entry guard ran nothing (the loop interprets the block).
      retired = x === JIT_GUARD_FAILED ? 0 : x >>> 1;
    } catch (e) {
      if (e === TRAP) trap = this.trapRec; else if (e instanceof GuestFault) fault = e; else other = e;
      const k = s[W_FAULT_REC]!;
      retired = (k !== 0 ? k - 1 : 0) + s[W_RETIRED]!;
    } finally {
      this.trapping = false;
    }
    this.unforce();
    side.state.set(s.subarray(0, WORDS));
    side.retired = retired; side.fault = fault; side.other = other; side.trap = trap; side.x = x;
    return side;
  }

  private runInterp(n: number, b: Block, side: Side = newSide()): Side {
    const cpu = this.cpu, s = cpu.s;
    const block = cpu.block, blockEip = cpu.blockEip;
    this.force(side.stores);
    let fault: GuestFault | null = null, other: unknown = null, retired = 0;
    // The interpreter must not reach an impure record either (it would, on a path the JIT did not take).
    this.trapping = true;
    try {
      retired = interpret(cpu, this.frontEnd, n, b, this.pre[W_EIP]!);
    } catch (e) {
      if (e instanceof Interrupted) { retired = e.retired; if (e.cause instanceof GuestFault) fault = e.cause; else other = e.cause === TRAP ? 'stopped before an impure instruction' : e.cause; } else other = e;
    } finally {
      this.trapping = false;
    }
    this.unforce();
    cpu.block = block;
    cpu.blockEip = blockEip;
    side.state.set(s.subarray(0, WORDS));
    side.retired = retired; side.fault = fault; side.other = other; side.trap = null; side.x = 0;
    return side;
  }

  private check(b: Block, fn: JitFn, budget: number): number {
    const cpu = this.cpu, s = cpu.s, st = this.stats;
    this.pre.set(s.subarray(0, WORDS));
    const j = this.runJit(fn, budget, this.jSide);
    if (j.x !== JIT_GUARD_FAILED) st.budgetChecks++;
    const over = this.overran(j, budget);
    if (!over && (!b.valid || j.other !== null)) {
      // The block invalidated itself (BLOCK_EXIT or dead at its end), or a host error: keep the JIT's result.
      st.smcRuns++;
      st.smcInstructions += j.retired;
      if (j.other !== null || j.fault !== null) throw j.other ?? j.fault;
      return j.x;
    }
    this.rollback(j);
    const i = this.runInterp(j.fault !== null ? j.retired + 1 : j.retired, b, this.iSide);
    if (over || !this.same(j, i)) {
      const diff = this.compareSides(j, i, budget);
      this.rollback(i);
      throw new LockstepDivergence(this.report(b, budget, j, i, diff));
    }
    if (j.retired > 0) {
      st.runsCompared++;
      st.instructionsCompared += j.retired;
    }
    if (j.trap !== null) return this.runImpure(j.trap, j.retired);
    if (j.fault !== null) {
      st.faultsCompared++;
      // Hand the fault to the loop as the compiled code raised it (FAULT_REC protocol).
      s[W_FAULT_REC] = j.state[W_FAULT_REC]!;
      s[W_RETIRED] = j.state[W_RETIRED]!;
      throw j.fault;
    }
    return j.x;
  }

  /**
   * Run the impure record `r` once, in the interpreter, after `k`
   * instructions of its block's run, and end the run after it (the loop
   * goes on from the next instruction; its block is a new one).
   */
  private runImpure(r: Rec, k: number): number {
    const cpu = this.cpu, s = cpu.s, eip = cpu.blockEip;
    let x;
    try {
      x = (r.plain ?? r.exec)(cpu, r);
    } catch (e) {
      // The loop delivers it at record r (FAULT_REC protocol, with the passes before it).
      s[W_FAULT_REC] = r.idx + 1;
      s[W_RETIRED] = k - r.idx;
      throw e;
    }
    this.stats.impureInstructions++;
    if (x !== EXIT && r.term !== T_BRANCH) s[W_EIP] = s[W_CODE32] !== 0 ? (eip + r.next) | 0 : (eip + r.next) & 0xffff;
    return ((k + 1) << 1) | 1;
  }

  /**
   * The divergence report. The start state is in `pre` again (the caller
   * rolled back); the first differing record is found by compiling the
   * block's prefixes of 1, 2, ... records and checking each the same way.
   */
  private report(b: Block, budget: number, j: Side, i: Side, diff: Diffs): DivergenceReport {
    const cpu = this.cpu, s = this.pre;
    const eip = s[W_EIP]!;
    let culprit = -1, shown = { j, i, diff }, text = '';
    for (let k = 1; k <= b.recs.length; k++) {
      // A folded JMP/CALL goes on at its target, the next record: a prefix cannot end with one (its end would
      // fall through to the JMP's own next instruction, a block the front end never makes).
      if (k < b.recs.length && b.recs[k - 1]!.folded) continue;
      const pb = new Block(b.phys, b.code32, b.recs.slice(0, k), b.length, b.pages);
      const wat = compileHere(cpu, pb);
      cpu.s.set(this.pre);
      const pj = this.runJit(pb.jit!, budget);
      this.rollback(pj);
      const pi = this.runInterp(pj.fault !== null ? pj.retired + 1 : pj.retired, b);
      const d = this.same(pj, pi) && !this.overran(pj, budget) ? null : this.compareSides(pj, pi, budget);
      this.rollback(pi);
      if (d !== null) { culprit = k - 1; shown = { j: pj, i: pi, diff: d }; text = wat; break; }
    }
    if (culprit < 0) text = compileHere(cpu, new Block(b.phys, b.code32, b.recs, b.length, b.pages));
    const start: StateDiff[] = [];
    const pre = this.pre.slice();
    const flags = materialize(pre);
    for (const wd of [0, 1, 2, 3, 4, 5, 6, 7, W_EIP]) start.push({ what: stateWordName(wd), jit: hex(pre[wd]!), interp: hex(pre[wd]!) });
    start.push({ what: 'EFLAGS', jit: hex(flags), interp: hex(flags) });
    return {
      eip, csBase: s[W_CS_BASE]!, phys: b.phys, code32: s[W_CODE32] !== 0, icount: cpu.icountNumber(),
      disasm: disassemble(b, blockBytes(cpu.phys, b), eip), culprit, budget, overran: this.overran(shown.j, budget),
      retired: { jit: shown.j.retired, interp: shown.i.retired },
      faults: { jit: faultText(shown.j.fault), interp: faultText(shown.i.fault) },
      state: shown.diff.state, memory: shown.diff.memory, start, wasm: text,
    };
  }

  /**
   * Did the compiled run retire more than its budget? An impure record it
   * stopped before (the lockstep's trap) runs next, once: it counts.
   */
  private overran(j: Side, budget: number): boolean {
    return j.x !== JIT_GUARD_FAILED && j.retired + (j.trap !== null ? 1 : 0) > budget;
  }

  /** The report of an overrun in a run past --lockstep-runs: not replayed, so no state difference or isolation. */
  private overrunReport(b: Block, budget: number, retired: number, eip: number, icount: number): DivergenceReport {
    const s = this.cpu.s;
    return {
      eip, csBase: s[W_CS_BASE]!, phys: b.phys, code32: b.code32, icount,
      disasm: disassemble(b, blockBytes(this.cpu.phys, b), eip), culprit: -1, budget, overran: true,
      retired: { jit: retired, interp: Math.min(retired, budget) }, faults: { jit: null, interp: null },
      state: [{ what: 'instructions retired', jit: `${retired} (budget ${budget})`, interp: `at most ${budget}` }],
      memory: [], start: [], wasm: compileHere(this.cpu, new Block(b.phys, b.code32, b.recs, b.length, b.pages)),
    };
  }

  /**
   * The fast check, run for every block run: the interpreter's end is in
   * memory now (the JIT's was rolled back). Equal when every state word but
   * the skipped ones matches, EFLAGS materialise alike, the faults match,
   * and every byte either stored ends the same (a byte only one of them
   * stored must have been stored with the value it had).
   */
  private same(j: Side, i: Side): boolean {
    if (j.retired !== i.retired || j.other !== null || i.other !== null || faultText(j.fault) !== faultText(i.fault)) return false;
    // EIP is written at a block's exits only: not yet at a fault or before an impure record.
    const js = j.state, is = i.state, fault = j.fault !== null || j.trap !== null;
    for (let k = 0; k < WORDS; k++) {
      if (js[k] !== is[k] && SKIP[k] === 0 && !(fault && k === W_EIP)) return false;
    }
    if (js[W_EFLAGS] !== is[W_EFLAGS] || js[W_LAZY_MASK] !== 0 || is[W_LAZY_MASK] !== 0) {
      if (materialize(js.slice(0, 16)) !== materialize(is.slice(0, 16))) return false; // the lazy words and EFLAGS are the first 15
    }
    return this.sameStores(j.stores, i.stores);
  }

  private sameStores(js: Stores, is: Stores): boolean {
    if (js.n === 0 && is.n === 0) return true;
    const u8 = this.cpu.phys.u8, marks = this.marks;
    let ok = true;
    for (let k = 0; k < js.n; k++) {
      const a = js.addr[k]!;
      marks[a >>> 3] |= 1 << (a & 7);
      if (u8[RAM_BASE + a] !== js.after[k]) ok = false;
    }
    // Bytes only the interpreter stored: the JIT left them as they were before.
    if (ok) {
      for (let k = 0; k < is.n; k++) {
        const a = is.addr[k]!;
        if ((marks[a >>> 3]! & (1 << (a & 7))) !== 0) continue;
        if (u8[RAM_BASE + a] !== is.before[k]) {
          // Unless an earlier store of this byte by the interpreter had the before value (first store wins).
          let first = k;
          for (let q = 0; q < k; q++) if (is.addr[q] === a) { first = q; break; }
          if (u8[RAM_BASE + a] !== is.before[first]) { ok = false; break; }
        }
      }
    }
    for (let k = 0; k < js.n; k++) marks[js.addr[k]! >>> 3] = 0;
    return ok;
  }

  /** The differences, spelled out (only once a run differs). The interpreter's end is in memory. */
  private compareSides(j: Side, i: Side, budget: number): Diffs {
    const state: StateDiff[] = [];
    if (this.overran(j, budget)) {
      const n = j.retired + (j.trap !== null ? 1 : 0);
      state.push({ what: 'instructions retired', jit: `${n} (budget ${budget})`, interp: `at most ${budget}` });
    } else if (j.retired !== i.retired) state.push({ what: 'instructions retired', jit: String(j.retired), interp: String(i.retired) });
    const fj = faultText(j.fault), fi = faultText(i.fault);
    if (fj !== fi || j.other !== null || i.other !== null) {
      state.push({ what: 'fault', jit: fj ?? (j.other !== null ? String(j.other) : 'none'), interp: fi ?? (i.other !== null ? String(i.other) : 'none') });
    }
    const fault = j.fault !== null || i.fault !== null || j.trap !== null;
    for (let k = 0; k < WORDS; k++) {
      if (SKIP[k] !== 0 || (fault && k === W_EIP)) continue;
      if (j.state[k] !== i.state[k]) state.push({ what: stateWordName(k), jit: hex(j.state[k]!), interp: hex(i.state[k]!) });
    }
    const ej = materialize(j.state.slice()), ei = materialize(i.state.slice());
    if (ej !== ei) state.push({ what: 'EFLAGS', jit: `${hex(ej)} (${flagString(ej)})`, interp: `${hex(ei)} (${flagString(ei)})` });
    const before = new Map<number, number>(), jAfter = new Map<number, number>(), iAfter = new Map<number, number>();
    for (const [st, after] of [[j.stores, jAfter], [i.stores, iAfter]] as const) {
      for (let k = 0; k < st.n; k++) {
        const a = st.addr[k]!;
        if (!before.has(a)) before.set(a, st.before[k]!);
        after.set(a, st.after[k]!);
      }
    }
    const memory: MemDiff[] = [];
    for (const a of [...before.keys()].sort((x, y) => x - y)) {
      const b0 = before.get(a)!, vj = jAfter.get(a) ?? b0, vi = iAfter.get(a) ?? b0;
      if (vj !== vi) memory.push({ addr: a, before: b0, jit: vj, interp: vi });
    }
    return { state, memory };
  }
}

/**
 * Near control transfers and other handlers whose only effects are on the
 * state block and RAM (what the lockstep restores), beyond facts.ts
 * isPureCallout (which is stricter: it also keeps out what the dispatcher
 * checks between blocks, IF and TF, which matters for looping inside wasm
 * but not here).
 */
const REPLAYABLE = new Set<number>([
  Mnemonic.Jmp, Mnemonic.Call, Mnemonic.Ret, Mnemonic.Loop, Mnemonic.Loope, Mnemonic.Loopne, Mnemonic.Jcxz, Mnemonic.Jecxz,
  Mnemonic.Jo, Mnemonic.Jno, Mnemonic.Jb, Mnemonic.Jae, Mnemonic.Je, Mnemonic.Jne, Mnemonic.Jbe, Mnemonic.Ja,
  Mnemonic.Js, Mnemonic.Jns, Mnemonic.Jp, Mnemonic.Jnp, Mnemonic.Jl, Mnemonic.Jge, Mnemonic.Jle, Mnemonic.Jg,
  Mnemonic.Enter, Mnemonic.Leave, Mnemonic.Pusha, Mnemonic.Pushad, Mnemonic.Popa, Mnemonic.Popad,
  Mnemonic.Pushf, Mnemonic.Pushfd, Mnemonic.Popf, Mnemonic.Popfd, Mnemonic.Cli, Mnemonic.Sti, Mnemonic.Lahf, Mnemonic.Sahf,
  Mnemonic.Xlatb, Mnemonic.Aaa, Mnemonic.Aas, Mnemonic.Daa, Mnemonic.Das, Mnemonic.Aam, Mnemonic.Aad, Mnemonic.Cmpxchg8b,
  Mnemonic.Bound, Mnemonic.Cpuid, Mnemonic.Movsb, Mnemonic.Movsw, Mnemonic.Movsd, Mnemonic.Stosb, Mnemonic.Stosw, Mnemonic.Stosd,
  Mnemonic.Lodsb, Mnemonic.Lodsw, Mnemonic.Lodsd, Mnemonic.Cmpsb, Mnemonic.Cmpsw, Mnemonic.Cmpsd, Mnemonic.Scasb, Mnemonic.Scasw, Mnemonic.Scasd,
  // The TSC is a function of the state block (ICOUNT and the clock's time line, Cpu.readTsc): a replay reads the same value.
  Mnemonic.Rdtsc,
]);
const SYSTEM_KINDS = new Set<number>([OP_SREG, OP_CREG, OP_DREG, OP_FAR]);
const FAR_FORM = /_ptr16|_m16(16|32)$/;

/** May this call-out record run twice from the same start (its effects are all undone by the lockstep)? */
export function replayable(r: Rec): boolean {
  // x87 forms the JIT may run inline or call out (facts.ts isX87Guarded): they change x87 state (in the
  // state block), memory and EFLAGS only, all restored by the lockstep.
  if (isPureCallout(r) || isX87Guarded(r)) return true;
  if (!REPLAYABLE.has(r.mnemonic) || SYSTEM_KINDS.has(r.k0) || SYSTEM_KINDS.has(r.k1)) return false;
  return !FAR_FORM.test(Code[r.code] ?? '');
}

interface Diffs { state: StateDiff[]; memory: MemDiff[] }

function newSide(): Side {
  return { state: new Int32Array(WORDS), stores: new Stores(), retired: 0, fault: null, other: null, trap: null, x: 0 };
}

/** EFLAGS bits by name, for a readable flag difference. */
const FLAG_NAMES: [number, string][] = [[0x1, 'CF'], [0x4, 'PF'], [0x10, 'AF'], [0x40, 'ZF'], [0x80, 'SF'], [0x100, 'TF'], [0x200, 'IF'], [0x400, 'DF'], [0x800, 'OF']];
export function flagString(f: number): string {
  return FLAG_NAMES.map(([bit, n]) => (f & bit ? n : n.toLowerCase())).join(' ');
}

/** Thrown by a guarded record while a checked run is in progress (see Lockstep.guard). */
const TRAP = { lockstepTrap: true } as const;

/** A fault (or BLOCK_EXIT) raised after `retired` instructions of an interpreted run. */
class Interrupted {
  constructor(readonly retired: number, readonly cause: unknown) {}
}

/**
 * Run exactly `n` instructions in the interpreter from the current state,
 * following control flow from block to block as the execution loop does,
 * without taking interrupts (the loop checked them before the compiled run,
 * and nothing a pure block does can raise one). Records run one at a time
 * through their own handlers (`plain` of a fused pair), the loop's path at a
 * budget boundary. Throws Interrupted on a fault. `block0` is the block
 * the loop fetched at `eip0`. ICOUNT advances block by block as in the
 * loop (what RDTSC reads: a self-loop's later passes see their earlier ones)
 * and is put back at the end, as a compiled run leaves it for the loop.
 */
export function interpret(cpu: Cpu, frontEnd: FrontEnd, n: number, block0: Block, eip0: number): number {
  const ic0 = cpu.icountNumber();
  try {
    return interpretFrom(cpu, frontEnd, n, block0, eip0);
  } finally {
    cpu.addIcount(ic0 - cpu.icountNumber());
  }
}

function interpretFrom(cpu: Cpu, frontEnd: FrontEnd, n: number, block0: Block, eip0: number): number {
  const s = cpu.s, mmu = cpu.mmu;
  let done = 0;
  while (done < n) {
    const eip = s[W_EIP]!, code32 = s[W_CODE32] !== 0;
    const lin = (s[W_CS_BASE]! + eip) | 0;
    let block: Block;
    // The block being checked (again, when it loops on itself) is not fetched again: the
    // loop fetched it, and compiled code does not fetch (a fetch may walk the page tables
    // and set an accessed bit the compiled run did not).
    if (eip === eip0 && block0.valid && block0.code32 === code32) block = block0;
    else {
      try {
        block = frontEnd.get(mmu.translateFetch(lin), lin, code32);
      } catch (e) {
        throw new Interrupted(done, e);
      }
    }
    cpu.blockEip = eip;
    cpu.block = block;
    const recs = block.recs;
    let i = 0, left = false;
    try {
      for (; i < recs.length && done < n; i++) {
        const r = recs[i]!;
        const x = (r.plain ?? r.exec)(cpu, r);
        done++;
        if (x === EXIT) { i++; left = true; break; }
      }
    } catch (e) {
      throw new Interrupted(done, e);
    }
    cpu.addIcount(i);
    if (!left && recs[i - 1]!.term !== T_BRANCH) {
      const off = i < recs.length ? recs[i]!.off : recs[i - 1]!.next;
      s[W_EIP] = code32 ? (eip + off) | 0 : (eip + off) & 0xffff;
    }
  }
  return done;
}
