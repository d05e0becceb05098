/**
 * Guest RAM in a snapshot: pages that are all zero are skipped (a bitmap
 * says which pages follow), the rest are copied as they are, and the whole
 * is compressed by the caller (src/snapshot/codec.ts).
 *
 *   u32 LE   page count (RAM bytes / 4096)
 *   bitmap   ceil(pages / 8) bytes, bit p % 8 of byte p / 8 set = page p is stored
 *   pages    4096 bytes for each stored page, in page order
 *
 * Capture is a synchronous copy (the guest does not run meanwhile), so the
 * compression after it can run in the background while the guest goes on.
 */
import type { PhysicalMemory } from '../../runtime/memory.js';
import { PAGE_SIZE, RAM_BASE } from '../../runtime/state/layout.js';
import { SnapshotError } from './format.js';

const WORDS = PAGE_SIZE / 4;

/** Whether 4 KiB page `p` of `ram` (32-bit words) is all zero. (A word loop: Buffer.equals on wasm memory costs ~40x more.) */
function zeroPage(ram: Int32Array, p: number): boolean {
  const o = p * WORDS, e = o + WORDS;
  for (let i = o; i < e; i += 4) if ((ram[i] | ram[i + 1] | ram[i + 2] | ram[i + 3]) !== 0) return false;
  return true;
}

export interface RamCapture {
  /** The section's bytes before compression. */
  raw: Buffer;
  pageCount: number;
  storedPages: number;
}

export function captureRam(phys: PhysicalMemory): RamCapture {
  const pageCount = phys.ramSize / PAGE_SIZE;
  const mem = new Uint8Array(phys.buffer, RAM_BASE, phys.ramSize);
  const words = new Int32Array(phys.buffer, RAM_BASE, phys.ramSize / 4);
  const bitmapBytes = Math.ceil(pageCount / 8);
  const bitmap = new Uint8Array(bitmapBytes);
  let stored = 0;
  for (let p = 0; p < pageCount; p++) {
    if (!zeroPage(words, p)) { bitmap[p >> 3] |= 1 << (p & 7); stored++; }
  }
  const raw = Buffer.allocUnsafe(4 + bitmapBytes + stored * PAGE_SIZE);
  raw.writeUInt32LE(pageCount, 0);
  raw.set(bitmap, 4);
  let o = 4 + bitmapBytes;
  for (let p = 0; p < pageCount; p++) {
    if (bitmap[p >> 3] & (1 << (p & 7))) { raw.set(mem.subarray(p * PAGE_SIZE, (p + 1) * PAGE_SIZE), o); o += PAGE_SIZE; }
  }
  return { raw, pageCount, storedPages: stored };
}

/** A RAM section with no page stored (all bits clear): a capture without RAM (live migration). */
export function emptyRam(phys: PhysicalMemory): RamCapture {
  const pageCount = phys.ramSize / PAGE_SIZE;
  const raw = Buffer.alloc(4 + Math.ceil(pageCount / 8));
  raw.writeUInt32LE(pageCount, 0);
  return { raw, pageCount, storedPages: 0 };
}

/** Stored-page count of a decoded RAM section (for `snapshot info`), checking its shape. */
export function ramSectionPages(raw: Buffer, name: string): { pageCount: number; storedPages: number } {
  const bad = (what: string): never => { throw new SnapshotError(`snapshot '${name}': corrupted RAM section: ${what}`); };
  if (raw.length < 4) bad('too short');
  const pageCount = raw.readUInt32LE(0);
  const bitmapBytes = Math.ceil(pageCount / 8);
  if (raw.length < 4 + bitmapBytes) bad('bitmap cut short');
  let stored = 0;
  for (let i = 0; i < bitmapBytes; i++) { let b = raw[4 + i]; while (b) { stored += b & 1; b >>= 1; } }
  if (raw.length !== 4 + bitmapBytes + stored * PAGE_SIZE) bad(`${raw.length} bytes for ${stored} stored pages`);
  return { pageCount, storedPages: stored };
}

/**
 * Write a decoded RAM section into the guest RAM of a freshly built machine
 * (all zero: pages not stored are left alone, so the host never touches
 * their memory).
 */
export function applyRam(raw: Buffer, phys: PhysicalMemory, name: string): void {
  const { pageCount } = ramSectionPages(raw, name);
  if (pageCount * PAGE_SIZE !== phys.ramSize) {
    throw new SnapshotError(`snapshot '${name}': RAM section holds ${pageCount * 4} KiB, the machine has ${phys.ramSize / 1024} KiB`);
  }
  const mem = new Uint8Array(phys.buffer, RAM_BASE, phys.ramSize);
  const bitmapBytes = Math.ceil(pageCount / 8);
  let o = 4 + bitmapBytes;
  for (let p = 0; p < pageCount; p++) {
    const at = p * PAGE_SIZE;
    if (raw[4 + (p >> 3)] & (1 << (p & 7))) { mem.set(raw.subarray(o, o + PAGE_SIZE), at); o += PAGE_SIZE; }
  }
}
