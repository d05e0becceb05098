/**
 * Conditional data instructions: SETcc r/m8 and CMOVcc r, r/m (16/32).
 * `cc` is the condition code (runtime/isa/cc.ts, as testCC takes it); the
 * rows are in runtime/isa/cond.ts.
 *
 * CMOVcc with a memory source reads it (and may fault) whatever the condition
 * (SDM vol. 2, CMOVcc); with a false condition the destination is unchanged
 * (32-bit mode has no upper half to clear).
 */
import type { Cpu } from '../../cpu.js';
import type { Rec } from '../../records.js';
import { OP_MEM, OP_REG } from '../../records.js';
import { testCC } from '../../flags.js';
import { bind } from '../table.js';
import { ea, readMem, setReg } from '../operands.js';

function setccR(cpu: Cpu, r: Rec): void { cpu.r8[r.r0] = testCC(cpu.s, r.cc) ? 1 : 0; }
function setccM(cpu: Cpu, r: Rec): void { cpu.mmu.write8(ea(cpu, r), testCC(cpu.s, r.cc) ? 1 : 0); }

function cmov32RR(cpu: Cpu, r: Rec): void {
  if (testCC(cpu.s, r.cc)) cpu.r32[r.r0] = cpu.r32[r.r1];
}
function cmov32RM(cpu: Cpu, r: Rec): void {
  const v = cpu.mmu.read32(ea(cpu, r));
  if (testCC(cpu.s, r.cc)) cpu.r32[r.r0] = v;
}
function cmov16RR(cpu: Cpu, r: Rec): void {
  if (testCC(cpu.s, r.cc)) cpu.r16[r.r0] = cpu.r16[r.r1];
}
function cmovRM(cpu: Cpu, r: Rec): void {
  const v = readMem(cpu, r.osz, ea(cpu, r));
  if (testCC(cpu.s, r.cc)) setReg(cpu, r.osz, r.r0, v);
}

bind('setcc', (r) => {
  if (r.k0 === OP_REG && r.osz === 1) return setccR;
  if (r.k0 === OP_MEM) return setccM;
  return null;
});
bind('cmovcc', (r) => {
  if (r.k0 !== OP_REG || r.osz === 1) return null;
  if (r.k1 === OP_REG) return r.osz === 4 ? cmov32RR : cmov16RR;
  if (r.k1 === OP_MEM) return r.osz === 4 ? cmov32RM : cmovRM;
  return null;
});
