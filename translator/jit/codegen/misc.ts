/**
 * Small data forms inline: XCHG (registers, and memory: the write access is
 * checked before anything changes, as families/mov.ts does), BSWAP r32
 * (BSWAP r16 leaves 0 in the register, the interpreter's model), CBW CWDE
 * CWD CDQ (families/flagops.ts): none changes flags; and CLC STC CMC CLD STD.
 */
import binaryen from '../binaryen.js';
import { Code, Mnemonic } from '../../../runtime/iced.js';
import { CF, DF, VM } from '../../../runtime/state/eflags.js';
import { CPL, CR0, CR4, EFLAGS, ICOUNT, LAZY_MASK, TSC_ADJ, TSC_ANCHOR, TSC_BASE, TSC_RATE } from '../../../runtime/state/layout.js';
import { carryIn } from './flags.js';
import { OP_MEM, OP_REG, type Rec } from '../../../runtime/records.js';
import type { Fn, X } from '../ir.js';
import { emitter } from '../registry.js';
import { eaOffset, inlineEa, read, write, setEa } from './mem.js';

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
    setEa(f, r, off),
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

/** CR4.TSD: RDTSC is privileged (SDM vol. 3, 2.5). */
const CR4_TSD = 0x4;

/**
 * RDTSC (families/misc.ts rdtsc; Cpu.readTsc): EDX:EAX = floor(TSC_BASE +
 * ((ICOUNT + pending) - TSC_ANCHOR) * TSC_RATE) + TSC_ADJ, the same f64
 * operations in the same order as the interpreter, on the time line the
 * clock published in the state block (layout.ts TSC_*: it changes only
 * between slices). `pending` is what the interpreter passes too, the
 * instructions retired in this block before the record (r.idx), plus the
 * earlier passes of a block looping on itself (Fn.done, not yet in ICOUNT);
 * blocks a direct transfer came from are already in ICOUNT (chain.ts). So
 * the read is pure, exact anywhere in a chain or a self-loop. When CR4.TSD
 * makes it fault (#GP(0) in protected mode at CPL > 0 or in virtual-8086
 * mode) the handler runs, which raises it.
 */
function rdtsc(f: Fn, r: Rec): X | null {
  const m = f.m, z = (): X => m.i32.const(0), i64 = binaryen.i64;
  const faults = m.i32.and(
    m.i32.and(m.i32.ne(m.i32.and(f.ld(CR4), f.c(CR4_TSD)), f.c(0)), m.i32.and(f.ld(CR0), f.c(1))),
    m.i32.or(m.i32.ne(f.ld(CPL), f.c(0)), m.i32.ne(m.i32.and(f.ld(EFLAGS), f.c(VM)), f.c(0))));
  const ld64 = (off: number): X => m.f64.load(off, 8, z());
  const pending = m.f64.convert_u.i32(f.doneN(r.idx));
  const t = m.f64.floor(m.f64.add(ld64(TSC_BASE), m.f64.mul(m.f64.sub(m.f64.add(ld64(ICOUNT), pending), ld64(TSC_ANCHOR)), ld64(TSC_RATE))));
  const v = f.local(i64), V = (): X => m.local.get(v, i64);
  return m.if(faults, m.drop(f.callout(r)), f.block([
    m.local.set(v, m.i64.add(m.i64.trunc_s.f64(t), m.i64.load(TSC_ADJ, 8, z()))),
    f.setReg(0, m.i32.wrap(V())),
    f.setReg(2, m.i32.wrap(m.i64.shr_u(V(), m.i64.const(32)))),
  ]));
}
emitter('rdtsc', rdtsc);
