/**
 * The instruction table: for each iced-x86 Mnemonic, the factory that picks
 * the interpreter handler for a decoded record (by operand forms and sizes)
 * and may set its family sub-op and block-termination kind. Adding an
 * instruction means one `def` in the family file that implements it.
 * Mnemonics with no entry raise #UD: this CPU model does not have them.
 */
import { Code, Mnemonic } from 'iced-x86';
import type { Handler, Rec } from '../records.js';
import { raiseUD } from '../exceptions.js';

/** Returns the handler, or null when this operand form is not valid (#UD). */
export type Factory = (r: Rec) => Handler | null;

const factories: (Factory | undefined)[] = [];

export function def(m: Mnemonic | Mnemonic[], f: Factory): void {
  for (const x of Array.isArray(m) ? m : [m]) {
    if (factories[x]) throw new Error(`mnemonic ${Mnemonic[x]} defined twice`);
    factories[x] = f;
  }
}

export const ud: Handler = () => raiseUD();

/** Bind `r.exec` from the table. */
export function bindHandler(r: Rec): void {
  const f = r.code === Code.INVALID ? undefined : factories[r.mnemonic];
  const h = f ? f(r) : null;
  r.exec = h ?? ud;
  if (!h) r.term = 1; // a #UD always leaves the block
}

export function hasMnemonic(m: Mnemonic): boolean { return factories[m] !== undefined; }
export function definedMnemonics(): Mnemonic[] {
  const out: Mnemonic[] = [];
  factories.forEach((f, i) => { if (f) out.push(i); });
  return out;
}
