/**
 * translator/jit/binaryen.ts: the JIT's binaryen.js is the package's module
 * with its table-entry cache kept dense. The rewrite must find its pattern
 * in the installed package (else the JIT silently runs the slower stock
 * module), and the rewritten getter must answer what the original does.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import binaryen, { binaryenBuild, densify } from '../../translator/jit/binaryen.js';

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

  it('this process runs the rewritten module, and it works', () => {
    expect(binaryenBuild).to.equal('dense');
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
