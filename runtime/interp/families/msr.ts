/**
 * Model-specific registers and fast system calls: RDMSR, WRMSR, SYSENTER,
 * SYSEXIT (SDM vol. 2; MSR numbers from vol. 4). The MSRs here are the ones
 * this Pentium II model has and a kernel touches; any other MSR number is
 * #GP(0), as on a real CPU (Linux probes with the _safe accessors).
 */
import { Mnemonic } from '../../iced.js';
import type { Cpu } from '../../cpu.js';
import { T_TRAP } from '../../records.js';
import { CR4, CS, MSR_SYSENTER_CS, MSR_SYSENTER_EIP, MSR_SYSENTER_ESP, SS, w } from '../../state/layout.js';
import { IF, RF, VM } from '../../state/eflags.js';
import { raiseGP } from '../../exceptions.js';
import { def } from '../table.js';
import { requireCpl0 } from './system.js';

export const MSR_TSC = 0x10;
export const MSR_PLATFORM_ID = 0x17;
export const MSR_BIOS_SIGN_ID = 0x8b;
export const MSR_SYSENTER_CS_NR = 0x174;
export const MSR_SYSENTER_ESP_NR = 0x175;
export const MSR_SYSENTER_EIP_NR = 0x176;
/** IA32_MISC_ENABLE: only on models that have it (runtime/cpu-model.ts), #GP(0) elsewhere. */
export const MSR_MISC_ENABLE = 0x1a0;

/** The MSRs implemented, for the README and for tests. */
export const IMPLEMENTED_MSRS: readonly number[] = [MSR_TSC, MSR_PLATFORM_ID, MSR_BIOS_SIGN_ID, MSR_SYSENTER_CS_NR, MSR_SYSENTER_ESP_NR, MSR_SYSENTER_EIP_NR];

function rdmsr(cpu: Cpu): void {
  requireCpl0(cpu);
  const n = cpu.r32[1] >>> 0;
  let lo = 0, hi = 0;
  switch (n) {
    case MSR_TSC: { const t = cpu.readTsc(); lo = Number(t & 0xffffffffn) | 0; hi = Number(t >> 32n) | 0; break; }
    case MSR_PLATFORM_ID: break;
    case MSR_BIOS_SIGN_ID: break; // no microcode update loaded
    case MSR_SYSENTER_CS_NR: lo = cpu.s[w(MSR_SYSENTER_CS)]; break;
    case MSR_SYSENTER_ESP_NR: lo = cpu.s[w(MSR_SYSENTER_ESP)]; break;
    case MSR_SYSENTER_EIP_NR: lo = cpu.s[w(MSR_SYSENTER_EIP)]; break;
    case MSR_MISC_ENABLE: if (cpu.model.miscEnable === null) raiseGP(0); lo = cpu.miscEnable; break;
    default: raiseGP(0);
  }
  cpu.r32[0] = lo;
  cpu.r32[2] = hi;
}
function wrmsr(cpu: Cpu): void {
  requireCpl0(cpu);
  const n = cpu.r32[1] >>> 0, lo = cpu.r32[0], hi = cpu.r32[2];
  switch (n) {
    case MSR_TSC: cpu.writeTsc((BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0)); break;
    case MSR_BIOS_SIGN_ID: break;
    case MSR_SYSENTER_CS_NR: cpu.s[w(MSR_SYSENTER_CS)] = lo & 0xffff; break;
    case MSR_SYSENTER_ESP_NR: cpu.s[w(MSR_SYSENTER_ESP)] = lo; break;
    case MSR_SYSENTER_EIP_NR: cpu.s[w(MSR_SYSENTER_EIP)] = lo; break;
    case MSR_MISC_ENABLE: if (cpu.model.miscEnable === null) raiseGP(0); cpu.miscEnable = lo; break;
    default: raiseGP(0);
  }
}
def(Mnemonic.Rdmsr, () => rdmsr);
def(Mnemonic.Wrmsr, () => wrmsr); // T_TRAP: runtime/isa/legacy.ts

// SYSENTER/SYSEXIT load flat segments derived from SYSENTER_CS without reading descriptors.
const FLAT_CODE32 = 0x00c09b00, FLAT_DATA32 = 0x00c09300;

function sysenter(cpu: Cpu): void {
  const cs = cpu.s[w(MSR_SYSENTER_CS)] & 0xffff;
  if (!cpu.protectedMode || (cs & ~3) === 0) raiseGP(0);
  cpu.setEflags(0, VM | IF | RF);
  cpu.setSegCache(CS, cs & 0xfffc, 0, -1, FLAT_CODE32);
  cpu.setSegCache(SS, (cs + 8) & 0xfffc, 0, -1, FLAT_DATA32);
  cpu.setCpl(0);
  cpu.r32[4] = cpu.s[w(MSR_SYSENTER_ESP)];
  cpu.eip = cpu.s[w(MSR_SYSENTER_EIP)];
}
function sysexit(cpu: Cpu): void {
  const cs = cpu.s[w(MSR_SYSENTER_CS)] & 0xffff;
  if (!cpu.protectedMode || cpu.v86 || cpu.cpl !== 0 || (cs & ~3) === 0) raiseGP(0);
  cpu.setSegCache(CS, ((cs + 16) & 0xfffc) | 3, 0, -1, FLAT_CODE32 | 0x6000);
  cpu.setSegCache(SS, ((cs + 24) & 0xfffc) | 3, 0, -1, FLAT_DATA32 | 0x6000);
  cpu.setCpl(3);
  cpu.r32[4] = cpu.r32[1];
  cpu.eip = cpu.r32[2];
}
def(Mnemonic.Sysenter, () => sysenter);
def(Mnemonic.Sysexit, () => sysexit);
export { T_TRAP };

/**
 * RDPMC: #GP(0) unless CPL 0 or CR4.PCE; ECX selects one of the two P6
 * counters (anything else is #GP(0)). Performance events are not modelled:
 * both counters read 0.
 */
function rdpmc(cpu: Cpu): void {
  const pce = (cpu.s[w(CR4)] & 0x100) !== 0;
  if (cpu.protectedMode && (cpu.cpl !== 0 || cpu.v86) && !pce) raiseGP(0);
  if ((cpu.r32[1] >>> 0) > 1) raiseGP(0);
  cpu.r32[0] = 0;
  cpu.r32[2] = 0;
}
def(Mnemonic.Rdpmc, () => rdpmc);
