/**
 * Garbage in, guest exceptions out: random byte streams must end in HLT, a
 * guest exception or the instruction cap — never a host exception.
 */
import { expect } from 'chai';
import { runSnippet, type Mode } from '../../src/snippet.js';
import { TEST_ENGINES } from '../helpers/engines.js';

function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x; };
}

for (const engine of TEST_ENGINES) {
  describe(`random code never crashes the host [${engine}]`, function () {
    // On the JIT every block of every program is compiled before it runs: slower than
    // the interpreter on such short runs, more so on a loaded machine (not a timing check).
    this.timeout(10 * 60 * 1000);
    for (const mode of ['protected32', 'real'] as Mode[]) {
      it(`${mode}: 400 random 64-byte programs`, () => {
        const next = rng(mode === 'real' ? 1234 : 99);
        const stops = new Map<string, number>();
        for (let n = 0; n < 400; n++) {
          const code = new Uint8Array(64);
          for (let i = 0; i < code.length; i++) code[i] = next() & 0xff;
          const regs = { eax: next(), ebx: 0x2000 + (next() & 0xfff), ecx: next() & 0xff, edx: next(), esi: 0x3000, edi: 0x4000, ebp: 0x7000 };
          let res;
          try {
            res = runSnippet({ engine, mode, code, regs, maxInstructions: 2000 });
          } catch (e) {
            throw new Error(`host exception on program ${n} (${Buffer.from(code).toString('hex')}): ${(e as Error).stack}`);
          }
          const k = res.exception ? res.exception.name : res.stop;
          stops.set(k, (stops.get(k) ?? 0) + 1);
        }
        expect([...stops.values()].reduce((a, b) => a + b)).to.equal(400);
      });
    }
  });
}
