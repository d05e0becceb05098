/**
 * Exchange-and-operate instructions used for atomics: XADD, CMPXCHG,
 * CMPXCHG8B. The machine has one CPU, so LOCK needs no extra work here:
 * iced-x86 already decodes a LOCK prefix on an instruction that does not
 * allow it (non-lockable mnemonic, or a register destination) as an invalid
 * instruction, which raises #UD (SDM vol. 2, LOCK).
 *
 * P6 writes the destination of CMPXCHG / CMPXCHG8B on both outcomes (with
 * its own value when the comparison fails), so the memory forms check write
 * access up front and fault on a read-only page either way.
 */
import { Mnemonic } from '../../iced.js';
import type { Cpu } from '../../cpu.js';
import type { Rec } from '../../records.js';
import { OP_MEM, OP_REG } from '../../records.js';
import { K_ADD, K_SUB, setFlags, setLazy, szCode } from '../../flags.js';
import { ZF } from '../../state/eflags.js';
import { def } from '../table.js';
import { ea, getReg, readMemW, setReg, writeMem } from '../operands.js';

// ---- XADD: TEMP = SRC + DEST; SRC = DEST; DEST = TEMP; flags as ADD ------------

function xadd32RR(cpu: Cpu, r: Rec): void {
  const R = cpu.r32, a = R[r.r0], b = R[r.r1], v = (a + b) | 0;
  R[r.r1] = a;
  R[r.r0] = v;
  setLazy(cpu.s, (K_ADD << 2) | 2, v, a, b);
}
function xaddRR(cpu: Cpu, r: Rec): void {
  const n = r.osz, a = getReg(cpu, n, r.r0), b = getReg(cpu, n, r.r1), v = (a + b) | 0;
  setReg(cpu, n, r.r1, a);
  setReg(cpu, n, r.r0, v);
  setLazy(cpu.s, (K_ADD << 2) | szCode(n), v, a, b);
}
function xaddMR(cpu: Cpu, r: Rec): void {
  const n = r.osz, lin = ea(cpu, r), a = readMemW(cpu, n, lin), b = getReg(cpu, n, r.r1), v = (a + b) | 0;
  writeMem(cpu, n, lin, v);
  setReg(cpu, n, r.r1, a);
  setLazy(cpu.s, (K_ADD << 2) | szCode(n), v, a, b);
}
def(Mnemonic.Xadd, (r) => {
  if (r.k1 !== OP_REG) return null;
  if (r.k0 === OP_REG) return r.osz === 4 ? xadd32RR : xaddRR;
  if (r.k0 === OP_MEM) return xaddMR;
  return null;
});

// ---- CMPXCHG r/m, r: compare the accumulator with DEST (flags as CMP acc, DEST) --

const ACC = [0, 0, 0, 0, 0]; // AL (r8 0), AX (r16 0), EAX (r32 0): index 0 in every view

function cmpxchgR(cpu: Cpu, r: Rec): void {
  const n = r.osz, sz = szCode(n);
  const acc = getReg(cpu, n, ACC[n]), d = getReg(cpu, n, r.r0);
  setLazy(cpu.s, (K_SUB << 2) | sz, (acc - d) | 0, acc, d);
  if (acc === d) setReg(cpu, n, r.r0, getReg(cpu, n, r.r1));
  else setReg(cpu, n, ACC[n], d);
}
function cmpxchgM(cpu: Cpu, r: Rec): void {
  const n = r.osz, sz = szCode(n), lin = ea(cpu, r);
  const d = readMemW(cpu, n, lin), acc = getReg(cpu, n, ACC[n]);
  setLazy(cpu.s, (K_SUB << 2) | sz, (acc - d) | 0, acc, d);
  if (acc === d) {
    writeMem(cpu, n, lin, getReg(cpu, n, r.r1));
  } else {
    writeMem(cpu, n, lin, d);
    setReg(cpu, n, ACC[n], d);
  }
}
def(Mnemonic.Cmpxchg, (r) => {
  if (r.k1 !== OP_REG) return null;
  if (r.k0 === OP_REG) return cmpxchgR;
  if (r.k0 === OP_MEM) return cmpxchgM;
  return null;
});

// ---- CMPXCHG8B m64: EDX:EAX vs m64; equal -> m64 = ECX:EBX, else EDX:EAX = m64 --
// Only ZF changes; CF PF AF SF OF are unaffected (SDM vol. 2, CMPXCHG8B).

function cmpxchg8b(cpu: Cpu, r: Rec): void {
  const m = cpu.mmu, R = cpu.r32, lin = ea(cpu, r), hiLin = (lin + 4) | 0;
  m.checkWrite(lin, 8);
  const lo = m.read32(lin), hi = m.read32(hiLin);
  if (lo === R[0] && hi === R[2]) {
    m.write32(lin, R[3]);
    m.write32(hiLin, R[1]);
    setFlags(cpu.s, ZF, ZF);
  } else {
    m.write32(lin, lo);
    m.write32(hiLin, hi);
    R[0] = lo;
    R[2] = hi;
    setFlags(cpu.s, ZF, 0);
  }
}
def(Mnemonic.Cmpxchg8b, (r) => (r.k0 === OP_MEM ? cmpxchg8b : null));
