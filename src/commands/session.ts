/**
 * A guest run without a terminal, for the commands that measure or check a
 * run instead of handing the console to the user (profile, compare): boots
 * the guest from the shared guest options, keeps the tail of its console,
 * stops at a console marker (--until), the instruction cap, the guest's own
 * end or Ctrl-C, and reports progress on stderr while it runs.
 */
import { Pc, type PcExit } from '../pc.js';
import { EngineUnavailable, type EngineName } from '../machine.js';
import { BootImageError } from '../../guests/boot/linux.js';
import type { ClockMode } from '../clock.js';
import { DEFAULT_THRESHOLD, type JitOptions } from '../../translator/jit/engine.js';
import { UsageError, stringValue, type OptionDef, type OptionValues } from './command.js';
import type { GuestConfig } from './guest-options.js';
import { parseCount } from './options.js';

export const UNTIL_OPTION: OptionDef = {
  name: 'until', type: 'string', arg: 'TEXT',
  help: 'stop when the guest\'s console prints TEXT (default with the default guest:\nGUEST-BOOT-OK, or with bench=1 on its command line its power-off; "" = never)',
};
export const THRESHOLD_OPTION: OptionDef = {
  name: 'jit-threshold', type: 'string', arg: 'N',
  help: `runs before a block is compiled (default ${DEFAULT_THRESHOLD}); 0 compiles every block before its first run`,
};

/** --until: given text, or the default guest's boot marker unless its command line runs the benchmark (which powers off). */
export function parseUntil(values: OptionValues, g: GuestConfig): string | null {
  const u = stringValue(values, 'until');
  if (u !== undefined) return u === '' ? null : u;
  if (!g.defaultGuest) return null;
  return /(^|\s)bench=/.test(g.cmdline) ? null : 'GUEST-BOOT-OK';
}

export function parseThreshold(values: OptionValues): number | undefined {
  const t = stringValue(values, 'jit-threshold');
  return t === undefined ? undefined : parseCount(t, '--jit-threshold', 1_000_000_000);
}

export type SessionEnd = PcExit | { kind: 'until' } | { kind: 'interrupted' };

export interface SessionOptions {
  engine: EngineName;
  clock: ClockMode;
  jit?: JitOptions;
  until: string | null;
  maxInstructions: number;
  /** Called with the new Pc before the guest boots (profilers and checkers attach here). */
  attach?: (pc: Pc) => void;
  /** Progress line (without newline), asked for every `progressMs`. */
  progress?: (pc: Pc, elapsedMs: number, consoleTail: string) => string;
  progressMs?: number;
  /** Called every `sampleMs` while running (timelines). */
  sample?: (pc: Pc, elapsedMs: number) => void;
  sampleMs?: number;
}

export interface SessionResult {
  pc: Pc;
  end: SessionEnd;
  wallMs: number;
  /** Process CPU time during the run (all threads), ms. */
  cpuMs: number;
  /** The last console lines. */
  consoleTail: string;
}

const TAIL = 4096;

/** Printable last line of the console so far (for progress lines). */
export function lastLine(tail: string): string {
  const lines = tail.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').split(/\r?\n/).map((l) => l.replace(/[\x00-\x1f\x7f]/g, '').trim()).filter((l) => l !== '');
  const l = lines[lines.length - 1] ?? '';
  return l.length > 60 ? l.slice(0, 57) + '...' : l;
}

/** A guest booted from the shared guest options, not yet run: its Pc and what its console printed. */
export interface BootedGuest {
  pc: Pc;
  /** The last console output (up to 2 x 4 KiB). */
  tail(): string;
  /** The console printed the --until text (the Pc was then stopped). */
  sawUntil(): boolean;
}

/** Create the Pc for `g` and boot it (the session's options but the run's: until, attach). */
export function bootGuest(g: GuestConfig, o: Pick<SessionOptions, 'engine' | 'clock' | 'jit' | 'until' | 'attach'>): BootedGuest {
  const guest = guestPc(g, o);
  try {
    guest.pc.bootLinux(g.kernel.bytes, g.kernel.shown, g.cmdline, g.initrd?.bytes, g.initrd?.shown);
  } catch (e) {
    if (e instanceof BootImageError) throw new UsageError(e.message);
    throw e;
  }
  return guest;
}

/** The Pc for `g` with its console watched (`until`), not booted: bootGuest boots it, `compare --restore` loads a snapshot into it. */
export function guestPc(g: Pick<GuestConfig, 'memoryMiB' | 'cpu'>, o: Pick<SessionOptions, 'engine' | 'clock' | 'jit' | 'until' | 'attach'>): BootedGuest {
  let tail = '';
  let sawUntil = false;
  let pc: Pc;
  try {
    pc = new Pc({
      memoryMiB: g.memoryMiB, engine: o.engine, cpu: g.cpu, clock: o.clock, ...(o.jit ? { jit: o.jit } : {}),
      onSerialOutput: (b) => {
        tail += String.fromCharCode(b);
        if (tail.length > 2 * TAIL) tail = tail.slice(-TAIL);
        if (o.until !== null && !sawUntil && b === o.until.charCodeAt(o.until.length - 1) && tail.endsWith(o.until)) {
          sawUntil = true;
          pc.stop();
        }
      },
    });
  } catch (e) {
    if (e instanceof EngineUnavailable) throw new UsageError(e.message);
    throw e;
  }
  o.attach?.(pc);
  return { pc, tail: () => tail, sawUntil: () => sawUntil };
}

export async function runSession(g: GuestConfig, o: SessionOptions): Promise<SessionResult> {
  let interrupted = false;
  const guest = bootGuest(g, o);
  const pc = guest.pc;
  const onSignal = (): void => { interrupted = true; pc.stop(); };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const t0 = performance.now(), c0 = process.cpuUsage();
  const tty = process.stderr.isTTY === true;
  let shown = false;
  const show = (): void => {
    if (!o.progress) return;
    const line = o.progress(pc, performance.now() - t0, guest.tail());
    if (tty) { process.stderr.write(`\r\x1b[K${line}`); shown = true; } else process.stderr.write(line + '\n');
  };
  const progress = o.progress ? setInterval(show, o.progressMs ?? (tty ? 1000 : 10_000)) : null;
  const sampler = o.sample ? setInterval(() => o.sample!(pc, performance.now() - t0), o.sampleMs ?? 250) : null;
  let exit: PcExit;
  try {
    exit = await pc.run(o.maxInstructions);
  } finally {
    if (progress) clearInterval(progress);
    if (sampler) clearInterval(sampler);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const wallMs = performance.now() - t0;
  const cu = process.cpuUsage(c0);
  o.sample?.(pc, wallMs);
  if (shown) process.stderr.write('\r\x1b[K');
  const end: SessionEnd = interrupted ? { kind: 'interrupted' } : guest.sawUntil() && exit.kind === 'stopped' ? { kind: 'until' } : exit;
  return { pc, end, wallMs, cpuMs: (cu.user + cu.system) / 1000, consoleTail: guest.tail().slice(-TAIL) };
}

/** How a session ended, in words. */
export function describeEnd(end: SessionEnd, until: string | null): string {
  switch (end.kind) {
    case 'until': return `the console printed ${JSON.stringify(until)}`;
    case 'interrupted': return 'interrupted (Ctrl-C)';
    case 'halted': return 'the guest halted with interrupts off (powered off)';
    case 'stopped': return 'stopped';
    case 'reset': return `the guest reset the machine (${end.source})`;
    case 'triple-fault': return `triple fault at 0x${(end.detail.eip >>> 0).toString(16)}: ${end.detail.reason}`;
    case 'limit': return '--max-instructions reached';
  }
}
