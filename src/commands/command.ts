/**
 * What a jitvisor subcommand is, and the one parser they all share. Each
 * command (one module per command in src/commands/) declares its options
 * as OptionDefs; Node's util.parseArgs does the parsing, and the --help text
 * is generated from the same definitions, so an option shared by several
 * commands (options.ts, guest-options.ts) is parsed and documented alike.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A mistake on the command line (exit status 2): one line, then a pointer to `jitvisor <command> --help`. */
export class UsageError extends Error {
  /** The command whose --help to point at (set by the dispatcher when the thrower does not know it). */
  constructor(message: string, public command?: string) { super(message); }
}

export interface OptionDef {
  /** Long name without the dashes. */
  name: string;
  type: 'string' | 'boolean';
  /** The value's placeholder in the help text (string options): FILE, MiB, N. */
  arg?: string;
  /** May be given more than once (values collect in order). */
  multiple?: boolean;
  /** Help text; extra lines are indented under the first. */
  help: string;
}

export type OptionValues = Record<string, string | boolean | string[] | undefined>;

export interface Command {
  name: string;
  /** One line for `jitvisor help`. */
  summary: string;
  /** What follows `jitvisor <name>` in the usage line, e.g. `FILE.bin [options]`. */
  synopsis: string;
  /** Paragraphs printed between the usage line and the options. */
  description: string;
  options: readonly OptionDef[];
  /** Text after the option list (exit status, keys). */
  epilogue?: string;
  /** How many positional arguments; `name` calls them in errors ("exec needs FILE"). */
  positionals: { min: number; max: number; name: string };
  run(values: OptionValues, positionals: string[]): Promise<number>;
}

export function helpText(cmd: Command): string {
  const rows = cmd.options.map((o) => [`--${o.name}${o.type === 'string' ? ` ${o.arg ?? 'VALUE'}` : ''}`, o.help] as const);
  rows.push(['--help', 'show this text']);
  const width = Math.max(...rows.map(([l]) => l.length)) + 2;
  const opts = rows.map(([l, h]) => `  ${l.padEnd(width)}${h.split('\n').join('\n' + ' '.repeat(width + 2))}`).join('\n');
  return `usage: jitvisor ${cmd.name} ${cmd.synopsis}\n\n${cmd.description}\n\noptions:\n${opts}\n${cmd.epilogue ? '\n' + cmd.epilogue + '\n' : ''}`;
}

/** Parse `argv` for `cmd`: strict (unknown options and stray arguments are errors), each option at most once unless `multiple`. */
export function parseCommandLine(cmd: Command, argv: string[]): { values: OptionValues; positionals: string[]; help: boolean } {
  const options: NonNullable<ParseArgsConfig['options']> = { help: { type: 'boolean', short: 'h' } };
  for (const o of cmd.options) options[o.name] = { type: o.type, ...(o.multiple ? { multiple: true } : {}) };
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: true, tokens: true });
  } catch (e) {
    throw new UsageError(describeParseError(e as Error & { code?: string }, cmd), cmd.name);
  }
  const seen = new Set<string>();
  for (const t of parsed.tokens ?? []) {
    if (t.kind !== 'option' || options[t.name]?.multiple) continue;
    if (seen.has(t.name)) throw new UsageError(`option --${t.name} given more than once`, cmd.name);
    seen.add(t.name);
  }
  const values = parsed.values as OptionValues;
  const help = values.help === true;
  delete values.help;
  const pos = parsed.positionals;
  const { min, max, name } = cmd.positionals;
  if (!help) {
    if (pos.length < min) throw new UsageError(`${cmd.name} needs a ${name}`, cmd.name);
    if (pos.length > max) throw new UsageError(max === 0 ? `unexpected argument '${pos[0]}'` : `unexpected argument '${pos[max]}' (${cmd.name} takes ${max === 1 ? 'one' : max} ${name})`, cmd.name);
  }
  return { values, positionals: pos, help };
}

/** util.parseArgs' messages span lines and name no command: say the same in one line. */
function describeParseError(e: Error & { code?: string }, cmd: Command): string {
  const quoted = /'(-[^' ]*)/.exec(e.message)?.[1] ?? '';
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option '${quoted}'`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const def = cmd.options.find((o) => `--${o.name}` === quoted);
      if (def?.type === 'boolean' || quoted === '--help') return `option ${quoted} takes no value`;
      if (/ambiguous/.test(e.message)) return `option ${quoted} needs a value (for a value that starts with '-', write ${quoted}=VALUE)`;
      return `option ${quoted} needs a value`;
    }
    default:
      return e.message.split('\n')[0];
  }
}

export function stringValue(values: OptionValues, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

export function listValue(values: OptionValues, name: string): string[] {
  const v = values[name];
  return Array.isArray(v) ? v : [];
}
