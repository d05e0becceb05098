/** Data movement: MOV (general registers, memory, immediates), MOVZX/MOVSX, LEA, XCHG, NOP forms. */
import { Mnemonic } from '../../iced.js';
import type { Cpu } from '../../cpu.js';
import type { Rec } from '../../records.js';
import { OP_CREG, OP_DREG, OP_IMM, OP_MEM, OP_REG, OP_SREG } from '../../records.js';
import { movSregFactory } from './segment.js';
import { movSystemFactory } from './system.js';
import { def } from '../table.js';
import { ea, eaBaseDisp, isBaseDisp32, getReg, offset, readMem, readMemW, setReg, sext, writeMem, zext } from '../operands.js';

function mov32RR(cpu: Cpu, r: Rec): void { cpu.r32[r.r0] = cpu.r32[r.r1]; }
function mov32RI(cpu: Cpu, r: Rec): void { cpu.r32[r.r0] = r.imm; }
function mov32RM(cpu: Cpu, r: Rec): void { cpu.r32[r.r0] = cpu.mmu.read32(ea(cpu, r)); }
function mov32MR(cpu: Cpu, r: Rec): void { cpu.mmu.write32(ea(cpu, r), cpu.r32[r.r1]); }
function mov32RMbd(cpu: Cpu, r: Rec): void { cpu.r32[r.r0] = cpu.mmu.read32(eaBaseDisp(cpu, r)); }
function mov32MRbd(cpu: Cpu, r: Rec): void { cpu.mmu.write32(eaBaseDisp(cpu, r), cpu.r32[r.r1]); }
function movRR(cpu: Cpu, r: Rec): void { setReg(cpu, r.osz, r.r0, getReg(cpu, r.osz, r.r1)); }
function movRI(cpu: Cpu, r: Rec): void { setReg(cpu, r.osz, r.r0, r.imm); }
function movRM(cpu: Cpu, r: Rec): void { setReg(cpu, r.osz, r.r0, readMem(cpu, r.osz, ea(cpu, r))); }
function mov8RM(cpu: Cpu, r: Rec): void { cpu.r8[r.r0] = cpu.mmu.read8(ea(cpu, r)); }
function mov8MR(cpu: Cpu, r: Rec): void { cpu.mmu.write8(ea(cpu, r), cpu.r8[r.r1]); }
function movMR(cpu: Cpu, r: Rec): void { writeMem(cpu, r.osz, ea(cpu, r), getReg(cpu, r.osz, r.r1)); }
function movMI(cpu: Cpu, r: Rec): void { writeMem(cpu, r.osz, ea(cpu, r), r.imm); }

def(Mnemonic.Mov, (r) => {
  if (r.k0 === OP_REG) {
    if (r.k1 === OP_REG) return r.osz === 4 ? mov32RR : movRR;
    if (r.k1 === OP_IMM) return r.osz === 4 ? mov32RI : movRI;
    if (r.k1 === OP_MEM) return r.osz === 4 ? (isBaseDisp32(r) ? mov32RMbd : mov32RM) : r.osz === 1 ? mov8RM : movRM;
  } else if (r.k0 === OP_MEM) {
    if (r.k1 === OP_REG) return r.osz === 4 ? (isBaseDisp32(r) ? mov32MRbd : mov32MR) : r.osz === 1 ? mov8MR : movMR;
    if (r.k1 === OP_IMM) return movMI;
  }
  if (r.k0 === OP_SREG || r.k1 === OP_SREG) return movSregFactory(r);
  if (r.k0 === OP_CREG || r.k1 === OP_CREG || r.k0 === OP_DREG || r.k1 === OP_DREG) return movSystemFactory(r);
  return null;
});

// MOVZX / MOVSX: source size is s1 (register) or msz (memory).
function srcSize(r: Rec): number { return r.k1 === OP_MEM ? r.msz : r.s1; }
function movzx(cpu: Cpu, r: Rec): void {
  const n = r.sub;
  const v = r.k1 === OP_MEM ? readMem(cpu, n, ea(cpu, r)) : getReg(cpu, n, r.r1);
  setReg(cpu, r.osz, r.r0, zext(n, v));
}
function movsx(cpu: Cpu, r: Rec): void {
  const n = r.sub;
  const v = r.k1 === OP_MEM ? readMem(cpu, n, ea(cpu, r)) : getReg(cpu, n, r.r1);
  setReg(cpu, r.osz, r.r0, sext(n, v));
}
def(Mnemonic.Movzx, (r) => { r.sub = srcSize(r); return movzx; });
def(Mnemonic.Movsx, (r) => { r.sub = srcSize(r); return movsx; });

function lea(cpu: Cpu, r: Rec): void { setReg(cpu, r.osz, r.r0, offset(cpu, r)); }
function lea32(cpu: Cpu, r: Rec): void { cpu.r32[r.r0] = offset(cpu, r); }
def(Mnemonic.Lea, (r) => (r.k1 === OP_MEM ? (r.osz === 4 ? lea32 : lea) : null));

function xchgRR(cpu: Cpu, r: Rec): void {
  const n = r.osz, a = getReg(cpu, n, r.r0);
  setReg(cpu, n, r.r0, getReg(cpu, n, r.r1));
  setReg(cpu, n, r.r1, a);
}
function xchgMR(cpu: Cpu, r: Rec): void {
  // XCHG with memory is always locked; the write permission is checked before anything changes.
  const n = r.osz, a = ea(cpu, r), m = readMemW(cpu, n, a);
  writeMem(cpu, n, a, getReg(cpu, n, r.r1));
  setReg(cpu, n, r.r1, m);
}
function xchgRM(cpu: Cpu, r: Rec): void {
  const n = r.osz, a = ea(cpu, r), m = readMemW(cpu, n, a);
  writeMem(cpu, n, a, getReg(cpu, n, r.r0));
  setReg(cpu, n, r.r0, m);
}
def(Mnemonic.Xchg, (r) => {
  if (r.k0 === OP_REG && r.k1 === OP_REG) return xchgRR;
  if (r.k0 === OP_MEM && r.k1 === OP_REG) return xchgMR;
  if (r.k0 === OP_REG && r.k1 === OP_MEM) return xchgRM;
  return null;
});

function nop(): void {}
def(Mnemonic.Nop, () => nop);
def(Mnemonic.Pause, () => nop);
