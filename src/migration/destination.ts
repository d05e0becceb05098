/**
 * The receiving side of a live migration: listen, take the first
 * connection (and no other), build an empty machine from HELLO, write the
 * PAGES into its RAM as they come, apply STATE (CPU, devices, clock), say
 * READY, and hand the machine over on GO. Anything else (a closed
 * connection, a bad or unexpected message, silence past the timeout, an
 * ERROR from the source) fails with a MigrationError and the half-built
 * machine is dropped: the source still has the guest.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { unlinkSync } from 'node:fs';
import type { Pc } from '../pc.js';
import { apply, capture, decode, encode } from '../snapshot/machine-state.js';
import { Codec, SnapshotError } from '../snapshot/format.js';
import { Channel } from './channel.js';
import { applyPages } from './pages.js';
import { checkHello, type Hello } from './hello.js';
import { formatMigrationAddress, frame, jsonFrame, MigrationError, MsgType, parseJson, parseMigrationAddress, parsePages, type MigrationAddress } from './protocol.js';

export interface IncomingOptions {
  /** Give up when the source is silent this long once connected (default 60 s). */
  timeoutMs?: number;
  /** Progress lines (the CLI prints them on stderr). */
  onEvent?: (line: string) => void;
}

export interface Incoming<T> {
  /** The address listened on (with the real port when 0 was asked for). */
  address: string;
  port: number;
  /** Resolves with the machine, paused, once GO arrived; rejects with a MigrationError. */
  result: Promise<T>;
  /** Stop listening / abandon a migration in progress. */
  close(): void;
}

export interface IncomingStats { bytesReceived: number; pages: number; rounds: number; applyMs: number; from: string }

/**
 * Listen on `text` (tcp:HOST:PORT or unix:PATH) for one incoming machine.
 * `build` makes an empty machine for a HELLO (throwing if it cannot) and
 * returns its Pc and what `result` resolves with.
 */
export async function listenIncoming<T>(text: string, build: (h: Hello) => { pc: Pc; result: (stats: IncomingStats) => T },
  opts: IncomingOptions = {}): Promise<Incoming<T>> {
  const addr = parseMigrationAddress(text);
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const server: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) => reject(new MigrationError(`cannot listen on ${formatMigrationAddress(addr)}: ${e.message}`)));
    if (addr.kind === 'tcp') server.listen(addr.port, addr.host, () => resolve());
    else server.listen(addr.path, () => resolve());
  });
  const bound = server.address();
  const port = typeof bound === 'object' && bound !== null ? bound.port : 0;
  const actual: MigrationAddress = addr.kind === 'tcp' ? { ...addr, port } : addr;
  const name = formatMigrationAddress(actual);
  let socket: Socket | null = null;
  let cancel: ((e: MigrationError) => void) | null = null;
  const stopListening = () => {
    server.close();
    if (addr.kind === 'unix') { try { unlinkSync(addr.path); } catch { /* gone */ } }
  };
  const result = new Promise<T>((resolve, reject) => {
    cancel = reject;
    server.on('connection', (s) => {
      if (socket) { s.destroy(); return; } // one machine per listen
      socket = s;
      stopListening();
      const peer = s.remoteAddress ? `${s.remoteAddress}:${s.remotePort}` : 'the source';
      opts.onEvent?.(`incoming migration from ${peer}`);
      receive(new Channel(s, peer), peer, build, timeoutMs, opts).then(resolve, (e: unknown) => {
        const err = e instanceof MigrationError ? e : new MigrationError((e as Error).message);
        reject(new MigrationError(`incoming migration on ${name} failed: ${err.message}`));
      });
    });
  });
  result.catch(() => {}); // the caller may only look at it later
  return {
    address: name, port, result,
    close: () => {
      stopListening();
      const s = socket as Socket | null;
      if (s) s.destroy(); else cancel?.(new MigrationError(`incoming migration on ${name} cancelled`));
    },
  };
}

async function receive<T>(ch: Channel, peer: string, build: (h: Hello) => { pc: Pc; result: (stats: IncomingStats) => T },
  timeoutMs: number, opts: IncomingOptions): Promise<T> {
  let stage = 'waiting for HELLO';
  try {
    const hello = checkHello(parseJson<Record<string, unknown>>(await ch.next([MsgType.Hello], timeoutMs), 'HELLO'));
    let made: { pc: Pc; result: (stats: IncomingStats) => T };
    try {
      made = build(hello);
    } catch (e) {
      throw new MigrationError(`cannot build a ${hello.memoryMiB} MiB ${hello.cpu} machine here: ${(e as Error).message}`);
    }
    const phys = made.pc.cpu.phys, pageCount = phys.ramSize >>> 12;
    // Run the state decoding and applying once now, on the empty machine's
    // own state (a no-op), so the guest's downtime does not pay for their
    // first, unoptimised run.
    await apply(decode(await encode(capture(made.pc, { kernel: null, initrd: null, cmdline: '', engine: hello.engine }, '', { ram: false }),
      { codec: Codec.Stored }, { codec: Codec.Stored }), 'warm-up'), made.pc);
    await ch.send(jsonFrame(MsgType.Accept, {}));
    opts.onEvent?.(`receiving a ${hello.memoryMiB} MiB ${hello.cpu} machine (${hello.engine}, ${hello.clock} clock) from ${peer}`);
    let pages = 0, round = 0;
    stage = 'receiving RAM';
    let f = await ch.next([MsgType.Pages, MsgType.State], timeoutMs);
    while (f.type === MsgType.Pages) {
      const b = parsePages(f, pageCount);
      applyPages(phys, b);
      pages += b.entries.length;
      round = b.round;
      f = await ch.next([MsgType.Pages, MsgType.State], timeoutMs);
    }
    stage = 'applying the CPU and device state';
    const t = performance.now();
    try {
      const d = decode(f.payload, `migration state from ${peer}`);
      await apply(d, made.pc);
    } catch (e) {
      if (e instanceof SnapshotError) throw new MigrationError(e.message);
      throw e;
    }
    const applyMs = performance.now() - t;
    await ch.send(jsonFrame(MsgType.Ready, { applyMs }));
    stage = 'waiting for GO';
    await ch.next([MsgType.Go], timeoutMs);
    ch.end();
    opts.onEvent?.(`migration from ${peer} complete: ${pages} pages in ${round} rounds, ${(ch.received / 1048576).toFixed(1)} MiB received`);
    return made.result({ bytesReceived: ch.received, pages, rounds: round, applyMs, from: peer });
  } catch (e) {
    const err = e instanceof MigrationError ? e : new MigrationError((e as Error).message);
    if (!ch.error) {
      try { ch.socket.end(jsonFrame(MsgType.Error, { message: err.message })); } catch { /* gone */ }
    }
    ch.destroy();
    throw new MigrationError(`${stage}: ${err.message}`);
  }
}

export { frame };
