/**
 * A per-form histogram of executed guest instructions, from the blocks'
 * hit counts (each hit counted for every record of the block, so records
 * after a taken mid-block exit are over-counted; invalidated blocks are
 * gone). Used to choose what the JIT inlines (bench/histogram.ts).
 */
import binaryen from 'binaryen';
import { Mnemonic } from 'iced-x86';
import type { Block, Rec } from '../../runtime/records.js';
import { Fn } from './ir.js';
import { emitterFor } from './registry.js';
import './codegen/index.js';

const KIND = ['-', 'r', 'm', 'i', 'sreg', 'creg', 'dreg', 'rel', 'far', 'str', 'st'];

/** A record's form: mnemonic, operand kinds, operand size. */
export function formOf(r: Rec): string {
  const ops = [r.k0, r.k1, r.k2].filter((k) => k !== 0).map((k) => KIND[k] ?? String(k)).join(',');
  return `${Mnemonic[r.mnemonic] ?? r.mnemonic} ${ops}${r.rep ? ' rep' : ''} o${r.osz}`;
}

export interface FormCount { form: string; count: number; inline: boolean }

/** Would the JIT generate this record inline (given no tracked flags before it)? */
function inlineNow(m: binaryen.Module, r: Rec, code32: boolean): boolean {
  const e = emitterFor(r);
  if (!e) return false;
  const f = new Fn(m, code32, 0);
  // Jcc after an inline flag producer is inline; assume the common case (a tracked CMP).
  f.flags = { kind: 'sub', a: f.local(), b: f.local(), r: f.local() };
  return e(f, r, r.idx === r.idx) !== null;
}

export function histogram(blocks: Iterable<Block>): FormCount[] {
  const counts = new Map<string, FormCount>();
  const m = new binaryen.Module();
  try {
    for (const b of blocks) {
      if (b.hits === 0) continue;
      for (const r of b.recs) {
        const form = formOf(r);
        let c = counts.get(form);
        if (!c) { c = { form, count: 0, inline: inlineNow(m, r, b.code32) }; counts.set(form, c); }
        c.count += b.hits;
      }
    }
  } finally {
    m.dispose();
  }
  return [...counts.values()].sort((a, b) => b.count - a.count);
}
