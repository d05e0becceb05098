/**
 * The JIT's emitter registry, keyed by the names the instruction table
 * gives (runtime/isa: a row's `jit: 'inline:<name>'`). The table says which
 * instructions the JIT generates inline; `emitterFor` reads it per Code. An
 * emitter returns the record's code, or null for a form it does not handle
 * (e.g. 16-bit addressing): that record, like every record whose row says
 * 'callout', runs through a call-out to its interpreter handler
 * (compile.ts), so nothing is skipped. test/jit/registry.test.ts checks
 * that every `inline:` name has an emitter and every emitter is named.
 */
import { jitHow } from '../../runtime/isa/index.js';
import type { Rec } from '../../runtime/records.js';
import type { Fn, X } from './ir.js';

/** `last`: the record ends its block (a branch must then write EIP and leave). */
export type Emitter = (f: Fn, r: Rec, last: boolean) => X | null;

const EMITTERS = new Map<string, Emitter>();

/** Register the emitter the table names `inline:<name>`. */
export function emitter(name: string, e: Emitter): void {
  if (EMITTERS.has(name)) throw new Error(`JIT: two emitters named '${name}'`);
  EMITTERS.set(name, e);
}

/** Per Code: the emitter its row names, or null (call-out, #UD). */
const byCode: (Emitter | null | undefined)[] = [];

export function emitterFor(r: Rec): Emitter | undefined {
  let e = byCode[r.code];
  if (e === undefined) {
    const how = jitHow(r.code, r.mnemonic);
    e = null;
    if (how.startsWith('inline:')) {
      e = EMITTERS.get(how.slice(7)) ?? null;
      if (e === null) throw new Error(`JIT: the instruction table names emitter '${how}' for Code ${r.code}, which is not registered`);
    }
    byCode[r.code] = e;
  }
  return e ?? undefined;
}

/** Names of the registered emitters (the registry test). */
export function emitterNames(): string[] { return [...EMITTERS.keys()]; }
