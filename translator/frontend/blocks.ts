/**
 * Decode once: guest bytes at a physical address become a block of records,
 * cached until a guest write changes bytes it was decoded from. One
 * Instruction object is reused for every decode; each Decoder is freed after
 * its block.
 *
 * Invalidation is precise (as in QEMU's per-page code bitmaps and v86's
 * per-page block lists): each page with decoded code keeps a bitmap of the
 * bytes its blocks cover; a store that misses those bytes (data beside code)
 * or rewrites them with the same values kills nothing, and a store that hits
 * them kills only the blocks overlapping the stored bytes. A page whose code
 * keeps being rewritten before it runs much (self-modifying code, or a
 * zeroed page executing `add [bx+si],al` on itself) goes into SMC mode: its
 * blocks are one instruction long, so a store re-decodes at most the
 * instructions it overlaps instead of a whole block per store. The page
 * leaves SMC mode when its code goes unwritten for a while (see maintain()).
 *
 * Every killed block goes through killBlocks(): engines that keep per-block
 * state (the JIT's compiled code) register with onBlocksKilled() and also
 * see Block.valid turn false.
 *
 * The cache is bounded: when its blocks hold more than `maxRecords` records,
 * maintain() (between run slices) evicts the blocks that have not run since
 * the last recency mark (the previous pass, or mark() once the cache passed
 * `markAt` of the bound, when set), then, if that is not enough, those that ran
 * least since then, down to 3/4 of the bound (see evict()). Everything
 * here depends only on the guest's instruction stream (hit counts, slice
 * boundaries), never on host time, so deterministic runs stay repeatable.
 */
import { Decoder, DecoderOptions, DecoderError, Instruction, Mnemonic } from '../../runtime/iced.js';
import type { Cpu } from '../../runtime/cpu.js';
import { Block, OP_REL, Rec, SHAPED, T_BRANCH, T_COND, T_NONE, deadRecs, killBlock, insnsOf, recencyOf, type BlockSource } from '../../runtime/records.js';
import { E_COND, E_FOLD, E_PAIRED, E_THUNK } from '../../runtime/isa/types.js';
import { callPaired, retAt, retPaired, thunkWord } from '../../runtime/interp/families/branch.js';
import { bindHandler, ud } from '../../runtime/interp/table.js';
import { fusePairs } from '../../runtime/interp/fused.js';
import { fillRecord } from './decode.js';
import { collectGarbage, YoungFreeze } from './gc.js';
import { TLB_VALID } from '../../runtime/mmu.js';
import { BLOCK_DEAD, RAM_BASE, RETIRED, w } from '../../runtime/state/layout.js';
import { settleFields } from '../../runtime/settle-fields.js';

const W_DEAD = w(BLOCK_DEAD);
import '../../runtime/interp/families/index.js';

/**
 * A Pentium II ignores an F3 prefix on 0F BC / 0F BD: they are BSF / BSR, not
 * TZCNT / LZCNT (compilers emit `rep bsf` as a TZCNT that still works on old CPUs).
 */
export const DECODER_OPTIONS = DecoderOptions.NoMPFX_0FBC | DecoderOptions.NoMPFX_0FBD;

/** Most instructions in one block (long blocks amortise dispatch; the budget can still stop mid-block). */
export const MAX_BLOCK_INSNS = 256;
const JUMP_CACHE = 1 << 14;

/**
 * - lookups: get() calls (the loop's chain missed); jcHits / mapHits: found in the
 *   jump cache / the block map; the rest (misses) decoded a block (blocksDecoded)
 * - invalidations: kill events (a store, a mapping check, a flush, an eviction pass) that killed at least one block
 * - blocksKilled: blocks those killed, all reasons; by reason: killedSmc (a guest store
 *   into their bytes), killedMapping (a straddling block whose next linear page now maps
 *   elsewhere: page tables / CR3 changed), killedFlush (explicit: invalidatePage,
 *   flushAll, an SMC page calming down), evicted (the size bound)
 * - evictions: eviction passes; liveBlocks / liveRecords: the cache's size now
 * - codeWritesIgnored: stores into a code page that missed every decoded byte or left it unchanged
 * - smcPages: times a page entered SMC mode (one-instruction blocks)
 * - redecoded: blocks decoded at an address (and code size) whose block an eviction pass had dropped
 * - evictMs: host time in eviction passes, their full collection included, and in recency marks (mark());
 *   evictGcMs: the collections alone; collections: passes that ran one (see GC_GARBAGE)
 * - recycled: records decoded into a dead block's record (FrontEndOptions.recycle) instead of a new one;
 *   spare: dead blocks' records waiting to be decoded into (after the last decode or reclaim)
 */
export interface FrontEndStats {
  lookups: number;
  jcHits: number;
  mapHits: number;
  blocksDecoded: number;
  insnsDecoded: number;
  invalidations: number;
  blocksKilled: number;
  killedSmc: number;
  killedMapping: number;
  killedFlush: number;
  evicted: number;
  evictions: number;
  liveBlocks: number;
  liveRecords: number;
  codeWritesIgnored: number;
  smcPages: number;
  redecoded: number;
  evictMs: number;
  evictGcMs: number;
  collections: number;
  /** CALL rel32 records decoded paired with the lone RET at their target (the block goes on after them). */
  pairedRets: number;
  recycled: number;
  spare: number;
  /** CALL rel32 records decoded paired with the PIC thunk at their target (its MOV and RET after them). */
  pairedThunks: number;
  /** Compacting collections after eviction passes (FrontEndOptions.compactAfterEvict). */
  compactions: number;
  /** Instruction count at which the young generation was frozen (FrontEndOptions.youngFreeze; negative: not; a double from the start). */
  youngFrozenAt: number;
}

/** Why blocks die (FrontEndStats). */
export type KillReason = 'smc' | 'mapping' | 'flush' | 'evict';

/** Told which blocks just died (their records now only exit) and why; called before they are unlisted. */
export type BlocksKilledListener = (blocks: readonly Block[], reason: KillReason) => void;

export interface FrontEndOptions {
  /** Bound on the records of live blocks (see evict()); default DEFAULT_MAX_RECORDS. */
  maxRecords?: number;
  /** A full GC after each eviction pass (default true: gc.ts says why). */
  gcAfterEvict?: boolean;
  /**
   * A second, compacting collection right after that one (gc.ts `compact`; default false). One
   * collection cannot do both: V8 picks the pages to empty from what the previous collection's sweep
   * left, so the pass's own garbage is seen only by the next one (docs/jit-plan.md "Memory", ninth pass).
   */
  compactAfterEvict?: boolean;
  /** Paired RETs (FrontEnd.decode; default true): off only to measure them (bench/phase-pair.ts --fa / --fb). */
  pairRets?: boolean;
  /** Decode into the records of dead blocks (reclaim(); default true): off only to measure it. */
  recycle?: boolean;
  /** Paired thunks (FrontEnd.decode; default true): off only to measure them (bench/phase-pair.ts --fa / --fb). */
  pairThunks?: boolean;
  /** Recency mark at this fraction of the bound (see mark(); MARK_AT is the measured one); default 0: none (only eviction passes mark). */
  markAt?: number;
  /**
   * The fraction of the bound down to which a pass evicts blocks that ran (see evict()); default
   * EVICT_LOW_WATER (3/4); WARM_LOW_WATER (7/8) is the measured alternative.
   */
  lowWater?: number;
  /**
   * A pass collects (gcAfterEvict) only once the records dropped to the GC since the last collection
   * reach this fraction of the bound (GC_GARBAGE is the measured one); default 0: after every pass.
   */
  gcGarbage?: number;
  /** Measurement (docs/jit-plan.md, session 17 burst17): the first this many passes do not collect (default 0). */
  gcSkipFirst?: number;
  /**
   * Stop the main thread's young generation from growing (gc.ts YoungFreeze) once this many
   * eviction passes ran (0: from the first slice); default -1: never (V8 grows it up to the
   * process's `--max-semi-space-size` bound). docs/jit-plan.md "Memory", eleventh pass: at 1, peak
   * RSS lower in 7 of 7 pairs on a host at load 23-35 (deterministic boot -2.3 / -10.5 / -7.9 MiB with
   * its main thread level, `bench=1` -3.0 / -9.8, realtime -5.9 / -4.6, its main thread +4.7 / +5.5 %),
   * but not at load 4-5 (deterministic +1.1 / +1.8, realtime -3.2 / +1.7): off.
   */
  youngFreeze?: number;
}

/**
 * The default bound. The default guest's boot decodes ~41k blocks and would
 * keep ~300k records live; with this bound it evicts ~26k blocks on the way
 * (bench/memory.ts). A record with its share of its block costs ~0.17 KB
 * of V8 heap (bench/decode.ts; 144 bytes the packed Rec itself), so this
 * caps the decoded code at ~45 MB (it was ~130-170 MB before records were
 * packed, ~55 MB at 176 bytes a record). (65,536 cut the
 * live heap but cost 36 % more compiled blocks: hot code evicted and
 * compiled again; docs/jit-plan.md "Memory".)
 * 196,608 since the sixth pass (was 262,144): now that compiled blocks
 * rank last in a pass (COMPILED_USE), the boot at this bound evicts
 * interpreted blocks that ran a few times, decodes ~6 k blocks more (~0.2 s
 * of decode) and compiles ~500-800 fewer (their hit counts restart), for a
 * peak RSS ~15 MiB lower at the same main-thread CPU (interleaved pairs);
 * 131,072 went too far (14 passes, main-thread CPU +7 %).
 */
export const DEFAULT_MAX_RECORDS = 196_608;
/** Blocks killed between sweeps of the successor links to dead blocks (sweepSuccessors, between slices). */
const SWEEP_KILLED = 1024;
/**
 * Eviction passes rank a block with compiled code as if it had run this many
 * more times: after the interpreted blocks that ran fewer times than the
 * JIT's first default threshold (50; translator/jit DEFAULT_THRESHOLD is
 * 200 since session 15, this rank not measured again with it), which are
 * cheap to decode again and not about to be compiled (boot: 2,649 -> 1,519
 * compiled blocks evicted, 914 -> 784 compiled again, 4,866 -> 5,418
 * decoded again).
 */
const COMPILED_USE = 50;
/**
 * An eviction pass drops every idle interpreted block, then, least used
 * first, blocks that ran since the last mark (and compiled ones) down to
 * this fraction of the bound: a pass frees a quarter of the cache at least.
 */
export const EVICT_LOW_WATER = 0.75;
/**
 * FrontEndOptions.lowWater, measured (off by default): blocks that ran are
 * evicted only down to 7/8 of the bound. Blocks that ran come back: of the
 * deterministic boot's user-space pass (6.675 G), 1,766 of the 6,550 blocks
 * evicted were decoded again by GUEST-BOOT-OK, 0 of its 1,717 idle
 * interpreted ones and 88 of its 2,006 idle compiled ones but 1,678 of the
 * 2,827 that had run (49-80 % by group). At 7/8 the deterministic boot
 * decodes 47,090 -> 43,025 blocks, compiles 1,067 -> 448 again, and the
 * user-space tail's main thread drops ~10-15 % (session 15, docs/jit-plan.md
 * "Measured (session 15, tail15)"). But on the realtime boot (`jitvisor
 * run`'s default) passes come more often (9 -> 10-12), blocks decoded again
 * went down in two pairs and up in two, compiled again rose in three of
 * four, main thread +1.7 to +3.4 % in three pairs: not on by default.
 */
export const WARM_LOW_WATER = 0.875;
/**
 * FrontEndOptions.gcGarbage, measured (off by default): an eviction pass's
 * full collection (gcAfterEvict) waits until the records left to the GC
 * since the last one (those reclaim() could not keep as spare) reach this
 * fraction of the bound. Records go to `spare` first, so a small pass
 * leaves few, and the collection (a mark-compact of the ~55-80 MiB heap) was
 * half of a pass's main-thread time (perf of the user-space tail: 27 of the
 * pass's 53 samples). Session 15: the boot's collections 9 -> 2, the
 * user-space tail's main thread 1330 -> 1120 ms, but peak RSS 281 -> 297 MiB
 * (one pair; 277 -> 290 in another): the collections it skips keep the heap
 * (and evicted modules' code) small, and the boot's peak is in that tail.
 */
export const GC_GARBAGE = 0.125;
/**
 * Between two eviction passes, when the cache first holds more than this
 * fraction of the bound, mark() notes every block's recency: the next pass
 * then ranks blocks by their runs since the mark instead of since the
 * previous pass (which may be billions of instructions back), and the first
 * pass by anything at all (before it every block counted as unused-unknown
 * and the oldest went first).
 *
 * Off by default (FrontEndOptions.markAt 0) since the lead's check after
 * session 14 landed: on the deterministic boot the mark cut compiled blocks
 * evicted 4,130 -> 3,164 (user14), but on the realtime boot (`jitvisor
 * run`'s default) it raised blocks evicted 35-38 k -> 49-50 k, decoded again
 * 13-15 k -> 26 k and passes 8-9 -> 11 (boot-runner, two boots each; with
 * `--front '{"markAt":0}'` 37 k / 14-15 k / 9 again). Why the realtime boot
 * differs is not known yet (docs/jit-plan.md "Next", session 14).
 */
export const MARK_AT = 0.875;

/**
 * SMC heuristic: every SMC_WINDOW invalidating stores to a page, the page goes
 * into SMC mode if the blocks those stores killed had run fewer than
 * SMC_RUNS_PER_WRITE times per store on average (counted as instructions retired
 * in them over their length, the same on every engine: Block.insns; the page is written about as
 * often as its code runs, so decoding whole blocks is wasted work).
 */
const SMC_WINDOW = 8;
const SMC_RUNS_PER_WRITE = 4;
/** A page in SMC mode whose code has not been written for this many instructions goes back to whole blocks. */
const SMC_CALM_INSNS = 1_000_000;
/** warmCalm()'s rounds: enough calls of maintain() for V8 to give it a feedback vector (session 18, early18). */
const WARM_CALM = 64;

/** A RET's record as the front end decodes 0xC3 in 32-bit code (pairedRet copies it). */
let retTemplate: Rec | null = null;

/**
 * The record of the RET paired with CALL record `call` (see FrontEnd.decode,
 * "paired RET"): a 32-bit RET whose EIP is the CALL's target (`disp`) and
 * whose fall-through is the CALL's next (`imm`), ends E_PAIRED, T_COND (it
 * leaves the block when the popped value is not that return address).
 */
function pairedRet(call: Rec, idx: number, insn: Instruction): Rec {
  if (retTemplate === null) {
    const bytes = Uint8Array.of(0xc3);
    const d = new Decoder(32, bytes, DECODER_OPTIONS);
    try { d.decodeOut(insn); } finally { d.free(); }
    retTemplate = new Rec(ud);
    fillRecord(retTemplate, insn, bytes, 0, true);
  }
  const t = retTemplate, p = new Rec(retPaired);
  p.wo = t.wo; p.wm = t.wm; p.wg = t.wg;
  p.wa = t.wa; p.wc = t.wc; p.wd = t.wd; p.wf = t.wf;
  p.ends = E_PAIRED;
  p.term = T_COND;
  p.idx = idx;
  p.disp = (call.next + call.imm + (call.disp === 0 ? 0 : 3)) | 0;
  p.imm = call.next;
  return p;
}

/** `mov r32, [esp]` records as the front end decodes them in 32-bit code, by r32 (thunkMov copies one). */
const movTemplates = new Map<number, Rec>();

/**
 * The MOV of the thunk paired with CALL record `call` (see FrontEnd.decode,
 * "paired thunk"; `call.disp` holds the thunk's bytes, thunkWord): the real
 * `mov r32, [esp]` record (disp 0), ends E_THUNK, its EIP (the CALL's
 * target) in `imm`, which the MOV does not use.
 */
function thunkMov(call: Rec, idx: number, insn: Instruction): Rec {
  const modrm = (call.disp >>> 8) & 0xff;
  let t = movTemplates.get(modrm);
  if (t === undefined) {
    const bytes = Uint8Array.of(0x8b, modrm, 0x24);
    const d = new Decoder(32, bytes, DECODER_OPTIONS);
    try { d.decodeOut(insn); } finally { d.free(); }
    t = new Rec(ud);
    fillRecord(t, insn, bytes, 0, true);
    movTemplates.set(modrm, t);
  }
  const p = new Rec(t.exec);
  p.wo = t.wo; p.wm = t.wm; p.wg = t.wg; p.disp = t.disp;
  p.wa = t.wa; p.wc = t.wc; p.wd = t.wd; p.wf = t.wf;
  p.ends = E_THUNK;
  p.idx = idx;
  p.imm = (call.next + call.imm) | 0;
  return p;
}

/**
 * The bytes at linear `lin` as a PIC thunk's word (thunkWord), or 0: read
 * through a TLB entry that passes the read mask, all 4 in its page (retAt's
 * test at decode time: no side effect).
 */
function thunkWordAt(cpu: Cpu, lin: number): number {
  const mmu = cpu.mmu, e = mmu.tlb[lin >>> 12]!;
  if ((e & mmu.readMask) !== TLB_VALID || (lin & 0xfff) > 0xffc) return 0;
  const a = ((e & ~0xfff) ^ lin) >>> 0, u = mmu.u8;
  return thunkWord(u[a]! | u[a + 1]! << 8 | u[a + 2]! << 16 | u[a + 3]! << 24);
}

/** The block cache's key for code at physical `phys` in a 32-bit (or 16-bit) code segment. */
function cacheKey(phys: number, code32: boolean): number {
  return phys * 2 + (code32 ? 1 : 0);
}

/** Whether the 4096 bytes of `u8` at `at` equal `old` (a page image); a memcmp (the snippet runner asks per case). */
export function samePage(u8: Uint8Array, at: number, old: Uint8Array): boolean {
  return Buffer.from(u8.buffer, u8.byteOffset + at, 4096).equals(old.length === 4096 ? old : old.subarray(0, 4096));
}

/** The front end's record of one physical page that holds decoded code. */
class CodePage {
  /** Live blocks with bytes on this page. */
  readonly blocks: Block[] = [];
  /**
   * One bit per byte of the page: set for bytes some block was decoded from.
   * A superset: bits of killed blocks are cleared lazily, when a store hits
   * set bits but no live block (see FrontEnd.codeWrite).
   */
  readonly bits = new Int32Array(128);
  /**
   * SMC heuristic: invalidating stores and the runs of the blocks they killed, in the current window.
   * `runs` (a sum of fractions) and `lastWrite` (an instruction count, past 2^31 in the boot) start as
   * -0, a double: V8 gives the fields a double representation from the first page on, instead of
   * changing it when the first such value is stored, which throws away the optimised code of every
   * function that touches a CodePage (the boot's first SMC store after 2^31 instructions, ~2.3 G).
   */
  writes = 0;
  runs = -0;
  /** In SMC mode: blocks are decoded one instruction long. */
  smc = false;
  /** Retired-instruction count at the last invalidating store. */
  lastWrite = -0;

  /**
   * The `pages` array of every block that lies on this page alone (Block.pages, read-only): one shared
   * array instead of one per block (56 bytes each: a JSArray and its one-element backing store).
   */
  readonly only: number[];

  constructor(readonly page: number) {
    this.only = [page];
  }

  hits(off: number, len: number): boolean {
    const bits = this.bits;
    for (let i = off, end = off + len; i < end; i++) if (bits[i >>> 5] & (1 << (i & 31))) return true;
    return false;
  }

  mark(off: number, len: number): void {
    const bits = this.bits;
    for (let i = off, end = off + len; i < end; i++) bits[i >>> 5] |= 1 << (i & 31);
  }

  /** Recompute the bitmap from the live blocks. */
  rebuild(): void {
    this.bits.fill(0);
    for (const b of this.blocks) markRanges(b, this.page, this);
  }
}

/**
 * Call `f(off, len)` for each byte range of page `page` that block `b` was
 * decoded from. A record's bytes start at (block start in its first page) +
 * rec.off, in the coordinates of the block's first page: a straddling last
 * instruction continues at offset 0 of pages[1], 4096 bytes on.
 */
function forEachRange(b: Block, page: number, f: (off: number, len: number) => void): void {
  const start = b.phys & 0xfff;
  for (let k = 0; k < b.pages.length; k++) {
    if (b.pages[k] !== page) continue;
    const lo = k * 4096, hi = lo + 4096;
    for (const r of b.recs) {
      const a = Math.max(start + r.off, lo), e = Math.min(start + r.off + r.len, hi);
      if (a < e) f(a - lo, e - a);
    }
  }
}

/**
 * forEachRange(b, page, (off, len) => cp.mark(off, len)) without the arrow: made per decoded block, an
 * arrow's optimised code lived only as long as some such arrow did, and V8 optimised it again after
 * each full GC (8 times a boot, bench/opt-trace.ts).
 */
function markRanges(b: Block, page: number, cp: CodePage): void {
  const start = b.phys & 0xfff;
  for (let k = 0; k < b.pages.length; k++) {
    if (b.pages[k] !== page) continue;
    const lo = k * 4096, hi = lo + 4096;
    for (const r of b.recs) {
      const a = Math.max(start + r.off, lo), e = Math.min(start + r.off + r.len, hi);
      if (a < e) cp.mark(a - lo, e - a);
    }
  }
}

/**
 * An empty array with the elements kind it will have (PACKED_ELEMENTS; `like` is pushed and popped):
 * `[]` starts as PACKED_SMI_ELEMENTS and changes map at the first push of an object, and optimised code
 * that read its length before then is thrown away: `spare.length` in get() (inlined into the loop's
 * `run`) and `dying.length` in maintain() (inlined into Machine.run) did so at ~2.33 G ("wrong map";
 * session 17, burst17).
 */
function objectArray<T>(like: T): T[] {
  const a: T[] = [];
  a.push(like);
  a.pop();
  return a;
}

/** evict()'s order of warm blocks: least used first (one function, not an arrow per pass: see markRanges). */
function leastUsedFirst(x: { use: number }, y: { use: number }): number { return x.use - y.use; }

/** Whether block `b` has a byte in [off, off + len) of page `page`. */
function overlaps(b: Block, page: number, off: number, len: number): boolean {
  const start = b.phys & 0xfff;
  for (let k = 0; k < b.pages.length; k++) {
    if (b.pages[k] !== page) continue;
    const a = off + k * 4096, e = a + len;
    for (const r of b.recs) {
      const ra = start + r.off;
      if (ra < e && a < ra + r.len) return true;
    }
  }
  return false;
}

export class FrontEnd implements BlockSource {
  /** The default of `seqDecode` for front ends made from now on (test/interp/fold-decode runs both). */
  static seqDecodeDefault = false;
  private readonly insn = new Instruction();
  /**
   * The last block's Decoder, freed (its wasm side is gone; this only keeps
   * the JS object). Why: a Decoder's map (iced-x86's wrapper after its
   * constructor set its pointer) is held only by live Decoders, and none is
   * alive between blocks: each full GC freed it and deoptimised decode() and
   * the Decoder methods inlined in it ('marking dependent code ... weak
   * objects' in the boot's kernel-init burst, twice).
   */
  private spentDecoder: Decoder | null = null;
  /**
   * Decode a block's records in a row without setting the Decoder's position and IP for each (see
   * decode); settable for bench/decode A/B. Off: bench/decode measured decode 0.90-0.94x with it (and
   * the flag-word cache, decode.ts decodeTuning), but serial-window boots had the whole boot's main
   * thread higher with both on in 8 of 8 interleaved pairs (~+8 %, load 6-18; docs/jit-plan.md,
   * session 18 fresh18), which decode alone cannot explain: not default until that is understood.
   */
  seqDecode: boolean = FrontEnd.seqDecodeDefault;
  private readonly blocks = new Map<number, Block>();
  private readonly byPage = new Map<number, CodePage>();
  /** Pages the SMC heuristic is watching (recent invalidating stores, or SMC mode), checked by maintain(). */
  private readonly watched = new Set<CodePage>();
  private readonly killListeners: BlocksKilledListener[] = [];
  private readonly jc: (Block | undefined)[] = new Array(JUMP_CACHE).fill(undefined);
  private readonly scratch = new Uint8Array(4096 + 16);
  /**
   * Page offsets decode() has put in the block it is building: offset o is
   * taken when seenAt[o] === seenGen (a new generation per block, instead of
   * a Set allocated and filled per block).
   */
  private readonly seenAt = new Int32Array(4096);
  private seenGen = 0;
  readonly stats: FrontEndStats = {
    lookups: 0, jcHits: 0, mapHits: 0, blocksDecoded: 0, insnsDecoded: 0, invalidations: 0, blocksKilled: 0,
    killedSmc: 0, killedMapping: 0, killedFlush: 0, evicted: 0, evictions: 0, liveBlocks: 0, liveRecords: 0,
    codeWritesIgnored: 0, smcPages: 0, redecoded: 0, evictMs: -0, evictGcMs: -0, collections: 0, pairedRets: 0, recycled: 0, spare: 0, pairedThunks: 0, compactions: 0, youngFrozenAt: -0.5, // (ms: -0, doubles from the start)
  };
  /** Cache keys of blocks eviction passes dropped (stats.redecoded, Block.again). */
  private readonly evictedKeys = new Set<number>();
  /** The bound (settable between slices: benchmarks try several). */
  maxRecords: number;
  /** Decode paired RETs (FrontEndOptions.pairRets; settable before a run: benchmarks compare). */
  pairRets: boolean;
  /** Decode paired thunks (FrontEndOptions.pairThunks; settable before a run: benchmarks compare). */
  pairThunks: boolean;
  private readonly gcAfterEvict: boolean;
  private readonly compactAfterEvict: boolean;
  /**
   * Record reuse (docs/jit-plan.md "Memory", eighth pass): records of blocks
   * killed since the last reclaim() (`dying`), and records free for decode
   * to fill again (`spare`). Records are ~80 % of what the front end
   * allocates and they live long (promoted to old space), so without reuse
   * every record of an evicted or killed block was old-space garbage until
   * the next full collection: ~19 MiB of the main heap at the boot's peak.
   */
  recycle: boolean;
  private readonly dying: Block[] = objectArray(SHAPED.block);
  private readonly spare: Rec[] = objectArray(SHAPED.rec);
  /** Fraction of the bound at which mark() runs (0: never); settable between slices. */
  markAt: number;
  /** Fraction of the bound down to which a pass evicts blocks that ran (FrontEndOptions.lowWater); settable between slices. */
  lowWater: number;
  /** FrontEndOptions.gcGarbage; settable between slices. */
  gcGarbage: number;
  /** FrontEndOptions.gcSkipFirst; settable between slices. */
  gcSkipFirst: number;
  /** Records of dead blocks left to the GC (not kept as spare) since the last collection after a pass. */
  private garbage = 0;
  /** FrontEndOptions.youngFreeze: the passes it waits for (-1: none) and the freeze once made. */
  private readonly youngFreezeAfter: number;
  private youngFreeze: YoungFreeze | null = null;
  /** mark() ran since the last eviction pass. */
  private marked = false;

  /** Blocks killed since the last sweepSuccessors(). */
  private killedSinceSweep = 0;
  /**
   * Runs of a block from before an engine reset its hit count (rearm()): the
   * SMC heuristic counts them, so what the JIT does to `hits` never changes
   * how blocks are decoded.
   */

  constructor(private readonly cpu: Cpu, opts: FrontEndOptions = {}) {
    this.maxRecords = opts.maxRecords ?? DEFAULT_MAX_RECORDS;
    this.pairRets = opts.pairRets ?? true;
    this.pairThunks = opts.pairThunks ?? true;
    this.gcAfterEvict = opts.gcAfterEvict ?? true;
    this.compactAfterEvict = opts.compactAfterEvict ?? false;
    this.recycle = opts.recycle ?? true;
    this.markAt = opts.markAt ?? 0;
    this.lowWater = opts.lowWater ?? EVICT_LOW_WATER;
    this.gcGarbage = opts.gcGarbage ?? 0;
    this.gcSkipFirst = opts.gcSkipFirst ?? 0;
    this.youngFreezeAfter = opts.youngFreeze ?? -1;
    cpu.mmu.onCodeWrite = (phys, size, value) => this.codeWrite(phys, size, value);
    // Counters first bumped seconds into the boot (killedSmc, mapHits, ...): mutable for V8 now (runtime/settle-fields.ts).
    settleFields(this);
    settleFields(this.stats);
    this.warmCalm();
  }

  /**
   * maintain()'s SMC-calm loop run on two stand-in pages (one still recent, one calm and in SMC mode,
   * neither with blocks nor in the page map), WARM_CALM times: its first real use, the boot's first
   * watched page (~2.33 G), was code with no type feedback inside Machine.run's optimised code (which
   * inlines maintain() and the loop's `run`) and threw it away (session 18, early18). V8 gives a
   * function a feedback vector only after some use (session 17's Mmu warm-up). Nothing else is left
   * behind: the stand-ins leave `watched`, page 0 was unflagged already, killBlocks() of no block returns
   * first; `spare` and `garbage` are put back.
   */
  private warmCalm(): void {
    const garbage = this.garbage;
    for (let k = 0; k < WARM_CALM; k++) {
      const recent = new CodePage(0), calm = new CodePage(0);
      recent.lastWrite = this.cpu.icountNumber();
      calm.lastWrite = recent.lastWrite - SMC_CALM_INSNS;
      calm.smc = true;
      // A real page's list held a block once (attach): object elements, not `[]`'s small integers (a
      // stand-in's `[]` made the feedback "wrong map" for every real page).
      for (const cp of [recent, calm]) { cp.blocks.push(SHAPED.block); cp.blocks.pop(); }
      this.watched.add(recent);
      this.watched.add(calm);
      // reclaim()'s loop too (first needed at the boot's first kill, ~2.331 G: the same deopt): a dead
      // stand-in block's record goes to `spare` (dropped below).
      this.dying.push(new Block(0, true, [new Rec(ud)], 1, [0]));
      this.maintain();
      this.watched.delete(recent);
    }
    // The stand-ins' records are not kept for decode(): a spare list that does not start empty changed
    // the eviction passes' garbage accounting (test/jit/evict.test.ts gcGarbage).
    this.spare.length = 0;
    this.stats.spare = 0;
    this.garbage = garbage;
  }

  /** Whether physical page `page` is in SMC mode (one-instruction blocks). */
  isSmcPage(page: number): boolean {
    return this.byPage.get(page)?.smc ?? false;
  }

  /** Register an engine's interest in dead blocks (e.g. to free compiled code). */
  onBlocksKilled(listener: BlocksKilledListener): void {
    this.killListeners.push(listener);
  }

  /** The live block at `phys` if one is decoded, without decoding or counting a lookup (reports). */
  peek(phys: number, code32: boolean): Block | undefined {
    return this.blocks.get(cacheKey(phys, code32));
  }

  get(phys: number, lin: number, code32: boolean): Block {
    const slot = (phys ^ (phys >>> 14)) & (JUMP_CACHE - 1);
    const st = this.stats;
    st.lookups++;
    const key = cacheKey(phys, code32);
    // A hit in the jump cache or in the block map goes through the same statements (the counters'
    // choice branch-free): get() is inlined into the loop's optimised `run`, and the map-hit path, first
    // taken ~2.32 G into the boot, had no type feedback of its own there and deoptimised `run` twice
    // (session 17, burst17).
    let b = this.jc[slot];
    const inJc = b !== undefined && b.phys === phys && b.code32 === code32;
    if (!inJc) b = this.blocks.get(key);
    if (b !== undefined) {
      if (b.pages.length === 1 || this.sameTail(b, lin)) {
        st.jcHits += inJc ? 1 : 0;
        st.mapHits += inJc ? 0 : 1;
        this.jc[slot] = b;
        return b;
      }
      // Its last instruction's tail came through another mapping of the next
      // linear page (another address space): those bytes are not this code.
      this.killBlocks([b], 'mapping');
    }
    const block = this.decode(phys, lin, code32);
    this.blocks.set(key, block);
    st.liveBlocks++;
    st.liveRecords += block.recs.length;
    st.spare = this.spare.length;
    this.jc[slot] = block;
    return block;
  }

  /**
   * A block whose last instruction straddles into the next page is keyed by
   * its first physical page, but its tail bytes came through the linear
   * mapping of the next page at decode time: it is only this code while
   * that mapping still leads to the same physical page.
   */
  private sameTail(b: Block, lin: number): boolean {
    const next = ((lin & ~0xfff) + 4096) | 0;
    const mmu = this.cpu.mmu, e = mmu.tlb[next >>> 12];
    const p = (e & mmu.readMask) === TLB_VALID ? (((e & ~0xfff) ^ next) >>> 0) - RAM_BASE : mmu.probe(next);
    return p >= 0 && p >>> 12 === b.pages[1];
  }

  /**
   * Decode the block at `phys`. Blocks are superblocks: a conditional branch
   * that is not taken continues the block (T_COND records), and in 32-bit
   * code a direct JMP/CALL whose target lies in the same page continues it at
   * the target (folded). Offsets stay relative to the block start, so a
   * record's EIP is always block EIP + off. A block ends at any other control
   * transfer or trapping instruction, at the page end, at a target already in
   * the block, or at MAX_BLOCK_INSNS.
   */
  private decode(phys: number, lin: number, code32: boolean): Block {
    const pm = this.cpu.phys;
    const start = phys & 0xfff, pageBase = phys - start;
    const maxInsns = this.byPage.get(phys >>> 12)?.smc ? 1 : MAX_BLOCK_INSNS;
    const pairRets = this.pairRets;
    const buf = this.scratch;
    // The whole page (folded jumps may go backwards), plus up to 15 bytes of the
    // next linear page for an instruction that straddles into it.
    if (pageBase + 4096 <= pm.ramSize) buf.set(pm.u8.subarray(RAM_BASE + pageBase, RAM_BASE + pageBase + 4096));
    else for (let i = 0; i < 4096; i++) buf[i] = pm.read8(pageBase + i);
    let avail = 4096;
    // A probe, not a translation: a look-ahead into a not-present page must not write CR2.
    const nextPhys = this.cpu.mmu.probe((lin - start + 4096) | 0);
    if (nextPhys >= 0) {
      for (let i = 0; i < 15; i++) buf[4096 + i] = pm.read8(nextPhys + i);
      avail = 4096 + 15;
    }
    const bytes = buf.subarray(0, avail);
    const dec = new Decoder(code32 ? 32 : 16, bytes, DECODER_OPTIONS);
    const recs: Rec[] = [];
    const insn = this.insn;
    const seen = this.seenAt;
    if (this.seenGen === 0x3fffffff) { seen.fill(0); this.seenGen = 0; }
    const gen = ++this.seenGen;
    let pos = start, straddles = false, length = 0;
    // Where the Decoder stands: it moves past each instruction it decodes, so it is already at `pos`
    // unless the block folded a jump (or this is its first instruction). Its `position` setter is a
    // wasm call returning a Result (a stack slot, two Int32Array reads): 4 % of decode's time in a
    // boot profile, for every record. Its IP is left to run on from 0 (a new Decoder's): records
    // take only differences of it (a branch's target - next IP, wrapped to the code size).
    let decAt = 0;
    try {
      while (pos < 4096 && recs.length < maxInsns && seen[pos] !== gen) {
        seen[pos] = gen;
        if (decAt !== pos || !this.seqDecode) { dec.position = pos; dec.ip = 0n; }
        dec.decodeOut(insn);
        if (dec.lastError === DecoderError.NoMoreBytes) {
          // The instruction runs into a page we cannot fetch: fault on it when it is first in line.
          if (recs.length === 0) this.cpu.mmu.translate((lin - start + 4096) | 0, false);
          break;
        }
        let r = this.spare.pop();
        if (r === undefined) r = new Rec(ud);
        else { r.reset(ud); this.stats.recycled++; }
        r.off = pos - start;
        r.idx = recs.length;
        fillRecord(r, insn, bytes, pos, code32);
        const end = pos + r.len; // r.next is end - start (off + len)
        decAt = end;
        recs.push(r);
        length += r.len;
        this.stats.insnsDecoded++;
        if (end > 4096) { straddles = true; break; }
        if (r.term === T_NONE) { pos = end; continue; }
        // How it ends the block is the instruction table's word (runtime/isa: `ends`).
        if (r.ends === E_COND && r.midExec !== null) {
          // Conditional branch: the block goes on along the not-taken path.
          r.exec = r.midExec;
          r.term = T_COND;
          pos = end;
          continue;
        }
        // Paired RET: a CALL rel32 whose target holds a lone RET (a static-call trampoline of a call
        // site patched to nothing, say) goes on after the CALL, the RET as the next record, so the
        // pair costs no block exit. The target may be in any page: the CALL record checks at run time
        // that a fetch there still finds the RET (callPaired), or ends the block as the real CALL.
        if (pairRets && r.ends === E_FOLD && code32 && r.mnemonic === Mnemonic.Call && r.k0 === OP_REL && r.osz === 4 && recs.length < maxInsns &&
            retAt(this.cpu, (lin - start + end + r.imm) | 0)) {
          r.exec = callPaired;
          r.term = T_COND;
          recs.push(pairedRet(r, recs.length, insn));
          this.stats.pairedRets++;
          pos = end;
          continue;
        }
        // Paired thunk: the same for a CALL rel32 to a PIC thunk (`__x86.get_pc_thunk.*`: mov r32, [esp];
        // ret): its MOV and RET go after the CALL (the pair of exits, a cross-page call and a RET, was half
        // of the bench=1 sh phase's transfers through the global cache). The CALL's disp (unused by
        // CALL rel) holds the thunk's bytes: its run-time check compares all 4 (callPaired).
        if (this.pairThunks && r.ends === E_FOLD && code32 && r.mnemonic === Mnemonic.Call && r.k0 === OP_REL && r.osz === 4 && recs.length + 1 < maxInsns) {
          const word = thunkWordAt(this.cpu, (lin - start + end + r.imm) | 0);
          if (word !== 0) {
            r.exec = callPaired;
            r.term = T_COND;
            r.disp = word;
            recs.push(thunkMov(r, recs.length, insn));
            recs.push(pairedRet(r, recs.length, insn));
            this.stats.pairedThunks++;
            pos = end;
            continue;
          }
        }
        if (r.ends === E_FOLD && r.foldExec !== null && code32) {
          const target = end + r.imm;
          if (target >= 0 && target < 4096 && seen[target] !== gen) {
            r.exec = r.foldExec;
            r.term = T_NONE;
            r.folded = true;
            pos = target;
            continue;
          }
        }
        break;
      }
    } finally {
      dec.free();
      this.spentDecoder = dec;
    }
    // The last record must leave EIP right: undo mid-block forms there (a paired RET's falls through to its CALL's next).
    const last = recs[recs.length - 1];
    if (last !== undefined && last.ends !== E_PAIRED && (last.term === T_COND || last.folded)) {
      bindHandler(last);
      last.term = T_BRANCH; // E_COND / E_FOLD records end their block as plain branches
      last.folded = false;
    }
    fusePairs(recs);
    const page = phys >>> 12;
    const pages = straddles && nextPhys >= 0 ? [page, nextPhys >>> 12] : this.codePage(page).only;
    // An exact-size copy: the array grew by push (capacity up to 1.5x + 16 slots), and it lives as long as the block.
    const block = new Block(phys, code32, recs.slice(), length, pages);
    for (const p of pages) this.attach(p, block);
    this.stats.blocksDecoded++;
    // Here, not in get(): get() is inlined into the loop's optimised `run`, and this branch is first
    // taken after the first eviction pass (~2.39 G into the boot, long after `run` was optimised): a
    // store with no type feedback there threw `run`'s optimised code away (session 17, burst17).
    // Stored for every block, counted branch-free: the store and the count behind an `if` had no type
    // feedback until the first eviction pass and threw decode()'s optimised code away at the first block
    // decoded again (~2.398 G, inside the console -> "kprobes" stretch; session 18, early18).
    const again = this.evictedKeys.has(cacheKey(phys, code32));
    block.again = again;
    this.stats.redecoded += again ? 1 : 0;
    return block;
  }

  /** The CodePage of `page`, made when there is none yet. */
  private codePage(page: number): CodePage {
    let cp = this.byPage.get(page);
    if (!cp) {
      cp = new CodePage(page);
      this.byPage.set(page, cp);
    }
    return cp;
  }

  private attach(page: number, block: Block): void {
    const cp = this.codePage(page);
    if (!this.cpu.phys.codePages[page]) {
      // Stores to the page now take the MMU's slow path, which calls codeWrite().
      this.cpu.phys.codePages[page] = 1;
      this.cpu.mmu.setCodeFlag(page, true);
    }
    cp.blocks.push(block);
    markRanges(block, page, cp);
  }

  /**
   * The MMU's write slow path, before a guest store of `size` bytes (1-4,
   * within one page) of `value` at physical `phys` on a page flagged as code.
   */
  codeWrite(phys: number, size: number, value: number): void {
    const page = phys >>> 12, off = phys & 0xfff;
    const cp = this.byPage.get(page);
    if (cp === undefined) { this.unflag(page); return; }
    if (!cp.hits(off, size)) { this.stats.codeWritesIgnored++; return; }
    // Storing the bytes already there changes no code (zeroed pages running `add [bx+si],al` with AL = 0).
    const pm = this.cpu.phys;
    let same = true;
    for (let i = 0; i < size; i++) if (pm.read8(phys + i) !== ((value >>> (8 * i)) & 0xff)) { same = false; break; }
    if (same) { this.stats.codeWritesIgnored++; return; }
    const dead: Block[] = [];
    for (const b of cp.blocks) if (overlaps(b, page, off, size)) dead.push(b);
    if (dead.length === 0) {
      // The bits were left over from dead blocks: refresh them so the next stores here are cheap.
      cp.rebuild();
      this.stats.codeWritesIgnored++;
      return;
    }
    this.noteSmc(cp, dead);
    this.killBlocks(dead, 'smc');
  }

  /** SMC heuristic (see SMC_WINDOW), at a store into page `cp` that kills `dead`. */
  private noteSmc(cp: CodePage, dead: readonly Block[]): void {
    cp.lastWrite = this.cpu.icountNumber();
    cp.writes++;
    this.watched.add(cp);
    // Whole-block runs' worth of instructions, not b.hits: compiled code that loops on
    // itself counts one hit for many passes, and block shapes must not depend on the engine.
    // The running block's passes completed inside wasm are not in b.insns yet: RETIRED holds
    // them (0 in the interpreter, whose passes are runs of their own, already counted).
    const cur = this.cpu.block;
    for (const b of dead) cp.runs += (insnsOf(b) + (b === cur ? this.cpu.s[w(RETIRED)]! : 0)) / b.recs.length;
    if (cp.writes < SMC_WINDOW) return;
    const smc = cp.runs < cp.writes * SMC_RUNS_PER_WRITE;
    cp.writes = 0;
    cp.runs = 0;
    if (smc && !cp.smc) this.stats.smcPages++;
    cp.smc = smc;
  }

  /** FrontEndOptions.youngFreeze: from now on the main thread's young generation does not grow (gc.ts). */
  private freezeYoung(): void {
    this.youngFreeze = new YoungFreeze();
    this.youngFreeze.hold();
    this.stats.youngFrozenAt = this.cpu.icountNumber();
  }

  /** Let the young generation grow again (a machine dropped while frozen; tests). */
  releaseYoung(): void { this.youngFreeze?.release(); }

  /**
   * Periodic upkeep, called between run slices: a page whose code has not
   * been stored into for SMC_CALM_INSNS instructions is forgotten by the
   * heuristic; if it was in SMC mode, its one-instruction blocks are dropped
   * so that they decode whole again.
   */
  maintain(): void {
    if (this.stats.liveRecords > this.maxRecords) this.evict();
    else if (!this.marked && this.markAt > 0 && this.stats.liveRecords > this.maxRecords * this.markAt) this.mark();
    if (this.killedSinceSweep >= SWEEP_KILLED) this.sweepSuccessors();
    // Called every time (nothing to do costs a loop of none): first needed at the first kill, it was
    // a call with no type feedback in Machine.run's optimised code, which inlines this and the
    // loop's `run`, and deoptimised both (~2.33 G; session 17, burst17).
    this.reclaim();
    if (this.youngFreeze === null && this.youngFreezeAfter >= 0 && this.stats.evictions >= this.youngFreezeAfter) this.freezeYoung();
    if (this.watched.size === 0) return;
    const now = this.cpu.icountNumber();
    for (const cp of this.watched) {
      if (now - cp.lastWrite < SMC_CALM_INSNS) continue;
      this.watched.delete(cp);
      cp.writes = 0;
      cp.runs = 0;
      if (cp.smc) {
        cp.smc = false;
        // (Called with no blocks too: warmCalm's stand-in gives the call type feedback; nothing dies.)
        this.killBlocks(cp.blocks.slice(), 'flush');
      }
      if (cp.blocks.length === 0) {
        this.byPage.delete(cp.page);
        this.unflag(cp.page);
      }
    }
  }

  /**
   * Kill blocks: mark them dead (a running one stops at its next record),
   * tell the listeners, and drop them from the caches and page lists. The
   * one place blocks die.
   */
  private killBlocks(all: readonly Block[], reason: KillReason): void {
    // Indexed loops, no closures: see records.ts killBlock (the first passes run in Ignition).
    const dead: Block[] = [];
    for (let i = 0; i < all.length; i++) { const b = all[i]!; if (b.valid) dead.push(b); }
    if (dead.length === 0) return;
    const st = this.stats;
    st.invalidations++;
    st.blocksKilled += dead.length;
    if (reason === 'smc') st.killedSmc += dead.length;
    else if (reason === 'mapping') st.killedMapping += dead.length;
    else if (reason === 'flush') st.killedFlush += dead.length;
    else {
      st.evicted += dead.length;
      for (let i = 0; i < dead.length; i++) { const b = dead[i]!; this.evictedKeys.add(cacheKey(b.phys, b.code32)); }
    }
    this.killedSinceSweep += dead.length;
    // Compiled code checks this after anything that may write code (see BLOCK_DEAD): only
    // the running block must stop (the interpreter's records of a dead block throw BLOCK_EXIT).
    const running = this.cpu.block;
    if (running !== null && running.valid && dead.includes(running)) this.cpu.s[W_DEAD] = 1;
    for (let i = 0; i < dead.length; i++) killBlock(dead[i]!);
    const listeners = this.killListeners;
    for (let i = 0; i < listeners.length; i++) listeners[i]!(dead, reason);
    if (this.recycle) for (let i = 0; i < dead.length; i++) this.dying.push(dead[i]!);
    const blocks = this.blocks, jc = this.jc, byPage = this.byPage;
    for (let i = 0; i < dead.length; i++) {
      const b = dead[i]!;
      const key = cacheKey(b.phys, b.code32);
      if (blocks.get(key) === b) {
        blocks.delete(key);
        st.liveBlocks--;
        st.liveRecords -= b.recs.length;
      }
      const slot = (b.phys ^ (b.phys >>> 14)) & (JUMP_CACHE - 1);
      if (jc[slot] === b) jc[slot] = undefined;
      const pages = b.pages;
      for (let k = 0; k < pages.length; k++) {
        const page = pages[k]!;
        const cp = byPage.get(page);
        if (!cp) continue;
        const j = cp.blocks.indexOf(b);
        if (j >= 0) cp.blocks.splice(j, 1);
        if (cp.blocks.length === 0 && !this.watched.has(cp)) {
          // The page is flagged while blocks live. A page the heuristic watches keeps its
          // record and its flag: rewritten code tends to be decoded again soon, and
          // flagging walks the TLB.
          byPage.delete(page);
          this.unflag(page);
        }
      }
    }
  }

  /**
   * Between slices (maintain()): the records of the blocks killed since the
   * last call go to `spare`, for decode to fill again (Rec.reset), and each
   * such block gets deadRecs() of the same length instead. Not at the kill:
   * until the slice ends the loop may still read the running block's
   * records (a killed block stops at its next record, BLOCK_EXIT, and the
   * loop resumes at that record's EIP), and a kill inside get() ('mapping')
   * is followed by a decode at once. Between slices nothing runs a dead
   * block: its compiled code's call-outs were released (link.ts
   * releaseCallouts) and its code is unlinked, so only counts and
   * identities of it are read again. At most a quarter of the bound is kept
   * (what one eviction pass frees); the rest is left to the GC.
   */
  private reclaim(): void {
    // Turned off since the blocks died (a profiler attached: Jit.keepDeadRecords): they keep their records.
    if (!this.recycle) {
      for (const b of this.dying) this.garbage += b.recs.length;
      this.dying.length = 0;
      return;
    }
    const spare = this.spare, cap = this.maxRecords >> 2, dying = this.dying;
    for (let k = 0; k < dying.length; k++) {
      const b = dying[k]!;
      const recs = b.recs;
      b.recs = deadRecs(recs.length);
      let i = 0;
      for (; i < recs.length && spare.length < cap; i++) spare.push(recs[i]!);
      this.garbage += recs.length - i;
    }
    this.dying.length = 0;
    this.stats.spare = spare.length;
  }

  private unflag(page: number): void {
    this.cpu.phys.codePages[page] = 0;
    this.cpu.mmu.setCodeFlag(page, false);
  }

  /** Drop every block decoded from physical page `page` (code loaded behind the guest's back). */
  invalidatePage(page: number): void {
    const cp = this.byPage.get(page);
    if (cp && cp.blocks.length) this.killBlocks([...cp.blocks], 'flush');
    if (!cp || !this.watched.has(cp)) this.unflag(page);
  }

  /**
   * The size bound (between run slices): evict the blocks that did not run
   * since the last mark (this pass's predecessor, or mark()); if the cache is
   * still above `lowWater` (EVICT_LOW_WATER, 3/4) of the bound, then those
   * that ran least since (a stable sort: ties go oldest first), so a pass
   * frees a quarter of the cache at least and hot code stays. A block with compiled code that did not run is not evicted with
   * the idle interpreted ones, and in the second group it ranks as if it had
   * run COMPILED_USE times more, so it stays while the pass can reach the
   * low-water mark without it.
   * Losing one costs a decode, a warm-up run interpreted and a compile
   * (a thousand times a decode); on the default boot a third of the
   * compiled blocks evicted idle came back and were compiled again.
   * Returns the blocks evicted.
   */
  evict(): number {
    const t0 = performance.now();
    const low = Math.floor(this.maxRecords * this.lowWater);
    const cold: Block[] = [];
    const warm: { b: Block; use: number }[] = [];
    let keep = this.stats.liveRecords;
    // The blocks as an array (V8's spread of a Map iterator is native) and indexed loops: this pass
    // runs in Ignition the first times (see records.ts killBlock).
    const all = [...this.blocks.values()];
    for (let i = 0; i < all.length; i++) {
      const b = all[i]!;
      const mark = b.evictMark;
      const r = recencyOf(b);
      const use = mark < 0 ? Infinity : r - mark;
      if (use === 0 && b.jit === null) { cold.push(b); keep -= b.recs.length; } else warm.push({ b, use: b.jit === null ? use : use + COMPILED_USE });
      b.evictMark = r;
    }
    if (keep > low) {
      warm.sort(leastUsedFirst);
      for (let i = 0; i < warm.length; i++) {
        if (keep <= low) break;
        const b = warm[i]!.b;
        cold.push(b);
        keep -= b.recs.length;
      }
    }
    this.stats.evictions++;
    this.marked = false;
    this.killBlocks(cold, 'evict');
    this.sweepSuccessors();
    // Before the collection: the dead blocks' own arrays (and the records over the cap) go with it.
    if (this.dying.length !== 0) this.reclaim();
    const t1 = performance.now();
    if (this.gcAfterEvict && this.garbage >= this.maxRecords * this.gcGarbage && this.stats.evictions > this.gcSkipFirst) {
      this.garbage = 0;
      this.stats.collections++;
      collectGarbage();
      if (this.compactAfterEvict) { collectGarbage({ compact: true }); this.stats.compactions++; }
    }
    const t2 = performance.now();
    this.stats.evictMs += t2 - t0;
    this.stats.evictGcMs += t2 - t1;
    return cold.length;
  }

  /**
   * Note every live block's recency (what an eviction pass does first),
   * evicting nothing: the next pass measures use from here.
   */
  mark(): void {
    const t0 = performance.now();
    this.marked = true;
    const all = [...this.blocks.values()];
    for (let i = 0; i < all.length; i++) { const b = all[i]!; b.evictMark = recencyOf(b); }
    this.stats.evictMs += performance.now() - t0;
  }

  /**
   * Reset a block's hit count so that the engine's tiering sees it again
   * (the JIT, after evicting its compiled code); the SMC heuristic keeps
   * counting its runs (Block.insns).
   */
  rearm(b: Block): void {
    b.hits = 0;
    b.again = true;
  }

  /**
   * Forget successor-cache links (Block.chainBlock0/1, the loop's) that lead
   * to dead blocks: the loop never follows them (it checks `valid`), but
   * they kept the dead blocks and their records reachable (~30 % of the
   * records in the heap at the end of the default boot, docs/jit-plan.md
   * "Memory"). Only dead targets are dropped, so the loop looks up exactly
   * what it would have looked up anyway.
   */
  sweepSuccessors(): void {
    this.killedSinceSweep = 0;
    const all = [...this.blocks.values()];
    for (let i = 0; i < all.length; i++) {
      const b = all[i]!;
      if (b.chainBlock0 !== null && !b.chainBlock0.valid) { b.chainLin0 = -1; b.chainGen0 = -1; b.chainBlock0 = null; }
      if (b.chainBlock1 !== null && !b.chainBlock1.valid) { b.chainLin1 = -1; b.chainGen1 = -1; b.chainBlock1 = null; }
    }
  }

  /** Every cached (valid) block: profiles read their hit counts. */
  liveBlocks(): IterableIterator<Block> { return this.blocks.values(); }

  /** Drop everything (tests, mode resets), including the SMC heuristic's state. */
  /**
   * Copies of the physical pages live blocks were decoded from, to hand to
   * keepUnchanged() after memory is reloaded behind the guest's back.
   */
  codePageImages(): Map<number, Uint8Array> {
    const u8 = this.cpu.phys.u8, base = RAM_BASE, out = new Map<number, Uint8Array>();
    for (const [page, cp] of this.byPage) {
      if (cp.blocks.length === 0) continue;
      const at = base + page * 4096;
      if (at + 4096 <= u8.length) out.set(page, u8.slice(at, at + 4096));
    }
    return out;
  }

  /**
   * Memory was reloaded behind the guest's back (the snippet runner's next
   * case): kill the blocks whose bytes differ from `before`
   * (codePageImages() taken earlier), keep the others with their compiled
   * code. A block is keyed by its physical address and code size and is
   * exactly its bytes, so a block whose bytes are unchanged is the block the
   * front end would decode again. The SMC state of the pages is reset, as
   * by flushAll(). Only blocks wholly inside the physical range
   * [`from`, `to`) (the code just loaded) are kept: blocks left over
   * elsewhere, say over zeroed memory a previous program ran into, would
   * otherwise outlive their program and show up in the next one's counters.
   */
  keepUnchanged(before: ReadonlyMap<number, Uint8Array>, from = 0, to = Infinity): void {
    this.watched.clear();
    const u8 = this.cpu.phys.u8, base = RAM_BASE;
    for (const [page, cp] of [...this.byPage]) {
      const old = before.get(page);
      cp.smc = false; cp.writes = 0; cp.runs = 0;
      // The common case (a batch of snippets reloaded as it was): a page inside the range with all its
      // bytes unchanged keeps every block, and its bitmap (a superset) stays right.
      if (old !== undefined && page * 4096 >= from && page * 4096 + 4096 <= to && samePage(u8, base + page * 4096, old)) continue;
      const dead = old === undefined ? [...cp.blocks] : cp.blocks.filter((b) => {
        let differs = false;
        forEachRange(b, page, (off, len) => {
          const at = page * 4096 + off;
          if (at < from || at + len > to) differs = true;
          for (let i = off; i < off + len && !differs; i++) if (u8[base + page * 4096 + i] !== old[i]) differs = true;
        });
        return differs;
      });
      if (dead.length) this.killBlocks(dead, 'flush');
      if (cp.blocks.length === 0) { this.byPage.delete(page); this.unflag(page); } else cp.rebuild();
    }
  }

  flushAll(): void {
    this.watched.clear();
    for (const page of [...this.byPage.keys()]) this.invalidatePage(page);
    this.byPage.clear();
  }
}
