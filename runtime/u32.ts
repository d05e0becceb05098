/**
 * Unsigned 32-bit comparisons of int32 values (guest offsets, linear
 * addresses, segment bounds), without `>>> 0`.
 *
 * Why: `x >>> 0` is a uint32, and V8's optimising compiler speculates it
 * small (a Smi) while it has only seen values below 2^31. The boot runs low
 * addresses for its first 2.3 G instructions, then the kernel's (0xc0000000
 * and up): every handler optimised with a `>>> 0` bound check deoptimised
 * there ("lost precision", ~30 of the hottest ones at once), ran in baseline
 * code boxing each such value as a heap number until V8's one platform thread
 * got round to optimising it again (it is busy with wasm tier-up then).
 * Flipping the sign bit maps unsigned order onto signed order, so the
 * compares stay int32 whatever the values.
 */

/** a < b as unsigned 32-bit numbers (a, b: int32 or uint32). */
export function ltu(a: number, b: number): boolean {
  return (a ^ -0x80000000) < (b ^ -0x80000000);
}

/**
 * Whether `size` bytes at offset `off` leave the bounds [lo, hi] (inclusive,
 * unsigned), exactly as `off < lo || off + size - 1 > hi` in unbounded
 * arithmetic: off below lo, the last byte above hi, or the access wrapping
 * past 2^32 (its last byte is then below its first). Size 0 (a memory
 * operand with no size: `msz` 0) faults only past hi + 1.
 */
export function outOfBounds(off: number, size: number, lo: number, hi: number): boolean {
  if (ltu(off, lo)) return true;
  if (size === 0) return hi !== -1 && ltu((hi + 1) | 0, off);
  const end = (off + size - 1) | 0;
  return ltu(hi, end) || ltu(end, off);
}

/**
 * Whole `n`-byte elements (n: 1, 2, 4) from offset `off` up to the bound `hi`
 * (inclusive, unsigned): 0 when off is above hi. Capped at 2^30 / n, which
 * is below the true count only when both are far above what its callers
 * (the string fast paths, runtime/interp/families/string.ts) copy at once:
 * they bound a copy by one page first.
 */
export function roomTo(off: number, hi: number, n: number): number {
  if (ltu(hi, off)) return 0;
  const d = (hi - off) | 0; // hi - off as an unsigned number, in int32 form
  return d < 0 || d >= 0x3fffffff ? (0x40000000 / n) | 0 : ((d + 1) / n) | 0;
}

/**
 * Elements at offsets off, off - n, off - 2n, ... (a string instruction
 * going down, DF = 1) that start at or above the bound `lo` (inclusive,
 * unsigned), so that none wraps below offset 0: 0 when off is below lo.
 * Capped like roomTo. Each element's top stays below the first one's, which
 * the caller checks (linc).
 */
export function roomDown(off: number, lo: number, n: number): number {
  if (ltu(off, lo)) return 0;
  const d = (off - lo) | 0; // off - lo as an unsigned number, in int32 form
  return d < 0 || d >= 0x3fffffff ? (0x40000000 / n) | 0 : ((d / n) | 0) + 1;
}
