/**
 * `jitvisor run --incoming tcp:HOST:PORT` (or unix:PATH): wait for a
 * machine sent by a live migration (Machine.migrate, the monitor's
 * `migrate`), then run it with its serial console on this terminal, as
 * `run` does. A migration that fails before the machine is complete ends
 * this process with exit status 1 and a message that says what happened;
 * the source still has the guest.
 */
import { Machine, MigrationError, type PcExit } from '../vm.js';
import { CLOCK_MODES } from '../clock.js';
import { UsageError, stringValue, type OptionValues } from './command.js';
import { parseChoice, parseEngine, parseMaxInstructions } from './options.js';
import { parseMigrationAddress } from '../migration/protocol.js';

const EXIT_CODES: Record<PcExit['kind'], number> = { halted: 0, stopped: 0, reset: 3, 'triple-fault': 4, limit: 5 };
/** Guest options the incoming machine brings with it. */
const FIXED = ['kernel', 'initrd', 'append', 'memory', 'cpu', 'restore'];

export async function runIncoming(values: OptionValues): Promise<number> {
  const text = stringValue(values, 'incoming')!;
  try { parseMigrationAddress(text); } catch (e) { throw new UsageError(`--incoming: ${(e as Error).message}`); }
  for (const o of FIXED) if (values[o] !== undefined) throw new UsageError(`--${o} cannot be combined with --incoming (the incoming machine brings its own)`);
  const engineText = stringValue(values, 'engine'), clockText = stringValue(values, 'clock');
  const maxInstructions = parseMaxInstructions(stringValue(values, 'max-instructions'), Infinity);
  const say = (line: string) => process.stderr.write(`jitvisor: ${line}\n`);
  let incoming;
  try {
    incoming = await Machine.listenIncoming(text, {
      ...(engineText !== undefined ? { engine: parseEngine(engineText) } : {}),
      ...(clockText !== undefined ? { clock: parseChoice(clockText, '--clock', CLOCK_MODES, 'realtime') } : {}),
      ...(values.debugcon === true ? { onDebugOutput: (b: number) => { process.stderr.write(Buffer.from([b])); } } : {}),
      onEvent: say,
    });
  } catch (e) {
    if (e instanceof MigrationError) { process.stderr.write(`jitvisor run: ${e.message}\n`); return 1; }
    throw e;
  }
  say(`waiting for a migration on ${incoming.address}`);
  const onWaitSignal = () => incoming.close();
  process.on('SIGINT', onWaitSignal);
  process.on('SIGTERM', onWaitSignal);
  let machine: Machine;
  try {
    machine = await incoming.result;
  } catch (e) {
    if (e instanceof MigrationError) { process.stderr.write(`jitvisor run: ${e.message}\n`); return 1; }
    throw e;
  } finally {
    process.off('SIGINT', onWaitSignal);
    process.off('SIGTERM', onWaitSignal);
  }
  const st = machine.status();
  say(`resuming the migrated machine (${st.instructions} instructions in; ${st.memoryMiB} MiB RAM, ${st.cpu}, ${st.engine}, ${st.clock} clock; ` +
    `cmdline "${st.cmdline}"; Ctrl-A x quits)`);

  // The console, as `run` has it: raw input to COM1, Ctrl-A x quits, output to stdout.
  const stdin = process.stdin, tty = stdin.isTTY === true;
  const restore = () => { if (tty) { try { stdin.setRawMode(false); } catch { /* closed */ } } };
  process.on('exit', restore);
  const onSignal = () => machine.stop();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  machine.on('output', (b: Buffer) => process.stdout.write(b));
  let escape = false;
  const onData = (chunk: Buffer) => {
    const fwd: number[] = [];
    for (const b of chunk) {
      if (escape) { escape = false; if (b === 0x78) { machine.stop(); return; } if (b === 0x01) fwd.push(1); }
      else if (b === 0x01 && tty) escape = true;
      else fwd.push(b);
    }
    if (fwd.length) machine.sendInput(Uint8Array.from(fwd));
  };
  if (tty) stdin.setRawMode(true);
  stdin.on('data', onData);
  stdin.on('error', () => {});
  stdin.resume();
  const t0 = performance.now();
  let exit: PcExit;
  try {
    exit = await machine.run(Number.isFinite(maxInstructions) ? { instructions: maxInstructions } : {});
  } finally {
    stdin.off('data', onData);
    stdin.pause();
    restore();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const s = machine.status();
  const stats = `${s.executed} instructions here in ${((performance.now() - t0) / 1000).toFixed(1)} s, ${s.instructions} since power-on`;
  switch (exit.kind) {
    case 'halted': say(`the guest halted with interrupts off (powered off) after ${stats}`); break;
    case 'stopped': say(s.migratedTo ? `migrated on to ${s.migratedTo} after ${stats}` : `stopped after ${stats}`); break;
    case 'reset': say(`the guest reset the machine (${exit.source}) after ${stats}`); break;
    case 'triple-fault': say(`triple fault at 0x${(exit.detail.eip >>> 0).toString(16)}: ${exit.detail.reason} (${stats})`); break;
    case 'limit': say(`--max-instructions reached (${stats})`); break;
  }
  return EXIT_CODES[exit.kind];
}
