/**
 * Sizes of the function bodies in a wasm binary, read from its code section
 * (WebAssembly core spec 5.5.13: section id 10, a vector of bodies, each
 * prefixed by its byte size as a u32 LEB128). Bodies come in the order the
 * functions were defined, so entry j is the j-th function compile.ts added:
 * the wasm bytes of one block.
 */

function leb(bin: Uint8Array, at: { p: number }): number {
  let v = 0, shift = 0, b: number;
  do {
    if (at.p >= bin.length) throw new Error('wasm-sizes: truncated LEB128');
    b = bin[at.p++]!;
    v += (b & 0x7f) * 2 ** shift;
    shift += 7;
  } while (b & 0x80);
  return v;
}

export function functionBodySizes(bin: Uint8Array): number[] {
  const at = { p: 8 }; // magic + version
  while (at.p < bin.length) {
    const id = bin[at.p++]!;
    const size = leb(bin, at);
    const end = at.p + size;
    if (id === 10) {
      const n = leb(bin, at);
      const out: number[] = [];
      for (let i = 0; i < n; i++) {
        const start = at.p;
        const len = leb(bin, at);
        out.push(at.p - start + len);
        at.p += len;
      }
      return out;
    }
    at.p = end;
  }
  return [];
}
