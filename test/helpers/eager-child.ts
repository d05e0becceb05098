/**
 * Child of test/jit/eager-hints.test.ts, run with V8's
 * --trace-wasm-compilation-times (one "Compiled function ...#N using
 * Liftoff" line per function compiled, on stdout): builds a binaryen module
 * of four functions, adds the compilationHints section for the first
 * `eager` (argv[2]; -1: no section) and prints MAKING before
 * `new WebAssembly.Module` and COMPILED when it returns (binaryen's own
 * functions are compiled before MAKING), then calls each export in turn.
 */
import binaryen from '../../translator/jit/binaryen.js';
import { enableCompilationHints, withEagerHints } from '../../translator/jit/eager-hints.js';

const eager = Number(process.argv[2]);
const m = new binaryen.Module();
for (let j = 0; j < 4; j++) {
  m.addFunction(`f${j}`, binaryen.none, binaryen.i32, [], m.i32.const(40 + j));
  m.addFunctionExport(`f${j}`, `f${j}`);
}
const bytes = m.emitBinary();
m.dispose();
enableCompilationHints();
const bin = eager < 0 ? bytes : withEagerHints(bytes, eager);
process.stdout.write('MAKING\n');
const mod = new WebAssembly.Module(bin as Uint8Array<ArrayBuffer>);
process.stdout.write('COMPILED\n');
const inst = new WebAssembly.Instance(mod, {});
const sum = [0, 1, 2, 3].reduce((s, j) => s + (inst.exports[`f${j}`] as () => number)(), 0);
process.stdout.write(`SUM ${sum}\n`);
