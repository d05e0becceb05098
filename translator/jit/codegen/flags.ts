/**
 * Flags in generated code, in the interpreter's lazy encoding
 * (runtime/flags.ts): an inline ALU record writes LAZY_OP/RES/A/B and
 * LAZY_MASK = ARITH exactly as the interpreter's handler would, and leaves
 * its operands in locals (Fn.flags) so a later Jcc/SETcc in the same block
 * evaluates its condition with one or two compares instead of
 * materialising EFLAGS (QEMU's cc_op, tracked while translating).
 */
import binaryen from '../binaryen.js';
import {
  CF_A_LE_B, CF_A_LT_B, CF_NONE, CF_RES_LE_A, CF_RES_LT_A, CF_RULE, K_ADC, K_ADD, K_DEC, K_INC, K_LOGIC, K_RESULT, K_SBB, K_SUB,
  OF_ADD, OF_NONE, OF_RULE, OF_SUB, SZ32, szCode,
} from '../../../runtime/flags.js';
import { ARITH, CF, OF, PF, SF, ZF } from '../../../runtime/state/eflags.js';
import { EFLAGS, LAZY_A, LAZY_B, LAZY_MASK, LAZY_OP, LAZY_RES } from '../../../runtime/state/layout.js';
import type { FlagSource, Fn, X } from '../ir.js';

const KIND = { sub: K_SUB, add: K_ADD, logic: K_LOGIC, inc: K_INC, dec: K_DEC, result: K_RESULT, mul: K_RESULT, adc: K_ADD, sbb: K_SUB } as const;

/** Record a 32-bit flag-producing operation (operands and result in locals). INC/DEC keep CF eager (pinCF first). */
export function setLazy32(f: Fn, src: FlagSource): X {
  return setLazyN(f, src, 4);
}

/**
 * Record a flag-producing operation of `size` bytes exactly as the
 * interpreter's handler does (runtime/flags.ts setLazy: LAZY_A/B/RES hold
 * the raw, unmasked values, LAZY_OP the kind and size code). `raw` names
 * the locals holding those; for 8/16-bit operations the tracked source
 * (Fn.flags) gets copies shifted left by 32 - 8 * size (FlagSource.sh).
 */
export function setLazyN(f: Fn, raw: FlagSource, size: number): X {
  const m = f.m, sz = szCode(size);
  const incdec = raw.kind === 'inc' || raw.kind === 'dec';
  // ADC/SBB record K_ADC/K_SBB when the carry-in was 1, K_ADD/K_SUB when 0 (runtime/flags.ts).
  const op = raw.c !== undefined
    ? m.select(f.get(raw.c), f.c(((raw.kind === 'adc' ? K_ADC : K_SBB) << 2) | sz), f.c((KIND[raw.kind] << 2) | sz))
    : f.c((KIND[raw.kind] << 2) | sz);
  const out: X[] = [
    f.st(LAZY_RES, f.get(raw.r)),
    f.st(LAZY_A, f.get(raw.a)),
    f.st(LAZY_B, incdec ? f.c(1) : f.get(raw.b)),
    // One i64 store when the op is a constant (all but ADC/SBB's select): layout.ts LAZY_OP.
    ...f.st2(LAZY_MASK, f.c(incdec ? ARITH & ~CF : ARITH), op),
  ];
  if (size === 4) { f.flags = raw; return f.block(out); }
  const sh = 32 - 8 * size, a = f.local(), b = f.local(), r = f.local();
  out.push(f.set(a, m.i32.shl(f.get(raw.a), f.c(sh))), f.set(b, m.i32.shl(f.get(raw.b), f.c(sh))), f.set(r, m.i32.shl(f.get(raw.r), f.c(sh))));
  f.flags = raw.c !== undefined ? { kind: raw.kind, a, b, r, c: raw.c, sh } : { kind: raw.kind, a, b, r, sh };
  return f.block(out);
}

/** CF of a tracked sub/add/logic source, as 0/1. */
function carry(f: Fn, src: FlagSource): X | null {
  const m = f.m;
  if (src.kind === 'sub') return m.i32.lt_u(f.get(src.a), f.get(src.b));
  if (src.kind === 'add') return m.i32.lt_u(f.get(src.r), f.get(src.a));
  if (src.kind === 'logic') return f.c(0);
  if (src.kind === 'adc') return m.select(f.get(src.c!), m.i32.le_u(f.get(src.r), f.get(src.a)), m.i32.lt_u(f.get(src.r), f.get(src.a)));
  if (src.kind === 'sbb') return m.select(f.get(src.c!), m.i32.le_u(f.get(src.a), f.get(src.b)), m.i32.lt_u(f.get(src.a), f.get(src.b)));
  return null;
}

/** Names of the module-internal helpers addFlagHelpers defines (no import: no wasm -> JS transition). */
export const LAZY_CF_FN = 'lazycf';
export const GET_OF_FN = 'getof';

/**
 * The lazy-flag helpers every module gets (compile.ts emitModule, after the
 * blocks' functions so that function j is still block j): `lazycf` computes
 * CF from LAZY_* as 0/1 (runtime/flags.ts lazyCF; the caller checked that
 * LAZY_MASK has CF), `getof` OF as 0/1 whether lazy or eager
 * (runtime/flags.ts getOF). Both follow runtime/flags.ts CF_RULE / OF_RULE,
 * the one description of the lazy kinds: a kind with a new rule there
 * throws here. Operands are shifted left by 32 - 8 << size code so that the
 * 32-bit compares give the narrow flags (as FlagSource.sh does).
 */
export function addFlagHelpers(m: binaryen.Module): void {
  const i32 = binaryen.i32, z = (): X => m.i32.const(0), c = (v: number): X => m.i32.const(v);
  const ld = (off: number): X => m.i32.load(off, 4, z());
  // locals: 0 op, 1 a, 2 b, 3 r (shifted), 4 sh
  const get = (i: number): X => m.local.get(i, i32);
  const prologue = (): X[] => [
    m.local.set(0, ld(LAZY_OP)),
    m.local.set(4, m.i32.sub(c(32), m.i32.shl(c(8), m.i32.and(get(0), c(3))))),
    m.local.set(1, m.i32.shl(ld(LAZY_A), get(4))),
    m.local.set(2, m.i32.shl(ld(LAZY_B), get(4))),
    m.local.set(3, m.i32.shl(ld(LAZY_RES), get(4))),
    m.local.set(0, m.i32.shr_u(get(0), c(2))),
  ];
  const a = (): X => get(1), b = (): X => get(2), r = (): X => get(3);
  const cfOf = (rule: number): X => {
    switch (rule) {
      case CF_RES_LT_A: return m.i32.lt_u(r(), a());
      case CF_RES_LE_A: return m.i32.le_u(r(), a());
      case CF_A_LT_B: return m.i32.lt_u(a(), b());
      case CF_A_LE_B: return m.i32.le_u(a(), b());
      case CF_NONE: return c(0);
      default: throw new Error(`codegen/flags.ts: no wasm for CF rule ${rule}`);
    }
  };
  const ofOf = (rule: number): X => {
    switch (rule) {
      case OF_ADD: return m.i32.lt_s(m.i32.and(m.i32.xor(a(), r()), m.i32.xor(b(), r())), c(0));
      case OF_SUB: return m.i32.lt_s(m.i32.and(m.i32.xor(a(), b()), m.i32.xor(a(), r())), c(0));
      case OF_NONE: return c(0);
      default: throw new Error(`codegen/flags.ts: no wasm for OF rule ${rule}`);
    }
  };
  // One arm per kind (LAZY_OP >> 2 is 0..7): if (kind == k) return rule(k); ...; return 0.
  const byKind = (rules: Readonly<Uint8Array>, none: number, emit: (rule: number) => X): X[] => {
    const out: X[] = [];
    rules.forEach((rule, k) => { if (rule !== none) out.push(m.if(m.i32.eq(get(0), c(k)), m.return(emit(rule)))); });
    return out;
  };
  const vars = [i32, i32, i32, i32, i32];
  m.addFunction(LAZY_CF_FN, binaryen.none, i32, vars,
    m.block(null, [...prologue(), ...byKind(CF_RULE, CF_NONE, cfOf), m.return(c(0))], i32));
  m.addFunction(GET_OF_FN, binaryen.none, i32, vars, m.block(null, [
    m.if(m.i32.eqz(m.i32.and(ld(LAZY_MASK), c(OF))), m.return(m.i32.ne(m.i32.and(ld(EFLAGS), c(OF)), c(0)))),
    ...prologue(), ...byKind(OF_RULE, OF_NONE, ofOf), m.return(c(0)),
  ], i32));
}

/** CF as 0/1, whatever produced it: tracked source, eager EFLAGS, or the module's `lazycf` for an unknown lazy state. */
export function carryIn(f: Fn): X {
  const m = f.m, src = f.flags;
  const tracked = src !== null ? carry(f, src) : null;
  if (tracked !== null) return tracked;
  const eager = m.i32.and(f.ld(EFLAGS), f.c(CF));
  if (src !== null) return eager; // inc/dec/result/mul: CF is eager
  return m.if(m.i32.and(f.ld(LAZY_MASK), f.c(CF)), m.call(LAZY_CF_FN, [], binaryen.i32), eager);
}

/**
 * runtime/flags.ts pinCF: make a lazy CF eager before an operation that
 * keeps it (INC/DEC). Statically known source: computed inline; unknown:
 * the module's `lazycf` when LAZY_MASK says CF is lazy.
 */
export function pinCF(f: Fn): X {
  const m = f.m, src = f.flags;
  if (src !== null && (src.kind === 'inc' || src.kind === 'dec' || src.kind === 'result' || src.kind === 'mul')) return f.nop; // CF already eager
  const cf = src !== null ? carry(f, src) : null;
  const lazy = m.i32.and(f.ld(LAZY_MASK), f.c(CF));
  return m.if(lazy, f.st(EFLAGS, m.i32.or(m.i32.and(f.ld(EFLAGS), f.c(~CF)), cf ?? m.call(LAZY_CF_FN, [], binaryen.i32))));
}

/** Condition code `cc` (Jcc/SETcc/CMOVcc encoding order) from the tracked flag source, as an i32 0/1; null when it needs CF of an INC/DEC. */
export function condition(f: Fn, src: FlagSource, cc: number): X | null {
  const m = f.m, a = f.get(src.a), b = f.get(src.b), r = f.get(src.r);
  const zf = (): X => m.i32.eqz(f.get(src.r));
  const sf = (): X => m.i32.lt_s(f.get(src.r), f.c(0));
  const sh = src.sh ?? 0;
  const low = (): X => m.i32.and(sh === 0 ? f.get(src.r) : m.i32.shr_u(f.get(src.r), f.c(sh)), f.c(0xff));
  const pf = (): X => m.i32.eqz(m.i32.and(m.i32.popcnt(low()), f.c(1)));
  if (src.kind === 'mul') return null; // ZF/CF/OF eager: the handler reads them
  if (src.kind === 'adc' || src.kind === 'sbb') {
    const b2 = cc & ~1;
    let y: X;
    if (b2 === 4) y = m.i32.eqz(f.get(src.r));
    else if (b2 === 8) y = m.i32.lt_s(f.get(src.r), f.c(0));
    else if (b2 === 2) y = carry(f, src)!;
    else return null;
    return (cc & 1) !== 0 ? m.i32.eqz(y) : y;
  }
  let x: X;
  const base = cc & ~1;
  if (base === 10) x = pf();
  else if (base === 4) x = zf();
  else if (base === 8) x = sf();
  else if (src.kind === 'result') return null; // CF/OF eager: the handler reads them
  else if (src.kind === 'inc' || src.kind === 'dec') {
    // OF: the result crossed the sign boundary; CF (eager, from before) is not tracked here.
    const of = (): X => m.i32.eq(f.get(src.r), f.c(src.kind === 'inc' ? 0x80000000 : ((0x7fffffff >>> sh) << sh)));
    if (base === 0) x = of();
    else if (base === 12) x = m.i32.ne(sf(), of());
    else if (base === 14) x = m.i32.or(zf(), m.i32.ne(sf(), of()));
    else return null;
  } else if (src.kind === 'sub') {
    switch (base) {
      case 0: x = m.i32.lt_s(m.i32.and(m.i32.xor(a, b), m.i32.xor(f.get(src.a), r)), f.c(0)); break;
      case 2: x = m.i32.lt_u(a, b); break;
      case 6: x = m.i32.le_u(a, b); break;
      case 12: x = m.i32.lt_s(a, b); break;
      default: x = m.i32.le_s(a, b); break; // 14
    }
  } else if (src.kind === 'logic') {
    switch (base) {
      case 0: case 2: x = f.c(0); break;       // OF = CF = 0
      case 6: x = zf(); break;                 // CF | ZF
      case 12: x = sf(); break;                // SF != OF
      default: x = m.i32.le_s(r, f.c(0)); break; // ZF | SF != OF
    }
  } else {
    // add: CF = r <u a, OF = (a ^ r) & (b ^ r) < 0
    const cf = (): X => m.i32.lt_u(f.get(src.r), f.get(src.a));
    const of = (): X => m.i32.lt_s(m.i32.and(m.i32.xor(f.get(src.a), f.get(src.r)), m.i32.xor(f.get(src.b), f.get(src.r))), f.c(0));
    switch (base) {
      case 0: x = of(); break;
      case 2: x = cf(); break;
      case 6: x = m.i32.or(cf(), zf()); break;
      case 12: x = m.i32.ne(sf(), of()); break;
      default: x = m.i32.or(zf(), m.i32.ne(sf(), of())); break;
    }
  }
  return (cc & 1) !== 0 ? m.i32.eqz(x) : x;
}

/**
 * Condition code `cc` as an i32 0/1, from the tracked source when it
 * answers, else from the state block as the interpreter's testCC reads it
 * (runtime/flags.ts: a flag in LAZY_MASK comes from LAZY_*, else from
 * EFLAGS). ZF, SF and PF are computed inline, CF through carryIn, OF
 * through the module's `getof` (addFlagHelpers) unless a tracked source
 * says it is eager. Never null.
 */
export function cond(f: Fn, cc: number): X {
  const src = f.flags;
  if (src !== null) {
    const x = condition(f, src, cc);
    if (x !== null) return x;
  }
  // Read from the state: a quiet consumer (flag-liveness.ts) the prediction got wrong pays the owed flag stores
  // first (nothing when nothing is owed: a consumer not predicted quiet observes, so no debt reaches it).
  const owed = f.owedFlags();
  const x = fromState(f, src, cc);
  return owed.length === 0 ? x : f.m.block(null, [...owed, x], binaryen.i32);
}

/** Condition code `cc` from the state block (cond's fallback). */
function fromState(f: Fn, src: FlagSource | null, cc: number): X {
  const m = f.m, base = cc & ~1;
  const lazy = (flag: number): X => m.i32.and(f.ld(LAZY_MASK), f.c(flag));
  const eager = (flag: number): X => m.i32.ne(m.i32.and(f.ld(EFLAGS), f.c(flag)), f.c(0));
  // 32 - (8 << size code) = 24, 16, 0: the shift that puts the operation's sign bit at bit 31.
  const up = (): X => m.i32.sub(f.c(32), m.i32.shl(f.c(8), m.i32.and(f.ld(LAZY_OP), f.c(3))));
  const zf = (): X => m.select(lazy(ZF), m.i32.eqz(m.i32.shl(f.ld(LAZY_RES), up())), eager(ZF));
  const sf = (): X => m.select(lazy(SF), m.i32.lt_s(m.i32.shl(f.ld(LAZY_RES), up()), f.c(0)), eager(SF));
  // OF: eager after a tracked 'result'/'mul' source, else whatever the state says (the module's `getof`).
  const ofEager = src !== null && (src.kind === 'result' || src.kind === 'mul');
  let x: X;
  switch (base) {
    case 2: x = carryIn(f); break;
    case 4: x = zf(); break;
    case 6: x = m.i32.or(carryIn(f), zf()); break;
    case 8: x = sf(); break;
    case 10: x = m.select(lazy(PF), m.i32.eqz(m.i32.and(m.i32.popcnt(m.i32.and(f.ld(LAZY_RES), f.c(0xff))), f.c(1))), eager(PF)); break;
    default: {
      const of = ofEager ? eager(OF) : m.call(GET_OF_FN, [], binaryen.i32);
      x = base === 0 ? of : base === 12 ? m.i32.ne(sf(), of) : m.i32.or(zf(), m.i32.ne(sf(), of));
    }
  }
  return (cc & 1) !== 0 ? m.i32.eqz(x) : x;
}
