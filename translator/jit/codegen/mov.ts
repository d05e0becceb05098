/** Data movement inline: MOV (registers, memory, immediates; any size), MOVZX/MOVSX, LEA, NOP. */
import { Mnemonic } from '../../../runtime/iced.js';
import { OP_IMM, OP_MEM, OP_REG, type Rec } from '../../../runtime/records.js';
import { extendSourceSize } from '../facts.js';
import type { Fn, X } from '../ir.js';
import { emitter } from '../registry.js';
import { eaOffset, inlineEa, read, write, setEa } from './mem.js';

function mov(f: Fn, r: Rec): X | null {
  const n = r.osz;
  if (r.k0 === OP_REG) {
    if (r.k1 === OP_REG) return f.setRegN(n, r.r0, f.regN(n, r.r1));
    if (r.k1 === OP_IMM) return f.setRegN(n, r.r0, f.c(r.imm));
    if (r.k1 === OP_MEM && inlineEa(r)) {
      const off = f.local(), v = f.local();
      return f.block([setEa(f, r, off), read(f, r, r.seg, off, n, v), f.setRegN(n, r.r0, f.get(v))]);
    }
  } else if (r.k0 === OP_MEM && inlineEa(r) && (r.k1 === OP_REG || r.k1 === OP_IMM)) {
    const off = f.local();
    f.stored = true;
    return f.block([setEa(f, r, off), write(f, r, r.seg, off, n, r.k1 === OP_REG ? f.regN(n, r.r1) : f.c(r.imm))]);
  }
  return null;
}

function extend(f: Fn, r: Rec, signed: boolean): X | null {
  const n = extendSourceSize(r), m = f.m;
  let src: X;
  const pre: X[] = [];
  if (r.k1 === OP_REG) src = f.regN(n, r.r1);
  else if (r.k1 === OP_MEM && inlineEa(r)) {
    const off = f.local(), v = f.local();
    pre.push(setEa(f, r, off), read(f, r, r.seg, off, n, v));
    src = f.get(v);
  } else return null;
  if (signed) src = n === 1 ? m.i32.extend8_s(src) : m.i32.extend16_s(src);
  return f.block([...pre, f.setRegN(r.osz, r.r0, src)]);
}

emitter('mov', (f, r) => mov(f, r));
emitter('movzx', (f, r) => extend(f, r, false));
emitter('movsx', (f, r) => extend(f, r, true));
emitter('lea', (f, r) => (r.k1 === OP_MEM && r.osz === 4 && inlineEa(r) ? f.setReg(r.r0, eaOffset(f, r)) : null));
emitter('nop', (f) => f.nop);
