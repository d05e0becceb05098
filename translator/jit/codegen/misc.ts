/**
 * Small data forms inline: XCHG (registers, and memory: the write access is
 * checked before anything changes, as families/mov.ts does), BSWAP r32
 * (BSWAP r16 leaves 0 in the register, the interpreter's model), CBW CWDE
 * CWD CDQ (families/flagops.ts): none changes flags; and CLC STC CMC CLD STD.
 */
import { Code, Mnemonic } from 'iced-x86';
import { CF, DF } from '../../../runtime/state/eflags.js';
import { EFLAGS, LAZY_MASK } from '../../../runtime/state/layout.js';
import { carryIn } from './flags.js';
import { OP_MEM, OP_REG, type Rec } from '../../../runtime/records.js';
import type { Fn, X } from '../ir.js';
import { emitter } from '../registry.js';
import { eaOffset, inlineEa, read, write } from './mem.js';

function xchg(f: Fn, r: Rec): X | null {
  const n = r.osz, m = f.m;
  if (r.k0 === OP_REG && r.k1 === OP_REG) {
    const a = f.local();
    return f.block([f.set(a, f.regN(n, r.r0)), f.setRegN(n, r.r0, f.regN(n, r.r1)), f.setRegN(n, r.r1, f.get(a))]);
  }
  if (!inlineEa(r)) return null;
  // XCHG r/m, r or r, r/m: one operand is memory, the other register `reg`.
  let reg: number;
  if (r.k0 === OP_MEM && r.k1 === OP_REG) reg = r.r1;
  else if (r.k0 === OP_REG && r.k1 === OP_MEM) reg = r.r0;
  else return null;
  const off = f.local(), v = f.local();
  f.stored = true;
  void m;
  return f.block([
    f.set(off, eaOffset(f, r)),
    read(f, r, r.seg, off, n, v, true),
    write(f, r, r.seg, off, n, f.regN(n, reg)),
    f.setRegN(n, reg, f.get(v)),
  ]);
}

function bswap(f: Fn, r: Rec): X | null {
  if (r.k0 !== OP_REG) return null;
  const m = f.m;
  if (r.code === Code.Bswap_r16) return f.setRegN(2, r.r0, f.c(0));
  if (r.code !== Code.Bswap_r32) return null;
  const v = f.local(), V = (): X => f.get(v);
  return f.block([
    f.set(v, f.reg(r.r0)),
    f.setReg(r.r0, m.i32.or(
      m.i32.or(m.i32.shr_u(V(), f.c(24)), m.i32.and(m.i32.shr_u(V(), f.c(8)), f.c(0xff00))),
      m.i32.or(m.i32.shl(m.i32.and(V(), f.c(0xff00)), f.c(8)), m.i32.shl(V(), f.c(24))))),
  ]);
}

/** r16 index of DX in the record numbering (r16 views of the 32-bit registers). */
const DX16 = 4;

function convert(f: Fn, r: Rec): X | null {
  const m = f.m;
  switch (r.code) {
    case Code.Cbw: return f.setRegN(2, 0, m.i32.extend8_s(f.regN(1, 0)));
    case Code.Cwde: return f.setReg(0, m.i32.extend16_s(f.regN(2, 0)));
    case Code.Cwd: return f.setRegN(2, DX16, m.i32.shr_s(m.i32.shl(f.regN(2, 0), f.c(16)), f.c(31)));
    case Code.Cdq: return f.setReg(2, m.i32.shr_s(f.reg(0), f.c(31)));
    default: return null;
  }
}

emitter('xchg', xchg);
emitter('bswap', bswap);
emitter('convert', convert);

/**
 * CLC STC CMC CLD STD (families/flagops.ts setFlags): the flag becomes eager
 * (dropped from LAZY_MASK). CF changes end the tracked flag source's say on
 * CF; CMC reads CF first (carryIn).
 */
function flagBit(f: Fn, r: Rec): X | null {
  const m = f.m;
  let which: number, value: X;
  switch (r.mnemonic) {
    case Mnemonic.Clc: which = CF; value = f.c(0); break;
    case Mnemonic.Stc: which = CF; value = f.c(CF); break;
    case Mnemonic.Cmc: which = CF; value = m.i32.xor(carryIn(f), f.c(CF)); break;
    case Mnemonic.Cld: which = DF; value = f.c(0); break;
    case Mnemonic.Std: which = DF; value = f.c(DF); break;
    default: return null;
  }
  const v = f.local();
  const out = [
    f.set(v, value),
    f.st(LAZY_MASK, m.i32.and(f.ld(LAZY_MASK), f.c(~which))),
    f.st(EFLAGS, m.i32.or(m.i32.and(f.ld(EFLAGS), f.c(~which)), f.get(v))),
  ];
  if (which === CF) f.flags = null;
  return f.block(out);
}
emitter('flagbit', flagBit);
