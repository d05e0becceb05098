/**
 * Option definitions and value parsers shared by more than one command
 * (--engine and --max-instructions are every engine-running command's).
 */
import { ENGINES, type EngineName } from '../machine.js';

/** The engine `run` and `exec` use unless told otherwise. */
export const DEFAULT_ENGINE: EngineName = 'jit';
import { CPU_MODEL_NAMES, DEFAULT_CPU_MODEL, type CpuModelName } from '../../runtime/cpu-model.js';
import { UsageError, type OptionDef } from './command.js';

/** The largest instruction count accepted: 2^53, where doubles stop counting exactly. */
export const MAX_INSTRUCTION_COUNT = 2 ** 53;

export const ENGINE_OPTION: OptionDef = {
  name: 'engine', type: 'string', arg: 'interpreter|jit',
  help: 'execution engine: jit (default): guest code compiled to WebAssembly;\ninterpreter: decoded records run one by one',
};

export const CPU_OPTION: OptionDef = {
  name: 'cpu', type: 'string', arg: CPU_MODEL_NAMES.join('|'),
  help: `processor model (default ${DEFAULT_CPU_MODEL}): pentium2 has no MMX/SSE;\npentium4 adds MMX, FXSR, SSE, SSE2, SSE3`,
};

export function parseCpu(text: string | undefined): CpuModelName {
  return parseChoice(text, '--cpu', CPU_MODEL_NAMES, DEFAULT_CPU_MODEL);
}

/** --max-instructions: the same meaning everywhere (0 = no limit); only the default differs per command. */
export function maxInstructionsOption(defaultText: string): OptionDef {
  return {
    name: 'max-instructions', type: 'string', arg: 'N',
    help: `stop after N guest instructions, N from 0 to 2^53; 0 = no limit\n(${defaultText})`,
  };
}

export function parseEngine(text: string | undefined): EngineName {
  return parseChoice(text, '--engine', ENGINES, DEFAULT_ENGINE);
}

export function parseChoice<T extends string>(text: string | undefined, what: string, choices: readonly T[], dflt: T): T {
  if (text === undefined) return dflt;
  if ((choices as readonly string[]).includes(text)) return text as T;
  throw new UsageError(`${what} must be ${choices.slice(0, -1).join(', ')} or ${choices[choices.length - 1]}, not '${text}'`);
}

/**
 * --max-instructions N: a non-negative decimal (or 0x hex) integer up to
 * 2^53; 0 means no limit (Infinity). Undefined gives `dflt`.
 */
export function parseMaxInstructions(text: string | undefined, dflt: number): number {
  if (text === undefined) return dflt;
  const n = parseCount(text, '--max-instructions', MAX_INSTRUCTION_COUNT);
  return n === 0 ? Infinity : n;
}

/** A non-negative integer written in decimal or 0x hex, at most `max`. */
export function parseCount(text: string, what: string, max: number): number {
  const t = text.trim();
  let v: number;
  if (/^[0-9]+$/.test(t)) v = Number(t);
  else if (/^0x[0-9a-f]+$/i.test(t)) v = Number(t);
  else if (/^-[0-9]/.test(t)) throw new UsageError(`${what}: '${text}' is negative; give a whole number from 0 to ${max}`);
  else if (/^[0-9]*\.[0-9]*$|^[0-9.]+e[+-]?[0-9]+$/i.test(t)) throw new UsageError(`${what}: '${text}' is not a whole number; give a whole number from 0 to ${max}`);
  else throw new UsageError(`${what}: '${text}' is not a number`);
  if (v > max) throw new UsageError(`${what}: ${text} is more than the largest allowed, ${max}`);
  return v;
}

/** An unsigned 32-bit value in decimal or 0x hex, or a negative 32-bit value (two's complement): register and address values. */
export function parseU32(text: string, what: string): number {
  const t = text.trim();
  let v: number;
  if (/^0x[0-9a-f]+$/i.test(t)) v = parseInt(t.slice(2), 16);
  else if (/^-?[0-9]+$/.test(t)) v = parseInt(t, 10);
  else throw new UsageError(`${what}: '${text}' is not a number`);
  if (v < -0x80000000 || v > 0xffffffff) throw new UsageError(`${what}: ${text} does not fit in 32 bits`);
  return v >>> 0;
}
