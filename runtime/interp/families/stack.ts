/** PUSH and POP of general registers, memory and immediates. */
import { Mnemonic } from '../../iced.js';
import type { Cpu } from '../../cpu.js';
import type { Rec } from '../../records.js';
import { OP_IMM, OP_MEM, OP_REG, OP_SREG } from '../../records.js';
import { popSregFactory, pushSregFactory } from './segment.js';
import { def } from '../table.js';
import { ea, getReg, readMem, setReg, writeMem } from '../operands.js';

function push32R(cpu: Cpu, r: Rec): void { cpu.push32(cpu.r32[r.r0]); }
function pop32R(cpu: Cpu, r: Rec): void {
  const v = cpu.pop32();
  cpu.r32[r.r0] = v; // POP ESP: the popped value wins over the increment
}
function pushR(cpu: Cpu, r: Rec): void {
  if (r.osz === 4) cpu.push32(cpu.r32[r.r0]); else cpu.push16(getReg(cpu, 2, r.r0));
}
function popR(cpu: Cpu, r: Rec): void {
  const v = r.osz === 4 ? cpu.pop32() : cpu.pop16();
  setReg(cpu, r.osz, r.r0, v);
}
function pushI(cpu: Cpu, r: Rec): void {
  if (r.osz === 4) cpu.push32(r.imm); else cpu.push16(r.imm);
}
function pushM(cpu: Cpu, r: Rec): void {
  const v = readMem(cpu, r.osz, ea(cpu, r));
  if (r.osz === 4) cpu.push32(v); else cpu.push16(v);
}
function popM(cpu: Cpu, r: Rec): void {
  // SDM POP: an ESP-based destination address is computed after ESP is incremented;
  // the value is read first, and ESP is only committed once the store succeeded.
  const n = r.osz;
  const v = n === 4 ? cpu.peek32(0) : cpu.peek16(0);
  cpu.addSp(n);
  try {
    writeMem(cpu, n, ea(cpu, r), v);
  } catch (e) {
    cpu.addSp(-n);
    throw e;
  }
}

def(Mnemonic.Push, (r) => {
  if (r.k0 === OP_REG) return r.osz === 4 ? push32R : pushR;
  if (r.k0 === OP_IMM) return pushI;
  if (r.k0 === OP_MEM) return pushM;
  if (r.k0 === OP_SREG) return pushSregFactory(r);
  return null;
});
def(Mnemonic.Pop, (r) => {
  if (r.k0 === OP_REG) return r.osz === 4 ? pop32R : popR;
  if (r.k0 === OP_MEM) return popM;
  if (r.k0 === OP_SREG) return popSregFactory(r);
  return null;
});
