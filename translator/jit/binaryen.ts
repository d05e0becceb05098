/**
 * binaryen.js as the JIT loads it: the npm package's module, with its cache
 * of wasm table entries kept a dense array. Every JIT module imports
 * binaryen from here (never from 'binaryen' itself: two instances of
 * binaryen would not share modules or expressions).
 *
 * Why: binaryen.js is built with Emscripten's JS-side C++ exceptions, so
 * a call that may throw inside binaryen (a std::vector push_back while the
 * binary writer emits a byte, ...) leaves the wasm for an `invoke_*` JS
 * trampoline, which looks the callee up by table index in that cache
 * (`getWasmTableEntry`). The cache starts as `[]` and is filled at whatever
 * indices come first (binaryen's table has ~14,000 entries), so V8 turns it
 * into a dictionary (hashed) array: a hash lookup per trampoline, which was
 * ~20% of emitBinary (bench/emit.ts; perf saw it as KeyedLoadIC_Megamorphic
 * and halfsiphash). Filled densely from index 0 it stays a fast array. The
 * same module otherwise: emitBinary's bytes are unchanged (bench/emit.ts
 * --hashes), only its speed (docs/jit-plan.md "Compile cost").
 *
 * How: the package's index.js is read, the cache's initializer and getter
 * rewritten (found by a pattern, not by offsets; exactly one match), and
 * the result written once to a private per-user cache directory (0700,
 * owned by this user) under os.tmpdir(), keyed by the package's version,
 * size and mtime, and imported from there (the module must be a file:
 * it resolves node: builtins from its own URL). Anything unexpected (the
 * pattern missing after an upgrade, an unwritable temp directory) falls
 * back to the package as it is: slower, same results. JITVISOR_BINARYEN=stock
 * forces that (bench comparisons).
 */
import type Stock from 'binaryen';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { directInvokes } from './binaryen-invokes.js';
import { privateDir, writeAtomic } from './private-cache.js';

/**
 * Emscripten's getWasmTableEntry, minified: `C=[],g=i=>{var f=C[i];return f||(C[i]=f=T.get(i)),f}`.
 * Captures: cache, getter, index, entry, table.
 */
const GETTER = /(\b[\w$]+)=\[\],([\w$]+)=([\w$]+)=>\{var ([\w$]+)=\1\[\3\];return \4\|\|\(\1\[\3\]=\4=([\w$]+)\.get\(\3\)\),\4\}/g;

/** The rewritten source, or null when the pattern is not there exactly once. */
export function densify(source: string): string | null {
  const found = [...source.matchAll(GETTER)];
  if (found.length !== 1) return null;
  const [all, cache, getter, i, f, table] = found[0]!;
  // Holes below a new index are filled with 0 (falsy: fetched on first use), so the array never has a gap.
  const dense = `${cache}=[],${getter}=${i}=>{var ${f}=${cache}[${i}];if(${f})return ${f};while(${cache}.length<${i})${cache}.push(0);return ${cache}[${i}]=${table}.get(${i})}`;
  return source.replace(all, () => dense);
}

/** The function table's variable in Emscripten's getter (GETTER's `table`), or null. */
export function tableVariable(source: string): string | null {
  const found = [...source.matchAll(GETTER)];
  return found.length === 1 ? found[0]![5]! : null;
}

/**
 * Emscripten's embedded wasm, minified: `bA??=x6(\`\0asm...\`)` (the module variable that keeps the
 * bytes, the decoder, the literal). Captures: variable, decoder. The literal ends at the first
 * unescaped backtick (found by scanning, not by the regular expression).
 */
const EMBEDDED = /([\w$]+)\?\?=([\w$]+)\(`\\0asm/g;

/** Emscripten's instantiation of its wasm: `await WebAssembly.instantiate(t,r)`. Captures: bytes, imports. */
const INSTANTIATE = /await WebAssembly\.instantiate\(([\w$]+),([\w$]+)\)/g;

/**
 * What the split copy instantiates with (splitWasm): Emscripten's WebAssembly.instantiate, or
 * `new WebAssembly.Module` on the calling thread when JITVISOR_BINARYEN_SYNC=1 (read at load, per process).
 */
const SYNC_INSTANTIATE = 'const __jitvisorInstantiate=(b,i)=>{if(process.env.JITVISOR_BINARYEN_SYNC!=="1"){globalThis.__jitvisorBinaryenCompile="async";return WebAssembly.instantiate(b,i)}'
  + 'globalThis.__jitvisorBinaryenCompile="sync";const module=new WebAssembly.Module(b);return{module,instance:new WebAssembly.Instance(module,i)}};';

/** The literal's cooked value (ECMAScript template literal escapes; raw CR LF and CR read as LF). */
export function cookTemplate(raw: string): string | null {
  const out: string[] = [];
  let from = 0;
  const hex = (at: number, n: number): number | null => {
    const h = raw.slice(at, at + n);
    return h.length === n && /^[0-9a-fA-F]+$/.test(h) ? parseInt(h, 16) : null;
  };
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 0x0d) {
      out.push(raw.slice(from, i), '\n');
      if (raw.charCodeAt(i + 1) === 0x0a) i++;
      from = i + 1;
      continue;
    }
    if (c !== 0x5c) continue;
    out.push(raw.slice(from, i));
    const e = raw[i + 1];
    let len = 2;
    switch (e) {
      case 'x': { const v = hex(i + 2, 2); if (v === null) return null; out.push(String.fromCharCode(v)); len = 4; break; }
      case 'u': {
        if (raw[i + 2] === '{') {
          const end = raw.indexOf('}', i + 3);
          const v = end < 0 ? null : hex(i + 3, end - i - 3);
          if (v === null || v > 0x10ffff) return null;
          out.push(String.fromCodePoint(v));
          len = end - i + 1;
        } else {
          const v = hex(i + 2, 4);
          if (v === null) return null;
          out.push(String.fromCharCode(v));
          len = 6;
        }
        break;
      }
      case '0': if (/[0-9]/.test(raw[i + 2] ?? '')) return null; out.push('\0'); break;
      case 'b': out.push('\b'); break;
      case 'f': out.push('\f'); break;
      case 'n': out.push('\n'); break;
      case 'r': out.push('\r'); break;
      case 't': out.push('\t'); break;
      case 'v': out.push('\v'); break;
      case '\r': len = raw[i + 2] === '\n' ? 3 : 2; break;   // line continuation
      case '\n': case '\u2028': case '\u2029': break;       // line continuation
      case undefined: return null;
      default: if (/[1-9]/.test(e)) return null; out.push(e);
    }
    i += len - 1;
    from = i + 1;
  }
  out.push(raw.slice(from));
  return out.join('');
}

/**
 * The source with its embedded wasm replaced by a read of `wasmFile` (a file name next to the
 * rewritten module), and the wasm's bytes; null when the literal is not there exactly once or does
 * not decode to a valid module.
 */
export function splitWasm(source: string, wasmFile: string): { source: string; wasm: Uint8Array } | null {
  const found = [...source.matchAll(EMBEDDED)];
  if (found.length !== 1) return null;
  const [head, variable] = found[0]!;
  const start = found[0]!.index + head.length - '\\0asm'.length;
  let end = start;
  for (; end < source.length; end++) {
    const c = source[end];
    if (c === '\\') end++;
    else if (c === '`') break;
    else if (c === '$' && source[end + 1] === '{') return null;
  }
  if (end >= source.length || source[end + 1] !== ')') return null;
  const cooked = cookTemplate(source.slice(start, end));
  if (cooked === null) return null;
  // Emscripten's decoder: each char code c gives the byte ~c >> 8 & c (c itself below 256).
  const wasm = new Uint8Array(cooked.length);
  for (let i = 0; i < cooked.length; i++) { const c = cooked.charCodeAt(i); wasm[i] = ~c >> 8 & c; }
  if (!WebAssembly.validate(wasm)) return null;
  // Read when binaryen instantiates (once); the module variable let go as soon as V8 has the bytes.
  const read = `${variable}??=__jitvisorReadFileSync(new URL(${JSON.stringify(`./${wasmFile}`)},import.meta.url))`;
  let out = `import{readFileSync as __jitvisorReadFileSync}from"node:fs";${source.slice(0, found[0]!.index)}${read}${source.slice(end + 2)}`;
  // JITVISOR_BINARYEN_SYNC=1: compiled on this (the worker's) thread, synchronously, not by
  // WebAssembly.instantiate, whose validation of the 9.9 MB runs as a job on V8's one platform thread
  // (host-tuning.ts: --v8-pool-size=1), queued behind the main thread's JS tier-ups at the boot's start:
  // the worker waited there ~0.2-0.3 s idle before its first request. Opt-in: the first 0.25 G took
  // 0.76-0.87x the main thread's CPU, but the decompressor then ran 5-13 % slower (its blocks went in
  // more, smaller modules), net 0.98-1.02x to the console line (docs/jit-plan.md, session 18).
  const inst = [...out.matchAll(INSTANTIATE)];
  if (inst.length === 1) out = out.replace(INSTANTIATE, (_, bytes: string, imports: string) => `await __jitvisorInstantiate(${bytes},${imports})`);
  out = `${SYNC_INSTANTIATE}${out}`;
  const take = new RegExp(`(var ([\\w$]+)=${variable.replace(/\$/g, '\\$')};)(try\\{)`, 'g');
  const takes = [...out.matchAll(take)];
  if (takes.length === 1) out = out.replace(take, (_, decl: string, _g: string, rest: string) => `${decl}${variable}=void 0;${rest}`);
  return { source: out, wasm };
}

/** Part of the direct copy's file name: stepped whenever binaryen-invokes.ts changes what it writes. */
const DIRECT_VERSION = 4;

/**
 * Which binaryen.js this process runs: 'direct' (the split copy whose C++ exception trampolines
 * are wasm-to-wasm calls: binaryen-invokes.ts), 'split' (the rewritten copy, its wasm in a file),
 * 'dense' (the rewritten copy, the wasm embedded as in the package) or 'stock' (the package as it
 * is). JITVISOR_BINARYEN=stock or =split forces those (bench comparisons).
 */
export let binaryenBuild: 'direct' | 'split' | 'dense' | 'stock' = 'stock';

/** How binaryen's wasm was compiled: 'async' (the default), 'sync' (JITVISOR_BINARYEN_SYNC=1); 'unknown' for the stock/dense builds. */
export let binaryenCompile: 'sync' | 'async' | 'unknown' = 'unknown';

/** binaryen's wasm memory (the direct build hands it out: binaryen-invokes.ts), else null. */
export let binaryenMemory: WebAssembly.Memory | null = null;

async function load(): Promise<typeof Stock> {
  const stock = async (): Promise<typeof Stock> => {
    binaryenBuild = 'stock';
    return (await import('binaryen')).default;
  };
  if (process.env.JITVISOR_BINARYEN === 'stock') return stock();
  let url: string;
  let build: 'direct' | 'split' | 'dense' = 'dense';
  try {
    const path = fileURLToPath(import.meta.resolve('binaryen'));
    const pkg = JSON.parse(readFileSync(join(path, '..', 'package.json'), 'utf8')) as { version?: string };
    const st = statSync(path);
    const dir = privateDir();
    if (dir === null) return stock();
    const key = `binaryen-${pkg.version ?? 'x'}-${st.size}-${Math.trunc(st.mtimeMs)}`;
    // The direct copy when it is there or can be made; else the split one; else the dense one
    // (an older run's, or made now). The direct and split copies share the wasm file.
    const directFile = join(dir, `${key}-direct${DIRECT_VERSION}.mjs`);
    const splitFile = join(dir, `${key}-split${DIRECT_VERSION}.mjs`);
    const denseFile = join(dir, `${key}.mjs`);
    const exists = (f: string): boolean => { try { statSync(f); return true; } catch { return false; } };
    const wasmFile = join(dir, `${key}.wasm`);
    const want = process.env.JITVISOR_BINARYEN === 'split' ? 'split' : 'direct';
    let file = want === 'split' ? splitFile : directFile;
    build = want;
    // All its files (a temp-directory cleaner may have taken one): else made again.
    if (!exists(file) || !exists(wasmFile)) {
      const original = readFileSync(path, 'utf8');
      const patched = densify(original);
      const table = tableVariable(original);
      if (patched === null || table === null) return stock();
      const split = splitWasm(patched, `${key}.wasm`);
      const direct = split !== null && want === 'direct' ? directInvokes(split.source, split.wasm, table) : null;
      if (split !== null) {
        // The bytes first: the module's existence says they are there.
        writeAtomic(wasmFile, split.wasm);
        if (direct !== null) writeAtomic(directFile, direct);
        else {
          file = splitFile;
          build = 'split';
          if (!exists(splitFile)) writeAtomic(splitFile, split.source);
        }
      } else {
        file = denseFile;
        build = 'dense';
        if (!exists(denseFile)) writeAtomic(denseFile, patched);
      }
    }
    url = pathToFileURL(file).href;
  } catch {
    return stock();
  }
  try {
    const mod = (await import(url)) as { default: typeof Stock; __jitvisorMemory?: () => WebAssembly.Memory | null };
    binaryenBuild = build;
    const how = (globalThis as { __jitvisorBinaryenCompile?: 'sync' | 'async' }).__jitvisorBinaryenCompile;
    if (how !== undefined) binaryenCompile = how;
    binaryenMemory = mod.__jitvisorMemory?.() ?? null;
    return mod.default;
  } catch {
    return stock();
  }
}

const binaryen = await load();
/** binaryen's types, under the same name as the value (as `import binaryen from 'binaryen'` gives them). */
// eslint-disable-next-line @typescript-eslint/no-namespace
declare namespace binaryen {
  export type ExpressionRef = Stock.ExpressionRef;
  export type Type = Stock.Type;
  export type Module = Stock.Module;
}
export default binaryen;
