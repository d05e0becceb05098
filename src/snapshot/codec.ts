/**
 * Section compression with node:zlib, in the libuv thread pool (the async
 * forms), so a machine keeps running while its snapshot compresses.
 *
 * Choice (bench/snapshot.ts on the default guest at its shell: 9,757 of
 * 32,768 pages stored, 38 MiB; CPU ms, best of 3, README "Snapshots"):
 * brotli quality 1 compresses them to 21.9 MB in 238 ms; deflate level 1
 * to 21.5 MB in 902 ms, level 6 to 20.9 MB in 1109 ms; brotli 6 to 19.7 MB
 * in 3035 ms. Guest RAM here is kernel code and data, with the compressed
 * kernel image and initramfs still in freed pages: no fast codec gets more
 * than ~1.9x out of it, and brotli 1 is
 * ~4x cheaper than the cheapest deflate for 2 % more bytes, and decodes
 * about as fast (~0.45 s). So RAM is written with brotli 1; the small JSON
 * sections with deflate. Readers accept all three codecs, so the writer's
 * choice can change without a format version.
 */
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { Codec, SnapshotError, type Section } from './format.js';

const deflate = promisify(zlib.deflate), inflate = promisify(zlib.inflate);
const brotliCompress = promisify(zlib.brotliCompress), brotliDecompress = promisify(zlib.brotliDecompress);

export interface CodecChoice { codec: Codec; level?: number }
/** What snapshots are written with (see the header comment). */
export const DEFAULT_CODEC: CodecChoice = { codec: Codec.Brotli, level: 1 };
/** The small JSON sections (device state). */
export const SMALL_CODEC: CodecChoice = { codec: Codec.Deflate, level: 6 };

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
