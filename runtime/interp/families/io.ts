/**
 * Port I/O: IN/OUT (imm8 port or DX; 8/16/32 bits), INS/OUTS (with REP, either
 * address size, DF), dispatched to cpu.io (runtime/io.ts), after the
 * protection check of SDM vol. 1, 19.5: in protected mode with CPL > IOPL, or
 * in virtual-8086 mode, every port byte accessed must be clear in the TSS I/O
 * permission bitmap, else #GP(0).
 *
 * I/O instructions end the block (T_TRAP, or T_BRANCH for the string forms;
 * runtime/isa/legacy.ts)
 * so that device side effects — an interrupt raised by a write, a mode
 * change — are seen before the next instruction.
 */
import { Mnemonic } from '../../iced.js';
import type { Cpu } from '../../cpu.js';
import type { Rec } from '../../records.js';
import { OP_IMM, OP_REG, OP_STR } from '../../records.js';
import { EIP, ES, TR_BASE, TR_FLAGS, TR_LIMIT, w } from '../../state/layout.js';
import { DF, IOPL } from '../../state/eflags.js';
import { raiseGP } from '../../exceptions.js';
import { W_EFLAGS } from '../../flags.js';
import { def } from '../table.js';
import { getReg, readMem, setReg, writeMem } from '../operands.js';
import { nextEip, thisEip } from '../control.js';

const W_EIP = w(EIP);

/** TR_FLAGS holds the TSS descriptor's access bytes like SEG_FLAGS (bytes 5-6 << 8): type in bits 8-11. */
const TSS32_AVAILABLE = 9, TSS32_BUSY = 11;
/** Offset of the 16-bit I/O map base in a 32-bit TSS. */
const TSS_IOMAP_BASE = 0x66;

/** Supervisor-mode 16-bit read (TSS accesses are implicit supervisor accesses whatever the CPL). */
function systemRead16(cpu: Cpu, lin: number): number {
  const user = cpu.cpl === 3;
  if (!user) return cpu.mmu.read16(lin);
  cpu.mmu.setUser(false);
  try {
    return cpu.mmu.read16(lin);
  } finally {
    cpu.mmu.setUser(true);
  }
}

/**
 * Raise #GP(0) unless `size` bytes at `port` may be accessed: always in real
 * mode and at CPL <= IOPL; otherwise (and always in virtual-8086 mode) the
 * TSS I/O permission bitmap decides. The processor reads two bitmap bytes for
 * every access, so both must be inside the TSS limit.
 */
export function checkIoPermission(cpu: Cpu, port: number, size: number): void {
  if (!cpu.protectedMode) return;
  const s = cpu.s;
  const v86 = cpu.v86;
  if (!v86 && cpu.cpl <= ((s[W_EFLAGS] & IOPL) >>> 12)) return;
  const type = (s[w(TR_FLAGS)] >>> 8) & 0xf;
  if (type !== TSS32_AVAILABLE && type !== TSS32_BUSY) raiseGP(0); // no bitmap in a 16-bit TSS
  const base = s[w(TR_BASE)], limit = s[w(TR_LIMIT)] >>> 0;
  if (limit < TSS_IOMAP_BASE + 1) raiseGP(0);
  const mapBase = systemRead16(cpu, (base + TSS_IOMAP_BASE) | 0);
  const at = mapBase + (port >>> 3);
  if (at + 1 > limit) raiseGP(0);
  const bits = systemRead16(cpu, (base + at) | 0);
  if ((bits >>> (port & 7)) & ((1 << size) - 1)) raiseGP(0);
}

// ---- IN / OUT ---------------------------------------------------------------

function inH(cpu: Cpu, r: Rec): void {
  const n = r.osz as 1 | 2 | 4, port = r.k1 === OP_IMM ? r.imm & 0xff : cpu.r16[4];
  checkIoPermission(cpu, port, n);
  setReg(cpu, n, 0, cpu.io.read(port, n));
}
function outH(cpu: Cpu, r: Rec): void {
  const n = r.osz as 1 | 2 | 4, port = r.k0 === OP_IMM ? r.imm & 0xff : cpu.r16[4];
  checkIoPermission(cpu, port, n);
  cpu.io.write(port, n, getReg(cpu, n, 0));
}

// The data register is AL/AX/EAX: its size is the operand size (the port operand's is not).
def(Mnemonic.In, (r) => {
  if (r.k0 !== OP_REG) return null;
  r.osz = r.s0;
  return inH;
});
def(Mnemonic.Out, (r) => {
  if (r.k1 !== OP_REG) return null;
  r.osz = r.s1;
  return outH;
});

// ---- INS / OUTS -------------------------------------------------------------

/** Most iterations of a REP INS/OUTS per execution: the instruction restarts itself for the rest. */
export const REP_IO_CHUNK = 4096;

/** The string index register (7 = (E)DI, 6 = (E)SI) for the address size. */
function getIndex(cpu: Cpu, r: Rec, reg: number): number {
  return r.asz === 4 ? cpu.r32[reg] : cpu.r16[2 * reg];
}
function setIndex(cpu: Cpu, r: Rec, reg: number, v: number): void {
  if (r.asz === 4) cpu.r32[reg] = v; else cpu.r16[2 * reg] = v;
}

function ins(cpu: Cpu, r: Rec): void {
  stringIo(cpu, r, true);
}
function outs(cpu: Cpu, r: Rec): void {
  stringIo(cpu, r, false);
}

function stringIo(cpu: Cpu, r: Rec, input: boolean): void {
  const n = r.osz as 1 | 2 | 4, port = cpu.r16[4];
  const step = cpu.s[W_EFLAGS] & DF ? -n : n;
  const reg = input ? 7 : 6;
  const seg = input ? ES : r.seg; // INS always stores to ES:(E)DI; OUTS reads DS:(E)SI (overridable)
  if (!r.rep) {
    checkIoPermission(cpu, port, n);
    ioStep(cpu, r, input, port, n, seg, reg, step);
    cpu.s[W_EIP] = nextEip(cpu, r);
    return;
  }
  let count = r.asz === 4 ? cpu.r32[1] >>> 0 : cpu.r16[2];
  if (count === 0) { cpu.s[W_EIP] = nextEip(cpu, r); return; }
  checkIoPermission(cpu, port, n);
  // Each iteration commits (E)CX and the index: a fault mid-way restarts with what is left.
  for (let i = 0; i < REP_IO_CHUNK && count !== 0; i++) {
    ioStep(cpu, r, input, port, n, seg, reg, step);
    count = (count - 1) >>> 0;
    if (r.asz === 4) cpu.r32[1] = count; else cpu.r16[2] = count;
  }
  cpu.s[W_EIP] = count === 0 ? nextEip(cpu, r) : thisEip(cpu, r);
}

function ioStep(cpu: Cpu, r: Rec, input: boolean, port: number, n: 1 | 2 | 4, seg: number, reg: number, step: number): void {
  const idx = getIndex(cpu, r, reg);
  // INS writes ES:(E)DI: the write bounds (a read-only ES faults before the port is read).
  const lin = input ? cpu.lincW(seg, idx, n) : cpu.lin(seg, idx, n);
  if (input) {
    // The store is checked before the port is read, so a fault has no device side effect.
    cpu.mmu.checkWrite(lin, n);
    writeMem(cpu, n, lin, cpu.io.read(port, n));
  } else {
    cpu.io.write(port, n, readMem(cpu, n, lin));
  }
  setIndex(cpu, r, reg, idx + step);
}

function stringFactory(size: number, input: boolean) {
  return (r: Rec) => {
    if ((input ? r.k0 : r.k1) !== OP_STR) return null;
    r.osz = size;
    return input ? ins : outs;
  };
}
def(Mnemonic.Insb, stringFactory(1, true));
def(Mnemonic.Insw, stringFactory(2, true));
def(Mnemonic.Insd, stringFactory(4, true));
def(Mnemonic.Outsb, stringFactory(1, false));
def(Mnemonic.Outsw, stringFactory(2, false));
def(Mnemonic.Outsd, stringFactory(4, false));
