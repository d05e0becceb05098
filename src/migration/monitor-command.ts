/**
 * The monitor's `migrate` command (src/monitor/: `{"execute": "migrate",
 * "arguments": {"uri": "tcp:HOST:PORT"}}`, QMP's name and argument):
 * live-migrates the machine and answers with the report (downtime, bytes,
 * rounds), or with an error when the migration failed (the machine then
 * runs on as before). Registered on any server with an addCommand() of
 * this shape, so this module does not depend on the monitor's.
 */
import type { Machine } from '../vm.js';

export interface CommandRegistry {
  addCommand(name: string, cmd: {
    help: string;
    args?: Record<string, { type: 'string' | 'number' | 'boolean'; required?: boolean; help: string }>;
    run(args: Record<string, string | number | boolean>): unknown;
  }): void;
}

export function addMigrateCommand(server: CommandRegistry, machine: Machine, makeError: (message: string) => Error = (m) => new Error(m),
  onDone?: (target: string) => void): void {
  server.addCommand('migrate', {
    help: 'live-migrate the machine to a `jitvisor run --incoming` waiting at uri; answers with the downtime, bytes sent and rounds',
    args: { uri: { type: 'string', required: true, help: 'tcp:HOST:PORT or unix:PATH of the destination' } },
    run: async (a) => {
      try {
        const r = await machine.migrate(String(a.uri));
        onDone?.(r.target);
        return {
          target: r.target, downtimeMs: +r.downtimeMs.toFixed(2), totalMs: +r.totalMs.toFixed(1), bytesSent: r.bytesSent,
          rounds: r.rounds.length, finalPages: r.finalPages, stateBytes: r.stateBytes, destinationApplyMs: +r.destinationApplyMs.toFixed(2),
          instructions: r.instructions,
        };
      } catch (e) {
        throw makeError((e as Error).message);
      }
    },
  });
}
