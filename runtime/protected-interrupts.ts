/**
 * Protected-mode interrupt and exception delivery through the IDT
 * (SDM vol. 3, 6.10-6.14): interrupt/trap gates with and without a
 * privilege change (inner stack from the TSS), from virtual-8086 mode, and
 * the checks with their error codes. Task gates go through a task switch.
 */
import type { Cpu } from './cpu.js';
import { CS, DS, ES, FS, GS, IDTR_BASE, IDTR_LIMIT, SS, w } from './state/layout.js';
import { IF, NT, RF, TF, VM } from './state/eflags.js';
import { fault, GP, NP, SS as SS_FAULT, TS } from './exceptions.js';
import { readDescriptor, setAccessed } from './segments.js';
import { innerStack } from './tss.js';
import { taskSwitchThroughGate } from './task.js';

/**
 * Deliver `vector`. `errorCode` < 0 means none. `software` is INT n / INT3 /
 * INTO (the gate's DPL is checked against CPL; EXT = 0); `external` marks
 * hardware interrupts and exceptions (EXT = 1 in error codes).
 */
export function deliverProtected(cpu: Cpu, vector: number, errorCode: number, retEip: number, software: boolean): void {
  const s = cpu.s;
  const ext = software ? 0 : 1;
  const idtErr = (vector << 3) | 2 | ext;
  if ((vector << 3) + 7 > (s[w(IDTR_LIMIT)] >>> 0)) fault(GP, idtErr);
  const gateAddr = (s[w(IDTR_BASE)] + (vector << 3)) | 0;
  // IDT reads are supervisor accesses whatever the CPL (SDM vol. 3, 4.6).
  const lo = cpu.mmu.sys.read32(gateAddr), hi = cpu.mmu.sys.read32((gateAddr + 4) | 0);
  const type = (hi >>> 8) & 0x1f, gateDpl = (hi >>> 13) & 3;
  const cpl = cpu.cpl;
  if (type !== 5 && type !== 6 && type !== 7 && type !== 0xe && type !== 0xf) fault(GP, idtErr);
  if (software && gateDpl < cpl) fault(GP, idtErr);
  if ((hi & 0x8000) === 0) fault(NP, idtErr);
  if (type === 5) {
    taskSwitchThroughGate(cpu, lo >>> 16, errorCode, retEip, ext);
    return;
  }
  const gate32 = (type & 8) !== 0;
  const trapGate = (type & 1) !== 0;
  const sel = lo >>> 16;
  const offset = gate32 ? ((hi & 0xffff0000) | (lo & 0xffff)) : lo & 0xffff;

  if ((sel & ~3) === 0) fault(GP, ext);
  const d = readDescriptor(cpu, sel, GP);
  const dtype = (d.hi >>> 8) & 0x1f, dpl = (d.hi >>> 13) & 3;
  if ((dtype & 0x18) !== 0x18 || dpl > cpl) fault(GP, (sel & ~3) | ext);
  if ((d.hi & 0x8000) === 0) fault(NP, (sel & ~3) | ext);
  const conforming = (dtype & 4) !== 0;
  if ((offset >>> 0) > d.limit >>> 0) fault(GP, 0);
  const eflags = cpu.getEflags();
  const fromV86 = (eflags & VM) !== 0;
  const push = gate32 ? 4 : 2;

  if (!conforming && dpl < cpl) {
    // Inter-privilege: switch to the inner stack from the TSS.
    if (fromV86 && dpl !== 0) fault(GP, (sel & ~3) | ext);
    const { ss: newSs, esp: newEsp } = innerStack(cpu, dpl, ext);
    if ((newSs & ~3) === 0) fault(TS, ext);
    if ((newSs & 3) !== dpl) fault(TS, (newSs & ~3) | ext);
    const sd = readDescriptor(cpu, newSs, TS);
    const stype = (sd.hi >>> 8) & 0x1f;
    if (((sd.hi >>> 13) & 3) !== dpl || (stype & 0x1a) !== 0x12) fault(TS, (newSs & ~3) | ext);
    if ((sd.hi & 0x8000) === 0) fault(SS_FAULT, (newSs & ~3) | ext);
    const ss32 = (sd.flags & 0x400000) !== 0;
    const frame: number[] = [];
    if (fromV86) frame.push(cpu.segSel(GS), cpu.segSel(FS), cpu.segSel(DS), cpu.segSel(ES));
    // The whole ESP is saved, also from a 16-bit stack (SDM vol. 2, INT n: Push(tempESP));
    // IRET to a 16-bit stack loads only SP back (see iretProtected).
    frame.push(cpu.segSel(SS), cpu.r32[4], eflags, cpu.segSel(CS), retEip);
    if (errorCode >= 0) frame.push(errorCode);
    // Write the whole frame before changing any state (a fault here is delivered on the old state).
    let sp = ss32 ? newEsp : newEsp & 0xffff;
    const total = frame.length * push;
    const top = ss32 ? (sp - total) | 0 : (sp - total) & 0xffff;
    const lin = (i: number) => (sd.base + (ss32 ? (sp - (i + 1) * push) | 0 : (sp - (i + 1) * push) & 0xffff)) | 0;
    // The frame goes on the inner stack at the new CPL (< 3): supervisor accesses.
    const sys = cpu.mmu.sys;
    sys.checkWrite((sd.base + top) | 0, total);
    for (let i = 0; i < frame.length; i++) {
      if (push === 4) sys.write32(lin(i), frame[i]); else sys.write16(lin(i), frame[i]);
    }
    sp = top;
    setAccessed(cpu, newSs, sd);
    if (fromV86) {
      for (const seg of [ES, DS, FS, GS]) cpu.setSegCache(seg, 0, 0, 0, 0);
    }
    cpu.setEflags(0, VM);
    cpu.setCpl(dpl);
    cpu.setSegCache(SS, (newSs & ~3) | dpl, sd.base, sd.limit, sd.flags);
    if (ss32) cpu.r32[4] = sp; else cpu.r16[8] = sp;
  } else if (conforming || dpl === cpl) {
    if (fromV86) fault(GP, (sel & ~3) | ext);
    const vals = [eflags, cpu.segSel(CS), retEip];
    if (errorCode >= 0) vals.push(errorCode);
    const total = vals.length * push;
    const ss32 = cpu.stack32;
    const sp = cpu.sp;
    const top = ss32 ? (sp - total) | 0 : (sp - total) & 0xffff;
    cpu.mmu.checkWrite((cpu.segBase(SS) + top) | 0, total);
    for (const v of vals) { if (push === 4) cpu.push32(v); else cpu.push16(v); }
  } else {
    fault(GP, (sel & ~3) | ext);
  }
  const newCpl = conforming ? cpl : dpl;
  setAccessed(cpu, sel, d);
  cpu.setSegCache(CS, (sel & ~3) | newCpl, d.base, d.limit, d.flags);
  cpu.setCpl(newCpl);
  cpu.eip = offset;
  cpu.setEflags(0, TF | NT | RF | VM | (trapGate ? 0 : IF));
}
