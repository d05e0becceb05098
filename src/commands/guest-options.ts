/**
 * The guest options every command that boots a guest shares (run today;
 * profile, compare, snapshot, ... later): which kernel, initrd and command
 * line, how much RAM, which engine and clock, the instruction cap. Parsed
 * and checked here once, so the commands agree on names, defaults, limits
 * and messages.
 */
import { statSync } from 'node:fs';
import { readBytes } from '../read-bytes.js';
import { relative, isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLOCK_MODES, type ClockMode } from '../clock.js';
import type { EngineName } from '../machine.js';
import { UsageError, stringValue, type OptionDef, type OptionValues } from './command.js';
import { CPU_OPTION, ENGINE_OPTION, maxInstructionsOption, parseChoice, parseCount, parseCpu, parseEngine, parseMaxInstructions } from './options.js';
import type { CpuModelName } from '../../runtime/cpu-model.js';

const GUESTS = fileURLToPath(new URL('../../../guests/', import.meta.url));
export const DEFAULT_KERNEL = GUESTS + 'linux-686.bzImage';
export const DEFAULT_INITRD = GUESTS + 'initramfs.cpio.gz';
export const DEFAULT_CMDLINE = 'console=ttyS0';
export const DEFAULT_MEMORY_MIB = 128;
/**
 * RAM limits in MiB. The floor is what the boot loader itself needs (the
 * kernel goes at 1 MiB); the ceiling leaves the top 512 MiB of the 32-bit
 * space for devices, as a PC does.
 */
export const MIN_MEMORY_MIB = 2;
export const MAX_MEMORY_MIB = 3584;
/**
 * The least RAM the default guest (Debian's kernel + the busybox initramfs)
 * boots to its shell with: the kernel runs from 16 MiB and needs init_size
 * (16 MiB + 48 KiB) from there before it reads the memory map, and the
 * initrd goes above that, so the loader needs 34 MiB; a deterministic boot
 * at 34 MiB reaches GUEST-BOOT-OK (guests/README.md).
 */
export const DEFAULT_GUEST_MIN_MEMORY_MIB = 34;

export const GUEST_OPTIONS: readonly OptionDef[] = [
  { name: 'kernel', type: 'string', arg: 'FILE', help: 'Linux bzImage (or boot-protocol image such as memtest86+) to boot\n(default: the Debian kernel in guests/, with its initramfs)' },
  { name: 'initrd', type: 'string', arg: 'FILE', help: 'initial ramdisk (default: guests/initramfs.cpio.gz with the default kernel, none otherwise)' },
  { name: 'append', type: 'string', arg: '"CMDLINE"', help: `kernel command line (default "${DEFAULT_CMDLINE}")` },
  { name: 'memory', type: 'string', arg: 'MiB', help: `guest RAM in whole MiB, ${MIN_MEMORY_MIB} to ${MAX_MEMORY_MIB} (default ${DEFAULT_MEMORY_MIB};\nthe default guest needs ${DEFAULT_GUEST_MIN_MEMORY_MIB} or more)` },
  ENGINE_OPTION,
  CPU_OPTION,
  { name: 'clock', type: 'string', arg: 'realtime|deterministic', help: 'realtime (default): guest time is host time;\ndeterministic: guest time counts instructions, runs are repeatable' },
  maxInstructionsOption('default: no limit'),
];

/** A file named on the command line: `shown` is how messages name it (as the user typed it). */
/** Guest options a snapshot fixes (they describe the machine it holds): refused with --restore. */
export const FIXED_BY_SNAPSHOT = ['kernel', 'initrd', 'append', 'memory', 'cpu'];

export interface InputFile { path: string; shown: string; bytes: Uint8Array }

export interface GuestConfig {
  kernel: InputFile;
  initrd?: InputFile;
  cmdline: string;
  memoryMiB: number;
  engine: EngineName;
  cpu: CpuModelName;
  clock: ClockMode;
  /** Infinity when there is no limit. */
  maxInstructions: number;
  /** True when the default guest in guests/ is used. */
  defaultGuest: boolean;
}

/** How to name one of our own files in messages: relative to the working directory when it is below it. */
function shownPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

export function parseMemory(text: string | undefined): number {
  if (text === undefined) return DEFAULT_MEMORY_MIB;
  const range = `${MIN_MEMORY_MIB} to ${MAX_MEMORY_MIB}`;
  if (/^\s*[0-9]*\.[0-9]+\s*$/.test(text)) throw new UsageError(`--memory: '${text}' is not a whole number of MiB; give ${range}`);
  const mib = parseCount(text, '--memory', Number.MAX_SAFE_INTEGER);
  if (mib < MIN_MEMORY_MIB || mib > MAX_MEMORY_MIB) throw new UsageError(`--memory must be ${range} MiB, not ${text}`);
  return mib;
}

export function readInput(path: string, shown: string, what: string): InputFile {
  try {
    if (!statSync(path).isFile()) throw new Error('not a regular file');
    return { path, shown, bytes: readBytes(path) };
  } catch (e) {
    throw new UsageError(`cannot read ${what} '${shown}': ${(e as Error).message.replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, '')}`);
  }
}

/** Check the guest options and read the files they name. */
export function parseGuestOptions(values: OptionValues): GuestConfig {
  const kernelArg = stringValue(values, 'kernel');
  const initrdArg = stringValue(values, 'initrd');
  const defaultGuest = kernelArg === undefined;
  const memoryMiB = parseMemory(stringValue(values, 'memory'));
  if (defaultGuest && memoryMiB < DEFAULT_GUEST_MIN_MEMORY_MIB) {
    throw new UsageError(`--memory ${memoryMiB}: the default guest needs at least ${DEFAULT_GUEST_MIN_MEMORY_MIB} MiB`);
  }
  const engine = parseEngine(stringValue(values, 'engine'));
  const cpu = parseCpu(stringValue(values, 'cpu'));
  const clock = parseChoice(stringValue(values, 'clock'), '--clock', CLOCK_MODES, 'realtime');
  const maxInstructions = parseMaxInstructions(stringValue(values, 'max-instructions'), Infinity);
  const cmdline = stringValue(values, 'append') ?? DEFAULT_CMDLINE;
  const kernel = kernelArg !== undefined ? readInput(kernelArg, kernelArg, 'kernel') : readInput(DEFAULT_KERNEL, shownPath(DEFAULT_KERNEL), 'kernel');
  const initrd = initrdArg !== undefined ? readInput(initrdArg, initrdArg, 'initrd')
    : defaultGuest ? readInput(DEFAULT_INITRD, shownPath(DEFAULT_INITRD), 'initrd') : undefined;
  return { kernel, ...(initrd ? { initrd } : {}), cmdline, memoryMiB, engine, cpu, clock, maxInstructions, defaultGuest };
}
