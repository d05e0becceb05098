/**
 * The virtual CPU: typed views over the shared state block, and the small
 * operations every instruction family needs (EFLAGS read/write, stack,
 * linear addresses). Instruction semantics live in runtime/interp/.
 */
import { PhysicalMemory } from './memory.js';
import { Mmu } from './mmu.js';
import { PortBus } from './io.js';
import {
  CODE32, CPL, CR0, CS, EIP, ESP, REGS, SEG_BASE, SEG_FLAGS, SEG_LIMIT, SEG_SEL, SS, STACK32,
  ICOUNT, MXCSR, STATE_END, SEG_LO, SEG_HI, SEG_WLO, SEG_WHI, CODE_CTX, CTX_BASE0, CTX_CS4G, CTX_STACK32, SEG_WRITE, IDTR_LIMIT, GDTR_LIMIT, TR_SEL, w,
  BLOCK_EIP, CUR_BLOCK, TSC_ADJ, TSC_ANCHOR, TSC_BASE, TSC_RATE,
} from './state/layout.js';
import { FIXED_ONE, IF, WRITABLE, VM, ARITH } from './state/eflags.js';
import { materialize, W_EFLAGS, W_MASK } from './flags.js';
import { fault, GP, SS as SS_FAULT } from './exceptions.js';
import type { Unhandled } from './interrupts.js';
import type { Block } from './records.js';
import { resetDebug } from './debug.js';
import type { InterruptSource } from './irq.js';
import { cpuModel, type CpuModel } from './cpu-model.js';
import { outOfBounds, roomDown, roomTo } from './u32.js';

const W64_ICOUNT = ICOUNT / 8, W64_TSC_BASE = TSC_BASE / 8, W64_TSC_ANCHOR = TSC_ANCHOR / 8, W64_TSC_RATE = TSC_RATE / 8, W64_TSC_ADJ = TSC_ADJ / 8;
const W_EIP = w(EIP), W_CPL = w(CPL), W_CODE32 = w(CODE32), W_STACK32 = w(STACK32);
const W_SEG_LO = w(SEG_LO), W_SEG_HI = w(SEG_HI), W_SEG_WLO = w(SEG_WLO), W_SEG_WHI = w(SEG_WHI), W_CODE_CTX = w(CODE_CTX);
const W_BLOCK_EIP = w(BLOCK_EIP), W_CUR_BLOCK = w(CUR_BLOCK);
const W_SEG_BASE = w(SEG_BASE), W_SEG_SEL = w(SEG_SEL), W_SEG_LIMIT = w(SEG_LIMIT), W_SEG_FLAGS = w(SEG_FLAGS);

export class Cpu {
  readonly phys: PhysicalMemory;
  readonly mmu: Mmu;
  readonly io: PortBus;
  /** The whole memory as 32-bit words: index with w(OFFSET). */
  readonly s: Int32Array;
  /** General registers as 32-, 16- and 8-bit views (r8: AL=0, AH=1, CL=4, ...). */
  readonly r32: Int32Array;
  readonly r16: Uint16Array;
  readonly r8: Uint8Array;
  /** The state block as f64s (the instruction counter). */
  readonly f64: Float64Array;

  /**
   * EIP at the start of the block being run (records hold offsets from it).
   * In the state block (BLOCK_EIP): compiled code chained into a successor
   * block writes it there, and the successor's call-outs read it.
   */
  get blockEip(): number { return this.s[W_BLOCK_EIP]; }
  set blockEip(v: number) { this.s[W_BLOCK_EIP] = v; }
  /**
   * The block the execution loop is running (compiled or not): a store that
   * kills it must stop it (BLOCK_DEAD), a fault is located in it. Compiled
   * code chained into a successor names it by id in CUR_BLOCK (an index
   * into `jitBlocks`, kept by the JIT); 0 there means the loop's own choice.
   */
  get block(): Block | null {
    const id = this.s[W_CUR_BLOCK];
    return id === 0 ? this.loopBlockField : this.jitBlocks[id] ?? null;
  }
  set block(b: Block | null) {
    this.loopBlockField = b;
    this.s[W_CUR_BLOCK] = 0;
  }
  /**
   * The block the loop itself entered (`block` without CUR_BLOCK): the one whose records it
   * interprets; fused compare-and-branch handlers read their Jcc record from it (interp/fused.ts).
   */
  get loopBlock(): Block | null { return this.loopBlockField; }
  private loopBlockField: Block | null = null;
  /** Compiled blocks by id (Block.jitId): filled by the JIT, read through CUR_BLOCK. */
  readonly jitBlocks: (Block | undefined)[] = [];
  /**
   * Called by the execution loop at every block boundary it sees, after any
   * interrupt there was delivered, before the block runs (`jitvisor compare
   * --trace`: src/commands/boundary-trace.ts). The interpreter sees every
   * boundary, the JIT only those where control came back to the loop. Read
   * once per run() call: set it between runs.
   */
  onBoundary: ((cpu: Cpu) => void) | null = null;
  /** HLT executed and no interrupt has woken the CPU yet. */
  halted = false;
  /** Real-mode exceptions whose IVT entry is 0000:0000 stop the machine instead (snippet runner). */
  stopOnNullVector = false;
  /**
   * Set by an instruction that delivered an interrupt nobody handles (INT n in
   * the snippet runner): the execution loop stops after the block with it.
   */
  pendingStop: Unhandled | null = null;
  /**
   * The processor model (runtime/cpu-model.ts): CPUID, CR4 bits, SIMD sets.
   * Set it before reset(); handlers read it at run time, so decoded code stays valid.
   */
  model: CpuModel = cpuModel();
  /** IA32_MISC_ENABLE (MSR 0x1A0) on models that have it (families/msr.ts). */
  miscEnable = 0;
  /** Where external interrupts come from (the PIC in a PC); null: none. */
  intr: InterruptSource | null = null;
  /** DR6 B0-B3 bits of the armed instruction breakpoints (runtime/debug.ts). */
  dbgExec = 0;
  /**
   * The time-stamp counter: a time line in the state block (TSC_BASE,
   * TSC_ANCHOR, TSC_RATE: layout.ts), the one formula both engines compute
   * (compiled RDTSC inline, translator/jit/codegen/misc.ts). Instructions
   * retired unless a machine's clock publishes its own (src/clock.ts); it
   * survives reset() like the clock it describes. `pending`: instructions of
   * the running block that have executed but are not yet counted as retired
   * (the counter is retired per block).
   */
  setTscLine(base: number, anchor: number, rate: number): void {
    const f = this.f64;
    f[W64_TSC_BASE] = base; f[W64_TSC_ANCHOR] = anchor; f[W64_TSC_RATE] = rate;
  }
  private tscNow(pending: number): bigint {
    const f = this.f64;
    return BigInt(Math.floor(f[W64_TSC_BASE] + ((f[W64_ICOUNT] + pending) - f[W64_TSC_ANCHOR]) * f[W64_TSC_RATE]));
  }
  /** Added to the time line by WRMSR to the TSC (MSR 0x10); in the state block (TSC_ADJ) for compiled code. */
  get tscAdjust(): bigint { return this.i64[W64_TSC_ADJ]; }
  set tscAdjust(v: bigint) { this.i64[W64_TSC_ADJ] = BigInt.asIntN(64, v); }
  /** The time-stamp counter as RDTSC / RDMSR 0x10 read it. */
  readTsc(pending = 0): bigint { return BigInt.asUintN(64, this.tscNow(pending) + this.tscAdjust); }
  writeTsc(v: bigint): void { this.tscAdjust = v - this.tscNow(0); }
  private readonly i64: BigInt64Array;

  constructor(ramBytes: number, model: CpuModel = cpuModel()) {
    this.model = model;
    this.phys = new PhysicalMemory(ramBytes);
    this.s = this.phys.s32;
    this.mmu = new Mmu(this.phys, this.s);
    this.io = new PortBus();
    const buf = this.phys.buffer;
    this.r32 = new Int32Array(buf, REGS, 8);
    this.r16 = new Uint16Array(buf, REGS, 16);
    this.r8 = new Uint8Array(buf, REGS, 32);
    this.f64 = new Float64Array(buf, 0, STATE_END / 8);
    this.i64 = new BigInt64Array(buf, 0, STATE_END / 8);
    this.setTscLine(0, 0, 1);
    this.reset();
  }

  /** Power-on state (SDM vol. 3, 9.1.1): real mode at F000:FFF0. */
  reset(): void {
    const f = this.f64, line = [f[W64_TSC_BASE], f[W64_TSC_ANCHOR], f[W64_TSC_RATE]] as const;
    this.phys.u8.fill(0, 0, STATE_END);
    this.setTscLine(...line); // the clock's, not the CPU's: it goes on
    this.s[W_EFLAGS] = FIXED_ONE;
    this.s[W_MASK] = 0;
    this.s[w(CR0)] = 0x60000010;
    this.s[w(IDTR_LIMIT)] = 0x3ff;
    this.s[w(GDTR_LIMIT)] = 0xffff;
    // Power-on caches: 64 KiB read/write data segments, CS = F000 with base FFFF0000.
    for (let i = 0; i < 6; i++) this.setSegCache(i, 0, 0, 0xffff, 0x9300);
    this.setSegCache(CS, 0xf000, 0xffff0000 | 0, 0xffff, 0x9b00);
    this.setCpl(0);
    this.eip = 0xfff0;
    this.s[w(MXCSR)] = 0x1f80; // all SIMD exceptions masked, round to nearest (SDM vol. 3, table 9-1)
    this.miscEnable = this.model.miscEnable ?? 0;
    this.r32[2] = this.model.signature; // EDX after reset: the CPUID signature (SDM vol. 3, 9.1.4)
    this.halted = false;
    this.pendingStop = null;
    this.tscAdjust = 0n;
    this.mmu.setUser(false);
    this.mmu.flush(true);
    resetDebug(this);
  }

  get eip(): number { return this.s[W_EIP] >>> 0; }
  set eip(v: number) { this.s[W_EIP] = v; }
  get cpl(): number { return this.s[W_CPL]; }
  get code32(): boolean { return this.s[W_CODE32] !== 0; }
  get stack32(): boolean { return this.s[W_STACK32] !== 0; }
  get protectedMode(): boolean { return (this.s[w(CR0)] & 1) !== 0; }
  get v86(): boolean { return (this.s[W_EFLAGS] & VM) !== 0; }

  segBase(seg: number): number { return this.s[W_SEG_BASE + seg]; }
  segLimit(seg: number): number { return this.s[W_SEG_LIMIT + seg] >>> 0; }
  segFlags(seg: number): number { return this.s[W_SEG_FLAGS + seg]; }
  /** The task register's selector. */
  segSelTr(): number { return this.s[w(TR_SEL)] & 0xffff; }
  segSel(seg: number): number { return this.s[W_SEG_SEL + seg] & 0xffff; }
  /** Linear address of an access of `size` bytes at seg:off, limit-checked (see linc). */
  lin(seg: number, off: number, size = 1): number { return this.linc(seg, off, size); }

  /** Load a segment register the real-mode / virtual-8086 way: base = selector * 16. */
  setSegReal(seg: number, sel: number): void {
    const s = this.s;
    sel &= 0xffff;
    s[W_SEG_SEL + seg] = sel;
    s[W_SEG_BASE + seg] = sel << 4;
    if (this.v86) {
      // Virtual-8086 mode: 64 KiB, present, DPL 3, 16-bit (SDM vol. 3, 20.1.1).
      s[W_SEG_LIMIT + seg] = 0xffff;
      s[W_SEG_FLAGS + seg] = ((seg === CS ? 0x9b : 0x93) << 8) | 0x6000;
    } else if (!this.protectedMode) {
      // Real mode: only selector and base change; the limit stays as cached, which is
      // what "unreal mode" relies on (a segment made usable again: present, read/write).
      s[W_SEG_FLAGS + seg] = (s[W_SEG_FLAGS + seg] & 0x00f00000) | ((seg === CS ? 0x9b : 0x93) << 8);
    }
    this.computeBounds(seg);
    if (seg === CS) { s[W_CODE32] = 0; if (!this.protectedMode) this.setCpl(0); else if (this.v86) this.setCpl(3); }
    if (seg === SS) this.setStack32(false);
  }
  /** Load a segment register's hidden part directly (loaders, descriptor loads). */
  setSegCache(seg: number, sel: number, base: number, limit: number, flags: number): void {
    const s = this.s;
    s[W_SEG_SEL + seg] = sel & 0xffff;
    s[W_SEG_BASE + seg] = base;
    s[W_SEG_LIMIT + seg] = limit;
    s[W_SEG_FLAGS + seg] = flags;
    const big = (flags & 0x400000) !== 0; // D/B bit (descriptor bit 54)
    this.computeBounds(seg);
    if (seg === CS) s[W_CODE32] = big ? 1 : 0;
    if (seg === SS) this.setStack32(big);
  }
  /** STACK32 and its CODE_CTX bit (compiled stack operations assume a 32-bit stack behind their block's guard). */
  private setStack32(big: boolean): void {
    const s = this.s;
    s[W_STACK32] = big ? 1 : 0;
    s[W_CODE_CTX] = big ? s[W_CODE_CTX]! | (1 << CTX_STACK32) : s[W_CODE_CTX]! & ~(1 << CTX_STACK32);
  }

  /**
   * Recompute the read bounds (SEG_LO/SEG_HI) and write bounds (SEG_WLO/
   * SEG_WHI) from the hidden limit and flags (SDM vol. 3, 5.3), with the
   * type restrictions of 5.4.1 for a segment loaded in protected mode: a code
   * segment is not writable and, unless readable, not readable either; a
   * read-only data segment is not writable. Real-mode and virtual-8086 loads
   * make no type checks (a real-mode CS is writable); a cache loaded in
   * protected mode keeps its restrictions after a return to real mode, which
   * is why SDM 9.9.2 asks for writable data segments before clearing PE.
   */
  private computeBounds(seg: number): void {
    const s = this.s, flags = s[W_SEG_FLAGS + seg], limit = s[W_SEG_LIMIT + seg];
    const type = (flags >>> 8) & 0x1f;
    let lo: number, hi: number;
    if ((flags & 0x8000) === 0) { lo = 1; hi = 0; }
    else if ((type & 0x1c) === 0x14) {
      // Expand-down data: valid offsets are limit+1 .. 0xFFFF or 0xFFFFFFFF (B bit).
      lo = (limit + 1) | 0;
      hi = (flags & 0x400000) !== 0 ? -1 : 0xffff;
    } else { lo = 0; hi = limit; }
    let rlo = lo, rhi = hi, wlo = lo, whi = hi;
    if (this.protectedMode && !this.v86) {
      const code = (type & 0x18) === 0x18;
      if (code || (type & 2) === 0) { wlo = 1; whi = 0; }
      if (code && (type & 2) === 0) { rlo = 1; rhi = 0; }
    }
    s[W_SEG_LO + seg] = rlo; s[W_SEG_HI + seg] = rhi;
    s[W_SEG_WLO + seg] = wlo; s[W_SEG_WHI + seg] = whi;
    const r = 1 << seg, wr = 1 << (seg + SEG_WRITE), b0 = 1 << (seg + CTX_BASE0);
    let flat = s[W_CODE_CTX]! & ~(r | wr | b0 | (seg === CS ? 1 << CTX_CS4G : 0));
    if (seg === CS && limit === -1) flat |= 1 << CTX_CS4G;
    if (rlo === 0 && rhi === -1) flat |= r;
    if (wlo === 0 && whi === -1) flat |= wr;
    if (s[W_SEG_BASE + seg] === 0) flat |= b0;
    s[W_CODE_CTX] = flat;
  }

  /** Recompute CODE_CTX from all the bounds and bases (after the state block was replaced wholesale: a snapshot restore). */
  refreshCodeCtx(): void {
    const s = this.s;
    let flat = 0;
    for (let b = 0; b < 6; b++) {
      if (s[W_SEG_LO + b] === 0 && s[W_SEG_HI + b] === -1) flat |= 1 << b;
      if (s[W_SEG_WLO + b] === 0 && s[W_SEG_WHI + b] === -1) flat |= 1 << (b + SEG_WRITE);
      if (s[W_SEG_BASE + b] === 0) flat |= 1 << (b + CTX_BASE0);
    }
    if (s[W_STACK32] !== 0) flat |= 1 << CTX_STACK32;
    if (s[W_SEG_LIMIT + CS] === -1) flat |= 1 << CTX_CS4G;
    s[W_CODE_CTX] = flat;
  }

  /**
   * Linear address of an access of `size` bytes at seg:off, after the limit
   * check: #SS(0) for the stack segment, #GP(0) otherwise (SDM vol. 3, 6.14).
   * Read bounds: the stack (always a writable segment) also uses this for writes.
   */
  linc(seg: number, off: number, size: number): number {
    const s = this.s;
    if (outOfBounds(off, size, s[W_SEG_LO + seg], s[W_SEG_HI + seg])) fault(seg === SS ? SS_FAULT : GP, 0);
    return (s[W_SEG_BASE + seg] + off) | 0;
  }
  /** linc() for a write: the write bounds (a read-only or code segment faults). */
  lincW(seg: number, off: number, size: number): number {
    const s = this.s;
    if (outOfBounds(off, size, s[W_SEG_WLO + seg], s[W_SEG_WHI + seg])) fault(seg === SS ? SS_FAULT : GP, 0);
    return (s[W_SEG_BASE + seg] + off) | 0;
  }

  /** How many whole `n`-byte elements fit from seg:off up to the segment's upper bound (for block copies; capped: u32.ts roomTo). */
  segRoom(seg: number, off: number, n: number): number {
    return roomTo(off, this.s[W_SEG_HI + seg], n);
  }
  /** segRoom() for writes. */
  segRoomW(seg: number, off: number, n: number): number {
    return roomTo(off, this.s[W_SEG_WHI + seg], n);
  }
  /** How many whole `n`-byte elements fit from seg:off down to the segment's lower bound (block copies going down; u32.ts roomDown). */
  segRoomDown(seg: number, off: number, n: number): number {
    return roomDown(off, this.s[W_SEG_LO + seg], n);
  }
  /** segRoomDown() for writes. */
  segRoomDownW(seg: number, off: number, n: number): number {
    return roomDown(off, this.s[W_SEG_WLO + seg], n);
  }

  setCpl(cpl: number): void {
    this.s[W_CPL] = cpl;
    this.mmu.setUser(cpl === 3);
  }

  /** EFLAGS with every lazy flag computed. */
  getEflags(): number {
    return (materialize(this.s) | FIXED_ONE) >>> 0;
  }
  /** Write the EFLAGS bits in `mask` (callers decide privilege rules: POPF, IRET). */
  setEflags(value: number, mask: number = WRITABLE): void {
    const s = this.s;
    materialize(s);
    s[W_EFLAGS] = ((s[W_EFLAGS] & ~mask) | (value & mask) | FIXED_ONE) & ~0x8028; // bits 3, 5, 15 read as 0
    s[W_MASK] = 0;
    void ARITH; void IF;
  }

  // ---- stack ------------------------------------------------------------

  push32(v: number): void {
    const r = this.r32;
    if (this.s[W_STACK32]) {
      const sp = (r[4] - 4) | 0;
      this.mmu.write32(this.linc(SS, sp, 4), v);
      r[4] = sp;
    } else {
      const sp = (this.r16[8] - 4) & 0xffff;
      this.mmu.write32(this.linc(SS, sp, 4), v);
      this.r16[8] = sp;
    }
  }
  push16(v: number): void {
    const r = this.r32;
    if (this.s[W_STACK32]) {
      const sp = (r[4] - 2) | 0;
      this.mmu.write16(this.linc(SS, sp, 2), v);
      r[4] = sp;
    } else {
      const sp = (this.r16[8] - 2) & 0xffff;
      this.mmu.write16(this.linc(SS, sp, 2), v);
      this.r16[8] = sp;
    }
  }
  pop32(): number {
    if (this.s[W_STACK32]) {
      const sp = this.r32[4];
      const v = this.mmu.read32(this.linc(SS, sp, 4));
      this.r32[4] = sp + 4;
      return v;
    }
    const sp = this.r16[8];
    const v = this.mmu.read32(this.linc(SS, sp, 4));
    this.r16[8] = sp + 4;
    return v;
  }
  pop16(): number {
    if (this.s[W_STACK32]) {
      const sp = this.r32[4];
      const v = this.mmu.read16(this.linc(SS, sp, 2));
      this.r32[4] = sp + 2;
      return v;
    }
    const sp = this.r16[8];
    const v = this.mmu.read16(this.linc(SS, sp, 2));
    this.r16[8] = sp + 2;
    return v;
  }
  /** Read the stack `offset` bytes above the current top without popping (multi-pop instructions read first, then commit). */
  peek32(offset: number): number {
    const sp = this.s[W_STACK32] ? this.r32[4] : this.r16[8];
    const a = this.s[W_STACK32] ? (sp + offset) | 0 : (sp + offset) & 0xffff;
    return this.mmu.read32(this.linc(SS, a, 4));
  }
  peek16(offset: number): number {
    const sp = this.s[W_STACK32] ? this.r32[4] : this.r16[8];
    const a = this.s[W_STACK32] ? (sp + offset) | 0 : (sp + offset) & 0xffff;
    return this.mmu.read16(this.linc(SS, a, 2));
  }
  /** ESP or SP, as the stack size says. */
  get sp(): number { return this.s[W_STACK32] ? this.r32[4] : this.r16[8]; }
  /** Add to ESP or SP, as the stack size says. */
  addSp(n: number): void {
    if (this.s[W_STACK32]) this.r32[4] = (this.r32[4] + n) | 0;
    else this.r16[8] = (this.r16[8] + n) & 0xffff;
  }

  /** Retired instructions (64-bit counter in the state block). */
  icount(): bigint {
    return BigInt(this.f64[W64_ICOUNT]);
  }
  /** Retired instructions as a plain number (exact below 2^53). */
  icountNumber(): number {
    return this.f64[W64_ICOUNT];
  }
  addIcount(n: number): void {
    this.f64[W64_ICOUNT] += n;
  }
}

export const ESP_INDEX = ESP;
