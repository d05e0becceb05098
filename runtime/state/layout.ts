/**
 * The machine-state layout: every byte offset into the one WebAssembly.Memory
 * that holds the guest machine. Both engines (the interpreter through typed
 * views, generated wasm through loads/stores at these constants) use these
 * names; nothing else in the codebase may hard-code an offset.
 *
 *   0x000000  CPU state block (registers, lazy flags, segments, control regs, x87, SIMD)
 *   0x010000  TLB: one 32-bit entry per 4 KiB linear page (1 Mi entries)
 *   0x410000  code-page map: one byte per 4 KiB physical page (1 Mi pages)
 *   0x510000  the JIT's global dispatch cache (64 Ki entries of 16 bytes; translator/jit/xcache.ts)
 *   0x800000  guest physical RAM, RAM_BASE + physical address
 */

/** General registers, x86 encoding order, 32 bits each. */
export const REGS = 0x000;
export const EAX = 0, ECX = 1, EDX = 2, EBX = 3, ESP = 4, EBP = 5, ESI = 6, EDI = 7;

/** Byte offsets of scalar 32-bit fields. */
export const EIP = 0x020;
/** EFLAGS with the lazily computed arithmetic flags possibly stale: see LAZY_MASK. */
export const EFLAGS = 0x024;
/** Lazy flags: the last flag-producing operation (see runtime/flags.ts). */
export const LAZY_RES = 0x028;
export const LAZY_A = 0x02c;
export const LAZY_B = 0x030;
/** Which of CF/PF/AF/ZF/SF/OF must be computed from LAZY_* rather than read from EFLAGS. */
export const LAZY_MASK = 0x038;
/**
 * The operation's kind and size code. LAZY_MASK and LAZY_OP are one 8-byte
 * aligned pair (LAZY_MASK the low word): compiled code stores both with one
 * i64.store where both are constants at a site, as nearly every flag
 * producer's are (translator/jit/ir.ts Fn.st2; the mask low keeps the i64
 * constant's LEB one byte shorter). 0x034 is free. The lazy words end at
 * LAZY_OP: EFLAGS..LAZY_OP is the flag state (ir.ts Fn.st).
 */
export const LAZY_OP = 0x03c;

/** Segment registers in encoding order; hidden parts in parallel arrays of 6. */
export const ES = 0, CS = 1, SS = 2, DS = 3, FS = 4, GS = 5;
export const SEG_SEL = 0x040;    // 6 x i32 visible selector
export const SEG_BASE = 0x058;   // 6 x i32 descriptor base
export const SEG_LIMIT = 0x070;  // 6 x i32 effective limit (byte granular, already scaled)
export const SEG_FLAGS = 0x088;  // 6 x i32 access rights: descriptor bytes 5-6 (type,S,DPL,P,AVL,D/B,G) << 8

/** Control registers. */
export const CR0 = 0x0a0;
export const CR2 = 0x0a4;
export const CR3 = 0x0a8;
export const CR4 = 0x0ac;
/** Current privilege level (0-3). */
export const CPL = 0x0b0;
/** Non-zero when CS is a 32-bit code segment (default operand/address size 32). */
export const CODE32 = 0x0b4;
/** Non-zero when SS is a 32-bit stack segment (ESP rather than SP). */
export const STACK32 = 0x0b8;
/** Retired-instruction counter: an f64 (exact to 2^53), 8-byte aligned. */
export const ICOUNT = 0x0c0;
/** Descriptor-table registers. */
export const GDTR_BASE = 0x0c8;
export const GDTR_LIMIT = 0x0cc;
export const IDTR_BASE = 0x0d0;
export const IDTR_LIMIT = 0x0d4;
export const LDTR_SEL = 0x0d8;
export const LDTR_BASE = 0x0dc;
export const LDTR_LIMIT = 0x0e0;
export const TR_SEL = 0x0e4;
export const TR_BASE = 0x0e8;
export const TR_LIMIT = 0x0ec;
export const TR_FLAGS = 0x0f0;
/** Debug registers DR0-DR7. */
export const DR = 0x100;         // 8 x i32
/** TSC offset (f64): TSC = ICOUNT + offset in deterministic mode. */
export const TSC_OFFSET = 0x120;
/** SYSENTER MSRs (0x174-0x176). */
export const MSR_SYSENTER_CS = 0x128;
export const MSR_SYSENTER_ESP = 0x12c;
export const MSR_SYSENTER_EIP = 0x130;
/**
 * Non-zero while an interrupt shadow blocks external interrupts for one
 * instruction: 1 after STI, SHADOW_SS after MOV SS / POP SS (which also hold
 * debug exceptions, SDM vol. 3, 6.8.3).
 */
export const INT_SHADOW = 0x134;
export const SHADOW_SS = 2;
/**
 * Non-zero while the execution loop must run instruction by instruction for
 * the debug registers: bit 0 DR7 enables a breakpoint (runtime/debug.ts),
 * bit 1 a #DB is held by MOV SS / POP SS (DB_HELD). Checked once per block.
 */
export const DEBUG = 0x138;
/** DR6 bits of debug traps held until after the instruction following MOV SS / POP SS (SDM vol. 3, 6.8.3). */
export const DB_HELD = 0x13c;
/**
 * Effective offset bounds per segment register, derived from the hidden
 * limit, expand-down bit and B bit when the segment is loaded: an access of
 * n bytes at offset o is inside when LO <= o and o + n - 1 <= HI (unsigned).
 * An unusable segment (null selector, not present) has LO = 1, HI = 0.
 */
export const SEG_LO = 0x140;     // 6 x i32
export const SEG_HI = 0x160;     // 6 x i32
/**
 * The same bounds for writes. They differ from SEG_LO/SEG_HI where the
 * segment type forbids writing (read-only data, any code segment: LO = 1,
 * HI = 0, so the limit check faults; SDM vol. 3, 5.4.1), while SEG_LO/SEG_HI
 * are the read bounds (execute-only code: LO = 1, HI = 0). Type checks exist
 * only for segments loaded in protected mode outside virtual-8086 mode.
 */
export const SEG_WLO = 0x180;    // 6 x i32
export const SEG_WHI = 0x1a0;    // 6 x i32
/**
 * Bounds index of a write: SEG_LO/SEG_HI word index + seg + SEG_WRITE gives
 * SEG_WLO/SEG_WHI (records carry `bnd` = seg for reads, seg + SEG_WRITE for writes).
 */
export const SEG_WRITE = (SEG_WLO - SEG_LO) >> 2;
/**
 * The TLB masks for the current privilege level (runtime/mmu.ts): a TLB hit
 * for a read is (entry & READ_MASK) == TLB_VALID, for a write the same with
 * WRITE_MASK. Kept here so generated code tests hits the way the MMU does.
 */
export const READ_MASK = 0x1c0;
export const WRITE_MASK = 0x1c4;
/**
 * The fault protocol shared by both engines: when a guest fault (or a
 * BLOCK_EXIT) escapes a block, the record it belongs to is FAULT_REC - 1 if
 * FAULT_REC is non-zero, else the interpreter loop's own record counter.
 * Compiled code stores 1 + the index of the record it executes before every
 * call that may fault; an interpreter handler that runs a second record
 * (fused compare-and-branch) stores 1 + that record's index while it may
 * fault. The loop reads it and resets it to 0.
 */
export const FAULT_REC = 0x1c8;
/**
 * Set to non-zero when the running block (cpu.block) is invalidated by a write to its code:
 * compiled code checks it after anything that may have written code and
 * leaves its block before the next record (the interpreter's BLOCK_EXIT).
 * The dispatcher clears it before entering compiled code.
 */
export const BLOCK_DEAD = 0x1d4;
/**
 * Instructions retired by the completed iterations of a compiled block that
 * loops on itself without returning (a fault in a later iteration counts
 * them too). The dispatcher clears it before entering compiled code.
 */
export const RETIRED = 0x1d0;
/*
 * RETIRED and BLOCK_DEAD are one 8-byte-aligned pair (RETIRED the low word):
 * a compiled block that names itself on entry zeroes both with one i64.store
 * (translator/jit/compile.ts emitBlock, ir.ts Fn.st2).
 */
/**
 * Non-zero when an external interrupt may be pending (reserved for compiled
 * code that chains blocks without returning to the dispatcher; not kept
 * up to date yet: compiled blocks return to the dispatcher after each block).
 */
export const INTR_PENDING = 0x1cc;
/**
 * Chaining between compiled blocks (translator/jit/chain.ts): a compiled
 * block may continue into its successor inside wasm, so what the loop and
 * the call-outs need to know about "the block being run" lives here, not
 * in JS variables. CUR_BLOCK: the running compiled block's id (its index
 * in the JIT's function table; 0 = cpu.block's own field, an interpreted
 * block); BLOCK_EIP: that block's EIP at its start (cpu.blockEip, which
 * call-outs read for EIP-relative records).
 */
export const CUR_BLOCK = 0x1d8;
export const BLOCK_EIP = 0x1dc;
/** Mirror of mmu.generation, written by the loop before it enters compiled code (link slots compare it). */
export const MMU_GEN = 0x1e0;
/**
 * 1 + the exit site (module-wide number) of the running compiled block
 * whose link slot did not match: the loop links it to the block it runs
 * next. 0: nothing to link. The loop reads and clears it.
 */
export const LINK_EXIT = 0x1e4;
/** Chained transfers since the JIT last read it (its counters). */
export const CHAINED = 0x1e8;
/** Direct transfers (a block into a same-page block of its own module, translator/jit/chain.ts) since the JIT last read it. */
export const DIRECT = 0x1ec;
/**
 * The context compiled code may assume, one bit per fact, each derived
 * from the state where it changes (runtime/cpu.ts computeBounds) and
 * recomputed after a snapshot restore (Cpu.refreshCodeCtx). Bit b (b = seg
 * for reads, seg + SEG_WRITE for writes): bounds index b is flat, LO = 0
 * and HI = 0xFFFFFFFF; bit CTX_BASE0 + seg: segment seg's base is 0 (its
 * linear addresses are its offsets: compiled code skips the base load and
 * add); bit CTX_STACK32: SS is a 32-bit stack (STACK32 = 1); bit CTX_CS4G: CS's limit is 0xFFFFFFFF. A compiled block that assumed some facts of the context it went hot
 * in (Block.jitFlat) checks them all on entry with one load and compare
 * (translator/jit/ir.ts Fn.guard) and runs nothing when one does not hold.
 */
export const CODE_CTX = 0x1f0;
/** First CODE_CTX bit of the base-is-zero bits (one per segment register; bounds bits are 0-5 and 16-21). */
export const CTX_BASE0 = 8;
/** CODE_CTX bit: STACK32 is 1 (compiled push/pop/call/ret skip their 16-bit-stack check). */
export const CTX_STACK32 = 14;
/** CODE_CTX bit: CS's effective limit is 0xFFFFFFFF (compiled near branches skip their target's limit check). */
export const CTX_CS4G = 15;
/** Returns from compiled code to the loop by reason (EXIT_* in translator/jit/chain.ts), 8 x i32. */
export const JIT_EXITS = 0x400;
/**
 * Transfers through a module's dispatcher (translator/jit/chain.ts, "Indirect
 * and cross-page transfers") and returns to the loop by exit kind, since the
 * JIT last read them, 8 x i32 (XFER_* in translator/jit/chain.ts).
 */
export const JIT_XFERS = 0x420;
/**
 * More transfer counters (JIT_XFERS continued: XFER_GLOBAL... in
 * translator/jit/chain.ts), 4 x i32.
 */
export const JIT_XFERS2 = 0x520;
/**
 * The time-stamp counter's time line, as the machine's clock defines it
 * (src/clock.ts publishes it through Cpu.setTscLine; runtime/cpu.ts readTsc):
 * TSC = floor(TSC_BASE + ((ICOUNT + pending) - TSC_ANCHOR) * TSC_RATE) + TSC_ADJ
 * (mod 2^64), `pending` the instructions of the running block before the
 * reader. f64, f64, f64 and i64 (Cpu.tscAdjust). Compiled RDTSC computes the
 * same expression inline (translator/jit/codegen/misc.ts). Engine scratch:
 * the clock and tscAdjust write them again after a restore.
 */
export const TSC_BASE = 0x500;
export const TSC_ANCHOR = 0x508;
export const TSC_RATE = 0x510;
export const TSC_ADJ = 0x518;
/**
 * The engines' bookkeeping words: not architectural state. A snapshot
 * zeroes them on restore and the state hash leaves them out, so that two
 * machines in the same architectural state hash the same whatever their
 * engines did before (compiled-code exits, chaining, the block last run).
 * A new word of this kind must be listed here (test/state-layout.test.ts
 * checks the list against the declared sizes).
 */
export const ENGINE_SCRATCH: readonly (readonly [name: string, offset: number, bytes: number])[] = [
  ['FAULT_REC', FAULT_REC, 4], ['BLOCK_DEAD', BLOCK_DEAD, 4], ['INTR_PENDING', INTR_PENDING, 4], ['RETIRED', RETIRED, 4],
  ['CUR_BLOCK', CUR_BLOCK, 4], ['BLOCK_EIP', BLOCK_EIP, 4], ['MMU_GEN', MMU_GEN, 4], ['LINK_EXIT', LINK_EXIT, 4],
  ['CHAINED', CHAINED, 4], ['DIRECT', DIRECT, 4], ['CODE_CTX', CODE_CTX, 4], ['JIT_EXITS', JIT_EXITS, 32], ['JIT_XFERS', JIT_XFERS, 32], ['JIT_XFERS2', JIT_XFERS2, 16],
  ['TSC_BASE', TSC_BASE, 8], ['TSC_ANCHOR', TSC_ANCHOR, 8], ['TSC_RATE', TSC_RATE, 8], ['TSC_ADJ', TSC_ADJ, 8],
];
/** Reserved for the x87 FPU state (issue: system CPU). */
export const FPU = 0x200;
export const FPU_SIZE = 0x200;
/**
 * x87 state inside [FPU, FPU + FPU_SIZE) (runtime/fpu/state.ts documents it).
 * All-zero bytes are the power-on state: CW reads 0x0040, SW 0, tags 0x5555.
 */
export const FPU_ST = 0x200;     // 8 x f64: physical registers R0..R7 (ST(i) = R[(TOP + i) & 7])
export const FPU_CW = 0x240;     // i32: control word (reserved bits stored as 0; bit 6 reads as 1)
export const FPU_SW = 0x244;     // i32: status word without TOP (bits 13..11 always 0 here)
export const FPU_TOP = 0x248;    // i32: TOP, 0..7
export const FPU_EMPTY = 0x24c;  // i32: bit i set = R(i) empty (tag 11); other tags are computed from the value
export const FPU_FIP = 0x250;    // i32: last non-control instruction: offset (or real-mode linear address)
export const FPU_FCS = 0x254;    // i32: ... its CS selector
export const FPU_FDP = 0x258;    // i32: last memory operand: offset
export const FPU_FDS = 0x25c;    // i32: ... its segment selector
export const FPU_FOP = 0x260;    // i32: last opcode, 11 bits
export const FPU_X80V = 0x264;   // i32: bit i set = FPU_X80 entry i is the exact 80-bit value of R(i)
export const FPU_X80 = 0x280;    // 8 x 16 bytes: exact 80-bit images (bytes 0..9, little endian)
/**
 * ---- SIMD region (SSE state; issue 10) ------------------------------------------
 * MMX registers have no storage of their own: MM(i) is the mantissa of the
 * x87 physical register R(i) (runtime/simd/state.ts). XMM0..7 are 16 bytes
 * each, 16-aligned for v128 loads; lane order is little endian (byte 0 =
 * bits 7..0). MXCSR holds the guest value (reset 0x1F80: Cpu.reset sets it).
 */
export const SIMD = 0x800;
export const SIMD_SIZE = 0x100;
export const XMM = 0x800;        // 8 x 16 bytes: XMM0..XMM7
export const MXCSR = 0x880;      // i32
export const STATE_END = 0x1000;

/** The software TLB (runtime/mmu.ts documents the entry format). */
export const TLB = 0x010000;
export const TLB_ENTRIES = 1 << 20;
/** Code-page map: non-zero for physical pages that hold decoded/translated code. */
export const CODE_PAGES = TLB + TLB_ENTRIES * 4;
export const CODE_PAGE_COUNT = 1 << 20;
/**
 * The JIT's global dispatch cache (translator/jit/xcache.ts): XCACHE_ENTRIES
 * entries of XCACHE_ENTRY bytes (host address, record count, block id, 0),
 * between the code-page map and RAM. Engine scratch: not in snapshots (only
 * RAM and the state block are), emptied when a JIT starts.
 */
export const XCACHE = CODE_PAGES + CODE_PAGE_COUNT;
export const XCACHE_ENTRIES = 1 << 16;
export const XCACHE_ENTRY = 16;
/** Guest physical address 0 lives at this byte offset of the memory. */
export const RAM_BASE = 0x800000;

export const PAGE_SIZE = 4096;
export const WASM_PAGE = 65536;

/** Word index into an Int32Array view of the whole memory. */
export const w = (byteOffset: number): number => byteOffset >>> 2;

/** Total memory (bytes) for a machine with `ramBytes` of guest RAM. */
export function memoryBytesFor(ramBytes: number): number {
  return RAM_BASE + ramBytes;
}
