/**
 * Regrouping (JitOptions.regroup; engine.ts regroupHot): hot global-cache
 * targets and the compiled blocks the loop saw run right before them are
 * compiled again together, and the new module's code replaces theirs, so a
 * hot edge between two modules becomes a transfer inside one (direct, far
 * or hinted). Each case runs on every engine with the same expectations; on
 * the JIT every block is first compiled in a module of its own (batch 1),
 * so every transfer between blocks starts in the global cache.
 *
 * Programs from dispatch.test.ts (nasm listings there).
 */
import { expect } from 'chai';
import { runSnippet } from '../../src/snippet.js';
import { Machine } from '../../src/machine.js';
import { hexBytes } from '../helpers/asm.js';
import { TEST_ENGINES } from '../helpers/engines.js';
import type { EngineName } from '../../src/machine.js';
import { XFER_FAR, XFER_GLOBAL, XFER_HINT } from '../../translator/jit/chain.js';
import type { JitOptions } from '../../translator/jit/engine.js';
import { why, mem, CALLRET, CALLRET_F, CALLRET_INSNS, callRetRegs, PATCH, PATCH_F } from '../helpers/transfer-programs.js';



function machineFor(engine: EngineName, jit: JitOptions = {}): Machine | undefined {
  if (engine !== 'jit') return undefined;
  return new Machine({ memoryMiB: 2, engine: 'jit', jit: { threshold: 2, batch: 1, sync: true, chain: false, direct: true, regroup: 8, ...jit } });
}
const sliced = { slice: 60, onSlice: (m: Machine): void => m.jit?.flush() };
/** Transfers that stayed inside one module after the regroup: direct, far and hinted. */
function inModule(m: Machine): number {
  const x = m.jit!.counters.xfers;
  return m.jit!.counters.direct.n + x[XFER_FAR]! + x[XFER_HINT]!;
}

for (const engine of TEST_ENGINES) {
  describe(`regrouping hot cross-module targets [${engine}]`, () => {
    it('a call and its RET between three modules end up in one: state and count are the interpreter\'s', () => {
      const m = machineFor(engine);
      // Every alive global a block's code had (chain.ts: direct and far transfers check it): the old copies' must be 0 after.
      const alive = new Set<WebAssembly.Global>();
      if (m !== undefined) m.jit!.onCompiled = (blocks) => { for (const b of blocks) if (b.jitAlive !== null) alive.add(b.jitAlive); };
      const r = runSnippet({ engine, machine: m, code: hexBytes(CALLRET), memory: [mem(0x3000, CALLRET_F)], ...sliced });
      expect(r.stop, why(r)).to.equal('hlt');
      expect(r.instructions).to.equal(CALLRET_INSNS);
      expect(r.regs).to.deep.include({ ...callRetRegs(), ecx: 0, esp: 0x8000 });
      if (m !== undefined) {
        const c = m.jit!.counters;
        expect(c.regroups, 'regroup batches').to.equal(1);
        expect(c.regrouped, 'the loop\'s three blocks').to.equal(3);
        expect(inModule(m), 'direct, far and hinted transfers').to.be.at.least(600);
        expect(c.xfers[XFER_GLOBAL], 'global-cache transfers, before the regroup only').to.be.below(100);
        expect(m.jit!.cache.blockCount, 'compiled blocks in the code cache').to.equal(3);
        expect(m.jit!.cache.moduleCount, 'modules in the code cache: the three old ones left it').to.equal(1);
        const now = new Set([...m.frontEnd.liveBlocks()].map((b) => b.jitAlive));
        const old = [...alive].filter((g) => !now.has(g));
        expect(old.length, 'old copies seen').to.equal(3);
        // Kept enterable for their old modules' direct transfers while the blocks live; gone when they die.
        expect(old.map((g) => g.value), 'old copies while their blocks live').to.deep.equal([1, 1, 1]);
        m.frontEnd.flushAll();
        expect([...alive].map((g) => g.value), 'every copy once the blocks died').to.deep.equal([0, 0, 0, 0, 0, 0]);
      }
    });

    it('a regrouped RET target killed by a store into its code is not entered: the new code runs', () => {
      const m = machineFor(engine);
      const r = runSnippet({ engine, machine: m, code: hexBytes(PATCH), memory: [mem(0x3000, PATCH_F)], ...sliced });
      expect(r.stop, why(r)).to.equal('hlt');
      expect(r.regs).to.deep.include({ eax: 64 * 32 + 32 * 32, edx: 180, ecx: 0 });
      expect(r.instructions).to.equal(3 + 90 * 8 + 2 + 1);
      if (m !== undefined) {
        expect(m.jit!.counters.regroups, 'regroup batches').to.be.at.least(1);
        expect(m.jit!.counters.invalidatedBlocks, 'compiled blocks killed by the patches').to.be.at.least(1);
      }
    });
  });
}

describe('regrouping off (JIT)', () => {
  it('without it the same loop keeps crossing modules through the global cache', () => {
    const m = machineFor('jit', { regroup: false })!;
    const r = runSnippet({ engine: 'jit', machine: m, code: hexBytes(CALLRET), memory: [mem(0x3000, CALLRET_F)], ...sliced });
    expect(r.stop, why(r)).to.equal('hlt');
    expect(r.regs).to.deep.include({ ...callRetRegs(), ecx: 0 });
    expect(m.jit!.counters.regroups).to.equal(0);
    expect(m.jit!.counters.xfers[XFER_GLOBAL], 'global-cache transfers').to.be.at.least(800);
  });
});
