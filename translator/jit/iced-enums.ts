/**
 * iced-x86's enums without iced-x86's decoder, for the compile worker.
 *
 * The code generator, and the ISA tables it shares with the interpreter,
 * import enum constants (`Mnemonic`, `Code`, `ConditionCode`) from
 * 'iced-x86'. Importing the package instantiates its decoder: a 784 KB wasm
 * module, its JS glue and its heap, ~17 MiB of RSS in a worker thread that
 * never decodes (measured: an idle worker that has loaded binaryen, 111 MiB
 * RSS; with iced-x86 imported as well, 128; docs/jit-plan.md "Memory").
 *
 * `installIcedEnums()`, called by the worker before it loads the code
 * generator, puts a stand-in into this thread's CommonJS module cache under
 * iced-x86's own file name (iced-x86 is a CommonJS package: an ESM
 * `import ... from 'iced-x86'` is served from that cache). The stand-in
 * holds every enum of the package, read from the installed package's own
 * source text (so the values are that version's; test/jit/iced-enums.test.ts
 * compares every one with the real module), and in place of each class or
 * function a stub that throws a clear error if used. Module caches are per
 * thread: the main thread still loads the real iced-x86.
 *
 * The read is on the compile worker's start, which is the first module's
 * critical path under load (docs/jit-plan.md "Start-up"): reading the 924 KB
 * source, matching it and evaluating ~90 object literals took ~90 ms of CPU
 * in a fresh process, JSON.parse of the result ~33. So the exports are kept
 * as JSON in the JIT's private cache directory (private-cache.ts), keyed by
 * the package's version, size and mtime (`cachedIcedExports`); any failure
 * there falls back to reading the source.
 */
import { createRequire, Module } from 'node:module';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { privateDir, writeAtomic } from './private-cache.js';

const require = createRequire(import.meta.url);

/** One iced-x86 enum: names -> values and values -> names (TypeScript-style numeric enum objects). */
export type IcedEnum = Readonly<Record<string, string | number>>;

export interface IcedExports {
  /** Every `module.exports.X = Object.freeze({...})` of the package: its enums. */
  enums: Record<string, IcedEnum>;
  /** The other exports (classes, functions, the wasm exports), which need the decoder's wasm. */
  others: string[];
}

/** iced-x86's exports read from its source file (`file`: the package's main file), without running it. */
export function readIcedExports(file: string = require.resolve('iced-x86')): IcedExports {
  const src = readFileSync(file, 'utf8');
  const enums: Record<string, IcedEnum> = {};
  // wasm-bindgen writes each enum as one statement, its body possibly over many lines with doc comments.
  for (const m of src.matchAll(/^module\.exports\.(\w+) = Object\.freeze\(\{([\s\S]*?)\}\);$/gm)) {
    // The body is an object literal of identifier/number keys and number/string values (and comments).
    const value: unknown = new Function(`"use strict"; return {${m[2]}};`)();
    enums[m[1]] = Object.freeze(value as Record<string, string | number>);
  }
  const others: string[] = [];
  for (const m of src.matchAll(/^module\.exports\.(\w+) = /gm)) if (!(m[1] in enums) && !others.includes(m[1])) others.push(m[1]);
  if (enums.Mnemonic === undefined || enums.Code === undefined) {
    throw new Error(`iced-x86's enums were not found in ${file}: the package's layout changed (translator/jit/iced-enums.ts)`);
  }
  return { enums, others };
}

/** Bumped whenever the cache file's content changes shape (IcedExports). */
const CACHE_VERSION = 1;

/**
 * readIcedExports' answer for the installed package, from the cache when it
 * holds one for this version, size and mtime (else read and stored there).
 * `dir`: the cache directory (tests); undefined: private-cache.ts's, null: none.
 */
export function cachedIcedExports(file: string = require.resolve('iced-x86'), dir: string | null | undefined = undefined): IcedExports {
  let cacheFile: string | null = null;
  try {
    const d = dir === undefined ? privateDir() : dir;
    if (d !== null) {
      const pkg = JSON.parse(readFileSync(join(file, '..', 'package.json'), 'utf8')) as { version?: string };
      const st = statSync(file);
      cacheFile = join(d, `iced-x86-${pkg.version ?? 'x'}-${st.size}-${Math.trunc(st.mtimeMs)}-enums${CACHE_VERSION}.json`);
      const cached = JSON.parse(readFileSync(cacheFile, 'utf8')) as IcedExports;
      if (cached.enums?.Mnemonic !== undefined && cached.enums.Code !== undefined && Array.isArray(cached.others)) {
        for (const k of Object.keys(cached.enums)) Object.freeze(cached.enums[k]);
        return cached;
      }
    }
  } catch {
    // No cache file yet (or unreadable): read the source below and store it.
  }
  const read = readIcedExports(file);
  if (cacheFile !== null) {
    try { writeAtomic(cacheFile, JSON.stringify(read)); } catch { /* a read-only temp directory: no cache, same answer */ }
  }
  return read;
}

/** What stands in for an iced-x86 class or function: any use throws, saying why. */
function unavailable(name: string): unknown {
  const fail = (): never => {
    throw new Error(`iced-x86's ${name} is not loaded in the JIT compile worker (only its enums are: translator/jit/iced-enums.ts)`);
  };
  return new Proxy(function standIn() { fail(); }, {
    apply: fail,
    construct: fail,
    // Static members (CodeExt.opCode, ...): fail on use, not with "undefined is not a function".
    get: (target, key) => (typeof key === 'string' && key !== 'prototype' ? fail() : Reflect.get(target, key)),
  });
}

/**
 * Serve 'iced-x86' in this thread from the enums only (see the header). Must
 * run before anything in the thread imports iced-x86; returns false (and
 * changes nothing) when the real package is already loaded here.
 */
export function installIcedEnums(): boolean {
  const file = require.resolve('iced-x86');
  if (require.cache[file] !== undefined) return false;
  const { enums, others } = cachedIcedExports(file);
  const exports: Record<string, unknown> = { ...enums };
  for (const name of others) exports[name] = unavailable(name);
  const m = new Module(file);
  m.filename = file;
  m.loaded = true;
  m.exports = exports;
  require.cache[file] = m;
  return true;
}
