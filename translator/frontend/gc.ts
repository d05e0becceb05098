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
export function startSemiSpaceFlag(argv: readonly string[] = startArgs()): string {
  return startFlag('max-semi-space-size', '0', argv);
}

/** The V8 flags this process was started with (command line and NODE_OPTIONS). */
function startArgs(): string[] {
  return [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
}

/** `--NAME=VALUE` as `argv` gives numeric flag NAME (either spelling: - or _, `=V` or a separate V), else `fallback`. */
function startFlag(name: string, fallback: string, argv: readonly string[]): string {
  const re = new RegExp(`^--${name.replace(/-/g, '[-_]')}(?:=(\\d+))?$`);
  let v = fallback;
  for (let i = 0; i < argv.length; i++) {
    const m = re.exec(argv[i]!);
    if (m !== null) v = m[1] ?? argv[i + 1] ?? fallback;
  }
  return `--${name}=${v}`;
}

/** Whether this process runs with --optimize-for-size throughout (then a compacting collection changes no flag). */
const sizeAlways = startArgs().some((a) => /^--optimize[-_]for[-_]size$/.test(a));

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

/**
 * `--semi-space-growth-factor` as this process was started with it (V8's default 2), for YoungFreeze to put back.
 */
export function startGrowthFactorFlag(argv: readonly string[] = startArgs()): string {
  return startFlag('semi-space-growth-factor', '2', argv);
}

/**
 * Stops the main thread's young generation from growing, at run time (FrontEndOptions.youngFreeze).
 *
 * Why (docs/jit-plan.md "Memory", eleventh pass): the boot's RSS peak is its last ~35 M instructions
 * (user space starting): fresh code decoded at a high rate, and its records live long, so nearly all
 * of what is allocated survives scavenges; V8 grows the young generation on such survival, from
 * 1 MiB semi-spaces to the 4 MiB bound of src/host-tuning.ts (8 MiB physical, ~2 used) right at the
 * peak, and it stays there until a full collection with little allocation after it. V8 reads
 * `--semi-space-growth-factor` each time it grows the semi-spaces (the new size is the factor times
 * the old, up to the bound), so at 1 they keep their size; V8 still shrinks them (after a full
 * collection when allocation is slow), and then they stay small. The bound itself
 * (`--max-semi-space-size`) is fixed when the isolate starts, so this is the way to hold the young
 * generation small for a phase only. The flag is process-wide: the compile worker's young
 * generation is held at 1 MiB semi-spaces anyway (worker-client.ts), so it changes nothing there.
 */
export class YoungFreeze {
  private held = false;

  constructor(private readonly restore: string = startGrowthFactorFlag()) {}

  get holding(): boolean { return this.held; }

  hold(): void {
    if (this.held) return;
    v8.setFlagsFromString('--semi-space-growth-factor=1');
    this.held = true;
  }

  /** Growth allowed again (a machine dropped while holding; tests). */
  release(): void {
    if (!this.held) return;
    v8.setFlagsFromString(this.restore);
    this.held = false;
  }
}
