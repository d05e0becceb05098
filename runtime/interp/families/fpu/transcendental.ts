/**
 * x87 transcendentals (numerics in runtime/fpu/trans.ts): FSIN FCOS FSINCOS
 * FPTAN FPATAN F2XM1 FYL2X FYL2XP1.
 */
import { Mnemonic } from 'iced-x86';
import type { Cpu } from '../../../cpu.js';
import type { Rec } from '../../../records.js';
import { C1, C2, IE, INDEFINITE, SF as STACK_FAULT, X } from '../../../fpu/num.js';
import { fpuEnter } from '../../../fpu/state.js';
import { TRIG_LIMIT, f2xm1, fcos, fpatan, fsin, ftan, fyl2x, fyl2xp1 } from '../../../fpu/trans.js';
import { PRE, ip, fdef, withFop, unsupportedOperand, unaryOp } from './common.js';

/** Two-operand ST(1) op ST(0) -> ST(1), pop (FPATAN FYL2X FYL2XP1); FSCALE / FPREM keep both. */
function fpatanLike(fn: (y: number, x: number, cw: number) => number) {
  return (cpu: Cpu, r: Rec): void => {
    const f = fpuEnter(cpu);
    ip(cpu, r);
    const p0 = f.ph(0), p1 = f.ph(1);
    if (f.isEmpty(0) || f.isEmpty(1)) {
      if (f.underflow()) { f.setP(p1, INDEFINITE); f.pop(); }
      return;
    }
    X.f = 0;
    let v = fn(f.st[p1], f.st[p0], f.cw);
    if (v !== v && (unsupportedOperand(f, p0) || unsupportedOperand(f, p1))) v = INDEFINITE;
    const un = f.exc(X.f);
    f.setCC(C1, X.f & C1);
    if (un & PRE) return;
    f.setP(p1, v);
    f.pop();
  };
}
function ftrig(kind: number) {
  // 0 FSIN 1 FCOS 2 FPTAN 3 FSINCOS
  return (cpu: Cpu, r: Rec): void => {
    const f = fpuEnter(cpu);
    ip(cpu, r);
    const p = f.ph(0);
    if (f.isEmpty(0)) {
      f.setCC(C2, 0);
      if (!f.underflow()) return;
      f.setP(p, INDEFINITE);
      if (kind >= 2) f.push(INDEFINITE);
      return;
    }
    if (kind >= 2 && !f.isEmpty(7)) {
      f.setCC(C1 | C2, C1);
      if (f.exc(IE | STACK_FAULT) & IE) return;
      f.setP(p, INDEFINITE);
      f.top = f.top - 1;
      f.setP(f.ph(0), INDEFINITE);
      return;
    }
    const x = f.st[p];
    if (x === x && Math.abs(x) >= TRIG_LIMIT && isFinite(x)) { f.setCC(C1 | C2, C2); return; }
    X.f = 0;
    let v: number, v2 = 0;
    switch (kind) {
      case 0: v = fsin(x); break;
      case 1: v = fcos(x); break;
      case 2: v = ftan(x); v2 = 1; break;
      default: v2 = fcos(x); v = fsin(x); break;
    }
    if (f.exc(X.f) & PRE) return;
    f.setCC(C1 | C2, 0);
    if (kind < 2) { f.setP(p, v); return; }
    if (x !== x || !isFinite(x)) v2 = v; // NaN / invalid: both results are the NaN
    // FPTAN: ST(0) = tan, push 1.0; FSINCOS: ST(0) = sine, push the cosine
    f.setP(p, v); f.push(v2);
  };
}

fdef(Mnemonic.F2xm1, withFop(unaryOp((_f, x) => f2xm1(x))));
fdef(Mnemonic.Fpatan, withFop(fpatanLike((y, x) => fpatan(y, x))));
fdef(Mnemonic.Fyl2x, withFop(fpatanLike((y, x, cw) => fyl2x(y, x, cw))));
fdef(Mnemonic.Fyl2xp1, withFop(fpatanLike((y, x) => fyl2xp1(y, x))));
fdef(Mnemonic.Fsin, withFop(ftrig(0)));
fdef(Mnemonic.Fcos, withFop(ftrig(1)));
fdef(Mnemonic.Fptan, withFop(ftrig(2)));
fdef(Mnemonic.Fsincos, withFop(ftrig(3)));
