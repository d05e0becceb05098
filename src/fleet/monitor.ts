/**
 * The fleet's management interface: the same wire protocol as a single
 * machine's monitor (src/monitor/, QMP style: a greeting line, then one
 * JSON request per line, {"execute", "arguments", "id"}, answered by one
 * line {"return"} or {"error": {"class", "desc"}}), so `jitvisor monitor`
 * talks to it, with fleet commands that name the VM:
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
import { createServer, type Server, type Socket } from 'node:net';
import { unlink } from 'node:fs/promises';
import type { Fleet, VmSpec } from './fleet.js';

const MAX_LINE = 1 << 20;

type Args = Record<string, unknown>;
interface FleetCommand { help: string; args: Record<string, { type: 'string' | 'number'; required?: boolean }>; run(a: Args): unknown }

export class FleetCommandError extends Error {}

export type FleetMonitorAddress = { kind: 'unix'; path: string } | { kind: 'tcp'; host: string; port: number };

export class FleetMonitor {
  private readonly commands = new Map<string, FleetCommand>();
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  address: FleetMonitorAddress | null = null;

  constructor(private readonly fleet: Fleet, private readonly opts: { version: string; onQuit: () => void; defaults?: Partial<VmSpec> }) {
    const vm = { vm: { type: 'string' as const, required: true } };
    this.commands.set('list', { help: 'every VM: name, state, how it ended, thread, console log', args: {}, run: () => fleet.list() });
    this.commands.set('status', { help: 'one VM, with its machine status and memory', args: vm, run: (a) => fleet.status(String(a.vm)) });
    this.commands.set('start', {
      help: 'start another VM (arguments as VmSpec: kernel, initrd, cmdline, memoryMiB, engine, clock, restore, log)',
      args: {
        vm: { type: 'string', required: true }, kernel: { type: 'string' }, initrd: { type: 'string' }, cmdline: { type: 'string' },
        memoryMiB: { type: 'number' }, engine: { type: 'string' }, clock: { type: 'string' }, restore: { type: 'string' }, log: { type: 'string' },
      },
      run: (a) => {
        const { vm: name, ...rest } = a;
        return fleet.start({ ...(this.opts.defaults ?? {}), ...rest, name: String(name) } as VmSpec);
      },
    });
    this.commands.set('stop', { help: 'stop one VM (its thread ends, its memory is freed)', args: vm, run: (a) => fleet.stop(String(a.vm)) });
    this.commands.set('send', {
      help: 'type text on a VM\'s serial console', args: { ...vm, text: { type: 'string', required: true } },
      run: (a) => { fleet.send(String(a.vm), String(a.text)); return {}; },
    });
    this.commands.set('pause', { help: 'pause one VM', args: vm, run: (a) => { fleet.pause(String(a.vm)); return {}; } });
    this.commands.set('resume', { help: 'resume one VM', args: vm, run: (a) => { fleet.resume(String(a.vm)); return {}; } });
    this.commands.set('quit', { help: 'stop every VM and end jitvisor', args: {}, run: () => { setImmediate(() => this.opts.onQuit()); return {}; } });
    this.commands.set('query-commands', {
      help: 'the commands and their arguments', args: {},
      run: () => [...this.commands.entries()].map(([name, c]) => ({ name, help: c.help, args: c.args })),
    });
  }

  async listen(addr: FleetMonitorAddress): Promise<FleetMonitorAddress> {
    if (addr.kind === 'unix') await unlink(addr.path).catch(() => {});
    const server = createServer((s) => this.serve(s));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      if (addr.kind === 'unix') server.listen(addr.path, () => resolve()); else server.listen(addr.port, addr.host, () => resolve());
    });
    server.on('error', () => {});
    const a = server.address();
    this.address = addr.kind === 'tcp' ? { ...addr, port: typeof a === 'object' && a ? a.port : addr.port } : addr;
    return this.address;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
    if (this.address?.kind === 'unix') await unlink(this.address.path).catch(() => {});
  }

  private serve(sock: Socket): void {
    this.sockets.add(sock);
    sock.on('close', () => this.sockets.delete(sock));
    sock.on('error', () => {});
    const send = (o: unknown) => { if (!sock.destroyed) sock.write(JSON.stringify(o) + '\n'); };
    send({ jitvisor: { version: this.opts.version, fleet: true, commands: [...this.commands.keys()].sort() } });
    let pending = '';
    let queue: Promise<void> = Promise.resolve();
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      pending += d;
      let nl;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        queue = queue.then(() => this.handle(line, send));
      }
      if (pending.length > MAX_LINE) {
        send({ error: { class: 'GenericError', desc: `request line longer than ${MAX_LINE} bytes: connection closed` } });
        pending = '';
        sock.end();
      }
    });
  }

  private async handle(line: string, send: (o: unknown) => void): Promise<void> {
    const text = line.replace(/\r$/, '').trim();
    if (text === '') return;
    let req: unknown;
    try { req = JSON.parse(text); } catch (e) {
      send({ error: { class: 'JSONParseError', desc: `not JSON: ${(e as Error).message}` } });
      return;
    }
    const r = (typeof req === 'object' && req !== null && !Array.isArray(req) ? req : {}) as Args;
    const withId = (o: Args) => (r.id === undefined ? o : { ...o, id: r.id });
    try {
      if (typeof req !== 'object' || req === null || Array.isArray(req)) throw new FleetCommandError('a request is a JSON object: {"execute": COMMAND, "arguments": {...}}');
      const name = r.execute;
      if (typeof name !== 'string') throw new FleetCommandError('no "execute" (the command name)');
      const cmd = this.commands.get(name);
      if (!cmd) throw new FleetCommandError(`unknown command '${name}' (query-commands lists them)`);
      const args = (r.arguments ?? {}) as Args;
      if (typeof args !== 'object' || args === null || Array.isArray(args)) throw new FleetCommandError('"arguments" must be an object');
      for (const [k, v] of Object.entries(args)) {
        const spec = cmd.args[k];
        if (!spec) throw new FleetCommandError(`${name}: unknown argument '${k}'`);
        if (typeof v !== spec.type) throw new FleetCommandError(`${name}: argument '${k}' must be a ${spec.type}`);
      }
      for (const [k, spec] of Object.entries(cmd.args)) if (spec.required && args[k] === undefined) throw new FleetCommandError(`${name}: argument '${k}' is required`);
      send(withId({ return: (await cmd.run(args)) ?? {} }));
    } catch (e) {
      send(withId({ error: { class: 'GenericError', desc: (e as Error).message } }));
    }
  }
}
