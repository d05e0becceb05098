/**
 * IMUL r32, r32 and IMUL r32, r32, imm inline, with the interpreter's flags
 * (runtime/interp/families/muldiv.ts imul32RR): CF = OF = the signed product
 * does not fit in 32 bits, ZF and AF cleared, SF/PF lazy from the result.
 */
import { Mnemonic } from '../../../runtime/iced.js';
import { K_RESULT, SZ32 } from '../../../runtime/flags.js';
import binaryen from '../binaryen.js';
import { OP_IMM, OP_MEM, OP_REG, type Rec } from '../../../runtime/records.js';
import { eaOffset, inlineEa, read, setEa } from './mem.js';
import { AF, CF, OF, PF, SF, ZF } from '../../../runtime/state/eflags.js';
import { EAX, EDX, EFLAGS, LAZY_MASK, LAZY_RES, READ_MASK, SEG_BASE, SEG_HI, SEG_LO, TLB } from '../../../runtime/state/layout.js';
import { TLB_VALID } from '../../../runtime/mmu.js';
import type { Fn, X } from '../ir.js';
import { emitter } from '../registry.js';

function imul(f: Fn, r: Rec): X | null {
  if (r.osz !== 4 || r.k0 !== OP_REG || r.k1 !== OP_REG || (r.k2 !== 0 && r.k2 !== OP_IMM)) return null;
  const m = f.m, a = f.local(), b = f.local(), lo = f.local();
  const a64 = (): X => m.i64.extend_s(f.get(a)), b64 = (): X => m.i64.extend_s(f.get(b));
  const overflow = m.i64.ne(m.i64.mul(a64(), b64()), m.i64.extend_s(f.get(lo)));
  f.flags = { kind: 'mul', a, b, r: lo };
  return f.block([
    f.set(a, f.reg(r.k2 === OP_IMM ? r.r1 : r.r0)),
    f.set(b, r.k2 === OP_IMM ? f.c(r.imm) : f.reg(r.r1)),
    f.set(lo, m.i32.mul(f.get(a), f.get(b))),
    f.setReg(r.r0, f.get(lo)),
    f.st(EFLAGS, m.i32.or(m.i32.and(f.ld(EFLAGS), f.c(~(CF | OF | ZF | AF))), m.select(overflow, f.c(CF | OF), f.c(0)))),
    f.st(LAZY_RES, f.get(lo)),
    ...f.st2(LAZY_MASK, f.c(SF | PF), f.c((K_RESULT << 2) | SZ32)),
  ]);
}

/** One-operand MUL/IMUL r/m32: EDX:EAX = EAX * src; CF = OF = the high half is significant. */
function mul1(f: Fn, r: Rec, signed: boolean): X | null {
  if (r.osz !== 4 || r.k1 !== 0 || (r.k0 !== OP_REG && !(r.k0 === OP_MEM && inlineEa(r)))) return null;
  const m = f.m, src = f.local(), p = f.local(binaryen.i64), lo = f.local(), hi = f.local();
  const out: X[] = [];
  if (r.k0 === OP_MEM) { const off = f.local(); out.push(setEa(f, r, off), read(f, r, r.seg, off, 4, src)); }
  else out.push(f.set(src, f.reg(r.r0)));
  const ext = (x: X): X => (signed ? m.i64.extend_s(x) : m.i64.extend_u(x));
  out.push(
    m.local.set(p, m.i64.mul(ext(f.reg(EAX)), ext(f.get(src)))),
    f.set(lo, m.i32.wrap(m.local.get(p, binaryen.i64))),
    f.set(hi, m.i32.wrap(m.i64.shr_u(m.local.get(p, binaryen.i64), m.i64.const(32n)))),
    f.setReg(EAX, f.get(lo)),
    f.setReg(EDX, f.get(hi)),
  );
  const ovf = signed ? m.i32.ne(f.get(hi), m.i32.shr_s(f.get(lo), f.c(31))) : m.i32.ne(f.get(hi), f.c(0));
  f.flags = { kind: 'mul', a: src, b: src, r: lo };
  out.push(
    f.st(EFLAGS, m.i32.or(m.i32.and(f.ld(EFLAGS), f.c(~(CF | OF | ZF | AF))), m.select(ovf, f.c(CF | OF), f.c(0)))),
    f.st(LAZY_RES, f.get(lo)),
    ...f.st2(LAZY_MASK, f.c(SF | PF), f.c((K_RESULT << 2) | SZ32)),
  );
  return f.block(out);
}

/**
 * DIV / IDIV of a register, every size (families/muldiv.ts; flags untouched).
 * The quotient and remainder are computed only when the handler would not
 * raise #DE (divisor 0, quotient too large, including the most negative
 * dividend by -1); otherwise the call-out runs the handler, which raises
 * #DE with nothing changed.
 */
function div(f: Fn, r: Rec, signed: boolean): X | null {
  if (r.k1 !== 0) return null;
  if (r.k0 === OP_MEM) return inlineEa(r) ? divMem(f, r, signed) : null;
  if (r.k0 !== OP_REG) return null;
  return divBy(f, r, signed, f.regN(r.osz, r.r0));
}

/**
 * A memory divisor is read inline only from RAM the TLB maps (bounds and
 * one page checked first); anything else runs the handler, which then reads
 * it once (MMIO reads may have side effects, so never twice).
 */
function divMem(f: Fn, r: Rec, signed: boolean): X {
  const m = f.m, n = r.osz, off = f.local(), lin = f.local(), ent = f.local();
  const o = f.get(off), end = m.i32.add(o, f.c(n - 1));
  const hit = m.i32.and(
    m.i32.and(m.i32.ge_u(o, f.ld(SEG_LO + 4 * r.seg)), m.i32.and(m.i32.ge_u(end, o), m.i32.le_u(end, f.ld(SEG_HI + 4 * r.seg)))),
    m.i32.and(
      m.i32.le_u(m.i32.and(f.tee(lin, m.i32.add(f.ld(SEG_BASE + 4 * r.seg), o)), f.c(0xfff)), f.c(0x1000 - n)),
      m.i32.eq(m.i32.and(f.tee(ent, m.i32.load(TLB, 4, m.i32.shl(m.i32.shr_u(f.get(lin), f.c(12)), f.c(2)))), f.ld(READ_MASK)), f.c(TLB_VALID))));
  const ptr = m.i32.xor(m.i32.and(f.get(ent), f.c(~0xfff)), f.get(lin));
  const v = n === 4 ? m.i32.load(0, 1, ptr) : n === 2 ? m.i32.load16_u(0, 1, ptr) : m.i32.load8_u(0, 1, ptr);
  return f.block([setEa(f, r, off), m.if(hit, divBy(f, r, signed, v), m.drop(f.callout(r)))]);
}

/** The division by `src` (the divisor, zero-extended to 32 bits). */
function divBy(f: Fn, r: Rec, signed: boolean, src: X): X {
  const m = f.m, n = r.osz, d = f.local(), q = f.local(), rm = f.local(), ds = f.local();
  const slow = (): X => m.drop(f.callout(r));
  if (n === 4) {
    const i64 = binaryen.i64, nn = f.local(i64), q64 = f.local(i64), ds64 = f.local(i64);
    const dividend = m.local.set(nn, m.i64.or(m.i64.shl(m.i64.extend_u(f.reg(EDX)), m.i64.const(32n)), m.i64.extend_u(f.reg(EAX))));
    const N = (): X => m.local.get(nn, i64), Q = (): X => m.local.get(q64, i64);
    if (!signed) {
      // EDX < divisor: the quotient fits in 32 bits.
      return f.block([
        f.set(d, src),
        m.if(m.i32.and(m.i32.ne(f.get(d), f.c(0)), m.i32.lt_u(f.reg(EDX), f.get(d))),
          f.block([
            dividend,
            m.local.set(ds64, m.i64.extend_u(f.get(d))),
            f.set(q, m.i32.wrap(m.i64.div_u(N(), m.local.get(ds64, i64)))),
            f.set(rm, m.i32.wrap(m.i64.rem_u(N(), m.local.get(ds64, i64)))),
            f.setReg(EAX, f.get(q)), f.setReg(EDX, f.get(rm)),
          ]),
          slow()),
      ]);
    }
    // -1 is done as a negation (i64.div_s traps on the most negative dividend by -1; the range test then fails).
    return f.block([
      f.set(d, src),
      m.if(m.i32.eqz(f.get(d)), slow(), f.block([
        dividend,
        m.local.set(ds64, m.i64.extend_s(m.select(m.i32.eq(f.get(d), f.c(-1)), f.c(1), f.get(d)))),
        m.local.set(q64, m.if(m.i32.eq(f.get(d), f.c(-1)), m.i64.sub(m.i64.const(0n), N()), m.i64.div_s(N(), m.local.get(ds64, i64)))),
        m.if(m.i64.eq(m.i64.extend_s(m.i32.wrap(Q())), Q()),
          f.block([
            f.setReg(EAX, m.i32.wrap(Q())),
            f.setReg(EDX, m.i32.wrap(m.i64.rem_s(N(), m.local.get(ds64, i64)))),
          ]),
          slow()),
      ])),
    ]);
  }
  // 16-bit: DX:AX / r16 -> AX, DX; 8-bit: AX / r8 -> AL, AH (r16 AX = 0, DX = 4; r8 AL = 0, AH = 1).
  const nn = f.local();
  const dividend = f.set(nn, n === 2 ? m.i32.or(m.i32.shl(f.regN(2, 4), f.c(16)), f.regN(2, 0))
    : signed ? m.i32.extend16_s(f.regN(2, 0)) : f.regN(2, 0));
  const ext = (x: X): X => (n === 2 ? m.i32.extend16_s(x) : m.i32.extend8_s(x));
  const fits = signed ? m.i32.eq(ext(f.get(q)), f.get(q)) : m.i32.le_u(f.get(q), f.c(n === 2 ? 0xffff : 0xff));
  const store = n === 2 ? [f.setRegN(2, 0, f.get(q)), f.setRegN(2, 4, f.get(rm))] : [f.setRegN(1, 0, f.get(q)), f.setRegN(1, 1, f.get(rm))];
  return f.block([
    f.set(d, signed ? ext(src) : src),
    m.if(m.i32.eqz(f.get(d)), slow(), f.block([
      dividend,
      ...(signed ? [
        f.set(ds, m.select(m.i32.eq(f.get(d), f.c(-1)), f.c(1), f.get(d))),
        f.set(q, m.if(m.i32.eq(f.get(d), f.c(-1)), m.i32.sub(f.c(0), f.get(nn)), m.i32.div_s(f.get(nn), f.get(ds)))),
        f.set(rm, m.i32.rem_s(f.get(nn), f.get(ds))),
      ] : [
        f.set(q, m.i32.div_u(f.get(nn), f.get(d))),
        f.set(rm, m.i32.rem_u(f.get(nn), f.get(d))),
      ]),
      m.if(fits, f.block(store), slow()),
    ])),
  ]);
}

emitter('div', (f, r) => div(f, r, false));
emitter('idiv', (f, r) => div(f, r, true));
emitter('imul', (f, r) => (r.k1 === 0 ? mul1(f, r, true) : imul(f, r)));
emitter('mul', (f, r) => mul1(f, r, false));
