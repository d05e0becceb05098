/**
 * Two-operand ALU (ADD OR ADC SBB AND SUB XOR CMP, TEST) and the one-operand
 * INC DEC NEG NOT. Flags are lazy (runtime/flags.ts). The operation is
 * `r.alu` (ALU_* from runtime/isa/alu.ts, the table rows that bind these).
 */
import type { Cpu } from '../../cpu.js';
import type { Rec } from '../../records.js';
import { OP_IMM, OP_MEM, OP_REG } from '../../records.js';
import { W_EFLAGS, K_ADC, K_ADD, K_DEC, K_INC, K_LOGIC, K_SBB, K_SUB, getCF, pinCF, setLazy, szCode, W_MASK, W_A, W_B, W_OP, W_RES } from '../../flags.js';
import { ARITH, CF } from '../../state/eflags.js';
import { bind } from '../table.js';
import { ALU_ADC as ADC, ALU_ADD as ADD, ALU_AND as AND, ALU_CMP as CMP, ALU_DEC, ALU_OR as OR, ALU_SBB as SBB, ALU_SUB as SUB, ALU_TEST as TEST, ALU_XOR as XOR } from '../../isa/alu.js';
import { ea, getReg, readMem, readMemW, setReg, writeMem } from '../operands.js';

/** Compute `a op b` for operand size code `sz`, record lazy flags, return the result (unmasked). */
export function alu(s: Int32Array, op: number, sz: number, a: number, b: number): number {
  let r: number;
  switch (op) {
    case ADD: r = (a + b) | 0; setLazy(s, (K_ADD << 2) | sz, r, a, b); return r;
    case OR: r = a | b; setLazy(s, (K_LOGIC << 2) | sz, r, a, b); return r;
    case ADC: { const c = getCF(s) ? 1 : 0; r = (a + b + c) | 0; setLazy(s, ((c ? K_ADC : K_ADD) << 2) | sz, r, a, b); return r; }
    case SBB: { const c = getCF(s) ? 1 : 0; r = (a - b - c) | 0; setLazy(s, ((c ? K_SBB : K_SUB) << 2) | sz, r, a, b); return r; }
    case AND: case TEST: r = a & b; setLazy(s, (K_LOGIC << 2) | sz, r, a, b); return r;
    case XOR: r = a ^ b; setLazy(s, (K_LOGIC << 2) | sz, r, a, b); return r;
    default: r = (a - b) | 0; setLazy(s, (K_SUB << 2) | sz, r, a, b); return r; // SUB, CMP
  }
}

// Hot 32-bit register forms, specialised so the common cases do no size dispatch.
function add32RR(cpu: Cpu, r: Rec): void {
  const R = cpu.r32, s = cpu.s, a = R[r.r0], b = R[r.r1], v = (a + b) | 0;
  R[r.r0] = v; s[W_OP] = (K_ADD << 2) | 2; s[W_RES] = v; s[W_A] = a; s[W_B] = b; s[W_MASK] = ARITH;
}
function sub32RR(cpu: Cpu, r: Rec): void {
  const R = cpu.r32, s = cpu.s, a = R[r.r0], b = R[r.r1], v = (a - b) | 0;
  R[r.r0] = v; s[W_OP] = (K_SUB << 2) | 2; s[W_RES] = v; s[W_A] = a; s[W_B] = b; s[W_MASK] = ARITH;
}
function cmp32RR(cpu: Cpu, r: Rec): void {
  const R = cpu.r32, s = cpu.s, a = R[r.r0], b = R[r.r1];
  s[W_OP] = (K_SUB << 2) | 2; s[W_RES] = (a - b) | 0; s[W_A] = a; s[W_B] = b; s[W_MASK] = ARITH;
}
function add32RI(cpu: Cpu, r: Rec): void {
  const R = cpu.r32, s = cpu.s, a = R[r.r0], b = r.imm, v = (a + b) | 0;
  R[r.r0] = v; s[W_OP] = (K_ADD << 2) | 2; s[W_RES] = v; s[W_A] = a; s[W_B] = b; s[W_MASK] = ARITH;
}
function sub32RI(cpu: Cpu, r: Rec): void {
  const R = cpu.r32, s = cpu.s, a = R[r.r0], b = r.imm, v = (a - b) | 0;
  R[r.r0] = v; s[W_OP] = (K_SUB << 2) | 2; s[W_RES] = v; s[W_A] = a; s[W_B] = b; s[W_MASK] = ARITH;
}
function cmp32RI(cpu: Cpu, r: Rec): void {
  const R = cpu.r32, s = cpu.s, a = R[r.r0], b = r.imm;
  s[W_OP] = (K_SUB << 2) | 2; s[W_RES] = (a - b) | 0; s[W_A] = a; s[W_B] = b; s[W_MASK] = ARITH;
}
function logic32RR(cpu: Cpu, r: Rec): void {
  const R = cpu.r32, s = cpu.s, a = R[r.r0], b = R[r.r1];
  const v = r.alu === AND ? a & b : r.alu === OR ? a | b : a ^ b;
  R[r.r0] = v; s[W_OP] = (K_LOGIC << 2) | 2; s[W_RES] = v; s[W_A] = a; s[W_B] = b; s[W_MASK] = ARITH;
}
function test32RR(cpu: Cpu, r: Rec): void {
  const R = cpu.r32, s = cpu.s, a = R[r.r0], b = R[r.r1];
  s[W_OP] = (K_LOGIC << 2) | 2; s[W_RES] = a & b; s[W_A] = a; s[W_B] = b; s[W_MASK] = ARITH;
}

function logic32RI(cpu: Cpu, r: Rec): void {
  const R = cpu.r32, s = cpu.s, a = R[r.r0], b = r.imm;
  const v = r.alu === AND ? a & b : r.alu === OR ? a | b : a ^ b;
  R[r.r0] = v; s[W_OP] = (K_LOGIC << 2) | 2; s[W_RES] = v; s[W_A] = a; s[W_B] = b; s[W_MASK] = ARITH;
}
function test32RI(cpu: Cpu, r: Rec): void {
  const s = cpu.s, a = cpu.r32[r.r0], b = r.imm;
  s[W_OP] = (K_LOGIC << 2) | 2; s[W_RES] = a & b; s[W_A] = a; s[W_B] = b; s[W_MASK] = ARITH;
}
/** CF of the last operation, with the common lazy kinds inlined (multi-precision loops chain ADC/SBB). */
function carry(s: Int32Array): number {
  const m = s[W_MASK];
  if ((m & CF) === 0) return s[W_EFLAGS] & CF;
  const op = s[W_OP];
  if (op === ((K_ADD << 2) | 2)) return (s[W_RES] >>> 0) < (s[W_A] >>> 0) ? 1 : 0;
  if (op === ((K_SUB << 2) | 2)) return (s[W_A] >>> 0) < (s[W_B] >>> 0) ? 1 : 0;
  return getCF(s) ? 1 : 0;
}
function adc32RR(cpu: Cpu, r: Rec): void {
  const R = cpu.r32, s = cpu.s, a = R[r.r0], b = R[r.r1], c = carry(s), v = (a + b + c) | 0;
  R[r.r0] = v; s[W_OP] = ((c ? K_ADC : K_ADD) << 2) | 2; s[W_RES] = v; s[W_A] = a; s[W_B] = b; s[W_MASK] = ARITH;
}
function sbb32RR(cpu: Cpu, r: Rec): void {
  const R = cpu.r32, s = cpu.s, a = R[r.r0], b = R[r.r1], c = carry(s), v = (a - b - c) | 0;
  R[r.r0] = v; s[W_OP] = ((c ? K_SBB : K_SUB) << 2) | 2; s[W_RES] = v; s[W_A] = a; s[W_B] = b; s[W_MASK] = ARITH;
}

// Remaining 32-bit register forms skip the size dispatch.
function alu32RR(cpu: Cpu, r: Rec): void {
  const R = cpu.r32;
  R[r.r0] = alu(cpu.s, r.alu, 2, R[r.r0], R[r.r1]);
}
function alu32RI(cpu: Cpu, r: Rec): void {
  const R = cpu.r32;
  R[r.r0] = alu(cpu.s, r.alu, 2, R[r.r0], r.imm);
}
function alu32RM(cpu: Cpu, r: Rec): void {
  const R = cpu.r32, b = cpu.mmu.read32(ea(cpu, r));
  const v = alu(cpu.s, r.alu, 2, R[r.r0], b);
  if (r.alu < CMP) R[r.r0] = v;
}

// Generic forms: any size.
function aluRR(cpu: Cpu, r: Rec): void {
  const n = r.osz, v = alu(cpu.s, r.alu, szCode(n), getReg(cpu, n, r.r0), getReg(cpu, n, r.r1));
  if (r.alu < CMP) setReg(cpu, n, r.r0, v);
}
function aluRI(cpu: Cpu, r: Rec): void {
  const n = r.osz, v = alu(cpu.s, r.alu, szCode(n), getReg(cpu, n, r.r0), r.imm);
  if (r.alu < CMP) setReg(cpu, n, r.r0, v);
}
function aluRM(cpu: Cpu, r: Rec): void {
  const n = r.osz, b = readMem(cpu, n, ea(cpu, r));
  const v = alu(cpu.s, r.alu, szCode(n), getReg(cpu, n, r.r0), b);
  if (r.alu < CMP) setReg(cpu, n, r.r0, v);
}
function aluMR(cpu: Cpu, r: Rec): void {
  const n = r.osz, a = ea(cpu, r);
  if (r.alu >= CMP) { alu(cpu.s, r.alu, szCode(n), readMem(cpu, n, a), getReg(cpu, n, r.r1)); return; }
  const x = readMemW(cpu, n, a);
  const b = getReg(cpu, n, r.r1);
  // Compute into a scratch copy of the flags? No: the write cannot fault (readMemW checked it).
  writeMem(cpu, n, a, alu(cpu.s, r.alu, szCode(n), x, b));
}
function aluMI(cpu: Cpu, r: Rec): void {
  const n = r.osz, a = ea(cpu, r);
  if (r.alu >= CMP) { alu(cpu.s, r.alu, szCode(n), readMem(cpu, n, a), r.imm); return; }
  const x = readMemW(cpu, n, a);
  writeMem(cpu, n, a, alu(cpu.s, r.alu, szCode(n), x, r.imm));
}

// 32-bit memory forms: CMP/TEST against memory are hot in kernel and libc code.
function cmp32MI(cpu: Cpu, r: Rec): void {
  const s = cpu.s, a = cpu.mmu.read32(ea(cpu, r)), b = r.imm;
  s[W_OP] = (K_SUB << 2) | 2; s[W_RES] = (a - b) | 0; s[W_A] = a; s[W_B] = b; s[W_MASK] = ARITH;
}
function cmp32MR(cpu: Cpu, r: Rec): void {
  const s = cpu.s, a = cpu.mmu.read32(ea(cpu, r)), b = cpu.r32[r.r1];
  s[W_OP] = (K_SUB << 2) | 2; s[W_RES] = (a - b) | 0; s[W_A] = a; s[W_B] = b; s[W_MASK] = ARITH;
}
function alu32MI(cpu: Cpu, r: Rec): void {
  const m = cpu.mmu, a = ea(cpu, r);
  if (r.alu >= CMP) { alu(cpu.s, r.alu, 2, m.read32(a), r.imm); return; }
  const x = m.readW32(a);
  m.write32(a, alu(cpu.s, r.alu, 2, x, r.imm));
}
function alu32MR(cpu: Cpu, r: Rec): void {
  const m = cpu.mmu, a = ea(cpu, r);
  if (r.alu >= CMP) { alu(cpu.s, r.alu, 2, m.read32(a), cpu.r32[r.r1]); return; }
  const x = m.readW32(a);
  m.write32(a, alu(cpu.s, r.alu, 2, x, cpu.r32[r.r1]));
}

/** Binder 'alu': the two-operand forms, specialised by op, operand kinds and size. */
function aluFactory() {
  return (r: Rec) => {
    const op = r.alu;
    if (r.k0 === OP_REG) {
      if (r.k1 === OP_REG) {
        if (r.osz === 4) {
          if (op === ADD) return add32RR;
          if (op === SUB) return sub32RR;
          if (op === CMP) return cmp32RR;
          if (op === TEST) return test32RR;
          if (op === AND || op === OR || op === XOR) return logic32RR;
          if (op === ADC) return adc32RR;
          if (op === SBB) return sbb32RR;
          return alu32RR;
        }
        return aluRR;
      }
      if (r.k1 === OP_IMM) {
        if (r.osz === 4) {
          if (op === ADD) return add32RI;
          if (op === SUB) return sub32RI;
          if (op === CMP) return cmp32RI;
          if (op === TEST) return test32RI;
          if (op === AND || op === OR || op === XOR) return logic32RI;
          return alu32RI;
        }
        return aluRI;
      }
      if (r.k1 === OP_MEM) return r.osz === 4 ? alu32RM : aluRM;
    } else if (r.k0 === OP_MEM) {
      if (r.k1 === OP_REG) return r.osz === 4 ? (op === CMP ? cmp32MR : alu32MR) : aluMR;
      if (r.k1 === OP_IMM) return r.osz === 4 ? (op === CMP ? cmp32MI : alu32MI) : aluMI;
    }
    return null;
  };
}

bind('alu', aluFactory());

// ---- INC DEC NEG NOT -------------------------------------------------------

function incdec(s: Int32Array, dec: boolean, sz: number, a: number): number {
  pinCF(s);
  const v = dec ? (a - 1) | 0 : (a + 1) | 0;
  s[W_OP] = ((dec ? K_DEC : K_INC) << 2) | sz; s[W_RES] = v; s[W_A] = a; s[W_B] = 1;
  s[W_MASK] = ARITH & ~CF;
  return v;
}
function inc32R(cpu: Cpu, r: Rec): void { cpu.r32[r.r0] = incdec(cpu.s, false, 2, cpu.r32[r.r0]); }
function dec32R(cpu: Cpu, r: Rec): void { cpu.r32[r.r0] = incdec(cpu.s, true, 2, cpu.r32[r.r0]); }
function incdecR(cpu: Cpu, r: Rec): void {
  const n = r.osz;
  setReg(cpu, n, r.r0, incdec(cpu.s, r.alu === ALU_DEC, szCode(n), getReg(cpu, n, r.r0)));
}
function incdecM(cpu: Cpu, r: Rec): void {
  const n = r.osz, a = ea(cpu, r), x = readMemW(cpu, n, a);
  writeMem(cpu, n, a, incdec(cpu.s, r.alu === ALU_DEC, szCode(n), x));
}
bind('incdec', (r) => {
  if (r.k0 === OP_REG) return r.osz !== 4 ? incdecR : r.alu === ALU_DEC ? dec32R : inc32R;
  return incdecM;
});

function negR(cpu: Cpu, r: Rec): void {
  const n = r.osz;
  setReg(cpu, n, r.r0, alu(cpu.s, SUB, szCode(n), 0, getReg(cpu, n, r.r0)));
}
function negM(cpu: Cpu, r: Rec): void {
  const n = r.osz, a = ea(cpu, r), x = readMemW(cpu, n, a);
  writeMem(cpu, n, a, alu(cpu.s, SUB, szCode(n), 0, x));
}
bind('neg', (r) => (r.k0 === OP_REG ? negR : negM));

function notR(cpu: Cpu, r: Rec): void { setReg(cpu, r.osz, r.r0, ~getReg(cpu, r.osz, r.r0)); }
function notM(cpu: Cpu, r: Rec): void {
  const n = r.osz, a = ea(cpu, r), x = readMemW(cpu, n, a);
  writeMem(cpu, n, a, ~x);
}
bind('not', (r) => (r.k0 === OP_REG ? notR : notM));

export { K_SBB, K_ADC, OP_MEM };
