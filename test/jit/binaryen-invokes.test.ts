/**
 * translator/jit/binaryen-invokes.ts: binaryen.js's C++ exception trampolines
 * (`invoke_*` imports) as wasm-to-wasm calls through a helper module. The
 * rewrite must find its patterns in the installed package, and the helper's
 * functions must call the table entry with the arguments and results the
 * JS trampolines pass (all value types, lazily copied entries).
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import binaryen, { binaryenBuild, densify, splitWasm, tableVariable } from '../../translator/jit/binaryen.js';
import { directInvokes, functionImports, invokeHelper } from '../../translator/jit/binaryen-invokes.js';

const I32 = 0x7f, I64 = 0x7e, F64 = 0x7c;

/** A module (made with binaryen) exporting a table of three functions of different types. */
function targets(): WebAssembly.Table {
  const m = new binaryen.Module();
  try {
    const i32 = binaryen.i32;
    m.addFunction('add', binaryen.createType([i32, i32]), i32, [], m.i32.sub(m.local.get(0, i32), m.local.get(1, i32)));
    // Stores its (i64, f64) arguments for the test to read: i64 at 0, f64 at 8.
    m.setMemory(1, 1, 'mem');
    m.addFunction('keep', binaryen.createType([binaryen.i64, binaryen.f64]), binaryen.none, [], m.block(null, [
      m.i64.store(0, 8, m.i32.const(0), m.local.get(0, binaryen.i64)),
      m.f64.store(8, 8, m.i32.const(0), m.local.get(1, binaryen.f64)),
    ]));
    m.addFunction('seven', binaryen.none, binaryen.f64, [], m.f64.const(7.5));
    m.addTable('t', 3, 3);
    m.addActiveElementSegment('t', 'e', ['add', 'keep', 'seven'], m.i32.const(0));
    m.addTableExport('t', 't');
    const inst = new WebAssembly.Instance(new WebAssembly.Module(m.emitBinary() as Uint8Array<ArrayBuffer>));
    (targets as unknown as { mem: WebAssembly.Memory }).mem = inst.exports.mem as WebAssembly.Memory;
    return inst.exports.t as WebAssembly.Table;
  } finally {
    m.dispose();
  }
}

describe('binaryen.js trampolines as wasm calls (translator/jit/binaryen-invokes.ts)', () => {
  it('the rewrite finds the trampolines, the imports and the table in the installed binaryen.js', () => {
    const src = readFileSync(fileURLToPath(import.meta.resolve('binaryen')), 'utf8');
    const split = splitWasm(densify(src)!, 'b.wasm')!;
    const table = tableVariable(src);
    expect(table).to.not.equal(null);
    const out = directInvokes(split.source, split.wasm, table!);
    expect(out, 'pattern not found: binaryen.js changed, update translator/jit/binaryen-invokes.ts').to.not.equal(null);
    // Every trampoline of the package is handed over (by name, in the list the import object is filtered with).
    const names = [...split.source.matchAll(/function ([\w$]+)\([\w$,]*\)\{var [\w$]+=[\w$]+\(\);try\{(?:return )?[\w$]+\([\w$]+\)\(/g)].map((m) => m[1]);
    expect(names.length).to.be.greaterThan(20);
    const list = /__jitvisorInvokes\([\w$]+,\[([\w$,]+)\]\)/.exec(out!);
    expect(list).to.not.equal(null);
    expect(list![1]!.split(',').sort()).to.deep.equal(names.sort());
    expect(out).to.include(`,__jitvisorTable(${table!},`);
    // Each trampoline's import has a helper function (the helper covers every i32-first function import).
    const imports = functionImports(split.wasm, 'a')!;
    expect(imports.size).to.be.greaterThan(names.length);
  });

  it('this process runs the direct build, and binaryen works through it', () => {
    expect(binaryenBuild).to.equal('direct');
    const m = new binaryen.Module();
    try {
      m.addFunction('f', binaryen.none, binaryen.i32, [], m.block(null, [m.i32.const(1), m.i32.add(m.i32.const(40), m.i32.const(2))].map((x, i) => (i === 0 ? m.drop(x) : x))));
      m.addFunctionExport('f', 'f');
      const inst = new WebAssembly.Instance(new WebAssembly.Module(m.emitBinary() as Uint8Array<ArrayBuffer>));
      expect((inst.exports.f as () => number)()).to.equal(42);
    } finally {
      m.dispose();
    }
  });

  it('a helper function calls table entry `index` with the arguments, returns its result, copies each entry once', () => {
    const src = targets();
    const mem = (targets as unknown as { mem: WebAssembly.Memory }).mem;
    const helper = invokeHelper(new Map([
      ['sub', { params: [I32, I32, I32], results: [I32] }],
      ['keep', { params: [I32, I64, F64], results: [] }],
      ['seven', { params: [I32], results: [F64] }],
    ]));
    const t = new WebAssembly.Table({ element: 'anyfunc', initial: 0 });
    const copied = new WebAssembly.Memory({ initial: 1 });
    const fills: number[] = [];
    const h = new WebAssembly.Instance(new WebAssembly.Module(helper as Uint8Array<ArrayBuffer>), {
      j: {
        t, m: copied,
        fill: (i: number): void => { fills.push(i); if (t.length < src.length) t.grow(src.length - t.length); t.set(i, src.get(i)); new Uint8Array(copied.buffer)[i] = 1; },
      },
    }).exports as { sub(i: number, a: number, b: number): number; keep(i: number, a: bigint, b: number): void; seven(i: number): number };
    expect(h.sub(0, 50, 8)).to.equal(42);
    expect(h.sub(0, 1, 3)).to.equal(-2);
    h.keep(1, -5n, 2.25);
    expect(new BigInt64Array(mem.buffer, 0, 1)[0]).to.equal(-5n);
    expect(new Float64Array(mem.buffer, 8, 1)[0]).to.equal(2.25);
    expect(h.seven(2)).to.equal(7.5);
    expect(h.seven(2)).to.equal(7.5);
    expect(fills).to.deep.equal([0, 1, 2]);
    // A wrong type traps as call_indirect does (the JS trampoline would have called it anyway).
    expect(() => h.seven(0)).to.throw(WebAssembly.RuntimeError);
  });
});
