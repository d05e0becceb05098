/**
 * Per-form histograms of executed guest instructions, to choose what the
 * JIT inlines (bench/histogram.ts). Two sources:
 *
 * - `histogram(blocks)`: from the blocks' hit counts (each hit counted for
 *   every record of the block, so records after a taken mid-block exit are
 *   over-counted; invalidated blocks are gone). Cheap, approximate.
 * - `RecordCounter`: exact counts, by wrapping each decoded record's
 *   interpreter handler (interpreter engine only: compiled code does not
 *   call the handlers of its inline records).
 *
 * "inline" is what the JIT would generate for the record in its block:
 * the block is walked as compile.ts walks it (a call-out forgets the
 * tracked flag source), so a Jcc counts as inline only where it would be.
 */
import binaryen from './binaryen.js';
import { Mnemonic } from '../../runtime/iced.js';
import { EXIT2, SKIP, type Block, type Handler, type Rec } from '../../runtime/records.js';
import { Fn } from './ir.js';
import { emitterFor } from './registry.js';
import './codegen/index.js';

const KIND = ['-', 'r', 'm', 'i', 'sreg', 'creg', 'dreg', 'rel', 'far', 'str', 'st'];

/** A record's form: mnemonic, operand kinds, operand size. */
export function formOf(r: Rec): string {
  const ops = [r.k0, r.k1, r.k2].filter((k) => k !== 0).map((k) => KIND[k] ?? String(k)).join(',');
  return `${Mnemonic[r.mnemonic] ?? r.mnemonic} ${ops}${r.rep ? ' rep' : ''} o${r.osz}`;
}

export interface FormCount { form: string; count: number; inline: number }

/** Binaryen module reused for classification (expressions are dropped with it now and then). */
let scratch: binaryen.Module | null = null;
let uses = 0;

/** For each record of `b`: would the JIT generate it inline? (The block walked as compile.ts does.) */
export function inlineMap(b: Block): boolean[] {
  if (scratch === null || ++uses > 2000) { scratch?.dispose(); scratch = new binaryen.Module(); uses = 0; }
  const f = new Fn(scratch, b.code32, 0);
  const n = b.recs.length;
  return b.recs.map((r) => {
    f.stored = false;
    const e = emitterFor(r);
    const x = e ? e(f, r, r.idx === n - 1) : null;
    if (x === null) f.flags = null;
    return x !== null;
  });
}

export function histogram(blocks: Iterable<Block>): FormCount[] {
  const counts = new Map<string, FormCount>();
  for (const b of blocks) {
    if (b.hits === 0) continue;
    const inl = inlineMap(b);
    for (const r of b.recs) {
      const form = formOf(r);
      let c = counts.get(form);
      if (!c) { c = { form, count: 0, inline: 0 }; counts.set(form, c); }
      c.count += b.hits;
      if (inl[r.idx]) c.inline += b.hits;
    }
  }
  return [...counts.values()].sort((a, b) => b.count - a.count);
}

interface Slot { form: string; inline: boolean; n: number }

/**
 * Exact per-record execution counts on the interpreter: `watch(block)` wraps
 * each record's handler once (a fused pair's SKIP/EXIT2 counts its second
 * record too). Records run through `plain` (a budget ending inside a block)
 * are not counted: a few per slice.
 */
export class RecordCounter {
  private readonly seen = new WeakSet<Block>();
  private readonly slots: Slot[] = [];

  watch(b: Block): void {
    if (this.seen.has(b) || !b.valid) return;
    this.seen.add(b);
    const inl = inlineMap(b);
    const slots = b.recs.map((r): Slot => ({ form: formOf(r), inline: inl[r.idx]!, n: 0 }));
    for (const s of slots) this.slots.push(s);
    for (const r of b.recs) {
      const orig: Handler = r.exec, mine = slots[r.idx]!, next = slots[r.idx + 1];
      r.exec = (cpu, rec) => {
        mine.n++;
        const x = orig(cpu, rec);
        if ((x === SKIP || x === EXIT2) && next) next.n++;
        return x;
      };
    }
  }

  /** Start a window: forget the counts so far. */
  reset(): void { for (const s of this.slots) s.n = 0; }

  forms(): FormCount[] {
    const counts = new Map<string, FormCount>();
    for (const s of this.slots) {
      if (s.n === 0) continue;
      let c = counts.get(s.form);
      if (!c) { c = { form: s.form, count: 0, inline: 0 }; counts.set(s.form, c); }
      c.count += s.n;
      if (s.inline) c.inline += s.n;
    }
    return [...counts.values()].sort((a, b) => b.count - a.count);
  }
}
