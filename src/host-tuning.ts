/**
 * How node is started for a run: settings that only take effect at process
 * start (glibc reads its malloc tunables from the environment once; V8's
 * thread pool is sized before any JavaScript runs), so they cannot be set
 * from inside. They are applied where a run starts:
 *   - `bin/jitvisor.js`'s shebang (`jitvisor run`, `./bin/jitvisor.js`, `npx jitvisor`);
 *   - `npm start` (package.json);
 *   - bench/boot.ts's jitvisor rows (bench/boot-runner.ts, which also
 *     re-starts itself with them when started by hand without them).
 * test/host-tuning.test.ts checks that those places say the same as this file.
 *
 * Why (docs/jit-plan.md "Memory", third pass): a JIT boot's peak RSS had
 * ~110 MiB in glibc malloc arenas: every thread that mallocs gets its own
 * arena (V8's four platform threads compiling wasm tier-ups and marking, the
 * compile worker), and each keeps what it freed. Two arenas (the main
 * thread's and one shared by the rest) and one V8 platform thread: peak RSS
 * 475 -> 419 MiB, boot CPU 57.7 -> 54.7 s in the same group; with the
 * smaller young generation as well, 465 -> 414 MiB, CPU 56.2 -> 53.5 s, and
 * 474 -> 405 MiB, CPU 50.5 -> 46.6 s in another pair.
 *
 * One arena since the sixth pass (docs/jit-plan.md "Memory"): with two, the
 * main thread's arena kept ~24 MiB free but resident at the boot's peak
 * (V8's platform thread compiles the worker's binaryen functions with
 * TurboFan there, 20-34 MB of compile zones each for the largest, early in
 * the boot; glibc returns free memory only from the top of an arena), while
 * the other arena grew for the worker's module bytes. One arena reuses those
 * holes for everything: peak 336.9 -> 318.9 and 330.8 -> 315.2 MiB in
 * interleaved pairs, process CPU 37.8 -> 37.4 s and 37.1 -> 36.5 s.
 *
 * Still one platform thread (docs/jit-plan.md "Start-up, session 20"): two
 * would save ~7.5 % of a boot's main-thread CPU (the decompressor's TurboFan
 * code comes sooner), but two TurboFan compiles then run at once and their
 * zones (32 KiB mallocs, 20-34 MB for binaryen's largest functions) raise the
 * one arena's high-water: +12-15 MiB of `[heap]`, kept resident to the peak
 * because glibc returns only the top of the main arena. With
 * `--wasm-num-compilation-tasks=1` as well (binaryen's tier-ups then one at a
 * time) it still happens in 7 of 16 boots: two of our own modules compile at once.
 */

/** Environment for node (glibc malloc: one arena for every thread). */
export const TUNED_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '1' };

/**
 * node's own options: V8's platform thread pool of one thread; the main thread's young generation
 * bounded to 4 MiB semi-spaces (V8's default grows them to 16 MiB; the compile worker's is bounded
 * in worker-client.ts).
 */
export const TUNED_NODE_FLAGS: readonly string[] = ['--v8-pool-size=1', '--max-semi-space-size=4'];

/** The shebang line of bin/jitvisor.js that applies them (env -S: coreutils 8.30+, BSD env). */
export function tunedShebang(): string {
  return `#!/usr/bin/env -S ${Object.entries(TUNED_ENV).map(([k, v]) => `${k}=${v}`).join(' ')} node ${TUNED_NODE_FLAGS.join(' ')}`;
}

/** Whether this process was started with them. */
export function isTuned(env: NodeJS.ProcessEnv = process.env, execArgv: readonly string[] = process.execArgv): boolean {
  return Object.entries(TUNED_ENV).every(([k, v]) => env[k] === v) && TUNED_NODE_FLAGS.every((f) => execArgv.includes(f));
}
