/**
 * Descriptor-table and protection instructions: LGDT/LIDT/SGDT/SIDT,
 * LLDT/SLDT, LTR/STR, LAR/LSL/VERR/VERW, ARPL (SDM vol. 2 for each).
 */
import { Mnemonic } from '../../iced.js';
import type { Cpu } from '../../cpu.js';
import type { Rec } from '../../records.js';
import { OP_MEM, OP_REG } from '../../records.js';
import {
  GDTR_BASE, GDTR_LIMIT, IDTR_BASE, IDTR_LIMIT, LDTR_BASE, LDTR_LIMIT, LDTR_SEL, TR_BASE, TR_FLAGS, TR_LIMIT, TR_SEL, w,
} from '../../state/layout.js';
import { ZF } from '../../state/eflags.js';
import { setFlags, getZF } from '../../flags.js';
import { fault, GP, NP, raiseUD } from '../../exceptions.js';
import { readDescriptor, type Descriptor } from '../../segments.js';
import { def } from '../table.js';
import { ea, getReg, readMem, setReg, writeMem } from '../operands.js';
import { requireCpl0 } from './system.js';

/** Instructions that only exist in protected mode: #UD in real and virtual-8086 mode. */
function requireProtected(cpu: Cpu): void {
  if (!cpu.protectedMode || cpu.v86) raiseUD();
}

function loadTableReg(cpu: Cpu, r: Rec): void {
  requireCpl0(cpu);
  const a = ea(cpu, r);
  const limit = cpu.mmu.read16(a);
  let base = cpu.mmu.read32((a + 2) | 0);
  if (r.osz === 2) base &= 0xffffff; // 16-bit operand size loads a 24-bit base
  cpu.s[w(r.sub ? IDTR_BASE : GDTR_BASE)] = base;
  cpu.s[w(r.sub ? IDTR_LIMIT : GDTR_LIMIT)] = limit;
}
function storeTableReg(cpu: Cpu, r: Rec): void {
  const a = ea(cpu, r);
  cpu.mmu.checkWrite(a, 6);
  let base = cpu.s[w(r.sub ? IDTR_BASE : GDTR_BASE)];
  if (r.osz === 2) base &= 0xffffff; // P6 stores a zero fourth byte with 16-bit operand size
  cpu.mmu.write16(a, cpu.s[w(r.sub ? IDTR_LIMIT : GDTR_LIMIT)]);
  cpu.mmu.write32((a + 2) | 0, base);
}
def(Mnemonic.Lgdt, (r) => { if (r.k0 !== OP_MEM) return null; r.sub = 0; return loadTableReg; });
def(Mnemonic.Lidt, (r) => { if (r.k0 !== OP_MEM) return null; r.sub = 1; return loadTableReg; });
def(Mnemonic.Sgdt, (r) => { if (r.k0 !== OP_MEM) return null; r.sub = 0; return storeTableReg; });
def(Mnemonic.Sidt, (r) => { if (r.k0 !== OP_MEM) return null; r.sub = 1; return storeTableReg; });

function src16(cpu: Cpu, r: Rec): number {
  return r.k0 === OP_REG ? getReg(cpu, r.s0, r.r0) & 0xffff : readMem(cpu, 2, ea(cpu, r));
}
/** SLDT/STR/SMSW-style stores: a register destination gets the value zero-extended to its size. */
export function store16(cpu: Cpu, r: Rec, v: number): void {
  if (r.k0 === OP_REG) setReg(cpu, r.s0, r.r0, v);
  else writeMem(cpu, 2, ea(cpu, r), v);
}

function lldt(cpu: Cpu, r: Rec): void {
  requireProtected(cpu);
  requireCpl0(cpu);
  const sel = src16(cpu, r);
  const s = cpu.s;
  if ((sel & ~3) === 0) { s[w(LDTR_SEL)] = sel; s[w(LDTR_BASE)] = 0; s[w(LDTR_LIMIT)] = 0; return; }
  if (sel & 4) fault(GP, sel & ~3);
  const d = readDescriptor(cpu, sel);
  if (((d.hi >>> 8) & 0x1f) !== 2) fault(GP, sel & ~3);
  if ((d.hi & 0x8000) === 0) fault(NP, sel & ~3);
  s[w(LDTR_SEL)] = sel; s[w(LDTR_BASE)] = d.base; s[w(LDTR_LIMIT)] = d.limit;
}
function ltr(cpu: Cpu, r: Rec): void {
  requireProtected(cpu);
  requireCpl0(cpu);
  const sel = src16(cpu, r);
  if ((sel & ~3) === 0 || (sel & 4) !== 0) fault(GP, sel & ~3);
  const d = readDescriptor(cpu, sel);
  const type = (d.hi >>> 8) & 0x1f;
  if (type !== 1 && type !== 9) fault(GP, sel & ~3);
  if ((d.hi & 0x8000) === 0) fault(NP, sel & ~3);
  const s = cpu.s;
  const a = (s[w(GDTR_BASE)] + (sel & ~7) + 4) | 0;
  cpu.mmu.write32(a, d.hi | 0x200); // busy
  s[w(TR_SEL)] = sel; s[w(TR_BASE)] = d.base; s[w(TR_LIMIT)] = d.limit; s[w(TR_FLAGS)] = d.flags | 0x200;
}
function sldt(cpu: Cpu, r: Rec): void { requireProtected(cpu); store16(cpu, r, cpu.s[w(LDTR_SEL)] & 0xffff); }
function str(cpu: Cpu, r: Rec): void { requireProtected(cpu); store16(cpu, r, cpu.s[w(TR_SEL)] & 0xffff); }
def(Mnemonic.Lldt, () => lldt);
def(Mnemonic.Ltr, () => ltr);
def(Mnemonic.Sldt, () => sldt);
def(Mnemonic.Str, () => str);

/**
 * The descriptor LAR/LSL/VERR/VERW may look at, or null (ZF=0) when the
 * selector is null, outside its table, or not visible at this CPL/RPL.
 */
function visibleDescriptor(cpu: Cpu, sel: number, allowSystem: (type: number) => boolean): Descriptor | null {
  if ((sel & ~3) === 0) return null;
  let d: Descriptor;
  try { d = readDescriptor(cpu, sel); } catch { return null; }
  const type = (d.hi >>> 8) & 0x1f, dpl = (d.hi >>> 13) & 3;
  if ((type & 0x10) === 0) {
    if (!allowSystem(type & 0xf)) return null;
  }
  const conformingCode = (type & 0x1c) === 0x1c;
  if (!conformingCode && (dpl < cpu.cpl || dpl < (sel & 3))) return null;
  return d;
}
const LAR_TYPES = new Set([1, 2, 3, 4, 5, 9, 11, 12]);
const LSL_TYPES = new Set([1, 2, 3, 9, 11]);

function lar(cpu: Cpu, r: Rec): void {
  requireProtected(cpu);
  const sel = r.k1 === OP_REG ? getReg(cpu, r.s1, r.r1) & 0xffff : readMem(cpu, 2, ea(cpu, r));
  const d = visibleDescriptor(cpu, sel, (t) => LAR_TYPES.has(t));
  if (!d) { setFlags(cpu.s, ZF, 0); return; }
  setReg(cpu, r.osz, r.r0, d.hi & (r.osz === 4 ? 0x00f0ff00 : 0xff00));
  setFlags(cpu.s, ZF, ZF);
}
function lsl(cpu: Cpu, r: Rec): void {
  requireProtected(cpu);
  const sel = r.k1 === OP_REG ? getReg(cpu, r.s1, r.r1) & 0xffff : readMem(cpu, 2, ea(cpu, r));
  const d = visibleDescriptor(cpu, sel, (t) => LSL_TYPES.has(t));
  if (!d) { setFlags(cpu.s, ZF, 0); return; }
  setReg(cpu, r.osz, r.r0, d.limit);
  setFlags(cpu.s, ZF, ZF);
}
function verrw(cpu: Cpu, r: Rec): void {
  requireProtected(cpu);
  const sel = src16(cpu, r);
  const d = visibleDescriptor(cpu, sel, () => false);
  let ok = false;
  if (d) {
    const type = (d.hi >>> 8) & 0x1f;
    const code = (type & 0x18) === 0x18;
    ok = r.sub === 0 ? (!code || (type & 2) !== 0) : (!code && (type & 2) !== 0);
  }
  setFlags(cpu.s, ZF, ok ? ZF : 0);
}
def(Mnemonic.Lar, (r) => (r.k0 === OP_REG ? lar : null));
def(Mnemonic.Lsl, (r) => (r.k0 === OP_REG ? lsl : null));
def(Mnemonic.Verr, (r) => { r.sub = 0; return verrw; });
def(Mnemonic.Verw, (r) => { r.sub = 1; return verrw; });

function arpl(cpu: Cpu, r: Rec): void {
  requireProtected(cpu);
  const a = r.k0 === OP_MEM ? ea(cpu, r) : 0;
  const dst = r.k0 === OP_REG ? getReg(cpu, 2, r.r0) : cpu.mmu.readW16(a);
  const src = getReg(cpu, 2, r.r1);
  if ((dst & 3) < (src & 3)) {
    const v = (dst & ~3) | (src & 3);
    if (r.k0 === OP_REG) setReg(cpu, 2, r.r0, v); else cpu.mmu.write16(a, v);
    setFlags(cpu.s, ZF, ZF);
  } else setFlags(cpu.s, ZF, 0);
}
// In 32-bit code iced decodes 63 /r as Arpl_r32m16_r32 with 32-bit register
// operands (r0/r1 are then r32 indices): ARPL still works on their low 16
// bits, the upper halves unchanged (checked on the host CPU), so map them to
// the 16-bit views.
def(Mnemonic.Arpl, (r) => {
  r.osz = 2;
  if (r.k0 === OP_REG && r.s0 === 4) r.r0 *= 2;
  if (r.s1 === 4) r.r1 *= 2;
  return arpl;
});

export { getZF };
