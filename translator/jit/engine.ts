/**
 * The JIT as a block source for the execution loop (runtime/interp/loop.ts):
 * blocks come from the decode front end; a block that becomes hot is queued
 * and compiled with others into one module; from then on the loop runs its
 * compiled code (Block.jit) whenever the whole block fits the budget.
 *
 * Compilation runs in a worker thread (worker.ts: binaryen, then V8's
 * compile of the module) while the guest keeps running interpreted; the
 * answer is polled between run slices and its functions attached to the
 * blocks that are still alive (the front end may have killed some
 * meanwhile). A compiled block does exactly what its records do, instruction
 * for instruction, so when code gets attached changes speed only, never
 * what the guest sees or its instruction counts (deterministic runs stay
 * repeatable). Threshold 0 (snippets and tests: compiled before the first
 * run) and `sync: true` wait for the worker's answer before going on. The
 * main thread never loads binaryen (link.ts instantiates).
 *
 * The compiled code is bounded (cache.ts): past the limits the least
 * recently run modules lose their code; the front end bounds the decoded
 * blocks (translator/frontend/blocks.ts).
 */
import { settleFields } from '../../runtime/settle-fields.js';
import { NO_EVICT_MARK, type Block, type BlockSource } from '../../runtime/records.js';
import type { Cpu } from '../../runtime/cpu.js';
import type { FrontEnd, KillReason } from '../frontend/blocks.js';
import { instantiate } from './link.js';
import { JitCounters } from './counters.js';
import { CodeCache, DEFAULT_LIMITS, type CacheLimits } from './cache.js';
import { packBlocks } from './pack.js';
import { nextBatch, partialDue, S_FLUSH, S_FULL, S_LOOP, S_PRIORITY, S_REGROUP, S_REPACK, S_SLICE, type PartialPolicy, type PartialQueue, type PartialRule } from './batching.js';
import { CompileClient, claimWarmUp } from './worker-client.js';
import type { CompileReply } from './worker.js';
import { ChainTable, XFER_GLOBAL } from './chain.js';
import type { GlobalDispatch, XcacheFill } from './xcache.js';
import { collectGarbage } from '../frontend/gc.js';
import type { EmitOptions, EmittedModule } from './compile.js';
import { testFaults } from './test-faults.js';
import { CODE_CTX } from '../../runtime/state/layout.js';
import { BRANCH_HINTS } from './branch-hints.js';
import v8 from 'node:v8';
import { stringTuning } from '../../runtime/interp/families/string.js';

/** Modules attached between full collections (see attach). */
const GC_EVERY_MODULES = 512;

export interface JitOptions {
  /**
   * Executions before a block is compiled. 0 forces compilation: every block
   * is compiled, alone, before its first run (tests: the translated path is
   * what runs).
   */
  threshold?: number;
  /**
   * Longest a queued hot block waits for its batch to fill before a slice end sends the partial batch,
   * ms (default MAX_WAIT_MS); with `partial` 'work' the least it waits. Measured with a higher threshold
   * on the realtime clock, whose slice ends every few ms send small partial batches (docs/jit-plan.md,
   * session 15, burst15; session 16, rt16).
   */
  maxWaitMs?: number;
  /**
   * When a slice end sends a partial batch that waited maxWaitMs (batching.ts PartialPolicy): 'busy'
   * (sessions 1-15) at once while the worker has room for a second request, 'work' (default since
   * session 16) once its blocks ran partialWork instructions interpreted since hot or it waited
   * partialCapMs. Under host load 9-17 'work' kept the realtime boot's peak RSS at 256-259 MiB where
   * 'busy' reached 298-312 (rt16); on a quiet host it halves the modules at level CPU (lead).
   */
  partial?: PartialPolicy;
  /** partial 'work': instructions the queued blocks ran since hot that send a partial batch (default PARTIAL_WORK). */
  partialWork?: number;
  /** partial 'work': age at which a partial batch goes whatever its work, ms (default PARTIAL_CAP_MS). */
  partialCapMs?: number;
  /** Blocks per module (at least; more when the worker was busy). */
  batch?: number;
  /**
   * Wait for each batch to be compiled before the block that completed it
   * runs (default: only with threshold 0). Otherwise blocks run interpreted
   * until their code arrives.
   */
  sync?: boolean;
  /** Bounds of the compiled code (cache.ts DEFAULT_LIMITS). */
  limits?: Partial<CacheLimits>;
  /**
   * Chain compiled blocks inside wasm (chain.ts). Default false for now: a
   * function table keeps every instance that imports it alive, and the
   * JIT's cpu fixtures (one module per block, thousands of blocks) ran V8
   * out of wasm code space with it on, even with tables in epochs; and it
   * measured no faster on the boot (docs/jit-plan.md).
   */
  chain?: boolean;
  /**
   * Direct transfers (chain.ts): a compiled block's static exits continue
   * into a same-page block of its own module by a direct tail call, guarded
   * by the target's alive global (no table: nothing pins a module). Default true.
   */
  direct?: boolean;
  /**
   * With direct transfers: RET, RET imm16 and JMP/CALL r/m32 continue inside
   * wasm into a block of the same module through its dispatcher (chain.ts
   * "Indirect and cross-page transfers"). Default false since the global
   * dispatch cache (probed first) answers nearly all of them: with both
   * module dispatchers off, phase-pair B/A sh 0.888, md5 0.958, awk 1.012,
   * sha 0.991 (session 10), 3.4 % fewer bytes (docs/jit-plan.md).
   */
  indirect?: boolean;
  /**
   * With direct transfers: static exits into another page continue into a
   * block of the same module through its dispatcher, guarded by the target
   * page's TLB entry (chain.ts). Default false (see `indirect`).
   */
  pages?: boolean;
  /**
   * With direct transfers and without table chaining: RET / indirect exits
   * and static exits the direct transfers cannot take get a one-entry
   * cross-module slot the loop fills (chain.ts "Cross-module slots").
   * Default false since the global cache (probed first) answers nearly all:
   * phase-pair with them off, B/A then swapped (geomeans): md5 0.983, awk
   * 0.983, sha 0.894, sh 0.973; bytes/block -10.9 % (docs/jit-plan.md).
   */
  modules?: boolean;
  /**
   * With direct transfers and without table chaining: exits that would
   * return to the loop from a RET, JMP/CALL r/m32 or a static exit into
   * another module first probe the global dispatch cache (xcache.ts;
   * chain.ts "Global dispatch cache"). Default true.
   */
  global?: boolean;
  /** How the global dispatch cache is filled (xcache.ts XcacheFill); default 'both'. */
  globalFill?: XcacheFill;
  /**
   * With `global`: an indirect / cross-page exit probes the global dispatch
   * cache before its module's own dispatcher (`xfind`, a call and a binary
   * search) and its slot, instead of after them (ir.ts dispatchTransfer).
   * Default true: phase-pair, 4e8 warm-up, 1e8 slices, B/A 0.89 / 0.86
   * (sides swapped) on sh, 0.93 awk, 0.89 md5, 0.93 sha (docs/jit-plan.md).
   */
  globalFirst?: boolean;
  /**
   * With direct transfers: a static exit into another page whose target may
   * be a block of the same module (same page offset, 32-bit, one page)
   * compares the TLB's host address for CS base + EIP with that block's and
   * tail-calls it directly (ir.ts dispatchTransfer, XFER_FAR), before the
   * global cache's probe: no hash, no loads from the cache, no hub. Default true.
   */
  farDirect?: boolean;
  /**
   * With direct transfers: an indirect exit (RET, JMP/CALL r/m32) first
   * checks the blocks of its module the loop ran right after its block while
   * it was interpreted (its successor cache, sent with it: pack.ts), by their
   * host address as far transfers do (XFER_HINT), then the global cache.
   * Default true.
   */
  hints?: boolean;
  /**
   * With the global cache: count its transfers per target (ir.ts
   * globalTransfer) and, after a slice with at least `regroup` of them
   * (true: REGROUP_MIN), compile the hottest targets again together with
   * their predecessors in other modules, in one module the loop and the
   * cache enter from then on (regroupHot; the old copies stay enterable
   * from their old modules): a hot edge between blocks that landed in
   * different modules becomes a direct, far or hinted transfer. Each block
   * once. Default false: the boot's middle 0.77x, but the bench phases
   * level at best and the boot worse (global transfers 25 M -> 45 M: each
   * regroup moves blocks away from same-module successors; docs/jit-plan.md
   * session 13).
   */
  regroup?: boolean | number;
  /**
   * With the global cache: a batch's blocks whose successor caches name a
   * compiled block of another module in their page send it along
   * (EmitOptions.externals); the new module imports that block's function
   * and alive global, and its static exits there are direct transfers (a
   * tail call to an import) guarded as same-module ones, the global cache
   * after them. An import keeps the other module's instance alive while
   * this one lives (its code is no longer entered once it is evicted: its
   * alive global is 0). 'all': successors in any page too, entered as far
   * targets (a static exit into their page offset) or hinted ones (an
   * indirect exit whose successor hints name them), by their host address.
   */
  imports?: boolean | 'all';
  /**
   * With direct transfers: queue a hot block's warm same-page successors in
   * its batch (hot()). Default false: on the boot it added 0.4 % direct
   * transfers for 6 % more blocks compiled, and no CPU gain (docs/jit-plan.md).
   */
  neighbours?: boolean;
  /**
   * A queued loop (WAIT_SEND runs past hot) that runs while both requests are
   * in flight goes to the worker in a small request compiled before the one
   * waiting there (waiting(), the priority lane). Default false: on the
   * 2.96-3.06 G burst (bench/burst-window.ts, warm worker) it fired in 2 of 9
   * runs and no effect showed through the run-to-run spread of the
   * instructions interpreted while waiting (5-26 M without it, 5-12 M with
   * it, in runs where it did not fire too; docs/jit-plan.md session 12, burst12).
   */
  priority?: boolean;
  /**
   * Warm the compile worker up once on the guest's cold code while it idles (docs/jit-plan.md
   * "Measured (session 20, early20)"): once modules have attached and no block has gone hot for
   * `warmQuiet` guest instructions (the kernel decompressor's steady stretch), up to this many of the
   * front end's live blocks without code, hottest first, go to the worker in requests of WARM_CHUNK
   * blocks that it emits only when no real request waits, and drops (no module, no answer, nothing
   * attached). The kernel's first code after the decompressor is then emitted by optimised emitters
   * (its worker time per block there was ~2x the boot's later: our code generator's JS and binaryen
   * first reaching those paths, their TurboFan compiles queued behind the main thread's on V8's one
   * platform thread). Once per compile worker (it is shared by every JIT of the process). 0 / undefined: off.
   * Off: the window 2.32 G -> console line (bench/cpu-window.ts, 7 pairs, load 12-22): interpreted
   * while waiting 11.75 -> 9.32 M (medians; lower in every pair), the window's main thread per pair
   * median 0.94 (5 of 7 lower); but fresh boots to 2.386 G with the warm-up's own cost (start-timeline,
   * 3 pairs) main thread per pair 1.16, 0.91, 1.05 and more process CPU. The boot's cold code when the
   * worker idles is the decompressor's, not the kernel's: a replay of 400 recorded kernel blocks did
   * more (waiting -19 %, main 0.92, 4 pairs): what a corpus of the kernel's code would give.
   */
  warmCold?: number;
  /** JitOptions.warmCold: guest instructions with no block going hot before the warm-up goes (default WARM_QUIET). */
  warmQuiet?: number;
  /**
   * Keep registers in wasm locals inside a block (ir.ts Fn.regLocals: loaded
   * at the function's entry, stored back before every slow arm's call,
   * call-out and exit, reloaded after a call-out); page groups stay on with
   * it (session 20; before, it turned them off). true: every block (it made
   * the boot's modules 45 % larger before branch hints; session 20, bench=1
   * at 13 G 1.047-1.062 against false). 'loops': only blocks that branch
   * back to their own start with a loop body of 40 records or more and no
   * call-out in it (compile.ts inlineLoop), where the locals live across the
   * passes: the mpi multiply loop (4.5 G snapshot, phase pairs, main thread)
   * 0.83-0.87, the decompressor level, bench=1 snapshots level, boots level
   * (noisy host), module bytes +0.8 % (+3.9 % without the minimum)
   * (docs/jit-plan.md "Registers in locals in self-loops, session 20").
   * Default compile.ts REGS ('loops' since session 20: the lead's quiet
   * boots 0.92-1.00 of main's main thread, 4 of 4 rounds lower).
   */
  regs?: boolean | 'loops';
  /** Skip inline limit checks for segments flat when the block is compiled, behind an entry guard (ir.ts); default true. */
  flat?: boolean;
  /**
   * Entry-guard failures after which a compiled block is compiled again
   * without the context facts that failed (guardFailed); 0 = never (its
   * code stays, every failure runs it interpreted). Default GUARD_RECOMPILE.
   */
  guardRecompile?: number;
  /** The common x87 forms inline (codegen/x87.ts); default true. false: every x87 record calls its interpreter handler. */
  x87?: boolean;
  /**
   * The form of inline tests of several conditions (the memory fast path,
   * codegen/mem.ts fastIf; the guards of transfers between blocks, ir.ts
   * Fn.when): a chain of conditional branches. Default true; false = one
   * i32 of and-ed compares, which TurboFan materialises compare by compare
   * (setcc, movzx) before testing it: kept for paired measurements
   * (bench/phase-pair.ts).
   */
  branches?: boolean;
  /**
   * Flag producers whose flags a later record of the same block overwrites
   * before anything can observe them store no flag state
   * (translator/jit/flag-liveness.ts). Default true; false for paired
   * measurements and to rule it out when hunting a divergence; 'drop': only
   * the producers with no possible fault before the overwrite (no stores
   * owed to the cold paths).
   */
  deadFlags?: boolean | 'drop';
  /**
   * With deadFlags true: a SETcc, CMOVcc or mid-block Jcc whose condition
   * the tracked source answers does not count as an observer of the flag
   * stores before it (flag-liveness.ts quietConsumers). true / false
   * for paired measurements; 'all' (TEST-ONLY) treats every such record as
   * quiet, so the payment made when the prediction is wrong runs. Default
   * false: no measurable gain (phase-pair, both orders, geometric means md5
   * 1.03, awk 1.04, sha 1.00, sh 0.95) for 3.9 % more bytes (owed stores
   * replayed on more cold paths; docs/jit-plan.md).
   */
  quietCC?: boolean | 'all';
  /**
   * Registers in the state block are read back from the local their last
   * store in the block set, instead of loaded again (translator/jit/ir.ts
   * Fn.forward: TurboFan does not forward stores to loads of linear memory).
   * Default true: forwarding stops at each memory access's slow-path call
   * (no forwarded value lives across a call); 'far': it does not; 'loads':
   * as true, and register loads set the local too; false for paired
   * measurements.
   */
  forward?: boolean | 'far' | 'loads';
  /**
   * With `forward`: a register store a later record of the block overwrites
   * before anything can observe the state (a fault, an exit, a call-out, a
   * memory access, a read of the word) is left out; its local.set stays
   * (translator/jit/reg-liveness.ts). Default true; false for paired measurements.
   */
  deadRegs?: boolean;
  /**
   * Page groups (codegen/mem.ts): memory accesses through the same base and
   * index registers (unchanged since the group's first access, or moved by
   * constants: PUSH, POP, ADD/SUB r32, imm), within 16 bytes of each other,
   * reuse the first access's TLB check. true: reads and writes in separate
   * groups; 'merge': one group, its leader testing WRITE_MASK once a write
   * joins.
   */
  pageGroups?: boolean | 'merge';
  /**
   * Nothing live across a memory access's slow-path call (translator/jit/ir.ts
   * Fn.slowAccess): after the call, its slow arm reloads the locals of the
   * owed flag stores it paid from the state words it stored them to, and
   * sets the host base of the page groups still to be used to 1 (their
   * members then take the checked helper), so TurboFan does not spill those
   * values on the hot path. 'near' (default): both, forwarding stops at the
   * call as before; true: also forwarded registers kept across the call
   * (reloaded in the arms they lived across: +3.4 % bytes, no gain measured
   * over 'near'); 'flags' / 'groups': one of the two (measurements); false:
   * none (docs/jit-plan.md "Slow arms, session 12").
   */
  slowReload?: boolean | 'near' | 'flags' | 'groups';
  /**
   * The blocks' functions compiled by Liftoff in the compile worker, inside
   * `new WebAssembly.Module`, instead of lazily on the main thread at their
   * first call (eager-hints.ts: a compilationHints section).
   */
  eager?: boolean;
  /**
   * The compile worker's periodic collection (every 16 modules it sends) followed by a compacting
   * one (translator/frontend/gc.ts `compact`: sparse old-space pages emptied and freed), so its
   * heap's committed pages follow what is live. The worker's own thread pays; the main thread
   * does not wait for it. Measured in docs/jit-plan.md "Memory", eleventh pass (rssnative19).
   * On by default (session 19 lead, quiet host, deterministic boots interleaved with off, same
   * build): VmHWM lower in 7 of 7 pairs (median 247.8 against 251.3 MiB), main thread per pair
   * 1.04, 0.99, 0.89, 0.83 (level within the host's drift); `bench=1`'s peak is not the worker's.
   */
  workerCompact?: boolean;
  /**
   * Modules the compile worker sends between its collections (worker.ts GC_EVERY, 16 when absent):
   * with `workerCompact`, how much garbage its old space gathers before it is compacted away.
   */
  workerGcEvery?: number;
  /**
   * Fewer wasm bytes for the same work (translator/jit/ir.ts Fn.compact):
   * two adjacent 8-byte-aligned state words that are both constants at a
   * store site (LAZY_MASK and LAZY_OP: every inline flag producer's;
   * RETIRED and BLOCK_DEAD at a block's entry) stored with one i64.store
   * (Fn.st2); a slow arm's page-group resets before its call (no local
   * around a read's call); CS base + EIP at transfer sites as EIP when CS's
   * base is 0. Default true; false: the code before (A/B measurements).
   */
  compact?: boolean;
  /**
   * Exits that know what they wrote to EIP do not load it back
   * (translator/jit/ir.ts Fn.knownEip): a direct transfer's EIP compare
   * (a load, a compare, a branch a transfer) and the dispatcher's reload of
   * EIP go. Default true; false: the code before (A/B measurements).
   */
  knownEip?: boolean;
  /**
   * Count the transfers that stay in wasm (counters.direct, the xfers
   * far/hint/global/indirect/page/module) at each one (ir.ts
   * Fn.xferCounts): a load, an add and a store a transfer. Default true;
   * false: those counters stay 0 (JitOptions.regroup needs the global
   * count and keeps it).
   */
  xferCounts?: boolean;
  /**
   * Page groups' widest span in bytes (ir.ts Fn.groupSpan): 0, session 11's
   * 16-byte groups whose members all take the checked helper when the span
   * leaves the leader's page; N > 0, up to N bytes, each member testing its
   * own offset against the leader's page.
   */
  groupSpan?: number;
  /**
   * Taken Jccs to a later record of their own block stay inside it (ir.ts
   * Fn.innerBranch: a wasm `br` forward over the skipped records, which sit
   * in a `block` ending at the target; compile.ts innerSkips). Default true
   * (session 16: deterministic boots' transfers 209 M -> 87 M, main thread
   * 0.76-0.90 in two interleaved pairs); false: the taken side leaves.
   */
  innerJcc?: boolean;
  /**
   * Unrepeated SCAS with 32-bit addressing inline (codegen/string.ts): the
   * element read through the inline TLB path, eDI stepped, the lazy flags
   * as CMP. Default true (session 18: the boot's start to its console line
   * ran ~1.5 M SCASB as call-outs, the kernel's strcmp/strncmp loops;
   * phase-pair from a 2.3 G snapshot, the 80 M instructions past the console
   * line cold, main thread 0.936 (median of 6, both orders, load 10-14);
   * docs/jit-plan.md "Start-up, session 18"); false: the call-out.
   */
  inlineScas?: boolean;
  /**
   * REPE / REPNE CMPS and SCAS (a call-out in both engines: the handler in
   * runtime/interp/families/string.ts) compare a run of elements inside one
   * page per step (fastCmp) instead of one iteration each. Given, it sets
   * the process-wide `stringTuning.repCmpFast` (the interpreter's handler is
   * shared); absent: left as is (default false). See docs/jit-plan.md
   * "Measured (session 19, fresh19)" for the measurement.
   */
  repCmpFast?: boolean;
  /**
   * REPE / REPNE CMPS and SCAS with 32-bit addressing inline
   * (codegen/string.ts repeatedCmp): a compare loop over the elements left
   * in the operands' pages when DF = 0 and the TLB allows, else the handler
   * and a return to the loop. Before, every execution called out and left
   * the block (a REP call-out is impure). Default false: a micro-bench pass
   * 446 -> 154 ns (REPE CMPSB stopping at the first byte), the boot's ~100 K
   * executions not resolved in loaded pairs (docs/jit-plan.md "Measured
   * (session 19, fresh19)"); lockstep-clean when on.
   */
  inlineRepCmp?: boolean;
  /**
   * MEASUREMENT: count (counters.xfers `inner`) every taken inline Jcc whose
   * target is a later ('later') or an earlier, not the first ('earlier'),
   * record of its own block, whether it leaves or branches inside. Default
   * off (a load, an add and a store on each such taken path).
   */
  innerCount?: 'later' | 'earlier' | false;
  /**
   * Taken Jccs to an earlier record of their own block, not the first, loop
   * there inside it (compile.ts innerLoops, ir.ts Fn.loopBack / Fn.loopTop:
   * a wasm `loop` around the records from the target to the Jcc, the self-
   * loop's budget check at the back edge). Default: compile.ts INNER_LOOP,
   * false (undefined here: the compile worker's default applies). Session
   * 17: md5 main thread 0.90, sh / decompressor level, boots level (five
   * pairs, geomean 0.99; transfers -20 %).
   */
  innerLoop?: boolean;
  /**
   * A record whose code ends with its one memory write (codegen/mem.ts
   * `write`) checks BLOCK_DEAD (a slow write hit this block's code) in that
   * write's slow arm, not after the record on every run: a fast store passed
   * WRITE_MASK, which no page of decoded code passes (compile.ts). Default
   * true; false: the check after every writing record, as before.
   */
  deadArm?: boolean;
  /**
   * Page groups (groupSpan 0): a leader of 2 or more bytes tests its whole
   * group's span in its page test and sets hb to the entry's host bits, no
   * `leaves` bit (4-6 x86 instructions a leader); a span leaving the page
   * sends the leader to the checked helper (codegen/mem.ts finishGroup).
   * Default true (session 17: decompressor phase pairs 0.964 / 0.986).
   */
  spanLead?: boolean;
  /**
   * Page groups kept across a self-loop's back edge (session 18, decomp18):
   * a group whose leader sits in the loop's body (its records up to the last
   * branch back to the block's start) keeps its host base `hb` from pass to
   * pass when no record of that body writes the group's base or index
   * register and none calls out; the leader then tests hb's bit 0 and
   * accesses through hb as a member does, testing the TLB only when hb is
   * invalid: once per entry into the block (hb made invalid before the
   * wasm loop, not at its top), and after the slow arms that reset it
   * already ('near': those from the leader's to its last member's, as
   * Fn.slowReload; true: every slow arm of the body, which multiplied a
   * big block's bytes by groups x arms, 25 -> 78 KB, for nothing the
   * pairs could see). The mpi loop's [ebp-x] group (33.7 % of the boot's
   * instructions), the decompressor's [edi+x] / [esp+x].
   * Default: compile.ts LOOP_GROUPS ('near'; session 18, phase-pair main
   * thread on/off: mpi 4.5 G 0.891 and 0.899 swapped, decompressor 0.6 G
   * 0.978 and 1.030: level).
   */
  loopGroups?: boolean | 'near';
  /**
   * In a block that loops to its own start, the guest registers its body
   * reads and (by its records) never writes, such as EBP in the mpi multiply
   * loop (c54a42f0, 33.7 % of the boot's instructions), are loaded into
   * their forward locals once before the wasm loop and read from them in
   * every pass, across slow arms too (Fn.loopRegs, loop-regs.ts); a back
   * edge reloads any whose local is not valid there. Default LOOP_REGS
   * (compile.ts): see docs/jit-plan.md "Loop registers across the back
   * edge, session 19". A number (tests only): that register mask (bit i:
   * register i) for every self-loop, registers its body writes included (the
   * back edge's reloads then carry the state).
   */
  loopRegs?: boolean | number;
  /**
   * The branches to memory accesses' slow arms (and to the dead-code exit)
   * marked unlikely in each module's branch-hint section (branch-hints.ts),
   * and V8's --experimental-wasm-branch-hinting set (process-wide, at the
   * first engine that asks): TurboFan lays the slow arms out of line and
   * spills values live across their calls there, not on the hot path.
   * With it, slowReload defaults to false (its resets and reloads kept
   * values from living across the slow calls; deferred, they may: level in
   * phase pairs, 2298 -> 2237 bytes/block). Default BRANCH_HINTS
   * (branch-hints.ts): see docs/jit-plan.md "Loop registers across the back
   * edge, and branch hints, session 19".
   */
  branchHints?: boolean;
  /**
   * With branchHints: the self-loop's budget test at each back edge (Fn.loopBack's br_if to the loop) marked
   * likely in the branch-hint section (branch-hints.ts `likely`), so TurboFan lays the budget exit (EIP, the
   * write-backs, the return) out of line. Default false (session 20: see docs/jit-plan.md "Registers in locals in
   * self-loops, session 20").
   */
  loopHint?: boolean;
  /**
   * Repacking of sparse modules (repackSparse): after compiled blocks were
   * killed, a module that holds under this share of the blocks it was
   * compiled with (and at least `repackMinDead` fewer) has its attached
   * blocks compiled again, together with those of the other such modules, in
   * one new module whose code replaces theirs (the old copies unlinked:
   * moveCode), so V8 can free the old module's code, wire bytes and metadata.
   * 0 (default): off: at threshold 200 the boot's modules are dense and it
   * freed nothing measurable (docs/jit-plan.md "Issue 8, tenth pass").
   */
  repack?: number;
  /** With `repack`: fewest dead blocks a module must have to be repacked (default REPACK_MIN_DEAD). */
  repackMinDead?: number;
  /**
   * Merging of small modules: modules of fewer than this many blocks, added
   * REPACK_SMALL_AGE_MS ago or more, have their attached blocks compiled again
   * together (as `repack` does) once there are REPACK_SMALL_LEAST of them. 0 (default): off.
   * 16, pairs: realtime boot peak RSS 323 -> 293-298 MiB at host load 14-15, level at 5-7
   * (+3-8 % process CPU); `bench=1` mixed (-8.5, +2.3), deterministic boot level to -4 MiB for
   * +2-5 % process CPU (docs/jit-plan.md "Issue 8, tenth pass").
   */
  repackSmall?: number;
  /** With `repackSmall`: least age of a module merged, ms (default REPACK_SMALL_AGE_MS; tests: 0). */
  repackSmallAgeMs?: number;
  /**
   * The first merge (session 19, start19): the first slice whose global-cache transfers reach this many
   * (with 2 or more modules attached, at most MAX_BATCH blocks in them) sends every attached block to the
   * worker in one request whose module replaces theirs (as a repack: moveCode), once a run. With the
   * worker ready early (JITVISOR_BINARYEN_SYNC=1) the decompressor's hot blocks go as they get hot, in
   * 8-13 small modules, and its loop crosses them (9.0 M global transfers in the first 0.6 G against
   * 1.3-1.9 M when they wait for one 47-block module; to 2.3 G 31.3 M, merged at 20,000: 4.3 M, main 8.0 M).
   * 0 (default): off. Sync + 20,000 against main (docs/jit-plan.md session 19): main CPU to +0.25 G 0.91-0.92,
   * the decompressor's steady stretch level (sync alone 1.07-1.18), the console 0.962 / 1.030 (two batches),
   * whole boots level, peak RSS +3.6 / +4.3 MiB: not default.
   */
  mergeFirst?: number;
  /** With `mergeFirst`: guest instructions retired before the merge may go (default 0). */
  mergeAfter?: number;
}

/** What onCompiled is told of a compiled batch (from the worker's answer, worker.ts CompileReply). */
export interface CompiledBatch {
  /** Module bytes. */
  bytes: number;
  /** Records emitted inline / through call-outs. */
  inline: number;
  callouts: number;
  /** Per block of the batch, in order: wasm body bytes, impure call-outs, call-out record indices. */
  blocks: EmittedModule['blocks'];
}

/**
 * Runs of a block (loop entries) before it is queued for compilation. Was 50 (the first JIT's, never
 * re-tuned). Of the 4,959 blocks the kernel-init burst (2.32-2.70 G) compiled at 50, 2,143 (43 %)
 * retired fewer than 1,000 instructions once their code arrived, 611 none (init code that finished
 * while its batch was in flight): each cost the worker its emit and V8 compile, the main thread its
 * attach share and Liftoff's lazy compile, and their batches delayed the loops queued behind them
 * (bench/hot-life.ts, docs/jit-plan.md "Measured (session 15, burst15)"). 200, measured on a quiet
 * host (lead, session 15, three interleaved pairs per clock): deterministic boot main thread
 * 0.90-0.94, wall 0.86-0.91, peak RSS -16 to -23 MiB; realtime boot main thread 0.88-0.99, wall
 * 0.82-0.97, peak RSS -17 to -19 MiB. Under heavy host load (8-25 on 2 cores) the realtime boot's
 * slice ends sent about twice the partial batches and it ran 4-8 % slower (burst15's pairs): the
 * realtime batching was the open item (rt16: JitOptions.partial 'work'). 400 with 'work' (lead, session
 * 16, quiet host, interleaved boots against 200 'busy'): realtime peak RSS 251-252 -> 245-248 MiB,
 * main thread level (11.9-16.2 s either way: the host's speed drifted more than the pairs differ);
 * deterministic 255-258 -> 246-251 MiB, process CPU 22.3 -> 21.3-21.6 s in the back-to-back pairs,
 * ~2,820 blocks compiled instead of ~3,900. `--jit-threshold N` / JitOptions.threshold set it.
 */
export const DEFAULT_THRESHOLD = 400;
export const DEFAULT_BATCH = 64;
/** Most blocks in one request: what queued while the worker was busy goes in one module, up to this. */
export const MAX_BATCH = 256;
/** Longest a hot block waits for its batch to fill. */
export const MAX_WAIT_MS = 20;
/** JitOptions.partial 'work': instructions run interpreted by the queued blocks since hot that send a partial batch. */
export const PARTIAL_WORK = 65_536;
/** JitOptions.partial 'work': a partial batch goes at this age whatever its work, ms. */
export const PARTIAL_CAP_MS = 200;
/** Shortest interval between the loop's polls of the compile worker (waiting()). */
const POLL_MS = 1;
/** Runs of a queued block past hotAt after which the loop's poll sends its partial batch (waiting()). */
const WAIT_SEND = 1024;
/** Requests the worker may have: one compiling, one waiting, so it never idles while blocks queue. */
const MAX_IN_FLIGHT = 2;
/** JitOptions.warmCold: blocks per warm-up request (the worker takes a real request after at most one of them). */
export const WARM_CHUNK = 8;
/** JitOptions.warmQuiet's default: ~0.2-0.4 s of the decompressor's steady stretch. */
export const WARM_QUIET = 100_000_000;
/** Most blocks in a priority batch (waiting()): the loops only, so it compiles in a few ms. */
const PRIORITY_MAX = 16;
/** Global-cache transfers in one slice that start a regroup (JitOptions.regroup true): ~1 per 100 instructions of a 2 M slice. */
const REGROUP_MIN = 20_000;
/** A target is hot when it took at least this share of the counted transfers (xcache.ts takeHot). */
const REGROUP_SHARE = 1 / 32;
/** Most hot targets, and most blocks, in one regroup batch. */
const REGROUP_TARGETS = 16;
const REGROUP_MAX = 64;
/**
 * Entry-guard failures of one compiled block (in a window where they ran at
 * least half of its instructions) before it is compiled again (guardFailed).
 * bench=1 on the 196,608-record bound: 190 k failures of 49 blocks (2.5-45 k
 * each), 10.7 M instructions interpreted, all user code that went hot with FS
 * base 0 and then ran with FS base != 0. The boot meets the same blocks in
 * its last moments (43 of them, 1.63 M instructions): at 16 failures they
 * were all compiled again there, and eight boot pairs read main thread +2 %
 * on average (0.999-1.043, `waiting` up as their batch joined user space's
 * compile burst). At 256 the boot's few failures stay interpreted and a
 * workload's lasting ones cost ~256 runs a block once.
 */
export const GUARD_RECOMPILE = 256;
/** JitOptions.repackMinDead's default: a module with fewer dead blocks costs too little to compile again. */
export const REPACK_MIN_DEAD = 16;
/** JitOptions.repackSmall: fewest small modules merged at once, and their least age (ms). */
const REPACK_SMALL_LEAST = 16;
export const REPACK_SMALL_AGE_MS = 1000;

export class Jit implements BlockSource {
  readonly hotAt: number;
  readonly counters = new JitCounters();
  /** The loop's count of instructions run interpreted, by reason (BlockSource.interpreted). */
  readonly interpreted = this.counters.interpreted;
  readonly cache: CodeCache;
  private readonly batch: number;
  private readonly maxWaitMs: number;
  /** When partial batches go (batching.ts partialDue). */
  private readonly rule: PartialRule;
  private queue: Block[] = [];
  /** The blocks in `queue` (a block queued as a neighbour may go hot before it is sent). */
  private readonly queued = new Set<Block>();
  /**
   * Told of every compiled batch, after its live blocks got their code (the
   * profiler and the lockstep checker, translator/jit/profile.ts and
   * lockstep.ts, hook in here); null normally.
   */
  onCompiled: ((blocks: readonly Block[], batch: CompiledBatch, ms: number) => void) | null = null;
  /**
   * Told when the compile worker died (its reason): `restart` n (1..MAX_RESTARTS, worker-client.ts) when
   * a new worker took its place (this JIT's requests in flight were dropped and their blocks queued
   * again), null once when that was the last death allowed: compiling has stopped and the guest goes on
   * interpreted. The VM (src/vm.ts) turns it into a 'warning' that `jitvisor run` prints (and a fleet
   * forwards): a JIT that silently stopped compiling would only show as a slow guest.
   */
  onWorkerFailure: ((why: string, restart: number | null) => void) | null = null;
  /** The global dispatch cache (xcache.ts), when on: tests and the profiler read it. */
  get globalCache(): GlobalDispatch | null { return this.chain?.global ?? null; }
  /** Compiled code may run several blocks per entry: table chaining or direct transfers (JitOptions.chain, direct). */
  get chaining(): boolean { return this.chain !== null; }
  /** The loop's per-block-run hook (BlockSource.ran), set by the profiler / lockstep only. */
  ran?: (b: Block, retired: number, compiled: boolean) => void;
  private queuedAt = -0; // (-0: a double field from the start, as performance.now() values are)
  /** Last waiting() poll (performance.now()). */
  private lastPoll = -0; // (as queuedAt)
  private readonly client = new CompileClient();
  private readonly sync: boolean;
  private readonly inFlight = new Map<number, { blocks: Block[]; sent: number; firstId: number; externals: Block[] }>();
  /** The priority request in flight (waiting()), 0 if none. */
  private priorityId = 0;
  private readonly priority: boolean;
  /** JitOptions.warmCold / warmQuiet (0: off, or done); ICOUNT when a block last went hot. */
  private warmCold: number;
  private readonly warmQuiet: number;
  private lastHotAt = 0;
  private readonly chain: ChainTable | null;
  private modulesSinceGc = 0;
  /** The chain table each batch in flight was given ids in (by its first id). */
  private readonly tables = new Map<number, WebAssembly.Table | null>();
  private readonly direct: boolean;
  private readonly indirect: boolean;
  private readonly pages: boolean;
  private readonly modules: boolean;
  private readonly global: boolean;
  private readonly globalFirst: boolean;
  private readonly farDirect: boolean;
  private readonly hints: boolean;
  private readonly imports: boolean | 'all';
  /** Blocks in requests in flight (JitOptions.imports: a later batch may import them). */
  private readonly sentBlocks = new Set<Block>();
  /** Global-cache transfers in a slice past which hot targets are regrouped (0: off). */
  private readonly regroupMin: number;
  private lastGlobal = 0;
  /** The regroup request in flight (its attach replaces the blocks' code), 0 if none. */
  private regroupId = 0;
  /** Blocks regrouped once (or considered): never again. */
  private readonly regrouped = new WeakSet<Block>();
  /** JitOptions.repack (0: off) and repackMinDead. */
  private readonly repackShare: number;
  private readonly repackMinDead: number;
  private readonly repackSmall: number;
  private readonly repackSmallAgeMs: number;
  /** counters.modulesCompiled at the last look for small modules. */
  private smallSeen = 0;
  /** JitOptions.mergeFirst: global transfers in a slice that merge the modules (0: off or done), and the count at the last slice end. */
  private mergeFirst: number;
  private mergeGlobal = 0;
  private readonly mergeAfter: number;
  /** Compiled blocks were killed since the last look for sparse modules (repackSparse). */
  private repackDue = false;
  /** Repack requests in flight (their attach replaces the blocks' code), and their blocks (not repacked twice at once). */
  private readonly repackIds = new Set<number>();
  private readonly repacking = new Set<Block>();
  private readonly neighbours: boolean;
  private readonly regs: boolean | 'loops' | undefined;
  private readonly x87: boolean;
  private readonly branches: boolean;
  private readonly deadFlags: boolean | 'drop';
  private readonly quietCC: boolean | 'all';
  private readonly forward: boolean | 'far' | 'loads';
  private readonly deadRegs: boolean;
  private readonly pageGroups: boolean | 'merge';
  private readonly slowReload: boolean | 'near' | 'flags' | 'groups';
  private readonly eager: boolean;
  private readonly workerCompact: boolean;
  private readonly workerGcEvery: number | undefined;
  private readonly compact: boolean;
  private readonly knownEip: boolean;
  private readonly xferCounts: boolean;
  private readonly groupSpan: number;
  private readonly deadArm: boolean;
  private readonly spanLead: boolean;
  private readonly loopGroups: boolean | 'near' | undefined;
  private readonly loopRegs: boolean | number | undefined;
  private readonly branchHints: boolean;
  private readonly loopHint: boolean;
  private readonly innerJcc: boolean;
  private readonly inlineScas: boolean;
  private readonly inlineRepCmp: boolean;
  private readonly innerCount: 'later' | 'earlier' | false;
  private readonly innerLoop: boolean | undefined;
  private readonly flat: boolean;
  private readonly guardRecompile: number;
  /**
   * Per compiled block whose entry guard failed: failures in the current
   * window, the instructions they ran interpreted (`lost`) and the block's
   * retired count when the window began (`from`), and the CODE_CTX facts
   * that failed when it was compiled again (never assumed again for it:
   * enqueue). Weak: only blocks that failed, dropped with them.
   */
  private readonly guards = new WeakMap<Block, { fails: number; varies: number; from: number; lost: number }>();

  constructor(private readonly cpu: Cpu, private readonly frontEnd: FrontEnd, opts: JitOptions = {}) {
    const t = opts.threshold ?? DEFAULT_THRESHOLD;
    this.hotAt = Math.max(1, t);
    this.batch = t === 0 ? 1 : opts.batch ?? DEFAULT_BATCH;
    this.maxWaitMs = opts.maxWaitMs ?? MAX_WAIT_MS;
    this.rule = { policy: opts.partial ?? 'work', maxWaitMs: this.maxWaitMs, room: MAX_IN_FLIGHT, workMin: opts.partialWork ?? PARTIAL_WORK, capMs: opts.partialCapMs ?? PARTIAL_CAP_MS };
    this.sync = opts.sync ?? t === 0;
    // Loading binaryen takes the worker 1-3 s of CPU: start it with the machine, not at the first hot block.
    if (!this.sync) this.client.warm();
    this.cache = new CodeCache({ ...DEFAULT_LIMITS, ...opts.limits });
    this.counters.frontEnd = frontEnd.stats;
    this.direct = opts.direct !== false;
    this.indirect = this.direct && opts.indirect === true;
    this.pages = this.direct && opts.pages === true;
    this.modules = this.direct && opts.chain !== true && opts.modules === true;
    this.global = this.direct && opts.chain !== true && opts.global !== false;
    this.globalFirst = this.global && opts.globalFirst !== false;
    this.farDirect = this.direct && opts.farDirect !== false;
    this.hints = this.direct && opts.hints !== false;
    this.imports = this.global && opts.imports !== undefined && opts.imports !== false ? opts.imports : false;
    this.regroupMin = !this.global || opts.regroup === undefined || opts.regroup === false ? 0 : opts.regroup === true ? REGROUP_MIN : Math.max(1, opts.regroup);
    this.neighbours = this.direct && opts.neighbours === true;
    this.priority = opts.priority === true;
    this.warmCold = this.sync ? 0 : Math.max(0, opts.warmCold ?? 0);
    this.warmQuiet = opts.warmQuiet ?? WARM_QUIET;
    // Ids (and, with table chaining, the tables) for either kind of chaining.
    this.chain = opts.chain === true || this.direct ? new ChainTable(cpu, opts.chain === true, this.global ? opts.globalFill ?? 'both' : null) : null;
    this.regs = opts.regs;
    this.x87 = opts.x87 !== false;
    this.branches = opts.branches !== false;
    this.deadFlags = opts.deadFlags ?? true;
    this.quietCC = opts.quietCC ?? false;
    this.forward = opts.forward ?? true;
    this.deadRegs = opts.deadRegs !== false;
    this.pageGroups = opts.pageGroups ?? 'merge';
    // With branch hints the slow arms are deferred and TurboFan spills there: slowReload's resets and reloads (which kept
    // values from living across the calls) buy nothing and cost bytes (docs/jit-plan.md, session 19): off unless asked.
    this.slowReload = opts.slowReload ?? (opts.branchHints ?? BRANCH_HINTS ? false : 'near');
    this.eager = opts.eager === true;
    this.workerCompact = opts.workerCompact ?? true;
    this.workerGcEvery = opts.workerGcEvery !== undefined && opts.workerGcEvery >= 1 ? Math.floor(opts.workerGcEvery) : undefined;
    this.compact = opts.compact !== false;
    this.knownEip = opts.knownEip !== false;
    this.xferCounts = opts.xferCounts !== false;
    this.groupSpan = opts.groupSpan ?? 0;
    this.deadArm = opts.deadArm !== false;
    this.spanLead = opts.spanLead !== false;
    this.loopGroups = opts.loopGroups;
    this.loopRegs = opts.loopRegs;
    this.branchHints = opts.branchHints ?? BRANCH_HINTS;
    this.loopHint = opts.loopHint === true;
    // V8 reads the branch-hint section only with this flag (a wasm feature flag: read when a module is compiled).
    if (this.branchHints) v8.setFlagsFromString('--experimental-wasm-branch-hinting');
    this.innerJcc = opts.innerJcc !== false;
    this.inlineScas = opts.inlineScas !== false;
    this.inlineRepCmp = opts.inlineRepCmp === true;
    if (opts.repCmpFast !== undefined) stringTuning.repCmpFast = opts.repCmpFast;
    this.innerCount = opts.innerCount ?? false;
    this.innerLoop = opts.innerLoop;
    this.flat = opts.flat !== false;
    this.guardRecompile = opts.guardRecompile ?? GUARD_RECOMPILE;
    this.repackShare = Math.max(0, opts.repack ?? 0);
    this.repackMinDead = Math.max(1, opts.repackMinDead ?? REPACK_MIN_DEAD);
    this.repackSmall = Math.max(0, opts.repackSmall ?? 0);
    this.repackSmallAgeMs = Math.max(0, opts.repackSmallAgeMs ?? REPACK_SMALL_AGE_MS);
    this.mergeFirst = this.global ? Math.max(0, opts.mergeFirst ?? 0) : 0;
    this.mergeAfter = opts.mergeAfter ?? 0;
    frontEnd.onBlocksKilled((blocks, reason) => this.killed(blocks, reason));
    // Counters and state first written later in the boot: mutable for V8 now (runtime/settle-fields.ts).
    settleFields(this);
    settleFields(this.counters);
  }

  get(phys: number, lin: number, code32: boolean): Block {
    return this.frontEnd.get(phys, lin, code32);
  }

  hot(b: Block): void {
    if (this.warmCold > 0) this.lastHotAt = this.cpu.icountNumber();
    if (this.queued.has(b)) return;
    if (this.queue.length === 0) this.queuedAt = performance.now();
    this.enqueue(b);
    // Direct transfers join blocks of one module only: its warm successors in the same page
    // (the loop's successor cache) go in the same batch, rather than later in another module.
    if (this.neighbours) {
      for (const n of [b.chainBlock0, b.chainBlock1]) {
        if (n !== null && n.valid && n.jit === null && !this.queued.has(n) && n.code32 === b.code32 &&
          n.phys >>> 12 === b.phys >>> 12 && n.hits * 2 >= this.hotAt) { this.enqueue(n); this.counters.neighbours++; }
      }
    }
    if (this.queue.length < this.batch) return;
    if (this.sync) this.flush();
    else this.dispatch();
  }

  /**
   * Between run slices: attach what the worker finished, send what waited
   * MAX_WAIT_MS (a small hot set does not wait for a full batch), and keep
   * the compiled code under its bound.
   */
  sliceEnd(): void {
    this.chain?.sliceEnd(this.counters.exits, this.counters.chained, this.counters.direct, this.counters.xfers);
    if (this.regroupMin > 0) {
      const g = this.counters.xfers[XFER_GLOBAL]!, d = g - this.lastGlobal;
      this.lastGlobal = g;
      if (d >= this.regroupMin && this.regroupId === 0 && this.client.failed === null) this.regroupHot();
    }
    if (this.mergeFirst > 0) {
      const g = this.counters.xfers[XFER_GLOBAL]!, d = g - this.mergeGlobal;
      this.mergeGlobal = g;
      if (d >= this.mergeFirst && this.client.failed === null && this.cpu.icountNumber() >= this.mergeAfter && this.mergeAll()) this.mergeFirst = 0;
    }
    this.receive();
    if (this.warmCold > 0) this.warmIdle();
    if (this.queue.length > 0 && performance.now() - this.queuedAt >= this.maxWaitMs) {
      if (this.sync) this.flush();
      else {
        const q = this.partialQueue();
        if (partialDue(q, this.rule)) { this.workSent(q.work); this.dispatch(true, MAX_IN_FLIGHT, S_SLICE); }
        // Held (JitOptions.partial 'work': until its blocks ran enough, or it waited partialCapMs).
        else if (q.inFlight < MAX_IN_FLIGHT) this.counters.partialHeld++;
      }
    }
    this.bound();
    if (this.repackDue || (this.repackSmall > 0 && this.counters.modulesCompiled - this.smallSeen >= REPACK_SMALL_LEAST)) this.repackSparse();
    this.idleWorker();
  }

  /**
   * JitOptions.repack / repackSmall: the attached blocks of sparse modules
   * (cache.ts sparse) and of old small ones (cache.ts small) go to the worker,
   * in as few requests as MAX_BATCH allows (not counted against MAX_IN_FLIGHT,
   * as a regroup's); when a request comes back its code replaces theirs
   * (attach, moveCode) and each old module
   * leaves the cache with its last block, so nothing of ours references its
   * instance any more. Between slices only (no compiled code on the stack:
   * the old copies are entered again only by direct transfers from their old
   * module's blocks, all of which moved too).
   */
  private repackSparse(): void {
    this.repackDue = false;
    if (this.client.failed !== null) return;
    const busy = (b: Block): boolean => this.repacking.has(b);
    const groups = this.repackShare === 0 ? [] : this.cache.sparse(this.repackShare, this.repackMinDead, busy);
    if (this.repackSmall > 0 && this.counters.modulesCompiled - this.smallSeen >= REPACK_SMALL_LEAST) {
      const small = this.cache.small(this.repackSmall, REPACK_SMALL_LEAST, this.repackSmallAgeMs, busy);
      // Looked again only after as many new modules (the ones too young now are then old enough).
      this.smallSeen = this.counters.modulesCompiled;
      const seen = new Set(groups.map((g) => g[0]));
      for (const g of small) if (!seen.has(g[0])) groups.push(g);
    }
    if (groups.length === 0) return;
    const blocks = groups.flat().filter((b) => b.valid);
    for (let i = 0; i < blocks.length; i += MAX_BATCH) {
      const part = blocks.slice(i, i + MAX_BATCH);
      for (const b of part) this.repacking.add(b);
      this.repackIds.add(this.send(part, false, S_REPACK));
      this.counters.repacks++;
    }
    this.counters.repackedModules += groups.length;
    this.counters.repackedBlocks += blocks.length;
  }

  /**
   * JitOptions.mergeFirst: every attached block (2 or more modules, none being repacked) to the worker
   * in one repack request; its module replaces theirs (attach, moveCode). Returns whether it went; with
   * more than MAX_BATCH blocks attached it never goes (mergeFirst 0).
   */
  private mergeAll(): boolean {
    const groups = this.cache.small(Infinity, 2, 0, (b) => this.repacking.has(b));
    const blocks = groups.flat().filter((b) => b.valid);
    // Past the first working set (a snapshot restored mid-boot, a guest whose first loops are big): never.
    if (blocks.length > MAX_BATCH) { this.mergeFirst = 0; return false; }
    if (groups.length < 2) return false;
    for (const b of blocks) this.repacking.add(b);
    this.repackIds.add(this.send(blocks, false, S_REPACK));
    this.counters.repacks++;
    this.counters.repackedModules += groups.length;
    this.counters.repackedBlocks += blocks.length;
    return true;
  }

  /**
   * The loop, while a hot block runs without code (BlockSource.waiting): what
   * sliceEnd does for the compile worker (attach its answers; send a batch
   * that waited MAX_WAIT_MS, here only for a loop), at most every POLL_MS. A slice (2 M
   * instructions in deterministic mode) takes ~50-100 ms interpreted: the
   * answer for a hot loop otherwise waits for its end.
   */
  waiting(b: Block): void {
    if (this.sync) return;
    const now = performance.now();
    if (now - this.lastPoll < POLL_MS) return;
    this.lastPoll = now;
    this.counters.polls++;
    this.receive();
    // A partial batch goes from here only when a block of it runs hot while it waits (a loop: WAIT_SEND
    // runs since it went hot), else at the slice's end as before. Sent whenever the worker had room (or
    // only when it was idle) partial batches made the boot's modules 182 -> 447 (366): each module costs
    // this thread ~1 ms of CPU to attach (perf) and the worker and V8 their per-module work; not measured
    // to pay off on a loaded machine (docs/jit-plan.md, session 9).
    if (this.queue.length > 0 && b.hits - this.hotAt >= WAIT_SEND && this.queued.has(b) && now - this.queuedAt >= this.maxWaitMs) this.dispatch(true, MAX_IN_FLIGHT, S_LOOP);
    // Priority lane: a loop that went hot while both requests were in flight would wait for both
    // (hottest-first orders only what is still queued; docs/jit-plan.md session 11, mid11: the mpi loops
    // at 2.98 G ran ~1.3 M instructions interpreted so). Its loops go now, in a small request the
    // worker takes before the one waiting there, one such request at a time.
    if (this.priority && this.priorityId === 0 && this.queued.has(b) && b.hits - this.hotAt >= WAIT_SEND &&
      this.client.inFlight >= MAX_IN_FLIGHT && this.client.failed === null) this.sendPriority();
  }

  /**
   * JitOptions.warmCold: when the worker idles (nothing queued or in flight, modules attached, no block
   * hot for warmQuiet instructions), the front end's cold blocks (valid, no code, not queued: hottest
   * first, up to warmCold) go to it as warm-up requests, once per worker (worker-client.ts claimWarmUp).
   * A block compiled later is packed again then (the warm-up's output is dropped): the warm-up only
   * runs the code generator's paths and binaryen's on real code before the next burst of new code.
   */
  private warmIdle(): void {
    if (this.queue.length !== 0 || this.client.inFlight !== 0 || this.counters.modulesCompiled === 0 ||
      this.cpu.icountNumber() - this.lastHotAt < this.warmQuiet || this.client.failed !== null) return;
    const most = this.warmCold;
    this.warmCold = 0;
    if (!claimWarmUp()) return;
    const cold: Block[] = [];
    for (const b of this.frontEnd.liveBlocks()) if (b.valid && b.jit === null && !this.queued.has(b)) cold.push(b);
    cold.sort((x, y) => y.hits - x.hits);
    if (cold.length > most) cold.length = most;
    for (let i = 0; i < cold.length; i += WARM_CHUNK) {
      const part = cold.slice(i, i + WARM_CHUNK);
      this.client.sendWarmUp(packBlocks(part), this.emitOptions(part.length, false));
      this.counters.warmRequests++;
      this.counters.warmBlocks += part.length;
    }
  }

  /** The queued loops (runs past hotAt >= WAIT_SEND / 4, hottest first, at most PRIORITY_MAX) in a request of their own. */
  private sendPriority(): void {
    const loops = this.queue.filter((q) => q.valid && q.jit === null && q.hits - this.hotAt >= WAIT_SEND / 4);
    loops.sort((x, y) => y.hits - x.hits);
    loops.length = Math.min(loops.length, PRIORITY_MAX);
    if (loops.length === 0) return;
    const sending = new Set(loops);
    this.queue = this.queue.filter((q) => !sending.has(q));
    for (const q of loops) this.queued.delete(q);
    this.priorityId = this.send(loops, true, S_PRIORITY);
    this.counters.priorityBatches++;
  }

  /**
   * Hot global-cache targets (xcache.ts takeHot) and the compiled blocks of
   * other modules the loop saw run right before them (their successor
   * caches: the exits that reach them) go to the worker together, once each;
   * their new module's code is what the loop and the global cache enter
   * from then on (retire: the old copies stay enterable from their old
   * modules), so a hot edge between two modules becomes one inside a module.
   */
  private regroupHot(): void {
    const g = this.chain!.global!;
    const hot = g.takeHot(REGROUP_SHARE, REGROUP_TARGETS).filter((b) => b.valid && b.jit !== null && !this.regrouped.has(b));
    if (hot.length === 0) return;
    const targets = new Set(hot);
    // Only edges between modules: a target whose predecessors share its module gains nothing from moving (its
    // transfers there are RETs the hints missed), and moving part of a module splits it (awk phase: global
    // transfers 10.9 M -> 28.0 M per 1e9, main x1.14, when every hot target was regrouped).
    const set = new Set<Block>();
    const other = (b: Block, t: Block | null): boolean => t !== null && targets.has(t) && this.cache.moduleOf(t) !== this.cache.moduleOf(b);
    for (const b of this.frontEnd.liveBlocks()) {
      if (set.size >= REGROUP_MAX) break;
      if (b.jit === null || this.regrouped.has(b) || targets.has(b)) continue;
      if (other(b, b.chainBlock0)) { set.add(b); set.add(b.chainBlock0!); }
      if (other(b, b.chainBlock1)) { set.add(b); set.add(b.chainBlock1!); }
    }
    // (Hot targets that are each other's predecessors: the middle's delay pass, two blocks in two modules.)
    for (const t of hot) for (const n of [t.chainBlock0, t.chainBlock1]) if (n !== t && other(t, n)) { set.add(t); set.add(n!); }
    for (const t of hot) this.regrouped.add(t);
    const blocks = [...set].slice(0, REGROUP_MAX);
    for (const b of blocks) this.regrouped.add(b);
    if (blocks.length < 2) return;
    this.regroupId = this.send(blocks, false, S_REGROUP);
    this.counters.regroups++;
    this.counters.regrouped += blocks.length;
  }

  /**
   * A regrouped block's new code is about to be attached: its old copy stays
   * enterable by the direct transfers of the blocks of its old module (until
   * the block dies: ChainTable.keepCopy), the loop and the global cache
   * take the new one, its old module no longer counts it.
   */
  private retire(b: Block): void {
    this.chain?.keepCopy(b);
    this.cache.moveOut(b);
    b.jitId = 0;
    b.jitTable = null;
    b.link = null;
    b.jit = null;
  }

  /** A repacked block's new code is about to be attached: its old copy goes (unlink), its old module no longer counts it. */
  private moveCode(b: Block): void {
    this.unlink(b);
    this.cache.moveOut(b);
  }

  /**
   * The loop: `b`'s entry guard failed (BlockSource.guardFailed). A block that
   * went hot in one context (a process with FS base 0) and runs in another
   * fails every time and runs interpreted for good; after guardRecompile
   * failures its code goes and it is queued again (hot already: no warm-up),
   * assuming only what holds both where it went hot and now, and never the
   * facts that failed.
   */
  guardFailed(b: Block): void {
    if (this.guardRecompile === 0 || b.jit === null) return;
    const now = this.cpu.s[CODE_CTX >> 2]!;
    // Instructions the block retired so far, compiled or not (direct transfers' share included).
    const retired = b.insns + (b.jitInsns === null ? 0 : b.jitInsns.value as number);
    let g = this.guards.get(b);
    if (g === undefined) this.guards.set(b, g = { fails: 0, varies: 0, from: retired, lost: 0 });
    g.fails++;
    g.lost += b.recs.length;
    if (g.fails < this.guardRecompile) return;
    // Only a block that runs mostly where its guard fails: one that runs mostly where it holds would lose
    // more in its compiled code without the facts than its failures cost (a boot pair with every such block
    // compiled again: main thread +3 %, 43 blocks). A window of retired instructions at a time.
    if (g.lost * 2 < retired - g.from) { g.fails = 0; g.lost = 0; g.from = retired; return; }
    g.fails = 0;
    g.lost = 0;
    g.from = retired;
    g.varies |= b.jitFlat & ~now;
    this.counters.guardRecompiles++;
    if (this.cache.killed([b]) > 0 && this.repackShare > 0) this.repackDue = true;
    this.unlink(b);
    // As if it had just gone hot: its runs so far would put it first in a batch (hottest first) and let
    // its polls send partial batches at once (waiting(): WAIT_SEND runs past hotAt). New since the last
    // eviction pass for the front end (no evictMark), not a block whose runs went backwards.
    b.hits = this.hotAt;
    b.evictMark = NO_EVICT_MARK;
    if (this.queued.has(b)) return;
    if (this.queue.length === 0) this.queuedAt = performance.now();
    b.jitFlat &= now & ~g.varies;
    this.queue.push(b);
    this.queued.add(b);
    if (this.queue.length < this.batch) return;
    if (this.sync) this.flush();
    else this.dispatch();
  }

  /**
   * Dead blocks keep their records from now on (the front end stops reusing them: FrontEndOptions.recycle):
   * a profiler (profiler.ts) holds the blocks it saw and disassembles them from their records after the run.
   */
  keepDeadRecords(): void {
    this.frontEnd.recycle = false;
  }

  /** End the compile worker if nobody used it for IDLE_MS (worker-client.ts); `now` for tests. */
  idleWorker(now = performance.now()): boolean {
    if (this.queue.length !== 0 || !this.client.idle(now)) return false;
    this.counters.workerStops++;
    return true;
  }

  /** Keep the compiled code under its bound (after anything that attached code; between blocks). */
  private bound(): void {
    if (!this.cache.overBound()) return;
    const repack: Block[] = [];
    const [mods, blocks] = this.cache.evict((b, again) => { this.detach(b); if (again) repack.push(b); });
    this.counters.evictedModules += mods;
    this.counters.evictedBlocks += blocks;
    // Blocks of evicted modules that ran since the previous pass are in use: left alone they come back
    // hot a few at a time, each few in a module of its own (an idle guest's hot blocks trickle in at
    // MAX_WAIT_MS), so the modules stay small and the next pass evicts code in use again: after a
    // realtime boot an idle shell compiled ~200 modules and evicted ~130 every 20 s (bench/idle.ts).
    // Queued now (not sent: bound() runs inside attach paths), they go to the worker together at the
    // next dispatch and come back as a few big modules. They are compiled assuming no context
    // (jitFlat 0, no entry guard): the context they last went hot in may not be the one they run in
    // now, and the eviction that used to make them go hot again was what refreshed it (kept, one
    // idle window after a realtime boot ran 298 k instructions/20 s interpreted on failed guards).
    if (repack.length === 0) return;
    if (this.queue.length === 0) this.queuedAt = performance.now();
    for (const b of repack) {
      if (!b.valid || this.queued.has(b)) continue;
      b.jitFlat = 0;
      this.queue.push(b);
      this.queued.add(b);
      this.counters.evictedRepacked++;
    }
  }

  /** Compile requests sent to the worker and not attached yet. */
  get compilesInFlight(): number { return this.client.inFlight; }

  /** The machine has ended: drop queued blocks and forget compiles in flight (the shared worker may then idle). */
  release(): void {
    this.queue.length = 0;
    this.client.close();
  }

  /** Compile every queued block that is still valid and attach it before returning. */
  flush(): void {
    this.dispatch(true, Infinity, S_FLUSH);
    this.drain();
  }

  /**
   * Compile these blocks now, together (modules of up to MAX_BATCH blocks),
   * and attach their code before returning; blocks dead or compiled already
   * are skipped. The snippet runner's batches (src/snippet.ts runSnippets):
   * with threshold 0 each block otherwise goes alone, one module and one
   * worker round trip (~5 ms) each, before its first run.
   */
  compileNow(blocks: readonly Block[]): void {
    for (const b of blocks) if (b.valid && b.jit === null && !this.queued.has(b)) this.enqueue(b);
    this.flush();
  }

  /** Wait for every request in flight and attach it (sync mode; tests and benchmarks: a known state). */
  drain(): void {
    for (;;) {
      // wait(): undefined once nothing is left in flight (the worker died: the rest was dropped).
      while (this.client.inFlight > 0) { const r = this.client.wait(); if (r !== undefined) this.attach(r); }
      if (this.client.pendingNews) this.workerNews();
      if (this.client.failed !== null) this.workerFailed();
      // A synchronous compile attaches its code before it returns: what was dropped goes to the restarted
      // worker (each death uses a restart: this ends, compiled or failed for good).
      if (!this.sync || this.queue.length === 0) break;
      this.dispatch(true, Infinity, S_FLUSH);
    }
    this.bound();
  }

  private enqueue(b: Block): void {
    // The block is about to run (or, a neighbour, its predecessor is): the segments of its own context.
    b.jitFlat = this.cpu.s[CODE_CTX >> 2]! & ~(this.guards.get(b)?.varies ?? 0);
    this.queue.push(b);
    this.queued.add(b);
  }

  private takeQueue(): Block[] {
    this.queued.clear();
    const blocks = this.queue.filter((b) => b.valid && b.jit === null);
    this.counters.droppedInvalid += this.queue.length - blocks.length;
    this.queue = [];
    return blocks;
  }

  /** What partialDue reads of the queue now. */
  private partialQueue(): PartialQueue {
    return { queued: this.queue.length, waitedMs: performance.now() - this.queuedAt, inFlight: this.ordinaryInFlight, work: this.queuedWork() };
  }

  /** Instructions the queued blocks ran interpreted since they went hot (their runs past hotAt times their length). */
  private queuedWork(): number {
    let w = 0;
    for (const b of this.queue) { const runs = b.hits - this.hotAt; if (runs > 0) w += runs * b.recs.length; }
    return w;
  }

  /** A partial batch goes with `work` (JitCounters.partialWorkLog2). */
  private workSent(work: number): void {
    this.counters.partialWorkLog2[Math.min(31, work < 1 ? 0 : 1 + Math.floor(Math.log2(work)))]++;
  }

  /** Requests at the worker other than a priority one (which takes no ordinary request's room). */
  private get ordinaryInFlight(): number { return this.client.inFlight - (this.priorityId === 0 ? 0 : 1); }

  /** Send queued blocks to the worker (a full batch, or anything when `due`: for `why`), while it has room. */
  private dispatch(due = false, room = MAX_IN_FLIGHT, why = S_FULL): void {
    const client = this.client;
    if (client.pendingNews) this.workerNews();
    if (client.failed !== null) { this.workerFailed(); return; }
    // A priority request in flight (waiting()) is small and takes no ordinary request's room: counted
    // against it, the queue grew behind it into 150-220-block batches the next loops then waited for.
    while (this.queue.length > 0 && this.ordinaryInFlight < room && (due || this.queue.length >= this.batch)) {
      const reason = this.queue.length >= this.batch ? S_FULL : why;
      const all = this.takeQueue();
      // Hottest first (batching.ts): past MAX_BATCH the loops of a backlog go before the blocks run once.
      const n = nextBatch(all, MAX_BATCH);
      const blocks = all.slice(0, n);
      this.queue = all.slice(n);
      for (const b of blocks) if (b.again) this.counters.compiledAgain++;
      for (const b of this.queue) this.queued.add(b);
      if (blocks.length === 0) return;
      this.send(blocks, false, reason);
    }
  }

  private send(blocks: Block[], priority: boolean, why: number): number {
    const opts = this.emitOptions(blocks.length);
    const externals = this.imports ? this.externalsOf(blocks) : [];
    if (externals.length > 0) opts.externals = externals.map((b) => ({ phys: b.phys, code32: b.code32, recs: b.recs.length }));
    const id = this.client.send(packBlocks(blocks), opts, priority);
    this.inFlight.set(id, { blocks, sent: performance.now(), firstId: opts.firstId, externals });
    if (this.imports) for (const b of blocks) this.sentBlocks.add(b);
    this.counters.batchesSent++;
    this.counters.sentBy[why]++;
    this.counters.blocksSentBy[why] += blocks.length;
    return id;
  }

  /**
   * JitOptions.imports: the compiled blocks of other modules the batch's
   * blocks' successor caches name in their own page (32-bit, one page): a
   * same-page static exit into one of them becomes a direct transfer.
   */
  private externalsOf(blocks: readonly Block[]): Block[] {
    const inBatch = new Set(blocks), out = new Set<Block>();
    for (const b of blocks) {
      for (const n of [b.chainBlock0, b.chainBlock1]) {
        // Compiled, or in a batch sent before this one (attached first unless it dies: link.ts then imports a dead stub).
        if (n !== null && !inBatch.has(n) && n.valid && ((n.jit !== null && n.jitAlive !== null) || this.sentBlocks.has(n)) && n.code32 && b.code32 &&
          n.pages.length === 1 && (this.imports === 'all' || n.phys >>> 12 === b.phys >>> 12)) out.add(n);
      }
    }
    return [...out];
  }

  /**
   * A batch's code-generation options: its ids in the chain table, and the
   * bounds flat in the state now (the blocks' context when they became hot;
   * the entry guard checks it on each run).
   */
  private emitOptions(n: number, allocIds = true): EmitOptions {
    // Each block's own assumptions come with it (Block.jitFlat, taken when it went hot).
    const flatMask = this.flat ? -1 : 0;
    // (A warm-up's code is never attached: no ids taken for it, firstId 0.)
    const ids = this.chain === null || !allocIds ? null : this.chain.alloc(n);
    if (ids !== null) this.tables.set(ids.firstId, ids.table);
    const opts: EmitOptions = { firstId: ids === null ? 0 : ids.firstId, table: ids !== null && ids.table !== null, direct: this.direct, indirect: this.indirect, pages: this.pages, modules: this.modules, global: this.global, globalFirst: this.globalFirst, farDirect: this.farDirect, hints: this.hints, regroup: this.regroupMin > 0, ...(this.regs === undefined ? {} : { regs: this.regs }), flatMask, x87: this.x87, branches: this.branches, deadFlags: this.deadFlags, quietCC: this.quietCC, forward: this.forward, deadRegs: this.deadRegs, pageGroups: this.pageGroups, slowReload: this.slowReload, eager: this.eager, ...(this.workerCompact ? { workerCompact: true } : {}), ...(this.workerGcEvery === undefined ? {} : { workerGcEvery: this.workerGcEvery }), compact: this.compact, knownEip: this.knownEip, xferCounts: this.xferCounts || this.regroupMin > 0, groupSpan: this.groupSpan, innerJcc: this.innerJcc, inlineScas: this.inlineScas, inlineRepCmp: this.inlineRepCmp, innerCount: this.innerCount, ...(this.innerLoop === undefined ? {} : { innerLoop: this.innerLoop }), deadArm: this.deadArm, spanLead: this.spanLead, ...(this.loopGroups === undefined ? {} : { loopGroups: this.loopGroups }), ...(this.loopRegs === undefined ? {} : { loopRegs: this.loopRegs }), branchHints: this.branchHints, ...(this.loopHint ? { loopHint: true } : {}) };
    if (testFaults.adcCarry) opts.faultAdcCarry = true; // TEST-ONLY: the worker thread does not see the main thread's switch
    if (testFaults.workerExit > 0) { testFaults.workerExit--; opts.faultWorkerExit = testFaults.workerExitQuiet ? 'quiet' : 'exit'; } // TEST-ONLY
    return opts;
  }

  private receive(): void {
    let r: CompileReply | undefined;
    while ((r = this.client.poll()) !== undefined) this.attach(r);
    if (this.client.pendingNews) this.workerNews();
    this.bound();
    // Room again: what queued while the worker was busy goes now, as bigger batches.
    if (this.queue.length >= this.batch) this.dispatch();
  }

  private attach(r: CompileReply): void {
    const req = this.inFlight.get(r.id);
    if (req === undefined) return;
    this.inFlight.delete(r.id);
    if (r.id === this.priorityId) this.priorityId = 0;
    const repacked = this.repackIds.delete(r.id);
    if (repacked) for (const b of req.blocks) this.repacking.delete(b);
    const replace = r.id === this.regroupId || repacked;
    if (r.id === this.regroupId) this.regroupId = 0;
    if (r.error !== undefined || r.module === undefined) throw new Error(`JIT compile worker: ${r.error ?? 'no module'}`);
    const c = this.counters;
    const t0 = performance.now();
    const blocks = req.blocks;
    if (this.imports) for (const b of blocks) this.sentBlocks.delete(b);
    // Attach only to blocks still alive and without code: the front end may have killed
    // (or evicted) some while they compiled; their records would only exit now.
    // A regroup batch (regroupHot) replaces the code of its blocks that are still alive.
    const live = blocks.map((b) => b.valid && (b.jit === null || replace));
    const kept = blocks.map(() => false);
    // A repack's old copies are never entered again (their module's other blocks moved or died): they
    // lose their code as eviction's do (unlink: alive 0, out of the global cache and the id table, their
    // instructions counted), so nothing of ours references the old instance once the last one moved.
    if (replace) blocks.forEach((b, j) => { if (live[j] && b.jit !== null) { if (repacked) this.moveCode(b); else { this.retire(b); kept[j] = true; } } });
    const tbl = this.tables.get(req.firstId);
    this.tables.delete(req.firstId);
    instantiate(this.cpu, r.module, blocks, r.names, (j) => live[j],
      this.chain !== null && tbl !== undefined ? { table: this.chain, tbl, firstId: req.firstId, direct: this.direct } : null, r.sites, r.blocks, (j) => kept[j]!,
      req.externals);
    const attached = blocks.filter((_, j) => live[j]);
    c.instantiateMs += performance.now() - t0;
    c.workerEmitMs += r.emitMs;
    c.workerCompileMs += r.compileMs;
    c.compileMs += r.emitMs + r.compileMs;
    c.latencyMs += performance.now() - req.sent;
    c.modulesCompiled++;
    // Compiled code is freed only when V8 collects its module, and V8 collects by JS heap pressure,
    // which a module hardly adds to; the code space (native, bounded per process) is what fills: one
    // module per block (threshold 0, the fixtures) ran it out. So collect now and then.
    if (++this.modulesSinceGc >= GC_EVERY_MODULES) { this.modulesSinceGc = 0; collectGarbage(); }
    c.blocksCompiled += blocks.length;
    c.staleAtAttach += blocks.length - attached.length;
    c.recordsInline += r.inline;
    c.recordsCallout += r.callouts;
    c.deadRegStores += r.deadRegs ?? 0;
    c.moduleBytes += r.bytes;
    this.cache.add(attached, r.bytes);
    this.onCompiled?.(blocks, { bytes: r.bytes, inline: r.inline, callouts: r.callouts, blocks: r.blocks }, r.emitMs + r.compileMs);
  }

  /**
   * The compile worker died (worker-client.ts reap): the requests this JIT had
   * in flight to it were dropped; their blocks still alive and without code go
   * back to the queue (hot already: the restarted worker gets them with the next
   * batch), a regroup's or repack's blocks keep the code they have. Each death is
   * reported (onWorkerFailure); the one past the restarts ends compiling.
   */
  private workerNews(): void {
    const lost = this.client.takeLost();
    let requeued = 0;
    for (const id of lost) {
      const req = this.inFlight.get(id);
      if (req === undefined) continue;
      this.inFlight.delete(id);
      this.tables.delete(req.firstId);
      if (id === this.priorityId) this.priorityId = 0;
      if (id === this.regroupId) this.regroupId = 0;
      if (this.repackIds.delete(id)) for (const b of req.blocks) this.repacking.delete(b);
      for (const b of req.blocks) {
        if (this.imports) this.sentBlocks.delete(b);
        if (!b.valid || b.jit !== null || this.queued.has(b)) continue;
        if (this.queue.length === 0) this.queuedAt = performance.now();
        this.queue.push(b);
        this.queued.add(b);
        requeued++;
      }
    }
    this.counters.workerDropped += lost.length;
    this.counters.workerRequeued += requeued;
    for (const d of this.client.takeDeath()) {
      if (d.restart === null) { this.workerFailed(); return; }
      this.counters.workerRestarts++;
      this.onWorkerFailure?.(d.why, d.restart);
    }
  }

  /**
   * The worker died for good (it should not: its errors come back as answers; and
   * it was restarted MAX_RESTARTS times): compiling stops and the guest goes on
   * interpreted; a synchronous compile throws.
   */
  private workerFailed(): void {
    const why = this.client.failed ?? 'unknown';
    const first = this.counters.workerFailure === null;
    this.counters.workerFailure = why;
    this.queue = [];
    this.queued.clear();
    this.inFlight.clear();
    this.sentBlocks.clear();
    this.priorityId = 0;
    this.regroupId = 0;
    this.repackIds.clear();
    this.repacking.clear();
    this.tables.clear();
    if (first) this.onWorkerFailure?.(why, null);
    if (this.sync) throw new Error(`JIT compile worker failed: ${why}`);
  }

  /** Evicted from the compiled cache: the block runs interpreted and may become hot again. */
  private detach(b: Block): void {
    this.unlink(b);
    this.frontEnd.rearm(b);
  }

  /** `b` loses its code (its module may live on: nothing enters it there again). */
  private unlink(b: Block): void {
    // Link slots elsewhere may name it: its table entry becomes the stub, and it is linked again only with new code.
    this.chain?.killed([b]);
    b.jitId = 0;
    b.jitTable = null;
    b.link = null;
    b.jit = null;
  }

  private killed(blocks: readonly Block[], reason: KillReason): void {
    this.chain?.killed(blocks);
    const n = this.cache.killed(blocks);
    if (n > 0 && this.repackShare > 0) this.repackDue = true;
    // A dead block stays reachable a while (successor caches of live blocks, the loop's locals): its function
    // would keep its module's instance, and so the module's code and wire bytes, alive after the module's last
    // attached block went (mem15: modules outlive their blocks). Its code never runs again (the loop took
    // `jit` before calling it, and only valid blocks are entered); link and jitId stay for a run in progress.
    for (let i = 0; i < blocks.length; i++) blocks[i]!.jit = null;
    if (reason === 'evict') this.counters.evictedBlocks += n;
    else this.counters.invalidatedBlocks += n;
  }
}
