// One copy of the `--name value` option reading the window benches (cpu-window.ts, serial-window.ts) share.
/** The command line after the script. */
export const args = process.argv.slice(2);
/** The value after `--name`, or `def` when it is not given. */
export function opt(name: string, def: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1]! : def;
}
