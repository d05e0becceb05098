/**
 * The common x87 forms inline (docs/fpu.md "JIT"): the loads, stores and
 * register moves that are exact on the binary64 registers, chosen from the
 * awk phase's histogram (bench/x87-histogram.ts): FLD m32/m64/ST(i), FILD
 * m16/m32/m64, FIST/FISTP m16/m32/m64, FLDZ, FLD1, FST/FSTP m32/m64/ST(i), FXCH, FNSTSW AX, FLDCW, FNSTCW,
 * FCOM/FUCOM (P, PP) ST(i), FTST, and FADD/FSUB/FSUBR (P, I) when the binary64
 * sum is exact.
 *
 * Each form tests its common case inline and otherwise runs the
 * interpreter's handler for the record (runtime/interp/families/fpu/), so
 * the rare paths are emulated in one place only. The common case, as the
 * handlers define it:
 * - the x87 entry checks pass: CR0.EM and CR0.TS clear, no unmasked
 *   exception pending (SW.ES clear: else a waiting instruction reports it,
 *   #MF or FERR#; FNSTSW only checks CR0);
 * - the registers read are not empty and the register a push writes is
 *   empty (no stack overflow/underflow);
 * - values: a memory operand is not a NaN or a denormal (FLD quiets an SNaN
 *   with IE, a denormal is DE); a register stored to memory has no 80-bit
 *   image (FPU_X80V clear: its f64 is its value) and is not a NaN; an m32
 *   store is exact (the f64 is a normal binary32 value, zero or infinity),
 *   so no rounding control, precision or flag is involved;
 * - the memory access hits the TLB within one page and the segment bounds
 *   (codegen/mem.ts fastTest for the whole 4 or 8 bytes): any fault is the
 *   handler's, raised the interpreter's way, before any FPU state changes.
 * Then the effects are the handler's: C1 = 0, TOP and FPU_EMPTY for
 * pushes/pops, FPU_X80V cleared for a binary64 value written (a register
 * move carries the image), and FIP/FCS/FOP (+ FDP/FDS for memory forms)
 * written as common.ts `ip`/`ipMem` do (FOP from the record's `imm2`).
 *
 * Chaining: the fallback may signal FERR# (SW.ES set: IRQ 13 on a PC), which
 * the dispatcher must see between blocks, so when ES was set the record's
 * fallback leaves the block after the handler (EXIT_IMPURE) instead of
 * marking the whole block impure; the other fallbacks only change FPU state
 * and memory (a store's fallback: the block checks BLOCK_DEAD after it).
 */
import binaryen from '../binaryen.js';
import { Mnemonic } from '../../../runtime/iced.js';
import { OP_FPU, OP_MEM, OP_REG, type Rec } from '../../../runtime/records.js';
import {
  CR0, CS, EIP, FPU_CW, FPU_EMPTY, FPU_FCS, FPU_FDP, FPU_FDS, FPU_FIP, FPU_FOP, FPU_ST, FPU_SW, FPU_TOP, FPU_X80, FPU_X80V, SEG_SEL,
} from '../../../runtime/state/layout.js';
import { C0, C1, C2, C3, ES, EXC, PE } from '../../../runtime/fpu/num.js';
import { CR0_EM, CR0_TS, CW_BITS } from '../../../runtime/fpu/state.js';
import { SRC_F32, SRC_F64, SRC_I32 } from '../../../runtime/interp/families/fpu/common.js';
import { EXIT_IMPURE } from '../chain.js';
import type { Fn, X } from '../ir.js';
import { emitter } from '../registry.js';
import { eaOffset, fastTest, host, inlineEa, linear, setEa } from './mem.js';

/** Smallest normal binary64 / binary32 magnitudes (below: denormal, DE on a load). */
const MIN64 = 2.2250738585072014e-308, MIN32 = 1.1754943508222875e-38;

/** Per-record code builder: the locals and expressions every form shares. */
class X87 {
  readonly m: binaryen.Module;
  readonly top: number;
  readonly es: number;
  constructor(readonly f: Fn, readonly r: Rec) {
    this.m = f.m;
    this.top = f.local();
    this.es = f.local();
  }
  /** Physical register of ST(i), from the TOP local. */
  ph(i: number): X { return i === 0 ? this.f.get(this.top) : this.m.i32.and(this.m.i32.add(this.f.get(this.top), this.f.c(i)), this.f.c(7)); }
  bit(word: number, p: X): X { return this.m.i32.and(this.m.i32.shr_u(this.f.ld(word), p), this.f.c(1)); }
  empty(p: X): X { return this.bit(FPU_EMPTY, p); }
  full(p: X): X { return this.m.i32.eqz(this.empty(p)); }
  hasImage(p: X): X { return this.bit(FPU_X80V, p); }
  /** The entry checks (fpuEnter) pass; `es` is set to SW.ES. */
  entry(wait: boolean): X {
    const f = this.f, m = this.m;
    const cr0 = m.i32.eqz(m.i32.and(f.ld(CR0), f.c(CR0_EM | CR0_TS)));
    if (!wait) return cr0;
    return m.i32.and(cr0, m.i32.eqz(f.tee(this.es, m.i32.and(f.ld(FPU_SW), f.c(ES)))));
  }
  /** f64 of R(p). */
  ldF(p: X): X { return this.m.f64.load(FPU_ST, 8, this.m.i32.shl(p, this.f.c(3))); }
  /** R(p) = an exact binary64 value: not empty, no image (Fpu.setP). */
  setP(p: number, v: X): X {
    const f = this.f, m = this.m, mask = (): X => m.i32.xor(m.i32.shl(f.c(1), f.get(p)), f.c(-1));
    return f.block([
      m.f64.store(FPU_ST, 8, m.i32.shl(f.get(p), f.c(3)), v),
      f.st(FPU_EMPTY, m.i32.and(f.ld(FPU_EMPTY), mask())),
      f.st(FPU_X80V, m.i32.and(f.ld(FPU_X80V), mask())),
    ]);
  }
  /** R(dst) = R(src): bits and image (Fpu.copyP). */
  copyP(dst: number, src: number): X {
    const f = this.f, m = this.m;
    const D = (): X => f.get(dst), S = (): X => f.get(src);
    const bitD = (): X => m.i32.shl(f.c(1), D());
    const x80 = (p: () => X): X => m.i32.shl(p(), f.c(4));
    return f.block([
      m.i64.store(FPU_ST, 8, m.i32.shl(D(), f.c(3)), m.i64.load(FPU_ST, 8, m.i32.shl(S(), f.c(3)))),
      f.st(FPU_EMPTY, m.i32.and(f.ld(FPU_EMPTY), m.i32.xor(bitD(), f.c(-1)))),
      m.if(this.hasImage(S()),
        f.block([
          m.i64.store(FPU_X80, 8, x80(D), m.i64.load(FPU_X80, 8, x80(S))),
          m.i32.store(FPU_X80 + 8, 4, x80(D), m.i32.load(FPU_X80 + 8, 4, x80(S))),
          f.st(FPU_X80V, m.i32.or(f.ld(FPU_X80V), bitD())),
        ]),
        f.st(FPU_X80V, m.i32.and(f.ld(FPU_X80V), m.i32.xor(bitD(), f.c(-1))))),
    ]);
  }
  /** TOP = TOP - 1 (a push; the slot was checked empty). */
  push(p: number): X { return this.f.st(FPU_TOP, this.f.get(p)); }
  /** Fpu.pop: R(TOP) empty, TOP + 1. */
  pop(): X {
    const f = this.f, m = this.m;
    return f.block([
      f.st(FPU_EMPTY, m.i32.or(f.ld(FPU_EMPTY), m.i32.shl(f.c(1), f.get(this.top)))),
      f.st(FPU_TOP, m.i32.and(m.i32.add(f.get(this.top), f.c(1)), f.c(7))),
    ]);
  }
  clearC1(): X { return this.f.st(FPU_SW, this.m.i32.and(this.f.ld(FPU_SW), this.f.c(~C1))); }
  /** common.ts ip(): FIP, FCS, FOP; ipMem() adds FDP (the offset in `off`) and FDS. */
  ip(off: number | null): X[] {
    const f = this.f, m = this.m, r = this.r;
    const out = [
      f.st(FPU_FIP, f.eipAt(r.off)),
      f.st(FPU_FCS, m.i32.and(f.ld(SEG_SEL + 4 * CS), f.c(0xffff))),
      f.st(FPU_FOP, f.c(r.imm2)),
    ];
    if (off !== null) out.push(f.st(FPU_FDP, f.get(off)), f.st(FPU_FDS, m.i32.and(f.ld(SEG_SEL + 4 * r.seg), f.c(0xffff))));
    return out;
  }
  /**
   * The whole record: `pre` (locals), then the fast path when `cond` holds,
   * else the handler; after a handler that ran with SW.ES set (FERR#), leave
   * the block (the dispatcher checks interrupts). `wait`: the form is a
   * waiting one (ES matters); `stores`: the handler may write memory.
   */
  build(pre: X[], cond: X, fast: X[], wait: boolean, stores: boolean): X {
    const f = this.f, m = this.m, r = this.r;
    if (stores) f.stored = true;
    const slow: X[] = [m.drop(f.callout(r))];
    if (wait) slow.push(leaveIf(f, r, f.get(this.es)));
    return f.block([f.set(this.es, f.c(0)), f.set(this.top, f.ld(FPU_TOP)), ...pre, m.if(cond, f.block(fast), f.block(slow))]);
  }
}

/** After the record's handler: when `es` (SW.ES before it: FERR# may have been signalled), leave the block after the record. */
function leaveIf(f: Fn, r: Rec, es: X): X {
  return f.m.if(es, f.block([f.st(EIP, f.eipAt(r.next)), f.leave(r.idx + 1, EXIT_IMPURE)]));
}

/**
 * `a && b` with `b` evaluated only when `a` holds (i32.and evaluates both):
 * a condition that reads the guest operand through host(f, lin, ent) must
 * come after the fastTest that makes that address valid, or a TLB miss
 * reads (or traps on) whatever address the stale entry gives.
 */
function andThen(f: Fn, a: X, b: X): X {
  return f.m.if(a, b, f.c(0));
}

/**
 * The call-out of an x87 record not generated inline (facts.ts
 * isX87Guarded; compile.ts): the handler, then leave the block when an
 * unmasked exception was pending before it (it may have signalled FERR#),
 * so the block stays pure otherwise.
 */
export function x87Callout(f: Fn, r: Rec): X {
  const es = f.local();
  return f.block([f.set(es, f.m.i32.and(f.ld(FPU_SW), f.c(ES))), f.m.drop(f.callout(r)), leaveIf(f, r, f.get(es))]);
}

/** FLD m32fp / m64fp (load-store.ts fldM). */
function fldM(f: Fn, r: Rec): X | null {
  const kind = r.sub >> 4;
  if (!inlineEa(r) || (kind !== SRC_F32 && kind !== SRC_F64)) return null;
  const x = new X87(f, r), m = f.m, n = kind === SRC_F64 ? 8 : 4;
  const off = f.local(), lin = f.local(), ent = f.local(), p = f.local(), v = f.local(binaryen.f64);
  const V = (): X => m.local.get(v, binaryen.f64);
  const ptr = (): X => host(f, lin, ent);
  const value = n === 8 ? m.f64.load(0, 1, ptr()) : m.f64.promote(m.f32.load(0, 1, ptr()));
  // Not a NaN, not a denormal (an m32 denormal is a binary64 normal: test its binary32 magnitude).
  const ok = m.i32.and(m.f64.eq(V(), V()), m.i32.or(m.f64.ge(m.f64.abs(V()), m.f64.const(n === 8 ? MIN64 : MIN32)), m.f64.eq(V(), m.f64.const(0))));
  const cond = m.i32.and(m.i32.and(x.entry(true), fastTest(f, r.seg, off, lin, ent, n, false)),
    x.empty(f.tee(p, m.i32.and(m.i32.sub(f.get(x.top), f.c(1)), f.c(7)))));
  return x.build([setEa(f, r, off), linear(f, r.seg, off, lin)], cond, [
    m.local.set(v, value),
    m.if(ok, f.block([...x.ip(off), x.clearC1(), x.push(p), x.setP(p, V())]), m.drop(f.callout(r))),
  ], true, false);
}

/** FILD m16int / m32int / m64int (load-store.ts fildM): any int16/int32, and an int64 of magnitude up to 2^53, is a binary64 value. */
function fildM(f: Fn, r: Rec): X | null {
  const n = r.msz;
  if (!inlineEa(r) || (n !== 2 && n !== 4 && n !== 8)) return null;
  const x = new X87(f, r), m = f.m, i64 = binaryen.i64;
  const off = f.local(), lin = f.local(), ent = f.local(), p = f.local(), q = f.local(i64);
  const ptr = (): X => host(f, lin, ent);
  const Q = (): X => m.local.get(q, i64);
  let cond = m.i32.and(m.i32.and(x.entry(true), fastTest(f, r.seg, off, lin, ent, n, false)),
    x.empty(f.tee(p, m.i32.and(m.i32.sub(f.get(x.top), f.c(1)), f.c(7)))));
  let v: X;
  if (n === 8) {
    // |q| <= 2^53: q + 2^53 (wrapping) <= 2^54 unsigned.
    cond = andThen(f, cond, m.block(null, [m.local.set(q, m.i64.load(0, 1, ptr())),
      m.i64.le_u(m.i64.add(Q(), m.i64.const(1n << 53n)), m.i64.const(1n << 54n))], binaryen.i32));
    v = m.f64.convert_s.i64(Q());
  } else v = m.f64.convert_s.i32(n === 4 ? m.i32.load(0, 1, ptr()) : m.i32.load16_s(0, 1, ptr()));
  return x.build([setEa(f, r, off), linear(f, r.seg, off, lin)], cond,
    [...x.ip(off), x.clearC1(), x.push(p), x.setP(p, v)], true, false);
}

/**
 * FIST / FISTP m16int m32int m64int (load-store.ts fistStore, convert.ts toInt,
 * num.ts roundInt): ST(0) not empty, without an image, finite; rounded by
 * RC (f64.nearest is ties-to-even); in range of the format; an inexact
 * result only with PE masked (PE set, C1 = rounded away from zero).
 */
function fistM(f: Fn, r: Rec, pop: boolean): X | null {
  const n = r.msz;
  if (!inlineEa(r) || (n !== 2 && n !== 4 && n !== 8)) return null;
  const x = new X87(f, r), m = f.m, F64 = binaryen.f64;
  const off = f.local(), lin = f.local(), ent = f.local(), v = f.local(F64), q = f.local(F64), rc = f.local(), pe = f.local();
  const V = (): X => m.local.get(v, F64), Q = (): X => m.local.get(q, F64), T = (): X => f.get(x.top);
  const RC = (): X => f.get(rc);
  const rounded = m.select(m.i32.eqz(RC()), m.f64.nearest(V()),
    m.select(m.i32.eq(RC(), f.c(1)), m.f64.floor(V()), m.select(m.i32.eq(RC(), f.c(2)), m.f64.ceil(V()), m.f64.trunc(V()))));
  // m64: -2^63 <= q < 2^63 (2^63 - 1 is not a binary64 value).
  const [lo, hi] = n === 2 ? [-32768, 32767] : n === 4 ? [-2147483648, 2147483647] : [-9223372036854775808, 9223372036854775808];
  const below = n === 8 ? m.f64.lt(Q(), m.f64.const(hi)) : m.f64.le(Q(), m.f64.const(hi));
  const value = m.block(null, [
    m.local.set(v, x.ldF(T())),
    f.set(rc, m.i32.and(m.i32.shr_u(f.ld(FPU_CW), f.c(10)), f.c(3))),
    m.local.set(q, rounded),
    f.set(pe, m.f64.ne(Q(), V())),
    // In range (a NaN fails both), and inexact only with PE masked.
    m.i32.and(m.i32.and(m.f64.ge(Q(), m.f64.const(lo)), below),
      m.i32.or(m.i32.eqz(f.get(pe)), m.i32.ne(m.i32.and(f.ld(FPU_CW), f.c(PE)), f.c(0)))),
  ], binaryen.i32);
  const cond = m.i32.and(m.i32.and(x.entry(true), fastTest(f, r.seg, off, lin, ent, n, true)),
    m.i32.and(m.i32.and(x.full(T()), m.i32.eqz(x.hasImage(T()))), value));
  const iv = (): X => m.i32.trunc_s.f64(Q());
  const store = n === 8 ? m.i64.store(0, 1, host(f, lin, ent), m.i64.trunc_s.f64(Q()))
    : n === 4 ? m.i32.store(0, 1, host(f, lin, ent), iv()) : m.i32.store16(0, 1, host(f, lin, ent), iv());
  // C1: rounded up in magnitude (|q| > |v|).
  const c1 = m.select(m.f64.gt(m.f64.abs(Q()), m.f64.abs(V())), f.c(C1), f.c(0));
  return x.build([setEa(f, r, off), linear(f, r.seg, off, lin)], cond, [
    store, ...x.ip(off),
    f.st(FPU_SW, m.i32.or(m.i32.and(f.ld(FPU_SW), f.c(~C1)), m.select(f.get(pe), m.i32.or(f.c(PE), c1), f.c(0)))),
    ...(pop ? [x.pop()] : []),
  ], true, true);
}

/** FLDZ, FLD1 (load-store.ts fldConst: the same value under every rounding control). */
function fldConst(f: Fn, r: Rec, v: number): X {
  const x = new X87(f, r), m = f.m, p = f.local();
  const cond = m.i32.and(x.entry(true), x.empty(f.tee(p, m.i32.and(m.i32.sub(f.get(x.top), f.c(1)), f.c(7)))));
  return x.build([], cond, [...x.ip(null), x.clearC1(), x.push(p), x.setP(p, m.f64.const(v))], true, false);
}

/** FLD ST(i) (load-store.ts fldSt). */
function fldSt(f: Fn, r: Rec): X {
  const x = new X87(f, r), m = f.m, p = f.local(), src = f.local();
  const cond = m.i32.and(m.i32.and(x.entry(true), x.full(f.tee(src, x.ph(r.r0)))),
    x.empty(f.tee(p, m.i32.and(m.i32.sub(f.get(x.top), f.c(1)), f.c(7)))));
  return x.build([], cond, [...x.ip(null), x.clearC1(), x.push(p), x.copyP(p, src)], true, false);
}

/** FST / FSTP m32fp m64fp (load-store.ts fstM, the exact cases: no rounding, no flag). */
function fstM(f: Fn, r: Rec, pop: boolean): X | null {
  const n = r.msz;
  if (!inlineEa(r) || (n !== 4 && n !== 8)) return null;
  const x = new X87(f, r), m = f.m;
  const off = f.local(), lin = f.local(), ent = f.local(), v = f.local(binaryen.f64), s = f.local(binaryen.f32);
  const V = (): X => m.local.get(v, binaryen.f64), S = (): X => m.local.get(s, binaryen.f32);
  const T = (): X => f.get(x.top);
  // ST(0) not empty and without an image; its f64 not a NaN; an m32 store exact and not a denormal.
  const exact = n === 8 ? m.f64.eq(V(), V())
    : m.i32.and(m.f64.eq(m.f64.promote(m.local.tee(s, m.f32.demote(V()), binaryen.f32)), V()),
      m.i32.or(m.f32.ge(m.f32.abs(S()), m.f32.const(MIN32)), m.f32.eq(S(), m.f32.const(0))));
  const cond = m.i32.and(m.i32.and(x.entry(true), fastTest(f, r.seg, off, lin, ent, n, true)),
    m.i32.and(m.i32.and(x.full(T()), m.i32.eqz(x.hasImage(T()))), m.block(null, [m.local.set(v, x.ldF(T())), exact], binaryen.i32)));
  const ptr = host(f, lin, ent);
  const store = n === 8 ? m.f64.store(0, 1, ptr, V()) : m.f32.store(0, 1, ptr, S());
  return x.build([setEa(f, r, off), linear(f, r.seg, off, lin)], cond,
    [store, ...x.ip(off), x.clearC1(), ...(pop ? [x.pop()] : [])], true, true);
}

/** FST / FSTP ST(i) (load-store.ts fstSt). */
function fstSt(f: Fn, r: Rec, pop: boolean): X {
  const x = new X87(f, r), m = f.m, dst = f.local(), src = f.local();
  const cond = m.i32.and(x.entry(true), x.full(f.get(x.top)));
  const move = r.r0 === 0 ? [] : [f.set(dst, x.ph(r.r0)), f.set(src, f.get(x.top)), x.copyP(dst, src)];
  return x.build([], cond, [...x.ip(null), x.clearC1(), ...move, ...(pop ? [x.pop()] : [])], true, false);
}

/** FXCH ST(i) (control.ts fxch). */
function fxch(f: Fn, r: Rec): X {
  const i = r.k1 === OP_FPU ? r.r1 : 1;
  const x = new X87(f, r), m = f.m, p0 = f.local(), pi = f.local(), t64 = f.local(binaryen.i64), t = f.local(), vb = f.local();
  const P0 = (): X => f.get(p0), PI = (): X => f.get(pi);
  const cond = m.i32.and(x.entry(true), m.i32.and(x.full(f.tee(p0, f.get(x.top))), x.full(f.tee(pi, x.ph(i)))));
  if (i === 0) return x.build([], cond, [...x.ip(null), x.clearC1()], true, false);
  const at8 = (p: () => X): X => m.i32.shl(p(), f.c(3)), at16 = (p: () => X): X => m.i32.shl(p(), f.c(4));
  const T64 = (): X => m.local.get(t64, binaryen.i64);
  const swap64 = (base: number, at: (p: () => X) => X): X[] => [
    m.local.set(t64, m.i64.load(base, 8, at(P0))),
    m.i64.store(base, 8, at(P0), m.i64.load(base, 8, at(PI))),
    m.i64.store(base, 8, at(PI), T64()),
  ];
  const b0 = (): X => m.i32.and(m.i32.shr_u(f.get(vb), P0()), f.c(1)), bi = (): X => m.i32.and(m.i32.shr_u(f.get(vb), PI()), f.c(1));
  return x.build([], cond, [
    ...x.ip(null), x.clearC1(),
    ...swap64(FPU_ST, at8),
    f.set(vb, f.ld(FPU_X80V)),
    m.if(m.i32.or(b0(), bi()), f.block([
      ...swap64(FPU_X80, at16),
      f.set(t, m.i32.load(FPU_X80 + 8, 4, at16(P0))),
      m.i32.store(FPU_X80 + 8, 4, at16(P0), m.i32.load(FPU_X80 + 8, 4, at16(PI))),
      m.i32.store(FPU_X80 + 8, 4, at16(PI), f.get(t)),
      f.st(FPU_X80V, m.i32.or(
        m.i32.and(f.get(vb), m.i32.xor(m.i32.or(m.i32.shl(f.c(1), P0()), m.i32.shl(f.c(1), PI())), f.c(-1))),
        m.i32.or(m.i32.shl(bi(), P0()), m.i32.shl(b0(), PI())))),
    ])),
  ], true, false);
}

/** FNSTSW AX (control.ts fnstswAX): no wait; the only fault is #NM. */
function fnstswAX(f: Fn, r: Rec): X {
  const x = new X87(f, r), m = f.m;
  const sw = m.i32.or(m.i32.and(f.ld(FPU_SW), f.c(0xc7ff)), m.i32.shl(m.i32.and(f.get(x.top), f.c(7)), f.c(11)));
  return x.build([], x.entry(false), [f.setRegN(2, 0, sw)], false, false);
}

/** C3 C2 C0 of a compare: >, <, = (compare.ts CC_OF; unordered takes the handler). */
function ccOf(f: Fn, a: () => X, b: () => X): X {
  const m = f.m;
  return m.select(m.f64.gt(a(), b()), f.c(0), m.select(m.f64.lt(a(), b()), f.c(C0), f.c(C3)));
}

/**
 * FCOM FCOMP FCOMPP FUCOM FUCOMP FUCOMPP with register operands (compare.ts
 * fcomRR; `sub` bit 0: pop, bit 1: pop twice, bit 2: unordered compare):
 * both registers not empty, without an image, not NaNs (a NaN is the
 * handler's: IE, or unordered).
 */
function fcomRR(f: Fn, r: Rec): X {
  const i = r.k1 === OP_FPU ? r.r1 : 1;
  const x = new X87(f, r), m = f.m, pi = f.local(), a = f.local(binaryen.f64), b = f.local(binaryen.f64);
  const A = (): X => m.local.get(a, binaryen.f64), B = (): X => m.local.get(b, binaryen.f64);
  const T = (): X => f.get(x.top), PI = (): X => f.get(pi);
  const cond = m.i32.and(m.i32.and(x.entry(true), m.i32.and(x.full(T()), x.full(f.tee(pi, x.ph(i))))),
    m.i32.and(m.i32.eqz(m.i32.or(x.hasImage(T()), x.hasImage(PI()))),
      m.block(null, [m.local.set(a, x.ldF(T())), m.local.set(b, x.ldF(PI())), m.i32.and(m.f64.eq(A(), A()), m.f64.eq(B(), B()))], binaryen.i32)));
  const pops = (r.sub & 3) === 0 ? [] : (r.sub & 2) === 0 ? [x.pop()] : [x.pop(), popAgain(f, x)];
  return x.build([], cond, [
    ...x.ip(null),
    f.st(FPU_SW, m.i32.or(m.i32.and(f.ld(FPU_SW), f.c(~(C0 | C1 | C2 | C3))), ccOf(f, A, B))),
    ...pops,
  ], true, false);
}
/** The second pop of FCOMPP / FUCOMPP: R(TOP + 1) empty, TOP + 2. */
function popAgain(f: Fn, x: X87): X {
  const m = f.m, p = m.i32.and(m.i32.add(f.get(x.top), f.c(1)), f.c(7));
  return f.block([
    f.st(FPU_EMPTY, m.i32.or(f.ld(FPU_EMPTY), m.i32.shl(f.c(1), p))),
    f.st(FPU_TOP, m.i32.and(m.i32.add(f.get(x.top), f.c(2)), f.c(7))),
  ]);
}

/** FTST (compare.ts ftst): ST(0) against +0. */
function ftst(f: Fn, r: Rec): X {
  const x = new X87(f, r), m = f.m, a = f.local(binaryen.f64);
  const A = (): X => m.local.get(a, binaryen.f64), T = (): X => f.get(x.top);
  const cond = m.i32.and(m.i32.and(x.entry(true), x.full(T())),
    m.i32.and(m.i32.eqz(x.hasImage(T())), m.block(null, [m.local.set(a, x.ldF(T())), m.f64.eq(A(), A())], binaryen.i32)));
  return x.build([], cond, [
    ...x.ip(null),
    f.st(FPU_SW, m.i32.or(m.i32.and(f.ld(FPU_SW), f.c(~(C0 | C1 | C2 | C3))), ccOf(f, A, () => m.f64.const(0)))),
  ], true, false);
}

/**
 * FLDCW m16 (control.ts fldcw, Fpu.setControlWord): when the new masks
 * leave no flagged exception unmasked, ES stays clear (it was: the entry
 * check) and FERR# is not asserted, so only CW changes. Not an `ip` instruction.
 */
function fldcw(f: Fn, r: Rec): X | null {
  if (!inlineEa(r)) return null;
  const x = new X87(f, r), m = f.m;
  const off = f.local(), lin = f.local(), ent = f.local(), cw = f.local();
  const cond = andThen(f, m.i32.and(x.entry(true), fastTest(f, r.seg, off, lin, ent, 2, false)),
    m.i32.eqz(m.i32.and(m.i32.and(f.ld(FPU_SW), m.i32.xor(f.tee(cw, m.i32.and(m.i32.load16_u(0, 1, host(f, lin, ent)), f.c(CW_BITS))), f.c(-1))), f.c(EXC))));
  return x.build([setEa(f, r, off), linear(f, r.seg, off, lin)], cond, [f.st(FPU_CW, f.get(cw))], true, false);
}

/** FNSTCW m16 (control.ts fnstcw): no wait; CW | 0x40 (bit 6 reads as 1). */
function fnstcw(f: Fn, r: Rec): X | null {
  if (!inlineEa(r)) return null;
  const x = new X87(f, r), m = f.m;
  const off = f.local(), lin = f.local(), ent = f.local();
  const cond = m.i32.and(x.entry(false), fastTest(f, r.seg, off, lin, ent, 2, true));
  return x.build([setEa(f, r, off), linear(f, r.seg, off, lin)], cond,
    [m.i32.store16(0, 1, host(f, lin, ent), m.i32.or(m.i32.and(f.ld(FPU_CW), f.c(CW_BITS)), f.c(0x40)))], false, true);
}

/** CW: precision control, rounding control. */
const CW_PC = 0x300, CW_RC = 0xc00;

/**
 * FADD FADDP FIADD FSUB FSUBP FISUB FSUBR FSUBRP FISUBR (arith.ts arithRR /
 * arithRM; `sub & 7`: 0 add, 4 sub, 5 reversed sub; bit 3 pop; memory kind
 * in `sub >> 4`) when the binary64 sum is exact (TwoSum error 0: the
 * x87's result at 53 and 64 bits whatever the rounding control, no flag;
 * an infinite or NaN operand or an overflow makes the error a NaN): not at
 * PC 24 (fewer bits), and a zero sum only under round-to-nearest (RD gives
 * -0 for x - x). Operands: registers not empty and without an image, a
 * memory operand not a denormal (DE) and not m16int. Products and quotients
 * call out (an exactness test needs a Dekker product).
 */
function addSub(f: Fn, r: Rec): X | null {
  const op = r.sub & 7, mem = r.k0 === OP_MEM, kind = r.sub >> 4;
  if (op !== 0 && op !== 4 && op !== 5) return null;
  if (mem ? !inlineEa(r) || (kind !== SRC_F32 && kind !== SRC_F64 && kind !== SRC_I32) : r.k0 !== OP_FPU || r.k1 !== OP_FPU) return null;
  const x = new X87(f, r), m = f.m, F64 = binaryen.f64;
  const pd = f.local(), ps = f.local(), off = f.local(), lin = f.local(), ent = f.local();
  const [a, b, sum, bb] = [f.local(F64), f.local(F64), f.local(F64), f.local(F64)];
  const g = (l: number) => (): X => m.local.get(l, F64);
  const A = g(a), B = g(b), S = g(sum), BB = g(bb);
  const n = kind === SRC_F64 ? 8 : 4;
  const ptr = (): X => host(f, lin, ent);
  const src = !mem ? x.ldF(f.get(ps)) : kind === SRC_F64 ? m.f64.load(0, 1, ptr()) : kind === SRC_F32 ? m.f64.promote(m.f32.load(0, 1, ptr()))
    : m.f64.convert_s.i32(m.i32.load(0, 1, ptr()));
  // x + y is the operation: a + b, a + (-b), b + (-a).
  const X_ = (): X => (op === 5 ? B() : A()), Y = (): X => (op === 0 ? B() : op === 4 ? m.f64.neg(B()) : m.f64.neg(A()));
  const notDenormal = mem && kind !== SRC_I32
    ? m.i32.or(m.f64.ge(m.f64.abs(B()), m.f64.const(kind === SRC_F64 ? MIN64 : MIN32)), m.f64.eq(B(), m.f64.const(0))) : f.c(1);
  const exact = m.block(null, [
    m.local.set(a, x.ldF(f.get(pd))),
    m.local.set(b, src),
    m.local.set(sum, m.f64.add(X_(), Y())),
    m.local.set(bb, m.f64.sub(S(), X_())),
    m.i32.and(m.i32.and(notDenormal, m.f64.eq(m.f64.add(m.f64.sub(X_(), m.f64.sub(S(), BB())), m.f64.sub(Y(), BB())), m.f64.const(0))),
      m.i32.or(m.f64.ne(S(), m.f64.const(0)), m.i32.eqz(m.i32.and(f.ld(FPU_CW), f.c(CW_RC))))),
  ], binaryen.i32);
  const regsOk = mem
    ? m.i32.and(x.full(f.get(pd)), m.i32.eqz(x.hasImage(f.get(pd))))
    : m.i32.and(m.i32.and(x.full(f.get(pd)), x.full(f.get(ps))), m.i32.eqz(m.i32.or(x.hasImage(f.get(pd)), x.hasImage(f.get(ps)))));
  const cond = andThen(f,
    m.i32.and(m.i32.and(x.entry(true), mem ? fastTest(f, r.seg, off, lin, ent, n, false) : f.c(1)), m.i32.ne(m.i32.and(f.ld(FPU_CW), f.c(CW_PC)), f.c(0))),
    m.i32.and(regsOk, exact));
  const pre = mem ? [setEa(f, r, off), linear(f, r.seg, off, lin), f.set(pd, f.get(x.top))]
    : [f.set(pd, x.ph(r.r0)), f.set(ps, x.ph(r.r1))];
  const result = f.block([
    m.f64.store(FPU_ST, 8, m.i32.shl(f.get(pd), f.c(3)), S()),
    f.st(FPU_EMPTY, m.i32.and(f.ld(FPU_EMPTY), m.i32.xor(m.i32.shl(f.c(1), f.get(pd)), f.c(-1)))),
    f.st(FPU_X80V, m.i32.and(f.ld(FPU_X80V), m.i32.xor(m.i32.shl(f.c(1), f.get(pd)), f.c(-1)))),
  ]);
  return x.build(pre, cond, [...x.ip(mem ? off : null), x.clearC1(), result, ...((r.sub & 8) !== 0 ? [x.pop()] : [])], true, false);
}

function x87(f: Fn, r: Rec): X | null {
  if (!f.x87 || r.lock) return null;
  switch (r.mnemonic) {
    case Mnemonic.Fld:
      if (r.k0 === OP_FPU) return fldSt(f, r);
      return r.k0 === OP_MEM && r.msz !== 10 ? fldM(f, r) : null;
    case Mnemonic.Fild: return r.k0 === OP_MEM ? fildM(f, r) : null;
    case Mnemonic.Fist: case Mnemonic.Fistp: return r.k0 === OP_MEM ? fistM(f, r, r.mnemonic === Mnemonic.Fistp) : null;
    case Mnemonic.Fldz: return fldConst(f, r, 0);
    case Mnemonic.Fld1: return fldConst(f, r, 1);
    case Mnemonic.Fst: case Mnemonic.Fstp: {
      const pop = r.mnemonic === Mnemonic.Fstp;
      if (r.k0 === OP_MEM) return fstM(f, r, pop);
      return r.k0 === OP_FPU ? fstSt(f, r, pop) : null;
    }
    case Mnemonic.Fxch: return fxch(f, r);
    case Mnemonic.Fnstsw: return r.k0 === OP_REG ? fnstswAX(f, r) : null;
    case Mnemonic.Fcom: case Mnemonic.Fcomp: case Mnemonic.Fcompp: case Mnemonic.Fucom: case Mnemonic.Fucomp: case Mnemonic.Fucompp:
      return r.k0 === OP_MEM ? null : fcomRR(f, r);
    case Mnemonic.Ftst: return ftst(f, r);
    case Mnemonic.Fadd: case Mnemonic.Faddp: case Mnemonic.Fiadd: case Mnemonic.Fsub: case Mnemonic.Fsubp: case Mnemonic.Fisub:
    case Mnemonic.Fsubr: case Mnemonic.Fsubrp: case Mnemonic.Fisubr:
      return addSub(f, r);
    case Mnemonic.Fldcw: return r.k0 === OP_MEM ? fldcw(f, r) : null;
    case Mnemonic.Fnstcw: return r.k0 === OP_MEM ? fnstcw(f, r) : null;
    default: return null;
  }
}
emitter('x87', x87);
