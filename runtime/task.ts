/**
 * Hardware task switches (SDM vol. 3, 7.3): through a task gate in the IDT
 * (Linux's double-fault handler), a far CALL/JMP to a TSS or task gate, and
 * IRET with NT set. 32-bit and 16-bit TSS formats.
 */
import type { Cpu } from './cpu.js';
import { CR0, CR3, CS, DR, DS, ES, FS, GS, GDTR_BASE, LDTR_BASE, LDTR_LIMIT, LDTR_SEL, SS, TR_BASE, TR_FLAGS, TR_LIMIT, TR_SEL, EIP, w } from './state/layout.js';
import { NT, VM } from './state/eflags.js';
import { fault, GP, GuestFault, NP, PF, SS as SS_FAULT, TS } from './exceptions.js';
import { readDescriptor, loadSegment, type Descriptor } from './segments.js';
import { updateDebug } from './debug.js';

export type SwitchSource = 'call' | 'jmp' | 'iret' | 'int';

const SEG_ORDER_32 = [ES, CS, SS, DS, FS, GS]; // TSS32 offsets 0x48.. in this order
const SEG_ORDER_16 = [ES, CS, SS, DS];         // TSS16 offsets 0x22..

function setBusy(cpu: Cpu, sel: number, busy: boolean): void {
  const a = (cpu.s[w(GDTR_BASE)] + (sel & ~7) + 4) | 0;
  const hi = cpu.mmu.sys.read32(a);
  cpu.mmu.sys.write32(a, busy ? hi | 0x200 : hi & ~0x200);
}

/** Switch to the task whose TSS selector is `sel`. `retEip` is the EIP saved in the outgoing task. */
export function taskSwitch(cpu: Cpu, sel: number, source: SwitchSource, errorCode: number, retEip: number, ext: number): void {
  // TSS and GDT accesses are supervisor accesses whatever the CPL (SDM vol. 3, 4.6).
  const s = cpu.s, m = cpu.mmu.sys;
  if (sel & 4) fault(GP, (sel & ~3) | ext);
  const d: Descriptor = readDescriptor(cpu, sel, GP);
  const type = (d.hi >>> 8) & 0x1f;
  const busyWanted = source === 'iret';
  if (!(type === 1 || type === 9 || type === 3 || type === 11)) fault(GP, (sel & ~3) | ext);
  if (((type & 2) !== 0) !== busyWanted) fault(source === 'iret' ? TS : GP, (sel & ~3) | ext);
  if ((d.hi & 0x8000) === 0) fault(NP, (sel & ~3) | ext);
  const new32 = (type & 8) !== 0;
  if ((d.limit >>> 0) < (new32 ? 0x67 : 0x2b)) fault(TS, (sel & ~3) | ext);

  // Save the outgoing task.
  const oldSel = s[w(TR_SEL)] & 0xffff, oldBase = s[w(TR_BASE)];
  const old32 = ((s[w(TR_FLAGS)] >>> 8) & 8) !== 0;
  let eflags = cpu.getEflags();
  if (source === 'jmp' || source === 'iret') eflags &= ~NT;
  if (old32) {
    m.write32((oldBase + 0x20) | 0, retEip);
    m.write32((oldBase + 0x24) | 0, eflags);
    for (let i = 0; i < 8; i++) m.write32((oldBase + 0x28 + i * 4) | 0, cpu.r32[i]);
    SEG_ORDER_32.forEach((seg, i) => m.write16((oldBase + 0x48 + i * 4) | 0, cpu.segSel(seg)));
  } else {
    m.write16((oldBase + 0x0e) | 0, retEip);
    m.write16((oldBase + 0x10) | 0, eflags);
    for (let i = 0; i < 8; i++) m.write16((oldBase + 0x12 + i * 2) | 0, cpu.r32[i]);
    SEG_ORDER_16.forEach((seg, i) => m.write16((oldBase + 0x22 + i * 2) | 0, cpu.segSel(seg)));
  }
  if (source === 'jmp' || source === 'iret') setBusy(cpu, oldSel, false);

  // Read the incoming task's state.
  const b = d.base;
  let newEip: number, newFlags: number, cr3 = -1, ldt: number;
  const regs: number[] = [];
  const sels: number[] = [];
  if (new32) {
    cr3 = m.read32((b + 0x1c) | 0);
    newEip = m.read32((b + 0x20) | 0);
    newFlags = m.read32((b + 0x24) | 0);
    for (let i = 0; i < 8; i++) regs.push(m.read32((b + 0x28 + i * 4) | 0));
    for (let i = 0; i < 6; i++) sels.push(m.read16((b + 0x48 + i * 4) | 0));
    ldt = m.read16((b + 0x60) | 0);
  } else {
    newEip = m.read16((b + 0x0e) | 0);
    newFlags = m.read16((b + 0x10) | 0);
    for (let i = 0; i < 8; i++) regs.push(m.read16((b + 0x12 + i * 2) | 0));
    for (let i = 0; i < 4; i++) sels.push(m.read16((b + 0x22 + i * 2) | 0));
    sels.push(0, 0);
    ldt = m.read16((b + 0x2a) | 0);
  }
  if (source === 'call' || source === 'int') {
    m.write16(b, oldSel);
    newFlags |= NT;
  }
  if (source !== 'iret') setBusy(cpu, sel, true);

  // Commit: TR, CR0.TS, CR3, registers, flags, LDT, segments.
  s[w(TR_SEL)] = sel;
  s[w(TR_BASE)] = d.base;
  s[w(TR_LIMIT)] = d.limit;
  s[w(TR_FLAGS)] = d.flags | 0x200;
  s[w(CR0)] |= 8;
  if (new32 && (s[w(CR0)] & 0x80000000) !== 0 && cr3 !== -1) {
    s[w(CR3)] = cr3;
    cpu.mmu.flush(false);
  }
  for (let i = 0; i < 8; i++) {
    if (new32) cpu.r32[i] = regs[i]; else cpu.r32[i] = (cpu.r32[i] & ~0xffff) | (regs[i] & 0xffff);
  }
  cpu.setEflags(newFlags, new32 ? 0x3f7fd5 : 0xffff);
  s[w(EIP)] = newEip;
  // The local breakpoint enables (DR7 L0-L3, LE) are cleared on every task switch (SDM vol. 3, 17.2.4).
  if ((s[w(DR) + 7] & 0x155) !== 0) { s[w(DR) + 7] &= ~0x155; updateDebug(cpu); }
  try {
    loadNewTaskSegments(cpu, ldt, sels, newFlags, ext);
    if (errorCode >= 0) {
      if (cpu.stack32) cpu.push32(errorCode); else cpu.push16(errorCode);
    }
  } catch (e) {
    // Past the commit point a fault belongs to the new task: delivered in its
    // context, at its EIP (SDM vol. 3, 7.3 step 12 and the #TS / #NP
    // descriptions in 6.15: the state is loaded from the new TSS, then the
    // exception is raised).
    if (!(e instanceof GuestFault)) throw e;
    throw new GuestFault(e.vector, e.errorCode, newEip);
  }
}

const TASK_SEG_ORDER = [CS, SS, ES, DS, FS, GS];

/**
 * Load the new task's LDTR and segment registers, checked in the order of
 * SDM vol. 3, table 7-1 (LDT, CS, SS, data segments). Every selector is in
 * its register before the first check: when one fails, the registers after it
 * hold their new selectors with unusable hidden parts, as the SDM describes
 * for #TS / #NP after the commit point.
 */
function loadNewTaskSegments(cpu: Cpu, ldt: number, sels: number[], newFlags: number, ext: number): void {
  const s = cpu.s, segOrder = SEG_ORDER_32; // sels[] is in TSS order
  if (newFlags & VM) {
    segOrder.forEach((seg, i) => cpu.setSegReal(seg, sels[i]));
    cpu.setCpl(3);
  } else {
    segOrder.forEach((seg, i) => { if (seg !== CS) cpu.setSegCache(seg, sels[i], 0, 0, 0); });
  }
  // LDT
  if ((ldt & ~3) === 0) {
    s[w(LDTR_SEL)] = 0; s[w(LDTR_BASE)] = 0; s[w(LDTR_LIMIT)] = 0;
  } else {
    s[w(LDTR_SEL)] = ldt; s[w(LDTR_BASE)] = 0; s[w(LDTR_LIMIT)] = 0;
    if (ldt & 4) fault(TS, (ldt & ~3) | ext);
    const ld = readDescriptor(cpu, ldt, TS);
    if (((ld.hi >>> 8) & 0x1f) !== 2) fault(TS, (ldt & ~3) | ext);
    if ((ld.hi & 0x8000) === 0) fault(TS, (ldt & ~3) | ext);
    s[w(LDTR_BASE)] = ld.base; s[w(LDTR_LIMIT)] = ld.limit;
  }
  if (newFlags & VM) return;
  // CS first: it sets the CPL the other loads are checked against.
  const csSel = sels[1];
  if ((csSel & ~3) === 0) fault(TS, ext);
  const cd = readDescriptor(cpu, csSel, TS);
  const cdpl = (cd.hi >>> 13) & 3, conformingCs = ((cd.hi >>> 8) & 4) !== 0;
  if (((cd.hi >>> 8) & 0x18) !== 0x18 || (conformingCs ? cdpl > (csSel & 3) : cdpl !== (csSel & 3))) fault(TS, (csSel & ~3) | ext);
  if ((cd.hi & 0x8000) === 0) fault(NP, (csSel & ~3) | ext);
  cpu.setSegCache(CS, csSel, cd.base, cd.limit, cd.flags);
  cpu.setCpl(csSel & 3);
  for (const seg of TASK_SEG_ORDER) {
    if (seg === CS) continue;
    const sel = sels[segOrder.indexOf(seg)];
    try {
      loadSegment(cpu, seg, sel);
    } catch (e) {
      if (!(e instanceof GuestFault)) throw e;
      cpu.setSegCache(seg, sel, 0, 0, 0);
      // Not present: #NP, or #SS for the stack segment; any other check: #TS (SDM vol. 3, table 7-1).
      // A page fault reading the descriptor stays a page fault.
      if (e.vector === NP || e.vector === SS_FAULT || e.vector === PF) fault(e.vector, e.vector === PF ? e.errorCode : (sel & ~3) | ext);
      fault(TS, (sel & ~3) | ext);
    }
  }
}

/** Task gate in the IDT (or a CALL/JMP through a task gate): switch to its TSS. */
export function taskSwitchThroughGate(cpu: Cpu, tssSel: number, errorCode: number, retEip: number, ext: number): void {
  taskSwitch(cpu, tssSel, 'int', errorCode, retEip, ext);
}

export { DS, GS, FS, SS };
