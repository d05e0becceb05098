/**
 * The per-block code-generation context: a binaryen function under
 * construction, its locals, and helpers for the state block (loads and
 * stores at runtime/state/layout.ts offsets), registers and exits.
 *
 * Registers live in the state block (REGS) and are read and written there
 * directly: every exit and call-out then sees the interpreter's state
 * without a write-back step (keeping them in locals is a later step).
 */
import binaryen from './binaryen.js';
import type { Rec } from '../../runtime/records.js';
import { BLOCK_DEAD, BLOCK_EIP, CHAINED, CUR_BLOCK, CS, DIRECT, EFLAGS, EIP as EIP_OFF, ICOUNT, JIT_EXITS, LAZY_OP, LINK_EXIT, MMU_GEN, READ_MASK, REGS, RETIRED, SEG_BASE, CODE_CTX, CTX_BASE0, TLB, XCACHE, XCACHE_ENTRIES } from '../../runtime/state/layout.js';
import {
  CHAIN_TABLE, DISPATCH_FIND, DISPATCH_GO, EXIT_DEAD, EXIT_IMPURE, EXIT_LOOP, EXIT_UNLINKED, linkGlobals, SLOT_TABLE, slotGlobals,
  XFER_FAR, XFER_GLOBAL, XFER_HINT, XFER_INDIRECT, XFER_MISS_IND, XFER_MISS_PAGE, XFER_MODULE, XFER_PAGE, XFER_RET_IND, XFER_RET_OTHER, XFER_RET_STATIC, xferAt,
} from './chain.js';
import { XCACHE_MUL, XCACHE_SITE, XJUMP } from './xcache.js';
import { binaryParts, irOf, localGetIndex, localSetValue, pureValue, setChildAt, storeValue, topOperands, unaryParts, type ModuleIR } from './capi.js';
import { coldAccess, coldCallout, coldReturn, type ColdAccess, type SlowAccess } from './cold.js';
import { TLB_VALID } from '../../runtime/mmu.js';
import { LIVE, OWED, type FlagFate } from './flag-liveness.js';
import { deadStores, EV_LOAD, EV_OBSERVE, EV_STORE, EV_TOP, regClasses } from './reg-liveness.js';
import { likely, unlikely } from './branch-hints.js';

export type X = binaryen.ExpressionRef;
/** binaryen.js's Block.appendChild (in the library, missing from its .d.ts). */
export const appendChild = (block: X, child: X): void => {
  (binaryen as unknown as { Block: { appendChild(b: X, c: X): number } }).Block.appendChild(block, child);
};
/** binaryen.js's Load.setOffset (in the library, missing from its .d.ts). */
export const setLoadOffset = (load: X, offset: number): void => {
  (binaryen as unknown as { Load: { setOffset(l: X, o: number): void } }).Load.setOffset(load, offset);
};
/** Label of the loop around a block's body (a branch back to the block start continues it). */
export const SELF_LOOP = 'top';
/** Label of the block whose end is a block's dead-exit tail (Fn.deadCheck). */
const DEAD_EXIT = 'dead';
/** The identity (Fn.loopBack without loopHint). */
const same = (x: X): X => x;

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

/**
 * What an exit's site wrote to EIP, when it knows (32-bit code, exit()'s
 * `eip`, JitOptions.knownEip): `t`, a local holding the value (nothing sets
 * it again before the exit), and/or `off`, when the value is the block's
 * EIP + that byte offset (a static target).
 */
export interface KnownEip { off: number | null; t: number | null }
/** A block of the same module a direct transfer may enter (compile.ts DirectLinks). */
export interface DirectTarget {
  /** Its function's name in the module. */
  fn: string;
  /** Its alive global's name (Block.jitAlive). */
  alive: string;
  /** Its block id (CUR_BLOCK). */
  id: number;
  /** Its record count: the whole block must fit the budget left (the loop's rule). */
  recs: number;
  /** Its host address (RAM_BASE + physical start): what the TLB gives for its linear start (a far target's guard). */
  host: number;
  /**
   * A block of another module, imported (EmitOptions.externals): an exit to it
   * still probes the global cache when the direct transfer does not go (its
   * code died: a new copy is only in the cache).
   */
  external?: boolean;
}

/** The module's dispatcher as one block's exits may use it (compile.ts Dispatch; chain.ts "Indirect and cross-page transfers"). */
export interface Dispatch {
  /** RET / JMP / CALL r/m32 exits ask the dispatcher (JitOptions.indirect). */
  indirect: boolean;
  /**
   * A static exit to byte offset `off` from the block start lands in another
   * page where a block of the module may start (same page offset) and
   * cross-page transfers are on (JitOptions.pages).
   */
  crossPage(off: number): boolean;
  /** The module's own dispatcher (xfind) exists: false when only module slots are on. */
  find: boolean;
  /**
   * Cross-module slots (JitOptions.modules): a new exit site whose slot the
   * loop fills with the block it ran next (chain.ts "Cross-module slots");
   * null when off.
   */
  slot: (() => number) | null;
  /**
   * The global dispatch cache (xcache.ts): the exits that get a slot also
   * probe it (after the slot) before returning to the loop; the module
   * imports the hub's `xjump`.
   */
  global: boolean;
  /** With `global`: the cache is probed first, before xfind and the slot (JitOptions.globalFirst). */
  globalFirst: boolean;
  /**
   * Far direct transfers (JitOptions.farDirect): the blocks of this module a static
   * exit to byte offset `off` may land on when that is in another page (same
   * page offset, 32-bit, one page; at most MAX_FAR), entered by a direct
   * tail call when the TLB's host address for CS base + EIP is theirs.
   */
  far(off: number): readonly DirectTarget[];
  /** The blocks of this module the exiting block's successor hints name (JitOptions.hints): its indirect exits' far targets. */
  hinted(): readonly DirectTarget[];
  /** Count the global cache's transfers per target entry (JitOptions.regroup; xcache.ts takeHot). */
  countTargets: boolean;
}

/**
 * The far targets of a block's static exits to `targets`, once each (by function name). A loop, not
 * flatMap/map arrows made per exit: see Fn.when.
 */
function farTargets(d: Dispatch, targets: readonly number[]): DirectTarget[] {
  const byFn = new Map<string, DirectTarget>();
  for (const off of targets) for (const t of d.far(off)) byFn.set(t.fn, t);
  return [...byFn.values()];
}

/** Allocates a block's exit sites (link slots) in its module: compile.ts. */
export interface ExitSites {
  /** A new site: its link-slot globals are named by linkGlobals(site). */
  next(): number;
}
export { CHAIN_TABLE, linkGlobals } from './chain.js';

/** i32 comparisons and their negations (Fn.not), by binaryen operator. */
type CmpName = 'eq' | 'ne' | 'lt_s' | 'lt_u' | 'le_s' | 'le_u' | 'gt_s' | 'gt_u' | 'ge_s' | 'ge_u';
const INVERSE = new Map<number, CmpName>([
  [binaryen.EqInt32, 'ne'], [binaryen.NeInt32, 'eq'],
  [binaryen.LtSInt32, 'ge_s'], [binaryen.GeSInt32, 'lt_s'], [binaryen.LtUInt32, 'ge_u'], [binaryen.GeUInt32, 'lt_u'],
  [binaryen.LeSInt32, 'gt_s'], [binaryen.GtSInt32, 'le_s'], [binaryen.LeUInt32, 'gt_u'], [binaryen.GtUInt32, 'le_u'],
]);

/**
 * The negation of condition `c` in module `m` (Fn.not; codegen/mem.ts's
 * helpers, which have no Fn): a constant folded, an i32 comparison
 * inverted, an eqz dropped, else eqz(c).
 */
export function negate(m: binaryen.Module, c: X, ir: ModuleIR = irOf(m)): X {
  const v = ir.valueOf(c);
  if (v !== undefined) return ir.i32(v === 0 ? 1 : 0);
  const b = binaryParts(c);
  if (b !== null) {
    const inv = INVERSE.get(b[0]);
    if (inv !== undefined) return m.i32[inv](b[1], b[2]);
  }
  const u = unaryParts(c);
  if (u !== null && u[0] === binaryen.EqZInt32) return u[1];
  return m.i32.eqz(c);
}

/** A flag store kept for the cold paths (Fn.owedFlags): an i32 store of `v`, or (`wide`, Fn.st2) an i64 store of the constant `v`. */
interface OwedStore { off: number; v: X; wide: boolean }
/** The flag state's words: EFLAGS and the lazy words (runtime/state/layout.ts; LAZY_OP is the last). */
const isFlagWord = (off: number): boolean => off >= EFLAGS && off <= LAZY_OP;

/** What an effective address (codegen/mem.ts setEa) was computed from, for page groups (Fn.pageGroups). */
export interface EaKey {
  /** Base and index registers (-1: none), scale. */
  readonly base: number;
  readonly index: number;
  readonly scale: number;
  readonly disp: number;
  /** The newest of Fn.regGen of base and index and Fn.calls when it was computed (codegen/mem.ts gensOf). */
  readonly gens: number;
}

/**
 * A page group (Fn.pageGroups): its leader's inline check also covers the
 * bytes [lo, hi) (displacements from the same registers) and sets `hb` (the
 * TLB entry's host bits, page-aligned) when it passes; members test hb's bit
 * 0 (1: the leader did not pass in this pass, or the span leaves its page)
 * and then need no check.
 */
/**
 * A page group's `po` while its leader has not passed in this pass: far above
 * any page offset, so that po + a member's displacement (within +-4 KiB) is
 * never inside a page (codegen/mem.ts memberIf).
 */
export const GROUP_INVALID = 0x40000000;
export interface PageGroup {
  readonly key: number;
  /** Checked against WRITE_MASK (members may write) or READ_MASK (reads only; 'merge': until a write joins). */
  write: boolean;
  readonly hb: number;
  /** Fn.groupSpan > 0: the leader's page offset (GROUP_INVALID until it ran in this pass); -1: hb's bit 0 says. */
  readonly po: number;
  /** The leader's offset and linear-address locals and its displacement. */
  readonly off: number;
  readonly disp: number;
  lo: number;
  hi: number;
  members: number;
  /** An empty block in the leader's fast arm, filled at the end (codegen/mem.ts finishGroup): the hb set. */
  readonly setHb: X;
  /**
   * Fn.spanLead: the leader's page test is ((lin + k1) & 0xfff) <= k2 with
   * k1, k2 Const nodes of its own (0 and 0x1000 - size when made), set to the
   * group's span by finishGroup; null: the leader tests its own bytes.
   */
  span: { k1: X; k2: X } | null;
  /** The leader's TLB-entry local. */
  readonly ent: number;
  /** A read leader's READ_MASK load ('merge': made WRITE_MASK when a write joins), else null. */
  mask: X | null;
  /**
   * Fn.slowReload: the slow arms (Fn.slowArms, by number) after the
   * leader's own, up to the last member's (excluded), set hb to 1 after
   * their call.
   */
  readonly from: number;
  until: number;
  /**
   * Fn.loopGroups: a leader emitted in a self-loop's body (its records up to
   * the last branch back to the start) at generation 0 may keep hb across the
   * back edge; `pre` is an empty block first in its miss chain, filled at the
   * end (codegen/mem.ts finishGroup) when no record of that body wrote its
   * registers and none called out: then the leader, too, uses hb while valid
   * (hb ^ off, as a member) and tests the TLB only when hb is invalid. `dst`
   * (a read's destination local) or `val` (a write's value local): the
   * access the hb arm makes. null: not a candidate.
   */
  loop: { pre: X; done: string; size: number; dst: number; val: number; base: number; index: number } | null;
}

export class Fn {
  readonly vars: binaryen.Type[] = [];
  /** The module's shared constants and direct constructors (capi.ts). */
  private readonly ir: ModuleIR;
  /** Block EIP at entry (EIP in the state block is not written until the block leaves). */
  readonly eip0: number;
  /** Parameter: instructions the dispatcher's budget still allows. */
  static readonly BUDGET = 0;
  /** Instructions retired by completed iterations when the block loops on itself (see selfLoop). */
  readonly done: number;
  /**
   * The block may branch back to its own start (loopBack: its last record is
   * a relative branch to offset 0; set by compile.ts before the records).
   * Otherwise `done` is never written and stays 0: doneX() is the constant.
   */
  mayLoop = true;
  /** Records retired by completed iterations of a self-loop (0 in a block that cannot loop). */
  doneX(): X { return this.mayLoop ? this.get(this.done) : this.c(0); }
  /** doneX() + k. */
  doneN(k: number): X { return this.add(this.doneX(), this.c(k)); }
  /** Set once a call-out of a record that may change system state was emitted: no looping in wasm then. */
  impure = false;
  flags: FlagSource | null = null;
  /**
   * What becomes of the flag stores of the record being emitted (flag-liveness.ts,
   * JitOptions.deadFlags): LIVE, DROPPED (a later record overwrites them before anything
   * can observe them) or OWED (kept for the cold paths: owedFlags). The flag source is
   * tracked in locals either way (`flags`).
   */
  flagFate: FlagFate = LIVE;
  private owing: OwedStore[] | null = null;
  private owed: OwedStore[] | null = null;
  /**
   * JitOptions.compact (session 13's byte cuts; false: the code before
   * them, for A/B pairs): two constant words next to each other, 8-byte
   * aligned, stored with one i64.store (st2: LAZY_MASK and LAZY_OP,
   * RETIRED and BLOCK_DEAD); a slow arm's page-group resets before its
   * call (slowAccess); CS base + EIP at a transfer site as EIP when CS's
   * base is 0 (csLinear).
   */
  compact = true;
  /**
   * JitOptions.knownEip (default true; false: the code before, for A/B
   * pairs): an exit whose site says what it wrote to EIP (exit()'s `eip`)
   * does not load EIP back: a direct transfer to that offset needs no EIP
   * compare (and one to another offset cannot be taken: it is left out),
   * and the dispatcher's CS base + EIP uses the value itself.
   */
  knownEip = true;
  /**
   * JitOptions.xferCounts (default true): the counters of transfers that
   * stay in wasm (DIRECT, JIT_XFERS far/hint/global/...) are bumped at
   * each one, a load, an add and a store a transfer; false: not counted
   * (the counters read 0 for them), the tools' numbers for speed.
   */
  xferCounts = true;
  /** Set by code that may have written guest memory the slow way (possibly code: check BLOCK_DEAD). */
  stored = false;
  /**
   * The record's writes through codegen/mem.ts `write` (reset per record by
   * compile.ts): how many, and the last one's node and slow arm (an unnamed
   * block a BLOCK_DEAD check can be appended to: JitOptions.deadArm).
   */
  writes = 0;
  lastWrite: { node: X; arm: X } | null = null;
  /** lastWrite, read after the record's emitter ran. */
  writeNoted(): { node: X; arm: X } | null { return this.lastWrite; }
  /**
   * Records in the block (set by compile.ts). Another pass of a self-loop needs budget
   * for all of them, not just the loop's: a pass that falls through its loop branch
   * runs on to the block's end.
   */
  recCount = 0;
  /**
   * Direct transfers (chain.ts): the block of this module that starts at
   * byte offset `off` from this block's start, in the same 4 KiB page, when
   * an exit may jump straight into it; null when direct transfers are off.
   * `insnsGlobal`: this block's global counting instructions retired before
   * such transfers out (Block.jitInsns).
   */
  direct: ((off: number) => DirectTarget | null) | null = null;
  insnsGlobal = '';
  /** The module's dispatcher for indirect and cross-page exits (needs `direct`'s globals); null when both are off. */
  dispatch: Dispatch | null = null;
  /** Generate the common x87 forms inline (codegen/x87.ts; JitOptions.x87): false = every x87 record calls out. */
  x87 = true;
  /** Inline tests (memory fast path, transfer guards) as chains of branches (JitOptions.branches; Fn.when). */
  branches = true;
  /** Count returns to the loop by exit kind in JIT_XFERS (with direct transfers on). */
  counting = false;

  /**
   * Page groups (JitOptions.pageGroups; codegen/mem.ts): accesses through the
   * same base/index registers, unchanged since the group's first access (its
   * leader), reuse the leader's TLB check. `regGen[i]` is the version of
   * register i's last store emitted and `calls` the last call-out's (a handler
   * may write any register, the TLB or the masks): an effective address remembers both
   * when it is computed (setEa), a group when it is led, and an access joins
   * a group only when neither moved since. Emission order is execution order
   * here (a record's code has no back edge that reaches an access; the
   * self-loop's back edge passes the reset at the top: groupReset).
   */
  pageGroups: boolean | 'merge' = false;
  /**
   * JitOptions.groupSpan: 0, session 11's groups (spans of up to 16 bytes;
   * hb's bit 0 set when the whole span leaves the leader's page, and then
   * every member takes the checked helper); N > 0, spans of up to N bytes
   * and each member tests its own offset against the leader's page (local
   * `po`: the leader's page offset, GROUP_INVALID until it ran), so only a
   * member that is in another page takes the helper (codegen/mem.ts).
   */
  groupSpan = 0;
  /**
   * JitOptions.spanLead: a page group's leader (groupSpan 0, 2 or more
   * bytes) tests the group's whole span in its page test (codegen/mem.ts
   * fastConds, finishGroup) instead of its own bytes plus a `leaves` bit in
   * hb; its slow arm is the checked helper (a span that leaves the page
   * sends the leader there, each pass, and its members as before).
   */
  spanLead = false;
  readonly regGen: number[] = [0, 0, 0, 0, 0, 0, 0, 0];
  /**
   * What register i's stores since its generation began added to it, when
   * all of them added constants (setRegAdd: PUSH, POP, ADD/SUB r32, imm): an
   * address through it is keyed by its displacement from the value the
   * generation began with, so [esp+8] after a PUSH is in the group of
   * [esp+4] before it.
   */
  readonly regDelta: number[] = [0, 0, 0, 0, 0, 0, 0, 0];
  /** A store of a register that is not `old + constant`: a new generation (page groups). */
  private regStored(i: number): void {
    this.regGen[i] = ++this.versions;
    this.regDelta[i] = 0;
    this.regWritten |= 1 << i;
    // Fn.loopRegs: a register stored in the body is defined in the loop from here on (no longer kept across slow arms).
    this.pinned &= ~(1 << i);
  }
  /**
   * JitOptions.loopRegs: the registers (a bit each, loop-regs.ts) a self-loop
   * keeps in their forward locals across its back edge: loaded once before
   * the wasm loop (loopRegsEntry), valid at the pass top (loopRegsTop), and
   * at each back edge to the block start (loopBack) loaded again from the
   * state when their local is not valid there (a call-out, or a store not
   * proven to run, came between). Correct for any set (the local equals the
   * state word whenever it is valid, as for forwarding); the set is chosen
   * for speed: registers the body never writes, so TurboFan defines them once,
   * before the loop. 0: off.
   */
  loopRegs = 0;
  /**
   * The loop registers not stored since the pass top and with no call-out
   * since: their locals stay valid across a memory access's slow-path call
   * (slowAccess; the call writes no register), where forward 'near' drops the others.
   */
  private pinned = 0;
  /** Before the wasm loop (the function's entry): the loop registers' locals loaded from the state. */
  loopRegsEntry(): X[] {
    const out: X[] = [];
    for (let i = 0; i < 8; i++) if ((this.loopRegs >> i) & 1) out.push(this.set(this.fwdLocal(i), this.ir.load(REGS + 4 * i)));
    return out;
  }
  /** The pass top (before the first record): the loop registers' locals are valid (loaded at entry or at the back edge). */
  loopRegsTop(): void {
    this.fwdValid |= this.loopRegs;
    this.pinned = this.loopRegs;
  }
  /** Registers stored so far (a bit each, setRegAdd's too: unlike regGen, any store sets it; Fn.loopGroups). */
  regWritten = 0;
  /**
   * JitOptions.loopGroups: page groups whose registers a self-loop's body
   * does not write keep their host base across its back edge (PageGroup.loop).
   * `loopEnd`: the index of the block's last record that may branch back to
   * its start (-1: none; set by compile.ts), `rec` the record being emitted;
   * `loopWritten`, `loopCalls`, `loopArms`: regWritten, calls and
   * slowArms.length after record loopEnd (compile.ts noteLoopEnd).
   */
  loopGroups: boolean | 'near' = false;
  loopEnd = -1;
  rec = 0;
  loopWritten = -1;
  loopCalls = -1;
  loopArms = 0;
  /** After record loopEnd's code: what the loop body wrote, called and how many slow arms it has. */
  noteLoopEnd(): void {
    this.loopWritten = this.regWritten;
    this.loopCalls = this.calls;
    this.loopArms = this.slowArms.length;
  }
  /** The self-loop's pass top (compile.ts: the first groupReset), which loop-invariant groups skip. */
  passTop: X | null = null;
  /** Before the self-loop (the function's entry): loop-invariant groups' hb made invalid once per entry. */
  readonly entryReset: X;
  /** Is group `g` kept across the self-loop's back edge (PageGroup.loop)? Only after the last record. */
  loopKept(g: PageGroup): boolean {
    const l = g.loop;
    if (l === null || this.loopCalls !== 0) return false;
    const regs = (l.base >= 0 ? 1 << l.base : 0) | (l.index >= 0 ? 1 << l.index : 0);
    return (this.loopWritten & regs) === 0;
  }
  /** The counter regGen and calls take their values from (each new one larger than all before). */
  private versions = 0;
  calls = 0;
  /** Effective-address locals set by setEa -> what they were computed from. */
  readonly eaKeys = new Map<number, EaKey>();
  /** Every group led in this function (filled in at the end: finishGroups). */
  readonly groups: PageGroup[] = [];
  /** The groups still open, by key (read and write kind). */
  readonly openGroups = new Map<number, { r?: PageGroup; w?: PageGroup }>();
  private readonly resetAt: X[] = [];
  /** The top of each pass (compile.ts): every used group's host base invalid (1) until its leader runs. */
  groupReset(): X {
    const x = this.m.block(null, []);
    this.resetAt.push(x);
    return x;
  }
  /** Fill the groups' placeholders (codegen/mem.ts finishGroup) and the resets; after the last record. */
  finishGroups(finish: (g: PageGroup) => void): void {
    for (const g of this.groups) {
      const kept = this.loopKept(g);
      if (g.members === 0 && !kept) continue;
      finish(g);
      if (kept) {
        // hb lives across the back edge: invalid once before the loop, not at its pass top. Every slow arm of
        // the loop body makes it invalid again (a call with hb live across it would spill it on the hot path,
        // Fn.slowReload's finding; the next pass's leader tests the TLB again), the leader's own included.
        appendChild(this.entryReset, this.groupInvalid(g));
        for (const x of this.resetAt) if (x !== this.passTop) appendChild(x, this.groupInvalid(g));
        const all = this.loopGroups === true;
        for (let s = all ? 0 : g.from; s < (all ? Math.max(this.loopArms, g.until) : g.until); s++) appendChild(this.slowArms[s]!, this.groupInvalid(g));
        continue;
      }
      for (const x of this.resetAt) appendChild(x, this.groupInvalid(g));
      for (let s = g.from; s < g.until; s++) appendChild(this.slowArms[s]!, this.groupInvalid(g));
    }
  }
  /** Group `g`'s members take the checked helper until its leader passes again (po or hb's bit 0: Fn.groupSpan). */
  private groupInvalid(g: PageGroup): X {
    return g.po >= 0 ? this.set(g.po, this.c(GROUP_INVALID)) : this.set(g.hb, this.c(1));
  }
  /**
   * Nothing the hot path defines lives across a slow-path call
   * (JitOptions.slowReload). TurboFan spills a value live across a call at
   * its definition, on the hot path too, and every memory access has a
   * slow-path call: a SUB whose flags are owed past a write spilled its
   * three operands to the stack (perf annotate, decompressor). So after the
   * call, the slow arm (slowAccess) gives every such value a new definition:
   * the owed flag stores' locals are loaded back from the state words just
   * stored (the call changes no flag state: a fault unwinds), and the host
   * bases of the page groups used after it are set to 1 (their members take
   * the checked helper in that pass), filled in at finishGroups: slowArms[s]
   * is the s-th slow arm's empty block.
   */
  slowReload: boolean | 'near' | 'flags' | 'groups' = false;
  readonly slowArms: X[] = [];
  private readonly keeps: [local: number, v: () => X][] = [];
  /**
   * Local `l` is used after the next memory access and the state gives its
   * value at that access's slow-path call (`v`: state loads and constants):
   * that slow arm sets it again after the call (slowReload true only;
   * codegen/stack.ts: PUSH's and POP's ESP, LEAVE's EBP). Not in 'near':
   * +24 bytes/block over the boot recording (1977 -> 2001) for no gain the
   * pairs could see (decompressor off/near 0.986 with it, 0.958-0.974 without).
   */
  keepAcross(l: number, v: () => X): void {
    if (this.slowReload === true) this.keeps.push([l, v]);
  }
  /** Per register: the slow arms passed while its forward local was valid, not yet given its reload (slowAfter). */
  private readonly fwdPending: X[][] = [[], [], [], [], [], [], [], []];

  /**
   * `recBase`: index of this block's first record in the module's call-out
   * table; `sites`: where exits get link slots (null: every exit returns to the loop).
   */
  constructor(readonly m: binaryen.Module, readonly code32: boolean, readonly recBase: number, readonly sites: ExitSites | null = null,
    cacheRegs = false, private readonly flatNow: ((bnd: number) => boolean) | null = null) {
    this.ir = irOf(m);
    this.nop = m.nop();
    this.entryReset = m.block(null, []);
    this.eip0 = this.local();
    this.done = this.local();
    this.regLocals = cacheRegs ? [0, 1, 2, 3, 4, 5, 6, 7].map(() => this.local()) : null;
  }

  /**
   * Flat-segment guard: bounds indices (seg, or seg + SEG_WRITE) the block
   * assumes flat (LO = 0, HI = 0xFFFFFFFF), so memory accesses through them
   * skip the inline limit compare (codegen/mem.ts); guard() checks them on
   * entry. Only before any impure call-out: nothing pure reloads a segment.
   */
  private flat = 0;
  flatBounds(bnd: number): boolean {
    if (this.flatNow === null || this.impure || !this.flatNow(bnd)) return false;
    this.flat |= 1 << bnd;
    return true;
  }
  /**
   * Segment `seg`'s base is 0 now (CODE_CTX bit CTX_BASE0 + seg, checked
   * on entry with the flat bounds, under the same rule): its linear
   * addresses are its offsets.
   */
  baseZero(seg: number): boolean {
    return this.flatBounds(CTX_BASE0 + seg);
  }
  /**
   * `body` when every condition holds, as a chain of branches out of a block
   * (JitOptions.branches), or one `if` on the and-ed conditions.
   */
  when(conds: readonly X[], body: X): X {
    const m = this.m;
    if (!this.branches) return m.if(conds.reduce((a, c) => m.i32.and(a, c)), body);
    const no = this.label('w');
    // A loop, not conds.map((c) => ...): an arrow made per call has its optimised code only while some
    // such arrow lives, so each of the worker's full GCs freed it and V8 optimised it again (~11 times
    // a boot, bench/opt-trace.ts); the loop is part of `when`, optimised once.
    const out: X[] = [];
    for (const c of conds) out.push(m.br(no, this.not(c)));
    out.push(body);
    return m.block(no, out);
  }
  private labels = 0;
  /** A label name not used elsewhere in this function. */
  label(prefix: string): string {
    return `${prefix}${this.labels++}`;
  }
  /**
   * The entry condition for the bounds assumed flat, or null when none is:
   * all of them flat now (CODE_CTX, which the CPU keeps in step with the
   * bounds: one load and compare instead of two loads per bounds index).
   */
  guard(): X | null {
    if (this.flat === 0) return null;
    const m = this.m;
    return m.i32.eq(m.i32.and(this.ld(CODE_CTX), this.c(this.flat)), this.c(this.flat));
  }

  /**
   * Registers in locals (when cacheRegs): local i holds general register i
   * for the whole block. Loaded on entry (those the block uses), written
   * back to the state (those it writes) before every import call (callout, slowAccess:
   * a fault or call-out sees the interpreter's state) and every exit, and
   * reloaded after a call-out (its handler may change any register). The
   * sync points are empty blocks filled by finish(), once the sets are known.
   */
  private readonly regLocals: number[] | null;
  private used = 0;
  private written = 0;
  private readonly writeBacks: X[] = [];
  private readonly reloads: X[] = [];

  /** Store the registers the block writes (filled in by finish()). */
  writeBack(): X {
    if (this.regLocals === null) return this.nop;
    const x = this.m.block(null, []);
    this.writeBacks.push(x);
    return x;
  }
  /** Reload the registers the block uses (after a call-out; filled in by finish()). */
  reload(): X {
    if (this.regLocals === null) return this.nop;
    const x = this.m.block(null, []);
    this.reloads.push(x);
    return x;
  }
  /** Fill the sync points; returns the loads the block's entry must run. */
  finish(): X[] {
    const L = this.regLocals;
    if (L === null) return [];
    const loads = (): X[] => L.flatMap((l, i) => ((this.used >> i) & 1 ? [this.set(l, this.ld(REGS + 4 * i))] : []));
    for (const x of this.writeBacks) {
      for (let i = 0; i < 8; i++) if ((this.written >> i) & 1) appendChild(x, this.st(REGS + 4 * i, this.get(L[i])));
    }
    for (const x of this.reloads) for (const ld of loads()) appendChild(x, ld);
    return loads();
  }

  /** Run the record through its interpreter handler (import `interp`); the value is 1 when a T_COND branch was taken. */
  callout(r: Rec): X {
    const m = this.m;
    // FAULT_REC = r.idx + 1 inside the helper (cold.ts).
    const call = coldCallout(m, this.c(r.idx + 1), this.c(this.recBase + r.idx));
    // The handler writes registers in the state only: no forward local is valid after it (see `forward`).
    this.fwdValid = 0;
    this.pinned = 0;
    this.fwdDropPending();
    this.calls = ++this.versions;
    this.fwdCalled = true;
    // Flag stores owed (flag-liveness.ts) are paid before the handler: it may fault or read them.
    const owed = this.owedFlags();
    if (this.regLocals === null) return owed.length === 0 ? call : m.block(null, [...owed, call], binaryen.i32);
    const t = this.local();
    return this.seq([...owed, this.writeBack(), this.set(t, call), this.reload(), this.get(t)], binaryen.i32);
  }
  /**
   * A memory access's slow arm (codegen/mem.ts): the runtime import `kind`
   * through a module helper that names the record first (cold.ts); with
   * registers in locals, they are written back before (a fault unwinds the locals).
   */
  slowAccess(r: Rec, kind: SlowAccess, seg: number, size: number, off: X, val?: X, helper: ColdAccess = coldAccess): X {
    // helper: codegen/mem.ts checkedAccess is the whole access with its inline check (a page group's member whose
    // leader did not pass).
    const call = helper(this.m, kind, seg, size, this.c(r.idx + 1), off, val);
    // Forwarding stops at a call (forward 'near'): TurboFan spills a value live across any call at its definition,
    // so a register kept in its local past one costs a spill store on the hot path (the state's copy is as good).
    // slowReload true: kept valid too, the slow arm loads the forwarded registers read later back (slowAfter).
    // Fn.loopRegs: a loop register defined before the loop and not stored since stays valid (no spill in the loop).
    if (this.forward !== 'far' && this.slowReload !== true) this.fwdValid &= this.pinned;
    // Flag stores owed (flag-liveness.ts) are paid before the slow access: it may fault.
    const owed = this.owedFlags();
    const before: X[] = [];
    const after = this.slowReload ? this.slowAfter(before) : [];
    this.keeps.length = 0;
    if (after.length > 0) {
      if (kind === 'wr') return this.seq([...owed, this.writeBack(), ...before, call, ...after], binaryen.none);
      const t = this.scratch('slow');
      return this.seq([...owed, this.writeBack(), ...before, this.set(t, call), ...after, this.get(t)], binaryen.i32);
    }
    if (before.length > 0) return this.seq([...owed, this.writeBack(), ...before, call], kind === 'wr' ? binaryen.none : binaryen.i32);
    if (this.regLocals === null && owed.length === 0) return call;
    return this.seq([...owed, this.writeBack(), call], kind === 'wr' ? binaryen.none : binaryen.i32);
  }
  /**
   * What a slow arm runs after its call (slowReload): the owed flag stores'
   * locals loaded back from the words they were stored to; the slow arm's
   * page-group resets (filled in at finishGroups) go to `before` (run
   * before the call).
   */
  private slowAfter(before: X[]): X[] {
    const out: X[] = this.keeps.map(([l, v]) => this.set(l, v()));
    const seen = new Set<number>(), words = new Set<number>(), owed = this.slowReload === 'groups' ? [] : this.owed ?? [];
    // The last store to each word is the one the state holds (newest first); a local stored twice is loaded once.
    for (let i = owed.length - 1; i >= 0; i--) {
      const s = owed[i]!, last = !words.has(s.off);
      words.add(s.off);
      // An i64 store of a constant (st2) covers the next word too; there is no local to reload.
      if (s.wide) { words.add(s.off + 4); continue; }
      const l = last ? localGetIndex(s.v) : -1;
      // Local 0 is the parameter (the budget), never a flag operand.
      if (l <= 0 || seen.has(l)) continue;
      seen.add(l);
      out.push(this.set(l, this.ir.load(s.off)));
    }
    // Forwarded registers valid here (slowReload true: kept across the call): loaded back in this arm if read later
    // while still valid (reg: fwdPending).
    if (this.fwdValid !== 0 && this.slowReload === true) {
      const arm = this.m.block(null, []);
      for (let i = 0; i < 8; i++) if ((this.fwdValid >> i) & 1) this.fwdPending[i]!.push(arm);
      out.push(arm);
    }
    // Page-group resets only where a group was led already (the groups led later start after this arm).
    // Before the call (`before`): a constant needs no spill, and a read's arm then needs no local for the
    // call's value around an arm that mostly stays empty (an empty block costs no bytes).
    if (this.groups.length > 0 && this.slowReload !== 'flags') {
      const arm = this.m.block(null, []);
      this.slowArms.push(arm);
      (this.compact ? before : out).push(arm);
    }
    return out;
  }

  /**
   * Emit-time folding (fewer wasm bytes, the same semantics): constants are
   * the shared nodes of c() (ModuleIR.valueOf), and `x + k` nodes made here
   * remember their parts so that (x + k1) + k2 is built as x + (k1 + k2).
   */
  private readonly sums = new Map<X, [X, number]>();
  /** The value of `x` when it is a constant (c()), else undefined. */
  valueOf(x: X): number | undefined { return this.ir.valueOf(x); }
  /** Locals set once, to a constant, before any use (codegen/mem.ts setEa). */
  private readonly constLocals = new Map<number, number>();
  noteConst(l: number, v: number): void { this.constLocals.set(l, v); }
  /** The constant local `l` holds (noteConst), else undefined. */
  constIn(l: number): number | undefined { return this.constLocals.get(l); }
  /** a + b (i32, wrapping). */
  add(a: X, b: X): X {
    const va = this.ir.valueOf(a), vb = this.ir.valueOf(b);
    if (va !== undefined && vb !== undefined) return this.c((va + vb) | 0);
    if (vb === 0) return a;
    if (va === 0) return b;
    if (vb === undefined) return this.m.i32.add(a, b);
    const inner = this.sums.get(a);
    const [x, k] = inner === undefined ? [a, vb] : [inner[0], (inner[1] + vb) | 0];
    if (k === 0) return x;
    const sum = this.m.i32.add(x, this.c(k));
    this.sums.set(sum, [x, k]);
    return sum;
  }
  /**
   * The negation of condition `c` (as a branch or `if` condition: only zero
   * / non-zero matters): a constant folded, an i32 comparison inverted, an
   * eqz dropped, else eqz(c).
   */
  not(c: X): X {
    return negate(this.m, c, this.ir);
  }
  /**
   * `if (c) then else` with a constant `c` folded to the arm it selects (a
   * nop when that arm is missing), and eqz(eqz(x)) tested as x (a condition:
   * only zero / non-zero matters).
   */
  if(c: X, then: X, otherwise?: X): X {
    for (let u = unaryParts(c); u !== null && u[0] === binaryen.EqZInt32;) {
      const inner = unaryParts(u[1]);
      if (inner === null || inner[0] !== binaryen.EqZInt32) break;
      c = inner[1];
      u = unaryParts(c);
    }
    const v = this.ir.valueOf(c);
    if (v === undefined) return this.m.if(c, then, otherwise);
    return v !== 0 ? then : otherwise ?? this.nop;
  }

  /**
   * One i32 local per role for the whole function, for values that live
   * inside one memory access (codegen/mem.ts read/write: TLB entry, linear
   * address, value to write): fewer locals keeps more indices under 128 (a
   * one-byte LEB) in long blocks.
   */
  scratch(role: 'ent' | 'lin' | 'val' | 'slow'): number {
    let l = this.scratches.get(role);
    if (l === undefined) {
      l = this.local();
      this.scratches.set(role, l);
    }
    return l;
  }
  private readonly scratches = new Map<string, number>();

  local(t: binaryen.Type = binaryen.i32): number {
    this.vars.push(t);
    return this.vars.length; // after the one parameter
  }
  c(v: number): X { return this.ir.i32(v); }
  get(l: number): X { return this.ir.get(l); }
  set(l: number, v: X): X { return this.ir.set(l, v); }
  tee(l: number, v: X): X { return this.m.local.tee(l, v, binaryen.i32); }
  /** i32 at a state-block offset. */
  ld(off: number): X {
    if (this.regEv !== null && off >= REGS && off < REGS + 32) this.regEvent(EV_LOAD | (((off - REGS) >> 2) << 2));
    return this.ir.load(off);
  }
  st(off: number, v: X): X {
    // A dead flag producer (flag-liveness.ts) stores no flag state (its stores touch only the six status flags);
    // an OWED one's stores are kept to be replayed where the state must be exact (owedFlags).
    if (this.flagFate !== LIVE && isFlagWord(off)) {
      if (this.flagFate === OWED) (this.owing ??= []).push({ off, v, wide: false });
      return this.nop;
    }
    return this.ir.store(off, v);
  }
  /**
   * `lo` at state offset `off` and `hi` at off + 4: one i64.store of a
   * constant when both are constants and `off` is 8-byte aligned
   * (compact), else two i32 stores. Why: every inline flag producer
   * stores LAZY_MASK and LAZY_OP, nearly always both constants; one store
   * is 12 wasm bytes instead of 15 and one x86 store instead of two, and
   * the owed copies (owedFlags) replayed at every call and exit shrink the
   * same way. A list: the caller's sequence takes it (a nested block costs bytes).
   */
  st2(off: number, lo: X, hi: X): X[] {
    const a = this.ir.valueOf(lo), b = this.ir.valueOf(hi);
    if (!this.compact || a === undefined || b === undefined || (off & 7) !== 0) return [this.st(off, lo), this.st(off + 4, hi)];
    const v = this.ir.i64(a, b);
    if (this.flagFate !== LIVE && isFlagWord(off)) {
      if (this.flagFate === OWED) (this.owing ??= []).push({ off, v, wide: true });
      return [];
    }
    return [this.ir.store64(off, v)];
  }
  /**
   * The flag stores owed to the state (an OWED producer's, flag-liveness.ts),
   * emitted where the state must be exact: before every import call
   * (callout, slowAccess: a fault unwinds to the interpreter's state) and at every
   * exit (exit, leave, deadCheck, loopBack). Copies: an expression is one tree node.
   */
  owedFlags(): X[] {
    // Called wherever the state must be exact (every import call and exit): a point that observes the registers too.
    if (this.regEv !== null) this.regEvent(EV_OBSERVE);
    if (this.owed === null) return [];
    // A value tree that writes nothing (constants, local.gets, state loads, unary, binary, select: nearly all) is placed again as it is
    // (capi.ts pureValue: the binary is the same as with a copy); anything else is copied. Why not always
    // copy: binaryen's ExpressionCopy is one 54 KB wasm function that runs ~6 ms a boot but is called often
    // enough that V8 tiers it up, ~0.3 s of TurboFan on the platform thread every boot (docs/jit-plan.md
    // "The platform thread, session 16").
    return this.owed.map((s) => s.wide ? this.ir.store64(s.off, s.v)
      : this.ir.store(s.off, pureValue(s.v) ? s.v : this.m.copyExpression(s.v)));
  }
  /**
   * After a record: what the state owes now. A call-out (its callout() paid,
   * its handler may write flags) or a live flag writer leaves nothing owed;
   * an OWED producer leaves its own stores.
   */
  endRecord(fate: FlagFate, calledOut: boolean, writesFlags: boolean): void {
    if (calledOut) this.owed = null;
    else if (fate === OWED) this.owed = this.owing;
    else if (fate === LIVE && writesFlags) this.owed = null;
    this.owing = null;
    this.flagFate = LIVE;
  }
  /**
   * Store-to-load forwarding of registers (JitOptions.forward; registers in
   * the state block, not in locals): TurboFan keeps every load of linear
   * memory, so `mov esi, ecx; xor esi, edx` stored ESI and loaded it back
   * at once, a store-to-load round trip (~5 cycles) on the dependency chain
   * of every guest instruction. Every register store also sets the
   * register's forward local (local.tee: the local equals the state word
   * whenever a store of this function wrote it last). A register is read
   * from its local while `fwdValid` says so: set after a record whose
   * top-level sequence (not inside an if or loop: executed whenever the next
   * record runs) stored it; kept while every write is such a store; cleared
   * for all by any call-out (Fn.callout: the handler writes registers the
   * state's way) and at the block start (the self-loop's back edge comes
   * there). The stores stay: the state is exact at every exit and fault.
   * true: also cleared at every memory access's slow-path call (slowAccess),
   * so no forwarded value lives across a call; 'far': not.
   */
  forward: boolean | 'far' | 'loads' = false;
  private readonly fwdLocals: number[] = [];
  private fwdValid = 0;
  /** This record's register stores (each with its tee) -> register | (its deadRegs event's index + 1) << 3. */
  private readonly fwdStores = new Map<X, number>();
  /** This record's register loads teed into the forward local -> register (fwdLoadTees). */
  private readonly fwdLoads = new Map<X, number>();
  /** Register loads set the forward local too (JitOptions.forward 'loads'). */
  fwdLoadTees = false;
  private fwdCalled = false;
  /** No forward local is valid any more: no later read needs a slow arm's reload. */
  private fwdDropPending(): void {
    for (const p of this.fwdPending) p.length = 0;
  }
  private fwdLocal(i: number): number {
    return this.fwdLocals[i] ??= this.local();
  }
  /** After each record (compile.ts): which forward locals are valid from here on (see `forward`). */
  fwdEnd(x: X): void {
    if (!this.forward) return;
    if (this.fwdCalled) {
      this.fwdValid = 0;
      this.fwdDropPending();
    }
    else if (this.fwdStores.size > 0 || this.fwdLoads.size > 0) this.fwdTop(x, 0, -1);
    this.fwdStores.clear();
    this.fwdLoads.clear();
    this.fwdCalled = false;
  }
  /**
   * Walk what runs whenever the record's code reaches its end: unnamed
   * blocks' children in order and the operands of stores, loads, local.set/tee,
   * drops, unary and binary nodes (evaluated unconditionally), not into ifs,
   * loops or named blocks. A branch met on the way can only leave the record
   * (to the block top, where nothing is valid, or out of the function): no
   * enclosing label is named. Register stores and load tees found become valid.
   */
  private fwdTop(x: X, parent: X, at: number): void {
    const kids = topOperands(x);
    // A store has no value: one met as an operand is a child of an unnamed block (x).
    for (let k = 0; k < kids.length; k++) this.fwdTop(kids[k]!, x, k);
    // Only register stores are in fwdStores and only load tees in fwdLoads.
    const s = this.fwdStores.get(x), i = s !== undefined ? s & 7 : this.fwdLoads.get(x);
    if (i === undefined) return;
    this.fwdValid |= 1 << i;
    // A top-level register store (deadRegs): its event says so, and where it sits should it be dead (its parent
    // block and index, or 0: the record).
    if (s !== undefined && s > 7) {
      const k = (s >> 3) - 1;
      this.regEv![k]! |= EV_TOP;
      this.regTop.push(k, parent, at, x);
    }
  }
  /**
   * Dead register stores (reg-liveness.ts, JitOptions.deadRegs): what each
   * record's emitter did (one number per event, reg-liveness.ts `ev`; the
   * top-level stores' nodes and places in regTop, from fwdTop), then, after
   * the block (dropDeadRegs), its dead stores replaced by the local.set of
   * their tee. Null: off.
   */
  private regEv: number[] | null = null;
  private readonly regStarts: number[] = [];
  private readonly regOut: number[] = [];
  /** The top-level register stores: event index, parent block (0: the record), index in it, the store; four numbers each. */
  private readonly regTop: number[] = [];
  /** Dead register stores dropped in this block. */
  deadRegCount = 0;
  /** Turn dead register stores on (with forwarding only: reads of a dropped store's register must come from its local). */
  enableDeadRegs(): void {
    if (this.forward && this.regLocals === null) this.regEv = [];
  }
  /** A record starts: its code is `out[outIdx]`. */
  regBegin(outIdx: number): void {
    if (this.regEv === null) return;
    this.regStarts.push(this.regEv.length);
    this.regOut.push(outIdx);
  }
  private regEvent(e: number): void {
    // Before the first record (the entry) nothing is recorded: it reads no register.
    if (this.regStarts.length === 0) return;
    this.regEv!.push(e);
  }
  /** After the records: replace the dead stores (reg-liveness.ts deadStores) in place; `out` holds the records' code. */
  dropDeadRegs(recs: readonly Rec[], out: X[]): void {
    const evs = this.regEv;
    if (evs === null) return;
    const top = this.regTop;
    if (top.length === 0) return;
    const dead = deadStores(regClasses(recs), evs, this.regStarts);
    if (dead.length === 0) return;
    const where = new Map<number, number>();
    for (let t = 0; t < top.length; t += 4) where.set(top[t]!, t);
    let rec = 0;
    for (const k of dead) {
      while (rec + 1 < this.regStarts.length && this.regStarts[rec + 1]! <= k) rec++;
      const t = where.get(k)!, parent = top[t + 1]!, at = top[t + 2]!, x = top[t + 3]!;
      // The store's value is the tee of the forward local: keep the local.set (later reads use the local).
      const set = this.ir.set(this.fwdLocal((evs[k]! >> 2) & 7), localSetValue(storeValue(x)));
      if (parent !== 0) setChildAt(parent, at, set);
      else if (out[this.regOut[rec]!] === x) out[this.regOut[rec]!] = set;
      else continue;
      this.deadRegCount++;
    }
  }
  reg(i: number): X {
    if (this.regLocals === null) {
      if (!this.forward) return this.ld(REGS + 4 * i);
      if (((this.fwdValid >> i) & 1) !== 0) {
        // Read after slow arms it lived across (slowReload true): each gives the local a new definition from the state.
        const p = this.fwdPending[i]!;
        // ir.load, not ld: the load runs in an earlier slow arm (an observer), not in this record (deadRegs).
        for (const arm of p) appendChild(arm, this.set(this.fwdLocal(i), this.ir.load(REGS + 4 * i)));
        p.length = 0;
        return this.get(this.fwdLocal(i));
      }
      if (!this.fwdLoadTees) return this.ld(REGS + 4 * i);
      // Loaded into the local too: valid after the record if this load runs whenever the record's end is reached (fwdTop).
      const t = this.tee(this.fwdLocal(i), this.ld(REGS + 4 * i));
      this.fwdLoads.set(t, i);
      return t;
    }
    this.used |= 1 << i;
    return this.get(this.regLocals[i]);
  }
  /** setReg(i, v) where v is register i's value + `d` (page groups: the generation goes on, regDelta). */
  setRegAdd(i: number, v: X, d: number): X {
    const gen = this.regGen[i]!, delta = this.regDelta[i]!;
    const x = this.setReg(i, v);
    this.regGen[i] = gen;
    this.regDelta[i] = (delta + d) | 0;
    return x;
  }
  setReg(i: number, v: X): X {
    this.regStored(i);
    if (this.regLocals === null) {
      if (!this.forward) return this.st(REGS + 4 * i, v);
      const x = this.ir.store(REGS + 4 * i, this.tee(this.fwdLocal(i), v));
      if (this.regEv !== null && this.regStarts.length > 0) {
        this.fwdStores.set(x, i | ((this.regEv.length + 1) << 3));
        this.regEvent(EV_STORE | (i << 2));
      } else this.fwdStores.set(x, i);
      return x;
    }
    this.used |= 1 << i;
    this.written |= 1 << i;
    return this.set(this.regLocals[i], v);
  }
  /** Register `i` of the record's numbering for `size` bytes (r32 / r16 / r8 views: runtime/records.ts). */
  regN(size: number, i: number): X {
    const m = this.m, z = this.c(0);
    if (this.regLocals === null && !(this.forward && size === 4) && !(this.forward && ((this.fwdValid >> (size === 2 ? i >> 1 : i >> 2)) & 1) !== 0)) {
      if (this.regEv !== null) this.regEvent(EV_LOAD | ((size === 4 ? i : size === 2 ? i >> 1 : i >> 2) << 2));
      return size === 4 ? m.i32.load(REGS + 4 * i, 4, z) : size === 2 ? m.i32.load16_u(REGS + 2 * i, 2, z) : m.i32.load8_u(REGS + i, 1, z);
    }
    if (size === 4) return this.reg(i);
    // r16 index i: register i >> 1, half i & 1; r8 index i: register i >> 2, byte i & 3 (AL = 0, AH = 1, CL = 4...).
    const k = size === 2 ? i >> 1 : i >> 2, sh = size === 2 ? (i & 1) * 16 : (i & 3) * 8, mask = size === 2 ? 0xffff : 0xff;
    const v = sh === 0 ? this.reg(k) : m.i32.shr_u(this.reg(k), this.c(sh));
    return m.i32.and(v, this.c(mask));
  }
  setRegN(size: number, i: number, v: X): X {
    const m = this.m, z = this.c(0);
    if (this.regLocals === null && !this.forward) {
      this.regStored(size === 4 ? i : size === 2 ? i >> 1 : i >> 2);
      return size === 4 ? m.i32.store(REGS + 4 * i, 4, z, v) : size === 2 ? m.i32.store16(REGS + 2 * i, 2, z, v) : m.i32.store8(REGS + i, 1, z, v);
    }
    if (size === 4) return this.setReg(i, v);
    const k = size === 2 ? i >> 1 : i >> 2, sh = size === 2 ? (i & 1) * 16 : (i & 3) * 8, mask = size === 2 ? 0xffff : 0xff;
    const part = m.i32.and(v, this.c(mask));
    return this.setReg(k, m.i32.or(m.i32.and(this.reg(k), this.c(~(mask << sh))), sh === 0 ? part : m.i32.shl(part, this.c(sh))));
  }
  /**
   * Leave the block: `retired` records of this iteration done; `left` when
   * EIP was written. When chaining is on and no impure call-out came before
   * (see chain.ts), continue into the successor the exit's link slot names
   * if it matches CS base + EIP and the MMU generation; else return to the
   * loop, naming the site in LINK_EXIT so the loop links it.
   */
  exit(retired: number, left: boolean, targets: readonly number[] = [], indirect = false, eip: KnownEip | null = null): X {
    const owed = this.owedFlags();
    const x = this.exitPaid(retired, left, targets, indirect, this.knownEip && this.code32 ? eip : null);
    return owed.length === 0 ? x : this.block([...owed, x]);
  }
  private exitPaid(retired: number, left: boolean, targets: readonly number[], indirect: boolean, eip: KnownEip | null): X {
    const m = this.m, i32 = binaryen.i32;
    const pure = left && !this.impure;
    const direct = pure ? [...this.directTransfers(retired, targets, eip), ...this.dispatchTransfer(retired, targets, indirect, eip)] : [];
    const counted = this.counting ? [xferAt(!pure ? XFER_RET_OTHER : indirect ? XFER_RET_IND : XFER_RET_STATIC)] : [];
    if (this.sites === null || !left || this.impure) {
      const counters = [...counted, ...(this.sites === null ? [] : [JIT_EXITS + 4 * EXIT_IMPURE])];
      if (left) return this.block([this.writeBack(), ...direct, this.toLoop(this.doneN(retired), counters)]);
      const ret = m.return(m.i32.shl(this.doneN(retired), this.c(1)));
      return this.block([this.writeBack(), ...direct, ...counters.map((at) => this.bump(at)), ret]);
    }
    const site = this.sites.next();
    const [gl, gg, gi] = linkGlobals(site);
    const n = this.local(), z = this.c(0);
    return this.block([
      this.writeBack(),
      ...direct,
      this.set(n, this.doneN(retired)),
      // Named before the transfer too: a successor that turns out dead or too long for the budget returns at once.
      this.st(LINK_EXIT, this.c(site + 1)),
      m.if(m.i32.and(
        m.i32.eq(this.ld(MMU_GEN), m.global.get(gg, i32)),
        m.i32.eq(this.csLinear(eip), m.global.get(gl, i32))),
      this.block([
        // The successor's call-outs (RDTSC, device clocks) read ICOUNT: it counts this block now.
        m.f64.store(ICOUNT, 8, z, m.f64.add(m.f64.load(ICOUNT, 8, z), m.f64.convert_u.i32(this.get(n)))),
        this.st(CHAINED, m.i32.add(this.ld(CHAINED), this.c(1))),
        m.return_call_indirect(CHAIN_TABLE, m.global.get(gi, i32), [m.i32.sub(m.local.get(Fn.BUDGET, i32), this.get(n))], i32, i32),
      ])),
      this.toLoop(this.get(n), [...counted, JIT_EXITS + 4 * EXIT_UNLINKED]),
    ]);
  }
  /**
   * Indirect and cross-page transfers at an exit (EIP written, registers
   * written back, only pure records before): an indirect exit (`indirect`),
   * or one whose static targets include another page where a block of the
   * module may start, asks the module's `xfind` for CS base + EIP with the
   * budget left; on an answer (1 + j) it counts this block's instructions
   * (ICOUNT, its insns global) and tail-calls `xgo(budget left, j)`, which
   * names block j as the running block and enters it. Otherwise the exit
   * goes on (to the loop). Why the loop would run the same block: chain.ts.
   */
  private dispatchTransfer(retired: number, targets: readonly number[], indirect: boolean, eip: KnownEip | null): X[] {
    const d = this.dispatch;
    if (d === null || !this.code32) return [];
    // Static targets the same-page direct transfers cannot take (another page, or a block of another module).
    // (An imported block of another module too: when its code died, a new copy is only in the global cache.)
    const other = targets.some((off) => { const t = this.direct === null ? null : this.direct(off); return t === null || t.external === true; });
    const kind = indirect ? (d.indirect ? XFER_INDIRECT : -1) : targets.some((off) => d.crossPage(off)) ? XFER_PAGE : -1;
    const slot = d.slot !== null && (indirect || other) ? d.slot() : -1;
    const global = d.global && (indirect || other);
    // Blocks of this module in another page a static target may be (their page offset): each guarded by its host address.
    // An indirect exit: the blocks of the module the loop saw this block's exits land on (compile.ts DirectLinks.hinted).
    const far = indirect ? d.hinted() : farTargets(d, targets);
    if ((kind < 0 || !d.find) && slot < 0 && !global && far.length === 0) return [];
    const m = this.m, i32 = binaryen.i32;
    const left = (): X => this.leftAfter(retired);
    const account = (): X[] => this.accountDone(retired);
    const h = this.local(), t = this.local(), lin = this.local(), e = this.local();
    // The host address the loop's fetch would use for CS base + EIP (-1: a TLB miss, the loop walks): its
    // TLB hit test under the current read mask, inline (a call to a helper cost more than the test).
    const out: X[] = [
      this.set(lin, this.csLinear(eip)),
      this.set(e, m.i32.load(TLB, 4, m.i32.shl(m.i32.shr_u(this.get(lin), this.c(12)), this.c(2)))),
      this.set(h, m.select(m.i32.eq(m.i32.and(this.get(e), this.ld(READ_MASK)), this.c(TLB_VALID)),
        m.i32.xor(m.i32.and(this.get(e), this.c(~0xfff)), this.get(lin)), this.c(-1))),
    ];
    // A far target of this module: the host address is the whole proof (as for the global cache below: the
    // loop's fetch would find that physical block), so a compare with a constant and a direct tail call,
    // before the cache's hash, two loads and the hub's indirect call.
    for (const ft of far) {
      out.push(this.when([m.i32.eq(this.get(h), this.c(ft.host)), m.global.get(ft.alive, i32), m.i32.ge_s(left(), this.c(ft.recs))], this.block([
        ...account(),
        ...this.name(() => this.c(ft.id), () => this.ld(EIP_OFF)),
        ...this.hotXfer(indirect ? XFER_HINT : XFER_FAR),
        m.return_call(ft.fn, [left()], i32),
      ])));
    }
    // Cache first: one hashed probe; on sh about half of the xfind calls (a binary search) missed.
    const first = global && d.globalFirst;
    if (first) out.push(...this.globalTransfer(h, retired));
    if (kind >= 0 && d.find) {
      out.push(
        this.set(t, m.call(DISPATCH_FIND, [this.get(h), left()], i32)),
        m.if(this.get(t), this.block([
          ...account(),
          ...this.hotXfer(kind),
          m.return_call(DISPATCH_GO, [left(), m.i32.sub(this.get(t), this.c(1))], i32),
        ])),
        this.countXfer(kind === XFER_INDIRECT ? XFER_MISS_IND : XFER_MISS_PAGE),
      );
    }
    if (slot >= 0) {
      const [sh, sr, si] = slotGlobals(slot);
      out.push(
        this.when([m.i32.eq(this.get(h), m.global.get(sh, i32)), m.i32.ge_s(left(), m.global.get(sr, i32))], this.block([
          ...account(),
          ...this.name(() => m.global.get(si, i32), () => this.ld(EIP_OFF)),
          ...this.hotXfer(XFER_MODULE),
          m.return_call_indirect(SLOT_TABLE, this.c(slot), [left()], i32, i32),
        ])),
        // The loop fills the slot with the block it runs next (runtime/interp/loop.ts linkFrom; link.ts).
        this.st(LINK_EXIT, this.c(slot + 1)),
      );
    }
    if (global) {
      if (!first) out.push(...this.globalTransfer(h, retired));
      // No slot to name: the loop still tells the link protocol which block ran next (a fill of the cache).
      if (slot < 0) out.push(this.st(LINK_EXIT, this.c(XCACHE_SITE + 1)));
    }
    return out;
  }
  /**
   * CS base + EIP (EIP written) at an exit: EIP alone when CS's base is 0
   * (Fn.baseZero: the entry guard checks it), a load and an add fewer at
   * every transfer site.
   */
  private csLinear(eip: KnownEip | null): X {
    const v = eip === null ? this.ld(EIP_OFF) : this.eipValue(eip);
    return this.compact && this.baseZero(CS) ? v : this.m.i32.add(this.ld(SEG_BASE + 4 * CS), v);
  }
  /** What the exit's site wrote to EIP (32-bit code): its local, or the block's EIP + offset. */
  private eipValue(eip: KnownEip): X {
    return eip.t !== null ? this.get(eip.t) : this.m.i32.add(this.get(this.eip0), this.c(eip.off ?? 0));
  }
  /**
   * A transfer's accounting: ICOUNT and the block's instruction global += the records done
   * (`retired` plus a self-loop's). Methods, not arrows made per transfer site: the worker's full
   * GCs freed each arrow's optimised code with the arrows (V8 keeps it only through live closures),
   * and V8 optimised them again and again (~10 times a boot each, bench/opt-trace.ts).
   */
  private accountDone(retired: number): X[] {
    const m = this.m, z = this.c(0);
    return [
      m.f64.store(ICOUNT, 8, z, m.f64.add(m.f64.load(ICOUNT, 8, z), m.f64.convert_u.i32(this.doneN(retired)))),
      m.global.set(this.insnsGlobal, m.f64.add(m.global.get(this.insnsGlobal, binaryen.f64), m.f64.convert_u.i32(this.doneN(retired)))),
    ];
  }
  /** The budget left after the records done (`retired` plus a self-loop's). */
  private leftAfter(retired: number): X {
    return this.m.i32.sub(this.m.local.get(Fn.BUDGET, binaryen.i32), this.doneN(retired));
  }
  /** The i32 at `off` + local `e`. */
  private wordAt(e: number, off: number): X {
    return this.m.i32.load(off, 4, this.get(e));
  }
  /**
   * The global dispatch cache (xcache.ts; chain.ts "Global dispatch
   * cache"): entry e = XCACHE + 16 * slot(host); when it holds host `h`
   * (the TLB's answer for CS base + EIP: a miss, -1, matches no entry) and
   * its record count fits the budget left, do the slot transfer's
   * accounting, name its block, and tail-call the hub's xjump(left, slot).
   */
  private globalTransfer(h: number, retired: number): X[] {
    const m = this.m, i32 = binaryen.i32;
    const e = this.local();
    const at = (off: number): X => this.wordAt(e, off);
    const left = (): X => this.leftAfter(retired);
    const account = (): X[] => this.accountDone(retired);
    // Top 16 bits of h * MUL, times 16: (h * MUL) >>> 12 with the low 4 bits cleared.
    const bits = Math.log2(XCACHE_ENTRIES);
    return [
      this.set(e, m.i32.and(m.i32.shr_u(m.i32.mul(this.get(h), this.c(XCACHE_MUL)), this.c(32 - bits - 4)), this.c((XCACHE_ENTRIES - 1) << 4))),
      this.when([m.i32.eq(at(XCACHE), this.get(h)), m.i32.ge_s(left(), at(XCACHE + 4))], this.block([
        ...account(),
        ...this.name(() => at(XCACHE + 8), () => this.ld(EIP_OFF)),
        ...this.hotXfer(XFER_GLOBAL),
        // Transfers per target (JitOptions.regroup: the engine compiles hot ones again with their predecessors, in one module).
        ...(this.dispatch?.countTargets === true ? [m.i32.store(XCACHE + 12, 4, this.get(e), m.i32.add(at(XCACHE + 12), this.c(1)))] : []),
        m.return_call(XJUMP, [left(), m.i32.shr_u(this.get(e), this.c(4))], i32),
      ])),
    ];
  }
  /**
   * Every block of the module names itself on entry (CUR_BLOCK, BLOCK_EIP,
   * RETIRED and BLOCK_DEAD zeroed: compile.ts emitBlock), so a transfer into
   * it need not (one entry's ~36 bytes instead of ~36 at each of a block's
   * ~5 transfer sites). Set by compile.ts: direct transfers on, table
   * chaining off (its entry names the block after its budget check).
   */
  selfNamed = false;
  /** The stores that name the block a transfer enters (its id, its EIP), unless blocks name themselves. */
  private name(id: () => X, eip: () => X): X[] {
    if (this.selfNamed) return [];
    return [this.st(CUR_BLOCK, id()), this.st(BLOCK_EIP, eip()), ...this.st2(RETIRED, this.c(0), this.c(0))];
  }
  /** countXfer(k) at a transfer that stays in wasm, when such transfers are counted (xferCounts). */
  private hotXfer(k: number): X[] {
    return this.xferCounts ? [this.countXfer(k)] : [];
  }
  /** JIT_XFERS[k]++ (counters.ts `xfers`, read between slices). */
  countXfer(k: number): X {
    return this.bump(xferAt(k));
  }
  /** The state word at `at` += 1 (a counter). */
  private bump(at: number): X {
    return this.st(at, this.m.i32.add(this.ld(at), this.c(1)));
  }
  /**
   * Return to the loop with `n` records retired and EIP written ((n << 1) | 1),
   * counting `counters` (state offsets) first, through a module helper (cold.ts
   * coldReturn: these exits go back to the JS loop anyway).
   */
  private toLoop(n: X, counters: readonly number[]): X {
    return coldReturn(this.m, n, counters);
  }
  /**
   * Direct transfers at an exit (EIP already written, registers written
   * back): for each static target `off` (byte offset from the block start)
   * that is a block of this module in the same page (this.direct), when EIP
   * is that target, the target is alive and the whole of it fits the budget
   * left, count this block's instructions (ICOUNT, its insns global), name
   * the target as the running block (CUR_BLOCK, BLOCK_EIP; RETIRED and
   * BLOCK_DEAD are its own from here) and tail-call it. Otherwise fall
   * through to the normal exit. Why the loop would do the same: chain.ts.
   */
  private directTransfers(retired: number, targets: readonly number[], eip: KnownEip | null): X[] {
    if (this.direct === null) return [];
    const m = this.m, i32 = binaryen.i32;
    const out: X[] = [];
    const seen = new Set<number>();
    // The site wrote EIP = the block's EIP + `known` (JitOptions.knownEip): that target's compare is true, the others' false.
    const known = eip === null ? null : eip.off;
    for (const off of targets) {
      if (seen.has(off) || (known !== null && off !== known)) continue;
      seen.add(off);
      const t = this.direct(off);
      if (t === null) continue;
      const at = m.i32.add(this.get(this.eip0), this.c(off));
      const fits = [m.global.get(t.alive, i32), m.i32.ge_s(this.leftAfter(retired), this.c(t.recs))];
      out.push(this.when(
        known !== null ? fits : [m.i32.eq(this.ld(EIP_OFF), at), ...fits],
        this.block([
          ...this.accountDone(retired),
          ...this.name(() => this.c(t.id), () => m.i32.add(this.get(this.eip0), this.c(off))),
          ...(this.xferCounts ? [this.st(DIRECT, m.i32.add(this.ld(DIRECT), this.c(1)))] : []),
          m.return_call(t.fn, [this.leftAfter(retired)], i32),
        ])));
    }
    return out;
  }
  /** Leave to the loop whatever the link slots say (BLOCK_DEAD: the loop must look the code up again). */
  leave(retired: number, reason: number): X {
    return this.leaveX(this.c(retired), reason);
  }
  /** leave() with the records retired computed at run time (an i32 expression; binaryen's ExpressionRef is a number too, hence the two names). */
  leaveX(retired: X, reason: number): X {
    const m = this.m;
    return this.block([...this.owedFlags(), this.writeBack(), this.toLoop(this.add(this.doneX(), retired),
      [...(this.counting ? [xferAt(XFER_RET_OTHER)] : []), ...(this.sites === null ? [] : [JIT_EXITS + 4 * reason])])]);
  }
  /**
   * After a record that may have written its own block's code the slow way
   * (Fn.stored): when BLOCK_DEAD is set, leave with `retired` records done and
   * EIP = the instruction at byte offset `off`, through the function's one
   * dead-exit tail (deadTail): the site only branches there with both packed
   * into one constant, off * (recCount + 1) + retired (~13 bytes a site
   * instead of ~45 for a whole exit each).
   */
  deadCheck(retired: number, off: number): X {
    this.deadExits = true;
    const br = this.m.drop(unlikely(this.m.br(DEAD_EXIT, this.ld(BLOCK_DEAD), this.c(off * (this.recCount + 1) + retired))));
    // The tail is shared: flag stores owed here (flag-liveness.ts) are paid on the way to it.
    const owed = this.owedFlags();
    return owed.length === 0 ? br : this.m.if(this.ld(BLOCK_DEAD), this.block([...owed, br]));
  }
  /** Some deadCheck branches to the dead-exit tail: the body must be wrapped by deadTail. */
  deadExits = false;
  /**
   * The dead-exit tail around `body` (which never falls through): block
   * DEAD_EXIT gives the packed constant of the deadCheck that left it; write
   * EIP from it and leave as leave(retired, EXIT_DEAD) would.
   */
  deadTail(body: X): X[] {
    // Shared by every deadCheck site: each paid its own owed flag stores (deadCheck); none are owed at the end.
    if (this.owed !== null) throw new Error('JIT: flag stores still owed at the end of a block');
    const m = this.m, t = this.local(), k = this.c(this.recCount + 1);
    return [
      this.set(t, m.block(DEAD_EXIT, [body, m.unreachable()], binaryen.i32)),
      this.st(EIP_OFF, this.eipAtX(m.i32.div_u(this.get(t), k))),
      this.leaveX(m.i32.rem_u(this.get(t), k), EXIT_DEAD),
    ];
  }
  /**
   * A taken branch back to the block's own start (the block has `n`
   * records): run the block again inside wasm while the budget allows
   * another whole pass (all `recCount` records: it may fall through), else leave
   * with EIP = `target` (a local).
   * Only for blocks without impure call-outs: nothing the dispatcher checks
   * between blocks (interrupts, TF, translations) can change in between.
   */
  /** JitOptions.loopHint: loopBack's budget test (the br_if to the loop) is hinted likely (branch-hints.ts). */
  loopHint = false;
  loopBack(n: number, target: number, to = 0, label = SELF_LOOP): X {
    if (!this.mayLoop) throw new Error('ir.ts: loopBack in a block not marked mayLoop');
    const m = this.m;
    // An inner loop (JitOptions.innerLoop: to > 0, its top is record `to`): the code from the top counts `to`
    // records before it statically, so `done` gains the records this iteration ran beyond those, n - to.
    // The budget test is the same: retired after the rest of the block = done + recCount.
    // Fn.loopRegs: the next pass counts their locals valid from its top; those not valid here are loaded again.
    const reload: X[] = [];
    if (label === SELF_LOOP) {
      for (let i = 0; i < 8; i++) if (((this.loopRegs & ~this.fwdValid) >> i) & 1) reload.push(this.set(this.fwdLocal(i), this.ir.load(REGS + 4 * i)));
    }
    return this.block([
      ...this.owedFlags(),
      ...reload,
      this.set(this.done, m.i32.add(this.get(this.done), this.c(n - to))),
      this.st(RETIRED, this.get(this.done)),
      (this.loopHint ? likely : same)(m.br(label, m.i32.ge_s(m.i32.sub(m.local.get(Fn.BUDGET, binaryen.i32), this.get(this.done)), this.c(Math.max(n, this.recCount))))),
      this.st(EIP_OFF, this.get(target)),
      this.writeBack(),
      this.toLoop(to === 0 ? this.get(this.done) : this.doneN(to), [...(this.counting ? [xferAt(XFER_RET_OTHER)] : []), ...(this.sites === null ? [] : [JIT_EXITS + 4 * EXIT_LOOP])]),
    ]);
  }
  /**
   * Taken Jccs to an earlier record of their block, not the first
   * (JitOptions.innerLoop; compile.ts innerLoops): record index of such a Jcc
   * -> the record it loops to (the top) and the label of the wasm `loop`
   * whose body starts there and ends after the Jcc. Empty: off.
   */
  readonly innerBack = new Map<number, { to: number; label: string }>();
  /**
   * The top of an inner loop (record `to`), reached by the fall-through and
   * by every back edge (loopBack pays what is owed there). `before`: what
   * the fall-through must run before the loop (outside it: the flag stores
   * it still owes; a back edge must not replay them); `inside`: the loop's
   * first code, run on every entry: every page group's host base reset
   * (groupReset: a leader the previous iteration ran, or skipped, is not
   * this one's). After it nothing is owed, no flag source is tracked (the
   * producers' locals may be another iteration's), no forward local is
   * valid, and no page group led before the top is joined after it (a new
   * generation for every register, as after a call-out: the records after
   * the top may write them later in the iteration; only speed, the reset
   * alone is correct). owedFlags() records an observer for the dead
   * register stores.
   */
  loopTop(): { before: X[]; inside: X[] } {
    const before = this.owedFlags();
    this.owed = null;
    this.flags = null;
    this.fwdValid = 0;
    this.pinned = 0;
    this.fwdDropPending();
    this.calls = ++this.versions;
    return { before, inside: [this.groupReset()] };
  }
  /**
   * Taken Jccs kept inside the block (JitOptions.innerJcc; compile.ts
   * innerSkips): record index of such a Jcc -> the record it skips to and
   * the label of the `block` that ends right before that record. Empty: off.
   */
  readonly inner = new Map<number, { to: number; label: string }>();
  /**
   * Per join (a record some inner branch goes to): the forward locals valid
   * at every inner branch emitted to it (their intersection; absent: none
   * emitted yet, the join then keeps what the fall-through has).
   */
  private readonly joinFwd = new Map<number, number>();
  /** Per join: the flag source tracked at every inner branch to it when it was the same one (null: not). */
  private readonly joinFlags = new Map<number, FlagSource | null>();
  /** JitOptions.innerCount: bump XFER_INNER at taken Jccs to a later / an earlier record of the block (codegen/branch.ts). */
  innerCount: 'later' | 'earlier' | false = false;
  /** Byte offsets of the block's records from its start, in order (set by compile.ts: innerCount's lookups). */
  recOffsets: readonly number[] = [];
  /**
   * The taken side of Jcc `r` as a branch forward to record `to` inside
   * the function (its code sits in the `block` named `label`, which ends
   * right before record `to`). The skipped records never retire, so `done`
   * (records retired by earlier passes, compile.ts sets mayLoop for it) takes
   * their count off: every exit after the join, which counts the records
   * before it statically (doneN), retires what ran; RETIRED gets it too, for
   * a fault after the join (the loop adds it to FAULT_REC's index). Flag
   * stores owed are paid here: the join forgets them (join()).
   */
  innerBranch(r: Rec, to: number, label: string): X {
    const m = this.m, skip = to - r.idx - 1;
    const out: X[] = [...this.owedFlags()];
    if (skip > 0) out.push(this.set(this.done, m.i32.sub(this.get(this.done), this.c(skip))), this.st(RETIRED, this.get(this.done)));
    const v = this.joinFwd.get(to);
    this.joinFwd.set(to, v === undefined ? this.fwdValid : v & this.fwdValid);
    // The flag source tracked here (its locals are this producer's own: nothing in the skipped records sets them).
    const fl = this.joinFlags.get(to);
    this.joinFlags.set(to, fl === undefined || fl === this.flags ? this.flags : null);
    out.push(m.br(label));
    return this.block(out);
  }
  /**
   * Record `j` is reached by the fall-through and by inner branches
   * (innerBranch): what the code after it may assume is what holds on every
   * path. Called after record j - 1 (its code and dead check are in the
   * block the branches leave); returns what the fall-through must run before
   * the join (the flag stores still owed: the branches paid theirs). Then
   * nothing is owed, the flag source stays tracked only when every branch
   * had the one the fall-through has (no flag writer in the skipped
   * records: the producer's locals hold the same values on every path), and
   * the forward locals valid are those valid on every path. owedFlags()
   * also records an observer for the dead register stores (a store before
   * the join is not dropped for an overwrite after it: the branches skip
   * the overwrite's reads from the local).
   * Page groups stay open: a member after the join joins a group only when
   * its registers' generation did not move since the leader (Fn.regGen, set
   * as the fall-through emits), so no skipped record wrote them and they are
   * the same on every path; a leader in the skipped records did not run on
   * the branch's path, and then its host base is still the pass top's
   * invalid one (groupReset), so the member takes the checked helper.
   */
  join(j: number): X[] {
    const owed = this.owedFlags();
    this.owed = null;
    const fl = this.joinFlags.get(j);
    if (fl !== undefined && fl !== this.flags) this.flags = null;
    const keep = this.joinFwd.get(j);
    if (keep !== undefined) {
      this.fwdValid &= keep;
      for (let i = 0; i < 8; i++) if (((this.fwdValid >> i) & 1) === 0) this.fwdPending[i]!.length = 0;
    }
    return owed;
  }
  /** EIP of the instruction at byte offset `off` from the block start (16-bit code wraps). */
  eipAt(off: number): X {
    return this.eipAtX(this.c(off));
  }
  /** eipAt() with the offset computed at run time (an i32 expression). */
  eipAtX(off: X): X {
    const v = this.add(this.get(this.eip0), off);
    return this.code32 ? v : this.m.i32.and(v, this.c(0xffff));
  }
  /** Statements in sequence; the nops writeBack/reload/if stand for when there is nothing to do are left out (a byte each). */
  block(list: X[]): X {
    const nop = this.nop, kept = list.filter((x) => x !== nop);
    return kept.length === 1 ? kept[0] : kept.length === 0 ? nop : this.m.block(null, kept, binaryen.none);
  }
  /**
   * A sequence of type `type` without the function's nop (a byte each in
   * the binary; unnamed blocks nested in blocks cost nothing: binaryen's
   * writer emits their children in place).
   */
  seq(list: X[], type: binaryen.Type): X {
    return this.m.block(null, list.filter((x) => x !== this.nop), type);
  }
  /**
   * The one nop node of this function (block() and seq() drop it from
   * sequences): code that emits nothing returns it, not a new m.nop().
   */
  readonly nop: X;
}
