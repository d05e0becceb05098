/**
 * Privileged and system instructions that end a block and are emulated
 * here, in one place, for both engines: HLT, MOV to/from CRn/DRn.
 * (The full set — descriptor tables, INVLPG, MSRs, I/O permission — is the
 * system-CPU work; each lands in this family.)
 */
import { Mnemonic } from '../../iced.js';
import type { Cpu } from '../../cpu.js';
import type { Rec } from '../../records.js';
import { OP_CREG, OP_DREG, OP_MEM, OP_REG, T_TRAP } from '../../records.js';
import { CR0, CR2, CR3, CR4, DR, w } from '../../state/layout.js';
import { DB, fault, raiseGP, raiseUD } from '../../exceptions.js';
import { DR6_BD, DR7_GD, signalDb, writeDr } from '../../debug.js';
import { def } from '../table.js';
import { ea as linearOf } from '../operands.js';

/** Privileged instructions: #GP(0) unless CPL 0 (real mode counts as CPL 0). */
export function requireCpl0(cpu: Cpu): void {
  if (cpu.protectedMode && (cpu.cpl !== 0 || cpu.v86)) raiseGP(0);
}

function hlt(cpu: Cpu): void {
  requireCpl0(cpu);
  cpu.halted = true;
}
def(Mnemonic.Hlt, () => hlt); // T_STOP: runtime/isa/legacy.ts

const CR_OFFSET = [CR0, -1, CR2, CR3, CR4];

function movFromCr(cpu: Cpu, r: Rec): void {
  requireCpl0(cpu);
  cpu.r32[r.r0] = cpu.s[w(CR_OFFSET[r.r1])];
}
function movToCr(cpu: Cpu, r: Rec): void {
  requireCpl0(cpu);
  const v = cpu.r32[r.r1];
  switch (r.r0) {
    case 0: {
      // PG without PE is #GP(0); CD=0 with NW=1 is #GP(0) (SDM vol. 3, 2.5).
      if ((v & 0x80000000) !== 0 && (v & 1) === 0) raiseGP(0);
      if ((v & 0x40000000) === 0 && (v & 0x20000000) !== 0) raiseGP(0);
      cpu.s[w(CR0)] = v | 0x10; // ET is hard-wired to 1 on P6
      cpu.mmu.flush(true);
      break;
    }
    case 2: cpu.s[w(CR2)] = v; break;
    case 3: cpu.s[w(CR3)] = v; cpu.mmu.flush(false); break;
    case 4:
      // Bits of features the model lacks are reserved (SDM vol. 3, 2.5): TSD, PSE, PGE, PCE on
      // every model; OSFXSR and OSXMMEXCPT where it has FXSR/SSE (runtime/cpu-model.ts).
      if (v & ~cpu.model.cr4) raiseGP(0);
      cpu.s[w(CR4)] = v;
      cpu.mmu.flush(true);
      break;
  }
}
/** MOV to/from DRn with DR7.GD set: a #DB fault before the instruction, DR6.BD (SDM vol. 3, 17.2.4). */
function generalDetect(cpu: Cpu): void {
  if ((cpu.s[w(DR) + 7] & DR7_GD) !== 0) {
    signalDb(cpu, DR6_BD);
    fault(DB);
  }
}
function movFromDr(cpu: Cpu, r: Rec): void {
  requireCpl0(cpu);
  generalDetect(cpu);
  const n = r.r1 === 4 ? 6 : r.r1 === 5 ? 7 : r.r1; // DR4/DR5 alias DR6/DR7 when CR4.DE = 0
  cpu.r32[r.r0] = cpu.s[w(DR) + n];
}
function movToDr(cpu: Cpu, r: Rec): void {
  requireCpl0(cpu);
  generalDetect(cpu);
  writeDr(cpu, r.r0 === 4 ? 6 : r.r0 === 5 ? 7 : r.r0, cpu.r32[r.r1]);
}

export function movSystemFactory(r: Rec): ((cpu: Cpu, r: Rec) => void) | null {
  if (r.k0 === OP_REG && r.k1 === OP_CREG) return r.r1 === 1 || r.r1 > 4 ? () => raiseUD() : movFromCr;
  if (r.k0 === OP_CREG && r.k1 === OP_REG) { r.term = T_TRAP; return r.r0 === 1 || r.r0 > 4 ? () => raiseUD() : movToCr; }
  if (r.k0 === OP_REG && r.k1 === OP_DREG) return r.r1 > 7 ? () => raiseUD() : movFromDr;
  if (r.k0 === OP_DREG && r.k1 === OP_REG) { r.term = T_TRAP; return r.r0 > 7 ? () => raiseUD() : movToDr; }
  return null;
}

// ---- CR0 shortcuts, caches, TLB ------------------------------------------

function clts(cpu: Cpu): void {
  requireCpl0(cpu);
  cpu.s[w(CR0)] &= ~8;
}
def(Mnemonic.Clts, () => clts);

/** LMSW: loads PE MP EM TS; it can set PE but never clear it (SDM vol. 2, LMSW). */
function lmsw(cpu: Cpu, r: Rec): void {
  requireCpl0(cpu);
  // A register operand may be a 32-bit one (iced's Lmsw_r32m16): its low word.
  const v = r.k0 === OP_REG ? (r.s0 === 4 ? cpu.r32[r.r0] : cpu.r16[r.r0]) & 0xffff : cpu.mmu.read16(linearOf(cpu, r));
  const cr0 = cpu.s[w(CR0)];
  cpu.s[w(CR0)] = (cr0 & ~0xe) | (v & 0xf) | (cr0 & 1);
}
/** SMSW: a register destination gets CR0 (all of it for 32-bit registers on P6); memory gets 16 bits. */
function smsw(cpu: Cpu, r: Rec): void {
  const cr0 = cpu.s[w(CR0)];
  if (r.k0 === OP_REG) { if (r.s0 === 4) cpu.r32[r.r0] = cr0; else cpu.r16[r.r0] = cr0; }
  else cpu.mmu.write16(linearOf(cpu, r), cr0);
}
def(Mnemonic.Lmsw, () => lmsw);
def(Mnemonic.Smsw, () => smsw);

function invlpg(cpu: Cpu, r: Rec): void {
  requireCpl0(cpu);
  cpu.mmu.flushPage(linearOf(cpu, r));
}
def(Mnemonic.Invlpg, (r) => (r.k0 !== OP_MEM ? null : invlpg));

// No caches are modelled: INVD/WBINVD only check privilege.
function invd(cpu: Cpu): void { requireCpl0(cpu); }
def([Mnemonic.Invd, Mnemonic.Wbinvd], () => invd);
