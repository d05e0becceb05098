/**
 * The first merge (JitOptions.mergeFirst; engine.ts mergeAll): the first slice whose global-cache
 * transfers reach the setting sends every attached block (of two or more modules) to the worker in one
 * request whose module replaces theirs, once a run (a later slice with as many global transfers sends
 * nothing more); with `mergeAfter` not before that many instructions. Each case runs on every engine
 * with the same results.
 *
 * At 0x1000: mov esi, PASSES; L: call f0; ...; call f15; dec esi; jnz L; hlt.
 * f_k at 0x2000 + k * 0x1000: add eax, k + 1; ret (test/helpers/transfer-programs.ts callLadder): one
 * block per module (batch 1), every call and return a global-cache transfer until the merge; the calls
 * into 16 pages at one page offset stay mostly global after it, so every later slice would merge again.
 */
import { expect } from 'chai';
import { Machine } from '../../src/machine.js';
import { runSnippet } from '../../src/snippet.js';
import { TEST_ENGINES } from '../helpers/engines.js';
import { callLadder } from '../helpers/transfer-programs.js';
import type { JitOptions } from '../../translator/jit/engine.js';

const FUNCS = 16, PASSES = 300;

function run(engine: 'interpreter' | 'jit', jit: JitOptions): Machine {
  const m = new Machine({ memoryMiB: 2, engine, jit: { threshold: 2, sync: true, batch: 1, ...jit } });
  const { code, memory } = callLadder(FUNCS, PASSES);
  const r = runSnippet({ engine, machine: m, code, memory, slice: 500 });
  expect(r.stop).to.equal('hlt');
  expect(r.regs.eax).to.equal((PASSES * FUNCS * (FUNCS + 1)) / 2);
  expect(r.instructions).to.equal(1 + PASSES * (3 * FUNCS + 2) + 1);
  return m;
}

for (const engine of TEST_ENGINES) {
  describe(`the first merge [${engine}]`, () => {
    it('merges every module once, at the first slice with enough global transfers', function () {
      this.timeout(600_000);
      const m = run(engine, { mergeFirst: 50 });
      if (!m.jit) return;
      const c = m.jit.counters;
      expect(c.repacks, 'merge requests').to.equal(1);
      expect(c.repackedModules, 'modules merged').to.be.at.least(2);
      expect(c.repackedBlocks, 'blocks merged').to.be.at.least(c.repackedModules);
    });
    it('does nothing when off, or before mergeAfter instructions', function () {
      this.timeout(600_000);
      for (const jit of [{}, { mergeFirst: 50, mergeAfter: 1e9 }] as JitOptions[]) {
        const m = run(engine, jit);
        if (m.jit) expect(m.jit.counters.repacks, JSON.stringify(jit)).to.equal(0);
      }
    });
  });
}
