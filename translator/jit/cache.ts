/**
 * The translation cache's compiled side: which modules are alive and which
 * live blocks each one's code is attached to, with a size bound.
 *
 * A module is the unit of memory (V8 frees its code only when no function
 * of its instance is reachable), so the bound counts modules as well as
 * compiled blocks, and eviction takes whole modules: the ones whose blocks
 * ran least since the last eviction (records.ts recencyOf deltas: a clock-style
 * recency without any per-run cost). An evicted block only loses its
 * compiled code (`detach`); it keeps running, interpreted, and may become
 * hot and be compiled again. A block killed by the front end (SMC,
 * mapping change, its own eviction) leaves its module through `killed`.
 */
import { recencyOf, type Block } from '../../runtime/records.js';
import { releaseCallouts } from './link.js';

export interface CacheLimits {
  /** Modules alive (with at least one attached block) before eviction starts. */
  maxModules: number;
  /** Compiled blocks attached before eviction starts. */
  maxBlocks: number;
}

/**
 * Defaults: the default guest's boot compiles ~7,700 blocks in ~250 modules
 * (bench/memory.ts), so the bound is far above a boot's working set; a
 * module costs V8 ~0.1-0.3 MB (code + instance), so this bounds compiled code
 * to some tens of MB.
 */
export const DEFAULT_LIMITS: CacheLimits = { maxModules: 512, maxBlocks: 32_768 };

/** Eviction frees down to this fraction of the bound, so it does not run again at the next compile. */
const LOW_WATER = 0.75;

class CachedModule {
  /** Hits of each block at the last eviction pass (recency). */
  readonly marks: number[];
  live: number;
  /** Added since the last eviction pass: no recency yet, so never the first to go. */
  fresh = true;
  /** Per block: its recency when the module was added (whether it ran since, for Jit.bound's repacking). */
  readonly added: number[];
  /** The module's attached blocks; a killed one's slot becomes null (it must not keep the dead block reachable). */
  readonly blocks: (Block | null)[];
  /** performance.now() when it was added (small(): only modules older than a minimum age are merged). */
  readonly at = performance.now();
  constructor(blocks: Block[], readonly bytes: number) {
    this.blocks = blocks;
    this.marks = blocks.map((b) => recencyOf(b));
    this.added = [...this.marks];
    this.live = blocks.length;
  }
}

export class CodeCache {
  private readonly modules = new Set<CachedModule>();
  private readonly owner = new Map<Block, CachedModule>();

  constructor(readonly limits: CacheLimits) {}

  get moduleCount(): number { return this.modules.size; }
  get blockCount(): number { return this.owner.size; }

  /** The module holding `b`'s code (an identity to compare), undefined when it has none. */
  moduleOf(b: Block): object | undefined { return this.owner.get(b); }

  /** `blocks`: the blocks of one module whose code was attached. */
  add(blocks: Block[], bytes: number): void {
    if (blocks.length === 0) return;
    const m = new CachedModule(blocks, bytes);
    this.modules.add(m);
    for (const b of blocks) this.owner.set(b, m);
  }

  /** Blocks the front end killed: their modules lose them. Returns how many had compiled code. */
  killed(blocks: readonly Block[]): number {
    let n = 0;
    // (Indexed: see records.ts killBlock.)
    for (let i = 0; i < blocks.length; i++) {
      const b = blocks[i]!;
      // Its module's call-out table may still name its records (also after its code was evicted).
      releaseCallouts(b);
      if (this.moveOut(b)) n++;
    }
    return n;
  }

  /**
   * `b`'s code moves to another module while its old copy may still run
   * (engine.ts regroupHot): its module forgets it (and goes when it held
   * nothing else), its call-outs stay. False when it had no code here.
   */
  moveOut(b: Block): boolean {
    const m = this.owner.get(b);
    if (m === undefined) return false;
    this.owner.delete(b);
    const i = m.blocks.indexOf(b);
    if (i >= 0) m.blocks[i] = null;
    if (--m.live === 0) this.modules.delete(m);
    return true;
  }

  /**
   * The attached blocks of each module that holds few of the blocks it was
   * compiled with: under `share` of them still attached, at least `minDead`
   * gone (killed, moved out). Such a module keeps V8's code, wire bytes and
   * metadata of all its blocks alive for its few attached ones; Jit.repackSparse
   * compiles those again into a dense module, and the old one goes when its
   * last block moves out. Modules with a block for which `busy` says true
   * (already being repacked) are left out.
   */
  sparse(share: number, minDead: number, busy: (b: Block) => boolean): Block[][] {
    const out: Block[][] = [];
    for (const m of this.modules) {
      const n = m.blocks.length;
      if (m.live >= share * n || n - m.live < minDead) continue;
      const live = this.attached(m, busy);
      if (live !== null && live.length > 0) out.push(live);
    }
    return out;
  }

  /** A module's blocks still attached to it; null if `busy` says true for one of them. */
  private attached(m: CachedModule, busy: (b: Block) => boolean): Block[] | null {
    const live: Block[] = [];
    for (const b of m.blocks) {
      if (b === null || this.owner.get(b) !== m) continue;
      if (busy(b)) return null;
      live.push(b);
    }
    return live;
  }

  /**
   * The attached blocks of each small module (fewer than `under` blocks
   * compiled into it) added at least `minAgeMs` ago, when there are at least
   * `least` of them; else none. Jit.repackSparse merges them into one module
   * (JitOptions.repackSmall): under host load the realtime clock's slice
   * ends send partial batches, and the boot ends with several hundred modules
   * of a few blocks each, each with V8's per-module costs.
   */
  small(under: number, least: number, minAgeMs: number, busy: (b: Block) => boolean): Block[][] {
    const now = performance.now();
    const out: Block[][] = [];
    for (const m of this.modules) {
      if (m.blocks.length >= under || now - m.at < minAgeMs) continue;
      const live = this.attached(m, busy);
      if (live !== null && live.length > 0) out.push(live);
    }
    return out.length >= least ? out : [];
  }

  /** Per live module: blocks compiled into it, blocks still attached, wire bytes (bench/module-census.ts). */
  census(): { blocks: number; live: number; bytes: number }[] {
    return [...this.modules].map((m) => ({ blocks: m.blocks.length, live: m.live, bytes: m.bytes }));
  }

  overBound(): boolean {
    return this.modules.size > this.limits.maxModules || this.owner.size > this.limits.maxBlocks;
  }

  /**
   * Evict the least recently run modules until under LOW_WATER of the bound
   * (modules added since the last pass go last); `detach` is called for each
   * live block of an evicted module, with `repack` true when the block ran
   * since its module was compiled and the pass is over the module bound alone
   * (see Jit.bound: such a block is in use and goes back to the worker at
   * once, with the others, into one module). Only while no compiled code
   * runs (between blocks). Returns [modules, blocks] evicted.
   */
  evict(detach: (b: Block, repack: boolean) => void): [number, number] {
    // Too many modules but not too many blocks: the modules are small (an idle guest's trickle of
    // hot blocks, a few per module), and the blocks of evicted ones that still run are better packed
    // together than left to come back hot one small module at a time.
    const packs = this.modules.size > this.limits.maxModules && this.owner.size <= this.limits.maxBlocks;
    const scored: { m: CachedModule; use: number }[] = [];
    for (const m of this.modules) {
      let use = 0;
      m.blocks.forEach((b, i) => {
        if (b === null || this.owner.get(b) !== m) return;
        const r = recencyOf(b);
        use += r - m.marks[i];
        m.marks[i] = r;
      });
      scored.push({ m, use: m.fresh ? Infinity : use });
      m.fresh = false;
    }
    scored.sort((a, b) => a.use - b.use);
    const wantModules = Math.floor(this.limits.maxModules * LOW_WATER);
    const wantBlocks = Math.floor(this.limits.maxBlocks * LOW_WATER);
    let mods = 0, blocks = 0;
    for (const { m } of scored) {
      if (this.modules.size <= wantModules && this.owner.size <= wantBlocks) break;
      this.modules.delete(m);
      mods++;
      m.blocks.forEach((b, i) => {
        if (b === null || this.owner.get(b) !== m) return;
        this.owner.delete(b);
        detach(b, packs && m.marks[i] !== m.added[i]);
        blocks++;
      });
    }
    return [mods, blocks];
  }

  /** Forget everything (the front end flushed). */
  clear(): void {
    this.modules.clear();
    this.owner.clear();
  }
}
