/**
 * Flag instructions: CLC STC CMC CLD STD CLI STI, LAHF SAHF, PUSHF(D)
 * POPF(D); and the accumulator sign extensions CBW CWDE CWD CDQ, SALC.
 *
 * Privilege (SDM vol. 2, CLI/STI/PUSHF/POPF; VME/PVI are not modelled):
 * - CLI/STI: real mode, or CPL <= IOPL; otherwise #GP(0) (virtual-8086 mode
 *   runs at CPL 3, so it needs IOPL 3).
 * - PUSHF/POPF in virtual-8086 mode with IOPL < 3: #GP(0).
 * - POPF: IOPL changes only at CPL 0 (real mode is CPL 0), IF only when
 *   CPL <= IOPL; VM is never changed; 32-bit POPF clears RF and, at CPL 0
 *   outside virtual-8086 mode, clears VIP/VIF (P6-era SDM: "VIP and VIF are
 *   cleared; VM is unaffected"), elsewhere leaves them alone; a 16-bit POPF
 *   only writes bits 15..0.
 */
import { Mnemonic } from '../../iced.js';
import type { Cpu } from '../../cpu.js';
import type { Rec } from '../../records.js';
import { INT_SHADOW, w } from '../../state/layout.js';

const W_SHADOW = w(INT_SHADOW);
import { getCF, setFlags, W_EFLAGS } from '../../flags.js';
import {
  AC, AF, CF, DF, ID, IF, IOPL, NT, OF, PF, RF, SF, TF, VIF, VIP, VM, ZF,
} from '../../state/eflags.js';
import { raiseGP } from '../../exceptions.js';
import { def } from '../table.js';

const iopl = (cpu: Cpu): number => (cpu.s[W_EFLAGS] & IOPL) >>> 12;

// ---- CF / DF / IF -------------------------------------------------------------

def(Mnemonic.Clc, () => (cpu) => setFlags(cpu.s, CF, 0));
def(Mnemonic.Stc, () => (cpu) => setFlags(cpu.s, CF, CF));
def(Mnemonic.Cmc, () => (cpu) => setFlags(cpu.s, CF, getCF(cpu.s) ^ CF));
def(Mnemonic.Cld, () => (cpu) => setFlags(cpu.s, DF, 0));
def(Mnemonic.Std, () => (cpu) => setFlags(cpu.s, DF, DF));

/** CLI/STI may run: real mode, or CPL <= IOPL (covers virtual-8086 mode: CPL 3, needs IOPL 3). */
function checkIopl(cpu: Cpu): void {
  if (cpu.protectedMode && cpu.cpl > iopl(cpu)) raiseGP(0);
}
def(Mnemonic.Cli, () => (cpu) => { checkIopl(cpu); setFlags(cpu.s, IF, 0); });
// STI ends the block: IF changed, and the interrupt shadow covers the next instruction.
/** STI: interrupts stay blocked until after the next instruction when IF was clear (SDM vol. 2, STI). */
function sti(cpu: Cpu): void {
  checkIopl(cpu);
  if ((cpu.s[W_EFLAGS] & IF) === 0) cpu.s[W_SHADOW] = 1;
  setFlags(cpu.s, IF, IF);
}
def(Mnemonic.Sti, () => sti); // T_TRAP (runtime/isa/legacy.ts): interrupts may come in after the next instruction

// ---- LAHF / SAHF --------------------------------------------------------------

const LOW = SF | ZF | AF | PF | CF;
def(Mnemonic.Lahf, () => (cpu) => { cpu.r8[1] = (cpu.getEflags() & LOW) | 2; });
def(Mnemonic.Sahf, () => (cpu) => setFlags(cpu.s, LOW, cpu.r8[1]));

// ---- PUSHF / POPF -------------------------------------------------------------

function pushf(cpu: Cpu, r: Rec): void {
  if (cpu.v86 && iopl(cpu) < 3) raiseGP(0);
  const f = cpu.getEflags();
  if (r.sub === 4) cpu.push32(f & ~(VM | RF)); // SDM: EFLAGS AND 00FCFFFFH
  else cpu.push16(f);
}
def([Mnemonic.Pushf, Mnemonic.Pushfd], (r) => { r.sub = r.mnemonic === Mnemonic.Pushfd ? 4 : 2; return pushf; });

/** Flags any POPF may write. */
const POPF_BASE = CF | PF | AF | ZF | SF | TF | DF | OF | NT | AC | ID;

function popf(cpu: Cpu, r: Rec): void {
  const v86 = cpu.v86, pl = iopl(cpu);
  if (v86 && pl < 3) raiseGP(0);
  const v = r.sub === 4 ? cpu.pop32() : cpu.pop16();
  const cpl = cpu.protectedMode ? cpu.cpl : 0;
  let mask = POPF_BASE;
  if (cpl === 0 && !v86) mask |= IOPL;
  if (cpl <= pl) mask |= IF;
  let value = v;
  if (r.sub === 4) {
    mask |= RF; value &= ~RF; // RF is cleared
    if (cpl === 0 && !v86) { mask |= VIP | VIF; value &= ~(VIP | VIF); }
  } else {
    mask &= 0xffff;
  }
  cpu.setEflags(value, mask);
}
def([Mnemonic.Popf, Mnemonic.Popfd], (r) => {
  r.sub = r.mnemonic === Mnemonic.Popfd ? 4 : 2;
  // T_TRAP (runtime/isa/legacy.ts): IF / TF / DF may have changed
  return popf;
});

// ---- CBW CWDE CWD CDQ SALC ----------------------------------------------------

def(Mnemonic.Cbw, () => (cpu) => { cpu.r16[0] = (cpu.r8[0] << 24) >> 24; });
def(Mnemonic.Cwde, () => (cpu) => { cpu.r32[0] = (cpu.r16[0] << 16) >> 16; });
def(Mnemonic.Cwd, () => (cpu) => { cpu.r16[4] = (cpu.r16[0] & 0x8000) ? 0xffff : 0; });
def(Mnemonic.Cdq, () => (cpu) => { cpu.r32[2] = cpu.r32[0] >> 31; });
// Undocumented D6 (SALC / SETALC): AL = CF ? FF : 00, flags unchanged.
def(Mnemonic.Salc, () => (cpu) => { cpu.r8[0] = getCF(cpu.s) ? 0xff : 0; });
