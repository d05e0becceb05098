/**
 * Fields V8 should treat as mutable from the start.
 *
 * V8 records per map (hidden class) whether a field was ever written again
 * after its first store ("const"), and optimised code relies on it (load
 * elimination keeps a const field's value across calls). The first later
 * write makes the field mutable and deoptimises every function optimised on
 * the assumption at once ("dependency-change: code dependencies" in
 * bench/opt-trace.ts). A counter first bumped seconds into the boot (the
 * front end's killedSmc, mapHits, ...) did that in the middle of the
 * kernel-init burst, to run() among others (docs/jit-plan.md "Stable JS,
 * session 14").
 */

/**
 * Writes every number and boolean own field of `o` to another value and back
 * (an integer stays a small integer: its representation does not change), so
 * V8 marks them mutable now, before anything is optimised on `o`'s map. Call
 * it at the end of a constructor, on objects whose counters and flags change
 * later. Object fields are left alone: a store of another class would widen
 * their field type, and TurboFan uses it to skip map checks.
 */
export function settleFields<T extends object>(o: T): T {
  const r = o as Record<string, unknown>;
  for (const k of Object.keys(r)) {
    const v = r[k];
    if (typeof v === 'number') { r[k] = v + 1; r[k] = v; } else if (typeof v === 'boolean') { r[k] = !v; r[k] = v; }
  }
  return o;
}
