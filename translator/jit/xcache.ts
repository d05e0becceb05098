/**
 * The global dispatch cache (chain.ts "Global dispatch cache"): one
 * direct-mapped table in linear memory, shared by every module, that an
 * indirect or cross-page exit consults when its own module's dispatcher
 * and its one-entry slot both miss, before it returns to the loop.
 *
 * Entry k (XCACHE + 16 k) holds the host address of a compiled block's
 * start (RAM_BASE + physical; 0: empty), its record count and its block
 * id; index k of the hub's function table (`xtab`) holds its function.
 * k is a hash of the host address (xcacheSlot), so an exit finds the one
 * candidate with a multiply, two loads and two compares. On a hit it keeps
 * the slot transfer's protocol and tail-calls the hub's `xjump(budget, k)`,
 * which `return_call_indirect`s table entry k.
 *
 * The hub is one small hand-assembled module per JIT owning the table;
 * modules import its `xjump` function, not the table. So the table's
 * entries are the only references from the hub to other modules' code,
 * and every entry names a live block: a block's entry is emptied (host 0,
 * table entry null) when it dies (ChainTable.killed), so a module whose
 * blocks all died is not pinned by the cache. (An imported table would
 * pin every instance importing it: chain.ts ChainTable.)
 */
import type { Block } from '../../runtime/records.js';
import type { Cpu } from '../../runtime/cpu.js';
import { RAM_BASE, XCACHE, XCACHE_ENTRIES, XCACHE_ENTRY } from '../../runtime/state/layout.js';

/** Multiplier of the hash (Knuth's golden ratio, 2^32 / phi). */
export const XCACHE_MUL = 0x9e3779b1 | 0;
/** log2(XCACHE_ENTRIES): the hash keeps the product's top bits. */
const BITS = Math.log2(XCACHE_ENTRIES);
/** The exit site an exit without a cross-module slot names in LINK_EXIT (as site + 1) after missing the cache: the loop's next block fills it. */
export const XCACHE_SITE = -2;
/** Name of the hub's jump function modules import (env.xjump). */
export const XJUMP = 'xjump';

/** Index of the cache entry for host address `host`: the top BITS bits of host * XCACHE_MUL (generated code computes the same). */
export function xcacheSlot(host: number): number {
  return Math.imul(host, XCACHE_MUL) >>> (32 - BITS);
}

/** How the cache is filled: at attach (every eligible block), when the loop runs a block after a slot's miss, or both. */
export type XcacheFill = 'attach' | 'exit' | 'both';

export class GlobalDispatch {
  /** The hub's `xjump(budget, k)`: modules import it. */
  readonly jump: WebAssembly.ExportValue;
  private readonly table: WebAssembly.Table;
  /** The block in each entry (null: empty). */
  private readonly owner: (Block | null)[] = new Array<Block | null>(XCACHE_ENTRIES).fill(null);
  private readonly words: Int32Array;
  /** Entries filled (replacing another block or not) since the counters last read it. */
  fills = 0;

  constructor(cpu: Cpu, readonly fill: XcacheFill = 'both') {
    const inst = hub(XCACHE_ENTRIES);
    this.jump = inst.exports[XJUMP]!;
    this.table = inst.exports.xtab as WebAssembly.Table;
    this.words = new Int32Array(cpu.phys.memory.buffer, XCACHE, (XCACHE_ENTRIES * XCACHE_ENTRY) >> 2);
    // A machine is new (zero memory) but a cache must never name a block of another JIT: start empty.
    this.words.fill(0);
  }

  /**
   * Enter compiled block `b` in its entry (replacing the one there), when an
   * exit may take it: a live compiled 32-bit block in one page (chain.ts:
   * only 32-bit exits probe, a near transfer keeps CS, and a straddling
   * block's second page would need a second TLB check). False when not.
   */
  add(b: Block): boolean {
    if (b.jit === null || b.jitAlive === null || !b.code32 || b.pages.length !== 1 || b.jitId === 0) return false;
    const host = RAM_BASE + b.phys, k = xcacheSlot(host);
    if (this.owner[k] === b) return true;
    this.owner[k] = b;
    this.table.set(k, b.jit as unknown as () => number);
    const at = (k * XCACHE_ENTRY) >> 2, w = this.words;
    w[at] = host;
    w[at + 1] = b.recs.length;
    w[at + 2] = b.jitId;
    w[at + 3] = 0;
    this.fills++;
    return true;
  }

  /**
   * The blocks whose entries counted at least `share` of the transfers
   * counted since the last call (generated code counts them in the entry's
   * fourth word with JitOptions.regroup: ir.ts globalTransfer), hottest
   * first, at most `max`; every count starts again from 0.
   */
  takeHot(share: number, max: number): Block[] {
    const w = this.words;
    let total = 0;
    for (let at = 3; at < w.length; at += 4) total += w[at]!;
    const hot: [number, Block][] = [];
    for (let at = 3, k = 0; at < w.length; at += 4, k++) {
      const c = w[at]!;
      if (c === 0) continue;
      w[at] = 0;
      const b = this.owner[k];
      if (b !== null && b !== undefined && c >= total * share) hot.push([c, b]);
    }
    hot.sort((x, y) => y[0] - x[0]);
    return hot.slice(0, max).map(([, b]) => b);
  }

  /** Block `b` died or lost its code: its entry, if it holds it, is emptied (nothing enters it; its module is not held). */
  killed(b: Block): void {
    const k = xcacheSlot(RAM_BASE + b.phys);
    if (this.owner[k] !== b) return;
    this.owner[k] = null;
    this.table.set(k, null);
    const at = (k * XCACHE_ENTRY) >> 2;
    this.words[at] = 0;
    this.words[at + 1] = 0;
    this.words[at + 2] = 0;
    this.words[at + 3] = 0;
  }

  /** The block in entry `k`, and whether the hub's table holds a function there (tests). */
  entry(k: number): { block: Block | null; host: number; fn: boolean } {
    return { block: this.owner[k]!, host: this.words[(k * XCACHE_ENTRY) >> 2]!, fn: this.table.get(k) !== null };
  }
}

/**
 * The hub: a table of `n` funcrefs (exported as `xtab`) and
 * `xjump(budget, k) = return_call_indirect xtab[k](budget)`, hand-assembled
 * (the main thread never loads binaryen).
 */
function hub(n: number): WebAssembly.Instance {
  const leb = (v: number): number[] => { const out: number[] = []; do { let b = v & 0x7f; v >>>= 7; if (v) b |= 0x80; out.push(b); } while (v); return out; };
  const sect = (id: number, bytes: number[]): number[] => [id, ...leb(bytes.length), ...bytes];
  const str = (t: string): number[] => [t.length, ...[...t].map((c) => c.charCodeAt(0))];
  // local.get 0 (budget); local.get 1 (k); return_call_indirect type 0 table 0; end
  const body = [0x00, 0x20, 0x00, 0x20, 0x01, 0x13, 0x00, 0x00, 0x0b];
  const bin = new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...sect(1, [2, 0x60, 1, 0x7f, 1, 0x7f, 0x60, 2, 0x7f, 0x7f, 1, 0x7f]), // types: (i32) -> i32 (a block), (i32, i32) -> i32
    ...sect(3, [1, 1]),                                                    // one function of type 1
    ...sect(4, [1, 0x70, 0x00, ...leb(n)]),                                // table: funcref, min n
    ...sect(7, [2, ...str(XJUMP), 0x00, 0x00, ...str('xtab'), 0x01, 0x00]),
    ...sect(10, [1, ...leb(body.length), ...body]),
  ]);
  return new WebAssembly.Instance(new WebAssembly.Module(bin), {});
}
