/**
 * `jitvisor run --incoming tcp:HOST:PORT` (or unix:PATH): wait for a
 * machine sent by a live migration (Machine.migrate, the monitor's
 * `migrate`); `run` then runs it with its serial console on this terminal
 * (and its monitor, Ctrl-A s, ...) as it does a booted one. A migration
 * that fails before the machine is complete ends this process with exit
 * status 1 and a message that says what happened; the source still has
 * the guest.
 */
import { Machine, MigrationError } from '../vm.js';
import { CLOCK_MODES } from '../clock.js';
import { EngineUnavailable } from '../machine.js';
import { UsageError, stringValue, type OptionValues } from './command.js';
import { parseChoice, parseEngine, parseMaxInstructions } from './options.js';
import { parseMigrationAddress } from '../migration/protocol.js';

/** Guest options the incoming machine brings with it. */
const FIXED = ['kernel', 'initrd', 'append', 'memory', 'cpu', 'restore'];

export async function incomingMachine(values: OptionValues, debug: { onDebugOutput?: (b: number) => void }): Promise<{ machine: Machine; maxInstructions: number } | number> {
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
      ...debug,
      onEvent: say,
    });
  } catch (e) {
    if (e instanceof MigrationError) { process.stderr.write(`jitvisor run: ${e.message}\n`); return 1; }
    throw e;
  }
  say(`waiting for a migration on ${incoming.address} (Ctrl-C gives up)`);
  const onSignal = () => incoming.close();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let machine: Machine;
  try {
    machine = await incoming.result;
  } catch (e) {
    if (e instanceof MigrationError) { process.stderr.write(`jitvisor run: ${e.message}\n`); return 1; }
    if (e instanceof EngineUnavailable) throw new UsageError(e.message);
    throw e;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const st = machine.status();
  say(`resuming the migrated machine (${st.instructions} instructions in; ${st.memoryMiB} MiB RAM, ${st.cpu}, ${st.engine}, ${st.clock} clock; ` +
    `cmdline "${st.cmdline}"; Ctrl-A x quits)`);
  return { machine, maxInstructions };
}
