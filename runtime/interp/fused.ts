/**
 * Compare-and-branch fusion: a 32-bit register CMP/TEST (or SUB, ADD,
 * AND/OR/XOR, INC/DEC) directly followed by a mid-block Jcc (T_COND) runs
 * as one dispatch. The fused handler writes
 * the same lazy flags as the CMP/TEST, evaluates the condition from the
 * operands, and branches like the Jcc; both records stay in the block, so
 * faults, budgets and the JIT still see two instructions (see the loop).
 */
import type { Cpu } from '../cpu.js';
import { EXIT2, OP_IMM, OP_REG, SKIP, T_COND, type Handler, type Rec } from '../records.js';
import { condLogic, condSub, K_LOGIC, K_SUB, testCC, W_A, W_B, W_MASK, W_OP, W_RES } from '../flags.js';
import { ARITH } from '../state/eflags.js';
import { FAULT_REC, w } from '../state/layout.js';
import { jumpNear, nextEip } from './control.js';
import { isaRow } from '../isa/index.js';
import { ALU_ADD, ALU_AND, ALU_CMP, ALU_DEC, ALU_INC, ALU_OR, ALU_SUB, ALU_TEST, ALU_XOR } from '../isa/alu.js';

const W_FAULT_REC = w(FAULT_REC);
const SUB32 = (K_SUB << 2) | 2, LOGIC32 = (K_LOGIC << 2) | 2;

/**
 * The Jcc a fused record runs: the next record of the block the loop is interpreting (fusePairs
 * fuses neighbours only, and a fused handler runs only from the loop's whole-block path; compiled
 * code's call-outs and a budget's partial run use `plain`). Derived, not a field: 8 bytes a record.
 */
function pairOf(cpu: Cpu, r: Rec): Rec {
  return cpu.loopBlock!.recs[r.idx + 1]!;
}

/** Take the fused branch; a #GP on its target belongs to the Jcc record (FAULT_REC). */
function branch(cpu: Cpu, j: Rec): number {
  cpu.s[W_FAULT_REC] = j.idx + 1;
  jumpNear(cpu, nextEip(cpu, j) + j.imm, j.osz);
  cpu.s[W_FAULT_REC] = 0;
  return EXIT2;
}

function cmpRR(cpu: Cpu, r: Rec): number {
  const s = cpu.s, R = cpu.r32, a = R[r.r0], b = R[r.r1], v = (a - b) | 0;
  s[W_OP] = SUB32; s[W_RES] = v; s[W_A] = a; s[W_B] = b; s[W_MASK] = ARITH;
  const j = pairOf(cpu, r);
  return condSub(j.cc, a, b, v) ? branch(cpu, j) : SKIP;
}
function cmpRI(cpu: Cpu, r: Rec): number {
  const s = cpu.s, a = cpu.r32[r.r0], b = r.imm, v = (a - b) | 0;
  s[W_OP] = SUB32; s[W_RES] = v; s[W_A] = a; s[W_B] = b; s[W_MASK] = ARITH;
  const j = pairOf(cpu, r);
  return condSub(j.cc, a, b, v) ? branch(cpu, j) : SKIP;
}
function testRR(cpu: Cpu, r: Rec): number {
  const s = cpu.s, R = cpu.r32, a = R[r.r0], b = R[r.r1], v = a & b;
  s[W_OP] = LOGIC32; s[W_RES] = v; s[W_A] = a; s[W_B] = b; s[W_MASK] = ARITH;
  const j = pairOf(cpu, r);
  return condLogic(j.cc, v) ? branch(cpu, j) : SKIP;
}
function testRI(cpu: Cpu, r: Rec): number {
  const s = cpu.s, a = cpu.r32[r.r0], b = r.imm, v = a & b;
  s[W_OP] = LOGIC32; s[W_RES] = v; s[W_A] = a; s[W_B] = b; s[W_MASK] = ARITH;
  const j = pairOf(cpu, r);
  return condLogic(j.cc, v) ? branch(cpu, j) : SKIP;
}

// ALU ops that also write their register: SUB, AND/OR/XOR (fast conditions),
// ADD/INC/DEC (lazy flags written as the plain handlers do, condition via testCC).
function subRR(cpu: Cpu, r: Rec): number {
  const s = cpu.s, R = cpu.r32, a = R[r.r0], b = R[r.r1], v = (a - b) | 0;
  R[r.r0] = v; s[W_OP] = SUB32; s[W_RES] = v; s[W_A] = a; s[W_B] = b; s[W_MASK] = ARITH;
  const j = pairOf(cpu, r);
  return condSub(j.cc, a, b, v) ? branch(cpu, j) : SKIP;
}
function subRI(cpu: Cpu, r: Rec): number {
  const s = cpu.s, R = cpu.r32, a = R[r.r0], b = r.imm, v = (a - b) | 0;
  R[r.r0] = v; s[W_OP] = SUB32; s[W_RES] = v; s[W_A] = a; s[W_B] = b; s[W_MASK] = ARITH;
  const j = pairOf(cpu, r);
  return condSub(j.cc, a, b, v) ? branch(cpu, j) : SKIP;
}
function logic(op: number, a: number, b: number): number {
  return op === ALU_AND ? a & b : op === ALU_OR ? a | b : a ^ b;
}
function logicRR(cpu: Cpu, r: Rec): number {
  const s = cpu.s, R = cpu.r32, a = R[r.r0], b = R[r.r1], v = logic(r.alu, a, b);
  R[r.r0] = v; s[W_OP] = LOGIC32; s[W_RES] = v; s[W_A] = a; s[W_B] = b; s[W_MASK] = ARITH;
  const j = pairOf(cpu, r);
  return condLogic(j.cc, v) ? branch(cpu, j) : SKIP;
}
function logicRI(cpu: Cpu, r: Rec): number {
  const s = cpu.s, R = cpu.r32, a = R[r.r0], b = r.imm, v = logic(r.alu, a, b);
  R[r.r0] = v; s[W_OP] = LOGIC32; s[W_RES] = v; s[W_A] = a; s[W_B] = b; s[W_MASK] = ARITH;
  const j = pairOf(cpu, r);
  return condLogic(j.cc, v) ? branch(cpu, j) : SKIP;
}
/** Any other fusable first instruction: its own handler, then the condition from the flags. */
function generic(cpu: Cpu, r: Rec): number {
  r.plain!(cpu, r);
  const j = pairOf(cpu, r);
  return testCC(cpu.s, j.cc) ? branch(cpu, j) : SKIP;
}

/**
 * The fused handler for `first` followed by `next`, or null when the pair
 * does not fuse: `next` must be a mid-block Jcc (bound by the 'jcc' binder:
 * a branch on the flags alone; LOOPcc and JCXZ also test a counter), `first`
 * a 32-bit register ALU op (`alu`, from the table).
 */
export function fusedHandler(first: Rec, next: Rec): Handler | null {
  if (next.term !== T_COND || isaRow(next.code, next.mnemonic)?.interp !== 'jcc') return null;
  if (first.osz !== 4 || first.k0 !== OP_REG || first.lock) return null;
  const op = first.alu;
  if (op === ALU_INC || op === ALU_DEC) return first.k1 === 0 ? generic : null;
  if (first.k1 !== OP_REG && first.k1 !== OP_IMM) return null;
  const rr = first.k1 === OP_REG;
  switch (op) {
    case ALU_CMP: return rr ? cmpRR : cmpRI;
    case ALU_TEST: return rr ? testRR : testRI;
    case ALU_SUB: return rr ? subRR : subRI;
    case ALU_AND: case ALU_OR: case ALU_XOR: return rr ? logicRR : logicRI;
    case ALU_ADD: return generic;
    default: return null;
  }
}

/** Fuse every CMP/TEST + Jcc pair of a block (the front end calls this once per block). */
export function fusePairs(recs: Rec[]): void {
  for (let k = 0; k + 1 < recs.length; k++) {
    const h = fusedHandler(recs[k], recs[k + 1]);
    if (h === null) continue;
    recs[k].plain = recs[k].exec;
    recs[k].exec = h;
    k++;
  }
}
