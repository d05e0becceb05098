/**
 * Liftoff in the compile worker instead of on the main thread's first call.
 *
 * V8 compiles a wasm module lazily: `new WebAssembly.Module` (the worker)
 * only decodes it, and each function is compiled by Liftoff the first time it
 * is called, on the calling thread: the main thread, as the guest first enters
 * the block (~16 % of the main thread in the compile bursts; docs/jit-plan.md
 * burst12). `--no-wasm-lazy-compilation` moves every module's compile, ours
 * and binaryen's own, to compile time (+55 MiB). A `compilationHints` custom
 * section (V8's experimental compilation-hints proposal, behind
 * `--experimental-wasm-compilation-hints`) marks single functions eager: the
 * blocks' functions are then compiled by Liftoff inside `new
 * WebAssembly.Module` in the worker (the code is shared with the main
 * thread's isolate through the structured-cloned module), and the helpers
 * (flag, cold, link, dispatch functions, often never called) stay lazy.
 *
 * The section: a vector of one hint byte per defined function, placed after
 * the function section and before the code section (V8 rejects it elsewhere).
 * A hint byte is strategy | baseline tier << 2 | top tier << 4; here strategy
 * 2 (eager) with baseline tier 1 (Liftoff) and top tier 0 (default: dynamic
 * tiering still decides TurboFan from the budget). Strategy 0 with tiers 0
 * keeps a function as the module's default (lazy).
 */
import v8 from 'node:v8';

const SECTION = 'compilationHints';
const EAGER_LIFTOFF = 2 | (1 << 2);
const CODE = 10, FUNCTION = 3;

let flagSet = false;
/** Makes V8 read the section (process-wide; read when a module is decoded). Modules without one are unaffected. */
export function enableCompilationHints(): void {
  if (flagSet) return;
  v8.setFlagsFromString('--experimental-wasm-compilation-hints');
  flagSet = true;
}

function leb(bin: Uint8Array, at: { p: number }): number {
  let v = 0, shift = 0, b: number;
  do {
    if (at.p >= bin.length) throw new Error('eager-hints: truncated LEB128');
    b = bin[at.p++]!;
    v += (b & 0x7f) * 2 ** shift;
    shift += 7;
  } while (b & 0x80);
  return v;
}

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/**
 * `bin` with a compilationHints section marking its first `eager` defined
 * functions eager (Liftoff at compile time), the others default. `bin` itself
 * is returned when it has no code section (nothing to compile).
 */
export function withEagerHints(bin: Uint8Array, eager: number): Uint8Array {
  const at = { p: 8 };
  let functions = -1;
  while (at.p < bin.length) {
    const start = at.p;
    const id = bin[at.p++]!;
    const size = leb(bin, at);
    const body = at.p;
    if (id === FUNCTION) functions = leb(bin, { p: body });
    if (id === CODE) {
      if (functions < 0) throw new Error('eager-hints: code section without a function section');
      const name = [...Buffer.from(SECTION, 'latin1')];
      const hints = new Uint8Array(functions);
      hints.fill(EAGER_LIFTOFF, 0, Math.min(eager, functions));
      const payload = [...uleb(name.length), ...name, ...uleb(functions)];
      const head = [0, ...uleb(payload.length + functions), ...payload];
      const out = new Uint8Array(bin.length + head.length + functions);
      out.set(bin.subarray(0, start), 0);
      out.set(head, start);
      out.set(hints, start + head.length);
      out.set(bin.subarray(start), start + head.length + functions);
      return out;
    }
    at.p = body + size;
  }
  return bin;
}
