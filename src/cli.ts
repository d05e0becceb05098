/**
 * The jitvisor command line. Subcommands live in src/commands/; this file
 * only dispatches and turns usage errors into messages and exit codes.
 */
import { execCommand } from './commands/exec.js';
import { runCommand } from './commands/run.js';
import { UsageError } from './commands/args.js';

const USAGE = `usage: jitvisor <command> [options]

commands:
  exec FILE.bin   run raw 32-bit or 16-bit machine code until HLT (see: jitvisor exec --help)
  run             boot a Linux kernel with the serial console on this terminal (see: jitvisor run --help)
  help            show this text
`;

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case 'exec': return await execCommand(rest);
      case undefined: case 'help': case '--help': case '-h':
        process.stdout.write(USAGE);
        return cmd === undefined ? 2 : 0;
      case 'run': return await runCommand(rest);
      default:
        throw new UsageError(`unknown command '${cmd}'`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`jitvisor: ${e.message}\n${e.help ?? 'run `jitvisor help` for usage'}\n`);
      return 2;
    }
    throw e;
  }
}
