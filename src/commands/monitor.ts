/** `jitvisor monitor ADDRESS COMMAND [ARG=VALUE ...]`: send one command to a running jitvisor's monitor and print the reply. */
import { parseMonitorAddress, AddressError } from '../monitor/address.js';
import { sendMonitorCommand, MonitorClientError } from '../monitor/client.js';
import { UsageError, type Command, type OptionValues } from './command.js';

export const monitorCommand: Command = {
  name: 'monitor',
  summary: 'send one command to a running jitvisor (run --monitor) and print the reply',
  synopsis: 'ADDRESS COMMAND [NAME=VALUE ... | \'{"name": value}\']',
  description:
    'ADDRESS is what `jitvisor run --monitor` was given: unix:PATH (or just PATH) or tcp:HOST:PORT.\n' +
    'COMMAND: status, pause, resume, snapshot-save file=F, snapshot-load file=F, jit-counters, quit,\n' +
    'query-commands (lists them all with their arguments). Arguments are NAME=VALUE pairs (a VALUE that\n' +
    'is a JSON number, true or false is sent as one) or one JSON object. The reply\'s result is printed\n' +
    'as JSON on stdout.',
  options: [],
  epilogue: 'Exit status: 0 the command succeeded; 1 the monitor answered with an error or could not be reached; 2 bad arguments.',
  positionals: { min: 2, max: 64, name: 'ADDRESS and a COMMAND' },
  run: monitorMain,
};

function parseArgsList(list: string[]): Record<string, unknown> {
  if (list.length === 1 && list[0].trim().startsWith('{')) {
    let o: unknown;
    try { o = JSON.parse(list[0]); } catch (e) { throw new UsageError(`arguments: not JSON: ${(e as Error).message}`); }
    if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new UsageError('arguments: a JSON object, please');
    return o as Record<string, unknown>;
  }
  const out: Record<string, unknown> = {};
  for (const a of list) {
    const m = /^([A-Za-z][\w-]*)=(.*)$/s.exec(a);
    if (!m) throw new UsageError(`argument '${a}' is not NAME=VALUE`);
    const v = m[2];
    out[m[1]] = /^(true|false|-?[0-9]+(\.[0-9]+)?)$/.test(v) ? JSON.parse(v) : v;
  }
  return out;
}

async function monitorMain(_values: OptionValues, positionals: string[]): Promise<number> {
  const [addrText, command, ...rest] = positionals;
  let addr;
  try { addr = parseMonitorAddress(addrText, true); } catch (e) {
    if (e instanceof AddressError) throw new UsageError(e.message);
    throw e;
  }
  const args = parseArgsList(rest);
  try {
    const reply = await sendMonitorCommand(addr, command, args);
    if (reply.error) {
      process.stderr.write(`jitvisor monitor: ${command}: ${reply.error.desc}\n`);
      return 1;
    }
    process.stdout.write(JSON.stringify(reply.return ?? null, null, 2) + '\n');
    return 0;
  } catch (e) {
    if (e instanceof MonitorClientError) { process.stderr.write(`jitvisor monitor: ${e.message}\n`); return 1; }
    throw e;
  }
}
