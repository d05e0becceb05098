/**
 * Guest RAM pages into PAGES messages and back (protocol.ts).
 */
import type { PhysicalMemory } from '../../runtime/memory.js';
import { PAGE_SIZE, RAM_BASE } from '../../runtime/state/layout.js';
import { frame, MsgType, ZERO_PAGE, type PagesBatch } from './protocol.js';

const WORDS = PAGE_SIZE / 4;

function zeroPage(words: Int32Array, p: number): boolean {
  const o = p * WORDS, e = o + WORDS;
  for (let i = o; i < e; i += 4) if ((words[i] | words[i + 1] | words[i + 2] | words[i + 3]) !== 0) return false;
  return true;
}

export interface PagesFrame { bytes: Buffer; pages: number; zero: number; skipped: number }

/**
 * One PAGES message with pages[from, to) of `pages` copied now. With
 * `skipZero` (the first round: the destination's RAM starts all zero) zero
 * pages are left out; otherwise they are sent as bare zero entries.
 */
export function pagesFrame(phys: PhysicalMemory, round: number, pages: ArrayLike<number>, from: number, to: number, skipZero: boolean): PagesFrame {
  const mem = new Uint8Array(phys.buffer, RAM_BASE, phys.ramSize);
  const words = new Int32Array(phys.buffer, RAM_BASE, phys.ramSize >>> 2);
  const payload = Buffer.allocUnsafe(8 + (to - from) * (4 + PAGE_SIZE));
  let o = 8, count = 0, zero = 0, skipped = 0;
  for (let i = from; i < to; i++) {
    const p = pages[i];
    if (zeroPage(words, p)) {
      if (skipZero) { skipped++; continue; }
      payload.writeUInt32LE((p | ZERO_PAGE) >>> 0, o); o += 4; zero++; count++;
      continue;
    }
    payload.writeUInt32LE(p, o); o += 4;
    payload.set(mem.subarray(p * PAGE_SIZE, (p + 1) * PAGE_SIZE), o); o += PAGE_SIZE;
    count++;
  }
  payload.writeUInt32LE(round, 0);
  payload.writeUInt32LE(count, 4);
  return { bytes: frame(MsgType.Pages, payload.subarray(0, o)), pages: count, zero, skipped };
}

/** Write a received batch into guest RAM. */
export function applyPages(phys: PhysicalMemory, b: PagesBatch): void {
  const mem = new Uint8Array(phys.buffer, RAM_BASE, phys.ramSize);
  let o = 8;
  for (const e of b.entries) {
    o += 4;
    const p = e & ~ZERO_PAGE;
    if ((e & ZERO_PAGE) !== 0) { mem.fill(0, p * PAGE_SIZE, (p + 1) * PAGE_SIZE); continue; }
    mem.set(b.data.subarray(o, o + PAGE_SIZE), p * PAGE_SIZE);
    o += PAGE_SIZE;
  }
}

/** The pages marked in a dirty log, in order. */
export function dirtyPages(log: Uint8Array): Uint32Array {
  let n = 0;
  for (let i = 0; i < log.length; i++) n += log[i];
  const out = new Uint32Array(n);
  for (let i = 0, k = 0; i < log.length; i++) if (log[i] !== 0) out[k++] = i;
  return out;
}

export function countDirty(log: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < log.length; i++) n += log[i];
  return n;
}
