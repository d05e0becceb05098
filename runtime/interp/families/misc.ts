/**
 * Miscellaneous instructions: CPUID (the CPU model's identity), RDTSC, XLAT,
 * ENTER/LEAVE, PUSHA(D)/POPA(D), BOUND, WAIT, and the multi-byte / reserved
 * NOPs. UD0/UD1/UD2 have no entry on purpose: a mnemonic without a `def`
 * raises #UD (runtime/interp/table.ts).
 */
import { Mnemonic } from '../../iced.js';
import type { Cpu } from '../../cpu.js';
import type { Rec } from '../../records.js';
import { OP_IMM, OP_MEM, OP_REG } from '../../records.js';
import { CR4, SS, w } from '../../state/layout.js';
import { BR, fault, raiseGP } from '../../exceptions.js';
import { fpuWait } from '../../fpu/state.js';
import { def } from '../table.js';
import { cpuidLeaf } from '../../cpu-model.js';
import { ea, getReg, readMem, sext } from '../operands.js';

// ---- CPUID ----------------------------------------------------------------

/*
 * The leaves come from the machine's CPU model (runtime/cpu-model.ts). Leaf 1
 * EDX bits this emulator implements on every model: FPU (families/fpu/), PSE
 * (runtime/mmu.ts, CR4.PSE), TSC (RDTSC, CR4.TSD), MSR (families/msr.ts), CX8,
 * SEP (SYSENTER/SYSEXIT), PGE (TLB_GLOBAL, CR4.PGE), CMOV (CMOVcc, FCMOVcc,
 * FCOMI); not VME, DE, PAE, MCE, APIC, MTRR, MCA. The pentium4 model adds
 * CLFSH, MMX, FXSR, SSE, SSE2 and SSE3 (runtime/simd/, families/simd/).
 */
function cpuid(cpu: Cpu): void {
  const [a, b, c, d] = cpuidLeaf(cpu.model, cpu.r32[0]);
  const R = cpu.r32;
  R[0] = a; R[3] = b; R[1] = c; R[2] = d;
}
def(Mnemonic.Cpuid, () => cpuid);

// ---- RDTSC ----------------------------------------------------------------

const CR4_TSD = 0x4;
function rdtsc(cpu: Cpu, r: Rec): void {
  // #GP(0) when CR4.TSD is set and CPL > 0 (protected or virtual-8086 mode).
  if ((cpu.s[w(CR4)] & CR4_TSD) !== 0 && cpu.protectedMode && (cpu.cpl !== 0 || cpu.v86)) raiseGP(0);
  // The counter is retired per block: count the instructions of this block that ran before this one.
  const t = cpu.readTsc(r.idx);
  cpu.r32[0] = Number(t & 0xffffffffn) | 0;
  cpu.r32[2] = Number((t >> 32n) & 0xffffffffn) | 0;
}
def(Mnemonic.Rdtsc, () => rdtsc);

// ---- XLAT -----------------------------------------------------------------

/** AL = [seg:(E)BX + AL]; the front end leaves the AL "index" out of the record. */
function xlat(cpu: Cpu, r: Rec): void {
  const off = cpu.r32[3] + cpu.r8[0];
  const lin = cpu.lin(r.seg, r.asz === 2 ? off & 0xffff : off | 0);
  cpu.r8[0] = cpu.mmu.read8(lin);
}
def(Mnemonic.Xlatb, (r) => (r.k0 === OP_MEM ? xlat : null));

// ---- stack frames: ENTER, LEAVE -------------------------------------------

/** Linear address of SS:(SP - down), wrapped to the stack size. */
function stackLin(cpu: Cpu, sp: number, down: number): number {
  const off = cpu.stack32 ? (sp - down) | 0 : (sp - down) & 0xffff;
  return cpu.lin(SS, off);
}

function enter(cpu: Cpu, r: Rec): void {
  const n = r.osz, alloc = r.imm & 0xffff, level = r.imm2 & 31;
  const R = cpu.r32, big = cpu.stack32;
  const sp = cpu.sp;
  if (level === 0) {
    // Push (E)BP, frame pointer = new (E)SP, reserve the locals.
    if (n === 4) cpu.push32(R[5]); else cpu.push16(cpu.r16[10]);
    const frame = cpu.sp;
    if (big) { R[5] = frame; R[4] = (frame - alloc) | 0; } else { cpu.r16[10] = frame; cpu.r16[8] = (frame - alloc) & 0xffff; }
    return;
  }
  // SDM vol. 2, ENTER, nesting level > 0: push (E)BP, copy level-1 frame pointers
  // from the enclosing frames ([(E)BP - n*i]), push the new frame pointer.
  // Every access is checked before the first write so a fault changes nothing.
  const bp = big ? R[5] : cpu.r16[10];
  const mem = cpu.mmu;
  const srcLin = (i: number) => cpu.lin(SS, big ? (bp - n * i) | 0 : (bp - n * i) & 0xffff, n);
  for (let k = 1; k <= level + 1; k++) mem.checkWrite(stackLin(cpu, sp, n * k), n);
  for (let i = 1; i < level; i++) mem.checkRead(srcLin(i), n);
  const put = (k: number, v: number) => { if (n === 4) mem.write32(stackLin(cpu, sp, n * k), v); else mem.write16(stackLin(cpu, sp, n * k), v); };
  put(1, n === 4 ? R[5] : cpu.r16[10]);
  const frame = big ? (sp - n) | 0 : (sp - n) & 0xffff;
  for (let i = 1; i < level; i++) put(1 + i, readMem(cpu, n, srcLin(i)));
  put(level + 1, frame);
  const top = big ? (sp - n * (level + 1)) | 0 : (sp - n * (level + 1)) & 0xffff;
  if (big) { R[5] = frame; R[4] = (top - alloc) | 0; } else { cpu.r16[10] = frame; cpu.r16[8] = (top - alloc) & 0xffff; }
}
def(Mnemonic.Enter, (r) => (r.k0 === OP_IMM && r.k1 === OP_IMM ? enter : null));

function leave(cpu: Cpu, r: Rec): void {
  // (E)SP = (E)BP, then pop (E)BP; the pop is read before anything is committed.
  const big = cpu.stack32;
  const bp = big ? cpu.r32[5] : cpu.r16[10];
  const lin = cpu.lin(SS, bp, r.osz);
  const v = r.osz === 4 ? cpu.mmu.read32(lin) : cpu.mmu.read16(lin);
  if (big) cpu.r32[4] = (bp + r.osz) | 0; else cpu.r16[8] = (bp + r.osz) & 0xffff;
  if (r.osz === 4) cpu.r32[5] = v; else cpu.r16[10] = v;
}
def(Mnemonic.Leave, () => leave);

// ---- PUSHA/PUSHAD, POPA/POPAD -----------------------------------------------

function pusha(cpu: Cpu, r: Rec): void {
  const n = r.osz, sp = cpu.sp, mem = cpu.mmu;
  // Check the whole store range first: a fault must leave (E)SP unchanged.
  if (cpu.stack32 || sp >= 8 * n) mem.checkWrite(stackLin(cpu, sp, 8 * n), 8 * n);
  else for (let k = 1; k <= 8; k++) mem.checkWrite(stackLin(cpu, sp, n * k), n);
  // Order: (E)AX (E)CX (E)DX (E)BX, original (E)SP, (E)BP (E)SI (E)DI.
  for (let i = 0; i < 8; i++) {
    const lin = stackLin(cpu, sp, n * (i + 1));
    if (n === 4) mem.write32(lin, i === 4 ? cpu.r32[4] : cpu.r32[i]);
    else mem.write16(lin, cpu.r16[2 * i]);
  }
  cpu.addSp(-8 * n);
}
function popa(cpu: Cpu, r: Rec): void {
  const n = r.osz, v: number[] = [];
  // Read all eight slots first; (E)SP's slot is skipped. (E)DI is on top.
  for (let i = 0; i < 8; i++) v.push(n === 4 ? cpu.peek32(n * i) : cpu.peek16(n * i));
  for (let i = 0; i < 8; i++) {
    const reg = 7 - i;
    if (reg === 4) continue;
    if (n === 4) cpu.r32[reg] = v[i]; else cpu.r16[2 * reg] = v[i];
  }
  cpu.addSp(8 * n);
}
def(Mnemonic.Pusha, (r) => { r.osz = 2; return pusha; });
def(Mnemonic.Pushad, (r) => { r.osz = 4; return pusha; });
def(Mnemonic.Popa, (r) => { r.osz = 2; return popa; });
def(Mnemonic.Popad, (r) => { r.osz = 4; return popa; });

// ---- BOUND ------------------------------------------------------------------

function bound(cpu: Cpu, r: Rec): void {
  const n = r.osz, a = ea(cpu, r);
  const lo = sext(n, readMem(cpu, n, a)), hi = sext(n, readMem(cpu, n, (a + n) | 0));
  const x = sext(n, getReg(cpu, n, r.r0));
  if (x < lo || x > hi) fault(BR);
}
// The register form (62 /r with mod = 3) does not decode: it is #UD.
def(Mnemonic.Bound, (r) => (r.k0 === OP_REG && r.k1 === OP_MEM ? bound : null));

// ---- WAIT/FWAIT, NOPs -------------------------------------------------------

// WAIT/FWAIT: #NM when CR0.MP and CR0.TS are both set, then a pending unmasked x87 exception is signalled.
def(Mnemonic.Wait, () => fpuWait);

/**
 * The hint-NOP space 0F 18-0F 1F: on a P6 every encoding there, with any
 * prefixes, executes as a NOP (SDM vol. 2, appendix A, opcode map: "NOP Ev" /
 * hint NOP; 0F 1F /0 is Mnemonic.Nop in families/mov.ts). iced names some
 * ModRM/prefix forms after what later CPUs made of them; this CPU has none of
 * those features, so each is the NOP it is on a P6 and on later CPUs with the
 * feature off: PREFETCHh (0F 18 /0-/3, SSE), PREFETCHIT0/1 (0F 18 /7, /6),
 * CLDEMOTE (0F 1C /0), RDSSPD and ENDBR32/64 (F3 0F 1E, CET). The memory
 * operand is never accessed (no #PF/#GP). A LOCK prefix makes them #UD: iced
 * decodes that as invalid. test/interp/hintnop.test.ts replays the host CPU's
 * verdict on every form (test/fixtures/hintnop/).
 */
function hintNop(): void {}
def([
  Mnemonic.Reservednop,
  Mnemonic.Prefetchnta, Mnemonic.Prefetcht0, Mnemonic.Prefetcht1, Mnemonic.Prefetcht2,
  Mnemonic.Prefetchit0, Mnemonic.Prefetchit1, Mnemonic.Cldemote,
  Mnemonic.Rdsspd, Mnemonic.Endbr32, Mnemonic.Endbr64,
], () => hintNop);
