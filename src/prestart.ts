/**
 * The compile worker, started before the command's modules are imported
 * (bin/jitvisor.js calls this first): loading binaryen takes the worker
 * ~0.3 s, which then overlaps the main thread's own imports and machine
 * set-up instead of following them, so the guest's first hot code is
 * compiled sooner. Only for command lines that will run a JIT on this
 * thread; anything else (the interpreter, help, fleet and monitor, whose
 * machines run elsewhere, a restore whose engine the snapshot decides) does
 * not start one. A worker no JIT takes up is ended after PRESTART_MS
 * (translator/jit/worker-client.ts).
 *
 * This module imports nothing but the worker client: it runs before the
 * machine's module graph is loaded.
 */
import { prestartCompileWorker } from '../translator/jit/worker-client.js';

/** Commands whose machine runs on the JIT by default, on the main thread. */
const JIT_COMMANDS = new Set(['run', 'exec', 'profile', 'compare']);

/** The value of --NAME in argv (`--NAME V` or `--NAME=V`), undefined when absent. */
function optionValue(argv: readonly string[], name: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === `--${name}`) return argv[i + 1];
    if (a.startsWith(`--${name}=`)) return a.slice(name.length + 3);
  }
  return undefined;
}

/**
 * Whether this command line (argv after the program: command, options) will
 * make a JIT on this thread. A guess from the raw arguments, before they are
 * parsed: it errs toward false (a usage error or an unknown engine starts
 * nothing; the engine starts its worker itself anyway).
 */
export function runsJit(argv: readonly string[]): boolean {
  const [command, ...rest] = argv;
  if (command === undefined || !JIT_COMMANDS.has(command)) return false;
  if (rest.includes('--help') || rest.includes('-h')) return false;
  const engine = optionValue(rest, 'engine');
  // profile and compare always run the JIT (profile refuses another engine).
  if (command === 'profile' || command === 'compare') return engine === undefined || engine === 'jit';
  if (engine !== undefined) return engine === 'jit';
  // A restored or incoming machine runs on the engine it was saved with, not known yet.
  return optionValue(rest, 'restore') === undefined && optionValue(rest, 'incoming') === undefined;
}

/** Start the compile worker when `argv` will run a JIT. Returns whether it started one. */
export function prestartFor(argv: readonly string[]): boolean {
  return runsJit(argv) && prestartCompileWorker();
}
