/**
 * The fleet's management interface: the single machine's monitor protocol
 * (src/monitor/server.ts: a greeting line, then one JSON request per line,
 * {"execute", "arguments", "id"}, answered by {"return"} or {"error"}), so
 * `jitvisor monitor` talks to it, with commands that name the VM:
 *
 *   list                          every VM: name, state, how it ended, thread, log
 *   status   {vm}                 one VM: the above + its machine's status and memory
 *   start    {vm, ...}            start another VM (kernel, initrd, cmdline, memoryMiB,
 *                                 engine, clock, restore, log: as VmSpec)
 *   stop     {vm}                 stop one VM (its thread ends, its memory is freed)
 *   send     {vm, text}           type on a VM's serial console
 *   pause / resume {vm}
 *   quit                          stop every VM and end jitvisor
 *   query-commands
 *
 * Bad JSON, unknown commands and bad arguments get an error reply and
 * change nothing; a client that sends garbage or vanishes affects no one else.
 */
import { CommandServer, type ArgSpec, type JsonValue } from '../monitor/server.js';
import type { Fleet, VmSpec } from './fleet.js';

export class FleetMonitor extends CommandServer {
  constructor(fleet: Fleet, opts: { version: string; onQuit: () => void; defaults?: Partial<VmSpec> }) {
    super(opts.version, { fleet: true });
    const vm: Record<string, ArgSpec> = { vm: { type: 'string', required: true, help: 'the VM\'s name' } };
    const str = (help: string): ArgSpec => ({ type: 'string', help });
    // A fleet error (no such VM, a name taken...) becomes an error reply (CommandServer).
    const json = (v: unknown) => v as JsonValue;
    this.addCommand('list', { help: 'every VM: name, state, how it ended, thread, console log', run: () => json(fleet.list()) });
    this.addCommand('status', { help: 'one VM, with its machine status and memory', args: vm, run: async (a) => json(await fleet.status(String(a.vm))) });
    this.addCommand('start', {
      help: 'start another VM (arguments as VmSpec: kernel, initrd, cmdline, memoryMiB, engine, clock, restore, log)',
      args: {
        ...vm, kernel: str('kernel image'), initrd: str('initial ramdisk'), cmdline: str('kernel command line'),
        memoryMiB: { type: 'number', help: 'guest RAM, MiB' }, engine: str('interpreter or jit'), clock: str('realtime or deterministic'),
        restore: str('snapshot file to resume instead of booting'), log: str('console log file'),
      },
      run: async (a) => {
        const { vm: name, ...rest } = a;
        return json(await fleet.start({ ...(opts.defaults ?? {}), ...rest, name: String(name) } as VmSpec));
      },
    });
    this.addCommand('stop', { help: 'stop one VM (its thread ends, its memory is freed)', args: vm, run: async (a) => json(await fleet.stop(String(a.vm))) });
    this.addCommand('send', {
      help: 'type text on a VM\'s serial console', args: { ...vm, text: { type: 'string', required: true, help: 'the text (\\n for Enter)' } },
      run: (a) => { fleet.send(String(a.vm), String(a.text)); return {}; },
    });
    this.addCommand('pause', { help: 'pause one VM', args: vm, run: (a) => { fleet.pause(String(a.vm)); return {}; } });
    this.addCommand('resume', { help: 'resume one VM', args: vm, run: (a) => { fleet.resume(String(a.vm)); return {}; } });
    this.addCommand('quit', { help: 'stop every VM and end jitvisor', run: () => { setImmediate(() => opts.onQuit()); return {}; } });
  }
}
