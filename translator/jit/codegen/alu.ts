/**
 * Two-operand ALU inline, any operand size: ADD OR ADC SBB AND SUB XOR CMP
 * TEST with register, immediate and memory operands (read-modify-write
 * included), and INC DEC NEG NOT. Memory reads come first (they may fault),
 * then the register or memory result, then the lazy flags, as the
 * interpreter's handlers (runtime/interp/families/alu.ts) order them: the
 * operands are zero-extended register/memory values or the raw immediate,
 * the recorded result is the unmasked 32-bit value.
 */
import { Mnemonic } from '../../../runtime/iced.js';
import { OP_IMM, OP_MEM, OP_REG, type Rec } from '../../../runtime/records.js';
import { aluOp, type AluOp } from '../facts.js';
import type { Fn, X } from '../ir.js';
import { emitter } from '../registry.js';
import { eaOffset, inlineEa, read, write, setEa } from './mem.js';
import { carryIn, pinCF, setLazyN } from './flags.js';
import { testFaults } from '../test-faults.js';

const KIND: Partial<Record<AluOp, 'sub' | 'add' | 'logic' | 'adc' | 'sbb'>> = {
  add: 'add', sub: 'sub', cmp: 'sub', and: 'logic', or: 'logic', xor: 'logic', test: 'logic', adc: 'adc', sbb: 'sbb',
};

function alu(f: Fn, r: Rec): X | null {
  const op = aluOp(r), kind = KIND[op];
  const n = r.osz;
  if (kind === undefined || r.lock) return null;
  if (r.k0 !== OP_REG && r.k0 !== OP_MEM) return null;
  if (r.k1 !== OP_REG && r.k1 !== OP_IMM && r.k1 !== OP_MEM) return null;
  if ((r.k0 === OP_MEM || r.k1 === OP_MEM) && !inlineEa(r)) return null;
  const m = f.m, a = f.local();
  // OP r, r (XOR EAX,EAX, TEST EAX,EAX...): one load, one local for both operands.
  const same = r.k0 === OP_REG && r.k1 === OP_REG && r.r0 === r.r1;
  // TEST/AND/OR r, r: the result is the operand (its local, no AND to build: fewer bytes, TurboFan folds x & x anyway).
  const ident = same && (op === 'test' || op === 'and' || op === 'or');
  const res = ident ? a : f.local();
  const b = same ? a : f.local();
  const writes = op !== 'cmp' && op !== 'test';
  const out: X[] = [];
  let off = -1;
  if (r.k0 === OP_MEM || r.k1 === OP_MEM) { off = f.local(); out.push(setEa(f, r, off)); }
  if (r.k0 === OP_REG) out.push(f.set(a, f.regN(n, r.r0)));
  else out.push(read(f, r, r.seg, off, n, a, writes));
  if (r.k1 === OP_REG) { if (!same) out.push(f.set(b, f.regN(n, r.r1))); }
  else if (r.k1 === OP_IMM) out.push(f.set(b, f.c(r.imm)));
  else out.push(read(f, r, r.seg, off, n, b));
  const A = f.get(a), B = f.get(b);
  let cin: number | undefined;
  if (kind === 'adc' || kind === 'sbb') { cin = f.local(); out.push(f.set(cin, carryIn(f))); }
  if (kind === 'adc' && testFaults.adcCarry) out.push(f.set(cin!, m.i32.xor(f.get(cin!), f.c(1)))); // TEST-ONLY (test-faults.ts)
  // x - x and x ^ x are 0 (their flags still come from the operands: setLazyN).
  const v = ident ? A : same && (kind === 'sub' || op === 'xor') ? f.c(0) : op === 'add' ? m.i32.add(A, B) : kind === 'sub' ? m.i32.sub(A, B)
    : kind === 'adc' ? m.i32.add(m.i32.add(A, B), f.get(cin!)) : kind === 'sbb' ? m.i32.sub(m.i32.sub(A, B), f.get(cin!))
      : op === 'or' ? m.i32.or(A, B) : op === 'xor' ? m.i32.xor(A, B) : m.i32.and(A, B);
  if (!ident) out.push(f.set(res, v));
  if (writes) {
    // ADD/SUB r32, imm: the register's page groups go on (Fn.setRegAdd; codegen/mem.ts).
    if (r.k0 === OP_REG && n === 4 && r.k1 === OP_IMM && kind === 'add' && op === 'add') out.push(f.setRegAdd(r.r0, f.get(res), r.imm));
    else if (r.k0 === OP_REG && n === 4 && r.k1 === OP_IMM && op === 'sub') out.push(f.setRegAdd(r.r0, f.get(res), -r.imm));
    else if (r.k0 === OP_REG) out.push(f.setRegN(n, r.r0, f.get(res)));
    else { f.stored = true; out.push(write(f, r, r.seg, off, n, f.get(res))); }
  }
  out.push(setLazyN(f, cin === undefined ? { kind, a, b, r: res } : { kind, a, b, r: res, c: cin }, n));
  return f.block(out);
}

emitter('alu', alu);

/** INC/DEC: CF kept (made eager first, as the interpreter's pinCF). */
function incdec(f: Fn, r: Rec): X | null {
  const n = r.osz;
  if (r.lock || (r.k0 !== OP_REG && !(r.k0 === OP_MEM && inlineEa(r)))) return null;
  const a = f.local(), res = f.local(), dec = r.mnemonic === Mnemonic.Dec;
  const out: X[] = [];
  let off = -1;
  // Memory: the read checks write access (read-modify-write), so the write cannot fault after it.
  if (r.k0 === OP_MEM) { off = f.local(); out.push(setEa(f, r, off), read(f, r, r.seg, off, n, a, true)); }
  else out.push(f.set(a, f.regN(n, r.r0)));
  out.push(pinCF(f), f.set(res, dec ? f.m.i32.sub(f.get(a), f.c(1)) : f.m.i32.add(f.get(a), f.c(1))));
  if (r.k0 === OP_REG) out.push(f.setRegN(n, r.r0, f.get(res)));
  else { f.stored = true; out.push(write(f, r, r.seg, off, n, f.get(res))); }
  out.push(setLazyN(f, { kind: dec ? 'dec' : 'inc', a, b: a, r: res }, n));
  return f.block(out);
}
emitter('incdec', incdec);

/**
 * NEG (the interpreter's alu(SUB, 0, x): K_SUB with a = 0, b = x) and NOT
 * (flags untouched), register or memory (read-modify-write).
 */
function negnot(f: Fn, r: Rec): X | null {
  const n = r.osz, neg = r.mnemonic === Mnemonic.Neg;
  if (r.lock || (r.k0 !== OP_REG && !(r.k0 === OP_MEM && inlineEa(r)))) return null;
  const x = f.local(), res = f.local(), out: X[] = [];
  let off = -1;
  if (r.k0 === OP_MEM) { off = f.local(); out.push(setEa(f, r, off), read(f, r, r.seg, off, n, x, true)); }
  else out.push(f.set(x, f.regN(n, r.r0)));
  out.push(f.set(res, neg ? f.m.i32.sub(f.c(0), f.get(x)) : f.m.i32.xor(f.get(x), f.c(-1))));
  if (r.k0 === OP_REG) out.push(f.setRegN(n, r.r0, f.get(res)));
  else { f.stored = true; out.push(write(f, r, r.seg, off, n, f.get(res))); }
  if (neg) {
    const zero = f.local();
    out.push(f.set(zero, f.c(0)), setLazyN(f, { kind: 'sub', a: zero, b: x, r: res }, n));
  }
  return f.block(out);
}
emitter('negnot', negnot);
