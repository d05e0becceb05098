/**
 * Decoded-instruction records and blocks: plain data made once per physical
 * code address by the front end (translator/frontend) and read by both
 * engines. The interpreter runs `exec`; the JIT compiles from the fields.
 */
import type { Cpu } from './cpu.js';
import { CC_NONE } from './isa/cc.js';
import { E_HANDLER, E_PAIRED, E_THUNK, type End } from './isa/types.js';

/**
 * An interpreter handler. It returns EXIT only from a T_COND record whose
 * branch was taken (EIP written); every other return value is ignored.
 */
export type Handler = (cpu: Cpu, r: Rec) => void | number;
/** Returned by a T_COND handler that left the block (see T_COND). */
export const EXIT = 0x4558;
/** Returned by a fused compare-and-branch handler: both records ran, the branch was not taken. */
export const SKIP = 0x4559;
/** Returned by a fused compare-and-branch handler: both records ran and the branch left the block. */
export const EXIT2 = 0x455a;

/** Operand kinds. */
export const OP_NONE = 0;
export const OP_REG = 1;    // general register; `reg` indexes the view for the operand size
export const OP_MEM = 2;    // memory operand described by seg/base/index/scale/disp
export const OP_IMM = 3;    // immediate, in `imm` (or `imm2` for a second immediate)
export const OP_SREG = 4;   // segment register 0-5 (ES CS SS DS FS GS)
export const OP_CREG = 5;   // control register number
export const OP_DREG = 6;   // debug register number
export const OP_REL = 7;    // near branch: displacement from the next instruction in `imm`
export const OP_FAR = 8;    // far pointer: selector in `imm2`, offset in `imm`
export const OP_STR = 9;    // implicit string operand (DS:eSI / ES:eDI)
export const OP_FPU = 10;   // x87 stack register ST(i) in `reg`
export const OP_MMX = 11;   // MMX register MM0-7 in `reg` (the x87 physical register R(i))
export const OP_XMM = 12;   // XMM register XMM0-7 in `reg`

/** Block-termination reasons a record may carry. */
export const T_NONE = 0;
export const T_BRANCH = 1;  // writes EIP itself (jumps, calls, returns, REP restarts...)
export const T_TRAP = 2;    // privileged / state-changing: end the block after it
export const T_STOP = 3;    // HLT and friends: leave the execution loop
/**
 * A conditional branch in the middle of a block (superblock): when taken its
 * handler writes EIP and returns EXIT; when not, the block goes on. The
 * front end turns Jcc/LOOP/JCXZ records into this form (`midExec`) unless
 * they are the last record, where they stay T_BRANCH.
 */
export const T_COND = 4;

/** Base register "none" in memory operands. */
export const NO_REG = -1;

/**
 * Packed lanes of a Rec (see Rec.wo..wg): the lane of `bits` bits at `sh` of a
 * word, unsigned or sign-extended. The setters check the range (they run at
 * decode time only), so a value that does not fit is a loud error, never a
 * silently truncated operand.
 */
function ub(w: number, sh: number, bits: number): number { return (w >>> sh) & ((1 << bits) - 1); }
function sb(w: number, sh: number, bits: number): number { return (w << (32 - sh - bits)) >> (32 - bits); }
function putUb(w: number, sh: number, bits: number, v: number, name: string): number {
  const m = (1 << bits) - 1;
  if ((v & m) !== v) throw new RangeError(`Rec.${name} = ${v}: out of its packed range 0..${m}`);
  return (w & ~(m << sh)) | (v << sh);
}
function putSb(w: number, sh: number, bits: number, v: number, name: string): number {
  const m = (1 << bits) - 1;
  if ((v << (32 - bits)) >> (32 - bits) !== v) throw new RangeError(`Rec.${name} = ${v}: out of its packed range ${-(1 << (bits - 1))}..${(1 << (bits - 1)) - 1}`);
  return (w & ~(m << sh)) | ((v & m) << sh);
}
/** Rec.wg bit 30: the second handler (wc's ALT lane) is the foldExec handler; bit 31: it is `plain` (neither: midExec). */
const ALT_FOLD = 1 << 30;
const ALT_PLAIN = 1 << 31;
/** Rec.wg: the two flag lanes (flagsRead, flagsWritten), what decode caches per Code (Rec.flagLanes). */
const FLAG_LANES = (1 << 26) - 1;
/** Rec.wo bits 30, 31: lock, folded. */
const LOCK = 1 << 30, FOLDED = 1 << 31;
/**
 * The second handlers (midExec / foldExec / plain) by number: a record keeps
 * the number in a 14-bit lane of wc instead of a pointer field of its own
 * (8 bytes a record). They are the families' module-level functions (the
 * boot names a few dozen), numbered once each; 0 is none.
 */
const ALT_SH = 18, ALT_BITS = 14, ALT_MAX = (1 << ALT_BITS) - 1;
const altHandlers: (Handler | null)[] = [null];
const altNumbers = new Map<Handler, number>();
function altNumber(h: Handler | null): number {
  if (h === null) return 0;
  let n = altNumbers.get(h);
  if (n === undefined) {
    n = altHandlers.length;
    if (n > ALT_MAX) throw new RangeError(`Rec: more than ${ALT_MAX} distinct second handlers`);
    altHandlers.push(h);
    altNumbers.set(h, n);
  }
  return n;
}
/** Defaults of the packed words (see Rec): wa osz 4, asz 4; wc seg 3 (DS), bnd 3; wd base/index NO_REG, alu/shift/strop/cc -1. */
const WA0 = 4 | (4 << 4), WC0 = (3 << 10) | (3 << 13), WD0 = ~0xf00;

/**
 * EFLAGS bits a record may name in flagsRead / flagsWritten (what
 * translator/frontend/operands.ts toEflags makes of iced-x86's flags): the
 * low 12 bits as they are, AC (bit 18) moved to bit 12 of a 16-bit lane.
 */
const FLAG_LOW = 0xfff, FLAG_AC = 1 << 18, LANE_AC = 1 << 12;
function toFlagLane(v: number, name: string): number {
  if ((v & ~(FLAG_LOW | FLAG_AC)) !== 0) throw new RangeError(`Rec.${name} = 0x${v.toString(16)}: not a set of OF SF ZF AF CF PF DF IF AC`);
  return (v & FLAG_LOW) | ((v & FLAG_AC) !== 0 ? LANE_AC : 0);
}
function fromFlagLane(l: number): number {
  return (l & FLAG_LOW) | ((l & LANE_AC) !== 0 ? FLAG_AC : 0);
}

/**
 * One decoded instruction. The small fields (operand kinds, registers,
 * sizes, typed facts, offsets, Code and Mnemonic, the memory operand's
 * size, `sub`, `imm2`, the flags read and written, the number of the one
 * rarely-set second handler) live in narrow lanes of seven int32 words (wo,
 * wm, wg, wa, wc, wd, wf) behind accessors, `next` is derived (off + len),
 * and a fused CMP/TEST's Jcc is the next record of its block, so a record
 * is 10 V8 fields (104 bytes; 144 before the twelfth pass of
 * docs/jit-plan.md "Memory", 176 before the fifth, ~360 unpacked):
 * records are the largest item of the JIT's heap (docs/jit-plan.md
 * "Memory"). Every field keeps its name and meaning; only the storage is
 * packed (pack.ts ships the words to the compile worker as they are).
 */
export class Rec {
  exec: Handler;
  /** Packed: off:14 (signed) imm2:16 lock:1 folded:1; see the accessors. */
  wo = 0;
  /** Packed: iced-x86 Code:13, Mnemonic:11, idx:8. */
  wm = 0;
  imm = 0;
  disp = 0;
  /** Packed: `flagsRead`:13 and `flagsWritten`:13 (each as toFlagLane() stores it), ends:4, altFold:1, altPlain:1. */
  wg = E_HANDLER << 26;
  /**
   * Packed lanes (bits): wa osz:4 asz:4 k0:4 k1:4 k2:4 r0:4 r1:4 r2:4 | wc s0:5 s1:5 seg:3 bnd:5 alt:14 |
   * wd base:4 index:4 scale:2 rep:2 alu:5 shift:5 strop:4 cc:6 | wf len:4 term:3 msz:10 sub:12 (signed).
   * (Ten words of byte and 16-bit lanes before the twelfth pass of docs/jit-plan.md "Memory": the same facts in seven.)
   * `alt` numbers the record's one second handler (altHandlers), which one in wg bits 30-31: midExec
   * (a conditional branch), foldExec (a direct JMP/CALL) or plain (a fused CMP/TEST: its own handler,
   * used when the block must stop between it and the Jcc it runs, the next record); no record needs two.
   * The number travels to the compile worker with wc, where no handler has one (its getters answer null there).
   */
  wa = WA0;
  wc = WC0;
  wd = WD0;
  wf = 0;

  constructor(exec: Handler) {
    this.exec = exec;
  }

  /**
   * Make this record what `new Rec(exec)` makes (every field to its
   * initial value above), for the front end to decode into again: records
   * of dead blocks are reused (translator/frontend/blocks.ts `reclaim`)
   * instead of becoming old-space garbage. test/interp/records.test.ts
   * checks it against a fresh record, so a field added above without a
   * line here fails there.
   */
  reset(exec: Handler): void {
    this.exec = exec;
    this.wo = 0;
    this.wm = 0;
    this.imm = 0;
    this.disp = 0;
    this.wg = E_HANDLER << 26;
    this.wa = WA0;
    this.wc = WC0;
    this.wd = WD0;
    this.wf = 0;
  }

  /**
   * Offset of this instruction from the block start, in bytes (may be negative: folded jumps go backwards).
   * A paired RET (ends E_PAIRED) sits at its CALL's target (after the MOV of a paired thunk), anywhere: its
   * offset is the int32 in `disp`; a paired thunk's MOV (E_THUNK) sits at the CALL's target: its offset is in `imm`.
   */
  get off(): number {
    const e = (this.wg >>> 26) & 0xf;
    return e === E_PAIRED ? this.disp : e === E_THUNK ? this.imm : (this.wo << 18) >> 18;
  }
  set off(v: number) { this.wo = putSb(this.wo, 0, 14, v, 'off'); }
  /**
   * Offset of the next instruction (off + len: the fall-through, also after a folded JMP/CALL;
   * a paired RET's is its CALL's next, in `imm`; a paired thunk's MOV's is the thunk's RET, imm + len).
   */
  get next(): number {
    const e = (this.wg >>> 26) & 0xf;
    return e === E_PAIRED ? this.imm : (e === E_THUNK ? this.imm : (this.wo << 18) >> 18) + (this.wf & 0xf);
  }
  /** iced-x86 Code and Mnemonic of the instruction (for the JIT, profiles, messages). */
  get code(): number { return this.wm & 0x1fff; }
  set code(v: number) { this.wm = putUb(this.wm, 0, 13, v, 'code'); }
  get mnemonic(): number { return ub(this.wm, 13, 11); }
  set mnemonic(v: number) { this.wm = putUb(this.wm, 13, 11, v, 'mnemonic'); }
  /** Length in bytes (1-15). */
  get len(): number { return this.wf & 0xf; }
  set len(v: number) { this.wf = putUb(this.wf, 0, 4, v, 'len'); }
  /** Conditional branches: the handler to use when the record is not last in its block (T_COND). */
  get midExec(): Handler | null { return (this.wg & (ALT_FOLD | ALT_PLAIN)) === 0 ? (altHandlers[this.wc >>> ALT_SH] ?? null) : null; }
  set midExec(h: Handler | null) { this.setAlt(altNumber(h)); this.wg &= ~(ALT_FOLD | ALT_PLAIN); }
  /** The second handler's number (wc's top lane; 0: none), whichever kind wf says it is: copied with the record's words. */
  private setAlt(n: number): void { this.wc = (this.wc & ~(ALT_MAX << ALT_SH)) | (n << ALT_SH); }
  /**
   * Direct JMP/CALL: the handler to use when the front end continues the
   * block at the branch target (same page, 32-bit code); it checks the target
   * against the CS limit (and CALL pushes the return address) but leaves EIP alone.
   */
  get foldExec(): Handler | null { return (this.wg & ALT_FOLD) !== 0 ? (altHandlers[this.wc >>> ALT_SH] ?? null) : null; }
  set foldExec(h: Handler | null) { this.setAlt(altNumber(h)); this.wg = (this.wg & ~ALT_PLAIN) | ALT_FOLD; }
  /**
   * Fused compare-and-branch (runtime/interp/fused.ts): this CMP/TEST record's `exec` also runs the
   * T_COND record that follows it in its block (one dispatch instead of two); `plain` is its own
   * handler, null otherwise. Clearing it (killBlock clears every record's) leaves a midExec/foldExec alone.
   */
  get plain(): Handler | null { return (this.wg & ALT_PLAIN) !== 0 ? (altHandlers[this.wc >>> ALT_SH] ?? null) : null; }
  set plain(h: Handler | null) {
    if (h !== null) { this.setAlt(altNumber(h)); this.wg = (this.wg & ~ALT_FOLD) | ALT_PLAIN; }
    else if ((this.wg & ALT_PLAIN) !== 0) { this.setAlt(0); this.wg &= ~ALT_PLAIN; }
  }
  /** Size in bytes of the memory operand (0 when there is none; up to 512: FXSAVE). */
  get msz(): number { return ub(this.wf, 7, 10); }
  set msz(v: number) { this.wf = putUb(this.wf, 7, 10, v, 'msz'); }
  /**
   * A second immediate (ENTER's level, a far pointer's selector), or what a
   * family's factory keeps there (the x87 families: the FOP, 11 bits): 0-65535.
   */
  get imm2(): number { return ub(this.wo, 14, 16); }
  set imm2(v: number) { this.wo = putUb(this.wo, 14, 16, v, 'imm2'); }
  /**
   * Family-specific selector of the families still bound per mnemonic
   * (runtime/isa/legacy.ts: bit-test op, FPU op and source kind, ...), set by
   * their handler factories. Families described in runtime/isa/ use the typed fields.
   */
  get sub(): number { return (this.wf << 3) >> 20; }
  set sub(v: number) { this.wf = putSb(this.wf, 17, 12, v, 'sub'); }
  /** EFLAGS bits read / written (iced-x86's view, for flag liveness in the JIT): OF SF ZF AF CF PF DF IF AC only. */
  get flagsRead(): number { return fromFlagLane(this.wg & 0x1fff); }
  set flagsRead(v: number) { this.wg = (this.wg & ~0x1fff) | toFlagLane(v, 'flagsRead'); }
  get flagsWritten(): number { return fromFlagLane((this.wg >>> 13) & 0x1fff); }
  set flagsWritten(v: number) { this.wg = (this.wg & ~(0x1fff << 13)) | (toFlagLane(v, 'flagsWritten') << 13); }
  /** Both flag lanes as stored (what fillRecord caches per Code and puts back in one write). */
  get flagLanes(): number { return this.wg & FLAG_LANES; }
  set flagLanes(v: number) {
    if ((v & FLAG_LANES) !== v) throw new RangeError(`Rec.flagLanes = ${v}: not two 13-bit flag lanes`);
    this.wg = (this.wg & ~FLAG_LANES) | v;
  }
  /** Operand size (1, 2, 4) and address size (2, 4) in bytes. */
  get osz(): number { return this.wa & 0xf; }
  set osz(v: number) { this.wa = putUb(this.wa, 0, 4, v, 'osz'); }
  get asz(): number { return ub(this.wa, 4, 4); }
  set asz(v: number) { this.wa = putUb(this.wa, 4, 4, v, 'asz'); }
  /** First/second/third operand kind (OP_*) and register index for OP_REG/OP_SREG/... */
  get k0(): number { return ub(this.wa, 8, 4); }
  set k0(v: number) { this.wa = putUb(this.wa, 8, 4, v, 'k0'); }
  get k1(): number { return ub(this.wa, 12, 4); }
  set k1(v: number) { this.wa = putUb(this.wa, 12, 4, v, 'k1'); }
  get k2(): number { return ub(this.wa, 16, 4); }
  set k2(v: number) { this.wa = putUb(this.wa, 16, 4, v, 'k2'); }
  get r0(): number { return ub(this.wa, 20, 4); }
  set r0(v: number) { this.wa = putUb(this.wa, 20, 4, v, 'r0'); }
  get r1(): number { return ub(this.wa, 24, 4); }
  set r1(v: number) { this.wa = putUb(this.wa, 24, 4, v, 'r1'); }
  get r2(): number { return this.wa >>> 28; }
  set r2(v: number) { this.wa = putUb(this.wa, 28, 4, v, 'r2'); }
  /** Size in bytes of register operands 0 and 1 (may differ from osz: MOVZX, shifts by CL...). */
  get s0(): number { return this.wc & 0x1f; }
  set s0(v: number) { this.wc = putUb(this.wc, 0, 5, v, 's0'); }
  get s1(): number { return ub(this.wc, 5, 5); }
  set s1(v: number) { this.wc = putUb(this.wc, 5, 5, v, 's1'); }
  /** Memory operand: segment (0-5). */
  get seg(): number { return ub(this.wc, 10, 3); }
  set seg(v: number) { this.wc = putUb(this.wc, 10, 3, v, 'seg'); }
  /**
   * Which segment bounds check the memory operand: `seg` for a read, seg +
   * SEG_WRITE (the write bounds) when the instruction writes it (set by the
   * front end from iced-x86's operand access; see SEG_WLO in state/layout.ts).
   */
  get bnd(): number { return ub(this.wc, 13, 5); }
  set bnd(v: number) { this.wc = putUb(this.wc, 13, 5, v, 'bnd'); }
  /** Memory operand: base and index register (0-7 or NO_REG), scale shift; displacement in `disp`. */
  get base(): number { return (this.wd << 28) >> 28; }
  set base(v: number) { this.wd = putSb(this.wd, 0, 4, v, 'base'); }
  get index(): number { return sb(this.wd, 4, 4); }
  set index(v: number) { this.wd = putSb(this.wd, 4, 4, v, 'index'); }
  get scale(): number { return ub(this.wd, 8, 2); }
  set scale(v: number) { this.wd = putUb(this.wd, 8, 2, v, 'scale'); }
  /** 0: none, 1: REP/REPE, 2: REPNE. */
  get rep(): number { return ub(this.wd, 10, 2); }
  set rep(v: number) { this.wd = putUb(this.wd, 10, 2, v, 'rep'); }
  /**
   * Typed facts from the instruction table (runtime/isa/), stored by the
   * front end; each has one meaning. `alu`: ALU_* op (runtime/isa/alu.ts);
   * `shift`: SH_* kind (runtime/isa/shift.ts); `strop`: STR_* string op
   * (runtime/isa/string.ts); `cc`: condition code CC_* (runtime/isa/cc.ts).
   * Each is -1 (ALU_NONE, SH_NONE, STR_NONE, CC_NONE) when it does not apply.
   */
  get alu(): number { return sb(this.wd, 12, 5); }
  set alu(v: number) { this.wd = putSb(this.wd, 12, 5, v, 'alu'); }
  get shift(): number { return sb(this.wd, 17, 5); }
  set shift(v: number) { this.wd = putSb(this.wd, 17, 5, v, 'shift'); }
  get strop(): number { return sb(this.wd, 22, 4); }
  set strop(v: number) { this.wd = putSb(this.wd, 22, 4, v, 'strop'); }
  get cc(): number { return this.wd >> 26; }
  set cc(v: number) { this.wd = putSb(this.wd, 26, 6, v, 'cc'); }
  /** How the instruction may end a block (E_* in runtime/isa/types.ts); `term` is what this block made of it. */
  get ends(): End { return ((this.wg >>> 26) & 0xf) as End; }
  set ends(v: End) { this.wg = putUb(this.wg, 26, 4, v, 'ends'); }
  /** T_* termination kind. */
  get term(): number { return ub(this.wf, 4, 3); }
  set term(v: number) { this.wf = putUb(this.wf, 4, 3, v, 'term'); }
  get lock(): boolean { return (this.wo & LOCK) !== 0; }
  set lock(v: boolean) { this.wo = v ? this.wo | LOCK : this.wo & ~LOCK; }
  /** True when the front end folded this JMP/CALL: the next record is the branch target. */
  get folded(): boolean { return (this.wo & FOLDED) !== 0; }
  set folded(v: boolean) { this.wo = v ? this.wo | FOLDED : this.wo & ~FOLDED; }
  /** Index of this instruction in its block (instructions retired in the block before it; < MAX_BLOCK_INSNS = 256). */
  get idx(): number { return this.wm >>> 24; }
  set idx(v: number) { this.wm = putUb(this.wm, 24, 8, v, 'idx'); }
}

/** Block.evictMark before a block's first eviction pass: below 0, and a double (not -1) so the field is one from the start. */
export const NO_EVICT_MARK = -Infinity;

export class Block {
  valid = true;
  /** Times the interpreter ran this block (the JIT's tiering input). */
  hits = 0;
  /**
   * Instructions retired in this block (including runs that ended in a fault or
   * invalidation). Unlike `hits` (entries from the dispatcher: compiled code
   * that loops on itself runs many passes per entry) it is the same on every
   * engine, so guest-visible decisions (the front end's SMC heuristic) use it.
   * -0, not 0: a double field from the start. The boot's hottest blocks pass 2^31 instructions
   * (~6.5 G of the boot's 6.7 G); started as a small integer, the field's representation changed
   * then, V8 deprecated the Block map and every function optimised on it deoptimised ("wrong map"
   * in ~20 functions at once, bench/opt-trace.ts; docs/jit-plan.md "Stable JS, session 14").
   */
  insns = -0;
  /**
   * Warming up again (the loop's INTERP_REASONS `again`): decoded at an
   * address whose block the front end's bound evicted before, or its
   * compiled code was evicted (the JIT rearmed it).
   */
  again = false;
  /**
   * The front end's eviction recency (translator/frontend/blocks.ts
   * evict()): recencyOf(this) at the last eviction pass, NO_EVICT_MARK
   * before the first one (a double, as the marks past 2^31 are: see `insns`;
   * a field, not a WeakMap beside the blocks: no ephemeron table for the GC
   * to trace, ~1 MiB on the boot).
   */
  evictMark = NO_EVICT_MARK;
  /**
   * Successor chain: the last two blocks that followed this one, by linear
   * address, valid while the MMU generation is unchanged (no TLB flush,
   * CPL change) — the dispatcher then skips the TLB and cache lookups.
   */
  chainLin0 = -1; chainGen0 = -1; chainBlock0: Block | null = null;
  chainLin1 = -1; chainGen1 = -1; chainBlock1: Block | null = null;
  /**
   * Compiled code for the whole block (set by the JIT, null until then). It
   * runs every record and returns (records retired) << 1 | (1 when EIP was
   * written), like the interpreter's loop; a fault escapes as an exception
   * with FAULT_REC naming the record (layout.ts). A block that branches back
   * to its own start may run again without returning while `budget`
   * (instructions) allows: it then always writes EIP, and RETIRED counts
   * its completed iterations.
   */
  jit: ((budget: number) => number) | null = null;
  /**
   * Chaining (translator/jit/chain.ts): the block's index in the JIT's
   * shared function table (0 until compiled), and the setter of its
   * module's link slots: exit site `site` (what LINK_EXIT named) continues
   * into `to` while the state's CS base + EIP equals `lin` and MMU_GEN
   * equals `gen`. A compiled block may thus run its successors before it
   * returns (CUR_BLOCK / BLOCK_EIP name the one running; ICOUNT already
   * counts the ones before it).
   */
  jitId = 0;
  /**
   * CODE_CTX (runtime/state/layout.ts) when the block went hot, i.e. in its
   * own context: which segment bounds are flat and which bases are 0 there.
   * Its compiled code may assume those (behind its entry guard). Taken from
   * the state at send time instead, a kernel block sent while the CPU was in
   * user mode would assume user mode's FS base 0 and fail its guard forever.
   */
  jitFlat = 0;
  /** The chain table (epoch) holding `jitId` (translator/jit/chain.ts); null until compiled with chaining. */
  jitTable: WebAssembly.Table | null = null;
  /**
   * Direct transfers (translator/jit/chain.ts): 1 in this global while a
   * block of the same module may jump into this one without the loop (the
   * JIT clears it when the block is killed or loses its code); and the
   * instructions this block retired before such a transfer out of it, which
   * the loop cannot see per block (read with `insns`: jitInsnsOf). Null
   * without compiled code / direct transfers.
   */
  jitAlive: WebAssembly.Global | null = null;
  jitInsns: WebAssembly.Global | null = null;
  /** (JIT_GUARD_FAILED is what `jit` returns when the block's entry guard fails: it ran nothing.) */
  link: ((site: number, lin: number, gen: number, to: Block) => void) | null = null;
  constructor(
    /** Physical address of the first byte. */
    readonly phys: number,
    /** 32-bit code segment (true) or 16-bit. */
    readonly code32: boolean,
    /**
     * The records (the front end replaces them with deadRecs() of the same
     * length once the block is dead and they are reused: see FrontEnd.reclaim).
     */
    public recs: Rec[],
    /** Byte length of the block's code. */
    readonly length: number,
    /** Physical pages the bytes come from (one, or two for a straddling last instruction). */
    readonly pages: number[],
  ) {}
}

/** Instructions retired in `b` on every engine: the loop's count plus what compiled code counted before direct transfers out of it. */
export function insnsOf(b: Block): number {
  return b.jitInsns === null ? b.insns : b.insns + (b.jitInsns.value as number);
}

/**
 * Eviction recency of `b` (its change between passes says whether and how
 * much it ran): its entries from the loop, plus, while it has compiled code
 * that direct transfers may enter or leave (jitInsns), its instructions, as
 * such runs bump no hit count. The interpreter's blocks: their hits.
 */
export function recencyOf(b: Block): number {
  return b.jitInsns === null ? b.hits : b.hits + b.insns + (b.jitInsns.value as number);
}

/**
 * Thrown (not a fault) by the records of a block that was invalidated while
 * it ran: the loop resumes at that record with freshly decoded code. This
 * keeps self-modifying-code handling off the per-instruction path.
 */
export const BLOCK_EXIT = { blockExit: true } as const;
const exitHere: Handler = () => { throw BLOCK_EXIT; };

/**
 * Returned by compiled code (Block.jit) whose entry guard failed (a segment
 * it was compiled flat for is not): nothing ran; the loop runs the block's
 * records instead, or, when a chained successor returned it, goes on from
 * the EIP its predecessor wrote.
 */
export const JIT_GUARD_FAILED = -1;

/**
 * Records that only stop a block (BLOCK_EXIT), standing in for a dead
 * block's own once those are reused (FrontEnd.reclaim): the same length, so
 * whatever still counts a dead block's records (a compiled module's call-out
 * numbering, link.ts) counts the same; one shared array per length.
 */
const deadRec = new Rec(exitHere);
const deadArrays: Rec[][] = [];
export function deadRecs(n: number): Rec[] {
  let a = deadArrays[n];
  if (a === undefined) {
    // Built by push, as decode's arrays are (packed elements; not frozen): one elements kind for every block's records.
    a = [];
    for (let i = 0; i < n; i++) a.push(deadRec);
    deadArrays[n] = a;
  }
  return a;
}

/**
 * Mark a block dead; if it is running, its remaining records stop it. (Indexed loops here and in the
 * rest of the kill path: a boot's first eviction passes kill ~8,000 blocks each before V8 optimises
 * any of it, and a for-of in Ignition calls the iterator's next() and allocates its result per step.)
 */
export function killBlock(b: Block): void {
  b.valid = false;
  const recs = b.recs;
  for (let i = 0; i < recs.length; i++) { const r = recs[i]!; r.exec = exitHere; r.plain = null; }
}

/**
 * A Block and a Rec whose fields that change after construction were each written twice here, at load
 * time, and that stay alive. Why: V8 records per map whether a field was ever written again after it
 * was initialised ("const"), and optimised code relies on it (load elimination). The first time such a
 * field was written later in the boot (a block's first kill: `valid`, `exec`; a block compiled again:
 * `jit`, `jitId`, `link`; its first unlink: `jitTable`; a guard recompile: `evictMark`...) V8 deoptimised
 * every function optimised on the assumption at once ("code dependencies": run, get, decode, interpReason
 * and the Block constructor at a block's first kill; bench/opt-trace.ts, `--trace-generalization`).
 * Written here, before anything is optimised, that never happens. Kept alive: a class's instance map is
 * held only through live instances (transitions are weak), and a map made again starts const again.
 */
export const SHAPED = shapeOnce();
function shapeOnce(): { block: Block; rec: Rec } {
  const noop: Handler = () => undefined;
  const rec = new Rec(noop);
  rec.exec = exitHere;
  rec.plain = noop;
  rec.plain = null;
  const b = new Block(0, true, [rec], 1, [0]);
  b.valid = false; b.valid = true;
  b.hits = 1; b.hits = 0;
  b.insns = 1; b.insns = -0;
  b.again = true; b.again = false;
  b.evictMark = 1; b.evictMark = NO_EVICT_MARK;
  b.chainLin0 = 0; b.chainGen0 = 0; b.chainBlock0 = b; b.chainBlock0 = null;
  b.chainLin1 = 0; b.chainGen1 = 0; b.chainBlock1 = b; b.chainBlock1 = null;
  b.jit = () => 0; b.jit = null;
  b.jitId = 1; b.jitId = 0;
  b.jitFlat = 1; b.jitFlat = 0;
  b.jitTable = new WebAssembly.Table({ initial: 0, element: 'anyfunc' }); b.jitTable = null;
  b.jitAlive = new WebAssembly.Global({ value: 'i32', mutable: true }, 0); b.jitAlive = null;
  b.jitInsns = new WebAssembly.Global({ value: 'f64', mutable: true }, 0); b.jitInsns = null;
  b.link = () => undefined; b.link = null;
  return { block: b, rec };
}

/** Where the execution loop gets blocks from (implemented by translator/frontend). */
export interface BlockSource {
  /** The block starting at physical address `phys`, decoding it if needed. `lin` is its linear address. */
  get(phys: number, lin: number, code32: boolean): Block;
  /**
   * Tiering hook (a JIT): called once, when a block without compiled code
   * is about to run for the `hotAt`-th time. It may set `b.jit` at once.
   */
  readonly hotAt?: number;
  hot?(b: Block): void;
  /**
   * Profiling hook (translator/jit/profiler.ts, lockstep.ts), absent normally: told after
   * every block run the instructions it retired (a fault's included) and
   * whether compiled code ran them.
   */
  ran?: (b: Block, retired: number, compiled: boolean) => void;
  /**
   * Instructions the loop ran in the interpreter although the source compiles
   * (a JIT), by reason (INTERP_REASONS order), bumped per interpreted block
   * run; absent for the interpreter itself.
   */
  readonly interpreted?: number[];
  /**
   * Called now and then (every 64th run) while a block that went hot still
   * runs without code: a JIT attaches compile answers that arrived, so the
   * block's next run may be compiled. Between blocks, like hot().
   */
  waiting?(b: Block): void;
  /**
   * Called when compiled block `b`'s entry guard failed (the context it
   * assumed does not hold: it runs interpreted), before the loop interprets
   * it. A JIT may drop its code and compile it again. Between blocks.
   */
  guardFailed?(b: Block): void;
}

/**
 * Why a block ran interpreted under a JIT (BlockSource.interpreted), as the
 * loop sees it: `cold` no code and fewer than hotAt runs so far, decoded
 * for the first time; `again` the same, but its code was decoded before and
 * evicted by the front end's bound, or its compiled code was evicted
 * (Block.again); `waiting` no code after
 * hotAt runs (queued or in the compile worker, or dropped); `budget` the
 * slice's budget ends inside the block; `step` single-step / debug
 * registers; `shadow` the boundary after STI / MOV SS; `guard` its compiled
 * entry guard failed (a segment no longer flat).
 */
export const INTERP_REASONS = ['cold', 'again', 'waiting', 'budget', 'step', 'shadow', 'guard'] as const;
export const I_COLD = 0, I_AGAIN = 1, I_WAITING = 2, I_BUDGET = 3, I_STEP = 4, I_SHADOW = 5, I_GUARD = 6;
