/**
 * The compiled-code bound (translator/jit/cache.ts) over a working set
 * compiled one block per module, as an idle guest's hot blocks trickle in:
 * an eviction pass over the module bound must not leave the blocks it took
 * from modules in use to come back hot one small module at a time (the
 * cache then evicts code in use at every pass, forever); it queues them at
 * once to be compiled together (Jit.bound), so the working set ends up in a
 * few modules and the evictions stop.
 */
import { expect } from 'chai';
import { Machine } from '../../src/machine.js';
import { runSnippet } from '../../src/snippet.js';
import { TEST_ENGINES } from '../helpers/engines.js';
import { callLadder } from '../helpers/transfer-programs.js';

const FUNCS = 16, PASSES = 400;

/** test/helpers/transfer-programs.ts callLadder. */
const program = (): ReturnType<typeof callLadder> => callLadder(FUNCS, PASSES);

for (const engine of TEST_ENGINES) {
  describe(`compiled-code bound over a working set of one-block modules [${engine}]`, () => {
    it('evicted blocks in use are compiled again together: the evictions stop, the result is right', function () {
      this.timeout(600_000);
      // Each block compiled alone when it goes hot (batch 1); room for 16 modules (33 blocks run), plenty of blocks.
      const m = new Machine({ memoryMiB: 2, engine, jit: { threshold: 2, sync: true, batch: 1, limits: { maxModules: 16, maxBlocks: 1000 } } });
      const { code, memory } = program();
      const evictedAt: number[] = [];
      const r = runSnippet({ engine, machine: m, code, memory, slice: 500, onSlice: (mm) => { if (mm.jit) evictedAt.push(mm.jit.counters.evictedModules); } });
      expect(r.stop).to.equal('hlt');
      expect(r.regs.eax).to.equal((PASSES * FUNCS * (FUNCS + 1)) / 2);
      // mov; per pass FUNCS x (call, add, ret) + dec + jnz; hlt.
      expect(r.instructions).to.equal(1 + PASSES * (3 * FUNCS + 2) + 1);
      if (!m.jit) return;
      const c = m.jit.counters;
      expect(c.evictedModules, 'the bound evicted modules').to.be.above(0);
      expect(m.jit.cache.moduleCount).to.be.at.most(16);
      // Settled: no eviction in the second half of the run (one block per module, it never settles:
      // every pass evicts blocks in use, which come back hot and alone).
      const half = evictedAt[Math.floor(evictedAt.length / 2)]!;
      expect(c.evictedModules - half, `modules evicted in the second half (of ${c.evictedModules}; ${c.modulesCompiled} compiled)`).to.equal(0);
      expect(c.evictedRepacked, 'blocks of evicted modules queued again at once').to.be.above(0);
      expect(r.compiled, 'most of it ran compiled').to.be.above(r.instructions / 2);
    });
  });
}
