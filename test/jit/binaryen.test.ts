/**
 * translator/jit/binaryen.ts: the JIT's binaryen.js is the package's module
 * with its table-entry cache kept dense. The rewrite must find its pattern
 * in the installed package (else the JIT silently runs the slower stock
 * module), and the rewritten getter must answer what the original does.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import binaryen, { binaryenBuild, binaryenCompile, cookTemplate, densify, splitWasm } from '../../translator/jit/binaryen.js';

/** A template literal's value as the language cooks it (the reference for cookTemplate). */
function cooked(raw: string): string {
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function(`return \`${raw}\`;`)() as string;
}

/** The getter as Emscripten minifies it, inside a function returning it with its cache. */
const ORIGINAL = 'return (function(){var JA=[],l=r=>{var G=JA[r];return G||(JA[r]=G=K6.get(r)),G};return [l, () => JA];})()';

function getter(src: string, table: { get(i: number): unknown }): [(i: number) => unknown, () => unknown[]] {
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function('K6', src)(table) as [(i: number) => unknown, () => unknown[]];
}

describe('binaryen.js as the JIT loads it (translator/jit/binaryen.ts)', () => {
  it('the rewrite finds exactly one table-entry getter in the installed binaryen.js', () => {
    const src = readFileSync(fileURLToPath(import.meta.resolve('binaryen')), 'utf8');
    const out = densify(src);
    expect(out, 'pattern not found: binaryen.js changed, update translator/jit/binaryen.ts GETTER').to.not.equal(null);
    expect(out!.length).to.be.greaterThan(src.length - 100);
    expect(densify(out!), 'the rewritten getter no longer matches').to.equal(null);
  });

  it('the split finds the embedded wasm in the installed binaryen.js and decodes it as the package does', () => {
    const src = readFileSync(fileURLToPath(import.meta.resolve('binaryen')), 'utf8');
    const out = splitWasm(src, 'b.wasm');
    expect(out, 'embedded wasm not found: binaryen.js changed, update translator/jit/binaryen.ts EMBEDDED').to.not.equal(null);
    expect(out!.source.length, 'the literal is gone').to.be.lessThan(src.length / 10);
    expect(out!.source).to.not.include('\\0asm');
    expect(splitWasm(out!.source, 'b.wasm'), 'nothing left to split').to.equal(null);
    // The package's own decoding of its literal, done by the language: the same bytes.
    const start = src.indexOf('(`\\0asm') + 2;
    let end = start;
    while (src[end] !== '`') end += src[end] === '\\' ? 2 : 1;
    const ref = cooked(src.slice(start, end));
    expect(ref.length).to.equal(out!.wasm.length);
    let diff = -1;
    for (let i = 0; i < ref.length && diff < 0; i++) if ((ref.charCodeAt(i) & 0xff) !== out!.wasm[i]) diff = i;
    expect(diff, 'first differing byte').to.equal(-1);
    // The bytes' holder is let go once they are handed to V8.
    expect(out!.source).to.match(/var ([\w$]+)=([\w$]+);\2=void 0;try\{/);
  });

  it('the split copy compiles its wasm asynchronously, or on the loading thread with JITVISOR_BINARYEN_SYNC=1 (session 18)', async () => {
    const src = readFileSync(fileURLToPath(import.meta.resolve('binaryen')), 'utf8');
    const out = splitWasm(src, 'b.wasm')!;
    // Emscripten's one WebAssembly.instantiate call goes through the helper; the helper is defined once.
    expect(out.source.match(/await __jitvisorInstantiate\(/g), 'the instantiation rewritten').to.have.length(1);
    expect(out.source.match(/await WebAssembly\.instantiate\(/g), 'no asynchronous instantiation left').to.equal(null);
    // The helper itself, on a tiny module: a plain object (no promise) with JITVISOR_BINARYEN_SYNC=1, else a promise.
    const helperSrc = out.source.slice(0, out.source.indexOf('};') + 2);
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    const helper = new Function(`${helperSrc} return __jitvisorInstantiate;`)() as (b: Uint8Array, i: object) => unknown;
    const tiny = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
    const saved = process.env.JITVISOR_BINARYEN_SYNC;
    try {
      process.env.JITVISOR_BINARYEN_SYNC = '1';
      const sync = helper(tiny, {}) as { module: WebAssembly.Module; instance: WebAssembly.Instance };
      expect(sync).to.not.be.instanceOf(Promise);
      expect(sync.module).to.be.instanceOf(WebAssembly.Module);
      expect(sync.instance).to.be.instanceOf(WebAssembly.Instance);
      delete process.env.JITVISOR_BINARYEN_SYNC;
      const later = helper(tiny, {});
      expect(later).to.be.instanceOf(Promise);
      expect((await later as { instance: WebAssembly.Instance }).instance).to.be.instanceOf(WebAssembly.Instance);
    } finally {
      if (saved === undefined) delete process.env.JITVISOR_BINARYEN_SYNC; else process.env.JITVISOR_BINARYEN_SYNC = saved;
    }
    // And this process's binaryen was loaded the default way (the test runs without the variable).
    expect(binaryenCompile).to.equal(process.env.JITVISOR_BINARYEN_SYNC === '1' ? 'sync' : 'async');
  });

  it('cookTemplate reads every template-literal escape as the language does', () => {
    for (const raw of [
      'plain', '\\0asm\\x01\\xFF\\b\\f\\n\\r\\t\\v', '\\`\\\\\\$\\{', 'a\\u00e9\\u{1F600}b', 'line\\\ncontinued', 'cr\rlf\r\nraw\nnl',
      '\x01\x02 raw controls', 'q\\"\\\'\\a\\Z',
    ]) expect(cookTemplate(raw), JSON.stringify(raw)).to.equal(cooked(raw));
    // What a template literal rejects.
    for (const bad of ['\\xZ1', '\\u12', '\\01', '\\1', 'end\\']) expect(cookTemplate(bad), JSON.stringify(bad)).to.equal(null);
  });

  it('this process runs the rewritten module, its wasm read from a file, and it works', () => {
    expect(binaryenBuild).to.equal('direct');
    const m = new binaryen.Module();
    try {
      m.addFunction('f', binaryen.none, binaryen.i32, [], m.i32.add(m.i32.const(40), m.i32.const(2)));
      m.addFunctionExport('f', 'f');
      const inst = new WebAssembly.Instance(new WebAssembly.Module(m.emitBinary() as Uint8Array<ArrayBuffer>));
      expect((inst.exports.f as () => number)()).to.equal(42);
    } finally {
      m.dispose();
    }
  });

  it('the rewritten getter returns the table entries in any order and keeps its cache without holes', () => {
    const entries = Array.from({ length: 5000 }, (_, i) => ({ i }));
    let gets = 0;
    const table = { get: (i: number): unknown => { gets++; return entries[i]; } };
    const dense = densify(ORIGINAL);
    expect(dense).to.not.equal(null);
    const [orig] = getter(ORIGINAL, table);
    const [l, cache] = getter(dense!, table);
    for (const i of [4000, 7, 4000, 0, 2500, 7, 4999]) expect(l(i)).to.equal(orig(i)).and.equal(entries[i]);
    const c = cache();
    expect(c.length).to.equal(5000);
    expect(Object.keys(c).length, 'no holes').to.equal(5000);
    // Cached: a second lookup does not ask the table.
    const before = gets;
    l(4000);
    expect(gets).to.equal(before);
  });
});
