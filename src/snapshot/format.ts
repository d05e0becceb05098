/**
 * The snapshot container: a header, tagged sections, a SHA-256 trailer.
 *
 *   offset  size
 *   0       8     magic "JITVSNAP"
 *   8       4     format version (u32 little endian)
 *   12      4     0 (reserved)
 *   16      8     total file length in bytes (u64 LE)
 *   24      ...   sections, each:
 *                   4  tag (ASCII, e.g. "RAM ")
 *                   1  codec (0 stored, 1 deflate, 2 brotli)
 *                   3  0 (reserved)
 *                   8  length of the data once decoded (u64 LE)
 *                   8  length of the data as stored (u64 LE)
 *                   .  the data
 *   end-32  32    SHA-256 of every byte before it
 *
 * The first 24 bytes and the trailer mean the same in every format
 * version, so any jitvisor can tell a foreign file (magic), a truncated one
 * (length), a corrupted one (checksum) and one written by a newer jitvisor
 * (version) apart, in that order, and say which.
 */
import { createHash } from 'node:crypto';

export const MAGIC = Buffer.from('JITVSNAP', 'latin1');
/**
 * The format this jitvisor writes, and the newest it reads. Stepped when the
 * meaning of a section's bytes changes: 2 moved the lazy-flag words of the
 * CPU state block (runtime/state/layout.ts LAZY_OP/LAZY_MASK as one 8-byte pair).
 */
export const FORMAT_VERSION = 2;
/** The oldest format this jitvisor reads: older files hold a state block of another layout. */
export const OLDEST_VERSION = 2;
export const HEADER_BYTES = 24;
export const SECTION_HEADER_BYTES = 24;
export const TRAILER_BYTES = 32;

export enum Codec { Stored = 0, Deflate = 1, Brotli = 2 }
export const CODEC_NAMES: Record<number, string> = { 0: 'stored', 1: 'deflate', 2: 'brotli' };

/** A snapshot file that cannot be used; the message names the file and the problem. */
export class SnapshotError extends Error {}

export interface Section {
  tag: string;
  codec: Codec;
  /** Length once decoded. */
  rawLength: number;
  /** The data as stored (still compressed if codec is not Stored). */
  data: Buffer;
}

/** Assemble a snapshot file from encoded sections. */
export function assemble(sections: readonly Section[]): Buffer {
  let total = HEADER_BYTES + TRAILER_BYTES;
  for (const s of sections) total += SECTION_HEADER_BYTES + s.data.length;
  const out = Buffer.allocUnsafe(total);
  MAGIC.copy(out, 0);
  out.writeUInt32LE(FORMAT_VERSION, 8);
  out.writeUInt32LE(0, 12);
  out.writeBigUInt64LE(BigInt(total), 16);
  let o = HEADER_BYTES;
  for (const s of sections) {
    if (!/^[\x20-\x7e]{4}$/.test(s.tag)) throw new Error(`bad section tag '${s.tag}'`);
    out.write(s.tag, o, 'latin1');
    out.writeUInt8(s.codec, o + 4);
    out.writeUInt8(0, o + 5); out.writeUInt16LE(0, o + 6);
    out.writeBigUInt64LE(BigInt(s.rawLength), o + 8);
    out.writeBigUInt64LE(BigInt(s.data.length), o + 16);
    s.data.copy(out, o + SECTION_HEADER_BYTES);
    o += SECTION_HEADER_BYTES + s.data.length;
  }
  createHash('sha256').update(out.subarray(0, o)).digest().copy(out, o);
  return out;
}

/**
 * Check a snapshot file and split it into its sections (data still
 * encoded). `name` is how messages name the file.
 */
export function disassemble(file: Uint8Array, name: string): Map<string, Section> {
  const buf = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  const fail = (what: string): never => { throw new SnapshotError(`snapshot '${name}': ${what}`); };
  if (buf.length < MAGIC.length || !buf.subarray(0, MAGIC.length).equals(MAGIC)) {
    if (buf.length < MAGIC.length && MAGIC.subarray(0, buf.length).equals(buf)) fail(`truncated: ${buf.length} bytes, not even a header`);
    fail('not a jitvisor snapshot (wrong magic number)');
  }
  if (buf.length < HEADER_BYTES) fail(`truncated: ${buf.length} bytes, shorter than the ${HEADER_BYTES}-byte header`);
  const version = buf.readUInt32LE(8);
  const total = buf.readBigUInt64LE(16);
  if (total < BigInt(HEADER_BYTES + TRAILER_BYTES)) fail(`corrupted: the header gives an impossible length (${total} bytes)`);
  if (BigInt(buf.length) < total) fail(`truncated: ${buf.length} of ${total} bytes`);
  if (BigInt(buf.length) > total) fail(`corrupted: ${buf.length - Number(total)} bytes after the end the header gives (${total} bytes)`);
  const end = buf.length - TRAILER_BYTES;
  const sum = createHash('sha256').update(buf.subarray(0, end)).digest();
  if (!sum.equals(buf.subarray(end))) fail('corrupted: checksum mismatch (the SHA-256 of its contents is not the one recorded)');
  if (version > FORMAT_VERSION) fail(`written in snapshot format version ${version}, newer than this jitvisor reads (version ${FORMAT_VERSION}); use a newer jitvisor`);
  if (version < 1) fail(`unknown snapshot format version ${version}`);
  if (version < OLDEST_VERSION) {
    fail(`written in snapshot format version ${version}, older than this jitvisor reads (versions ${OLDEST_VERSION}-${FORMAT_VERSION}: the CPU state block's layout changed); make the snapshot again with this jitvisor`);
  }
  const sections = new Map<string, Section>();
  let o = HEADER_BYTES;
  while (o < end) {
    if (end - o < SECTION_HEADER_BYTES) fail(`corrupted: a section header at byte ${o} runs past the end`);
    const tag = buf.toString('latin1', o, o + 4);
    const codec = buf.readUInt8(o + 4);
    const rawLength = Number(buf.readBigUInt64LE(o + 8));
    const stored = Number(buf.readBigUInt64LE(o + 16));
    if (!(codec in CODEC_NAMES)) fail(`corrupted: section '${tag}' has unknown codec ${codec}`);
    if (stored > end - o - SECTION_HEADER_BYTES) fail(`corrupted: section '${tag}' runs past the end`);
    if (sections.has(tag)) fail(`corrupted: section '${tag}' appears twice`);
    sections.set(tag, { tag, codec: codec as Codec, rawLength, data: buf.subarray(o + SECTION_HEADER_BYTES, o + SECTION_HEADER_BYTES + stored) });
    o += SECTION_HEADER_BYTES + stored;
  }
  return sections;
}
