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
import { closeSync, lstatSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

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

/** The directory for the rewritten module: created 0700, and used only if it is ours and private. */
function privateDir(): string | null {
  const uid = process.getuid?.();
  const dir = join(tmpdir(), `jitvisor-${uid ?? 'user'}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(dir);
  if (!st.isDirectory() || (uid !== undefined && (st.uid !== uid || (st.mode & 0o077) !== 0))) return null;
  return dir;
}

/** Which binaryen.js this process runs: 'dense' (the rewritten copy) or 'stock' (the package as it is). */
export let binaryenBuild: 'dense' | 'stock' = 'stock';

async function load(): Promise<typeof Stock> {
  const stock = async (): Promise<typeof Stock> => {
    binaryenBuild = 'stock';
    return (await import('binaryen')).default;
  };
  if (process.env.JITVISOR_BINARYEN === 'stock') return stock();
  let url: string;
  try {
    const path = fileURLToPath(import.meta.resolve('binaryen'));
    const pkg = JSON.parse(readFileSync(join(path, '..', 'package.json'), 'utf8')) as { version?: string };
    const st = statSync(path);
    const dir = privateDir();
    if (dir === null) return stock();
    const file = join(dir, `binaryen-${pkg.version ?? 'x'}-${st.size}-${Math.trunc(st.mtimeMs)}.mjs`);
    try {
      statSync(file);
    } catch {
      const patched = densify(readFileSync(path, 'utf8'));
      if (patched === null) return stock();
      // Written whole under a private name, then renamed: a concurrent process sees no file or the whole one.
      const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
      const fd = openSync(tmp, 'wx', 0o600);
      try { writeSync(fd, patched); } finally { closeSync(fd); }
      renameSync(tmp, file);
    }
    url = pathToFileURL(file).href;
  } catch {
    return stock();
  }
  try {
    const b = ((await import(url)) as { default: typeof Stock }).default;
    binaryenBuild = 'dense';
    return b;
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
