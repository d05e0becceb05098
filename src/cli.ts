/**
 * The jitvisor command line. Each subcommand is one module in
 * src/commands/ exporting a Command; this file lists them, dispatches,
 * answers help and --version, and turns usage errors into one line and
 * exit status 2. A new command (profile, compare, snapshot, ...) is a new
 * module added to COMMANDS.
 */
import { helpText, parseCommandLine, UsageError, type Command } from './commands/command.js';
import { execCommand } from './commands/exec.js';
import { runCommand } from './commands/run.js';
import { fleetCommand } from './commands/fleet.js';
import { snapshotCommand } from './commands/snapshot.js';
import { monitorCommand } from './commands/monitor.js';

export const COMMANDS: readonly Command[] = [runCommand, execCommand, snapshotCommand, monitorCommand, fleetCommand];

export { version } from './version.js';
import { version } from './version.js';

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return 'usage: jitvisor <command> [options]\n       jitvisor --version\n\ncommands:\n' +
    COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`).join('\n') +
    `\n  ${'help'.padEnd(width)}show this text (jitvisor help <command>: that command's options)\n`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  let cmd: Command | undefined;
  try {
    switch (name) {
      case undefined:
        process.stderr.write(usage());
        return 2;
      case 'help': case '--help': case '-h': {
        const about = rest[0] === undefined ? undefined : COMMANDS.find((c) => c.name === rest[0]);
        if (rest[0] !== undefined && !about) throw new UsageError(`unknown command '${rest[0]}'`);
        process.stdout.write(about ? helpText(about) : usage());
        return 0;
      }
      case '--version': case '-V': case 'version':
        process.stdout.write(`jitvisor ${version()}\n`);
        return 0;
    }
    cmd = COMMANDS.find((c) => c.name === name);
    if (!cmd) throw new UsageError(name.startsWith('-') ? `unknown option '${name}' (options go after the command)` : `unknown command '${name}'`);
    const { values, positionals, help } = parseCommandLine(cmd, rest);
    if (help) { process.stdout.write(helpText(cmd)); return 0; }
    return await cmd.run(values, positionals);
  } catch (e) {
    if (e instanceof UsageError) {
      const about = e.command ?? cmd?.name;
      process.stderr.write(`jitvisor${about ? ' ' + about : ''}: ${e.message} (see: jitvisor ${about ? about + ' ' : ''}--help)\n`);
      return 2;
    }
    throw e;
  }
}
