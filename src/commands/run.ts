/**
 * `jitvisor run`: boot a Linux kernel with its serial console on the
 * terminal, QEMU style: raw keyboard input goes to COM1, guest output to
 * stdout, Ctrl-A x quits, Ctrl-A h helps, Ctrl-A Ctrl-A sends Ctrl-A. The
 * terminal is restored however the process ends.
 */
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pc, type PcExit } from '../pc.js';
import { CLOCK_MODES, type ClockMode } from '../clock.js';
import { EngineUnavailable, type EngineName } from '../machine.js';
import { BootImageError } from '../../guests/boot/linux.js';
import { parseArgs, parseU32, single, UsageError } from './args.js';

const GUESTS = fileURLToPath(new URL('../../../guests/', import.meta.url));
export const DEFAULT_KERNEL = GUESTS + 'linux-686.bzImage';
export const DEFAULT_INITRD = GUESTS + 'initramfs.cpio.gz';

export const RUN_HELP = `usage: jitvisor run [--kernel FILE] [--initrd FILE] [--append "CMDLINE"] [--memory MiB]
                    [--engine interpreter|jit] [--clock realtime|deterministic] [--max-instructions N] [--debugcon]

Boots a Linux bzImage (default: the Debian kernel and busybox initramfs in guests/)
with the serial console (COM1) on this terminal.
  --append      kernel command line (default "console=ttyS0")
  --memory      guest RAM in MiB (default 128; 16 to 3584)
  --engine      jit (default): hot guest code compiled to WebAssembly; interpreter: records only
  --clock       realtime (default): guest time is host time;
                deterministic: guest time counts instructions, runs are repeatable
  --debugcon    show what the guest writes to the 0xE9 debug port (Bochs/QEMU debugcon) on stderr
Keys: Ctrl-A x quit, Ctrl-A h help, Ctrl-A Ctrl-A send Ctrl-A.
Exit status: 0 guest powered off / halted (or you quit), 1 host error, 2 bad option or file,
3 guest reset (reboot), 4 triple fault, 5 --max-instructions reached.`;

export const EXIT_CODES: Record<PcExit['kind'], number> = { halted: 0, stopped: 0, reset: 3, 'triple-fault': 4, limit: 5 };

function readInput(file: string, what: string): Uint8Array {
  try {
    if (!statSync(file).isFile()) throw new Error('not a regular file');
    return new Uint8Array(readFileSync(file));
  } catch (e) {
    throw new UsageError(`cannot read ${what} '${file}': ${(e as Error).message.replace(/^[A-Z]+: /, '')}`);
  }
}

export async function runCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) { process.stdout.write(RUN_HELP + '\n'); return 0; }
  const p = parseArgs(argv, ['kernel', 'initrd', 'append', 'memory', 'engine', 'clock', 'max-instructions'], ['debugcon'], RUN_HELP);
  if (p.positional.length) throw new UsageError(`unexpected argument '${p.positional[0]}'`, RUN_HELP);
  const kernelArg = single(p, 'kernel', RUN_HELP);
  const initrdArg = single(p, 'initrd', RUN_HELP);
  const kernelFile = kernelArg ?? DEFAULT_KERNEL;
  const initrdFile = initrdArg ?? (kernelArg === undefined ? DEFAULT_INITRD : undefined);
  const cmdline = single(p, 'append', RUN_HELP) ?? 'console=ttyS0';
  const memText = single(p, 'memory', RUN_HELP);
  const memoryMiB = memText === undefined ? 128 : parseU32(memText, '--memory');
  if (memoryMiB < 16 || memoryMiB > 3584) throw new UsageError(`--memory must be between 16 and 3584 MiB, not ${memText}`, RUN_HELP);
  const engine = (single(p, 'engine', RUN_HELP) ?? 'jit') as EngineName;
  if (engine !== 'interpreter' && engine !== 'jit') throw new UsageError(`--engine must be interpreter or jit, not '${engine}'`, RUN_HELP);
  const clock = (single(p, 'clock', RUN_HELP) ?? 'realtime') as ClockMode;
  if (!CLOCK_MODES.includes(clock)) throw new UsageError(`--clock must be realtime or deterministic, not '${clock}'`, RUN_HELP);
  const maxText = single(p, 'max-instructions', RUN_HELP);
  const maxInstructions = maxText === undefined ? Infinity : parseU32(maxText, '--max-instructions');

  const kernel = readInput(kernelFile, 'kernel');
  const initrd = initrdFile === undefined ? undefined : readInput(initrdFile, 'initrd');

  const out = process.stdout;
  let pending: number[] = [];
  let sawOutput = false;
  const flush = () => {
    if (!pending.length) return;
    if (!sawOutput) {
      sawOutput = true;
      if (progressShown) process.stderr.write('\n');
    }
    out.write(Buffer.from(pending));
    pending = [];
  };
  let pc: Pc;
  try {
    pc = new Pc({
      memoryMiB, engine, clock,
      onSerialOutput: (b) => { pending.push(b); if (pending.length >= 4096) flush(); },
      ...(p.flags.has('debugcon') ? { onDebugOutput: (b: number) => { process.stderr.write(Buffer.from([b])); } } : {}),
    });
  } catch (e) {
    if (e instanceof EngineUnavailable) { process.stderr.write(`jitvisor run: ${e.message}\n`); return 2; }
    throw e;
  }
  try {
    const info = pc.bootLinux(kernel, basename(kernelFile), cmdline, initrd, initrdFile ? basename(initrdFile) : undefined);
    process.stderr.write(`jitvisor: booting ${basename(kernelFile)} (Linux boot protocol ${info.protocol}, ${(kernel.length / 1048576).toFixed(1)} MiB)` +
      `${initrd ? ` with ${basename(initrdFile!)}` : ''}, ${memoryMiB} MiB RAM, ${engine}, ${clock} clock; cmdline "${cmdline}"\n` +
      `jitvisor: decompressing the kernel (the kernel's own messages follow on the serial console; Ctrl-A x quits)\n`);
  } catch (e) {
    if (e instanceof BootImageError) throw new UsageError(e.message);
    throw e;
  }

  // Terminal: raw input to the UART, Ctrl-A escapes, always restored.
  const stdin = process.stdin;
  const tty = stdin.isTTY === true;
  const restore = () => { if (tty) { try { stdin.setRawMode(false); } catch { /* already closed */ } } };
  process.on('exit', restore);
  const onSignal = () => pc.stop();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let escape = false;
  const onData = (chunk: Buffer) => {
    const fwd: number[] = [];
    for (const b of chunk) {
      if (escape) {
        escape = false;
        if (b === 0x78 /* x */) { pc.stop(); return; }
        if (b === 0x68 /* h */) process.stderr.write('\r\njitvisor: Ctrl-A x quit, Ctrl-A Ctrl-A send Ctrl-A\r\n');
        else if (b === 0x01) fwd.push(0x01);
      } else if (b === 0x01 && tty) escape = true;
      else fwd.push(b);
    }
    if (fwd.length) pc.serialInput(Uint8Array.from(fwd));
  };
  if (tty) stdin.setRawMode(true);
  stdin.on('data', onData);
  stdin.on('error', () => {});
  stdin.resume();

  const t0 = performance.now();
  // Until the guest says something, show that it is alive (on a terminal: one updating line).
  let progressShown = false;
  const progress = setInterval(() => {
    if (sawOutput) { clearInterval(progress); return; }
    const line = `jitvisor: running, no console output yet (${(pc.executed / 1e9).toFixed(2)} G instructions, ${((performance.now() - t0) / 1000).toFixed(0)} s)`;
    if (process.stderr.isTTY) { process.stderr.write(`\r${line}`); progressShown = true; } else process.stderr.write(line + '\n');
  }, 5000);
  let exit: PcExit;
  try {
    const timer = setInterval(flush, 20);
    try {
      exit = await pc.run(maxInstructions);
    } finally {
      clearInterval(timer);
      clearInterval(progress);
      flush();
    }
  } finally {
    stdin.off('data', onData);
    stdin.pause();
    restore();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  const jit = pc.machine.jit;
  const stats = `${pc.executed} instructions in ${secs} s` + (jit
    ? `; JIT: ${((100 * pc.compiled) / Math.max(1, pc.executed)).toFixed(1)}% of them in compiled code, ${jit.counters.summary()}`
    : '');
  switch (exit.kind) {
    case 'halted': process.stderr.write(`\r\njitvisor: the guest halted with interrupts off (powered off) after ${stats}\n`); break;
    case 'stopped': process.stderr.write(`\r\njitvisor: stopped after ${stats}\n`); break;
    case 'reset': process.stderr.write(`\r\njitvisor: the guest reset the machine (${exit.source}) after ${stats}\n`); break;
    case 'triple-fault': process.stderr.write(`\r\njitvisor: triple fault at 0x${(exit.detail.eip >>> 0).toString(16)}: ${exit.detail.reason} (${stats})\n`); break;
    case 'limit': process.stderr.write(`\r\njitvisor: --max-instructions reached (${stats})\n`); break;
  }
  return EXIT_CODES[exit.kind];
}
