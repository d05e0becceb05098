/**
 * Far control transfers and software interrupts: far JMP/CALL (ptr16:16/32 and
 * m16:16/32), far RET, INT n / INT3 / INTO / INT1, IRET/IRETD.
 *
 * Real mode (and virtual-8086 mode for JMP/CALL/RET): CS = selector, base =
 * selector << 4, with the real-mode IRET flag rules. Protected mode goes to
 * runtime/far-transfer.ts (code segments, call gates, task switches,
 * privilege changes, IRET forms). INT n delivers through
 * runtime/interrupts.ts in every mode; what nothing handles stops the run
 * (cpu.pendingStop).
 */
import { Code, Mnemonic } from '../../iced.js';
import type { Cpu } from '../../cpu.js';
import type { Rec } from '../../records.js';
import { OP_FAR, OP_IMM, OP_MEM } from '../../records.js';
import { CS, EIP, SS, w } from '../../state/layout.js';
import { IOPL } from '../../state/eflags.js';
import { raiseGP } from '../../exceptions.js';
import { farReturn, farTransfer, iretProtected } from '../../far-transfer.js';
import { deliver } from '../../interrupts.js';
import { getOF } from '../../flags.js';
import { def } from '../table.js';
import { ea, readMem } from '../operands.js';
import { nearTarget, nextEip, thisEip } from '../control.js';

const W_EIP = w(EIP);

/** Far JMP/CALL encodings, with their operand size (m16:16 records otherwise get osz 4 from the memory size). */
const FAR_OSZ = new Map<number, number>([
  [Code.Jmp_ptr1616, 2], [Code.Jmp_ptr1632, 4], [Code.Jmp_m1616, 2], [Code.Jmp_m1632, 4],
  [Code.Call_ptr1616, 2], [Code.Call_ptr1632, 4], [Code.Call_m1616, 2], [Code.Call_m1632, 4],
]);

/** Is this JMP/CALL record a far form? (families/branch.ts hands those to us.) */
export function isFar(r: Rec): boolean { return FAR_OSZ.has(r.code); }

/** Real-address mode, or virtual-8086 (segments load as selector << 4). */
function realLike(cpu: Cpu): boolean { return !cpu.protectedMode || cpu.v86; }

/** Linear address of SS:(SP - down), wrapped to the stack size. */
function stackLin(cpu: Cpu, sp: number, down: number): number {
  return cpu.lin(SS, cpu.stack32 ? (sp - down) | 0 : (sp - down) & 0xffff);
}

/** Push CS then the return offset (operand size n), checking both slots before writing. */
function pushReturn(cpu: Cpu, n: number, sel: number, ret: number): void {
  const sp = cpu.sp, mem = cpu.mmu;
  const a1 = stackLin(cpu, sp, n), a2 = stackLin(cpu, sp, 2 * n);
  mem.checkWrite(a1, n);
  mem.checkWrite(a2, n);
  // A 32-bit far CALL pushes CS zero-extended to 32 bits.
  if (n === 4) { mem.write32(a1, sel & 0xffff); mem.write32(a2, ret); } else { mem.write16(a1, sel); mem.write16(a2, ret); }
  cpu.addSp(-2 * n);
}

/** Selector and offset of a far JMP/CALL target (offset wrapped to the operand size). */
function target(cpu: Cpu, r: Rec): [number, number] {
  if (r.k0 === OP_FAR) return [r.imm2 & 0xffff, r.osz === 2 ? r.imm & 0xffff : r.imm | 0];
  const a = ea(cpu, r);
  const off = readMem(cpu, r.osz, a);
  const sel = readMem(cpu, 2, (a + r.osz) | 0);
  return [sel & 0xffff, off];
}

// ---- far JMP / CALL ---------------------------------------------------------

function jmpFar(cpu: Cpu, r: Rec): void {
  const [sel, off] = target(cpu, r);
  if (realLike(cpu)) {
    const t = nearTarget(cpu, off, r.osz); // #GP(0) beyond the CS limit
    cpu.setSegReal(CS, sel);
    cpu.s[W_EIP] = t;
    return;
  }
  farTransfer(cpu, sel, off, r.osz, false, nextEip(cpu, r));
}

function callFar(cpu: Cpu, r: Rec): void {
  const [sel, off] = target(cpu, r);
  const n = r.osz, ret = nextEip(cpu, r), cs = cpu.segSel(CS);
  if (realLike(cpu)) {
    const t = nearTarget(cpu, off, n);
    pushReturn(cpu, n, cs, ret);
    cpu.setSegReal(CS, sel);
    cpu.s[W_EIP] = t;
    return;
  }
  farTransfer(cpu, sel, off, n, true, ret);
}

export function farJmpFactory(r: Rec) {
  const n = FAR_OSZ.get(r.code);
  if (n === undefined || (r.k0 !== OP_FAR && r.k0 !== OP_MEM)) return null;
  r.osz = n;
  return jmpFar;
}
export function farCallFactory(r: Rec) {
  const n = FAR_OSZ.get(r.code);
  if (n === undefined || (r.k0 !== OP_FAR && r.k0 !== OP_MEM)) return null;
  r.osz = n;
  return callFar;
}

// ---- far RET ----------------------------------------------------------------

function retFar(cpu: Cpu, r: Rec): void {
  const n = r.osz, extra = r.k0 === OP_IMM ? r.imm & 0xffff : 0;
  if (realLike(cpu)) {
    // Read the return address first: nothing changes before every check passed.
    const off = n === 4 ? cpu.peek32(0) : cpu.peek16(0);
    const sel = (n === 4 ? cpu.peek32(4) : cpu.peek16(2)) & 0xffff;
    const t = nearTarget(cpu, off, n);
    cpu.setSegReal(CS, sel);
    cpu.s[W_EIP] = t;
    cpu.addSp(2 * n + extra);
    return;
  }
  farReturn(cpu, n, extra);
}
def(Mnemonic.Retf, () => retFar);

// ---- INT n, INT3, INTO, INT1 -----------------------------------------------

/** Deliver a software interrupt returning to the next instruction; stop the run if nothing handles it. */
function softInt(cpu: Cpu, r: Rec, vector: number, software: boolean): void {
  const next = nextEip(cpu, r);
  cpu.s[W_EIP] = next;
  // A fault while delivering (bad gate, stack) returns to the INT instruction itself.
  const u = deliver(cpu, vector, -1, next, software, thisEip(cpu, r));
  if (u) {
    cpu.pendingStop = u; // INT is a block terminator: the loop stops after this block
  }
}

function intN(cpu: Cpu, r: Rec): void {
  // Virtual-8086 mode without VME: INT n is IOPL-sensitive (#GP(0) unless IOPL = 3).
  if (cpu.v86 && (cpu.getEflags() & IOPL) !== IOPL) raiseGP(0);
  softInt(cpu, r, r.imm & 0xff, true);
}
function int3(cpu: Cpu, r: Rec): void { softInt(cpu, r, 3, true); }
function into(cpu: Cpu, r: Rec): void {
  if (getOF(cpu.s)) softInt(cpu, r, 4, true);
  else cpu.s[W_EIP] = nextEip(cpu, r);
}
/** INT1 / ICEBP (F1): a #DB trap without the gate-DPL check of INT n. */
function int1(cpu: Cpu, r: Rec): void { softInt(cpu, r, 1, false); }

def(Mnemonic.Int, () => intN);
def(Mnemonic.Int3, () => int3);
def(Mnemonic.Into, () => into);
def(Mnemonic.Int1, () => int1);

// ---- IRET / IRETD -----------------------------------------------------------

/** EFLAGS bits a real-mode IRETD loads (SDM vol. 2, IRET: tempEFLAGS AND 257FD5H); VM, VIF, VIP are kept. */
const IRETD_REAL_MASK = 0x257fd5;
/** IRET (16-bit) loads FLAGS[15:0] except the reserved bits 1, 3, 5, 15. */
const IRET_REAL_MASK = 0x7fd5;

function iret(cpu: Cpu, r: Rec): void {
  const n = r.osz;
  if (cpu.protectedMode) { iretProtected(cpu, n, nextEip(cpu, r)); return; }
  const ip = n === 4 ? cpu.peek32(0) : cpu.peek16(0);
  const cs = (n === 4 ? cpu.peek32(4) : cpu.peek16(2)) & 0xffff;
  const fl = n === 4 ? cpu.peek32(8) : cpu.peek16(4);
  const t = nearTarget(cpu, ip, n); // #GP(0) beyond the CS limit (64 KiB)
  cpu.setSegReal(CS, cs);
  cpu.s[W_EIP] = t;
  cpu.setEflags(fl, n === 4 ? IRETD_REAL_MASK : IRET_REAL_MASK);
  cpu.addSp(3 * n);
}
// Operand size (IRET 2, IRETD 4) and T_BRANCH: runtime/isa/legacy.ts.
def([Mnemonic.Iret, Mnemonic.Iretd], () => iret);
