/**
 * Partial batches at slice ends (translator/jit/engine.ts sliceEnd, batching.ts partialDue,
 * JitOptions.partial): with 'work' a hot block that has run little since it went hot is not sent at a
 * slice end when its batch has waited maxWaitMs; it goes once it ran partialWork instructions (or, a loop,
 * from the loop's poll). Every engine runs the guest to the same result.
 */
import { expect } from 'chai';
import { Machine } from '../../src/machine.js';
import { runSnippet } from '../../src/snippet.js';
import { S_LOOP, S_SLICE } from '../../translator/jit/batching.js';
import type { JitOptions } from '../../translator/jit/engine.js';
import { TEST_ENGINES } from '../helpers/engines.js';

/** mov ecx, n; L: add eax, ecx; dec ecx; jnz L; hlt (as test/jit/waiting.test.ts). */
function loop(n: number): Uint8Array {
  return new Uint8Array([0xb9, n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24, 0x01, 0xc8, 0x49, 0x75, 0xfb, 0xf4]);
}
const insns = (n: number): number => 1 + 3 * n + 1;
const eax = (n: number): number => Number((BigInt(n) * BigInt(n + 1) / 2n) & 0xffffffffn);

describe('partial batches at slice ends (JitOptions.partial)', () => {
  before(() => {
    // The shared compile worker loads binaryen once (1-3 s): have it ready.
    const m = new Machine({ memoryMiB: 2, engine: 'jit', jit: { threshold: 0 } });
    runSnippet({ engine: 'jit', machine: m, code: loop(10) });
  });

  // 1,000-instruction slices: each slice end sees the loop's batch due (maxWaitMs 0); the loop's poll
  // sends it only 1,024 runs past hot (engine.ts WAIT_SEND). (The slices' ends make a block or two more.)
  const run = (engine: typeof TEST_ENGINES[number], jit: JitOptions) => {
    const n = 300_000;
    const m = new Machine({ memoryMiB: 2, engine, jit: { threshold: 10, maxWaitMs: 0, ...jit } });
    const r = runSnippet({ engine, machine: m, code: loop(n), slice: 1000, maxInstructions: 2 * insns(n) });
    expect(r.stop).to.equal('hlt');
    expect(r.instructions).to.equal(insns(n));
    expect(r.regs.eax).to.equal(eax(n));
    return m;
  };

  for (const engine of TEST_ENGINES) {
    it(`'busy' sends the loop at the first slice end once it is due [${engine}]`, () => {
      const m = run(engine, { partial: 'busy' });
      if (engine !== 'jit') return;
      const c = m.jit!.counters;
      expect(c.sentBy[S_SLICE]).to.be.at.least(1);
      expect(c.sentBy[S_LOOP]).to.equal(0);
      expect(c.partialHeld).to.equal(0);
    });

    it(`'work' holds it at slice ends until it ran partialWork instructions; here the loop's poll sends it first [${engine}]`, () => {
      const m = run(engine, { partial: 'work', partialWork: 1e12, partialCapMs: 3_600_000 });
      if (engine !== 'jit') return;
      const c = m.jit!.counters;
      expect(c.sentBy[S_SLICE]).to.equal(0);
      expect(c.sentBy[S_LOOP]).to.be.at.least(1);
      expect(c.partialHeld).to.be.greaterThan(0);
    });

    it(`'work' sends it at a slice end once it ran partialWork instructions [${engine}]`, () => {
      // 100 runs of L (3 instructions) past hot: before the poll's 1,024.
      const m = run(engine, { partial: 'work', partialWork: 300, partialCapMs: 3_600_000 });
      if (engine !== 'jit') return;
      const c = m.jit!.counters;
      expect(c.sentBy[S_SLICE]).to.be.at.least(1);
      expect(c.sentBy[S_LOOP]).to.equal(0);
      expect(c.blocksCompiled).to.be.greaterThan(0);
    });
  }
});
