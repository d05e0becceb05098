/**
 * Linear pages 0x41000-0x45000 mapped to physical frames out of order (0x53000, 0x51000, 0x55000,
 * 0x52000, 0x54000), shared by the page-group tests (loop-groups, loop-regs): a host base kept for
 * the page before, xor the new page's address, lands in the wrong frame and reads another page's word.
 */
export const FRAME = [0, 3, 1, 5, 2, 4];
export const frameOf = (k: number): number => (k === 0 ? 0x40000 : 0x50000 + 0x1000 * FRAME[k]!);
/** Linear page -> its frame, for remappedTables. */
export const REMAP: Record<number, number> = Object.fromEntries([1, 2, 3, 4, 5].map((k) => [0x40000 + 0x1000 * k, frameOf(k)]));
/** A little-endian 32-bit word to load at `addr`. */
export const word = (addr: number, v: number): { addr: number; bytes: Uint8Array } => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v, true);
  return { addr, bytes: b };
};
/** Page k's word at `at` (k + 1 times `scale`, in the frame the page maps to), 0xdead in the identity frames of 1-5. */
export const pages = (at: number, scale: number): { addr: number; bytes: Uint8Array }[] => [
  ...Array.from({ length: 6 }, (_, k) => word(frameOf(k) + at, (k + 1) * scale)),
  ...[1, 2, 3, 4, 5].map((k) => word(0x40000 + 0x1000 * k + at, 0xdead)),
];
