/**
 * The stack inline: PUSH/POP of 32-bit registers, PUSH imm and m32, with a
 * 32-bit stack (STACK32, tested at run time: a 16-bit stack runs the
 * record's handler). A push writes first and moves ESP after, so a fault
 * leaves ESP unchanged, as cpu.push32 does.
 */
import { Mnemonic } from '../../../runtime/iced.js';
import { OP_IMM, OP_MEM, OP_REG, type Rec } from '../../../runtime/records.js';
import { EBP, ESP, REGS, SS, STACK32, CTX_STACK32 } from '../../../runtime/state/layout.js';
import type { Fn, X } from '../ir.js';
import { emitter } from '../registry.js';
import { eaOffset, inlineEa, noteEa, read, write, setEa } from './mem.js';

/** `inline` when the stack is 32-bit, else the record's handler. */
export function stack32Guard(f: Fn, r: Rec, inline: X): X {
  // A 32-bit stack in the block's context (CODE_CTX, checked on entry): no run-time test.
  if (f.flatBounds(CTX_STACK32)) return inline;
  return f.m.if(f.ld(STACK32), inline, f.m.drop(f.callout(r)));
}

/** Push `v` (evaluated before ESP moves). */
export function push32(f: Fn, r: Rec, v: X): X {
  const sp = f.local();
  noteEa(f, sp, ESP, -4);
  const set = f.set(sp, f.m.i32.sub(f.reg(ESP), f.c(4)));
  // ESP is still in the state at the write's slow-path call: sp need not live across it (Fn.keepAcross).
  f.keepAcross(sp, () => f.m.i32.sub(f.ld(REGS + 4 * ESP), f.c(4)));
  return f.block([
    set,
    write(f, r, SS, sp, 4, v),
    f.setRegAdd(ESP, f.get(sp), -4),
  ]);
}

/** Read the top of the stack into local `dst`; with `move`, ESP += 4 after. */
export function pop32(f: Fn, r: Rec, dst: number, move = true): X {
  const sp = f.local();
  noteEa(f, sp, ESP, 0);
  const set = f.set(sp, f.reg(ESP));
  if (move) f.keepAcross(sp, () => f.ld(REGS + 4 * ESP));
  const out = [set, read(f, r, SS, sp, 4, dst)];
  if (move) out.push(f.setRegAdd(ESP, f.m.i32.add(f.get(sp), f.c(4)), 4));
  return f.block(out);
}

emitter('push', (f, r) => {
  if (r.osz !== 4) return null;
  if (r.k0 === OP_MEM && inlineEa(r)) {
    // PUSH m32: the operand is read first (it may fault), then pushed (families/stack.ts pushM).
    const off = f.local(), v = f.local();
    f.stored = true;
    return stack32Guard(f, r, f.block([setEa(f, r, off), read(f, r, r.seg, off, 4, v), push32(f, r, f.get(v))]));
  }
  if (r.k0 !== OP_REG && r.k0 !== OP_IMM) return null;
  f.stored = true;
  return stack32Guard(f, r, push32(f, r, r.k0 === OP_REG ? f.reg(r.r0) : f.c(r.imm)));
});
emitter('pop', (f, r) => {
  if (r.osz !== 4 || r.k0 !== OP_REG) return null;
  const v = f.local();
  // ESP moves first, then the register is written: POP ESP leaves the popped value.
  return stack32Guard(f, r, f.block([pop32(f, r, v), f.setReg(r.r0, f.get(v))]));
});

/** LEAVE (32-bit operand and stack): ESP = EBP + 4, EBP = [SS:EBP]; the read comes first (families/misc.ts leave). */
emitter('leave', (f, r) => {
  if (r.osz !== 4) return null;
  const bp = f.local(), v = f.local();
  const set = f.set(bp, f.reg(EBP));
  f.keepAcross(bp, () => f.ld(REGS + 4 * EBP));
  return stack32Guard(f, r, f.block([
    set,
    read(f, r, SS, bp, 4, v),
    f.setReg(ESP, f.m.i32.add(f.get(bp), f.c(4))),
    f.setReg(EBP, f.get(v)),
  ]));
});
