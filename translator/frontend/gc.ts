/**
 * A full garbage collection, on request. The front end's eviction drops a
 * quarter or more of the decoded records at once (~0.25 KB of V8 heap each);
 * V8 would let that garbage sit in old space while it grows the heap toward
 * its own limit (measured: the process climbs past 800 MB on a stream of
 * fresh code with 120 MB live), so the front end asks for a collection after
 * each eviction pass. `gc` is taken from V8 by turning on --expose-gc at
 * run time (the flag only makes the function available); when that is not
 * possible, nothing happens.
 *
 * `compact`: the collection also moves objects out of sparse old-space pages
 * and frees them. V8's own heuristics (at most 4 MB moved, only pages under
 * ~30 % live) leave most of what an eviction pass frees where it is: the boot
 * at GUEST-BOOT-OK held 61.7 MiB of old space for 47.6 live after a plain full
 * GC. With --optimize-for-size V8 empties pages under 80 % live, up to 6 MB
 * moved: the same heap went to 51.7 MiB, RSS -10 MiB, for ~20 ms more. The flag
 * is read when a collection picks its pages, so it is on for this one call
 * only (old-space growth and scavenges keep their speed settings). V8 picks
 * the pages from what the previous collection's sweep left, so a compacting
 * collection sees the holes of the one before it, not its own: the front end
 * (FrontEndOptions.compactAfterEvict) runs it second, right after the pass's
 * plain one (docs/jit-plan.md "Memory", ninth pass).
 */
import v8 from 'node:v8';
import vm from 'node:vm';

let gc: (() => void) | null | undefined;

/**
 * `--max-semi-space-size` as this process was started with it (command line or NODE_OPTIONS; 0: V8's
 * default). V8 sets that flag to 1 whenever --optimize-for-size is turned on (a flag implication), and
 * a worker isolate created later would take it: it is put back after a compacting collection
 * (the compile worker's client also sets it around `new Worker`: worker-client.ts).
 */
export function startSemiSpaceFlag(argv: readonly string[] = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)]): string {
  let v = '0';
  for (let i = 0; i < argv.length; i++) {
    const m = /^--max[-_]semi[-_]space[-_]size(?:=(\d+))?$/.exec(argv[i]!);
    if (m !== null) v = m[1] ?? argv[i + 1] ?? '0';
  }
  return `--max-semi-space-size=${v}`;
}

/** Whether this process runs with --optimize-for-size throughout (then a compacting collection changes no flag). */
const sizeAlways = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].some((a) => /^--optimize[-_]for[-_]size$/.test(a));

export function collectGarbage(opts: { compact?: boolean } = {}): void {
  if (gc === undefined) {
    const g = (globalThis as { gc?: () => void }).gc;
    if (typeof g === 'function') gc = g;
    else {
      try {
        v8.setFlagsFromString('--expose-gc');
        gc = vm.runInNewContext('gc') as () => void;
      } catch {
        gc = null;
      }
    }
  }
  if (gc === null || gc === undefined) return;
  if (opts.compact !== true || sizeAlways) { gc(); return; }
  v8.setFlagsFromString('--optimize-for-size');
  try {
    gc();
  } finally {
    v8.setFlagsFromString('--no-optimize-for-size');
    v8.setFlagsFromString(startSemiSpaceFlag());
  }
}
