/**
 * Linear-address access through the software TLB, and the page walk that
 * fills it (two-level 32-bit paging, SDM vol. 3, 4.3).
 *
 * TLB entry (i32, one per 4 KiB linear page, in the shared memory at TLB):
 *   bits 31..12  (host byte offset of the physical page) XOR (linear page address)
 *   bits 11..0   flags below; 0 means "no entry".
 * A hit is one load and one compare: (entry & mask) === TLB_VALID, where the
 * mask (readMask/writeMask) holds every flag that forces the slow path for
 * that kind of access at the current privilege level. The host offset is
 * then (entry & ~0xfff) ^ linear. Generated code uses the same test.
 */
import { PhysicalMemory } from './memory.js';
import { CR0, CR3, CR4, CR2, RAM_BASE, READ_MASK, TLB, TLB_ENTRIES, WRITE_MASK, w } from './state/layout.js';
import { fault, GuestFault, PF as PF_VECTOR } from './exceptions.js';

export const TLB_VALID = 1;
export const TLB_READONLY = 2;  // not writable, or dirty bit not yet set: writes take the slow path
export const TLB_NOUSER = 4;    // supervisor-only page
export const TLB_SLOW = 8;      // not RAM (MMIO / unmapped), or a page with a data breakpoint: every access takes the slow path
export const TLB_CODE = 16;     // physical page holds decoded code: writes take the slow path
export const TLB_GLOBAL = 32;   // global page (CR4.PGE): kept across CR3 writes
/**
 * Dirty-page tracking (live migration): set on RAM pages not yet written
 * since the dirty log (PhysicalMemory.dirty) was last cleared, so the first
 * write to such a page takes the slow path, which logs it and drops the
 * flag from the entry. Part of writeMask at all times (it is only ever set
 * while tracking), so generated code, which tests WRITE_MASK from the state
 * block, traps the same writes with no change.
 */
export const TLB_TRACK = 64;

const CR0_PG = 0x80000000 | 0, CR0_WP = 0x10000;
const CR4_PSE = 0x10, CR4_PGE = 0x80;

/** A data breakpoint (runtime/debug.ts): `len` bytes at linear `lo`, DR6 bit `bit`. */
export interface Watch { lo: number; len: number; bit: number; writesOnly: boolean }

/** Supervisor-mode views of the MMU accessors (Mmu.sys). */
export interface SysAccess {
  read16(lin: number): number;
  read32(lin: number): number;
  write16(lin: number, v: number): void;
  write32(lin: number, v: number): void;
  checkWrite(lin: number, size: number): void;
}

export class Mmu {
  readonly tlb: Int32Array;
  readonly dv: DataView;
  readonly u8: Uint8Array;
  readMask = TLB_VALID | TLB_SLOW;
  writeMask = TLB_VALID | TLB_SLOW | TLB_READONLY | TLB_CODE | TLB_TRACK;
  /**
   * Linear page numbers with a TLB entry, so flushes touch only those: pages
   * filled without TLB_GLOBAL in `filled`, with it in `filledGlobal`, each
   * page at most once per list (`listed`: bit 0 / bit 1). A CR3 write walks
   * only `filled`: with CR4.PGE Linux keeps ~670 global kernel pages across
   * a context switch, and walking (and re-listing) them at every switch was
   * 9% of the md5sum phase's CPU (14k switches per 5e8 instructions).
   */
  private filled: number[] = [];
  private filledGlobal: number[] = [];
  private readonly listed = new Uint8Array(TLB_ENTRIES);
  /**
   * Which linear pages map a physical page, for setCodeFlag: it used to walk
   * both fill lists (up to ~5,000 entries, a cache miss each in the 4 MiB
   * TLB) for every page the front end flags as code or unflags, ~1,600 times
   * in the kernel-init burst (2.32-2.70 G instructions): 3.3 M entries.
   * `physOf[linear page]` is the physical page + 1 that fill() last gave it
   * (0: none). A physical page's linear pages: `firstLin[physical page]`
   * (linear page + 1; most pages have one mapping, the kernel's direct map
   * or one process's), more in `moreLin`. Either may name stale pages
   * (physOf moved on since), dropped when setCodeFlag or index() meets
   * them. Every entry fill() made for a physical page is listed there, as
   * every filled entry is in a fill list; setCodeFlag checks each entry it
   * finds as it did (still mapping that page, not TLB_SLOW).
   */
  private readonly physOf = new Int32Array(TLB_ENTRIES);
  private readonly firstLin: Int32Array;
  private readonly moreLin = new Map<number, number[]>();
  /**
   * Called before a guest store of `size` bytes (1-4, within one page) of
   * `value` at physical `phys` on a page flagged as holding decoded code
   * (phys.codePages): the front end kills the blocks the store overlaps.
   */
  onCodeWrite: (phys: number, size: number, value: number) => void = () => {};
  private user = false;
  /** Bumped whenever linear->physical translations or access rights may change (flushes, CPL). */
  generation = 0;
  /**
   * AND mask for every physical address the CPU puts out (the A20M# input):
   * bit 20 is cleared while the PC's A20 gate is off (the 8086 wrap-around).
   * Applied when a translation is made, so TLB hits cost nothing extra;
   * setA20 drops every translation.
   */
  private a20Mask = -1;
  /** Armed data breakpoints, and the linear pages they touch (those get TLB_SLOW). */
  private watches: Watch[] = [];
  private watchPages: Set<number> | null = null;
  /** DR6 B0-B3 bits of the data breakpoints hit since the execution loop last took them. */
  watchHits = 0;

  /**
   * Implicit supervisor-mode accesses: the same reads and writes, checked as
   * CPL < 3 whatever the CPL (SDM vol. 3, 4.6: the processor's accesses to the
   * GDT/LDT, IDT and TSS are supervisor-mode accesses regardless of CPL; so is
   * the frame an interrupt or call gate pushes on the inner stack, made at the
   * new CPL). Used by descriptor loads, interrupt delivery, task switches and
   * call gates, which run while CPL may still be 3 (Linux keeps all of those
   * on supervisor pages).
   */
  readonly sys: SysAccess;

  constructor(readonly phys: PhysicalMemory, private readonly s: Int32Array) {
    this.tlb = new Int32Array(phys.buffer, TLB, TLB_ENTRIES);
    this.firstLin = new Int32Array(Math.ceil(phys.ramSize / 4096));
    this.dv = phys.dv;
    this.u8 = phys.u8;
    const sup = <T>(f: () => T): T => {
      if (!this.user) return f();
      this.setUser(false);
      try { return f(); } finally { this.setUser(true); }
    };
    this.sys = {
      read16: (lin) => sup(() => this.read16(lin)),
      read32: (lin) => sup(() => this.read32(lin)),
      write16: (lin, v) => sup(() => this.write16(lin, v)),
      write32: (lin, v) => sup(() => this.write32(lin, v)),
      checkWrite: (lin, size) => sup(() => this.checkWrite(lin, size)),
    };
    // TLB misses through translateFetch now, undone at once: the loop's `run` inlines translateFetch,
    // and its miss path is first taken when the guest turns paging on (~2.32 G into the boot: until then
    // every fetch hit); with no type feedback there that deoptimised `run` (session 17, burst17).
    // Several calls: V8 gives a function its feedback vector only after some use (lazy feedback
    // allocation), and a first call records nothing.
    const gen = this.generation;
    for (let k = 0; k < 64; k++) { this.translateFetch(0); this.tlb[0] = 0; }
    this.flush(true);
    this.generation = gen;
  }

  /** The A20 gate (port 0x92 bit 1, the i8042 output port bit 1): on = address bit 20 passes. */
  setA20(on: boolean): void {
    const mask = on ? -1 : ~0x100000;
    if (mask === this.a20Mask) return;
    this.a20Mask = mask;
    this.flush(true);
    this.generation++;
  }
  get a20(): boolean { return this.a20Mask === -1; }

  /** Arm the data breakpoints (runtime/debug.ts). */
  setWatches(watches: Watch[]): void {
    if (watches.length === 0 && this.watches.length === 0) return;
    this.watches = watches;
    this.watchPages = null;
    if (watches.length !== 0) {
      this.watchPages = new Set();
      for (const x of watches) { this.watchPages.add(x.lo >>> 12); this.watchPages.add(((x.lo + x.len - 1) | 0) >>> 12); }
    }
    this.watchHits = 0;
    this.flush(true);
    this.generation++;
  }

  /** An access of `size` bytes at `lin` went through (slow path): note the breakpoints it hits. */
  private watch(lin: number, size: number, write: boolean): void {
    for (const x of this.watches) {
      if (x.writesOnly && !write) continue;
      if (((lin - x.lo) >>> 0) < x.len || ((x.lo - lin) >>> 0) < size) this.watchHits |= x.bit;
    }
  }

  /** Privilege for the access checks: user = CPL 3. */
  setUser(user: boolean): void {
    if (user !== this.user) this.generation++;
    this.user = user;
    this.readMask = TLB_VALID | TLB_SLOW | (user ? TLB_NOUSER : 0);
    this.writeMask = TLB_VALID | TLB_SLOW | TLB_READONLY | TLB_CODE | TLB_TRACK | (user ? TLB_NOUSER : 0);
    // Mirrored into the state block for generated code (same test, same masks).
    this.s[w(READ_MASK)] = this.readMask;
    this.s[w(WRITE_MASK)] = this.writeMask;
  }

  // ---- fast paths -------------------------------------------------------

  read8(lin: number): number {
    const e = this.tlb[lin >>> 12];
    if ((e & this.readMask) === TLB_VALID) return this.u8[((e & ~0xfff) ^ lin) >>> 0];
    const p = this.translate(lin, false);
    if (this.watches.length !== 0) this.watch(lin, 1, false);
    return this.phys.read8(p);
  }
  read16(lin: number): number {
    const e = this.tlb[lin >>> 12];
    if ((e & this.readMask) === TLB_VALID && (lin & 0xfff) !== 0xfff) return this.dv.getUint16(((e & ~0xfff) ^ lin) >>> 0, true);
    return this.read16Slow(lin, false);
  }
  read32(lin: number): number {
    const e = this.tlb[lin >>> 12];
    if ((e & this.readMask) === TLB_VALID && (lin & 0xfff) <= 0xffc) return this.dv.getInt32(((e & ~0xfff) ^ lin) >>> 0, true);
    return this.read32Slow(lin, false);
  }
  write8(lin: number, v: number): void {
    const e = this.tlb[lin >>> 12];
    if ((e & this.writeMask) === TLB_VALID) { this.u8[((e & ~0xfff) ^ lin) >>> 0] = v; return; }
    this.write8Slow(lin, v);
  }
  write16(lin: number, v: number): void {
    const e = this.tlb[lin >>> 12];
    if ((e & this.writeMask) === TLB_VALID && (lin & 0xfff) !== 0xfff) { this.dv.setUint16(((e & ~0xfff) ^ lin) >>> 0, v, true); return; }
    this.writeSlow(lin, v, 2);
  }
  write32(lin: number, v: number): void {
    const e = this.tlb[lin >>> 12];
    if ((e & this.writeMask) === TLB_VALID && (lin & 0xfff) <= 0xffc) { this.dv.setInt32(((e & ~0xfff) ^ lin) >>> 0, v, true); return; }
    this.writeSlow(lin, v, 4);
  }

  /**
   * Reads for read-modify-write instructions: check write access first, so the
   * later write cannot fault after flags or registers changed.
   */
  readW8(lin: number): number {
    const e = this.tlb[lin >>> 12];
    if ((e & this.writeMask) === TLB_VALID) return this.u8[((e & ~0xfff) ^ lin) >>> 0];
    this.checkWrite(lin, 1);
    return this.read8(lin);
  }
  readW16(lin: number): number {
    const e = this.tlb[lin >>> 12];
    if ((e & this.writeMask) === TLB_VALID && (lin & 0xfff) !== 0xfff) return this.dv.getUint16(((e & ~0xfff) ^ lin) >>> 0, true);
    this.checkWrite(lin, 2);
    return this.read16(lin);
  }
  readW32(lin: number): number {
    const e = this.tlb[lin >>> 12];
    if ((e & this.writeMask) === TLB_VALID && (lin & 0xfff) <= 0xffc) return this.dv.getInt32(((e & ~0xfff) ^ lin) >>> 0, true);
    this.checkWrite(lin, 4);
    return this.read32(lin);
  }

  /**
   * Fault now if any byte of [lin, lin+size) is not writable. For an access
   * split over two pages the second page is translated at its first byte, so
   * a #PF there reports that byte in CR2 (what the hardware does: checked on
   * a host CPU, a split access faulting in its second page gives page + 0).
   */
  checkWrite(lin: number, size: number): void {
    this.translate(lin, true);
    const last = (lin + size - 1) | 0;
    if ((last ^ lin) >>> 12) this.translate(last & ~0xfff, true);
  }
  /** Fault now if any byte of [lin, lin+size) is not readable. */
  checkRead(lin: number, size: number): void {
    this.translate(lin, false);
    const last = (lin + size - 1) | 0;
    if ((last ^ lin) >>> 12) this.translate(last & ~0xfff, false);
  }

  // ---- slow paths -------------------------------------------------------

  private read16Slow(lin: number, _w: boolean): number {
    if (this.watches.length !== 0) this.watch(lin, 2, false); // a faulting access leaves no hit: the loop drops them
    if ((lin & 0xfff) === 0xfff) {
      // Crossing a page: both pages are checked before the value is assembled.
      const lo = this.translate(lin, false), hi = this.translate((lin + 1) | 0, false); // lin + 1 starts the next page
      return this.phys.read8(lo) | (this.phys.read8(hi) << 8);
    }
    return this.phys.read16(this.translate(lin, false));
  }
  private read32Slow(lin: number, _w: boolean): number {
    if (this.watches.length !== 0) this.watch(lin, 4, false); // a faulting access leaves no hit: the loop drops them
    if ((lin & 0xfff) > 0xffc) {
      // The second page is translated at its first byte: CR2 on a fault there (see checkWrite).
      const p0 = this.translate(lin, false), p1 = this.translate((lin + 3) & ~0xfff, false);
      let v = 0;
      for (let i = 0; i < 4; i++) {
        const a = (lin + i) | 0;
        const p = (a ^ lin) >>> 12 ? (p1 & ~0xfff) | (a & 0xfff) : p0 + i;
        v |= this.phys.read8(p) << (8 * i);
      }
      return v;
    }
    return this.phys.read32(this.translate(lin, false));
  }
  private write8Slow(lin: number, v: number): void {
    const p = this.translateWrite(lin);
    if (this.watches.length !== 0) this.watch(lin, 1, true);
    if (this.phys.codePages[p >>> 12]) this.onCodeWrite(p, 1, v & 0xff);
    this.phys.write8(p, v);
  }
  private writeSlow(lin: number, v: number, size: number): void {
    if (this.watches.length !== 0) this.watch(lin, size, true);
    const last = (lin + size - 1) | 0;
    if ((last ^ lin) >>> 12) {
      const p0 = this.translate(lin, true), p1 = this.translate(last & ~0xfff, true);
      for (let i = 0; i < size; i++) {
        const a = (lin + i) | 0;
        const p = (a ^ lin) >>> 12 ? (p1 & ~0xfff) | (a & 0xfff) : p0 + i;
        const b = (v >> (8 * i)) & 0xff;
        if (this.phys.codePages[p >>> 12]) this.onCodeWrite(p, 1, b);
        this.phys.write8(p, b);
      }
      return;
    }
    const p = this.translateWrite(lin);
    if (this.phys.codePages[p >>> 12]) this.onCodeWrite(p, size, size === 2 ? v & 0xffff : v);
    if (size === 2) this.phys.write16(p, v); else this.phys.write32(p, v);
  }

  /**
   * Physical address for a write. When the TLB entry allows the write and
   * only TLB_CODE or TLB_TRACK sent it here (data stored beside decoded
   * code; the first write to a page since the dirty log was cleared), the
   * entry already has the answer: no page walk. TLB_TRACK is dropped from
   * the entry here: the caller's write goes through PhysicalMemory, which
   * logs the page, so later writes may take the fast path.
   */
  private translateWrite(lin: number): number {
    const page = lin >>> 12, e = this.tlb[page];
    if ((e & this.writeMask & ~(TLB_CODE | TLB_TRACK)) === TLB_VALID) {
      if ((e & TLB_TRACK) !== 0) this.tlb[page] = e & ~TLB_TRACK;
      return (((e & ~0xfff) ^ lin) >>> 0) - RAM_BASE;
    }
    return this.translate(lin, true);
  }

  /**
   * Start (a fresh Uint8Array of one byte per RAM page) or stop (null)
   * dirty-page tracking, or start a new round with a cleared log. Every
   * translation is dropped, so each RAM page is refilled with TLB_TRACK
   * until it is written (the invariant: while tracking, a writable RAM
   * entry without TLB_TRACK maps a page marked in the log).
   */
  setDirtyLog(log: Uint8Array | null): void {
    if (log !== null && log.length !== this.phys.ramSize >>> 12) throw new RangeError('dirty log: one byte per RAM page');
    this.phys.dirty = log;
    this.flush(true);
  }

  // ---- translation ------------------------------------------------------

  /**
   * Linear -> physical for one access, filling the TLB; raises #PF (with CR2
   * and the error code) when the access is not allowed.
   */
  translate(lin: number, write: boolean): number {
    const s = this.s;
    if ((s[w(CR0)] & CR0_PG) === 0) {
      const p = lin & this.a20Mask;
      this.fill(lin, p & ~0xfff, 0);
      return p >>> 0;
    }
    return this.walk(lin, write);
  }

  /**
   * Physical address of `lin` for a read, or -1 when the access would fault,
   * without raising #PF or touching CR2: the decoder's look-ahead into the
   * next page. (CR2 is written only by a #PF that is delivered, SDM vol. 3,
   * 4.7; a look-ahead that faulted used to clobber a handler's CR2.)
   */
  probe(lin: number): number {
    const cr2 = this.s[w(CR2)];
    try {
      return this.translate(lin, false);
    } catch (e) {
      this.s[w(CR2)] = cr2;
      if (e instanceof GuestFault) return -1;
      throw e;
    }
  }

  /** Physical address for an instruction fetch (same checks as a read). */
  translateFetch(lin: number): number {
    const e = this.tlb[lin >>> 12];
    if ((e & this.readMask) === TLB_VALID) return (((e & ~0xfff) ^ lin) >>> 0) - RAM_BASE;
    return this.translate(lin, false);
  }

  private walk(lin: number, write: boolean): number {
    const s = this.s, phys = this.phys, user = this.user, a20 = this.a20Mask;
    const cr4 = s[w(CR4)], wp = (s[w(CR0)] & CR0_WP) !== 0;
    // Page-structure reads are physical accesses too: A20M# masks bit 20 of every
    // address the processor puts out (P6 datasheets, A20M#; QEMU masks its walks the same way).
    const pdeAddr = ((s[w(CR3)] & ~0xfff) + ((lin >>> 22) << 2)) & a20;
    const pde = phys.read32(pdeAddr);
    const errBase = (write ? 2 : 0) | (user ? 4 : 0);
    if ((pde & 1) === 0) this.pageFault(lin, errBase);
    let frame: number, rw: boolean, us: boolean, global: boolean, dirty: boolean;
    if ((pde & 0x80) !== 0 && (cr4 & CR4_PSE) !== 0) {
      // 4 MiB page.
      rw = (pde & 2) !== 0; us = (pde & 4) !== 0;
      this.checkAccess(lin, rw, us, write, user, wp, errBase);
      let e = pde | 0x20;
      if (write) e |= 0x40;
      if (e !== pde) phys.write32(pdeAddr, e);
      dirty = (e & 0x40) !== 0;
      global = (e & 0x100) !== 0;
      frame = ((pde & 0xffc00000) | (lin & 0x3ff000)) >>> 0;
    } else {
      const pteAddr = ((pde & ~0xfff) + (((lin >>> 12) & 0x3ff) << 2)) & a20;
      const pte = phys.read32(pteAddr);
      if ((pte & 1) === 0) this.pageFault(lin, errBase);
      rw = (pde & 2) !== 0 && (pte & 2) !== 0;
      us = (pde & 4) !== 0 && (pte & 4) !== 0;
      this.checkAccess(lin, rw, us, write, user, wp, errBase);
      if ((pde & 0x20) === 0) phys.write32(pdeAddr, pde | 0x20);
      let e = pte | 0x20;
      if (write) e |= 0x40;
      if (e !== pte) phys.write32(pteAddr, e);
      dirty = (e & 0x40) !== 0;
      global = (e & 0x100) !== 0;
      frame = (pte & ~0xfff) >>> 0;
    }
    let flags = 0;
    if (!rw || !dirty) flags |= TLB_READONLY;
    if (!us) flags |= TLB_NOUSER;
    if (global && (cr4 & CR4_PGE) !== 0) flags |= TLB_GLOBAL;
    frame = (frame & a20) >>> 0;
    this.fill(lin, frame, flags);
    return (frame | (lin & 0xfff)) >>> 0;
  }

  private checkAccess(lin: number, rw: boolean, us: boolean, write: boolean, user: boolean, wp: boolean, errBase: number): void {
    if (user && !us) this.pageFault(lin, errBase | 1);
    if (write && !rw && (user || wp)) this.pageFault(lin, errBase | 1);
  }

  private pageFault(lin: number, code: number): never {
    this.s[w(CR2)] = lin;
    return fault(PF_VECTOR, code);
  }

  private fill(lin: number, physPage: number, flags: number): void {
    const page = lin >>> 12;
    const listed = this.listed[page]!;
    if ((flags & TLB_GLOBAL) !== 0) {
      if ((listed & 2) === 0) { this.filledGlobal.push(page); this.listed[page] = listed | 2; }
    } else if ((listed & 1) === 0) { this.filled.push(page); this.listed[page] = listed | 1; }
    let f = TLB_VALID | flags;
    if (physPage >= this.phys.ramSize || physPage < 0 || (this.watchPages !== null && this.watchPages.has(page))) f |= TLB_SLOW;
    else {
      const ph = physPage >>> 12;
      if (this.physOf[page] !== ph + 1) { this.physOf[page] = ph + 1; this.index(page, ph); }
      if (this.phys.codePages[physPage >>> 12]) f |= TLB_CODE;
      const log = this.phys.dirty;
      if (log !== null && log[physPage >>> 12] === 0) f |= TLB_TRACK;
    }
    this.tlb[page] = (((RAM_BASE + physPage) ^ (lin & ~0xfff)) & ~0xfff) | f;
  }

  /** Physical page number of a TLB entry for linear page `page`. */
  private entryPhysPage(page: number, e: number): number {
    return ((((e & ~0xfff) ^ (page << 12)) >>> 0) - RAM_BASE) >>> 12;
  }

  /** Drop all entries (CR3 write keeps global ones unless `all`). */
  flush(all = true): void {
    // Translations change (CR3/CR0/CR4 writes, task switches): links made
    // under the old ones (successor chains) must not be followed any more.
    this.generation++;
    const tlb = this.tlb, listed = this.listed;
    for (const page of this.filled) {
      // Listed here when filled non-global; it may have been refilled global since (after INVLPG).
      if (!all && (tlb[page] & TLB_GLOBAL) !== 0) {
        if ((listed[page]! & 2) === 0) { this.filledGlobal.push(page); listed[page] = 2; } else listed[page] = 2;
      } else { tlb[page] = 0; listed[page] = listed[page]! & ~1; }
    }
    this.filled = [];
    if (all) {
      for (const page of this.filledGlobal) { tlb[page] = 0; listed[page] = 0; }
      this.filledGlobal = [];
    }
    // Not all: `filledGlobal` keeps its pages; an entry there that is now 0 (INVLPG) or
    // non-global (refilled so: then also in `filled`, cleared above) costs nothing here.
  }

  /** INVLPG. */
  flushPage(lin: number): void {
    this.generation++;
    this.tlb[lin >>> 12] = 0;
  }

  /** Set or clear TLB_CODE on every entry that maps physical page `physPage`. */
  setCodeFlag(physPage: number, on: boolean): void {
    if (physPage >= this.firstLin.length) return;
    const first = this.firstLin[physPage]!;
    if (first !== 0) {
      if (this.physOf[first - 1] === physPage + 1) this.codeFlag(first - 1, physPage, on);
      else this.firstLin[physPage] = 0;
    }
    const list = this.moreLin.get(physPage);
    if (list === undefined) return;
    let k = 0;
    for (let i = 0; i < list.length; i++) {
      const page = list[i]!;
      if (this.physOf[page] !== physPage + 1) continue; // remapped since (listed under its new page)
      list[k++] = page;
      this.codeFlag(page, physPage, on);
    }
    if (k === 0) this.moreLin.delete(physPage); else list.length = k;
  }

  /** setCodeFlag's work on linear page `page`'s entry, if it maps physical page `physPage`. */
  private codeFlag(page: number, physPage: number, on: boolean): void {
    const e = this.tlb[page]!;
    if (e !== 0 && (e & TLB_SLOW) === 0 && this.entryPhysPage(page, e) === physPage) {
      this.tlb[page] = on ? e | TLB_CODE : e & ~TLB_CODE;
    }
  }

  /**
   * List linear page `page` under physical page `ph` (fill: physOf[page] just became ph + 1): in
   * firstLin when that slot is free or stale, else in moreLin. A moreLin list drops its stale and
   * repeated pages when it reaches a power of two (from 8), so a physical page mapped at one linear
   * page after another (user pages across processes) does not grow it without bound.
   */
  private index(page: number, ph: number): void {
    const first = this.firstLin[ph]!;
    if (first === page + 1) return;
    if (first === 0 || this.physOf[first - 1] !== ph + 1) { this.firstLin[ph] = page + 1; return; }
    const list = this.moreLin.get(ph);
    if (list === undefined) { this.moreLin.set(ph, [page]); return; }
    const n = list.length;
    if (n >= 8 && (n & (n - 1)) === 0) {
      const seen = new Set<number>([page, first - 1]);
      let k = 0;
      for (let i = 0; i < n; i++) {
        const p = list[i]!;
        if (this.physOf[p] === ph + 1 && !seen.has(p)) { seen.add(p); list[k++] = p; }
      }
      list.length = k;
    }
    list.push(page);
  }

  /** Linear pages listed under physical page `ph`, stale ones included (tests: the lists stay bounded). */
  indexedPages(ph: number): number {
    return (this.firstLin[ph] !== 0 ? 1 : 0) + (this.moreLin.get(ph)?.length ?? 0);
  }
}
