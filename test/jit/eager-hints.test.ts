/**
 * JitOptions.eager (translator/jit/eager-hints.ts): a compilationHints
 * section makes V8 compile the marked functions by Liftoff inside
 * `new WebAssembly.Module` (the compile worker) rather than at their first
 * call (the main thread). Observed through V8's own trace in a child
 * process (test/helpers/eager-child.ts): which functions were compiled
 * before the constructor returned. Fails if the section is misplaced or
 * malformed (V8 rejects or ignores it), or its hint byte does not ask for
 * an eager Liftoff compile. Then the JIT with eager on runs code as without.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { functionBodySizes } from '../../translator/jit/wasm-sizes.js';
import { withEagerHints } from '../../translator/jit/eager-hints.js';
import { runSnippet } from '../../src/snippet.js';
import { Machine } from '../../src/machine.js';
import { hexBytes } from '../helpers/asm.js';
import { TEST_ENGINES } from '../helpers/engines.js';

const CHILD = fileURLToPath(new URL('../helpers/eager-child.js', import.meta.url));

/** Function indices V8 compiled before the module was made (and after), and the calls' sum. */
function child(eager: number): { before: number[]; after: number[]; sum: number } {
  const out = execFileSync(process.execPath, ['--trace-wasm-compilation-times', CHILD, String(eager)], { encoding: 'utf8' });
  const before: number[] = [], after: number[] = [];
  let into: number[] | null = null, sum = -1;
  for (const line of out.split('\n')) {
    if (line === 'MAKING') into = before;
    if (line === 'COMPILED') into = after;
    const f = /^Compiled function 0x[0-9a-f]+#(\d+) using Liftoff/.exec(line);
    if (f !== null && into !== null) into.push(Number(f[1]));
    const s = /^SUM (\d+)$/.exec(line);
    if (s !== null) sum = Number(s[1]);
  }
  return { before: before.sort(), after: after.sort(), sum };
}

describe('eager Liftoff through compilation hints (JitOptions.eager)', function () {
  this.timeout(120_000);

  it('compiles the marked functions inside new WebAssembly.Module, the others at their first call', () => {
    expect(child(2)).to.deep.equal({ before: [0, 1], after: [2, 3], sum: 40 + 41 + 42 + 43 });
    expect(child(4)).to.deep.equal({ before: [0, 1, 2, 3], after: [], sum: 166 });
  });

  it('without the section every function waits for its first call', () => {
    expect(child(-1)).to.deep.equal({ before: [], after: [0, 1, 2, 3], sum: 166 });
  });

  it('leaves the code section as it was', () => {
    // type () -> i32; two functions; code: i32.const 7 / i32.const 9
    const bin = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 5, 1, 0x60, 0, 1, 0x7f, 3, 3, 2, 0, 0,
      10, 11, 2, 4, 0, 0x41, 7, 0x0b, 4, 0, 0x41, 9, 0x0b]);
    const hinted = withEagerHints(bin, 1);
    expect(functionBodySizes(hinted)).to.deep.equal(functionBodySizes(bin));
    expect(hinted.length).to.equal(bin.length + 2 + 1 + 16 + 1 + 2);
  });

  for (const engine of TEST_ENGINES) {
    it(`${engine}: a loop run with eager on gives the same registers`, () => {
      const machine = engine === 'jit' ? new Machine({ memoryMiB: 2, engine: 'jit', jit: { threshold: 0, eager: true } }) : undefined;
      // mov ecx, 1000; xor eax, eax; l: add eax, ecx; dec ecx; jnz l; hlt
      const r = runSnippet({ code: hexBytes('b9e8030000 31c0 01c8 49 75fb f4'), engine, ...(machine ? { machine } : {}) });
      expect(r.stop).to.equal('hlt');
      expect(r.regs.eax).to.equal(500500);
      expect(r.regs.ecx).to.equal(0);
    });
  }
});
