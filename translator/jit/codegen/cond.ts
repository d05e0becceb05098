/**
 * SETcc r/m8 and CMOVcc r16/r32, r/m inline (runtime/interp/families/cond.ts):
 * the condition from the tracked flag source or the lazy state
 * (codegen/flags.ts cond). CMOVcc reads a memory source (and may fault)
 * whatever the condition; SETcc m8 writes memory. Neither changes flags.
 */
import { OP_MEM, OP_REG, type Rec } from '../../../runtime/records.js';
import type { Fn, X } from '../ir.js';
import { emitter } from '../registry.js';
import { cond } from './flags.js';
import { eaOffset, inlineEa, read, write, setEa } from './mem.js';

function setcc(f: Fn, r: Rec): X | null {
  if (r.osz !== 1 || (r.k0 !== OP_REG && !(r.k0 === OP_MEM && inlineEa(r)))) return null;
  const c = cond(f, r.cc);
  if (c === null) return null;
  if (r.k0 === OP_REG) return f.setRegN(1, r.r0, c);
  const off = f.local(), v = f.local();
  f.stored = true;
  // The condition first (the handler's order: testCC, then the write, which may fault).
  return f.block([f.set(v, c), setEa(f, r, off), write(f, r, r.seg, off, 1, f.get(v))]);
}

function cmovcc(f: Fn, r: Rec): X | null {
  const n = r.osz;
  if (r.k0 !== OP_REG || n === 1 || (r.k1 !== OP_REG && !(r.k1 === OP_MEM && inlineEa(r)))) return null;
  const c = cond(f, r.cc);
  if (c === null) return null;
  if (r.k1 === OP_REG) return f.if(c, f.setRegN(n, r.r0, f.regN(n, r.r1)));
  const off = f.local(), v = f.local();
  return f.block([setEa(f, r, off), read(f, r, r.seg, off, n, v), f.if(c, f.setRegN(n, r.r0, f.get(v)))]);
}

emitter('setcc', setcc);
emitter('cmovcc', cmovcc);
