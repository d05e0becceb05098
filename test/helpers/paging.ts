/**
 * Paging for snippet tests that need a #PF (not-present or read-only page):
 * identity-mapped page tables to load with the snippet, and a code prefix
 * that turns paging on (CR0.PG and CR0.WP, so supervisor writes honour R/W)
 * while preserving EAX and EFLAGS.
 */
import { hexBytes } from './asm.js';

export const PAGE_DIR = 0x10000;
const PAGE_TABLE = 0x11000;

export interface PagingOptions {
  /** Linear page addresses (4 KiB aligned) to leave not present. */
  notPresent?: number[];
  /** Linear page addresses to map read-only. */
  readOnly?: number[];
}

/** Page directory + one page table identity-mapping the first 2 MiB (supervisor, R/W unless told). */
export function pageTables(opts: PagingOptions = {}): { addr: number; bytes: Uint8Array }[] {
  const pd = new Uint8Array(4096), pt = new Uint8Array(4096);
  const pdv = new DataView(pd.buffer), ptv = new DataView(pt.buffer);
  pdv.setUint32(0, PAGE_TABLE | 3, true);
  for (let i = 0; i < 512; i++) {
    const a = i * 0x1000;
    if (opts.notPresent?.includes(a)) continue;
    ptv.setUint32(i * 4, a | (opts.readOnly?.includes(a) ? 1 : 3), true);
  }
  return [{ addr: PAGE_DIR, bytes: pd }, { addr: PAGE_TABLE, bytes: pt }];
}

/**
 * pushfd; push eax; mov eax, PAGE_DIR; mov cr3, eax; mov eax, cr0;
 * or eax, 0x80010000; mov cr0, eax; pop eax; popfd  (23 bytes)
 */
export const ENABLE_PAGING = hexBytes('9c50b8000001000f22d80f20c00d000001800f22c0589d');

/** ENABLE_PAGING followed by `code`; the code starts at org + PAGING_PREFIX_LEN. */
export function withPaging(code: Uint8Array): Uint8Array {
  const out = new Uint8Array(ENABLE_PAGING.length + code.length);
  out.set(ENABLE_PAGING);
  out.set(code, ENABLE_PAGING.length);
  return out;
}
export const PAGING_PREFIX_LEN = ENABLE_PAGING.length;

/** Page directory `pd` + table `pt` identity-mapping the first 2 MiB, with some linear pages sent to other physical pages. */
export function remappedTables(pd: number, pt: number, remap: Record<number, number>): { addr: number; bytes: Uint8Array }[] {
  const d = new Uint8Array(4096), t = new Uint8Array(4096);
  const dv = new DataView(d.buffer), tv = new DataView(t.buffer);
  dv.setUint32(0, pt | 3, true);
  for (let i = 0; i < 512; i++) tv.setUint32(i * 4, (remap[i * 0x1000] ?? i * 0x1000) | 3, true);
  return [{ addr: pd, bytes: d }, { addr: pt, bytes: t }];
}
