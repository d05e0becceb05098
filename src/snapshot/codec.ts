/**
 * Section compression with node:zlib, in the libuv thread pool (the async
 * forms), so a machine keeps running while its snapshot compresses.
 *
 * Choice (bench/snapshot-codec.ts, RAM of the default guest at its shell,
 * README "Snapshots"): deflate level 1 is what jitvisor writes; brotli
 * compresses smaller but several times slower for the same RAM, which
 * would make a save of a busy guest take seconds. Readers accept all three
 * codecs, so the writer's choice can change without a format version.
 */
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { Codec, SnapshotError, type Section } from './format.js';

const deflate = promisify(zlib.deflate), inflate = promisify(zlib.inflate);
const brotliCompress = promisify(zlib.brotliCompress), brotliDecompress = promisify(zlib.brotliDecompress);

export interface CodecChoice { codec: Codec; level?: number }
/** What snapshots are written with (see the header comment). */
export const DEFAULT_CODEC: CodecChoice = { codec: Codec.Deflate, level: 1 };

export async function encodeSection(tag: string, raw: Buffer, choice: CodecChoice = DEFAULT_CODEC): Promise<Section> {
  switch (choice.codec) {
    case Codec.Stored:
      return { tag, codec: Codec.Stored, rawLength: raw.length, data: raw };
    case Codec.Deflate:
      return { tag, codec: Codec.Deflate, rawLength: raw.length, data: await deflate(raw, { level: choice.level ?? 1 }) };
    case Codec.Brotli:
      return {
        tag, codec: Codec.Brotli, rawLength: raw.length,
        data: await brotliCompress(raw, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: choice.level ?? 1, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: raw.length } }),
      };
  }
}

export async function decodeSection(s: Section, name: string): Promise<Buffer> {
  let out: Buffer;
  try {
    switch (s.codec) {
      case Codec.Stored: out = s.data; break;
      case Codec.Deflate: out = await inflate(s.data, { maxOutputLength: s.rawLength + 1 }); break;
      case Codec.Brotli: out = await brotliDecompress(s.data, { maxOutputLength: s.rawLength + 1 }); break;
    }
  } catch (e) {
    throw new SnapshotError(`snapshot '${name}': corrupted section '${s.tag}': ${(e as Error).message}`);
  }
  if (out.length !== s.rawLength) throw new SnapshotError(`snapshot '${name}': corrupted section '${s.tag}': ${out.length} bytes decoded, ${s.rawLength} expected`);
  return out;
}

export function decodeSectionSync(s: Section, name: string): Buffer {
  let out: Buffer;
  try {
    out = s.codec === Codec.Stored ? s.data
      : s.codec === Codec.Deflate ? zlib.inflateSync(s.data, { maxOutputLength: s.rawLength + 1 })
        : zlib.brotliDecompressSync(s.data, { maxOutputLength: s.rawLength + 1 });
  } catch (e) {
    throw new SnapshotError(`snapshot '${name}': corrupted section '${s.tag}': ${(e as Error).message}`);
  }
  if (out.length !== s.rawLength) throw new SnapshotError(`snapshot '${name}': corrupted section '${s.tag}': ${out.length} bytes decoded, ${s.rawLength} expected`);
  return out;
}
