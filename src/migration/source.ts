/**
 * The sending side of a live migration (pre-copy, as QEMU and Xen do it):
 *
 *   1. HELLO / ACCEPT: the destination builds an empty machine of the same shape.
 *   2. Round 1: every non-zero RAM page, copied while the guest keeps running;
 *      dirty-page tracking (runtime/mmu.ts TLB_TRACK) logs what it writes meanwhile.
 *   3. Rounds 2..n: the pages logged during the previous round, again live,
 *      until what is left is small (STOP_PAGES), stops shrinking, or MAX_ROUNDS.
 *   4. Stop-and-copy: the guest is paused, the last dirty pages and the rest of the
 *      machine (CPU, devices, clock: a snapshot without RAM) are sent; once the
 *      destination says READY the source sends GO and gives the machine up.
 *
 * Until GO is sent nothing is lost: a dropped connection, an ERROR from the
 * destination or a timeout stops tracking and resumes the guest if it was
 * running, as if nothing had happened, and the caller gets a MigrationError.
 */
import { connect, type Socket } from 'node:net';
import type { Pc } from '../pc.js';
import type { Capture } from '../snapshot/machine-state.js';
import { encode } from '../snapshot/machine-state.js';
import { Codec } from '../snapshot/format.js';
import { Channel } from './channel.js';
import { countDirty, dirtyPages, pagesFrame } from './pages.js';
import { formatMigrationAddress, frame, jsonFrame, MigrationError, MsgType, parseJson, parseMigrationAddress, PROTOCOL_VERSION, type MigrationAddress } from './protocol.js';
import type { Hello } from './hello.js';

/** Pages per PAGES message (about 1 MiB). */
const BATCH = 256;
/** Live rounds give the guest the event loop after this many messages. */
const YIELD_EVERY = 4;

export interface MigrateOptions {
  /** Stop and copy once at most this many pages are dirty (default 256 = 1 MiB). */
  stopPages?: number;
  /** Most live rounds before stopping anyway (default 30). */
  maxRounds?: number;
  /** Give up when the destination is silent this long (default 30 s). */
  timeoutMs?: number;
  /** Progress, one line per round (the CLI / monitor log it). */
  onRound?: (r: RoundReport) => void;
}

export interface RoundReport {
  round: number;
  /** Pages sent in the round (zero pages as bare entries). */
  pages: number;
  /** All-zero pages left out (first round) or sent as bare entries. */
  zeroPages: number;
  bytes: number;
  ms: number;
  /** True for the stop-and-copy round (guest paused). */
  final: boolean;
}

export interface MigrationReport {
  target: string;
  /** Guest paused: from the pause to GO sent (the destination resumes on GO). */
  downtimeMs: number;
  /** From connect to GO. */
  totalMs: number;
  /** Bytes sent on the connection (all messages, headers included). */
  bytesSent: number;
  /** Of which RAM pages in the stop-and-copy round, and the CPU/device state message. */
  finalPages: number;
  stateBytes: number;
  rounds: RoundReport[];
  /** Time the destination took to apply the CPU/device state (part of the downtime). */
  destinationApplyMs: number;
  /** Retired instructions at the switch-over (the destination goes on from there). */
  instructions: number;
  /**
   * Where the time went, ms: waiting for the run slice in progress to end
   * (before the downtime), then within the downtime: the last pages, the
   * CPU/device state capture + encoding, the wait for READY (transfer and
   * the destination applying it), GO.
   */
  breakdown: { pauseWaitMs: number; pagesMs: number; stateMs: number; readyWaitMs: number; goMs: number };
}

/** What a migration needs from the machine it moves (src/vm.ts Machine provides it). */
export interface MigrationSource {
  readonly pc: Pc;
  hello(): Hello;
  /** The machine without RAM (a snapshot's other sections), taken with the guest paused. */
  captureState(): Capture;
  /** Whether the guest is running now (the pre-copy rounds run beside it). */
  running(): boolean;
  /** Whether it has ended (then there is nothing to migrate). */
  ended(): boolean;
  pause(): Promise<void>;
  resume(): void;
  /** GO was sent: the machine now lives on the destination. */
  handOver(target: string): void;
}

function open(a: MigrationAddress, timeoutMs: number): Promise<Socket> {
  return new Promise<Socket>((resolve, reject) => {
    const s = a.kind === 'tcp' ? connect({ host: a.host, port: a.port }) : connect({ path: a.path });
    const t = setTimeout(() => { s.destroy(); reject(new MigrationError(`cannot connect: no answer in ${timeoutMs / 1000} s`)); }, timeoutMs);
    s.once('connect', () => { clearTimeout(t); s.removeAllListeners('error'); resolve(s); });
    s.once('error', (e) => { clearTimeout(t); reject(new MigrationError(`cannot connect: ${e.message}`)); });
  });
}

/** The STATE message: a snapshot without RAM, nothing compressed (a few KiB: compressing would cost more downtime than it saves). */
const STORED = { codec: Codec.Stored };
const encodeState = (c: Capture) => encode(c, STORED, STORED);

const yieldToGuest = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function migrate(src: MigrationSource, target: string, opts: MigrateOptions = {}): Promise<MigrationReport> {
  const addr = parseMigrationAddress(target);
  const name = formatMigrationAddress(addr);
  const stopPages = opts.stopPages ?? 256, maxRounds = opts.maxRounds ?? 30, timeoutMs = opts.timeoutMs ?? 30_000;
  if (src.ended()) throw new MigrationError('the machine has ended: nothing to migrate');
  const t0 = performance.now();
  let socket: Socket;
  try {
    socket = await open(addr, timeoutMs);
  } catch (e) {
    throw new MigrationError(`migration to ${name} failed: ${(e as Error).message}`);
  }
  const ch = new Channel(socket, name);
  const pc = src.pc, phys = pc.cpu.phys, mmu = pc.cpu.mmu;
  const pageCount = phys.ramSize >>> 12;
  const rounds: RoundReport[] = [];
  let paused = false, handedOver = false;

  const sendRound = async (round: number, pages: ArrayLike<number>, live: boolean): Promise<RoundReport> => {
    const t = performance.now(), before = ch.sent;
    let sent = 0, zero = 0;
    for (let i = 0, k = 0; i < pages.length; i += BATCH, k++) {
      if (src.ended()) throw new MigrationError('the guest ended during the migration');
      const f = pagesFrame(phys, round, pages, i, Math.min(pages.length, i + BATCH), round === 1);
      sent += f.pages; zero += f.zero + f.skipped;
      if (f.pages !== 0) await ch.send(f.bytes);
      if (live && k % YIELD_EVERY === YIELD_EVERY - 1) await yieldToGuest();
    }
    const r = { round, pages: sent, zeroPages: zero, bytes: ch.sent - before, ms: performance.now() - t, final: !live };
    rounds.push(r);
    opts.onRound?.(r);
    return r;
  };

  try {
    await ch.send(jsonFrame(MsgType.Hello, src.hello()));
    parseJson(await ch.next([MsgType.Accept], timeoutMs), 'ACCEPT');
    // Run the state capture and encoding once now, so the stop-and-copy
    // does not pay for their first (unoptimised) run.
    await encodeState(src.captureState());
    mmu.setDirtyLog(new Uint8Array(pageCount));
    let pages: ArrayLike<number> = Uint32Array.from({ length: pageCount }, (_, i) => i);
    let round = 1, best = Infinity, stale = 0;
    for (;;) {
      await sendRound(round, pages, true);
      const left = countDirty(phys.dirty!);
      if (left < best) { best = left; stale = 0; } else stale++;
      if (left <= stopPages || round >= maxRounds || stale >= 3 || !src.running()) break;
      pages = dirtyPages(phys.dirty!);
      mmu.setDirtyLog(new Uint8Array(pageCount));
      round++;
    }
    // Stop and copy. Downtime counts from the moment the guest stopped (the
    // pause waits for the run slice in progress to end).
    const tRequest = performance.now();
    if (src.running()) { await src.pause(); paused = true; }
    const tPause = performance.now();
    if (src.ended()) throw new MigrationError('the guest ended during the migration');
    const last = dirtyPages(phys.dirty!);
    mmu.setDirtyLog(null);
    const final = await sendRound(round + 1, last, false);
    const tPages = performance.now();
    const state = await encodeState(src.captureState());
    const tState = performance.now();
    await ch.send(frame(MsgType.State, state));
    const ready = parseJson<{ applyMs?: number }>(await ch.next([MsgType.Ready], timeoutMs), 'READY');
    const tReady = performance.now();
    const instructions = pc.cpu.icountNumber();
    await ch.send(frame(MsgType.Go));
    await ch.flushed();
    handedOver = true;
    const tGo = performance.now();
    const breakdown = { pauseWaitMs: tPause - tRequest, pagesMs: tPages - tPause, stateMs: tState - tPages, readyWaitMs: tReady - tState, goMs: tGo - tReady };
    src.handOver(name);
    ch.end();
    return {
      target: name, downtimeMs: tGo - tPause, totalMs: tGo - t0, bytesSent: ch.sent, finalPages: final.pages,
      stateBytes: state.length, rounds, destinationApplyMs: typeof ready.applyMs === 'number' ? ready.applyMs : NaN, instructions, breakdown,
    };
  } catch (e) {
    const err = e instanceof MigrationError ? e : new MigrationError((e as Error).message);
    if (!ch.error) {
      try { ch.socket.end(jsonFrame(MsgType.Error, { message: err.message })); } catch { /* already gone */ }
    }
    ch.destroy();
    throw new MigrationError(`migration to ${name} failed: ${err.message.replace(/^migration to \S+ failed: /, '')}`);
  } finally {
    if (!handedOver) {
      mmu.setDirtyLog(null);
      if (paused) src.resume();
    }
  }
}

export { PROTOCOL_VERSION };
