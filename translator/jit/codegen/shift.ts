/**
 * Shifts and rotates inline: SHL/SAL, SHR, SAR, ROL, ROR of r/m8/16/32 by
 * an immediate, by 1 or by CL, with the interpreter's flags
 * (runtime/interp/families/shift.ts shiftOp, whose header gives the real
 * CPU's choices for the flags the SDM leaves undefined):
 * - shifts: CF and OF eager in EFLAGS (OF as for a 1-bit shift of the
 *   original value, for any count), AF cleared, SF/ZF/PF lazy from the
 *   unmasked result (K_RESULT);
 * - rotates: CF and OF eager, other flags untouched; ROL/ROR of a register
 *   by an immediate other than 1 change CF only.
 * A masked count of 0 changes nothing (a memory operand is still read with
 * write access). RCL/RCR run through their handler.
 */
import binaryen from '../binaryen.js';
import { Mnemonic } from '../../../runtime/iced.js';
import { K_RESULT, szCode } from '../../../runtime/flags.js';
import { OP_IMM, OP_MEM, OP_REG, type Rec } from '../../../runtime/records.js';
import { AF, CF, OF, PF, SF, ZF } from '../../../runtime/state/eflags.js';
import { EFLAGS, LAZY_MASK, LAZY_RES } from '../../../runtime/state/layout.js';
import type { Fn, X } from '../ir.js';
import { emitter } from '../registry.js';
import { SH_SHRD } from '../../../runtime/isa/shift.js';
import { eaOffset, inlineEa, read, write, setEa } from './mem.js';

/** CL in the r8 view (byte offset in the register file, as families/shift.ts CL). */
const CL8 = 4;

type Op = 'shl' | 'shr' | 'sar' | 'rol' | 'ror';
const OPS: Partial<Record<number, Op>> = {
  [Mnemonic.Shl]: 'shl', [Mnemonic.Sal]: 'shl', [Mnemonic.Shr]: 'shr', [Mnemonic.Sar]: 'sar', [Mnemonic.Rol]: 'rol', [Mnemonic.Ror]: 'ror',
};

/**
 * The shared shape: operand into `v` (register, or memory read with write
 * access), count into `c` (constant or CL & 31), then `body` (result into
 * the operand, flags) unless the count is 0.
 */
function shape(f: Fn, r: Rec, body: (v: number, c: () => X) => X[]): X | null {
  const n = r.osz, m = f.m;
  if (r.k0 !== OP_REG && !(r.k0 === OP_MEM && inlineEa(r))) return null;
  const byCl = r.k1 === OP_REG;
  if (!byCl && r.k1 !== OP_IMM) return null;
  const out: X[] = [];
  const v = f.local(), cl = f.local();
  let off = -1;
  if (r.k0 === OP_MEM) { off = f.local(); out.push(setEa(f, r, off), read(f, r, r.seg, off, n, v, true)); }
  const count = (): X => (byCl ? f.get(cl) : f.c(r.imm & 31));
  if (!byCl && (r.imm & 31) === 0) return r.k0 === OP_MEM ? f.block(out) : f.nop;
  if (r.k0 === OP_REG) out.push(f.set(v, f.regN(n, r.r0)));
  const res = f.local();
  const store = (x: X): X => (r.k0 === OP_REG ? f.setRegN(n, r.r0, x) : write(f, r, r.seg, off, n, x));
  if (r.k0 === OP_MEM) f.stored = true;
  const work = f.block([...body(v, count).map((x, i) => (i === 0 ? f.set(res, x) : x)), store(f.get(res))]);
  if (byCl) {
    out.push(f.set(cl, m.i32.and(f.regN(1, CL8), f.c(31))), m.if(f.get(cl), work));
    f.flags = null; // count 0 leaves the flags as they were: read them from the state from here on
  } else out.push(work);
  return f.block(out);
}

function shift(f: Fn, r: Rec): X | null {
  const op = OPS[r.mnemonic];
  if (op === undefined || op === 'rol' || op === 'ror') return null;
  const n = r.osz, bits = n * 8, m = f.m;
  const staticCount = r.k1 === OP_IMM ? r.imm & 31 : -1;
  let resLocal = -1;
  const x = shape(f, r, (v, c) => {
    const V = (): X => f.get(v);
    let value: X, cf: X, of: X;
    const cm1 = (): X => m.i32.sub(c(), f.c(1));
    if (op === 'shl') {
      value = m.i32.shl(V(), c());
      // The last bit shifted out; 0 once the count exceeds the operand size (8/16-bit).
      const out = m.i32.and(m.i32.shr_u(V(), m.i32.sub(f.c(bits), c())), f.c(1));
      cf = n === 4 ? out : m.select(m.i32.le_u(c(), f.c(bits)), out, f.c(0));
      of = m.i32.shl(m.i32.and(m.i32.xor(m.i32.shr_u(V(), f.c(bits - 1)), m.i32.shr_u(V(), f.c(bits - 2))), f.c(1)), f.c(11));
    } else if (op === 'shr') {
      value = m.i32.shr_u(V(), c());
      cf = m.i32.and(m.i32.shr_u(V(), cm1()), f.c(1));
      of = m.i32.shl(m.i32.and(m.i32.shr_u(V(), f.c(bits - 1)), f.c(1)), f.c(11));
    } else {
      const sx = n === 4 ? V() : n === 2 ? m.i32.extend16_s(V()) : m.i32.extend8_s(V());
      const xs = f.local();
      value = m.i32.shr_s(f.tee(xs, sx), c());
      cf = m.i32.and(m.i32.shr_s(f.get(xs), cm1()), f.c(1));
      of = f.c(0);
    }
    const res = f.local();
    resLocal = res;
    return [
      f.tee(res, value),
      f.st(EFLAGS, m.i32.or(m.i32.and(f.ld(EFLAGS), f.c(~(CF | OF | AF))), m.i32.or(cf, of))),
      f.st(LAZY_RES, f.get(res)),
      ...f.st2(LAZY_MASK, f.c(SF | ZF | PF), f.c((K_RESULT << 2) | szCode(n))),
    ];
  });
  if (x === null) return null;
  // A constant non-zero count: SF/ZF/PF tracked from the result (CF/OF eager).
  if (staticCount > 0) {
    if (n === 4) { f.flags = { kind: 'result', a: resLocal, b: resLocal, r: resLocal }; return x; }
    const sh = 32 - bits, t = f.local();
    f.flags = { kind: 'result', a: t, b: t, r: t, sh };
    return f.block([x, f.set(t, m.i32.shl(f.get(resLocal), f.c(sh)))]);
  }
  return x;
}

function rotate(f: Fn, r: Rec): X | null {
  const op = OPS[r.mnemonic];
  if (op !== 'rol' && op !== 'ror') return null;
  const n = r.osz, bits = n * 8, m = f.m;
  // ROL/ROR r, imm (count != 1): CF only (families/shift.ts ROL_I/ROR_I).
  const cfOnly = r.k0 === OP_REG && r.k1 === OP_IMM && (r.imm & 31) !== 1;
  const x = shape(f, r, (v, c) => {
    const V = (): X => f.get(v), res = f.local();
    let value: X;
    if (n === 4) value = op === 'rol' ? m.i32.rotl(V(), c()) : m.i32.rotr(V(), c());
    else {
      // k = c mod bits; for k = 0 the formula gives v back (v is zero-extended).
      const k = f.local();
      const K = (): X => f.get(k);
      value = m.block(null, [
        f.set(k, m.i32.and(c(), f.c(bits - 1))),
        op === 'rol'
          ? m.i32.and(m.i32.or(m.i32.shl(V(), K()), m.i32.shr_u(V(), m.i32.sub(f.c(bits), K()))), f.c((1 << bits) - 1))
          : m.i32.and(m.i32.or(m.i32.shr_u(V(), K()), m.i32.shl(V(), m.i32.sub(f.c(bits), K()))), f.c((1 << bits) - 1)),
      ], binaryen.i32);
    }
    const cf = op === 'rol' ? m.i32.and(f.get(res), f.c(1)) : m.i32.and(m.i32.shr_u(f.get(res), f.c(bits - 1)), f.c(1));
    const of = op === 'rol'
      ? m.i32.and(m.i32.xor(m.i32.shr_u(V(), f.c(bits - 1)), m.i32.shr_u(V(), f.c(bits - 2))), f.c(1))
      : m.i32.and(m.i32.xor(V(), m.i32.shr_u(V(), f.c(bits - 1))), f.c(1));
    const which = cfOnly ? CF : CF | OF;
    return [
      f.tee(res, value),
      f.st(LAZY_MASK, m.i32.and(f.ld(LAZY_MASK), f.c(~which))),
      f.st(EFLAGS, m.i32.or(m.i32.and(f.ld(EFLAGS), f.c(~which)), cfOnly ? cf : m.i32.or(cf, m.i32.shl(of, f.c(11))))),
    ];
  });
  if (x !== null) f.flags = null; // CF (and OF) are no longer the tracked operation's
  return x;
}

/**
 * SHLD / SHRD r/m32, r32, imm8 or CL (families/shift.ts shiftDouble, 32-bit
 * case): CF = the last bit shifted out of the destination, OF as for a
 * 1-bit shift (SHLD: MSB ^ next bit of the destination; SHRD: MSB of the
 * destination ^ LSB of the source), AF cleared, SF/ZF/PF lazy from the
 * result; a masked count of 0 changes nothing (memory is still read with
 * write access). 16-bit forms (counts 17..31 shift dest:src:dest) are
 * call-outs.
 */
function shd(f: Fn, r: Rec): X | null {
  if (r.osz !== 4 || r.k1 !== OP_REG || (r.k2 !== OP_REG && r.k2 !== OP_IMM)) return null;
  if (r.k0 !== OP_REG && !(r.k0 === OP_MEM && inlineEa(r))) return null;
  const m = f.m, right = r.shift === SH_SHRD, byCl = r.k2 === OP_REG;
  const d = f.local(), src = f.local(), c = f.local(), res = f.local();
  const out: X[] = [];
  let off = -1;
  if (r.k0 === OP_MEM) { off = f.local(); out.push(setEa(f, r, off), read(f, r, r.seg, off, 4, d, true)); }
  if (!byCl && (r.imm & 31) === 0) return r.k0 === OP_MEM ? f.block(out) : f.nop;
  if (r.k0 === OP_REG) out.push(f.set(d, f.reg(r.r0)));
  const D = (): X => f.get(d), S = (): X => f.get(src), C = (): X => f.get(c);
  const inv = (): X => m.i32.sub(f.c(32), C());
  const value = right ? m.i32.or(m.i32.shr_u(D(), C()), m.i32.shl(S(), inv())) : m.i32.or(m.i32.shl(D(), C()), m.i32.shr_u(S(), inv()));
  const cf = right ? m.i32.and(m.i32.shr_u(D(), m.i32.sub(C(), f.c(1))), f.c(1)) : m.i32.and(m.i32.shr_u(D(), inv()), f.c(1));
  const of = right ? m.i32.shr_u(m.i32.xor(D(), m.i32.shl(S(), f.c(31))), f.c(31)) : m.i32.shr_u(m.i32.xor(D(), m.i32.shl(D(), f.c(1))), f.c(31));
  if (r.k0 === OP_MEM) f.stored = true;
  const work = f.block([
    f.set(src, f.reg(r.r1)),
    f.set(res, value),
    f.st(EFLAGS, m.i32.or(m.i32.and(f.ld(EFLAGS), f.c(~(CF | OF | AF))), m.i32.or(cf, m.i32.shl(of, f.c(11))))),
    f.st(LAZY_RES, f.get(res)),
    ...f.st2(LAZY_MASK, f.c(SF | ZF | PF), f.c((K_RESULT << 2) | szCode(4))),
    r.k0 === OP_REG ? f.setReg(r.r0, f.get(res)) : write(f, r, r.seg, off, 4, f.get(res)),
  ]);
  if (byCl) {
    out.push(f.set(c, m.i32.and(f.regN(1, CL8), f.c(31))), m.if(C(), work));
    f.flags = null; // count 0 leaves the flags as they were
  } else {
    out.push(f.set(c, f.c(r.imm & 31)), work);
    f.flags = { kind: 'result', a: res, b: res, r: res };
  }
  return f.block(out);
}

emitter('shift', shift);
emitter('shd', shd);
emitter('rotate', rotate);
