/**
 * MMX and SSE state and what every MMX/SSE instruction needs: the entry
 * checks (CPU model, CR0.EM/TS, CR4.OSFXSR: SDM vol. 3, 13.1 and 2.5; vol. 2
 * per instruction), the MMX <-> x87 aliasing, XMM access, 4/8/16-byte
 * operand transfers through scratch buffers, and MXCSR.
 *
 * MMX registers alias the x87 physical registers (SDM vol. 1, 9.5): MM(i) is
 * the 64-bit mantissa of R(i). The x87 keeps binary64 values plus exact
 * 80-bit images (docs/fpu.md); an MMX write stores the exact image (mantissa
 * = the value, sign/exponent = 0xFFFF) so an FSTP m80 / FXSAVE after it
 * shows what a real part shows, and an MMX read takes the mantissa of the
 * exact image (or of the binary64 value widened to 80 bits). Every MMX
 * instruction but EMMS sets TOP = 0 and all tags valid; EMMS empties them.
 */
import type { Cpu } from '../cpu.js';
import { CR0, CR4, MXCSR, XMM, w } from '../state/layout.js';
import { NM, UD, XM, fault } from '../exceptions.js';
import { fpuOf, W_EMPTY, W_SW, W_TOP, W_X80V } from '../fpu/state.js';
import { E80, ES, to80 } from '../fpu/num.js';
import { CR4_OSFXSR, CR4_OSXMMEXCPT } from '../cpu-model.js';
import { ea } from '../interp/operands.js';
import type { Rec } from '../records.js';

const W_CR0 = w(CR0), W_CR4 = w(CR4), W_MXCSR = w(MXCSR);
const CR0_EM = 0x4, CR0_TS = 0x8;


/** MXCSR bits (SDM vol. 1, 10.2.3). */
export const MX_IE = 0x1, MX_DE = 0x2, MX_ZE = 0x4, MX_OE = 0x8, MX_UE = 0x10, MX_PE = 0x20;
export const MX_DAZ = 0x40, MX_MASKS = 0x1f80, MX_RC = 0x6000, MX_FZ = 0x8000;
/** Bits a Pentium 4 with DAZ lets software set (MXCSR_MASK as FXSAVE reports it). */
export const MXCSR_MASK = 0xffff;

// ---- entry checks ------------------------------------------------------------

/**
 * An instruction on XMM registers (SSE, SSE2, SSE3; SDM vol. 2, "Exceptions
 * (all operating modes)" of each): #UD when the model lacks the set (`need`,
 * a SIMD_* bit), when CR0.EM = 1 or CR4.OSFXSR = 0; then #NM when CR0.TS = 1.
 */
export function sseEnter(cpu: Cpu, need: number): void {
  const s = cpu.s;
  if ((cpu.model.simd & need) !== need || (s[W_CR0] & CR0_EM) !== 0 || (s[W_CR4] & CR4_OSFXSR) === 0) fault(UD);
  if (s[W_CR0] & CR0_TS) fault(NM);
}

/**
 * An instruction on MMX registers (MMX, and the SSE/SSE2 additions on MM
 * registers): #UD when the model lacks the set or CR0.EM = 1; #NM when
 * CR0.TS = 1; then a pending unmasked x87 exception is reported (#MF, or
 * FERR# with CR0.NE = 0), as for a waiting x87 instruction (SDM vol. 3, 13.2 / table 12-1).
 */
export function mmxEnter(cpu: Cpu, need: number): void {
  const s = cpu.s;
  if ((cpu.model.simd & need) !== need || (s[W_CR0] & CR0_EM) !== 0) fault(UD);
  if (s[W_CR0] & CR0_TS) fault(NM);
  if (s[W_SW] & ES) fpuOf(cpu).signalPending();
}

/** The x87 side of an MMX instruction (after its operands are read): TOP = 0, every tag valid. */
export function mmxTransition(cpu: Cpu): void {
  const s = cpu.s;
  s[W_TOP] = 0;
  s[W_EMPTY] = 0;
}

/**
 * EMMS: every x87 register empty (tag word 0xFFFF). TOP becomes 0 as well:
 * the host CPU's fixtures show it (test/fixtures/sse, recorded on AMD; the
 * SDM only names the tags).
 */
export function emms(cpu: Cpu): void {
  cpu.s[W_EMPTY] = 0xff;
  cpu.s[W_TOP] = 0;
}

// ---- scratch operands -----------------------------------------------------------

/** A 16-byte scratch vector with every lane view. */
export class Vec {
  readonly buf = new ArrayBuffer(16);
  readonly u8 = new Uint8Array(this.buf);
  readonly i8 = new Int8Array(this.buf);
  readonly u16 = new Uint16Array(this.buf);
  readonly i16 = new Int16Array(this.buf);
  readonly u32 = new Uint32Array(this.buf);
  readonly i32 = new Int32Array(this.buf);
  readonly f32 = new Float32Array(this.buf);
  readonly f64 = new Float64Array(this.buf);
  readonly u64 = new BigUint64Array(this.buf);
  clear(): void { this.u32.fill(0); }
}

/** Destination, source and result scratch vectors (handlers run one at a time). */
export const VA = new Vec(), VB = new Vec(), VR = new Vec();

// ---- registers -----------------------------------------------------------------

interface Views { x32: Uint32Array; fpuSt: Uint32Array; fpuX: Uint32Array; }
const views = new WeakMap<Cpu, Views>();
let lastCpu: Cpu | null = null, lastViews: Views | null = null;
function viewsOf(cpu: Cpu): Views {
  if (cpu === lastCpu) return lastViews!;
  let v = views.get(cpu);
  if (!v) {
    const f = fpuOf(cpu);
    v = { x32: new Uint32Array(cpu.phys.buffer, XMM, 32), fpuSt: f.su, fpuX: f.x };
    views.set(cpu, v);
  }
  lastCpu = cpu; lastViews = v;
  return v;
}

/** XMM(i) -> vec. */
export function getXmm(cpu: Cpu, i: number, v: Vec): void {
  const x = viewsOf(cpu).x32, o = 4 * i;
  v.u32[0] = x[o]; v.u32[1] = x[o + 1]; v.u32[2] = x[o + 2]; v.u32[3] = x[o + 3];
}
/** vec -> XMM(i). */
export function setXmm(cpu: Cpu, i: number, v: Vec): void {
  const x = viewsOf(cpu).x32, o = 4 * i;
  x[o] = v.u32[0]; x[o + 1] = v.u32[1]; x[o + 2] = v.u32[2]; x[o + 3] = v.u32[3];
}
/** The XMM registers as 32-bit words (4 per register). */
export function xmmWords(cpu: Cpu): Uint32Array { return viewsOf(cpu).x32; }

/** MM(i) -> vec words 0, 1. */
export function getMm(cpu: Cpu, i: number, v: Vec): void {
  const s = cpu.s;
  if ((s[W_X80V] >> i) & 1) {
    const x = viewsOf(cpu).fpuX;
    v.u32[0] = x[4 * i]; v.u32[1] = x[4 * i + 1];
  } else {
    to80(fpuOf(cpu).st[i]);
    v.u32[0] = E80[0]; v.u32[1] = E80[1];
  }
}
/** MM(i) = vec words 0, 1: the exact image with sign/exponent 0xFFFF (SDM vol. 1, 9.5.1). */
export function setMm(cpu: Cpu, i: number, v: Vec): void {
  setMm2(cpu, i, v.u32[0], v.u32[1]);
}
export function setMm2(cpu: Cpu, i: number, lo: number, hi: number): void {
  const f = fpuOf(cpu), x = f.x;
  f.set80P(i, lo >>> 0, hi >>> 0, 0xffff);
  // Keep the exact image even where binary64 could hold the value: the exponent
  // field must read 0xFFFF (a NaN/inf in binary64 would not say which mantissa bits).
  x[4 * i] = lo; x[4 * i + 1] = hi; x[4 * i + 2] = 0xffff;
  cpu.s[W_X80V] |= 1 << i;
}

// ---- memory ------------------------------------------------------------------------

/** #GP(0) unless 16-byte aligned (legacy SSE m128 operands, SDM vol. 1, 11.6.7). */
export function checkAlign16(lin: number): void {
  if (lin & 15) fault(13, 0);
}

/** Read `n` (4, 8, 16) bytes at lin into vec (the other words are left alone). */
export function readVec(cpu: Cpu, lin: number, n: number, v: Vec): void {
  const m = cpu.mmu;
  if (n === 16) m.checkRead(lin, 16);
  for (let k = 0; k < n; k += 4) v.u32[k >> 2] = m.read32((lin + k) | 0);
}
/** Write `n` (4, 8, 16) bytes of vec at lin; the whole range is checked first. */
export function writeVec(cpu: Cpu, lin: number, n: number, v: Vec): void {
  const m = cpu.mmu;
  if (n > 4) m.checkWrite(lin, n);
  for (let k = 0; k < n; k += 4) m.write32((lin + k) | 0, v.u32[k >> 2]);
}

/** The record's memory operand into vec: `n` bytes, 16-byte aligned when `aligned`. */
export function readMemVec(cpu: Cpu, r: Rec, n: number, v: Vec, aligned: boolean): void {
  const lin = ea(cpu, r);
  if (aligned) checkAlign16(lin);
  readVec(cpu, lin, n, v);
}

// ---- MXCSR ------------------------------------------------------------------------

export function mxcsr(cpu: Cpu): number { return cpu.s[W_MXCSR]; }
/** LDMXCSR / FXRSTOR: reserved bits set are #GP(0). */
export function setMxcsr(cpu: Cpu, v: number): void {
  if (v & ~MXCSR_MASK) fault(13, 0);
  cpu.s[W_MXCSR] = v;
}
/**
 * Record SIMD floating-point exception flags `f` (MX_IE..MX_PE). When one is
 * unmasked: #XM with CR4.OSXMMEXCPT = 1, #UD otherwise (SDM vol. 3, 13.1.3).
 * Callers raise before writing the destination when any flag is unmasked
 * (the destination is then left unchanged, SDM vol. 1, 11.5.2).
 */
export function unmasked(cpu: Cpu, f: number): number {
  return f & ~(cpu.s[W_MXCSR] >> 7) & 0x3f;
}
export function raiseSimd(cpu: Cpu, f: number): void {
  const s = cpu.s;
  s[W_MXCSR] |= f;
  if (f & ~(s[W_MXCSR] >> 7) & 0x3f) fault((s[W_CR4] & CR4_OSXMMEXCPT) !== 0 ? XM : UD);
}
