/**
 * Records -> WebAssembly: one function per block, many blocks per module.
 * Each record is generated inline when the registry has an emitter for its
 * form, else it runs through a call-out to its interpreter handler (the
 * `plain` form of a fused record, the mid-block form of a T_COND or folded
 * record: exactly what the interpreter runs for it alone). A block function
 * returns (records retired) << 1 | (EIP written by a branch), the contract
 * of Block.jit (runtime/records.ts).
 *
 * This module (with ir.ts, codegen/ and binaryen) runs in the compile worker
 * (worker.ts); the main thread never loads it: it instantiates the modules
 * with their imports, the shared chain table and their link slots in link.ts.
 */
import binaryen from './binaryen.js';
import { Mnemonic } from '../../runtime/iced.js';
import { OP_MEM, OP_REG, OP_REL, T_BRANCH, T_COND, type Block, type Rec } from '../../runtime/records.js';
import { STR_NONE } from '../../runtime/isa/string.js';
import { BLOCK_DEAD, BLOCK_EIP, CUR_BLOCK, EIP, JIT_EXITS, LINK_EXIT, RAM_BASE, READ_MASK, RETIRED, TLB } from '../../runtime/state/layout.js';
import { appendChild, CHAIN_TABLE, Fn, linkGlobals, SELF_LOOP, type DirectTarget, type Dispatch, type ExitSites, type X } from './ir.js';
import { isJcc, isPureCallout, isX87Guarded } from './facts.js';
import { x87Callout } from './codegen/x87.js';
import { finishGroup } from './codegen/mem.js';
import { stringOptions } from './codegen/string.js';
import {
  directGlobals, DISPATCH_FIND, externalImports, type ExternalTarget, DISPATCH_GO, EXIT_BUDGET, EXIT_GUARD, GUARD_FAILED, SLOT_LINK, SLOT_TABLE, slotGlobals,
} from './chain.js';
import { emitterFor } from './registry.js';
import { XJUMP } from './xcache.js';
import { hintsOf } from './pack.js';
import { relTarget } from './codegen/branch.js';
import { functionBodySizes } from './wasm-sizes.js';
import { testFaults } from './test-faults.js';
import { lastOfUnnamed, speedUp } from './capi.js';
import { addFlagHelpers } from './codegen/flags.js';
import { flagFates, LIVE, quietConsumers, writesFlags } from './flag-liveness.js';
import { addColdHelpers } from './cold.js';
import { loopRegs } from './loop-regs.js';
import { BRANCH_HINTS, emitWithHints, hints, tagFunction } from './branch-hints.js';
import './codegen/index.js';

/** Features the generated code uses; V8 11.3 rejects some of Features.All's encodings. */
const FEATURES = binaryen.Features.MutableGlobals | binaryen.Features.SignExt | binaryen.Features.TailCall | binaryen.Features.BulkMemory;

/**
 * Near branches whose handler only reads flags/registers/the stack and
 * writes EIP (and ESP): as pure as isPureCallout's records for chaining and
 * self-loops (far transfers, which load CS, are not: their mnemonics differ
 * (Retf) or their operand is OP_FAR / a far pointer in memory).
 */
function isPureBranch(r: Rec): boolean {
  if (r.rep !== 0) return false;
  if (isJcc(r)) return true;
  switch (r.mnemonic) {
    case Mnemonic.Loop: case Mnemonic.Loope: case Mnemonic.Loopne: case Mnemonic.Jcxz: case Mnemonic.Jecxz:
      return r.k0 === OP_REL;
    case Mnemonic.Jmp: case Mnemonic.Call:
      return r.k0 === OP_REL || r.k0 === OP_REG || (r.k0 === OP_MEM && r.msz === r.osz);
    case Mnemonic.Ret:
      return true;
    default:
      return false;
  }
}


/** What emitModule made: the module's bytes, each block's export name, its link-slot count, and how its records were generated. */
export interface EmittedModule {
  bytes: Uint8Array;
  names: string[];
  /** Exit sites with link slots (three globals each, ir.ts linkGlobals, set through the exported `link`); 0 without chaining. */
  sites: number;
  inline: number;
  callouts: number;
  /** Register stores dropped as dead (reg-liveness.ts; absent: none). */
  deadRegs?: number;
  /**
   * Per block, in batch order: its function body's size in the module's code
   * section (wasm-sizes.ts), whether it calls an impure interpreter handler
   * (facts.ts isPureCallout), and the indices of its records run through
   * call-outs. Read by the profiler and the lockstep checker.
   */
  blocks: { bytes: number; impure: boolean; callouts: number[]; slots?: [first: number, count: number] }[];
  /** The module in wasm text format, when asked for (EmitOptions.text: lockstep reports only). */
  text?: string;
  /** Where the time went, ms: building the binaryen IR (from the start of emitModule), and emitBinary (bench/emit.ts). */
  timing?: { buildMs: number; binaryMs: number };
}

/**
 * How to generate a batch. Plain data: it travels to the compile worker with
 * the packed blocks (worker.ts).
 */
export interface EmitOptions {
  /**
   * Block ids (CUR_BLOCK): firstId, firstId + 1, ...; 0 = none (then neither
   * kind of chaining). With ids, table chaining (chain.ts: link slots, the
   * shared table) unless `table` is false.
   */
  firstId: number;
  /** Table chaining (default: on when there are ids). */
  table?: boolean;
  /** Direct transfers between same-page blocks of this module (chain.ts; needs ids). */
  direct?: boolean;
  /** With `direct`: RET / JMP / CALL r/m32 exits continue through the module's dispatcher (chain.ts). */
  indirect?: boolean;
  /** With `direct`: static exits into another page continue through the module's dispatcher (chain.ts). */
  pages?: boolean;
  /** With `direct` and without `table`: cross-module slots at indirect exits and static exits the direct transfers cannot take (chain.ts). */
  modules?: boolean;
  /**
   * With `direct` and without `table`: indirect exits and static exits the
   * direct transfers cannot take probe the global dispatch cache (xcache.ts)
   * before returning to the loop; the module imports the hub's `xjump`.
   */
  global?: boolean;
  /** With `global`: the cache is probed before the module's dispatcher and slot (JitOptions.globalFirst). */
  globalFirst?: boolean;
  /** With `direct`: static exits into another page enter a block of the module by its host address (JitOptions.farDirect). */
  farDirect?: boolean;
  /** With `direct`: indirect exits enter a block of the module their successor hints name, by its host address (JitOptions.hints). */
  hints?: boolean;
  /** With `global`: count the cache's transfers per target entry (JitOptions.regroup). */
  regroup?: boolean;
  /** Registers in locals inside each block (Fn); 'loops': only in blocks that branch back to their own start (JitOptions.regs). */
  regs?: boolean | 'loops';
  /**
   * CODE_CTX bits (flat bounds indices, zero bases) the blocks may assume
   * where their own context had them (Block.jitFlat & flatMask): such
   * accesses are compiled without limit checks or base additions behind an
   * entry guard (Fn.guard). 0 = no assumption, -1 = whatever each block's
   * context had.
   */
  flatMask: number;
  /** The common x87 forms inline (codegen/x87.ts); default true. */
  x87?: boolean;
  /** JitOptions.branches (default true): inline tests as chains of branches. */
  branches?: boolean;
  /** JitOptions.deadFlags (default true): no flag stores for producers a later record overwrites unobserved (flag-liveness.ts). */
  deadFlags?: boolean | 'drop';
  /** JitOptions.quietCC (default false): SETcc/CMOVcc/Jcc answered from the tracked source do not observe flag stores (flag-liveness.ts). */
  quietCC?: boolean | 'all';
  /** JitOptions.forward: registers read back from the local their last store set (Fn.forward). */
  forward?: boolean | 'far' | 'loads';
  /** JitOptions.deadRegs (default true; with `forward` only): no register stores a later record overwrites unobserved (reg-liveness.ts). */
  deadRegs?: boolean;
  /** JitOptions.pageGroups: accesses through the same unchanged registers share their leader's TLB check (codegen/mem.ts). */
  pageGroups?: boolean | 'merge';
  /** JitOptions.slowReload (the engine's default 'near'; absent: false): nothing the hot path defines lives across a slow-path call (Fn.slowAccess). */
  slowReload?: boolean | 'near' | 'flags' | 'groups';
  /** JitOptions.eager: the worker adds a compilationHints section so V8 compiles the blocks' functions in `new WebAssembly.Module` (eager-hints.ts). */
  eager?: boolean;
  /** JitOptions.workerCompact: the worker's periodic collection is followed by a compacting one (worker.ts). */
  workerCompact?: boolean;
  /** JitOptions.workerGcEvery: modules the worker sends between its collections (worker.ts; absent: 16). */
  workerGcEvery?: number;
  /** JitOptions.compact (default true, absent too): session 13's byte cuts (Fn.compact; i64 stores of constant pairs: Fn.st2). */
  compact?: boolean;
  /** JitOptions.knownEip (default true, absent too): exits that know what they wrote to EIP do not load it back (Fn.knownEip). */
  knownEip?: boolean;
  /** JitOptions.xferCounts (default true, absent too): transfers that stay in wasm bump their counters (Fn.xferCounts). */
  xferCounts?: boolean;
  /** JitOptions.groupSpan (default 0, absent too): page groups' span and per-member page test (Fn.groupSpan). */
  groupSpan?: number;
  /** JitOptions.innerJcc (default true, as the engine's: the lockstep checker's prefixes compile as the JIT does): taken Jccs to a later record of their block branch there inside (innerSkips, Fn.innerBranch). */
  innerJcc?: boolean;
  /** JitOptions.inlineScas (default true, absent too): unrepeated SCAS inline (codegen/string.ts stringOptions). */
  inlineScas?: boolean;
  /** JitOptions.inlineRepCmp (default false, absent too): REPE/REPNE CMPS and SCAS inline (codegen/string.ts repeatedCmp). */
  inlineRepCmp?: boolean;
  /** JitOptions.spanLead (default true, absent too): page-group leaders test their group's span (Fn.spanLead). */
  spanLead?: boolean;
  /** JitOptions.loopGroups (default LOOP_GROUPS, as the engine's): page groups a self-loop's body leaves alone keep their host base across its back edge (Fn.loopGroups). */
  loopGroups?: boolean | 'near';
  /**
   * JitOptions.loopRegs (default LOOP_REGS, as the engine's): registers a self-loop's body reads and never writes stay in
   * locals across its back edge (Fn.loopRegs). A number (tests): that register mask for every self-loop, written or not.
   */
  loopRegs?: boolean | number;
  /** JitOptions.branchHints (default BRANCH_HINTS, as the engine's): slow-arm branches marked unlikely in a branch-hint section (branch-hints.ts). */
  branchHints?: boolean;
  /** JitOptions.loopHint (default false): the self-loop's budget test hinted likely (Fn.loopHint). */
  loopHint?: boolean;
  /** JitOptions.deadArm (default true, absent too): a record whose code ends with its one write checks BLOCK_DEAD in that write's slow arm only. */
  deadArm?: boolean;
  /** JitOptions.innerCount (a measurement, default false): count taken Jccs to later / earlier records of their block (XFER_INNER). */
  innerCount?: 'later' | 'earlier' | false;
  /** JitOptions.innerLoop (default INNER_LOOP, as the engine's): taken Jccs to an earlier record of their block (not the first) loop there inside (innerLoops, Fn.loopBack). */
  innerLoop?: boolean;
  /**
   * With direct transfers: compiled blocks of other modules (JitOptions.imports) the
   * batch's same-page static exits may enter directly: the module imports
   * external i's function and alive global as x.e<i> / x.a<i> (link.ts).
   */
  externals?: readonly ExternalTarget[];
  /** Also return the module as wasm text (the lockstep checker's reports; never in a normal run). */
  text?: boolean;
  /** TEST-ONLY: the ADC carry fault (test-faults.ts), carried here so the worker thread applies the main thread's setting. */
  faultAdcCarry?: boolean;
  /** TEST-ONLY (test-faults.ts workerExit): the compile worker exits as it takes this request ('quiet': no 'exit' handler runs). */
  faultWorkerExit?: 'exit' | 'quiet';
}

/**
 * JitOptions.innerLoop's default (the engine's and emitModule's: the lockstep checker's prefixes compile as the JIT does).
 * Off: the boot pairs of session 17 were level (docs/jit-plan.md "Loops inside the block, session 17").
 */
export const INNER_LOOP = false;
/** JitOptions.loopGroups' default (engine.ts): see there. */
export const LOOP_GROUPS: boolean | 'near' = 'near';
/** JitOptions.loopRegs' default (engine.ts): see there. */
export const LOOP_REGS = false;
/**
 * JitOptions.regs' default (engine.ts): 'loops' since session 20: the lead's quiet-host boots (one
 * build, 4 rounds interleaved with main 678200f) main thread 0.921 / 0.972 / 0.951 / 0.995 of main and
 * 0.918 / 0.993 / 0.927 / 1.047 of 'loops' off; the mpi loop's phase pairs 0.84-0.87.
 */
export const REGS: boolean | 'loops' = 'loops';

export const NO_CHAIN: EmitOptions = { firstId: 0, regs: false, flatMask: 0 };

/**
 * The last module's objects, kept alive until the next module replaces them.
 * Why: V8's optimised code checks the maps (hidden classes) of the objects it
 * was optimised on, and a map that only transitions lead to (a class's
 * instance after its field initialisers) is freed by a full GC when no object
 * has it any more. Every object of a module (its Fn per block, ModuleIR,
 * binaryen.Module, the worker's copies of Block and Rec, ...) is garbage once
 * the module is emitted, so each full GC in the worker (worker.ts forces one
 * every 16 modules) freed those maps and threw away the optimised code of
 * ~50-110 functions of code generation at once (`node --trace-deopt`:
 * "marking dependent code ... reason: weak objects"), which then ran
 * unoptimised until V8 optimised them again. One live object of each shape
 * keeps the maps.
 */
const anchor: { m: binaryen.Module | null; blocks: readonly Block[] | null; fn: Fn | null; direct: DirectLinks | null; dispatch: DispatchTargets | null } =
  { m: null, blocks: null, fn: null, direct: null, dispatch: null };

/**
 * A relative branch back to offset 0 (the block may loop). One function, not an arrow per block: V8
 * keeps an arrow's optimised code only while one such arrow lives, and the worker's full GCs freed it
 * (optimised 12-14 times a boot, bench/opt-trace.ts).
 */
/** Is `node` what `x` runs last (x itself, or the last child of x's unnamed blocks, nested)? */
function endsWith(x: X, node: X): boolean {
  for (let at: X | null = x; at !== null; at = lastOfUnnamed(at)) if (at === node) return true;
  return false;
}

function branchesToStart(r: Rec): boolean { return r.k0 === OP_REL && relTarget(r) === 0; }

function emitBlock(m: binaryen.Module, b: Block, recBase: number, stats: { inline: number; callouts: number; deadRegs?: number }, sites: ExitSites | null, regsOpt: boolean | 'loops',
  flatNow: ((bnd: number) => boolean) | null, direct: DirectLinks | null, j: number, dispatch: DispatchTargets | null, x87: boolean, branches: boolean,
  deadFlags: boolean | 'drop', quietCC: boolean | 'all', forward: boolean | 'far' | 'loads', pageGroups: boolean | 'merge', slowReload: boolean | 'near' | 'flags' | 'groups', compact: boolean, deadRegs: boolean, knownEip: boolean, xferCounts: boolean, groupSpan: number,
  innerJcc: boolean, innerCount: 'later' | 'earlier' | false, innerLoop: boolean, deadArm: boolean, spanLead: boolean, loopGroups: boolean | 'near', loopRegsOn: boolean | number, loopHint: boolean): { body: X; vars: binaryen.Type[]; impure: boolean; callouts: number[] } {
  const recs = b.recs, n = recs.length;
  // Only a relative branch back to offset 0 can loop (codegen/branch.ts selfTarget; a T_COND one mid-block too).
  const selfLoop = recs.some(branchesToStart);
  // JitOptions.regs 'loops': registers in locals only where they pay, across the passes of a self-loop whose body has no
  // call-out (loaded once before the wasm loop; a call-out would store them all before it and load them all after);
  // elsewhere forwarding (one block pass, no write-backs in every slow arm).
  const regs = regsOpt === true || (regsOpt === 'loops' && selfLoop && inlineLoop(recs));
  const f = new Fn(m, b.code32, recBase, sites, regs, flatNow);
  anchor.fn = f;
  f.x87 = x87;
  f.branches = branches;
  f.forward = regs ? false : forward;
  f.fwdLoadTees = f.forward === 'loads';
  f.pageGroups = pageGroups;
  f.slowReload = slowReload;
  f.loopHint = loopHint;
  f.compact = compact;
  f.knownEip = knownEip;
  f.xferCounts = xferCounts;
  f.groupSpan = groupSpan;
  f.spanLead = spanLead;
  f.loopGroups = pageGroups !== false ? loopGroups : false;
  if (deadRegs) f.enableDeadRegs();
  if (direct !== null) {
    f.selfNamed = sites === null;
    f.direct = (off) => direct.target(b, off);
    f.insnsGlobal = directGlobals(j)[1];
    f.counting = true;
    if (dispatch !== null) f.dispatch = dispatch.forBlock(b);
  }
  f.recCount = n;
  f.mayLoop = selfLoop;
  // Fn.loopGroups: the self-loop's body ends at its last branch back to the start (a later record never loops).
  if (f.loopGroups && f.mayLoop) for (let i = n - 1; i >= 0 && f.loopEnd < 0; i--) if (branchesToStart(recs[i]!)) f.loopEnd = i;
  // Fn.loopRegs: registers the self-loop's body (up to its last branch back to the start) reads and never writes.
  if (loopRegsOn !== false && f.forward !== false && f.mayLoop) {
    let end = -1;
    for (let i = n - 1; i >= 0 && end < 0; i--) if (branchesToStart(recs[i]!)) end = i;
    if (end >= 0) f.loopRegs = loopRegsOn === true ? loopRegs(recs, end) : loopRegsOn & 0xff;
  }
  f.innerCount = innerCount;
  if (innerCount !== false) f.recOffsets = recs.map(offsetOf);
  // Taken Jccs to later records kept inside (JitOptions.innerJcc): their skips, the records they join at.
  const skips = innerJcc && b.code32 ? innerSkips(recs) : null;
  const joins = new Set<number>();
  if (skips !== null) {
    for (const [i, j] of skips) {
      f.inner.set(i, { to: j, label: f.label('j') });
      joins.add(j);
    }
    // The records a skip passes over do not retire: `done` carries the difference (Fn.innerBranch).
    if (skips.length > 0) f.mayLoop = true;
  }
  // Taken Jccs to earlier records kept inside (JitOptions.innerLoop): wasm loops around records j .. i, each
  // nested with the skips and the other loops; the loop tops forget what the code before assumed (Fn.loopTop).
  const loops = innerLoop && b.code32 ? innerLoops(recs, skips ?? []) : null;
  const tops = new Set<number>();
  if (loops !== null) {
    for (const [i, j] of loops) {
      f.innerBack.set(i, { to: j, label: f.label('l') });
      tops.add(j);
    }
    // Records retired by earlier iterations: `done` carries them (Fn.loopBack).
    if (loops.length > 0) f.mayLoop = true;
  }
  // flagFates: a loop top is a barrier as a join is (the state is exact there: Fn.loopTop pays what is owed).
  const barriers = tops.size === 0 ? joins : new Set([...joins, ...tops]);
  // Where each record's code starts in `out` (the skips' blocks are built from these after the records).
  const starts: number[] = [];
  // Each pass starts with every page group's host base invalid (Fn.groupReset; empty without groups).
  const out: X[] = [f.groupReset()];
  f.passTop = out[0]!;
  // The loop registers' locals are valid at the pass top (Fn.loopRegs: loaded at the entry and at the back edges).
  f.loopRegsTop();
  const callouts: number[] = [];
  const fates = deadFlags !== false ? flagFates(recs, deadFlags === true, deadFlags === true ? quietConsumers(recs, quietCC) : null, barriers) : null;
  for (const r of recs) {
    const last = r.idx === n - 1;
    // A join (Fn.join): the fall-through pays what it owes, inside the skips' blocks (before `starts`).
    if (joins.has(r.idx)) out.push(...f.join(r.idx));
    // A loop top (Fn.loopTop): the fall-through's payment before the loop (after the joins'), the reset inside it.
    const top = tops.has(r.idx) ? f.loopTop() : null;
    if (top !== null) out.push(...top.before);
    starts.push(out.length);
    if (top !== null) out.push(...top.inside);
    f.stored = false;
    f.writes = 0;
    f.lastWrite = null;
    f.rec = r.idx;
    f.regBegin(out.length);
    const e = emitterFor(r);
    const fate = fates === null ? LIVE : fates[r.idx]!;
    f.flagFate = fate;
    let x = e ? e(f, r, last) : null;
    if (x !== null) {
      stats.inline++;
      f.endRecord(fate, false, fates !== null && writesFlags(r));
    } else {
      f.flagFate = LIVE;
      stats.callouts++;
      // An x87 handler entered with no unmasked exception pending is pure; after one that found it pending
      // (FERR#) the block leaves (codegen/x87.ts x87Callout).
      const x87 = f.x87 && isX87Guarded(r);
      // Before the record's own exit (a taken T_COND): it must not chain after an impure handler.
      if (!x87 && !isPureCallout(r) && !isPureBranch(r)) f.impure = true;
      callouts.push(r.idx);
      x = x87 ? x87Callout(f, r) : calloutRecord(f, r);
      f.endRecord(LIVE, true, true);
      f.flags = null;
      f.stored = true;
    }
    f.fwdEnd(x);
    out.push(x);
    if (r.idx === f.loopEnd) f.noteLoopEnd();
    // A write may have hit this block's own code: leave before the next record (BLOCK_EXIT),
    // writing EIP (a block looping on itself may be in a later iteration).
    if (f.stored && !last) {
      const check = f.deadCheck(r.idx + 1, recs[r.idx + 1]!.off);
      // JitOptions.deadArm: a record whose code ends with its one write (through codegen/mem.ts `write`; nothing
      // else it runs writes memory: CALL's push, x87 and string stores do not go through it, so their `writes` is
      // 0) can only have written its own code in that write's slow arm (a fast store passed WRITE_MASK, which a
      // page of decoded code fails): the check goes there, off the hot path (2 x86 instructions a store).
      // (Read through a method: TS narrows the field to null from its reset at the record start.)
      const w = f.writeNoted();
      if (deadArm && f.writes === 1 && w !== null && callouts[callouts.length - 1] !== r.idx && endsWith(x, w.node)) appendChild(w.arm, check);
      else out.push(check);
    }
  }
  // The end of the last record's code (a loop may end there).
  starts.push(out.length);
  f.dropDeadRegs(recs, out);
  if (f.deadRegCount > 0) stats.deadRegs = (stats.deadRegs ?? 0) + f.deadRegCount;
  // The skips' blocks (after dropDeadRegs: it replaces records' code in `out` by index).
  const ranges: Range[] = [];
  if (skips !== null) for (const [i, j] of skips) ranges.push([starts[i]!, starts[j]!, f.inner.get(i)!.label, false]);
  if (loops !== null) for (const [i, j] of loops) ranges.push([starts[j]!, starts[i + 1]!, f.innerBack.get(i)!.label, true]);
  if (ranges.length > 0) out.splice(0, out.length, ...nestSkips(m, out, ranges, 0, out.length));
  f.finishGroups((g) => finishGroup(f, g));
  // The end: EIP written here (the block may have looped, see Fn.loopBack), unless the last record's handler branched.
  const lastRec = recs[n - 1]!;
  if (lastRec.term !== T_BRANCH) out.push(f.st(EIP, f.eipAt(lastRec.next)));
  // Static targets for direct transfers: the fall-through, or a relative branch run through its call-out
  // (taken or not; an inline branch left by its own exits and never gets here).
  // An inline REP MOVS/STOS (codegen/string.ts; its slow arm leaves by itself) reaches this end having
  // written EIP = the next instruction (eCX reached 0) or itself (more to do): both are static targets.
  const ends = lastRec.term !== T_BRANCH ? [lastRec.next]
    : callouts.includes(lastRec.idx) ? (lastRec.k0 === OP_REL ? [relTarget(lastRec), lastRec.next] : [])
      : lastRec.rep !== 0 && lastRec.strop !== STR_NONE ? [lastRec.next, lastRec.off] : [];
  // EIP written just above as the block's EIP + lastRec.next (32-bit code: Fn.exit's `eip` is ignored in 16-bit code, which wraps).
  out.push(f.exit(n, true, ends, false, lastRec.term !== T_BRANCH ? { off: lastRec.next, t: null } : null));
  const entry: X[] = [f.set(f.eip0, f.ld(EIP))];
  if (f.selfNamed) {
    // Entered by a transfer (or the loop): name this block as the running one before anything can leave
    // (a failed entry guard included: runtime/interp/loop.ts reads CUR_BLOCK when ICOUNT moved).
    entry.push(f.st(CUR_BLOCK, f.c(direct!.id(j))), f.st(BLOCK_EIP, f.get(f.eip0)), ...f.st2(RETIRED, f.c(0), f.c(0)));
  }
  const guard = f.guard();
  if (guard !== null) {
    // Segments assumed flat that are not now: run nothing; the loop interprets the block (chain.ts GUARD_FAILED).
    const at = JIT_EXITS + 4 * EXIT_GUARD;
    entry.push(m.if(f.not(guard), f.block([f.st(at, m.i32.add(f.ld(at), f.c(1))), m.return(f.c(GUARD_FAILED))])));
  }
  if (sites !== null) {
    // Entered by a chained predecessor: run only if the whole block fits the budget left (the loop's rule),
    // then name this block as the running one (faults, invalidation, call-outs' blockEip: chain.ts).
    const at = JIT_EXITS + 4 * EXIT_BUDGET;
    entry.push(
      m.if(m.i32.lt_s(m.local.get(Fn.BUDGET, binaryen.i32), f.c(n)),
        f.block([f.st(at, m.i32.add(f.ld(at), f.c(1))), m.return(f.c(1))])),
      f.st(CUR_BLOCK, f.c(b.jitId)),
      f.st(BLOCK_EIP, f.get(f.eip0)),
      ...f.st2(RETIRED, f.c(0), f.c(0)),
      f.st(LINK_EXIT, f.c(0)),
    );
  }
  entry.push(...f.finish());
  entry.push(...f.loopRegsEntry());
  // Page groups kept across the self-loop's back edge (Fn.loopGroups): hb invalid once, before the loop.
  entry.push(f.entryReset);
  // The loop label is the target of a block that branches back to its own start (codegen/branch.ts).
  const loop = m.loop(SELF_LOOP, f.seq(out, binaryen.none));
  const body = m.block(null, [...entry, ...(f.deadExits ? f.deadTail(loop) : [loop])], binaryen.none);
  return { body, vars: f.vars, impure: f.impure, callouts };
}

/**
 * JitOptions.regs 'loops': the fewest records a self-loop's body must have. Bytes (emit replay of a 3e9
 * recording) +3.9 % with every inline self-loop, +1.9 % from 12 records, +1.4 % from 24, +0.8 % from 40, the mpi
 * loop's 54 still in (its phase pairs 0.844, 0.874 with 40): loops of a few records gain little and pay the
 * write-backs in every slow arm and exit (session 20).
 */
const REGS_MIN_BODY = 40;
/**
 * JitOptions.regs 'loops': the self-loop's body (up to its last branch back to the start) has REGS_MIN_BODY
 * records or more, each with an inline emitter (an emitter may still call out at emission: then it costs speed,
 * never correctness).
 */
function inlineLoop(recs: readonly Rec[]): boolean {
  let end = -1;
  for (let i = recs.length - 1; i >= 0 && end < 0; i--) if (branchesToStart(recs[i]!)) end = i;
  if (end + 1 < REGS_MIN_BODY) return false;
  for (let i = 0; i <= end; i++) if (!emitterFor(recs[i]!)) return false;
  return true;
}

/** A record's byte offset from its block's start (one function, not an arrow per block: see branchesToStart). */
function offsetOf(r: Rec): number { return r.off; }

/**
 * The Jccs whose taken side can stay inside the block (JitOptions.innerJcc):
 * [i, j] for each inline-able mid-block Jcc i (32-bit operand size, a rel
 * target) whose target is the start of a later record j. Each becomes a
 * wasm `block` around records i .. j - 1 that the taken side leaves with a
 * `br`, so the blocks must nest: a skip that would overlap an earlier one
 * (i1 < i2 < j1 < j2) is left out (its Jcc leaves the block as before).
 */
export function innerSkips(recs: readonly Rec[]): [number, number][] {
  const byOff = new Map<number, number>();
  for (let k = 0; k < recs.length; k++) byOff.set(recs[k]!.off, k);
  const out: [number, number][] = [];
  for (let i = 0; i < recs.length - 1; i++) {
    const r = recs[i]!;
    if (r.term !== T_COND || !isJcc(r) || r.k0 !== OP_REL || r.osz !== 4) continue;
    const j = byOff.get(relTarget(r));
    if (j === undefined || j <= i) continue;
    // Nested in or apart from every skip kept so far (those start before i: the open ones must end at j or later).
    if (out.some(([a, z]) => a < i && i < z && j > z)) continue;
    out.push([i, j]);
  }
  return out;
}

/**
 * The Jccs whose taken side can loop inside the block (JitOptions.innerLoop):
 * [i, j] for each inline-able Jcc i (32-bit operand size, a rel target) whose
 * target is the start of an earlier record j other than the first (the
 * first: the self-loop, Fn.loopBack to SELF_LOOP) or its own. Each becomes a
 * wasm `loop` around records j .. i whose top the taken side branches to, so
 * it must nest with the skips (kept first: session 16's) and the loops kept
 * before it; one that overlaps any (a < b < z < y) is left out (its Jcc
 * leaves the block as before).
 */
export function innerLoops(recs: readonly Rec[], skips: readonly [number, number][]): [number, number][] {
  const byOff = new Map<number, number>();
  for (let k = 0; k < recs.length; k++) byOff.set(recs[k]!.off, k);
  const kept: [number, number][] = skips.map(([i, j]) => [i, j]);
  const out: [number, number][] = [];
  for (let i = 0; i < recs.length; i++) {
    const r = recs[i]!;
    if (!isJcc(r) || r.k0 !== OP_REL || r.osz !== 4) continue;
    if (r.term !== T_COND && i !== recs.length - 1) continue;
    const j = byOff.get(relTarget(r));
    if (j === undefined || j === 0 || j > i) continue;
    // Records [j, i + 1): apart from or nested with every range kept.
    if (kept.some(([a, z]) => (a < j && j < z && z < i + 1) || (j < a && a < i + 1 && i + 1 < z))) continue;
    kept.push([j, i + 1]);
    out.push([i, j]);
  }
  return out;
}

/** A wasm block (a skip: its end is the branch target) or loop (its top is) around out[a .. z), and its label. */
type Range = [a: number, z: number, label: string, loop: boolean];

/**
 * `out[lo .. hi)` with each range [a, z, label, loop] (out indices, properly
 * nested, a unique label each) wrapped in a block (a skip: the taken Jcc in
 * out[a] branches to its end, right before out[z]) or a loop (the taken Jcc
 * in out[z - 1] branches to its top, out[a]) named `label`.
 */
function nestSkips(m: binaryen.Module, out: readonly X[], ranges: readonly Range[], lo: number, hi: number): X[] {
  const res: X[] = [];
  for (let k = lo; k < hi;) {
    // The outermost range starting here (a skip and loops may start at one record: the longest outside).
    let s: Range | undefined;
    for (const x of ranges) if (x[0] === k && x[1] <= hi && (s === undefined || x[1] > s[1])) s = x;
    if (s === undefined) { res.push(out[k]!); k++; continue; }
    const outer = s;
    const inside = ranges.filter((x) => x !== outer && x[0] >= k && x[1] <= outer[1]);
    const body = nestSkips(m, out, inside, k, s[1]);
    res.push(s[3] ? m.loop(s[2], m.block(null, body, binaryen.none)) : m.block(s[2], body, binaryen.none));
    k = s[1];
  }
  return res;
}

function calloutRecord(f: Fn, r: Rec): X {
  const call = f.callout(r);
  // A taken mid-block branch has written EIP: the block ends after this record.
  return r.term === T_COND ? f.m.if(call, f.exit(r.idx + 1, true, r.k0 === OP_REL ? [relTarget(r)] : [])) : f.m.drop(call);
}

/**
 * One level of a br_table dispatcher: block `label` holding `children`, then
 * `last` (a return: unreachable). Appended after the block is made, because
 * binaryen's Block finalize, given a block of type none with an unreachable
 * child and a name, walks the whole block looking for branches to it
 * (wasm.cpp handleUnreachable, BranchSeeker): each level of the nest would
 * walk every level inside it, O(levels^2) (8% of a boot's emit time in
 * addSlots alone). Every level is a br_table target, so its type is none
 * either way: the same module.
 */
function level(m: binaryen.Module, label: string, children: X[], last: X): X {
  const b = m.block(label, children, binaryen.none);
  appendChild(b, last);
  return b;
}

/**
 * Records -> module bytes: one exported function per block (`names[j]` for
 * `blocks[j]`). Needs no machine: the compile worker (worker.ts) runs it on
 * copies of the records (pack.ts); the call-outs name records by their index
 * in the concatenation of the blocks' records, bound by link.ts `instantiate`.
 */
export function emitModule(blocks: readonly Block[], opts: EmitOptions = NO_CHAIN): EmittedModule {
  const t0 = performance.now();
  const m = new binaryen.Module();
  speedUp(m); // direct C API constructors for the hottest binaryen.js ones (capi.ts)
  const out: EmittedModule = { bytes: new Uint8Array(0), names: [], sites: 0, inline: 0, callouts: 0, blocks: [] };
  const perBlock: { impure: boolean; callouts: number[]; slots?: [number, number] }[] = [];
  const adcFault = testFaults.adcCarry;
  stringOptions.scas = opts.inlineScas !== false;
  stringOptions.repCmp = opts.inlineRepCmp === true;
  testFaults.adcCarry = opts.faultAdcCarry ?? adcFault;
  // Branch hints (branch-hints.ts): the slow arms' branches are collected per function while it is built.
  hints.on = opts.branchHints ?? BRANCH_HINTS;
  hints.pending.length = 0;
  try {
    m.setFeatures(FEATURES);
    if (hints.on) m.addDebugInfoFileName('h');
    m.setMemory(1, -1, null);
    m.addMemoryImport('0', 'env', 'mem');
    const i32 = binaryen.i32;
    m.addFunctionImport('interp', 'env', 'interp', i32, i32);
    m.addFunctionImport('rd', 'env', 'rd', binaryen.createType([i32, i32, i32]), i32);
    m.addFunctionImport('rdw', 'env', 'rdw', binaryen.createType([i32, i32, i32]), i32);
    m.addFunctionImport('wr', 'env', 'wr', binaryen.createType([i32, i32, i32, i32]), binaryen.none);
    let sites: ExitSites | null = null;
    const direct = opts.firstId !== 0 && opts.direct === true ? new DirectLinks(blocks, opts.firstId, opts.externals ?? []) : null;
    if (direct !== null) {
      (opts.externals ?? []).forEach((_, i) => {
        const [e, a] = externalImports(i);
        m.addFunctionImport(`x${e}`, 'x', e, i32, i32);
        m.addGlobalImport(`x${a}`, 'x', a, i32, true);
      });
    }
    const modules = opts.modules === true && opts.table === false;
    const global = direct !== null && opts.global === true && opts.table === false;
    const far = direct !== null && (opts.farDirect === true || opts.hints === true) ? direct : null;
    const dispatch = direct !== null && (opts.indirect === true || opts.pages === true || modules || global || far !== null)
      ? new DispatchTargets(m, blocks, opts.indirect === true, opts.pages === true, modules, global, global && opts.globalFirst === true, far,
        opts.farDirect === true, opts.hints === true, global && opts.regroup === true) : null;
    if (global) m.addFunctionImport(XJUMP, 'env', XJUMP, binaryen.createType([i32, i32]), i32);
    if (direct !== null) {
      for (let j = 0; j < blocks.length; j++) {
        // Alive starts at 0: link.ts sets it when it attaches the block (a block dead by then is never entered).
        const [a, k] = directGlobals(j);
        m.addGlobal(a, i32, true, m.i32.const(0));
        m.addGlobal(k, binaryen.f64, true, m.f64.const(0));
        m.addGlobalExport(a, a);
        m.addGlobalExport(k, k);
      }
    }
    if (opts.firstId !== 0 && opts.table !== false) {
      m.addTableImport(CHAIN_TABLE, 'env', 'tbl');
      blocks.forEach((b, j) => { b.jitId = opts.firstId + j; });
      sites = {
        next: (): number => {
          const site = out.sites++;
          // An empty slot: generation -1 never matches (mmu.generation counts up from 0); id 0 is the stub.
          const [gl, gg, gi] = linkGlobals(site);
          m.addGlobal(gl, i32, true, m.i32.const(0));
          m.addGlobal(gg, i32, true, m.i32.const(-1));
          m.addGlobal(gi, i32, true, m.i32.const(0));
          return site;
        },
      };
    }
    let recBase = 0;
    // Loops over the blocks, not forEach with arrows made per module (branchesToStart says why).
    for (let j = 0; j < blocks.length; j++) {
      const b = blocks[j]!;
      const slot0 = dispatch?.slots ?? 0;
      const flat = opts.flatMask & b.jitFlat;
      const flatNow = flat !== 0 ? (bit: number): boolean => ((flat >>> bit) & 1) !== 0 : null;
      const { body, vars, impure, callouts } = emitBlock(m, b, recBase, out, sites, opts.regs ?? REGS, flatNow, direct, j, dispatch, opts.x87 !== false, opts.branches !== false, opts.deadFlags ?? true, opts.quietCC ?? false, opts.forward ?? true, opts.pageGroups ?? false, opts.slowReload ?? false, opts.compact !== false, opts.deadRegs !== false, opts.knownEip !== false, opts.xferCounts !== false, opts.groupSpan ?? 0, opts.innerJcc !== false, opts.innerCount ?? false, opts.innerLoop ?? INNER_LOOP, opts.deadArm !== false, opts.spanLead !== false, opts.loopGroups ?? LOOP_GROUPS, opts.loopRegs ?? LOOP_REGS, opts.loopHint === true);
      // Its cross-module slots (link.ts empties them when it dies).
      perBlock.push(dispatch !== null && dispatch.slots > slot0 ? { impure, callouts, slots: [slot0, dispatch.slots - slot0] } : { impure, callouts });
      recBase += b.recs.length;
      tagFunction(m, m.addFunction(`b${j}`, i32, i32, vars, body));
      m.addFunctionExport(`b${j}`, `b${j}`);
      out.names.push(`b${j}`);
    }
    addFlagHelpers(m); // after the blocks: function j stays block j (functionBodySizes)
    addColdHelpers(m);
    if (out.sites > 0) addLinkFunction(m, out.sites);
    if (dispatch !== null) {
      addDispatch(m, blocks, dispatch, opts.firstId, sites === null);
      // Cross-module slots use the loop's link protocol (LINK_EXIT) in place of table chaining's (off here).
      if (dispatch.slots > 0) { addSlots(m, dispatch.slots); out.sites = dispatch.slots; }
    }
    const t1 = performance.now();
    out.bytes = emitWithHints(m);
    out.timing = { buildMs: t1 - t0, binaryMs: performance.now() - t1 };
    const sizes = functionBodySizes(out.bytes);
    out.blocks = perBlock.map((p, j) => ({ bytes: sizes[j] ?? 0, ...p }));
    if (opts.text === true) out.text = m.emitText();
    anchor.direct = direct;
    anchor.dispatch = dispatch;
  } finally {
    testFaults.adcCarry = adcFault;
    m.dispose();
    // (Disposed: its wrapper, and through irOf's WeakMap its ModuleIR, stay as shapes only.)
    anchor.m = m;
    anchor.blocks = blocks;
  }
  return out;
}

/**
 * Which block of the batch a direct transfer may enter (chain.ts): the one
 * starting at the target's physical address, in the same 4 KiB page as the
 * source block's start (the running source block proves the page's current
 * translation: its linear page maps to its physical page, and pure code
 * cannot change that), of the same code size, and not straddling a page
 * (its second page's mapping would not be proven). Blocks are keyed by
 * physical address in the front end, so this is the block the loop would
 * look up at that EIP while the target is alive.
 */
/**
 * DispatchTargets.forBlock's answer for one block: methods of a class, not arrows in an object made
 * per block (V8 keeps an arrow's optimised code only while one lives: the worker's full GCs sent
 * `far` back to TurboFan 7 times a boot; see branchesToStart).
 */
class BlockDispatch implements Dispatch {
  readonly indirect: boolean;
  readonly find: boolean;
  readonly slot: (() => number) | null;
  readonly global: boolean;
  readonly globalFirst: boolean;
  readonly countTargets: boolean;
  constructor(private readonly t: DispatchTargets, private readonly from: Block) {
    this.indirect = t.indirect;
    this.find = t.find;
    this.slot = t.modules ? () => t.slotNew() : null;
    this.global = t.global;
    this.globalFirst = t.globalFirst;
    this.countTargets = t.counting;
  }
  crossPage(off: number): boolean { return this.t.crossPageOf(this.from, off); }
  far(off: number): readonly DirectTarget[] { return this.t.farOf(this.from, off); }
  hinted(): readonly DirectTarget[] { return this.t.hintedOf(this.from); }
}

/** Host addresses ascending (DispatchTargets.hosts; a function made once: see branchesToStart). */
function byHost(a: readonly [number, number], b: readonly [number, number]): number { return a[0] - b[0]; }

class DirectLinks {
  private readonly at = new Map<number, number>();
  /** 32-bit single-page blocks by page offset (phys & 0xfff): the candidates of a far target (far()). */
  private readonly byOffset = new Map<number, number[]>();
  /** External targets (EmitOptions.externals) by cache key: their index, for same-page static exits the module has no block for. */
  private readonly ext = new Map<number, number>();
  /** External targets by page offset (32-bit): far candidates after the module's own. */
  private readonly extByOffset = new Map<number, number[]>();
  constructor(private readonly blocks: readonly Block[], private readonly firstId: number, private readonly externals: readonly ExternalTarget[] = []) {
    for (let j = 0; j < blocks.length; j++) {
      const b = blocks[j]!;
      if (b.pages.length !== 1) continue;
      this.at.set(b.phys * 2 + (b.code32 ? 1 : 0), j);
      if (!b.code32) continue;
      const o = this.byOffset.get(b.phys & 0xfff);
      if (o === undefined) this.byOffset.set(b.phys & 0xfff, [j]); else o.push(j);
    }
    for (let i = 0; i < externals.length; i++) {
      const x = externals[i]!;
      const k = x.phys * 2 + (x.code32 ? 1 : 0);
      if (this.at.has(k)) continue;
      this.ext.set(k, i);
      if (!x.code32) continue;
      const o = this.extByOffset.get(x.phys & 0xfff);
      if (o === undefined) this.extByOffset.set(x.phys & 0xfff, [i]); else o.push(i);
    }
  }
  /** Block id of the batch's block j (CUR_BLOCK). */
  id(j: number): number { return this.firstId + j; }
  private targetOf(j: number): DirectTarget {
    const b = this.blocks[j]!;
    return { fn: `b${j}`, alive: directGlobals(j)[0], id: this.firstId + j, recs: b.recs.length, host: RAM_BASE + b.phys };
  }
  target(from: Block, off: number): DirectTarget | null {
    const phys = from.phys + off;
    if (phys >>> 12 !== from.phys >>> 12 || phys < 0) return null;
    const key = phys * 2 + (from.code32 ? 1 : 0), j = this.at.get(key);
    if (j !== undefined) return this.targetOf(j);
    const i = this.ext.get(key);
    return i === undefined ? null : this.externalOf(i);
  }
  /** External target i (EmitOptions.externals), imported. */
  private externalOf(i: number): DirectTarget {
    const [e, a] = externalImports(i), x = this.externals[i]!;
    // Blocks name themselves on entry (Fn.selfNamed: direct transfers without table chaining), so no id is needed.
    return { fn: `x${e}`, alive: `x${a}`, id: 0, recs: x.recs, host: RAM_BASE + x.phys, external: true };
  }
  /**
   * A static target in another page than `from`'s start (a 32-bit block):
   * the module's blocks that may start there (its page offset; which
   * physical page the target's linear page maps to is known only at run time,
   * so each is guarded by its host address: ir.ts dispatchTransfer), at most
   * MAX_FAR of them.
   */
  far(from: Block, off: number): DirectTarget[] {
    const pos = (from.phys & 0xfff) + off;
    if (!from.code32 || (pos >= 0 && pos < 4096)) return [];
    const own = (this.byOffset.get(pos & 0xfff) ?? []).slice(0, MAX_FAR).map((j) => this.targetOf(j));
    return [...own, ...(this.extByOffset.get(pos & 0xfff) ?? []).map((i) => this.externalOf(i))].slice(0, MAX_FAR);
  }
  /**
   * The blocks of the module an indirect exit of `from` (RET, JMP/CALL r/m32)
   * may well land on: its successor hints (pack.ts hintsOf: blocks the loop
   * ran right after it while it was interpreted), 32-bit and in one page.
   */
  hinted(from: Block): DirectTarget[] {
    if (!from.code32) return [];
    const out: DirectTarget[] = [];
    for (const phys of hintsOf(from)) {
      const j = this.at.get(phys * 2 + 1);
      if (j !== undefined) { out.push(this.targetOf(j)); continue; }
      const i = this.ext.get(phys * 2 + 1);
      if (i !== undefined) out.push(this.externalOf(i));
    }
    return out;
  }
}

/**
 * Candidates a far static exit checks (DirectLinks.far): one compare and branch
 * each. Two blocks of a module at one page offset are rare (a batch holds at
 * most 256 blocks; 4,096 offsets), beyond that the global cache answers.
 */
const MAX_FAR = 2;

/**
 * The blocks of a module its dispatcher may enter (chain.ts "Indirect and
 * cross-page transfers"): 32-bit code, not straddling a page, keyed by host
 * address (RAM_BASE + physical start: what the TLB entry gives).
 */
class DispatchTargets {
  /** [host address, block index], sorted by host address. */
  readonly hosts: [number, number][] = [];
  /** Page offsets (phys & 0xfff) of the candidates: a static exit can only land on one of those. */
  private readonly offsets = new Set<number>();
  /** Cross-module slots allocated (their globals are added as they are). */
  slots = 0;
  constructor(private readonly m: binaryen.Module, blocks: readonly Block[], readonly indirect: boolean, readonly pages: boolean, readonly modules: boolean,
    readonly global: boolean, readonly globalFirst: boolean, private readonly far: DirectLinks | null, private readonly farStatic: boolean,
    private readonly hints: boolean, private readonly countTargets: boolean) {
    for (let j = 0; j < blocks.length; j++) {
      const b = blocks[j]!;
      if (!b.code32 || b.pages.length !== 1) continue;
      this.hosts.push([RAM_BASE + b.phys, j]);
      this.offsets.add(b.phys & 0xfff);
    }
    this.hosts.sort(byHost);
  }
  /** The module's own dispatcher exists (xfind, xgo). */
  get find(): boolean { return (this.indirect || this.pages) && this.hosts.length > 0; }
  forBlock(from: Block): Dispatch | null {
    if (!from.code32 || (!this.find && !this.modules && !this.global && this.far === null)) return null;
    return new BlockDispatch(this, from);
  }
  /** Dispatch.crossPage for block `from`. */
  crossPageOf(from: Block, off: number): boolean {
    if (!this.pages) return false;
    const pos = (from.phys & 0xfff) + off;
    // Same page: a direct transfer's job (or a block of another module); else the target's page offset must match one.
    return (pos < 0 || pos >= 4096) && this.offsets.has(pos & 0xfff);
  }
  /** Dispatch.far for block `from`. */
  farOf(from: Block, off: number): readonly DirectTarget[] {
    return (this.farStatic ? this.far?.far(from, off) : null) ?? [];
  }
  /** Dispatch.hinted for block `from`. */
  hintedOf(from: Block): readonly DirectTarget[] {
    return (this.hints ? this.far?.hinted(from) : null) ?? [];
  }
  /** Dispatch.countTargets. */
  get counting(): boolean { return this.countTargets; }
  /** Dispatch.slot: a new cross-module slot. */
  slotNew(): number { return this.newSlot(); }
  private newSlot(): number {
    const site = this.slots++;
    // Empty: host 0 (no TLB answer is 0: hosts are RAM_BASE + physical, a miss is -1).
    for (const g of slotGlobals(site)) this.m.addGlobal(g, binaryen.i32, true, this.m.i32.const(0));
    return site;
  }
}

/**
 * The module's dispatcher (chain.ts): given the host address the TLB maps
 * CS base + EIP to under the current read mask (the loop's translateFetch
 * hit test, made inline at each exit: ir.ts dispatchTransfer), or -1,
 * `xfind(host, budget)` -> 1 + j when
 * block j starts at `host`, is alive and fits `budget`, else 0 (a binary
 * search over the candidates' host addresses); `xgo(budget, j)` names block
 * j as the running block (CUR_BLOCK, BLOCK_EIP = EIP; RETIRED and
 * BLOCK_DEAD are its own from here) and tail-calls it (a br_table).
 */
function addDispatch(m: binaryen.Module, blocks: readonly Block[], d: DispatchTargets, firstId: number, selfNamed: boolean): void {
  const i32 = binaryen.i32, p = (k: number): X => m.local.get(k, i32), c = (v: number): X => m.i32.const(v | 0);
  const z = (): X => m.i32.const(0);
  if (!d.find) return;
  const HOST = 0, BUDGET = 1;
  const leaf = (host: number, j: number): X => m.if(m.i32.eq(p(HOST), c(host)),
    m.return(m.select(m.i32.and(m.global.get(directGlobals(j)[0], i32), m.i32.ge_s(p(BUDGET), c(blocks[j]!.recs.length))), c(j + 1), c(0))));
  const search = (lo: number, hi: number): X => {
    if (hi - lo <= 4) return m.block(null, d.hosts.slice(lo, hi).map(([h, j]) => leaf(h, j)), binaryen.none);
    const mid = (lo + hi) >> 1;
    return m.if(m.i32.lt_u(p(HOST), c(d.hosts[mid]![0])), search(lo, mid), search(mid, hi));
  };
  m.addFunction(DISPATCH_FIND, binaryen.createType([i32, i32]), i32, [], m.block(null, [search(0, d.hosts.length), c(0)], i32));
  // xgo: budget, j.
  const labels = blocks.map((_, j) => `g${j}`);
  let cur: X = m.block(labels[0], [m.switch(labels, 'gnone', p(1))]);
  for (let j = 0; j < blocks.length; j++) {
    cur = level(m, j + 1 < blocks.length ? labels[j + 1] : 'gnone', [cur], m.return_call(`b${j}`, [p(0)], i32));
  }
  m.addFunction(DISPATCH_GO, binaryen.createType([i32, i32]), i32, [], m.block(null, [
    // Blocks that name themselves on entry (Fn.selfNamed: no table chaining) need nothing here.
    ...(selfNamed ? [] : [
      m.i32.store(CUR_BLOCK, 4, z(), m.i32.add(p(1), c(firstId))),
      m.i32.store(BLOCK_EIP, 4, z(), m.i32.load(EIP, 4, z())),
      m.i32.store(RETIRED, 4, z(), c(0)),
      m.i32.store(BLOCK_DEAD, 4, z(), c(0)),
    ]),
    cur,
    // Never reached (xfind answers only blocks of this module): nothing retired, EIP written.
    c(1),
  ], i32));
}

/**
 * Cross-module slots (chain.ts): the module's own function table `xt` (one
 * entry per slot, exported: link.ts sets the entries) and `xlink(site,
 * host, recs, id)`, the setter of a slot's globals (a br_table, exported).
 */
function addSlots(m: binaryen.Module, n: number): void {
  const i32 = binaryen.i32, p = (k: number): X => m.local.get(k, i32);
  m.addTable(SLOT_TABLE, n, n);
  m.addTableExport(SLOT_TABLE, SLOT_TABLE);
  const labels = Array.from({ length: n }, (_, k) => `x${k}`);
  let cur: X = m.block(labels[0], [m.switch(labels, 'xnone', p(0))]);
  for (let k = 0; k < n; k++) {
    const [gh, gr, gi] = slotGlobals(k);
    cur = level(m, k + 1 < n ? labels[k + 1] : 'xnone', [cur, m.global.set(gh, p(1)), m.global.set(gr, p(2)), m.global.set(gi, p(3))], m.return());
  }
  m.addFunction(SLOT_LINK, binaryen.createType([i32, i32, i32, i32]), binaryen.none, [], cur);
  m.addFunctionExport(SLOT_LINK, SLOT_LINK);
}

/**
 * `link(site, lin, gen, id)`: set exit site `site`'s slot (a br_table over
 * the module's sites). One export per module: cheaper to build, instantiate
 * and call than three exported globals per site.
 */
function addLinkFunction(m: binaryen.Module, nSites: number): void {
  const i32 = binaryen.i32, p = (k: number): X => m.local.get(k, i32);
  const labels = Array.from({ length: nSites }, (_, k) => `s${k}`);
  // Block s{k} ends where site k's stores begin: br_table jumps to the end of the block it names.
  let cur: X = m.block(labels[0], [m.switch(labels, 'none', p(0))]);
  for (let k = 0; k < nSites; k++) {
    const [gl, gg, gi] = linkGlobals(k);
    cur = level(m, k + 1 < nSites ? labels[k + 1] : 'none', [cur, m.global.set(gl, p(1)), m.global.set(gg, p(2)), m.global.set(gi, p(3))], m.return());
  }
  m.addFunction('link', binaryen.createType([i32, i32, i32, i32]), binaryen.none, [], cur);
  m.addFunctionExport('link', 'link');
}
