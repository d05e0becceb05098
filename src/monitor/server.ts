/**
 * The management interface, in the spirit of QEMU's QMP: a socket (Unix or
 * TCP) that takes one JSON command per line and answers each with one JSON
 * line.
 *
 *   on connect  {"jitvisor": {"version": "0.1.0", "commands": [...]}}
 *   request     {"execute": "snapshot-save", "arguments": {"file": "a.snap"}, "id": 7}
 *   reply       {"return": {...}, "id": 7}
 *   or          {"error": {"class": "GenericError", "desc": "..."}, "id": 7}
 *
 * "id" is optional and echoed. A request that is not JSON, not an object,
 * names no known command or gives bad arguments gets an error reply and
 * changes nothing. Bytes that are not UTF-8 or JSON, lines longer than
 * MAX_LINE and abrupt disconnects are the client's problem: the server
 * keeps serving every other connection (and this one, after an error
 * reply, unless the line overflowed).
 *
 * `CommandServer` is the protocol: the socket, the framing, the checks of a
 * request against a registry of commands (`addCommand`) and query-commands.
 * A single machine's monitor (`MonitorServer`: status, pause, resume,
 * snapshot-save, snapshot-load, jit-counters, quit) and the fleet's
 * (src/fleet/monitor.ts) are two command sets on it.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { lstat, unlink } from 'node:fs/promises';
import type { Machine } from '../vm.js';
import { formatMonitorAddress, type MonitorAddress } from './address.js';

/** Longest request line, bytes; a longer one is refused and the connection closed. */
export const MAX_LINE = 1 << 20;

export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

/** A failed command: its class goes into the error reply. */
export class CommandError extends Error {
  constructor(message: string, readonly errorClass = 'GenericError') { super(message); }
}

export interface ArgSpec { type: 'string' | 'number' | 'boolean'; required?: boolean; help: string }

export interface MonitorCommand {
  help: string;
  args?: Record<string, ArgSpec>;
  run(args: Record<string, string | number | boolean>): Promise<JsonValue> | JsonValue;
}

export interface MonitorOptions {
  /** Called after `quit` has been answered. */
  onQuit?: () => void;
  version?: string;
}

/** The protocol and its socket; what the commands are is the subclass's. */
export class CommandServer {
  private readonly commands = new Map<string, MonitorCommand>();
  private readonly sockets = new Set<Socket>();
  private server: Server | null = null;
  /** Where it listens (with the port chosen when 0 was asked for). */
  address: MonitorAddress | null = null;

  /** `greeting`: members added to the line sent on connect (the fleet's says `fleet: true`). */
  constructor(protected readonly version: string, private readonly greeting: Record<string, JsonValue> = {}) {
    this.addCommand('query-commands', {
      help: 'the commands and their arguments',
      run: () => this.commandNames().map((name) => {
        const c = this.commands.get(name)!;
        return { name, help: c.help, args: Object.fromEntries(Object.entries(c.args ?? {}).map(([k, s]) => [k, { type: s.type, required: s.required === true, help: s.help }])) };
      }) as JsonValue,
    });
  }

  addCommand(name: string, cmd: MonitorCommand): void {
    this.commands.set(name, cmd);
  }

  commandNames(): string[] { return [...this.commands.keys()].sort(); }
  /** Start listening; resolves with the address (the chosen port when 0 was asked for). */
  async listen(addr: MonitorAddress): Promise<MonitorAddress> {
    if (addr.kind === 'unix') await removeStaleSocket(addr.path);
    const server = createServer((sock) => this.serve(sock));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      if (addr.kind === 'unix') server.listen(addr.path, () => resolve());
      else server.listen(addr.port, addr.host, () => resolve());
    });
    server.on('error', () => { /* accept errors (EMFILE...) must not end jitvisor */ });
    if (addr.kind === 'tcp') {
      const a = server.address();
      this.address = { kind: 'tcp', host: addr.host, port: typeof a === 'object' && a ? a.port : addr.port };
    } else this.address = addr;
    return this.address;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    if (this.address?.kind === 'unix') await unlink(this.address.path).catch(() => {});
  }

  private serve(sock: Socket): void {
    this.sockets.add(sock);
    sock.on('close', () => this.sockets.delete(sock));
    sock.on('error', () => { /* the client went away: nothing to do */ });
    sock.setNoDelay?.(true);
    const send = (o: unknown) => { if (!sock.destroyed) sock.write(JSON.stringify(o) + '\n'); };
    send({ jitvisor: { version: this.version, ...this.greeting, commands: this.commandNames() } });
    let pending: Buffer[] = [];
    let pendingLength = 0;
    // Requests from one connection are answered in order.
    let queue: Promise<void> = Promise.resolve();
    sock.on('data', (chunk: Buffer) => {
      let start = 0;
      for (;;) {
        const nl = chunk.indexOf(0x0a, start);
        if (nl < 0) break;
        const line = Buffer.concat([...pending, chunk.subarray(start, nl)]);
        pending = []; pendingLength = 0;
        start = nl + 1;
        queue = queue.then(() => this.handleLine(line, send));
      }
      const rest = chunk.subarray(start);
      if (rest.length) {
        pending.push(Buffer.from(rest));
        pendingLength += rest.length;
        if (pendingLength > MAX_LINE) {
          send({ error: { class: 'GenericError', desc: `request line longer than ${MAX_LINE} bytes: connection closed` } });
          pending = []; pendingLength = 0;
          sock.end();
        }
      }
    });
  }

  private async handleLine(raw: Buffer, send: (o: unknown) => void): Promise<void> {
    const text = raw.toString('utf8').replace(/\r$/, '').trim();
    if (text === '') return;
    let req: unknown;
    try {
      req = JSON.parse(text);
    } catch (e) {
      send({ error: { class: 'JSONParseError', desc: `not JSON: ${(e as Error).message}` } });
      return;
    }
    const id = typeof req === 'object' && req !== null && !Array.isArray(req) && 'id' in req ? (req as { id: unknown }).id : undefined;
    const withId = (o: Record<string, unknown>) => (id === undefined ? o : { ...o, id });
    try {
      const result = await this.execute(req);
      send(withId({ return: result }));
    } catch (e) {
      const cls = e instanceof CommandError ? e.errorClass : 'GenericError';
      send(withId({ error: { class: cls, desc: (e as Error).message } }));
    }
  }

  /** Check and run one request object. */
  async execute(req: unknown): Promise<JsonValue> {
    if (typeof req !== 'object' || req === null || Array.isArray(req)) throw new CommandError('a request is a JSON object: {"execute": "COMMAND", "arguments": {...}}');
    const r = req as Record<string, unknown>;
    for (const k of Object.keys(r)) if (k !== 'execute' && k !== 'arguments' && k !== 'id') throw new CommandError(`unknown request member '${k}' (execute, arguments, id)`);
    if (typeof r.execute !== 'string') throw new CommandError('the request has no "execute": "COMMAND"');
    const cmd = this.commands.get(r.execute);
    if (!cmd) throw new CommandError(`unknown command '${r.execute}' (query-commands lists them)`, 'CommandNotFound');
    const given = r.arguments ?? {};
    if (typeof given !== 'object' || given === null || Array.isArray(given)) throw new CommandError('"arguments" must be an object');
    const specs = cmd.args ?? {};
    const args: Record<string, string | number | boolean> = {};
    for (const [k, v] of Object.entries(given as Record<string, unknown>)) {
      const spec = specs[k];
      if (!spec) throw new CommandError(`${r.execute} has no argument '${k}'${Object.keys(specs).length ? ` (it takes ${Object.keys(specs).join(', ')})` : ' (it takes none)'}`);
      if (typeof v !== spec.type || (spec.type === 'string' && v === '')) throw new CommandError(`${r.execute}: argument '${k}' must be a${spec.type === 'string' ? ' non-empty string' : ` ${spec.type}`}`);
      args[k] = v as string | number | boolean;
    }
    for (const [k, s] of Object.entries(specs)) if (s.required && !(k in args)) throw new CommandError(`${r.execute} needs argument '${k}' (${s.help})`);
    return cmd.run(args);
  }

  describe(): string {
    return this.address ? formatMonitorAddress(this.address) : '(not listening)';
  }
}

/** A single machine's monitor (`run --monitor`, `Machine`'s library users). */
export class MonitorServer extends CommandServer {
  constructor(private readonly machine: Machine, private readonly opts: MonitorOptions = {}) {
    super(opts.version ?? 'unknown');
    const m = machine;
    this.addCommand('status', {
      help: 'state (running, paused, exited), instruction count, virtual time, configuration',
      run: () => {
        const s = m.status();
        return { running: s.state === 'running', ...s } as unknown as JsonValue;
      },
    });
    this.addCommand('pause', {
      help: 'stop the guest between run slices (returns once it is stopped)',
      run: async () => { await m.pause(); return { state: m.status().state }; },
    });
    this.addCommand('resume', {
      help: 'let a paused guest run on',
      run: () => { m.resume(); return { state: m.status().state }; },
    });
    this.addCommand('cont', { help: 'same as resume (QMP name)', run: () => { m.resume(); return { state: m.status().state }; } });
    this.addCommand('snapshot-save', {
      help: 'save the whole machine to a file (temporary file, fsync, rename); the guest stops only while its state is copied',
      args: { file: { type: 'string', required: true, help: 'snapshot file to write' } },
      run: async (a) => {
        try {
          return { ...(await m.saveSnapshot(String(a.file))) } as unknown as JsonValue;
        } catch (e) { throw new CommandError((e as Error).message); }
      },
    });
    this.addCommand('snapshot-load', {
      help: 'replace the machine\'s state with a snapshot\'s (a bad file changes nothing)',
      args: { file: { type: 'string', required: true, help: 'snapshot file to read' } },
      run: async (a) => {
        try {
          const c = await m.restore(String(a.file));
          return { file: String(a.file), instructions: c.instructions, savedAt: c.savedAt, state: m.status().state };
        } catch (e) { throw new CommandError((e as Error).message); }
      },
    });
    this.addCommand('jit-counters', {
      help: 'the JIT\'s counters (every numeric field), instructions run and run in compiled code',
      run: () => ({ engine: m.status().engine, ...(m.jitCounters() ?? { executed: m.status().executed }) }),
    });
    this.addCommand('quit', {
      help: 'stop the machine and end jitvisor',
      run: () => {
        setImmediate(() => { m.stop(); this.opts.onQuit?.(); });
        return {};
      },
    });
  }
}

/** A Unix socket file left by an earlier run that nobody listens on any more is removed; any other file is not. */
async function removeStaleSocket(path: string): Promise<void> {
  let st;
  try { st = await lstat(path); } catch { return; }
  if (!st.isSocket()) throw new Error(`cannot listen on unix:${path}: the path exists and is not a socket`);
  const { connect } = await import('node:net');
  const live = await new Promise<boolean>((resolve) => {
    const c = connect(path);
    c.once('connect', () => { c.destroy(); resolve(true); });
    c.once('error', () => resolve(false));
  });
  if (live) throw new Error(`cannot listen on unix:${path}: another process is listening there`);
  await unlink(path);
}
