/**
 * Handler binding: the instruction table (runtime/isa/) names, for each
 * Code, the interpreter binder that picks its handler; a binder is a
 * factory registered here with `bind(name, factory)` by the family file that
 * implements it. It looks at the record's operand forms and typed facts
 * (alu, cc, shift, ...) and returns the handler, specialised by form.
 * Families not yet described fact by fact (runtime/isa/legacy.ts) register
 * one factory per mnemonic with `def`; those may still set `r.sub` and `term`.
 * A Code with no row raises #UD: this CPU model does not have it.
 */
import { Code, Mnemonic } from '../iced.js';
import type { Handler, Rec } from '../records.js';
import { raiseUD } from '../exceptions.js';
import { BY_MNEMONIC, E_BRANCH, isaRow } from '../isa/index.js';

/** Returns the handler, or null when this operand form is not valid (#UD). */
export type Factory = (r: Rec) => Handler | null;

const factories: (Factory | undefined)[] = [];
const binders = new Map<string, Factory>();

/** Register the binder `name` (the `interp` column of runtime/isa rows). */
export function bind(name: string, f: Factory): void {
  if (name === BY_MNEMONIC || binders.has(name)) throw new Error(`interpreter binder ${name} defined twice`);
  binders.set(name, f);
}
export function hasBinder(name: string): boolean { return name === BY_MNEMONIC || binders.has(name); }

export function def(m: Mnemonic | Mnemonic[], f: Factory): void {
  for (const x of Array.isArray(m) ? m : [m]) {
    if (factories[x]) throw new Error(`mnemonic ${Mnemonic[x]} defined twice`);
    factories[x] = f;
  }
}

export const ud: Handler = () => raiseUD();

/**
 * Per Code: the factory found for it. Only found ones are kept (a binder
 * registered later may still fill a gap), and neither `def` nor `bind` can
 * replace a factory, so an entry never goes stale.
 */
// Full size (iced-x86's Code values are < 8192): filled at scattered indices from empty, it went to
// dictionary elements (a hash lookup per bind; frontend/decode.ts factsCache likewise).
const factoryByCode: (Factory | undefined)[] = new Array<Factory | undefined>(8192).fill(undefined);

/** The factory that binds `r` (by its table row; a per-mnemonic `def` without a row still binds, the table test flags it). */
function factoryOf(r: Rec): Factory | undefined {
  const code = r.code;
  const known = factoryByCode[code];
  if (known !== undefined) return known;
  if (code === Code.INVALID) return undefined;
  const row = isaRow(code, r.mnemonic);
  const f = row === null || row.interp === BY_MNEMONIC ? factories[r.mnemonic] : binders.get(row.interp);
  if (f !== undefined) factoryByCode[code] = f;
  return f;
}

/** Bind `r.exec` from the table. */
export function bindHandler(r: Rec): void {
  const f = factoryOf(r);
  const h = f ? f(r) : null;
  r.exec = h ?? ud;
  if (!h) { r.term = 1; r.ends = E_BRANCH; } // a #UD always leaves the block
}

export function hasMnemonic(m: Mnemonic): boolean { return factories[m] !== undefined; }
export function definedMnemonics(): Mnemonic[] {
  const out: Mnemonic[] = [];
  factories.forEach((f, i) => { if (f) out.push(i); });
  return out;
}
