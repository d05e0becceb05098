/**
 * Merging small modules (JitOptions.repackSmall; engine.ts repackSparse,
 * cache.ts small): a working set compiled one block per module (batch 1, as
 * the realtime clock's partial batches leave it under host load) is compiled
 * again into one module once 16 or more such modules are there, and the
 * loop, the global cache and the transfers between the blocks go to the new
 * code. Each case runs on every engine with the same expectations.
 *
 * At 0x1000: mov esi, PASSES; L: call f0; ...; call f15; dec esi; jnz L; hlt.
 * f_k at 0x2000 + k * 0x1000: add eax, k + 1; ret (test/helpers/transfer-programs.ts callLadder, as test/jit/repack.test.ts).
 */
import { expect } from 'chai';
import { Machine } from '../../src/machine.js';
import { runSnippet } from '../../src/snippet.js';
import { TEST_ENGINES } from '../helpers/engines.js';
import { callLadder } from '../helpers/transfer-programs.js';
import { XFER_FAR, XFER_HINT } from '../../translator/jit/chain.js';
import { collectGarbage } from '../../translator/frontend/gc.js';

const FUNCS = 16, PASSES = 300;

/** test/helpers/transfer-programs.ts callLadder. */
const program = (): ReturnType<typeof callLadder> => callLadder(FUNCS, PASSES);

function machineFor(engine: EngineName, repackSmall: number): Machine {
  return new Machine({ memoryMiB: 2, engine, jit: { threshold: 2, sync: true, batch: 1, repackSmall, repackSmallAgeMs: 0 } });
}
type EngineName = 'interpreter' | 'jit';
/** Transfers that stayed inside one module: direct, far and hinted. */
function inModule(m: Machine): number {
  const x = m.jit!.counters.xfers;
  return m.jit!.counters.direct.n + x[XFER_FAR]! + x[XFER_HINT]!;
}

for (const engine of TEST_ENGINES) {
  describe(`merging small modules [${engine}]`, () => {
    it('one-block modules are compiled again into one: the result is right, the old copies are dead and freed', async function () {
      this.timeout(600_000);
      const m = machineFor(engine, 4);
      // Per compiled batch: its blocks' alive globals (checked after) and functions (WeakRefs: freed after a GC).
      const batches: { alive: (WebAssembly.Global | null)[]; inModule: number }[] = [];
      const fns: WeakRef<object>[][] = [];
      if (m.jit) {
        m.jit.onCompiled = (blocks) => {
          batches.push({ alive: blocks.map((b) => b.jitAlive), inModule: inModule(m) });
          fns.push(blocks.filter((b) => b.jit !== null).map((b) => new WeakRef(b.jit!)));
        };
      }
      const { code, memory } = program();
      const r = runSnippet({ engine, machine: m, code, memory, slice: 500 });
      expect(r.stop).to.equal('hlt');
      expect(r.regs.eax).to.equal((PASSES * FUNCS * (FUNCS + 1)) / 2);
      expect(r.instructions).to.equal(1 + PASSES * (3 * FUNCS + 2) + 1);
      if (!m.jit) return;
      const c = m.jit.counters;
      expect(c.repacks, 'merge requests').to.equal(1);
      expect(c.repackedModules, 'one-block modules merged').to.be.at.least(16);
      const merged = batches.findIndex((b) => b.alive.length === c.repackedBlocks && b.alive.length > 1);
      expect(merged, 'the merged module among the batches').to.be.above(0);
      expect(m.jit.cache.moduleCount, 'modules in the code cache: the merged one, and any compiled after it').to.be.at.most(batches.length - merged);
      const enterable = batches.slice(0, merged).reduce((n, b) => n + b.alive.filter((g) => g !== null && g.value !== 0).length, 0);
      expect(enterable, 'old copies still enterable').to.equal(0);
      // Between one-block modules every transfer went through the global cache; in the merged module the RETs are
      // hinted, some calls far, the JNZ direct (the calls into 16 pages at one page offset: mostly global still).
      expect(batches.slice(0, merged).every((b) => b.inModule === 0), 'transfers inside a module before the merge').to.equal(true);
      expect(inModule(m) - batches[merged]!.inModule, 'hinted, far and direct transfers after the merge').to.be.at.least(4000);
      batches.length = 0; // the alive globals would keep their instances (V8 11.3)
      await new Promise((done) => setTimeout(done, 0));
      collectGarbage();
      const reachable = fns.slice(0, merged).flat().filter((f) => f.deref() !== undefined).length;
      expect(reachable, 'functions of the merged modules still reachable').to.equal(0);
    });
  });
}
