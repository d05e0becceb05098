/**
 * `jitvisor fleet`: run several guests in this one process, each in its
 * own worker thread (src/fleet/), each with its serial console in a log
 * file (DIR/NAME.log) and, on request, one of them on this terminal; a
 * management interface (--monitor) lists them, reports on each, starts,
 * stops and types on them. Ends when every VM has ended, on quit, or on
 * Ctrl-C / SIGTERM (which stop them all).
 */
import { consoleInput } from './console-input.js';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Fleet, FleetError } from '../fleet/fleet.js';
import type { VmInfo, VmSpec } from '../fleet/fleet.js';
import { FleetMonitor } from '../fleet/monitor.js';
import { formatMonitorAddress, parseMonitorAddress, type MonitorAddress } from '../monitor/address.js';
import { UsageError, stringValue, type Command, type OptionValues } from './command.js';
import { GUEST_OPTIONS, parseGuestOptions } from './guest-options.js';
import { parseCount } from './options.js';
import { version } from '../version.js';

export const fleetCommand: Command = {
  name: 'fleet',
  summary: 'run several guests in one process, each in its own thread, with a management interface',
  synopsis: '[options] [NAME...]',
  description:
    'Starts one VM per NAME (or --count N VMs named vm1..vmN), each booting the same guest\n' +
    '(the guest options below) in its own worker thread with its own memory: a VM that\n' +
    'crashes, triple-faults or spins does not disturb the others, a stopped one frees its\n' +
    'memory. Each VM\'s serial console goes to LOG-DIR/NAME.log; --attach puts one on this\n' +
    'terminal. --monitor: list, status, start, stop, send, pause, resume, quit (JSON lines).',
  options: [
    ...GUEST_OPTIONS,
    { name: 'count', type: 'string', arg: 'N', help: 'start N VMs named vm1..vmN (when no NAME is given; default 1)' },
    { name: 'log-dir', type: 'string', arg: 'DIR', help: 'where the console logs go (default: jitvisor-fleet in the working directory)' },
    { name: 'attach', type: 'string', arg: 'NAME', help: 'this VM\'s console on the terminal (input goes to it; Ctrl-A x stops the fleet)' },
    { name: 'monitor', type: 'string', arg: 'unix:PATH|tcp:HOST:PORT', help: 'management interface (same protocol as run --monitor; jitvisor monitor talks to it)' },
  ],
  epilogue: 'Exit status: 0 when every VM ended or the fleet was stopped, 1 host error, 2 bad option or file.',
  positionals: { min: 0, max: 1000, name: 'NAME' },
  run: runFleet,
};

const stamp = () => new Date().toISOString().slice(11, 19);

async function runFleet(values: OptionValues, positionals: string[]): Promise<number> {
  const g = parseGuestOptions(values);
  const countText = stringValue(values, 'count');
  if (countText !== undefined && positionals.length) throw new UsageError('give NAMEs or --count, not both');
  const count = countText !== undefined ? parseCount(countText, '--count', 1000) : 1;
  if (count < 1) throw new UsageError('--count must be at least 1');
  const names = positionals.length ? positionals : Array.from({ length: count }, (_, i) => `vm${i + 1}`);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new UsageError(`VM name '${dup}' given twice`);
  for (const n of names) if (!/^[A-Za-z0-9._-]{1,64}$/.test(n)) throw new UsageError(`bad VM name '${n}': use 1 to 64 letters, digits, '.', '_' or '-'`);
  const attach = stringValue(values, 'attach');
  if (attach !== undefined && !names.includes(attach)) throw new UsageError(`--attach ${attach}: no such VM (VMs: ${names.join(', ')})`);
  let monitorAddr: MonitorAddress | null = null;
  const monitorText = stringValue(values, 'monitor');
  if (monitorText !== undefined) {
    try { monitorAddr = parseMonitorAddress(monitorText); } catch (e) { throw new UsageError(`--monitor: ${(e as Error).message}`); }
  }
  const logDir = resolve(stringValue(values, 'log-dir') ?? 'jitvisor-fleet');
  try { mkdirSync(logDir, { recursive: true }); } catch (e) { throw new UsageError(`--log-dir ${logDir}: ${(e as Error).message}`); }

  const base: Omit<VmSpec, 'name'> = {
    kernel: g.kernel.path, initrd: g.initrd?.path ?? null, cmdline: g.cmdline, memoryMiB: g.memoryMiB, engine: g.engine, cpu: g.cpu, clock: g.clock,
    ...(Number.isFinite(g.maxInstructions) ? { maxInstructions: g.maxInstructions } : {}),
  };
  const fleet = new Fleet();
  const log = (line: string) => process.stderr.write(`${attach !== undefined ? '\r\n' : ''}jitvisor fleet ${stamp()}: ${line}\n`);
  const describe = (i: VmInfo) => i.state === 'failed' ? `failed: ${i.error}`
    : i.exit?.kind === 'triple-fault' ? `triple fault at 0x${(i.exit.detail.eip >>> 0).toString(16)} (${i.exit.detail.reason})`
      : i.exit?.kind === 'reset' ? `reset (${i.exit.source})` : String(i.exit?.kind);
  fleet.on('exit', (name: string, i: VmInfo) => log(`${name} ended: ${describe(i)} after ${i.last?.instructions ?? 0} instructions`));
  fleet.on('warning', (name: string, text: string) => log(`${name}: warning: ${text}`));

  let quit!: () => void;
  const quitting = new Promise<void>((r) => { quit = r; });
  const monitor = monitorAddr ? new FleetMonitor(fleet, { version: version(), onQuit: () => quit(), defaults: { ...base } }) : null;
  // Terminal for --attach: raw input to that VM, Ctrl-A x stops the fleet.
  const stdin = process.stdin, tty = stdin.isTTY === true;
  const restoreTty = () => { if (tty) { try { stdin.setRawMode(false); } catch { /* closed */ } } };
  process.on('exit', restoreTty);
  const onSignal = () => quit();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const onData = consoleInput(tty, { 0x78 /* x */: () => { quit(); return true; } }, (bytes) => {
    if (attach !== undefined) { try { fleet.send(attach, bytes); } catch { /* it ended */ } }
  });
  try {
    if (monitor) log(`management interface on ${formatMonitorAddress(await monitor.listen(monitorAddr!))}`);
    if (attach !== undefined) {
      fleet.on('output', (name: string, b: Buffer) => { if (name === attach) process.stdout.write(b); });
      if (tty) stdin.setRawMode(true);
      stdin.on('data', onData);
      stdin.resume();
    }
    log(`starting ${names.length} VM${names.length > 1 ? 's' : ''} (${g.kernel.shown}, ${g.memoryMiB} MiB, ${g.engine}, ${g.clock} clock), consoles in ${logDir}/`);
    const started = await Promise.allSettled(names.map((name) => fleet.start({ ...base, name, log: join(logDir, `${name}.log`) })
      .then((i) => { log(`${name} running (thread ${i.threadId}, console ${i.log})`); })));
    const failed = started.filter((s) => s.status === 'rejected');
    for (const f of failed) log(((f as PromiseRejectedResult).reason as Error).message);
    // Run until every VM ended, quit, or a signal.
    const allEnded = (async () => {
      for (;;) {
        const live = fleet.list().filter((v) => v.state === 'starting' || v.state === 'running');
        if (live.length === 0) return;
        await Promise.race(live.map((v) => fleet.ended(v.name)));
      }
    })();
    await Promise.race([allEnded, quitting]);
  } catch (e) {
    if (e instanceof FleetError) { log(e.message); return 1; }
    throw e;
  } finally {
    stdin.off('data', onData);
    stdin.pause();
    restoreTty();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await fleet.close();
    await monitor?.close();
  }
  log(`all VMs ended: ${fleet.list().map((v) => `${v.name} ${v.state === 'failed' ? 'failed' : v.exit?.kind}`).join(', ')}`);
  return 0;
}
