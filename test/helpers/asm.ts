/** Tiny helpers for tests that write machine code as hex. */
export function hexBytes(...parts: string[]): Uint8Array {
  const h = parts.join('').replace(/[\s_]/g, '');
  if (h.length % 2) throw new Error(`odd hex string: ${h}`);
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return out;
}
