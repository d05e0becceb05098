/**
 * bench/emit.ts's recordings of a boot's compile requests (`emit.js record`): the file format
 * and its reader, shared with bench/cold-emit.ts.
 * File: magic line, header JSON line, then per request: u32 JSON length, JSON opts, u32 f64 count,
 * f64s (little-endian).
 */
import { existsSync, readFileSync } from 'node:fs';
import { Rec } from '../runtime/records.js';
import type { EmitOptions } from '../translator/jit/compile.js';

export const MAGIC = 'jitvisor-emit-requests-1';

/** The Rec fields pack.ts sends, in its order (numbers, then booleans): a recording is only valid for the same list. */
export function recFields(): string[] {
  const sample = new Rec(() => { throw new Error('unused'); }) as unknown as Record<string, unknown>;
  const keys = Object.keys(sample);
  return [...keys.filter((k) => typeof sample[k] === 'number'), ...keys.filter((k) => typeof sample[k] === 'boolean')];
}

export interface Request { packed: Float64Array; opts: EmitOptions }

export function load(file: string): Request[] {
  if (!existsSync(file)) {
    console.error(`no recording at ${file}: run "node dist/bench/emit.js record" first`);
    process.exit(2);
  }
  const buf = readFileSync(file);
  let p = 0;
  const line = (): string => {
    const e = buf.indexOf(10, p);
    const s = buf.subarray(p, e).toString();
    p = e + 1;
    return s;
  };
  if (line() !== MAGIC) { console.error(`${file}: not an emit recording`); process.exit(2); }
  const header = JSON.parse(line()) as { fields: string[] };
  if (JSON.stringify(header.fields) !== JSON.stringify(recFields())) {
    console.error(`${file}: recorded with other Rec fields than this build's: record it again`);
    process.exit(2);
  }
  const out: Request[] = [];
  while (p < buf.length) {
    const n = buf.readUInt32LE(p); p += 4;
    const opts = JSON.parse(buf.subarray(p, p + n).toString()) as EmitOptions; p += n;
    const count = buf.readUInt32LE(p); p += 4;
    // Copied: the f64s are not 8-aligned in the file.
    const packed = new Float64Array(count);
    Buffer.from(packed.buffer).set(buf.subarray(p, p + 8 * count));
    p += 8 * count;
    out.push({ packed, opts });
  }
  return out;
}
