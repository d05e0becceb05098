/**
 * `jitvisor run`: boot a guest with its serial console on the terminal,
 * QEMU style: raw keyboard input goes to COM1, guest output to stdout,
 * Ctrl-A x quits, Ctrl-A h helps, Ctrl-A Ctrl-A sends Ctrl-A. The terminal
 * is restored however the process ends. Guest output is passed through
 * byte for byte, so full-screen guests (memtest86+'s ANSI screen) draw
 * correctly in a terminal.
 */
import { Pc, type PcExit } from '../pc.js';
import { EngineUnavailable } from '../machine.js';
import { BootImageError } from '../../guests/boot/linux.js';
import { UsageError, type Command, type OptionValues } from './command.js';
import { GUEST_OPTIONS, parseGuestOptions } from './guest-options.js';
import { runIncoming } from './incoming.js';

export const EXIT_CODES: Record<PcExit['kind'], number> = { halted: 0, stopped: 0, reset: 3, 'triple-fault': 4, limit: 5 };

export const runCommand: Command = {
  name: 'run',
  summary: 'boot a Linux kernel (or memtest86+) with the serial console on this terminal',
  synopsis: '[options]',
  description:
    'Boots a guest through the Linux boot protocol (default: the Debian kernel and busybox\n' +
    'initramfs in guests/) with its serial console (COM1) on this terminal.',
  options: [
    ...GUEST_OPTIONS,
    { name: 'debugcon', type: 'boolean', help: 'show what the guest writes to the 0xE9 debug port (Bochs/QEMU debugcon) on stderr' },
    { name: 'incoming', type: 'string', arg: 'tcp:HOST:PORT|unix:PATH', help: 'wait for a live-migrated machine there instead of booting one (src/migration/)' },
  ],
  epilogue:
    'Keys: Ctrl-A x quit, Ctrl-A h help, Ctrl-A Ctrl-A send Ctrl-A.\n' +
    'Exit status: 0 guest powered off / halted (or you quit), 1 host error, 2 bad option or file,\n' +
    '3 guest reset (reboot), 4 triple fault, 5 --max-instructions reached.',
  positionals: { min: 0, max: 0, name: '' },
  run: runGuest,
};

async function runGuest(values: OptionValues): Promise<number> {
  if (values.incoming !== undefined) return runIncoming(values);
  const g = parseGuestOptions(values);
  const out = process.stdout;
  let pending: number[] = [];
  let sawOutput = false;
  let progressShown = false;
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
      memoryMiB: g.memoryMiB, engine: g.engine, cpu: g.cpu, clock: g.clock,
      onSerialOutput: (b) => { pending.push(b); if (pending.length >= 4096) flush(); },
      ...(values.debugcon === true ? { onDebugOutput: (b: number) => { process.stderr.write(Buffer.from([b])); } } : {}),
    });
  } catch (e) {
    if (e instanceof EngineUnavailable) throw new UsageError(e.message);
    throw e;
  }
  try {
    const info = pc.bootLinux(g.kernel.bytes, g.kernel.shown, g.cmdline, g.initrd?.bytes, g.initrd?.shown);
    process.stderr.write(`jitvisor: booting ${g.kernel.shown} (Linux boot protocol ${info.protocol}, ${(g.kernel.bytes.length / 1048576).toFixed(1)} MiB)` +
      `${g.initrd ? ` with ${g.initrd.shown}` : ''}, ${g.memoryMiB} MiB RAM, ${g.cpu}, ${g.engine}, ${g.clock} clock; cmdline "${g.cmdline}"\n` +
      (g.defaultGuest
        ? 'jitvisor: decompressing the kernel (the kernel\'s own messages follow on the serial console; Ctrl-A x quits)\n'
        : 'jitvisor: starting the guest (its own messages follow on the serial console; Ctrl-A x quits)\n'));
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
  const progress = setInterval(() => {
    if (sawOutput) { clearInterval(progress); return; }
    const line = `jitvisor: running, no console output yet (${(pc.executed / 1e9).toFixed(2)} G instructions, ${((performance.now() - t0) / 1000).toFixed(0)} s)`;
    if (process.stderr.isTTY) { process.stderr.write(`\r${line}`); progressShown = true; } else process.stderr.write(line + '\n');
  }, 5000);
  let exit: PcExit;
  try {
    const timer = setInterval(flush, 20);
    try {
      exit = await pc.run(g.maxInstructions);
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
  // A full-screen guest may leave the terminal with attributes set and the
  // cursor hidden (memtest86+ sends ESC[?25l): give the user theirs back.
  if (sawOutput && out.isTTY) out.write('\x1b[0m\x1b[?25h');
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
