/**
 * Instructions run interpreted under the JIT, by reason (the loop's
 * BlockSource.interpreted, runtime/records.ts INTERP_REASONS), and the
 * loop's polls of the compile worker while a hot block waits for its code
 * (BlockSource.waiting, translator/jit/engine.ts waiting()): without them a
 * batch's answer is attached only at the end of the slice that sent it.
 */
import { expect } from 'chai';
import { Machine } from '../../src/machine.js';
import { runSnippet } from '../../src/snippet.js';
import { INTERP_REASONS, I_AGAIN, I_BUDGET, I_COLD, I_WAITING } from '../../runtime/records.js';
import { TEST_ENGINES } from '../helpers/engines.js';

/** mov ecx, n; L: add eax, ecx; dec ecx; jnz L; hlt. Blocks: 0x1000 (once, 4 insns to the taken JNZ), 0x1005 (L, 3 a pass). */
function loop(n: number): Uint8Array {
  return new Uint8Array([0xb9, n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24, 0x01, 0xc8, 0x49, 0x75, 0xfb, 0xf4]);
}
const insns = (n: number): number => 1 + 3 * n + 1;
const eax = (n: number): number => Number((BigInt(n) * BigInt(n + 1) / 2n) & 0xffffffffn);
const sum = (a: readonly number[]): number => a.reduce((x, y) => x + y, 0);

describe('instructions run interpreted under the JIT, by reason; polls of the compile worker', () => {
  before(() => {
    // The shared compile worker loads binaryen once (1-3 s): have it ready, so the timing below is the polls'.
    const m = new Machine({ memoryMiB: 2, engine: 'jit', jit: { threshold: 0 } });
    runSnippet({ engine: 'jit', machine: m, code: loop(10) });
  });

  for (const engine of TEST_ENGINES) {
    it(`a synchronous JIT interprets the warm-up runs only, all counted as cold [${engine}]`, () => {
      const m = new Machine({ memoryMiB: 2, engine, jit: { threshold: 10, sync: true } });
      const r = runSnippet({ engine, machine: m, code: loop(1000) });
      expect(r.stop).to.equal('hlt');
      expect(r.instructions).to.equal(insns(1000));
      expect(r.regs.eax).to.equal(eax(1000));
      if (engine !== 'jit') return;
      const by = m.jit!.counters.interpreted;
      expect(by.length).to.equal(INTERP_REASONS.length);
      // Block 0x1000 once (4 instructions), L's first 9 runs (3 each); the 10th run is compiled.
      expect(by[I_COLD]).to.equal(4 + 9 * 3);
      expect(sum(by)).to.equal(r.instructions - r.compiled);
    });

    it(`code decoded again after the front end's bound evicted it warms up as 'again' [${engine}]`, () => {
      // A bound of one record: every pass (between slices) evicts whatever is there. A batch of one: L is
      // compiled when it goes hot, not when a partial batch has waited MAX_WAIT_MS (wall time: that made the
      // count depend on the machine's speed, and the test flaky).
      const m = new Machine({ memoryMiB: 2, engine, jit: { threshold: 10, batch: 1, sync: true }, frontEnd: { maxRecords: 1 } });
      const first = runSnippet({ engine, machine: m, code: loop(1000) });
      expect(first.frontEnd.redecoded).to.equal(0);
      const again = runSnippet({ engine, machine: m, code: loop(1000) });
      expect(again.instructions).to.equal(insns(1000));
      expect(again.regs.eax).to.equal(eax(1000));
      // Both blocks (0x1000, L) were evicted before the second run and decoded again.
      expect(again.frontEnd.redecoded).to.equal(2);
      if (engine !== 'jit') return;
      const by = m.jit!.counters.interpreted;
      expect(by[I_COLD]).to.equal(4 + 9 * 3);
      expect(by[I_AGAIN]).to.equal(4 + 9 * 3);
      expect(m.jit!.counters.compiledAgain).to.equal(1);
      // Both runs compile L when it goes hot: all but the warm-up runs compiled.
      expect(first.compiled).to.equal(insns(1000) - (4 + 9 * 3));
      expect(again.compiled).to.equal(insns(1000) - (4 + 9 * 3));
      expect(sum(by)).to.equal(first.instructions - first.compiled + again.instructions - again.compiled);
    });

    it(`a budget ending inside a compiled block counts as budget [${engine}]`, () => {
      const m = new Machine({ memoryMiB: 2, engine, jit: { threshold: 0 } });
      const r = runSnippet({ engine, machine: m, code: loop(100), slice: 7 });
      expect(r.instructions).to.equal(insns(100));
      expect(r.regs.eax).to.equal(eax(100));
      if (engine !== 'jit') return;
      const by = m.jit!.counters.interpreted;
      expect(by[I_BUDGET]).to.be.greaterThan(0);
      expect(by[I_COLD] + by[I_WAITING]).to.equal(0);
      expect(sum(by)).to.equal(r.instructions - r.compiled);
    });

    it(`a hot loop gets its code in the slice that sent it (the loop polls the worker) [${engine}]`, function () {
      // 30 M instructions in one slice: seconds interpreted, milliseconds once compiled. Without the polls
      // the answer is attached only after the slice, so nothing in it runs compiled.
      const n = 10_000_000;
      const m = new Machine({ memoryMiB: 2, engine, jit: { threshold: 10 } });
      const r = runSnippet({ engine, machine: m, code: loop(n), maxInstructions: 2 * insns(n) });
      expect(r.stop).to.equal('hlt');
      expect(r.instructions).to.equal(insns(n));
      expect(r.regs.eax).to.equal(eax(n));
      if (engine !== 'jit') return;
      const c = m.jit!.counters;
      expect(r.compiled).to.be.greaterThan(0);
      expect(c.polls).to.be.greaterThan(0);
      // It waited 64 runs at least before the first poll could attach it.
      expect(c.interpreted[I_WAITING]).to.be.at.least(63 * 3);
      expect(sum(c.interpreted)).to.equal(r.instructions - r.compiled);
    });

    it(`a partial batch waits JitOptions.maxWaitMs before the loop's polls send it [${engine}]`, function () {
      // The loop alone is a partial batch (batch 64): the polls send it only once it has waited maxWaitMs
      // (wall time). An hour: never within this run, so all of it runs interpreted, waiting once hot.
      const n = 2_000_000;
      const m = new Machine({ memoryMiB: 2, engine, jit: { threshold: 10, maxWaitMs: 3_600_000 } });
      const r = runSnippet({ engine, machine: m, code: loop(n), maxInstructions: 2 * insns(n) });
      expect(r.stop).to.equal('hlt');
      expect(r.instructions).to.equal(insns(n));
      expect(r.regs.eax).to.equal(eax(n));
      if (engine !== 'jit') return;
      const c = m.jit!.counters;
      expect(c.batchesSent).to.equal(0);
      expect(r.compiled).to.equal(0);
      // All but the warm-up runs (L with the HLT it falls through to is one block).
      expect(c.interpreted[I_WAITING]).to.equal(insns(n) - (4 + 9 * 3));
    });
  }
});
