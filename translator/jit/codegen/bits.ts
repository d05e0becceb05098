/**
 * Bit test and scan inline, with the interpreter's flags
 * (runtime/interp/families/bits.ts, recorded from a real CPU):
 *
 * BT/BTS/BTR/BTC (16/32-bit): CF = the selected bit, written eagerly; every
 * other flag is left as it was (lazy or not). Register destination with a
 * register or immediate offset (offset modulo the operand size); memory
 * destination with an immediate offset (the operand itself), or with a
 * 32-bit register offset (signed: the dword at ea + (offset SAR 5) * 4).
 * BTS/BTR/BTC on memory check write access before anything changes.
 *
 * BSF/BSR (16/32-bit): source 0 -> destination unchanged, lazy K_LOGIC of 0
 * (ZF = 1, PF = 1, the rest 0); else the index goes to the destination,
 * lazy K_LOGIC of the index with ZF eager 0.
 */
import { Mnemonic } from '../../../runtime/iced.js';
import { K_LOGIC, SZ32 } from '../../../runtime/flags.js';
import { OP_IMM, OP_MEM, OP_REG, type Rec } from '../../../runtime/records.js';
import { ARITH, CF, ZF } from '../../../runtime/state/eflags.js';
import { EFLAGS, LAZY_A, LAZY_B, LAZY_MASK, LAZY_RES } from '../../../runtime/state/layout.js';
import type { Fn, X } from '../ir.js';
import { emitter } from '../registry.js';
import { eaOffset, inlineEa, read, write, setEa } from './mem.js';

/** CF = bit (a 0/1 expression), eagerly; the other flags keep their state. */
function setCF(f: Fn, bit: X): X {
  const m = f.m;
  return f.block([
    f.st(LAZY_MASK, m.i32.and(f.ld(LAZY_MASK), f.c(~CF))),
    f.st(EFLAGS, m.i32.or(m.i32.and(f.ld(EFLAGS), f.c(~CF)), bit)),
  ]);
}

function modify(f: Fn, mn: number, v: X, mask: X): X {
  const m = f.m;
  return mn === Mnemonic.Bts ? m.i32.or(v, mask) : mn === Mnemonic.Btr ? m.i32.and(v, m.i32.xor(mask, f.c(-1))) : m.i32.xor(v, mask);
}

function bt(f: Fn, r: Rec): X | null {
  const n = r.osz, m = f.m, mn = r.mnemonic;
  if (n !== 4 && n !== 2) return null;
  if (r.k1 !== OP_REG && r.k1 !== OP_IMM) return null;
  const b = f.local(), v = f.local();
  const out: X[] = [];
  if (r.k0 === OP_REG) {
    out.push(
      f.set(b, m.i32.and(r.k1 === OP_IMM ? f.c(r.imm) : f.regN(n, r.r1), f.c(n * 8 - 1))),
      f.set(v, f.regN(n, r.r0)),
      setCF(f, m.i32.and(m.i32.shr_u(f.get(v), f.get(b)), f.c(1))),
    );
    if (mn !== Mnemonic.Bt) out.push(f.setRegN(n, r.r0, modify(f, mn, f.get(v), m.i32.shl(f.c(1), f.get(b)))));
  } else if (r.k0 === OP_MEM && inlineEa(r)) {
    const off = f.local();
    if (r.k1 === OP_IMM) {
      out.push(f.set(b, f.c(r.imm & (n * 8 - 1))), setEa(f, r, off));
    } else {
      if (n !== 4) return null; // 16-bit register offsets: call-out
      const o = f.local();
      out.push(
        f.set(o, f.reg(r.r1)),
        f.set(b, m.i32.and(f.get(o), f.c(31))),
        f.set(off, m.i32.add(eaOffset(f, r), m.i32.shl(m.i32.shr_s(f.get(o), f.c(5)), f.c(2)))),
      );
    }
    if (mn === Mnemonic.Bt) {
      out.push(read(f, r, r.seg, off, n, v), setCF(f, m.i32.and(m.i32.shr_u(f.get(v), f.get(b)), f.c(1))));
    } else {
      f.stored = true;
      out.push(
        read(f, r, r.seg, off, n, v, true),
        write(f, r, r.seg, off, n, modify(f, mn, f.get(v), m.i32.shl(f.c(1), f.get(b)))),
        setCF(f, m.i32.and(m.i32.shr_u(f.get(v), f.get(b)), f.c(1))),
      );
    }
  } else {
    return null;
  }
  f.flags = null;
  return f.block(out);
}

function scan(f: Fn, r: Rec): X | null {
  const n = r.osz, m = f.m;
  if ((n !== 4 && n !== 2) || r.k0 !== OP_REG) return null;
  const src = f.local(), idx = f.local();
  const out: X[] = [];
  if (r.k1 === OP_REG) out.push(f.set(src, f.regN(n, r.r1)));
  else if (r.k1 === OP_MEM && inlineEa(r)) { const off = f.local(); out.push(setEa(f, r, off), read(f, r, r.seg, off, n, src)); }
  else return null;
  const lazy = (res: X, mask: number): X[] => [
    f.st(LAZY_RES, res), f.st(LAZY_A, f.c(0)), f.st(LAZY_B, f.c(0)), ...f.st2(LAZY_MASK, f.c(mask), f.c((K_LOGIC << 2) | SZ32)),
  ];
  out.push(m.if(m.i32.eqz(f.get(src)),
    f.block(lazy(f.c(0), ARITH)),
    f.block([
      f.set(idx, r.mnemonic === Mnemonic.Bsf ? m.i32.ctz(f.get(src)) : m.i32.sub(f.c(31), m.i32.clz(f.get(src)))),
      f.setRegN(n, r.r0, f.get(idx)),
      ...lazy(f.get(idx), ARITH & ~ZF),
      f.st(EFLAGS, m.i32.and(f.ld(EFLAGS), f.c(~ZF))),
    ])));
  f.flags = null;
  return f.block(out);
}

emitter('bt', bt);
emitter('bitscan', scan);
