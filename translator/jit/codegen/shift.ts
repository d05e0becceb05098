/**
 * Shifts inline: SHL/SAL, SHR, SAR of a 32-bit register by an immediate,
 * with the interpreter's flags (runtime/interp/families/shift.ts shFlags):
 * CF and OF eager in EFLAGS (OF as for a 1-bit shift of the original value,
 * what the real CPU does for any count), AF cleared, SF/ZF/PF lazy from the
 * result (K_RESULT). A masked count of 0 changes nothing.
 */
import { Mnemonic } from 'iced-x86';
import { K_RESULT, SZ32 } from '../../../runtime/flags.js';
import { OP_IMM, OP_REG, type Rec } from '../../../runtime/records.js';
import { AF, CF, OF, PF, SF, ZF } from '../../../runtime/state/eflags.js';
import { EFLAGS, LAZY_MASK, LAZY_OP, LAZY_RES } from '../../../runtime/state/layout.js';
import type { Fn, X } from '../ir.js';
import { emitter } from '../registry.js';

function shift(f: Fn, r: Rec): X | null {
  if (r.osz !== 4 || r.k0 !== OP_REG || r.k1 !== OP_IMM) return null;
  const c = r.imm & 31;
  if (c === 0) return f.m.nop();
  const m = f.m, v = f.local(), res = f.local(), left = r.mnemonic === Mnemonic.Shl || r.mnemonic === Mnemonic.Sal;
  const V = (): X => f.get(v);
  let value: X, cf: X, of: X;
  if (left) {
    value = m.i32.shl(V(), f.c(c));
    cf = m.i32.and(m.i32.shr_u(V(), f.c(32 - c)), f.c(1));
    of = m.i32.shl(m.i32.shr_u(m.i32.xor(V(), m.i32.shl(V(), f.c(1))), f.c(31)), f.c(11));
  } else if (r.mnemonic === Mnemonic.Shr) {
    value = m.i32.shr_u(V(), f.c(c));
    cf = m.i32.and(m.i32.shr_u(V(), f.c(c - 1)), f.c(1));
    of = m.i32.shl(m.i32.shr_u(V(), f.c(31)), f.c(11));
  } else {
    value = m.i32.shr_s(V(), f.c(c));
    cf = m.i32.and(m.i32.shr_s(V(), f.c(c - 1)), f.c(1));
    of = f.c(0);
  }
  f.flags = { kind: 'result', a: v, b: v, r: res };
  return f.block([
    f.set(v, f.reg(r.r0)),
    f.set(res, value),
    f.setReg(r.r0, f.get(res)),
    f.st(EFLAGS, m.i32.or(m.i32.and(f.ld(EFLAGS), f.c(~(CF | OF | AF))), m.i32.or(cf, of))),
    f.st(LAZY_OP, f.c((K_RESULT << 2) | SZ32)),
    f.st(LAZY_RES, f.get(res)),
    f.st(LAZY_MASK, f.c(SF | ZF | PF)),
  ]);
}

/**
 * ROL/ROR r32 by an immediate count other than 0 and 1 (families/shift.ts
 * rol32RI/ror32RI): only CF changes (made eager); OF stays as it was, which
 * is what the real CPU does for these forms. Count 1 computes OF: a call-out.
 */
function rotate(f: Fn, r: Rec): X | null {
  if (r.osz !== 4 || r.k0 !== OP_REG || r.k1 !== OP_IMM) return null;
  const c = r.imm & 31;
  if (c === 0) return f.m.nop();
  if (c === 1) return null;
  const m = f.m, res = f.local(), rol = r.mnemonic === Mnemonic.Rol;
  const cf = rol ? m.i32.and(f.get(res), f.c(1)) : m.i32.shr_u(f.get(res), f.c(31));
  f.flags = null; // CF is no longer the tracked operation's
  return f.block([
    f.set(res, rol ? m.i32.rotl(f.reg(r.r0), f.c(c)) : m.i32.rotr(f.reg(r.r0), f.c(c))),
    f.setReg(r.r0, f.get(res)),
    f.st(LAZY_MASK, m.i32.and(f.ld(LAZY_MASK), f.c(~CF))),
    f.st(EFLAGS, m.i32.or(m.i32.and(f.ld(EFLAGS), f.c(~CF)), cf)),
  ]);
}

emitter('shift', shift);
emitter('rotate', rotate);
