/**
 * Chaining between compiled blocks: control stays inside WebAssembly from
 * one compiled block to the next instead of returning to the JS loop
 * (runtime/interp/loop.ts) after each block.
 *
 * Every compiled block has an id: its index in one funcref table that all
 * the JIT's modules import (`tbl`). Each exit of a block that writes EIP
 * (taken branch, fall-through end, RET...) is a *site* with a link slot
 * (three mutable globals of its module: linear address, MMU generation,
 * successor id). At the exit the block compares the slot with the state
 * (CS base + EIP, MMU_GEN) and, when they match, adds its retired
 * instructions to ICOUNT and `return_call_indirect`s the successor with the
 * budget that is left; otherwise it stores the site in LINK_EXIT and
 * returns, and the loop fills the slot with the block it runs next.
 *
 * Why this is the interpreter's behaviour: between two blocks the loop
 * checks interrupts (IF, INT_SHADOW, the controller), HLT, TF/RF/DEBUG,
 * pendingStop, the budget and the translation of CS:EIP. A block whose
 * records before the exit ran no impure call-out (compile.ts: none of them
 * can change IF, TF, the shadow, CR0/CR3/CR4, segments, I/O or the TSC)
 * leaves all of these as they were when the loop last checked them, except
 * the budget, which the successor checks in its prologue (it returns at
 * once, having run nothing, when it does not fit), and the translation,
 * which the slot's key checks (MMU_GEN is mmu.generation, bumped by every
 * TLB flush, CPL class change and A20 change; CS base is in the key). The
 * loop passes a budget of one block when an interrupt shadow covers the
 * entry boundary, so nothing chains (or loops) past the next boundary.
 * A dead block's table entry is replaced by a stub that returns at once,
 * so a slot never runs a killed successor.
 *
 * A chained successor names itself in CUR_BLOCK and BLOCK_EIP (its
 * prologue), so the loop locates a fault or BLOCK_EXIT in it, and
 * frontend invalidation sees it as the running block.
 *
 * Measured (bench in the commit that added this): a return_call_indirect
 * across modules costs about what a wasm dispatcher loop with
 * call_indirect does (~5 ns), half a JS->wasm call without any loop logic;
 * tail calls were chosen as they need no second return protocol.
 */
/*
 * Direct transfers (JitOptions.direct, on by default; no table): an exit
 * whose target is static (Jcc taken or not, JMP/CALL rel, fall-through; a
 * relative branch run through its call-out) and is the start of a block of
 * the *same module* in the *same 4 KiB page* as the exiting block's start
 * (compile.ts DirectLinks; the target does not straddle a page) continues
 * by a direct `return_call` to that block's function when, at run time,
 * EIP equals that target, the target's alive global (exported by the
 * module, set by link.ts at attach, cleared by `killed` below when the
 * front end kills the block or the cache evicts its code) is 1, and the
 * budget left holds the whole target block; and no impure call-out ran
 * before the exit (as for table links). The page's translation needs no
 * check: blocks are keyed by physical address, the running block proves
 * its linear page maps to its physical page now, pure code cannot change
 * that (MMU_GEN is unchanged), and a near jump keeps CS; so the target is
 * the block the loop would look up. The transfer keeps the protocol above:
 * ICOUNT += this block's instructions, CUR_BLOCK/BLOCK_EIP name the target,
 * RETIRED and BLOCK_DEAD are reset, and the block's own `k` global counts
 * the instructions it retired before such transfers (Block.jitInsns: the
 * SMC heuristic reads them with Block.insns, so block runs count the same
 * on both engines). Nothing imports anything that would pin a module: a
 * module's globals and functions are its own.
 */
/*
 * Indirect and cross-page transfers (JitOptions.indirect and .pages, on by
 * default with direct transfers; compile.ts addDispatch, ir.ts exit). Each
 * module has a dispatcher over its blocks: `xfind(lin, budget)` answers
 * 1 + j when block j of the module is the block the loop would run at
 * linear address `lin` and may be entered now, else 0; `xgo(budget, j)`
 * names block j as the running block and tail-calls it. An exit with no
 * static target (RET, RET imm16, JMP/CALL r/m32: JitOptions.indirect), or a
 * static target in another page (JitOptions.pages), after only pure
 * records, with EIP written and the registers written back, asks `xfind`
 * for CS base + EIP; on an answer it keeps the direct-transfer protocol
 * (ICOUNT and its `k` global += its instructions) and `return_call`s `xgo`.
 *
 * Why the block `xfind` names is the one the loop would run:
 * - the loop fetches at CS base + EIP through mmu.translateFetch, whose hit
 *   path is exactly `(tlb[lin >>> 12] & readMask) == TLB_VALID`, host =
 *   (entry & ~0xfff) ^ lin (READ_MASK in the state mirrors readMask:
 *   Mmu.setUser). xfind makes the same test on the same TLB word, so it
 *   sees the translation the loop would use *now*, whatever page the target
 *   is in (a RET target may be anywhere): a CR3 write, INVLPG, CR0/CR4
 *   write, A20 change or CPL change drops or rewrites those entries (and
 *   each is an impure call-out, so no transfer follows it in its own
 *   block). A TLB miss (entry 0 or a flag in the mask: not present,
 *   supervisor page at CPL 3, MMIO, a watched page) answers 0: the loop
 *   walks the page tables itself, as it would. So no MMU generation is
 *   needed: the TLB entry is the mapping check, per page, and it never
 *   survives a flush that could make it stale;
 * - the front end keys blocks by (physical address, code size); block j is
 *   a candidate only when its physical start is that host address, it is
 *   32-bit code (only 32-bit blocks exit this way, and a near transfer
 *   keeps CS), and it does not straddle a page (its second page's mapping
 *   would need a second check: the front end's sameTail). Its alive global
 *   is 1 only while the front end holds it valid with its code attached
 *   (link.ts, killed below: stores into its bytes, SMC, eviction), so the
 *   front end would return this very block;
 * - the whole target block must fit the budget left (the loop's rule), and
 *   interrupts, TF, the debug registers and the shadow cannot have changed
 *   since the loop last checked them (no impure call-out ran: see
 *   chaining above; a shadow makes the loop pass a one-block budget);
 * - the segment-limit check of the target was made by the exit itself
 *   (inLimit in codegen/branch.ts) before EIP was written, as the
 *   interpreter's handler does; the loop makes no other check at a block.
 * Same-page static targets keep the plain direct transfer (no TLB load):
 * the running block proves its page's mapping, as above.
 *
 * Cross-module slots (JitOptions.modules, with direct transfers and without
 * table chaining): an indirect exit, or a static one with a target the
 * module's direct transfers cannot take, also gets a one-entry slot: three
 * globals of its module (target host address, record count, block id) and
 * an entry of the module's *own* function table (`xt`, not imported by
 * anyone). When the TLB gives the slot's host address for CS base + EIP and
 * the budget left holds the slot's record count, the exit does the
 * direct-transfer accounting, names the slot's block (CUR_BLOCK, BLOCK_EIP)
 * and `return_call_indirect`s the table entry. Otherwise it names the site
 * in LINK_EXIT and returns, and the loop (runtime/interp/loop.ts linkFrom,
 * the protocol of table chaining) links the site to the block it runs next
 * (link.ts slotLinker: a compiled, 32-bit, single-page block). The same
 * argument as the dispatcher's holds (the TLB test is the loop's fetch, the
 * block is keyed by its host address); a slot must never name a dead block:
 * when its block dies (`killed`) every slot naming it is emptied (host 0,
 * which no TLB answer equals) and its table entry cleared, so a module's
 * table pins another module's code only while that code is alive. (The
 * shared table of table chaining pinned every module that imported it.)
 */
/*
 * Global dispatch cache (JitOptions.global, with direct transfers and
 * without table chaining; xcache.ts, ir.ts globalTransfer). A slot holds one
 * target, so a RET with many callers, or an interpreter's dispatch through
 * function pointers, misses it and returned to the loop. The exits that get
 * a slot (indirect ones, static ones the direct transfers cannot take) then
 * probe one direct-mapped table in linear memory (XCACHE, 64 Ki entries:
 * host address, record count, block id), indexed by a hash of the host
 * address the TLB gives for CS base + EIP (the inline fetch test, the same as the
 * dispatcher's, so the same argument holds: the loop's fetch, blocks keyed
 * by host address, a TLB miss (-1) matches no entry, the budget against the
 * entry's record count, only pure records before). Only live compiled
 * 32-bit single-page blocks are entered in it (GlobalDispatch.add), and a
 * block's entry is emptied when it dies (killed below), so an entry never
 * names a dead block. On a hit the exit keeps the slot transfer's protocol
 * (ICOUNT and its `k` global, CUR_BLOCK/BLOCK_EIP, RETIRED = BLOCK_DEAD =
 * 0, XFER_GLOBAL) and tail-calls the hub's `xjump(budget, slot)`, a
 * `return_call_indirect` through the hub's own table, whose entry `slot` is
 * the block's function. Modules import the hub's function, not its table,
 * so no module is pinned by importing it; the table holds live blocks only.
 * Filled when a block is attached (link.ts) and when the loop runs a block
 * right after an exit missed (the LINK_EXIT protocol; an exit without a
 * slot names XCACHE_SITE).
 */
import type { Block } from '../../runtime/records.js';
import type { Cpu } from '../../runtime/cpu.js';
import { CHAINED, DIRECT, JIT_EXITS, JIT_XFERS, JIT_XFERS2, RAM_BASE, w } from '../../runtime/state/layout.js';
import { GlobalDispatch, type XcacheFill } from './xcache.js';

/** Returns to the loop by reason (JIT_EXITS word index). */
export const EXIT_UNLINKED = 0;   // link slot empty or stale (LINK_EXIT set: the loop links it)
export const EXIT_IMPURE = 1;     // an impure call-out ran before the exit: the loop must check
export const EXIT_BUDGET = 2;     // the successor did not fit the budget (it ran nothing)
export const EXIT_DEAD = 3;       // the block was invalidated by a write to its code (BLOCK_DEAD)
export const EXIT_KILLED = 4;     // the linked successor was killed (stub)
export const EXIT_LOOP = 5;       // a self-loop ran out of budget
export const EXIT_GUARD = 6;      // a segment the block was compiled flat is not (it ran nothing: the loop interprets it)
export const EXIT_REASONS = ['unlinked', 'impure', 'budget', 'dead', 'killed', 'loop-budget', 'flat-guard'] as const;
/** Dispatcher transfers and returns to the loop by exit kind (JIT_XFERS word index; counters.ts `xfers`). */
export const XFER_INDIRECT = 0;   // RET / JMP / CALL r/m32 continued into a block of the module (xfind/xgo)
export const XFER_PAGE = 1;       // a static exit into a block of the module in another page
export const XFER_MISS_IND = 2;   // an indirect exit xfind had no block for (or not alive, or too long for the budget, or a TLB miss)
export const XFER_MISS_PAGE = 3;  // the same for a static exit into another page
export const XFER_RET_STATIC = 4; // returns to the loop from a static exit (fall-through, Jcc, JMP/CALL rel) after only pure records
export const XFER_RET_IND = 5;    // returns to the loop from an indirect exit (RET, JMP/CALL r/m32) after only pure records
export const XFER_RET_OTHER = 6;  // other returns: after an impure call-out, BLOCK_DEAD, a self-loop out of budget
export const XFER_MODULE = 7;     // an exit continued through its cross-module slot
export const XFER_LINKS = 8;      // cross-module slots (re)linked by the loop (counted in JS, not a state word)
export const XFER_GLOBAL = 9;     // an exit continued through the global dispatch cache (xcache.ts; a JIT_XFERS2 word)
export const XFER_FILLS = 10;     // global dispatch cache entries filled (counted in JS, not a state word)
export const XFER_FAR = 11;       // a static exit into a block of the module in another page, by its host address (a JIT_XFERS2 word; JitOptions.farDirect)
export const XFER_HINT = 12;      // an indirect exit into a block of the module its successor hints named, by its host address (a JIT_XFERS2 word; JitOptions.hints)
export const XFER_INNER = 13;     // taken Jccs to another record of their own block (JitOptions.innerCount: later or earlier ones; a JIT_XFERS2 word)
export const XFER_NAMES = ['indirect', 'page', 'miss-indirect', 'miss-page', 'ret-static', 'ret-indirect', 'ret-other', 'module', 'slot-links', 'global', 'global-fills', 'far', 'hint', 'inner'] as const;
/** JIT_XFERS words in the state block (the counters before XFER_LINKS). */
const XFER_WORDS = 8;
/** Counters kept in JIT_XFERS2 words, in word order. */
const XFER_WORDS2 = [XFER_GLOBAL, XFER_FAR, XFER_HINT, XFER_INNER];
/** Byte offset of the state word counting XFER_* `k` (ir.ts countXfer). */
export function xferAt(k: number): number {
  if (k < XFER_WORDS) return JIT_XFERS + 4 * k;
  const j = XFER_WORDS2.indexOf(k);
  if (j < 0) throw new RangeError(`transfer counter ${k} is counted in JS, not in a state word`);
  return JIT_XFERS2 + 4 * j;
}
/** Names of a module's dispatcher functions (compile.ts addDispatch), its slot table and slot setter. */
export const DISPATCH_FIND = 'xfind', DISPATCH_GO = 'xgo', SLOT_TABLE = 'xt', SLOT_LINK = 'xlink';
/** A compiled block of another module a batch's exits may enter (EmitOptions.externals, JitOptions.imports). */
export interface ExternalTarget {
  phys: number;
  code32: boolean;
  recs: number;
}
/** Import names of external target i (module 'x'): its function and its alive global. */
export const externalImports = (i: number): [string, string] => [`e${i}`, `a${i}`];
/** Names of cross-module slot `site`'s globals: target host address (0: empty), record count, block id. */
export const slotGlobals = (site: number): [string, string, string] => [`xh${site}`, `xr${site}`, `xi${site}`];
/** Returned by a compiled block whose flat-segment guard failed (nothing ran). */
export { JIT_GUARD_FAILED as GUARD_FAILED } from '../../runtime/records.js';

/** Names of the link-slot globals of exit site `site`: linear address, MMU generation, successor id. */
export const linkGlobals = (site: number): [string, string, string] => [`cl${site}`, `cg${site}`, `ci${site}`];
/** Name of the function table the link slots index (each module imports its epoch's table as env.tbl). */
export const CHAIN_TABLE = 'tbl';
/** Names of block j's exported globals for direct transfers: alive (i32, 1 while it may be entered), instructions before transfers out (f64). */
export const directGlobals = (j: number): [string, string] => [`a${j}`, `k${j}`];

/**
 * Ids per table (an epoch). A WebAssembly.Table keeps every instance that
 * imports it alive (V8 records the instances to update their dispatch
 * tables), so one table for the process life would pin every module ever
 * compiled: evicted and killed code could never be freed (the JIT's cpu
 * fixtures, one module per block, ran out of heap). So the ids are dealt in
 * epochs of CAP: a new table when the current one is full; a module imports
 * the table of its ids; link slots join blocks of the same table only (the
 * linker checks); an old table, its instances and their code become garbage
 * once no live block holds it (Block.jitTable). Global id = epoch * CAP +
 * index in its table; index 0 of every table is the stub.
 */
export const CAP = 2048;

const W_CHAINED = w(CHAINED), W_DIRECT = w(DIRECT), W_EXITS = w(JIT_EXITS), W_XFERS = w(JIT_XFERS);

/** The shared function tables (one per epoch), block ids, and the stub that stands in for killed blocks. */
export class ChainTable {
  /** The table new ids are dealt from (null: ids only, for direct transfers without table chaining). */
  private cur: WebAssembly.Table | null;
  private readonly stub: WebAssembly.ExportValue | null;
  /** Next global id (never reused). */
  private nextId = 1;
  /** Ids of killed blocks, dropped from cpu.jitBlocks between slices (a killed block may still be running). */
  private dead: number[] = [];
  /** Tables started (epochs), for the counters. */
  epochs = 1;
  /** Cross-module slots (re)linked since the last slice end (counters: XFER_LINKS). */
  slotLinks = 0;
  /** Cross-module slots naming each block (ModuleSlots): emptied when it dies. */
  readonly slotsTo = new Map<Block, Set<SlotRef>>();
  /** Cross-module slots of each block's own exits: emptied when it dies (its module may then be freed). */
  readonly slotsOf = new Map<Block, { mod: ModuleSlots; first: number; count: number }>();
  /** The global dispatch cache (xcache.ts), when on. */
  readonly global: GlobalDispatch | null;

  /**
   * `tables` false: ids only (block ids for CUR_BLOCK, cpu.jitBlocks and the
   * dead list; direct transfers need them), no function table at all, so
   * nothing pins the modules.
   */
  constructor(private readonly cpu: Cpu, readonly tables = true, global: XcacheFill | null = null) {
    this.stub = tables ? stubFunction(cpu.phys.memory) : null;
    this.global = global === null ? null : new GlobalDispatch(cpu, global);
    this.cur = this.newTable();
  }

  private newTable(): WebAssembly.Table | null {
    if (!this.tables) return null;
    const t = new WebAssembly.Table({ initial: CAP, element: 'anyfunc' });
    t.set(0, this.stub as unknown as () => number);
    return t;
  }

  /** Reserve `n` consecutive ids, all in one table (which the batch's module imports). */
  alloc(n: number): { firstId: number; table: WebAssembly.Table | null } {
    if (this.cur === null) {
      const firstId = this.nextId;
      this.nextId += n;
      return { firstId, table: null };
    }
    if (n >= CAP) throw new RangeError(`JIT chain table: a batch of ${n} blocks exceeds the ${CAP - 1} ids of a table`);
    if ((this.nextId % CAP) + n > CAP) {
      // Start the next epoch: its index 0 is the stub.
      this.nextId = (Math.floor(this.nextId / CAP) + 1) * CAP + 1;
      this.cur = this.newTable();
      this.epochs++;
    }
    const firstId = this.nextId;
    this.nextId += n;
    return { firstId, table: this.cur };
  }

  /** Make compiled block `b` (function `fn`, id `b.jitId`, in `table`) reachable from link slots. */
  attach(b: Block, fn: WebAssembly.ExportValue, table: WebAssembly.Table | null): void {
    if (table !== null) {
      table.set(b.jitId % CAP, fn as unknown as () => number);
      b.jitTable = table;
    }
    this.cpu.jitBlocks[b.jitId] = b;
  }


  /**
   * Old copies of regrouped blocks (engine.ts regroupHot): still enterable by
   * the direct transfers of the blocks left in their old modules (a dead copy
   * would send those exits to the loop), until the block dies or loses its
   * code (killed below clears them all).
   */
  private readonly copies = new Map<Block, { alive: WebAssembly.Global; insns: WebAssembly.Global | null; id: number }[]>();

  /**
   * Block `b` is about to get new code while its current copy stays
   * enterable from its module (regroup): the copy is remembered, and leaves
   * the global cache (the new code takes its entry at attach).
   */
  keepCopy(b: Block): void {
    this.global?.killed(b);
    if (b.jitAlive !== null) {
      let list = this.copies.get(b);
      if (list === undefined) this.copies.set(b, list = []);
      list.push({ alive: b.jitAlive, insns: b.jitInsns, id: b.jitId });
    }
    b.jitAlive = null;
    b.jitInsns = null;
  }

  /** Blocks died (or lost their code): no link slot may enter them any more. */
  killed(blocks: readonly Block[]): void {
    // (Indexed: see records.ts killBlock.)
    for (let i = 0; i < blocks.length; i++) {
      const b = blocks[i]!;
      // Regrouped blocks' old copies die with them.
      const copies = this.copies.size === 0 ? undefined : this.copies.get(b);
      if (copies !== undefined) {
        this.copies.delete(b);
        for (const c of copies) {
          c.alive.value = 0;
          if (c.insns !== null) b.insns += c.insns.value as number;
          if (c.id !== 0) this.dead.push(c.id);
        }
      }
      // Cross-module slots naming it are emptied (nothing enters it; its module is no longer pinned by theirs),
      // and its own exits' slots too (nothing keeps its module alive for them).
      const to = this.slotsTo.get(b);
      if (to !== undefined) { this.slotsTo.delete(b); for (const ref of to) ref.mod.clear(ref.site); }
      const own = this.slotsOf.get(b);
      if (own !== undefined) { this.slotsOf.delete(b); for (let k = 0; k < own.count; k++) own.mod.clear(own.first + k); }
      // Direct transfers into it stop (its module's alive global); its instructions counted there move to insns.
      // Nor the global dispatch cache (before jitAlive goes: its entry is found by the block's address).
      this.global?.killed(b);
      if (b.jitAlive !== null) { b.jitAlive.value = 0; b.jitAlive = null; }
      if (b.jitInsns !== null) { b.insns += b.jitInsns.value as number; b.jitInsns = null; }
      if (b.jitId === 0) continue;
      if (b.jitTable !== null) b.jitTable.set(b.jitId % CAP, this.stub as unknown as () => number);
      this.dead.push(b.jitId);
    }
  }

  /** Between run slices (no block is running): forget dead blocks; move the wasm-side counters out. */
  sliceEnd(exits: number[], chained: { n: number }, direct: { n: number }, xfers: number[] = []): void {
    for (const id of this.dead) this.cpu.jitBlocks[id] = undefined;
    this.dead = [];
    const s = this.cpu.s;
    chained.n += s[W_CHAINED];
    s[W_CHAINED] = 0;
    direct.n += s[W_DIRECT];
    s[W_DIRECT] = 0;
    for (let k = 0; k < EXIT_REASONS.length; k++) { exits[k] += s[W_EXITS + k]; s[W_EXITS + k] = 0; }
    for (let k = 0; k < Math.min(xfers.length, XFER_WORDS); k++) { xfers[k] += s[W_XFERS + k]; s[W_XFERS + k] = 0; }
    for (const k of XFER_WORDS2) { if (k < xfers.length) { const at = w(xferAt(k)); xfers[k] += s[at]; s[at] = 0; } }
    if (xfers.length > XFER_LINKS) xfers[XFER_LINKS] += this.slotLinks;
    this.slotLinks = 0;
    if (xfers.length > XFER_FILLS && this.global !== null) { xfers[XFER_FILLS] += this.global.fills; this.global.fills = 0; }
  }
}

/** Relinks of one cross-module slot before it keeps its block (a RET with many callers would relink at every miss). */
export const MAX_RELINKS = 8;

/** A cross-module slot: its module and site. */
interface SlotRef { readonly mod: ModuleSlots; readonly site: number }

/**
 * One module's cross-module slots (chain.ts "Cross-module slots"): the
 * setter of their globals, its own table, which block each names. Made by
 * link.ts when the module is instantiated.
 */
export class ModuleSlots {
  private readonly to: (Block | null)[];
  private readonly refs: SlotRef[];
  private readonly relinks: Uint8Array;
  constructor(private readonly chain: ChainTable, private readonly set: (site: number, host: number, recs: number, id: number) => void,
    private readonly table: WebAssembly.Table, n: number) {
    this.to = new Array<Block | null>(n).fill(null);
    this.refs = Array.from({ length: n }, (_, site) => ({ mod: this, site }));
    this.relinks = new Uint8Array(n);
  }

  /** Slot `site` names compiled block `b` from now on (the loop's link protocol: b ran right after the site's exit). */
  link(site: number, b: Block): void {
    if (site >= this.to.length || this.to[site] === b || this.relinks[site] >= MAX_RELINKS) return;
    // Only what the slot's guard proves: a live compiled 32-bit block in one page (chain.ts).
    if (b.jit === null || b.jitAlive === null || !b.code32 || b.pages.length !== 1 || b.jitId === 0) return;
    this.clear(site);
    this.relinks[site]++;
    this.chain.slotLinks++;
    this.to[site] = b;
    this.table.set(site, b.jit as unknown as () => number);
    this.set(site, RAM_BASE + b.phys, b.recs.length, b.jitId);
    let s = this.chain.slotsTo.get(b);
    if (s === undefined) { s = new Set(); this.chain.slotsTo.set(b, s); }
    s.add(this.refs[site]!);
  }

  /** Empty slot `site` (host 0 never matches; the table entry no longer holds the block's module). */
  clear(site: number): void {
    const b = this.to[site];
    if (b === null || b === undefined) return;
    this.to[site] = null;
    this.set(site, 0, 0, 0);
    this.table.set(site, null);
    this.chain.slotsTo.get(b)?.delete(this.refs[site]!);
  }
}

/** (budget) -> 1: nothing retired, EIP already written by the caller; counts EXIT_KILLED. Hand-assembled: no binaryen needed. */
function stubFunction(memory: WebAssembly.Memory): WebAssembly.ExportValue {
  const at = JIT_EXITS + 4 * EXIT_KILLED;
  const leb = (v: number): number[] => { const out: number[] = []; do { let b = v & 0x7f; v >>>= 7; if (v) b |= 0x80; out.push(b); } while (v); return out; };
  const body = [0x00, 0x41, 0x00, 0x41, 0x00, 0x28, 0x02, ...leb(at), 0x41, 0x01, 0x6a, 0x36, 0x02, ...leb(at), 0x41, 0x01, 0x0b];
  const sect = (id: number, bytes: number[]): number[] => [id, ...leb(bytes.length), ...bytes];
  const str = (t: string): number[] => [t.length, ...[...t].map((c) => c.charCodeAt(0))];
  const bin = new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...sect(1, [1, 0x60, 1, 0x7f, 1, 0x7f]),                       // type (i32) -> i32
    ...sect(2, [1, ...str('env'), ...str('mem'), 0x02, 0x00, 0x01]), // import memory, min 1
    ...sect(3, [1, 0]),                                              // one function of type 0
    ...sect(7, [1, ...str('stub'), 0x00, 0x00]),                    // export it
    ...sect(10, [1, ...leb(body.length), ...body]),
  ]);
  return new WebAssembly.Instance(new WebAssembly.Module(bin), { env: { mem: memory } }).exports.stub;
}
