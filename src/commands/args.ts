/** Small argument-parsing helpers shared by the subcommands. */

export class UsageError extends Error {
  constructor(message: string, readonly help?: string) { super(message); }
}

/** Parse an unsigned 32-bit number written in decimal, 0x hex, or as a negative 32-bit value. */
export function parseU32(text: string, what: string): number {
  const t = text.trim();
  let v: number;
  if (/^0x[0-9a-f]+$/i.test(t)) v = parseInt(t.slice(2), 16);
  else if (/^-?[0-9]+$/.test(t)) v = parseInt(t, 10);
  else throw new UsageError(`${what}: '${text}' is not a number`);
  if (v < -0x80000000 || v > 0xffffffff) throw new UsageError(`${what}: ${text} does not fit in 32 bits`);
  return v >>> 0;
}

export interface ParsedArgs {
  positional: string[];
  options: Map<string, string[]>;
  flags: Set<string>;
}

/**
 * `--name value` and `--name=value` options (listed in `valued`) and
 * boolean `--flag`s (listed in `bools`); anything else is an error.
 */
export function parseArgs(argv: string[], valued: string[], bools: string[], help: string): ParsedArgs {
  const out: ParsedArgs = { positional: [], options: new Map(), flags: new Set() };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      if (bools.includes(name)) {
        if (eq >= 0) throw new UsageError(`option --${name} takes no value`, help);
        out.flags.add(name);
      } else if (valued.includes(name)) {
        const v = eq >= 0 ? a.slice(eq + 1) : argv[++i];
        if (v === undefined) throw new UsageError(`option --${name} needs a value`, help);
        const list = out.options.get(name) ?? [];
        list.push(v);
        out.options.set(name, list);
      } else {
        throw new UsageError(`unknown option '${a}'`, help);
      }
    } else if (a.startsWith('-') && a.length > 1) {
      throw new UsageError(`unknown option '${a}'`, help);
    } else {
      out.positional.push(a);
    }
  }
  return out;
}

export function single(p: ParsedArgs, name: string, help: string): string | undefined {
  const v = p.options.get(name);
  if (v && v.length > 1) throw new UsageError(`option --${name} given more than once`, help);
  return v?.[0];
}
