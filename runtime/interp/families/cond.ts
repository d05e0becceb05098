/**
 * Conditional data instructions: SETcc r/m8 and CMOVcc r, r/m (16/32).
 * `sub` is the condition code (low nibble of the opcode: O NO B AE E NE BE A
 * S NS P NP L GE LE G, as testCC takes it).
 *
 * CMOVcc with a memory source reads it (and may fault) whatever the condition
 * (SDM vol. 2, CMOVcc); with a false condition the destination is unchanged
 * (32-bit mode has no upper half to clear).
 */
import { Mnemonic } from 'iced-x86';
import type { Cpu } from '../../cpu.js';
import type { Rec } from '../../records.js';
import { OP_MEM, OP_REG } from '../../records.js';
import { testCC } from '../../flags.js';
import { def } from '../table.js';
import { ea, readMem, setReg } from '../operands.js';

const SETCC: Mnemonic[] = [
  Mnemonic.Seto, Mnemonic.Setno, Mnemonic.Setb, Mnemonic.Setae, Mnemonic.Sete, Mnemonic.Setne, Mnemonic.Setbe, Mnemonic.Seta,
  Mnemonic.Sets, Mnemonic.Setns, Mnemonic.Setp, Mnemonic.Setnp, Mnemonic.Setl, Mnemonic.Setge, Mnemonic.Setle, Mnemonic.Setg,
];
const CMOVCC: Mnemonic[] = [
  Mnemonic.Cmovo, Mnemonic.Cmovno, Mnemonic.Cmovb, Mnemonic.Cmovae, Mnemonic.Cmove, Mnemonic.Cmovne, Mnemonic.Cmovbe, Mnemonic.Cmova,
  Mnemonic.Cmovs, Mnemonic.Cmovns, Mnemonic.Cmovp, Mnemonic.Cmovnp, Mnemonic.Cmovl, Mnemonic.Cmovge, Mnemonic.Cmovle, Mnemonic.Cmovg,
];

function setccR(cpu: Cpu, r: Rec): void { cpu.r8[r.r0] = testCC(cpu.s, r.sub) ? 1 : 0; }
function setccM(cpu: Cpu, r: Rec): void { cpu.mmu.write8(ea(cpu, r), testCC(cpu.s, r.sub) ? 1 : 0); }

function cmov32RR(cpu: Cpu, r: Rec): void {
  if (testCC(cpu.s, r.sub)) cpu.r32[r.r0] = cpu.r32[r.r1];
}
function cmov32RM(cpu: Cpu, r: Rec): void {
  const v = cpu.mmu.read32(ea(cpu, r));
  if (testCC(cpu.s, r.sub)) cpu.r32[r.r0] = v;
}
function cmov16RR(cpu: Cpu, r: Rec): void {
  if (testCC(cpu.s, r.sub)) cpu.r16[r.r0] = cpu.r16[r.r1];
}
function cmovRM(cpu: Cpu, r: Rec): void {
  const v = readMem(cpu, r.osz, ea(cpu, r));
  if (testCC(cpu.s, r.sub)) setReg(cpu, r.osz, r.r0, v);
}

SETCC.forEach((m, cc) => def(m, (r) => {
  r.sub = cc;
  if (r.k0 === OP_REG && r.osz === 1) return setccR;
  if (r.k0 === OP_MEM) return setccM;
  return null;
}));
CMOVCC.forEach((m, cc) => def(m, (r) => {
  r.sub = cc;
  if (r.k0 !== OP_REG || r.osz === 1) return null;
  if (r.k1 === OP_REG) return r.osz === 4 ? cmov32RR : cmov16RR;
  if (r.k1 === OP_MEM) return r.osz === 4 ? cmov32RM : cmovRM;
  return null;
}));
