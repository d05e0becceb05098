/**
 * Protected-mode far control transfers (SDM vol. 2: JMP, CALL, RET, IRET;
 * vol. 3, 5.8): direct to code segments (conforming / non-conforming),
 * through call gates (with the inner-stack switch and parameter copy for
 * CALL), to TSSs and task gates (task switches), returns to the same or an
 * outer level, IRET to virtual-8086 mode and nested-task returns.
 */
import type { Cpu } from './cpu.js';
import { CS, DS, ES, FS, GS, SS, TR_BASE, w } from './state/layout.js';
import { AC, ID, IF, IOPL, NT, RF, VIF, VIP, VM } from './state/eflags.js';
import { fault, GP, NP, SS as SS_FAULT, TS } from './exceptions.js';
import { readDescriptor, setAccessed, type Descriptor } from './segments.js';
import { innerStack } from './tss.js';
import { taskSwitch } from './task.js';

const typeOf = (d: Descriptor): number => (d.hi >>> 8) & 0x1f;
const dplOf = (d: Descriptor): number => (d.hi >>> 13) & 3;
const present = (d: Descriptor): boolean => (d.hi & 0x8000) !== 0;
const isCode = (t: number): boolean => (t & 0x18) === 0x18;
const conforming = (t: number): boolean => (t & 0x1c) === 0x1c;

function loadCs(cpu: Cpu, sel: number, d: Descriptor, cpl: number, eip: number): void {
  if ((eip >>> 0) > (d.limit >>> 0)) fault(GP, 0);
  setAccessed(cpu, sel, d);
  cpu.setSegCache(CS, (sel & ~3) | cpl, d.base, d.limit, d.flags);
  cpu.setCpl(cpl);
  cpu.eip = eip;
}

/** Check a code-segment target for a direct far JMP/CALL (same privilege only). */
function checkDirectCode(cpu: Cpu, sel: number, d: Descriptor): number {
  const t = typeOf(d), cpl = cpu.cpl;
  if (conforming(t)) { if (dplOf(d) > cpl) fault(GP, sel & ~3); }
  else if ((sel & 3) > cpl || dplOf(d) !== cpl) fault(GP, sel & ~3);
  if (!present(d)) fault(NP, sel & ~3);
  return cpl;
}

function readStackPair(cpu: Cpu, osz: number, offset: number): [number, number] {
  return osz === 4 ? [cpu.peek32(offset), cpu.peek32(offset + 4) & 0xffff] : [cpu.peek16(offset), cpu.peek16(offset + 2)];
}

/** Far JMP or CALL to sel:offset in protected mode. `retEip` is the EIP after the instruction. */
export function farTransfer(cpu: Cpu, sel: number, offset: number, osz: number, call: boolean, retEip: number): void {
  sel &= 0xffff;
  if ((sel & ~3) === 0) fault(GP, 0);
  const d = readDescriptor(cpu, sel);
  const t = typeOf(d);
  if (t & 0x10) {
    if (!isCode(t)) fault(GP, sel & ~3);
    const cpl = checkDirectCode(cpu, sel, d);
    const target = osz === 2 ? offset & 0xffff : offset;
    if ((target >>> 0) > (d.limit >>> 0)) fault(GP, 0);
    if (call) {
      const sp = cpu.sp;
      const top = cpu.stack32 ? (sp - 2 * osz) | 0 : (sp - 2 * osz) & 0xffff;
      cpu.mmu.checkWrite((cpu.segBase(SS) + top) | 0, 2 * osz);
      if (osz === 4) { cpu.push32(cpu.segSel(CS)); cpu.push32(retEip); } else { cpu.push16(cpu.segSel(CS)); cpu.push16(retEip); }
    }
    loadCs(cpu, sel, d, cpl, target);
    return;
  }
  // System descriptors: call gate, task gate, TSS.
  const dpl = dplOf(d), cpl = cpu.cpl;
  if (dpl < cpl || dpl < (sel & 3)) fault(GP, sel & ~3);
  if (!present(d)) fault(NP, sel & ~3);
  if (t === 1 || t === 9) { taskSwitch(cpu, sel, call ? 'call' : 'jmp', -1, retEip, 0); return; }
  if (t === 5) { taskSwitch(cpu, d.lo >>> 16, call ? 'call' : 'jmp', -1, retEip, 0); return; }
  if (t !== 4 && t !== 0xc) fault(GP, sel & ~3);
  callGate(cpu, d, call, retEip, osz);
}

function callGate(cpu: Cpu, gate: Descriptor, call: boolean, retEip: number, _osz: number): void {
  const gate32 = typeOf(gate) === 0xc;
  const csSel = gate.lo >>> 16;
  const offset = gate32 ? ((gate.hi & 0xffff0000) | (gate.lo & 0xffff)) : gate.lo & 0xffff;
  const params = gate.hi & 0x1f;
  if ((csSel & ~3) === 0) fault(GP, 0);
  const d = readDescriptor(cpu, csSel);
  const t = typeOf(d), dpl = dplOf(d), cpl = cpu.cpl;
  if (!isCode(t) || dpl > cpl) fault(GP, csSel & ~3);
  if (!present(d)) fault(NP, csSel & ~3);
  if ((offset >>> 0) > (d.limit >>> 0)) fault(GP, 0);
  const size = gate32 ? 4 : 2;
  if (call && !conforming(t) && dpl < cpl) {
    // More privileged: new stack from the TSS, copy parameters, push the old SS:ESP and return address.
    const { ss, esp } = innerStack(cpu, dpl, 0);
    if ((ss & ~3) === 0) fault(TS, 0);
    if ((ss & 3) !== dpl) fault(TS, ss & ~3);
    const sd = readDescriptor(cpu, ss, TS);
    if (dplOf(sd) !== dpl || (typeOf(sd) & 0x1a) !== 0x12) fault(TS, ss & ~3);
    if (!present(sd)) fault(SS_FAULT, ss & ~3);
    const args: number[] = [];
    for (let i = params - 1; i >= 0; i--) args.push(size === 4 ? cpu.peek32(i * 4) : cpu.peek16(i * 2));
    // The whole ESP is saved, also from a 16-bit stack (SDM vol. 2, CALL: Push(tempESP) of the old ESP).
    const frame = [cpu.segSel(SS), cpu.r32[4], ...args, cpu.segSel(CS), retEip];
    const ss32 = (sd.flags & 0x400000) !== 0;
    const total = frame.length * size;
    const top = ss32 ? (esp - total) | 0 : (esp - total) & 0xffff;
    // The inner stack is written at the new CPL (< 3): supervisor accesses (SDM vol. 3, 4.6).
    const sys = cpu.mmu.sys;
    sys.checkWrite((sd.base + top) | 0, total);
    frame.forEach((v, i) => {
      const off = ss32 ? (esp - (i + 1) * size) | 0 : (esp - (i + 1) * size) & 0xffff;
      if (size === 4) sys.write32((sd.base + off) | 0, v); else sys.write16((sd.base + off) | 0, v);
    });
    setAccessed(cpu, ss, sd);
    cpu.setSegCache(SS, (ss & ~3) | dpl, sd.base, sd.limit, sd.flags);
    if (ss32) cpu.r32[4] = top; else cpu.r16[8] = top;
    loadCs(cpu, csSel, d, dpl, offset);
    return;
  }
  // Same privilege (JMP through a gate must not change privilege: non-conforming needs DPL == CPL).
  if (!call && !conforming(t) && dpl !== cpl) fault(GP, csSel & ~3);
  if (call) {
    const sp = cpu.sp;
    const top = cpu.stack32 ? (sp - 2 * size) | 0 : (sp - 2 * size) & 0xffff;
    cpu.mmu.checkWrite((cpu.segBase(SS) + top) | 0, 2 * size);
    if (size === 4) { cpu.push32(cpu.segSel(CS)); cpu.push32(retEip); } else { cpu.push16(cpu.segSel(CS)); cpu.push16(retEip); }
  }
  loadCs(cpu, csSel, d, cpl, offset);
}

/** After a return to an outer level, data segments the new CPL may not use become null (SDM RET). */
function nullInaccessibleSegments(cpu: Cpu): void {
  const cpl = cpu.cpl;
  for (const seg of [ES, DS, FS, GS]) {
    const f = cpu.segFlags(seg);
    const t = (f >>> 8) & 0x1f, dpl = (f >>> 13) & 3;
    if ((cpu.segSel(seg) & ~3) === 0) continue;
    if ((!isCode(t) || !conforming(t)) && dpl < cpl) cpu.setSegCache(seg, 0, 0, 0, 0);
  }
}

/** Check the CS a RET/IRET returns to; returns its descriptor. */
function checkReturnCs(cpu: Cpu, sel: number): Descriptor {
  if ((sel & ~3) === 0) fault(GP, 0);
  const d = readDescriptor(cpu, sel);
  const t = typeOf(d), rpl = sel & 3;
  if (!isCode(t) || rpl < cpu.cpl) fault(GP, sel & ~3);
  if (conforming(t) ? dplOf(d) > rpl : dplOf(d) !== rpl) fault(GP, sel & ~3);
  if (!present(d)) fault(NP, sel & ~3);
  return d;
}

function checkReturnSs(cpu: Cpu, ss: number, rpl: number): Descriptor {
  if ((ss & ~3) === 0) fault(GP, 0);
  const sd = readDescriptor(cpu, ss);
  if ((ss & 3) !== rpl || dplOf(sd) !== rpl || (typeOf(sd) & 0x1a) !== 0x12) fault(GP, ss & ~3);
  if (!present(sd)) fault(SS_FAULT, ss & ~3);
  return sd;
}

/** Far RET (imm16 bytes of parameters) in protected mode. */
export function farReturn(cpu: Cpu, osz: number, imm: number): void {
  const [eip, csSel] = readStackPair(cpu, osz, 0);
  const d = checkReturnCs(cpu, csSel);
  const rpl = csSel & 3;
  const target = osz === 2 ? eip & 0xffff : eip;
  if ((target >>> 0) > (d.limit >>> 0)) fault(GP, 0);
  if (rpl === cpu.cpl) {
    loadCs(cpu, csSel, d, rpl, target);
    cpu.addSp(2 * osz + imm);
    return;
  }
  const [esp, ss] = readStackPair(cpu, osz, 2 * osz + imm);
  const sd = checkReturnSs(cpu, ss, rpl);
  loadCs(cpu, csSel, d, rpl, target);
  setAccessed(cpu, ss, sd);
  cpu.setSegCache(SS, ss, sd.base, sd.limit, sd.flags);
  if (cpu.stack32) cpu.r32[4] = (esp + imm) | 0; else cpu.r16[8] = (esp + imm) & 0xffff;
  nullInaccessibleSegments(cpu);
}

/** The EFLAGS bits an IRET/POPF at privilege `cpl` may change (SDM IRET). */
export function iretFlagMask(cpu: Cpu, cpl: number, osz: number): number {
  let m = 0x0dd5 | 0x100 | NT | RF | AC | ID; // status, TF, DF, NT, RF, AC, ID
  const iopl = (cpu.getEflags() & IOPL) >>> 12;
  if (cpl <= iopl) m |= IF;
  if (cpl === 0) m |= IOPL | VIF | VIP;
  return osz === 2 ? m & 0xffff : m;
}

/** IRET/IRETD in protected mode (including from and to virtual-8086 mode, and nested-task returns). */
export function iretProtected(cpu: Cpu, osz: number, retEip: number): void {
  const flags = cpu.getEflags();
  if (flags & VM) {
    // In virtual-8086 mode IRET works like real mode when IOPL = 3, else #GP(0).
    if ((flags & IOPL) !== IOPL) fault(GP, 0);
    const [eip, cs] = readStackPair(cpu, osz, 0);
    const fl = osz === 4 ? cpu.peek32(8) : cpu.peek16(4);
    cpu.addSp(3 * osz);
    cpu.setSegReal(CS, cs);
    cpu.eip = osz === 2 ? eip & 0xffff : eip;
    cpu.setEflags(fl, osz === 4 ? (0x3f7fd5 & ~(IOPL | VM | VIP | VIF)) : (0xffff & ~IOPL));
    return;
  }
  if (flags & NT) {
    const link = cpu.mmu.sys.read16(cpu.s[w(TR_BASE)]); // TSS read: a supervisor access
    taskSwitch(cpu, link, 'iret', -1, retEip, 0);
    return;
  }
  const [eip, csSel] = readStackPair(cpu, osz, 0);
  const newFlags = osz === 4 ? cpu.peek32(8) : cpu.peek16(4);
  if (osz === 4 && (newFlags & VM) !== 0 && cpu.cpl === 0) {
    // Return to virtual-8086 mode: the frame also holds ESP, SS, ES, DS, FS, GS.
    const vals = [12, 16, 20, 24, 28, 32].map((o) => cpu.peek32(o));
    cpu.setEflags(newFlags, 0x3f7fd5);
    cpu.setSegReal(CS, csSel);
    cpu.eip = eip & 0xffff;
    cpu.setSegReal(SS, vals[1]);
    cpu.setSegReal(ES, vals[2]);
    cpu.setSegReal(DS, vals[3]);
    cpu.setSegReal(FS, vals[4]);
    cpu.setSegReal(GS, vals[5]);
    cpu.r32[4] = vals[0];
    cpu.setCpl(3);
    return;
  }
  const d = checkReturnCs(cpu, csSel);
  const rpl = csSel & 3;
  const target = osz === 2 ? eip & 0xffff : eip;
  if ((target >>> 0) > (d.limit >>> 0)) fault(GP, 0);
  const mask = iretFlagMask(cpu, cpu.cpl, osz);
  if (rpl === cpu.cpl) {
    loadCs(cpu, csSel, d, rpl, target);
    cpu.addSp(3 * osz);
    cpu.setEflags(newFlags, mask);
    return;
  }
  const [esp, ss] = readStackPair(cpu, osz, 3 * osz);
  const sd = checkReturnSs(cpu, ss, rpl);
  loadCs(cpu, csSel, d, rpl, target);
  cpu.setEflags(newFlags, mask);
  setAccessed(cpu, ss, sd);
  cpu.setSegCache(SS, ss, sd.base, sd.limit, sd.flags);
  // A 16-bit stack segment gets only SP; ESP[31:16] keep the value they had at the
  // IRET (the inner level's), as on hardware: the leak Linux's espfix works around.
  if ((sd.flags & 0x400000) !== 0) cpu.r32[4] = esp; else cpu.r16[8] = esp;
  nullInaccessibleSegments(cpu);
}
