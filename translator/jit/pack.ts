/**
 * Blocks -> one transferable buffer and back, so the compile worker
 * (worker.ts) gets what code generation reads and nothing else. Records hold
 * interpreter handlers (closures) and links to other records, which cannot
 * cross threads; the worker rebuilds Rec/Block objects whose data fields
 * are the originals' and whose handlers are a stub, and the call-outs of the
 * generated code are bound to the real records by index on the main thread
 * (compile.ts `instantiate`).
 *
 * Which fields travel is read from a Rec at load time: every number and
 * boolean field. A field of any other kind that is not a handler or a
 * record link makes this module throw when it loads (so a new kind of field
 * cannot silently go missing in the worker).
 */
import { Block, Rec, type Handler } from '../../runtime/records.js';

/** Record fields that never travel: handlers and links (main-thread only). */
const MAIN_ONLY = new Set(['exec']);

const stub: Handler = () => { throw new Error('JIT worker: a record handler was called in the compile worker'); };

const sample = new Rec(stub) as unknown as Record<string, unknown>;
const NUM: string[] = [];
const BOOL: string[] = [];
for (const k of Object.keys(sample)) {
  const t = typeof sample[k];
  if (t === 'number') NUM.push(k);
  else if (t === 'boolean') BOOL.push(k);
  else if (!MAIN_ONLY.has(k)) throw new Error(`translator/jit/pack.ts: Rec field '${k}' (${t}) has no packing rule`);
}
const FIELDS = [...NUM, ...BOOL];
const NF = FIELDS.length;

/** Successor hints per block (hintsOf): the physical starts of the last two blocks the loop ran after it. */
const HINTS = 2;

/**
 * A block's successor hint for the compile worker: the physical start of a
 * block the loop ran right after it (its successor cache, Block.chainBlock0/1),
 * when that one may be entered by a transfer (valid, 32-bit like it, one
 * page); else -1.
 */
function hint(b: Block, n: Block | null): number {
  return n !== null && n.valid && n.code32 && b.code32 && n.pages.length === 1 ? n.phys : -1;
}

/**
 * Per block: phys, code32, jitFlat, length, page count, pages..., record count, then NF values per record;
 * after the blocks, HINTS successor hints per block (a trailer: bench/emit.ts recordings made before it still unpack).
 */
export function packBlocks(blocks: readonly Block[]): Float64Array {
  let size = 1 + HINTS * blocks.length;
  for (const b of blocks) size += 6 + b.pages.length + NF * b.recs.length;
  const out = new Float64Array(size);
  let p = 0;
  out[p++] = blocks.length;
  for (const b of blocks) {
    out[p++] = b.phys;
    out[p++] = b.code32 ? 1 : 0;
    out[p++] = b.jitFlat;
    out[p++] = b.length;
    out[p++] = b.pages.length;
    for (const pg of b.pages) out[p++] = pg;
    out[p++] = b.recs.length;
    for (const r of b.recs) {
      const o = r as unknown as Record<string, number | boolean>;
      for (let i = 0; i < NF; i++) out[p++] = Number(o[FIELDS[i]]);
    }
  }
  for (const b of blocks) { out[p++] = hint(b, b.chainBlock0); out[p++] = hint(b, b.chainBlock1); }
  return out;
}

/** The worker's blocks' successor hints (physical starts; packBlocks's trailer), for far direct transfers at indirect exits (compile.ts). */
const hints = new WeakMap<Block, readonly number[]>();
/** Block `b`'s successor hints (physical starts of blocks the loop ran after it), empty when none travelled with it. */
export function hintsOf(b: Block): readonly number[] {
  return hints.get(b) ?? [];
}

/**
 * A value read from the Float64Array, as a small integer when it is one.
 * Why: a Float64Array element is a heap number until optimised code unboxes
 * it, and a heap number stored into an object field that held small
 * integers turns the field's representation to double for every object of
 * that shape: in the worker, each of the Rec's 12 number fields became a
 * boxed double (`node --trace-generalization`: "wo: s->d" ... at
 * unpackBlocks), read back through the box by all of code generation.
 * `v | 0` is a small integer; values that are not int32 stay as they are.
 */
function num(v: number): number {
  return (v | 0) === v ? v | 0 : v;
}

/** The worker's copies: same data fields, stub handlers, no links. */
export function unpackBlocks(a: Float64Array): Block[] {
  const blocks: Block[] = [];
  let p = 0;
  const n = a[p++];
  for (let j = 0; j < n; j++) {
    const phys = num(a[p++]), code32 = a[p++] !== 0, flat = a[p++] | 0, length = num(a[p++]), np = a[p++];
    const pages: number[] = [];
    for (let i = 0; i < np; i++) pages.push(num(a[p++]));
    const nr = a[p++];
    const recs: Rec[] = [];
    for (let k = 0; k < nr; k++) {
      const r = new Rec(stub);
      const o = r as unknown as Record<string, number | boolean>;
      for (let i = 0; i < NUM.length; i++) o[NUM[i]] = num(a[p++]);
      for (let i = 0; i < BOOL.length; i++) o[BOOL[i]] = a[p++] !== 0;
      recs.push(r);
    }
    const b = new Block(phys, code32, recs, length, pages);
    b.jitFlat = flat;
    blocks.push(b);
  }
  if (p + HINTS * n <= a.length) {
    for (const b of blocks) {
      const h: number[] = [];
      for (let i = 0; i < HINTS; i++) { const v = a[p++]; if (v >= 0 && !h.includes(v)) h.push(num(v)); }
      hints.set(b, h);
    }
  }
  return blocks;
}
