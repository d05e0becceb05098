/**
 * The x87 register file in the shared state block (layout.ts, FPU_*), and
 * what every x87 instruction needs: the register stack, tags, exceptions,
 * the instruction/data pointers, and the environment / save-area formats.
 *
 * Layout (all in the shared WebAssembly.Memory, so generated code can use it):
 *
 *   FPU_ST    8 x f64   physical registers R0..R7; ST(i) is R[(TOP + i) & 7]
 *   FPU_CW    i32       control word, bits 0-5 8-12 (reserved bits 0; bit 6 reads as 1)
 *   FPU_SW    i32       status word except TOP (bits 13..11 kept 0): IE DE ZE OE UE PE SF ES C0 C1 C2 C3 B
 *   FPU_TOP   i32       TOP (0..7)
 *   FPU_EMPTY i32       bit i: R(i) is empty. The other tags (valid/zero/special) are not
 *                       stored: they are computed from the value, as P6 and later do
 *                       (FRSTOR/FLDENV keep only "empty or not").
 *   FPU_FIP FPU_FCS FPU_FDP FPU_FDS FPU_FOP   last non-control instruction's pointers
 *   FPU_X80V  i32       bit i: FPU_X80 entry i holds the exact 80-bit value of R(i)
 *   FPU_X80   8 x 16 B  80-bit images (mantissa lo, mantissa hi, sign|exponent, 0) as u32
 *
 * A register's value is its f64 when its FPU_X80V bit is clear (the f64 is
 * then exactly the value), else its 80-bit image (the f64 is only the
 * nearest binary64, for quick tests). Every result binary64 cannot hold
 * exactly — loads of wider formats, and arithmetic results with more than 53
 * significant bits or outside the binary64 range — is stored as an image
 * (set80P); moves, FCHS/FABS and save/restore carry it. docs/fpu.md.
 *
 * Zero bytes are the power-on state (SDM vol. 3, table 9-1): CW 0x0040, SW 0,
 * tags 0x5555 (eight +0.0 registers, "zero"), pointers 0.
 */
import type { Cpu } from '../cpu.js';
import {
  CR0, FPU_CW, FPU_EMPTY, FPU_FCS, FPU_FDP, FPU_FDS, FPU_FIP, FPU_FOP, FPU_ST, FPU_SW, FPU_TOP, FPU_X80, FPU_X80V, w,
} from '../state/layout.js';
import { MF, NM, fault } from '../exceptions.js';
import {
  BUSY, C1, E80, ES, EXC, IE, INDEFINITE, K_INF, K_NAN, K_NORMAL, K_ZERO, SF,
  exactIn64, from80, kind80, to80,
} from './num.js';

export const W_CW = w(FPU_CW), W_SW = w(FPU_SW), W_TOP = w(FPU_TOP), W_EMPTY = w(FPU_EMPTY);
export const W_FIP = w(FPU_FIP), W_FCS = w(FPU_FCS), W_FDP = w(FPU_FDP), W_FDS = w(FPU_FDS), W_FOP = w(FPU_FOP);
export const W_X80V = w(FPU_X80V);
const W_CR0 = w(CR0);
export const CR0_MP = 0x2, CR0_EM = 0x4, CR0_TS = 0x8, CR0_NE = 0x20;

/** Control-word bits that exist (the rest read as 0, bit 6 as 1). */
export const CW_BITS = 0x1f3f;
export const CW_INIT = 0x037f;

/** Tag values. */
export const TAG_VALID = 0, TAG_ZERO = 1, TAG_SPECIAL = 2, TAG_EMPTY = 3;

export class Fpu {
  /** Physical registers R0..R7 as f64, and the same bytes as 32-bit words. */
  readonly st: Float64Array;
  readonly su: Uint32Array;
  /** Exact 80-bit images, 4 words per register. */
  readonly x: Uint32Array;
  readonly s: Int32Array;
  /**
   * FERR# output for CR0.NE = 0 ("MS-DOS compatible" error reporting): called
   * with true when a waiting x87 instruction finds an unmasked exception
   * pending (a PC routes this to IRQ 13), and with false when the exception
   * flags are cleared (FNINIT, FNCLEX, FLDCW/FLDENV/FRSTOR/FXRSTOR).
   */
  onFerr: ((asserted: boolean) => void) | null = null;
  private ferr = false;
  /** FERR# as last signalled (snapshots save it: the FPU's only state outside the state block). */
  get ferrAsserted(): boolean { return this.ferr; }
  /** Restore FERR# from a snapshot without signalling (the PIC's IRQ13 level is restored with the PIC). */
  restoreFerr(asserted: boolean): void { this.ferr = asserted; }

  constructor(readonly cpu: Cpu) {
    const buf = cpu.phys.buffer;
    this.st = new Float64Array(buf, FPU_ST, 8);
    this.su = new Uint32Array(buf, FPU_ST, 16);
    this.x = new Uint32Array(buf, FPU_X80, 32);
    this.s = cpu.s;
  }

  // ---- registers ---------------------------------------------------------

  get top(): number { return this.s[W_TOP]; }
  set top(t: number) { this.s[W_TOP] = t & 7; }
  /** Physical register number of ST(i). */
  ph(i: number): number { return (this.s[W_TOP] + i) & 7; }
  isEmpty(i: number): boolean { return ((this.s[W_EMPTY] >> ((this.s[W_TOP] + i) & 7)) & 1) !== 0; }
  get(i: number): number { return this.st[(this.s[W_TOP] + i) & 7]; }
  /** ST(i) = v (a value computed in binary64: the exact image is dropped). */
  set(i: number, v: number): void { this.setP((this.s[W_TOP] + i) & 7, v); }
  setP(p: number, v: number): void {
    this.st[p] = v;
    const m = ~(1 << p);
    this.s[W_EMPTY] &= m;
    this.s[W_X80V] &= m;
  }
  /** R(p) = an 80-bit value (exact image kept when binary64 cannot hold it). */
  set80P(p: number, lo: number, hi: number, se: number): void {
    this.st[p] = from80(lo, hi, se);
    this.s[W_EMPTY] &= ~(1 << p);
    if (exactIn64(lo, hi, se)) { this.s[W_X80V] &= ~(1 << p); return; }
    this.x[4 * p] = lo; this.x[4 * p + 1] = hi; this.x[4 * p + 2] = se;
    this.s[W_X80V] |= 1 << p;
  }
  /** Register-to-register move of bits and exact image (NaN payloads stay intact). */
  copyP(dst: number, src: number): void {
    const su = this.su, s = this.s;
    su[2 * dst] = su[2 * src]; su[2 * dst + 1] = su[2 * src + 1];
    s[W_EMPTY] &= ~(1 << dst);
    if ((s[W_X80V] >> src) & 1) {
      const x = this.x;
      x[4 * dst] = x[4 * src]; x[4 * dst + 1] = x[4 * src + 1]; x[4 * dst + 2] = x[4 * src + 2];
      s[W_X80V] |= 1 << dst;
    } else s[W_X80V] &= ~(1 << dst);
  }
  /** Flip / clear the sign of R(p) in place (FCHS / FABS), keeping the exact image. */
  signP(p: number, op: 'chs' | 'abs'): void {
    const su = this.su;
    su[2 * p + 1] = op === 'chs' ? su[2 * p + 1] ^ 0x80000000 : su[2 * p + 1] & 0x7fffffff;
    if ((this.s[W_X80V] >> p) & 1) this.x[4 * p + 2] = op === 'chs' ? this.x[4 * p + 2] ^ 0x8000 : this.x[4 * p + 2] & 0x7fff;
  }
  hasExact(p: number): boolean { return ((this.s[W_X80V] >> p) & 1) !== 0; }
  /** The 80-bit image of R(p) into E80 (exact image, or the f64 widened). */
  image80(p: number): void {
    if (this.hasExact(p)) { E80[0] = this.x[4 * p]; E80[1] = this.x[4 * p + 1]; E80[2] = this.x[4 * p + 2]; return; }
    to80(this.st[p]);
  }
  /** Kind (num.ts K_*) of R(p), from the exact image when there is one. */
  kindP(p: number): number {
    if (this.hasExact(p)) return kind80(this.x[4 * p], this.x[4 * p + 1], this.x[4 * p + 2]);
    const v = this.st[p];
    if (v === 0) return K_ZERO;
    if (v !== v) return K_NAN;
    if (!isFinite(v)) return K_INF;
    return K_NORMAL; // binary64 subnormals are normal in the extended format
  }
  tagP(p: number): number {
    if ((this.s[W_EMPTY] >> p) & 1) return TAG_EMPTY;
    const k = this.kindP(p);
    return k === K_ZERO ? TAG_ZERO : k === K_NORMAL ? TAG_VALID : TAG_SPECIAL;
  }

  /** Push v. A full slot is stack overflow (IE, SF, C1 = 1): masked, the indefinite is pushed. Returns false if nothing was pushed. */
  push(v: number): boolean {
    const s = this.s, p = (s[W_TOP] - 1) & 7;
    if (((s[W_EMPTY] >> p) & 1) === 0) {
      this.setCC(C1, C1);
      if (this.exc(IE | SF) & IE) return false;
      v = INDEFINITE;
    }
    s[W_TOP] = p;
    this.setP(p, v);
    return true;
  }
  /** Check that ST(-1) is free before a push of a value not yet computed; handles the overflow. */
  pushRoom(): boolean {
    const s = this.s, p = (s[W_TOP] - 1) & 7;
    if (((s[W_EMPTY] >> p) & 1) === 0) {
      this.setCC(C1, C1);
      if (this.exc(IE | SF) & IE) return false;
      s[W_TOP] = p;
      this.setP(p, INDEFINITE);
      return false;
    }
    return true;
  }
  /** Push of an 80-bit image (FLD m80, FBLD, FILD m64) after pushRoom(). */
  push80(lo: number, hi: number, se: number): void {
    const s = this.s, p = (s[W_TOP] - 1) & 7;
    s[W_TOP] = p;
    this.set80P(p, lo, hi, se);
  }
  pop(): void {
    const s = this.s, t = s[W_TOP];
    s[W_EMPTY] |= 1 << t;
    s[W_TOP] = (t + 1) & 7;
  }
  /**
   * Stack underflow (a source register is empty): IE, SF, C1 = 0. Returns true
   * when the exception is masked (the caller then writes the indefinite).
   */
  underflow(): boolean {
    this.setCC(C1, 0);
    return (this.exc(IE | SF) & IE) === 0;
  }

  // ---- status and control ------------------------------------------------

  get cw(): number { return this.s[W_CW]; }
  controlWord(): number { return (this.s[W_CW] & CW_BITS) | 0x40; }
  setControlWord(v: number): void {
    this.s[W_CW] = v & CW_BITS;
    this.updateES();
  }
  statusWord(): number { return (this.s[W_SW] & 0xc7ff) | ((this.s[W_TOP] & 7) << 11); }
  setStatusWord(v: number): void {
    this.s[W_TOP] = (v >> 11) & 7;
    this.s[W_SW] = v & 0x47ff & ~(ES | BUSY);
    this.updateES();
  }
  /** Replace the condition-code bits in `mask` with `bits`. */
  setCC(mask: number, bits: number): void { this.s[W_SW] = (this.s[W_SW] & ~mask) | bits; }
  /** ES and B follow the unmasked exception flags (P6 recomputes them on FLDCW / FLDENV / FRSTOR). */
  updateES(): void {
    const s = this.s;
    const un = s[W_SW] & ~s[W_CW] & EXC;
    s[W_SW] = un ? s[W_SW] | ES | BUSY : s[W_SW] & ~(ES | BUSY);
    if (!un && this.ferr) { this.ferr = false; this.onFerr?.(false); }
  }
  /**
   * Record exception flags (IE..PE, SF; other bits of `f` are ignored). An
   * unmasked one sets ES and B: it is reported at the next waiting
   * instruction. Returns the unmasked bits: an unmasked IE, DE or ZE means
   * the instruction must leave its destination (and the stack) unchanged.
   */
  exc(f: number): number {
    f &= EXC | SF;
    if (f === 0) return 0;
    const s = this.s;
    const un = f & ~s[W_CW] & EXC;
    s[W_SW] |= un ? f | ES | BUSY : f;
    return un;
  }
  /** FNINIT's state (SDM vol. 1, 8.1: CW 037F, SW 0, all empty, pointers 0). */
  init(): void {
    const s = this.s;
    s[W_CW] = CW_INIT; s[W_SW] = 0; s[W_TOP] = 0; s[W_EMPTY] = 0xff;
    s[W_FIP] = 0; s[W_FCS] = 0; s[W_FDP] = 0; s[W_FDS] = 0; s[W_FOP] = 0;
    if (this.ferr) { this.ferr = false; this.onFerr?.(false); }
  }
  clearExceptions(): void {
    this.s[W_SW] &= ~(EXC | SF | ES | BUSY);
    if (this.ferr) { this.ferr = false; this.onFerr?.(false); }
  }

  /**
   * A waiting instruction found ES set: #MF with CR0.NE = 1, else FERR# (IRQ 13
   * on a PC) and the instruction proceeds (as Bochs does; the real part waits
   * for the interrupt).
   */
  signalPending(): void {
    if (this.s[W_CR0] & CR0_NE) fault(MF);
    if (!this.ferr) { this.ferr = true; this.onFerr?.(true); } else this.onFerr?.(true);
  }

  // ---- tag word, environment ------------------------------------------------

  tagWord(): number {
    let tw = 0;
    for (let p = 0; p < 8; p++) tw |= this.tagP(p) << (2 * p);
    return tw;
  }
  /** Only "empty or not" is kept from a loaded tag word. */
  setTagWord(tw: number): void {
    let e = 0;
    for (let p = 0; p < 8; p++) if (((tw >> (2 * p)) & 3) === 3) e |= 1 << p;
    this.s[W_EMPTY] = e;
  }
  /** FXSAVE's abridged tag byte: bit i = R(i) not empty. */
  abridgedTag(): number { return ~this.s[W_EMPTY] & 0xff; }
}

// ---- per-CPU instance ------------------------------------------------------

const instances = new WeakMap<Cpu, Fpu>();
let lastCpu: Cpu | null = null;
let lastFpu: Fpu | null = null;
/** The x87 unit of a CPU (created on first use; its state lives in the CPU's memory). */
export function fpuOf(cpu: Cpu): Fpu {
  if (cpu === lastCpu) return lastFpu!;
  let f = instances.get(cpu);
  if (!f) { f = new Fpu(cpu); instances.set(cpu, f); }
  lastCpu = cpu; lastFpu = f;
  return f;
}

/**
 * Entry check of every x87 instruction: #NM when CR0.EM or CR0.TS is set
 * (SDM vol. 3, 2.5; how Linux switches FPU state lazily), then for waiting
 * instructions a pending unmasked exception (#MF / FERR#).
 */
export function fpuEnter(cpu: Cpu): Fpu {
  const s = cpu.s;
  if (s[W_CR0] & (CR0_EM | CR0_TS)) fault(NM);
  const f = cpu === lastCpu ? lastFpu! : fpuOf(cpu);
  if (s[W_SW] & ES) f.signalPending();
  return f;
}
/** Entry check of the non-waiting control instructions (FN*): #NM only. */
export function fpuEnterNoWait(cpu: Cpu): Fpu {
  if (cpu.s[W_CR0] & (CR0_EM | CR0_TS)) fault(NM);
  return cpu === lastCpu ? lastFpu! : fpuOf(cpu);
}
/**
 * WAIT/FWAIT: #NM when CR0.MP and CR0.TS are both set, then a pending
 * unmasked x87 exception (#MF / FERR#). For runtime/interp/families/misc.ts.
 */
export function fpuWait(cpu: Cpu): void {
  const s = cpu.s;
  if ((s[W_CR0] & (CR0_MP | CR0_TS)) === (CR0_MP | CR0_TS)) fault(NM);
  if (s[W_SW] & ES) fpuOf(cpu).signalPending();
}

