/**
 * XADD and CMPXCHG inline, every size, register or memory destination
 * (runtime/interp/families/atomic.ts: one CPU, so LOCK is the plain
 * operation; iced-x86 makes an invalid LOCK #UD before this).
 *
 * XADD: TEMP = SRC + DEST; SRC = DEST; DEST = TEMP; flags as ADD.
 * CMPXCHG: flags as CMP accumulator, DEST; equal: DEST = SRC, else the
 * accumulator = DEST, and a memory DEST is written back with its own value
 * (P6): write access is checked before anything changes, as the handler does.
 */
import { OP_MEM, OP_REG, type Rec } from '../../../runtime/records.js';
import type { Fn, X } from '../ir.js';
import { emitter } from '../registry.js';
import { setLazyN } from './flags.js';
import { eaOffset, inlineEa, read, write, setEa } from './mem.js';

function xadd(f: Fn, r: Rec): X | null {
  const n = r.osz, m = f.m;
  if (r.k1 !== OP_REG || (r.k0 !== OP_REG && !(r.k0 === OP_MEM && inlineEa(r)))) return null;
  const a = f.local(), b = f.local(), v = f.local(), off = f.local();
  const out: X[] = [];
  if (r.k0 === OP_REG) out.push(f.set(a, f.regN(n, r.r0)));
  else out.push(setEa(f, r, off), read(f, r, r.seg, off, n, a, true));
  out.push(f.set(b, f.regN(n, r.r1)), f.set(v, m.i32.add(f.get(a), f.get(b))));
  if (r.k0 === OP_REG) out.push(f.setRegN(n, r.r1, f.get(a)), f.setRegN(n, r.r0, f.get(v)));
  else { f.stored = true; out.push(write(f, r, r.seg, off, n, f.get(v)), f.setRegN(n, r.r1, f.get(a))); }
  out.push(setLazyN(f, { kind: 'add', a, b, r: v }, n));
  return f.block(out);
}

function cmpxchg(f: Fn, r: Rec): X | null {
  const n = r.osz, m = f.m;
  if (r.k1 !== OP_REG || (r.k0 !== OP_REG && !(r.k0 === OP_MEM && inlineEa(r)))) return null;
  const acc = f.local(), d = f.local(), res = f.local(), off = f.local();
  const out: X[] = [];
  if (r.k0 === OP_REG) out.push(f.set(d, f.regN(n, r.r0)));
  else out.push(setEa(f, r, off), read(f, r, r.seg, off, n, d, true));
  out.push(f.set(acc, f.regN(n, 0)), f.set(res, m.i32.sub(f.get(acc), f.get(d))));
  const eq = m.i32.eq(f.get(acc), f.get(d));
  if (r.k0 === OP_REG) {
    out.push(m.if(eq, f.setRegN(n, r.r0, f.regN(n, r.r1)), f.setRegN(n, 0, f.get(d))));
  } else {
    f.stored = true;
    out.push(m.if(eq, write(f, r, r.seg, off, n, f.regN(n, r.r1)),
      f.block([write(f, r, r.seg, off, n, f.get(d)), f.setRegN(n, 0, f.get(d))])));
  }
  // After the writes: setLazyN makes this the tracked flag source (no import call may follow it in this record).
  out.push(setLazyN(f, { kind: 'sub', a: acc, b: d, r: res }, n));
  return f.block(out);
}

emitter('xadd', xadd);
emitter('cmpxchg', cmpxchg);
