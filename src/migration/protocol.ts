/**
 * The live-migration wire protocol: a stream of framed messages over one
 * TCP (or Unix) connection, each checked on its own.
 *
 *   offset  size
 *   0       4    magic "JVMG"
 *   4       2    protocol version (u16 LE)
 *   6       1    message type (MsgType)
 *   7       1    0 (reserved)
 *   8       4    payload length (u32 LE), at most MAX_PAYLOAD
 *   12      4    CRC-32 of bytes 0..11 and the payload (node:zlib crc32)
 *   16      ...  payload
 *
 * A conversation (source -> destination unless marked <-):
 *   HELLO    JSON: protocol, jitvisor version, the machine's configuration (RAM size, CPU
 *            model, clock, engine, kernel/initrd identity, command line)
 *   ACCEPT   <- JSON: the destination built a machine for it (or ERROR: why not)
 *   PAGES*   u32 round, u32 count, then count entries: u32 page number, bit 31 set for
 *            an all-zero page (no data follows), else 4096 bytes of the page
 *   STATE    the rest of the machine: a snapshot (src/snapshot/format.ts, its own SHA-256)
 *            whose RAM section is empty, sent with the guest stopped
 *   READY    <- JSON: the destination has it all (applyMs: how long applying took)
 *   GO       the source has given the machine up: the destination runs it
 *   ERROR    either way, JSON { message }: the sender gives up; the connection closes
 *
 * A version this side does not speak, a bad magic, a checksum mismatch,
 * an oversized or unexpected message all end the migration with a
 * MigrationError that says which.
 */
import { crc32 } from 'node:zlib';
import { PAGE_SIZE } from '../../runtime/state/layout.js';

export const MAGIC = Buffer.from('JVMG', 'latin1');
export const PROTOCOL_VERSION = 1;
export const FRAME_HEADER_BYTES = 16;
/** Largest payload accepted (a STATE message is a few hundred KiB; PAGES batches are about 1 MiB). */
export const MAX_PAYLOAD = 64 << 20;
export const ZERO_PAGE = 0x80000000;

export enum MsgType { Hello = 1, Accept = 2, Pages = 3, State = 4, Ready = 5, Go = 6, Error = 7 }
export const MSG_NAMES: Record<number, string> = { 1: 'HELLO', 2: 'ACCEPT', 3: 'PAGES', 4: 'STATE', 5: 'READY', 6: 'GO', 7: 'ERROR' };

/** A migration that failed; the message says where and why. */
export class MigrationError extends Error {}

export interface Frame { type: MsgType; payload: Buffer }

/** One message as bytes. */
export function frame(type: MsgType, payload: Buffer = Buffer.alloc(0)): Buffer {
  if (payload.length > MAX_PAYLOAD) throw new RangeError(`migration message of ${payload.length} bytes is over the ${MAX_PAYLOAD}-byte limit`);
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  MAGIC.copy(out, 0);
  out.writeUInt16LE(PROTOCOL_VERSION, 4);
  out.writeUInt8(type, 6);
  out.writeUInt8(0, 7);
  out.writeUInt32LE(payload.length, 8);
  out.writeUInt32LE(crc32(payload, crc32(out.subarray(0, 12))), 12);
  payload.copy(out, FRAME_HEADER_BYTES);
  return out;
}

export const jsonFrame = (type: MsgType, o: unknown): Buffer => frame(type, Buffer.from(JSON.stringify(o), 'utf8'));

export function parseJson<T>(f: Frame, what: string): T {
  try {
    const v = JSON.parse(f.payload.toString('utf8')) as unknown;
    if (typeof v !== 'object' || v === null) throw new Error('not an object');
    return v as T;
  } catch (e) {
    throw new MigrationError(`bad ${MSG_NAMES[f.type]} message (${what}): ${(e as Error).message}`);
  }
}

/**
 * Splits a byte stream into checked frames. push() a chunk as it arrives;
 * it returns the complete frames in it and keeps the rest; a bad frame
 * throws MigrationError.
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Bytes of complete frames taken so far. */
  received = 0;

  push(chunk: Buffer): Frame[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const out: Frame[] = [];
    for (;;) {
      if (this.buffered < FRAME_HEADER_BYTES) break;
      const head = this.peek(FRAME_HEADER_BYTES);
      if (!head.subarray(0, 4).equals(MAGIC)) throw new MigrationError('not a jitvisor migration stream (wrong magic number)');
      const version = head.readUInt16LE(4);
      if (version !== PROTOCOL_VERSION) {
        throw new MigrationError(`the peer speaks migration protocol version ${version}, this jitvisor speaks version ${PROTOCOL_VERSION}`);
      }
      const type = head.readUInt8(6), len = head.readUInt32LE(8);
      if (!(type in MSG_NAMES)) throw new MigrationError(`unknown message type ${type}`);
      if (len > MAX_PAYLOAD) throw new MigrationError(`${MSG_NAMES[type]} message of ${len} bytes is over the ${MAX_PAYLOAD}-byte limit`);
      if (this.buffered < FRAME_HEADER_BYTES + len) break;
      const whole = this.take(FRAME_HEADER_BYTES + len);
      const payload = whole.subarray(FRAME_HEADER_BYTES);
      if (crc32(payload, crc32(whole.subarray(0, 12))) !== whole.readUInt32LE(12)) {
        throw new MigrationError(`${MSG_NAMES[type]} message corrupted (CRC-32 mismatch)`);
      }
      this.received += whole.length;
      out.push({ type: type as MsgType, payload });
    }
    return out;
  }

  /** Bytes of an incomplete frame waiting for the rest. */
  get pending(): number { return this.buffered; }

  private peek(n: number): Buffer {
    if (this.chunks[0].length < n) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0].subarray(0, n);
  }

  private take(n: number): Buffer {
    if (this.chunks[0].length < n) this.chunks = [Buffer.concat(this.chunks)];
    const first = this.chunks[0];
    const out = first.subarray(0, n);
    if (first.length === n) this.chunks.shift(); else this.chunks[0] = first.subarray(n);
    this.buffered -= n;
    return out;
  }
}

/** A PAGES payload: the page numbers (bit 31: all zero) and, for the others, their bytes. */
export interface PagesBatch { round: number; entries: number[]; data: Buffer }

export function parsePages(f: Frame, pageCount: number): PagesBatch {
  const p = f.payload;
  const bad = (what: string): never => { throw new MigrationError(`bad PAGES message: ${what}`); };
  if (p.length < 8) bad('too short');
  const round = p.readUInt32LE(0), count = p.readUInt32LE(4);
  const entries: number[] = [];
  let o = 8;
  for (let i = 0; i < count; i++) {
    if (o + 4 > p.length) bad(`cut short at entry ${i} of ${count}`);
    const e = p.readUInt32LE(o); o += 4;
    const page = e & ~ZERO_PAGE;
    if (page >= pageCount) bad(`page ${page} beyond the machine's ${pageCount} pages`);
    entries.push(e);
    if ((e & ZERO_PAGE) === 0) {
      if (o + PAGE_SIZE > p.length) bad(`cut short in page ${page}`);
      o += PAGE_SIZE;
    }
  }
  if (o !== p.length) bad(`${p.length - o} bytes after the last entry`);
  return { round, entries, data: p };
}

/** Parse a migration address: tcp:HOST:PORT (HOST may be [v6]) or unix:PATH. */
export type MigrationAddress = { kind: 'tcp'; host: string; port: number } | { kind: 'unix'; path: string };

export function parseMigrationAddress(text: string): MigrationAddress {
  if (text.startsWith('unix:')) {
    const path = text.slice(5);
    if (path === '') throw new MigrationError(`'${text}': no socket path after unix:`);
    return { kind: 'unix', path };
  }
  const m = /^tcp:(?:\[([^\]]+)\]|([^:]*)):([0-9]+)$/.exec(text);
  if (!m) throw new MigrationError(`'${text}' is not a migration address (tcp:HOST:PORT or unix:PATH)`);
  const port = Number(m[3]);
  if (port > 65535) throw new MigrationError(`'${text}': port ${port} is out of range`);
  return { kind: 'tcp', host: m[1] ?? (m[2] === '' ? '127.0.0.1' : m[2]), port };
}

export function formatMigrationAddress(a: MigrationAddress): string {
  return a.kind === 'unix' ? `unix:${a.path}` : `tcp:${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`;
}
