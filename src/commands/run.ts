/**
 * `jitvisor run`: boot a guest (or resume a snapshot) with its serial
 * console on the terminal, QEMU style: raw keyboard input goes to COM1,
 * guest output to stdout, Ctrl-A x quits, Ctrl-A s saves a snapshot,
 * Ctrl-A h helps, Ctrl-A Ctrl-A sends Ctrl-A. The terminal is restored
 * however the process ends. Guest output is passed through byte for byte,
 * so full-screen guests (memtest86+'s ANSI screen) draw correctly in a
 * terminal. `--monitor` opens the management interface (src/monitor/).
 * Built on the library API (src/vm.ts).
 */
import { consoleInput } from './console-input.js';
import type { PcExit } from '../pc.js';
import { EngineUnavailable } from '../machine.js';
import { BootImageError } from '../../guests/boot/linux.js';
import { Machine, SnapshotError } from '../vm.js';
import { CommandError, MonitorServer } from '../monitor/server.js';
import { AddressError, formatMonitorAddress, parseMonitorAddress, type MonitorAddress } from '../monitor/address.js';
import { CLOCK_MODES } from '../clock.js';
import { version } from '../version.js';
import { UsageError, stringValue, type Command, type OptionValues } from './command.js';
import { FIXED_BY_SNAPSHOT, GUEST_OPTIONS, parseGuestOptions } from './guest-options.js';
import { parseChoice, parseEngine, parseMaxInstructions } from './options.js';
import { incomingMachine } from './incoming.js';
import { addMigrateCommand } from '../migration/monitor-command.js';

export const EXIT_CODES: Record<PcExit['kind'], number> = { halted: 0, stopped: 0, reset: 3, 'triple-fault': 4, limit: 5 };

/** Where Ctrl-A s saves unless --snapshot-file says otherwise. */
export const DEFAULT_SNAPSHOT_FILE = 'jitvisor.snap';


export const runCommand: Command = {
  name: 'run',
  summary: 'boot a Linux kernel (or memtest86+), or resume a snapshot, with the serial console on this terminal',
  synopsis: '[options]',
  description:
    'Boots a guest through the Linux boot protocol (default: the Debian kernel and busybox\n' +
    'initramfs in guests/) with its serial console (COM1) on this terminal, or resumes one\n' +
    'saved in a snapshot (--restore).',
  options: [
    ...GUEST_OPTIONS,
    { name: 'debugcon', type: 'boolean', help: 'show what the guest writes to the 0xE9 debug port (Bochs/QEMU debugcon) on stderr' },
    { name: 'restore', type: 'string', arg: 'FILE', help: 'resume the machine saved in snapshot FILE instead of booting (its RAM size, CPU,\nkernel and command line come from it; --engine and --clock default to the ones it ran with)' },
    { name: 'snapshot-file', type: 'string', arg: 'FILE', help: `where Ctrl-A s saves a snapshot (default ${DEFAULT_SNAPSHOT_FILE}; replaced safely)` },
    { name: 'monitor', type: 'string', arg: 'unix:PATH|tcp:HOST:PORT', help: 'management interface: JSON commands, one per line (jitvisor monitor sends one);\nuse 127.0.0.1 for tcp: anyone who can connect controls the machine' },
    { name: 'incoming', type: 'string', arg: 'tcp:HOST:PORT|unix:PATH', help: 'wait for a live-migrated machine there instead of booting one (src/migration/)' },
  ],
  epilogue:
    'Keys: Ctrl-A x quit, Ctrl-A s save a snapshot, Ctrl-A h help, Ctrl-A Ctrl-A send Ctrl-A.\n' +
    'Exit status: 0 guest powered off / halted (or you quit), 1 host error, 2 bad option or file,\n' +
    '3 guest reset (reboot), 4 triple fault, 5 --max-instructions reached.',
  positionals: { min: 0, max: 0, name: '' },
  run: runGuest,
};

const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;

async function makeMachine(values: OptionValues): Promise<{ machine: Machine; maxInstructions: number } | number> {
  const debug = values.debugcon === true ? { onDebugOutput: (b: number) => { process.stderr.write(Buffer.from([b])); } } : {};
  if (values.incoming !== undefined) return incomingMachine(values, debug);
  const restore = stringValue(values, 'restore');
  if (restore !== undefined) {
    for (const o of FIXED_BY_SNAPSHOT) if (values[o] !== undefined) throw new UsageError(`--${o} cannot be combined with --restore (the snapshot fixes it)`);
    const engineText = stringValue(values, 'engine'), clockText = stringValue(values, 'clock');
    const maxInstructions = parseMaxInstructions(stringValue(values, 'max-instructions'), Infinity);
    const opts = {
      ...(engineText !== undefined ? { engine: parseEngine(engineText) } : {}),
      ...(clockText !== undefined ? { clock: parseChoice(clockText, '--clock', CLOCK_MODES, 'realtime') } : {}),
      ...debug,
    };
    let machine: Machine;
    try {
      machine = await Machine.restore(restore, opts);
    } catch (e) {
      if (e instanceof SnapshotError) { process.stderr.write(`jitvisor run: ${e.message}\n`); return 2; }
      if (e instanceof EngineUnavailable) throw new UsageError(e.message);
      throw e;
    }
    const s = machine.status();
    const c = await Machine.snapshotInfo(restore);
    process.stderr.write(`jitvisor: resuming ${restore} (saved ${c.savedAt}, ${c.instructions} instructions in): ${c.kernel?.name ?? 'no kernel'}, ` +
      `${s.memoryMiB} MiB RAM, ${s.cpu}, ${s.engine}, ${s.clock} clock; cmdline "${s.cmdline}" (Ctrl-A x quits)\n`);
    return { machine, maxInstructions };
  }
  const g = parseGuestOptions(values);
  let machine: Machine;
  try {
    machine = Machine.create({
      kernel: g.kernel.bytes, kernelName: g.kernel.shown, initrd: g.initrd?.bytes ?? null, ...(g.initrd ? { initrdName: g.initrd.shown } : {}),
      cmdline: g.cmdline, memoryMiB: g.memoryMiB, engine: g.engine, cpu: g.cpu, clock: g.clock, ...debug,
    });
  } catch (e) {
    if (e instanceof EngineUnavailable || e instanceof BootImageError) throw new UsageError(e.message);
    throw e;
  }
  process.stderr.write(`jitvisor: booting ${g.kernel.shown} (Linux boot protocol ${machine.bootProtocol}, ${mib(g.kernel.bytes.length)})` +
    `${g.initrd ? ` with ${g.initrd.shown}` : ''}, ${g.memoryMiB} MiB RAM, ${g.cpu}, ${g.engine}, ${g.clock} clock; cmdline "${g.cmdline}"\n` +
    (g.defaultGuest
      ? 'jitvisor: decompressing the kernel (the kernel\'s own messages follow on the serial console; Ctrl-A x quits)\n'
      : 'jitvisor: starting the guest (its own messages follow on the serial console; Ctrl-A x quits)\n'));
  return { machine, maxInstructions: g.maxInstructions };
}

async function runGuest(values: OptionValues): Promise<number> {
  let monitorAddr: MonitorAddress | null = null;
  const monitorText = stringValue(values, 'monitor');
  if (monitorText !== undefined) {
    try { monitorAddr = parseMonitorAddress(monitorText); } catch (e) {
      if (e instanceof AddressError) throw new UsageError(`--monitor: ${e.message}`);
      throw e;
    }
  }
  const snapshotFile = stringValue(values, 'snapshot-file') ?? DEFAULT_SNAPSHOT_FILE;
  const made = await makeMachine(values);
  if (typeof made === 'number') return made;
  const { machine, maxInstructions } = made;
  const out = process.stdout;
  let sawOutput = false;
  let progressShown = false;
  machine.on('output', (chunk: Buffer) => {
    if (!sawOutput) {
      sawOutput = true;
      if (progressShown) process.stderr.write('\n');
    }
    out.write(chunk);
  });
  // Messages while the guest owns the terminal: raw mode needs \r\n.
  const say = (text: string) => process.stderr.write(`\r\njitvisor: ${text}\r\n`);
  machine.on('warning', (text: string) => say(text));

  let monitor: MonitorServer | null = null;
  if (monitorAddr) {
    monitor = new MonitorServer(machine, { version: version(), onQuit: () => machine.stop() });
    addMigrateCommand(monitor, machine, (m) => new CommandError(m), (to) => say(`migrated to ${to}: the guest runs there now`));
    try {
      const a = await monitor.listen(monitorAddr);
      process.stderr.write(`jitvisor: monitor listening on ${formatMonitorAddress(a)}\n`);
    } catch (e) {
      process.stderr.write(`jitvisor run: cannot open the monitor on ${monitorText}: ${(e as Error).message}\n`);
      return 1;
    }
  }

  let saving = false;
  const saveSnapshot = () => {
    if (saving) { say('a snapshot is already being saved'); return; }
    saving = true;
    say(`saving a snapshot to ${snapshotFile} ...`);
    machine.saveSnapshot(snapshotFile).then(
      (r) => say(`snapshot saved to ${r.file}: ${mib(r.bytes)}, guest stopped ${r.pauseMs.toFixed(0)} ms, ${r.totalMs.toFixed(0)} ms in all (${r.instructions} instructions)`),
      (e: Error) => say(e.message),
    ).finally(() => { saving = false; });
  };

  // Terminal: raw input to the UART, Ctrl-A escapes, always restored.
  const stdin = process.stdin;
  const tty = stdin.isTTY === true;
  const restore = () => { if (tty) { try { stdin.setRawMode(false); } catch { /* already closed */ } } };
  process.on('exit', restore);
  const onSignal = () => machine.stop();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const onData = consoleInput(tty, {
    0x78 /* x */: () => { machine.stop(); return true; },
    0x73 /* s */: () => { saveSnapshot(); },
    0x68 /* h */: () => { process.stderr.write('\r\njitvisor: Ctrl-A x quit, Ctrl-A s save a snapshot (' + snapshotFile + '), Ctrl-A Ctrl-A send Ctrl-A\r\n'); },
  }, (bytes) => machine.sendInput(bytes));
  if (tty) stdin.setRawMode(true);
  stdin.on('data', onData);
  stdin.on('error', () => {});
  stdin.resume();

  const t0 = performance.now();
  // Until the guest says something, show that it is alive (on a terminal: one updating line).
  const progress = setInterval(() => {
    if (sawOutput) { clearInterval(progress); return; }
    const line = `jitvisor: running, no console output yet (${(machine.status().executed / 1e9).toFixed(2)} G instructions, ${((performance.now() - t0) / 1000).toFixed(0)} s)`;
    if (process.stderr.isTTY) { process.stderr.write(`\r${line}`); progressShown = true; } else process.stderr.write(line + '\n');
  }, 5000);
  let exit: PcExit;
  try {
    exit = await machine.run({ instructions: maxInstructions });
  } finally {
    clearInterval(progress);
    stdin.off('data', onData);
    stdin.pause();
    restore();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await monitor?.close();
  }
  // A full-screen guest may leave the terminal with attributes set and the
  // cursor hidden (memtest86+ sends ESC[?25l): give the user theirs back.
  if (sawOutput && out.isTTY) out.write('\x1b[0m\x1b[?25h');
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  const st = machine.status();
  const jc = machine.jitCounters();
  const stats = `${st.executed} instructions in ${secs} s` + (jc
    ? `; JIT: ${((100 * jc.compiled) / Math.max(1, jc.executed)).toFixed(1)}% of them in compiled code, ${machine.jitSummary()}`
    : '');
  switch (exit.kind) {
    case 'halted': process.stderr.write(`\r\njitvisor: the guest halted with interrupts off (powered off) after ${stats}\n`); break;
    case 'stopped': process.stderr.write(`\r\njitvisor: ${st.migratedTo ? `migrated to ${st.migratedTo}` : 'stopped'} after ${stats}\n`); break;
    case 'reset': process.stderr.write(`\r\njitvisor: the guest reset the machine (${exit.source}) after ${stats}\n`); break;
    case 'triple-fault': process.stderr.write(`\r\njitvisor: triple fault at 0x${(exit.detail.eip >>> 0).toString(16)}: ${exit.detail.reason} (${stats})\n`); break;
    case 'limit': process.stderr.write(`\r\njitvisor: --max-instructions reached (${stats})\n`); break;
  }
  // A save still writing finishes before the process ends (its file is renamed into place or not at all).
  while (saving) await new Promise((r) => setTimeout(r, 20));
  return EXIT_CODES[exit.kind];
}
