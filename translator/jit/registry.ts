/**
 * The JIT's emitter registry: which records are generated inline, keyed by
 * mnemonic. An emitter returns the record's code, or null for a form it
 * does not handle; every record without inline code runs through a
 * call-out to its interpreter handler (compile.ts), so nothing is skipped.
 */
import type { Rec } from '../../runtime/records.js';
import type { Fn, X } from './ir.js';

/** `last`: the record ends its block (a branch must then write EIP and leave). */
export type Emitter = (f: Fn, r: Rec, last: boolean) => X | null;

const EMITTERS = new Map<number, Emitter>();

export function emitter(mnemonics: number | number[], e: Emitter): void {
  for (const m of Array.isArray(mnemonics) ? mnemonics : [mnemonics]) EMITTERS.set(m, e);
}

export function emitterFor(r: Rec): Emitter | undefined { return EMITTERS.get(r.mnemonic); }
