/**
 * IMUL r32, r32 and IMUL r32, r32, imm inline, with the interpreter's flags
 * (runtime/interp/families/muldiv.ts imul32RR): CF = OF = the signed product
 * does not fit in 32 bits, ZF and AF cleared, SF/PF lazy from the result.
 */
import { Mnemonic } from 'iced-x86';
import { K_RESULT, SZ32 } from '../../../runtime/flags.js';
import binaryen from 'binaryen';
import { OP_IMM, OP_MEM, OP_REG, type Rec } from '../../../runtime/records.js';
import { eaOffset, inlineEa, read } from './mem.js';
import { AF, CF, OF, PF, SF, ZF } from '../../../runtime/state/eflags.js';
import { EAX, EDX, EFLAGS, LAZY_MASK, LAZY_OP, LAZY_RES } from '../../../runtime/state/layout.js';
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
    f.st(LAZY_OP, f.c((K_RESULT << 2) | SZ32)),
    f.st(LAZY_RES, f.get(lo)),
    f.st(LAZY_MASK, f.c(SF | PF)),
  ]);
}

/** One-operand MUL/IMUL r/m32: EDX:EAX = EAX * src; CF = OF = the high half is significant. */
function mul1(f: Fn, r: Rec, signed: boolean): X | null {
  if (r.osz !== 4 || r.k1 !== 0 || (r.k0 !== OP_REG && !(r.k0 === OP_MEM && inlineEa(r)))) return null;
  const m = f.m, src = f.local(), p = f.local(binaryen.i64), lo = f.local(), hi = f.local();
  const out: X[] = [];
  if (r.k0 === OP_MEM) { const off = f.local(); out.push(f.set(off, eaOffset(f, r)), read(f, r, r.seg, off, 4, src)); }
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
    f.st(LAZY_OP, f.c((K_RESULT << 2) | SZ32)),
    f.st(LAZY_RES, f.get(lo)),
    f.st(LAZY_MASK, f.c(SF | PF)),
  );
  return f.block(out);
}

emitter('imul', (f, r) => (r.k1 === 0 ? mul1(f, r, true) : imul(f, r)));
emitter('mul', (f, r) => mul1(f, r, false));
