/**
 * The one WebAssembly.Memory holding the machine (state block, TLB, code-page
 * map, guest RAM; see state/layout.ts) and guest physical memory access.
 * Physical accesses outside RAM go to memory-mapped devices or read as open
 * bus (all ones); writes there are dropped.
 */
import { CODE_PAGES, CODE_PAGE_COUNT, RAM_BASE, WASM_PAGE, memoryBytesFor } from './state/layout.js';

export interface MmioHandler {
  readonly start: number;   // physical address, inclusive
  readonly end: number;     // exclusive
  read(addr: number, size: 1 | 2 | 4): number;
  write(addr: number, size: 1 | 2 | 4, value: number): void;
}

export const MIN_RAM = 1 << 20;
export const MAX_RAM = 3584 * (1 << 20); // below the 4 GiB wasm32 limit with room for the state block

export class PhysicalMemory {
  readonly memory: WebAssembly.Memory;
  readonly buffer: ArrayBuffer;
  readonly u8: Uint8Array;
  readonly s32: Int32Array;
  readonly dv: DataView;
  /** One byte per physical page: non-zero when decoded code lives there. */
  readonly codePages: Uint8Array;
  readonly ramSize: number;
  private mmio: MmioHandler[] = [];
  /**
   * Dirty-page log (live migration, src/migration/): while non-null, one
   * byte per RAM page, set by every write that goes through this object
   * (the MMU's slow paths, page-walk A/D updates, loaders). Writes that go
   * straight to the buffer through a TLB hit are caught by the MMU's
   * TLB_TRACK flag (runtime/mmu.ts), which sends the first one per page here.
   */
  dirty: Uint8Array | null = null;

  constructor(ramBytes: number) {
    if (!Number.isInteger(ramBytes) || ramBytes < MIN_RAM || ramBytes > MAX_RAM || ramBytes % 4096 !== 0) {
      throw new RangeError(`guest RAM must be a multiple of 4 KiB between ${MIN_RAM >> 20} MiB and ${MAX_RAM >> 20} MiB, got ${ramBytes} bytes`);
    }
    const pages = Math.ceil(memoryBytesFor(ramBytes) / WASM_PAGE);
    // Allocated once at its final size and never grown: growing detaches every view.
    this.memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
    this.buffer = this.memory.buffer;
    this.u8 = new Uint8Array(this.buffer);
    this.s32 = new Int32Array(this.buffer);
    this.dv = new DataView(this.buffer);
    this.codePages = new Uint8Array(this.buffer, CODE_PAGES, CODE_PAGE_COUNT);
    this.ramSize = ramBytes;
  }

  addMmio(h: MmioHandler): void {
    for (const o of this.mmio) {
      if (h.start < o.end && o.start < h.end) throw new Error(`MMIO range 0x${h.start.toString(16)} overlaps 0x${o.start.toString(16)}`);
    }
    this.mmio.push(h);
  }

  private findMmio(p: number): MmioHandler | undefined {
    for (const h of this.mmio) if (p >= h.start && p < h.end) return h;
    return undefined;
  }

  isRam(p: number): boolean { return p < this.ramSize; }

  read8(p: number): number {
    p >>>= 0;
    if (p < this.ramSize) return this.u8[RAM_BASE + p];
    const h = this.findMmio(p);
    return h ? h.read(p, 1) & 0xff : 0xff;
  }
  read16(p: number): number {
    p >>>= 0;
    if (p + 1 < this.ramSize) return this.dv.getUint16(RAM_BASE + p, true);
    const h = this.findMmio(p);
    if (h && p + 1 < h.end) return h.read(p, 2) & 0xffff;
    return this.read8(p) | (this.read8(p + 1) << 8);
  }
  read32(p: number): number {
    p >>>= 0;
    if (p + 3 < this.ramSize) return this.dv.getInt32(RAM_BASE + p, true);
    const h = this.findMmio(p);
    if (h && p + 3 < h.end) return h.read(p, 4) | 0;
    return this.read16(p) | (this.read16(p + 2) << 16);
  }
  write8(p: number, v: number): void {
    p >>>= 0;
    if (p < this.ramSize) { this.u8[RAM_BASE + p] = v; if (this.dirty !== null) this.dirty[p >>> 12] = 1; return; }
    this.findMmio(p)?.write(p, 1, v & 0xff);
  }
  write16(p: number, v: number): void {
    p >>>= 0;
    if (p + 1 < this.ramSize) { this.dv.setUint16(RAM_BASE + p, v, true); if (this.dirty !== null) this.markDirty(p, 2); return; }
    const h = this.findMmio(p);
    if (h && p + 1 < h.end) { h.write(p, 2, v & 0xffff); return; }
    this.write8(p, v); this.write8(p + 1, v >> 8);
  }
  write32(p: number, v: number): void {
    p >>>= 0;
    if (p + 3 < this.ramSize) { this.dv.setInt32(RAM_BASE + p, v, true); if (this.dirty !== null) this.markDirty(p, 4); return; }
    const h = this.findMmio(p);
    if (h && p + 3 < h.end) { h.write(p, 4, v); return; }
    this.write16(p, v); this.write16(p + 2, v >> 16);
  }

  /** Copy bytes into guest RAM (loaders); throws if they do not fit. */
  load(p: number, bytes: Uint8Array): void {
    if (p < 0 || p + bytes.length > this.ramSize) {
      throw new RangeError(`cannot load ${bytes.length} bytes at 0x${p.toString(16)}: guest RAM is ${this.ramSize} bytes`);
    }
    this.u8.set(bytes, RAM_BASE + p);
    if (this.dirty !== null && bytes.length !== 0) this.markDirty(p, bytes.length);
  }

  /** Log [p, p+len) as written (dirty log on, range inside RAM). */
  markDirty(p: number, len: number): void {
    const d = this.dirty!;
    for (let pg = p >>> 12, last = (p + len - 1) >>> 12; pg <= last; pg++) d[pg] = 1;
  }

  /** A copy of guest physical memory (RAM only; outside reads as 0xff). */
  dump(p: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    for (let i = 0; i < len; i++) out[i] = this.read8(p + i);
    return out;
  }
}
