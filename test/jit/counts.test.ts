/**
 * Per-block counts the loop keeps (runtime/interp/loop.ts) after compiled
 * runs: `hits` (entries from the loop) and the instructions retired in each
 * block (records.ts insnsOf: Block.insns plus what compiled code counted
 * before direct transfers out of it), which the SMC heuristic and eviction
 * recency read. Lone compiled runs (one module per block: no transfers)
 * must give exactly the interpreter's per-block figures; runs joined by
 * direct transfers the same instructions per block (their hits are the
 * loop's entries only, so fewer).
 */
import { expect } from 'chai';
import { Machine } from '../../src/machine.js';
import { runSnippet, type SnippetResult } from '../../src/snippet.js';
import { insnsOf, recencyOf, type Block } from '../../runtime/records.js';
import { hexBytes } from '../helpers/asm.js';
import { TEST_ENGINES } from '../helpers/engines.js';
import type { EngineName } from '../../src/snippet.js';
import type { JitOptions } from '../../translator/jit/engine.js';

/**
 *   1000 mov ecx, 300; xor eax, eax; xor ebx, ebx
 *   1009 L: add eax, ecx; test cl, 1; jz even
 *   1010    add ebx, 3; jmp next (folded)
 *   1015 even: add ebx, 5
 *   1018 next: dec ecx; jnz L; hlt
 * (test/jit/direct.test.ts LOOP). Blocks: 0x1000 (the first pass), 0x1009 (odd ECX: a pass, falling
 * through to the next; it branches back to its own start, so compiled code loops on itself in wasm),
 * 0x1015 (even ECX: entered by the taken JZ, never a self-loop).
 */
const LOOP = hexBytes('b92c01000031c031db01c8f6c101740583c303eb0383c3054975eef4');
const INSNS = 3 + 300 * 3 + 150 * 4 + 150 * 3 + 1;

interface Counts { hits: number; insns: number; recency: number }

/** Run LOOP on a machine of its own; the counts of every block the loop got from the front end, by physical address. */
function counted(engine: EngineName, jit: JitOptions, sliced: boolean): { r: SnippetResult; by: Map<number, Counts> } {
  const machine = new Machine({ memoryMiB: 2, engine, jit });
  const blocks = new Set<Block>();
  const fe = machine.frontEnd, get = fe.get.bind(fe);
  fe.get = (phys, lin, code32) => { const b = get(phys, lin, code32); blocks.add(b); return b; };
  const r = runSnippet({ engine, machine, code: LOOP, ...(sliced ? { slice: 50, onSlice: (m: Machine): void => m.jit?.flush() } : {}) });
  expect(r.stop).to.equal('hlt');
  expect(r.instructions).to.equal(INSNS);
  const by = new Map<number, Counts>();
  for (const b of blocks) {
    const c = by.get(b.phys) ?? { hits: 0, insns: 0, recency: 0 };
    c.hits += b.hits; c.insns += insnsOf(b); c.recency += recencyOf(b);
    by.set(b.phys, c);
  }
  return { r, by };
}

const insnsBy = (by: Map<number, Counts>): [number, number][] => [...by].map(([a, c]) => [a, c.insns] as [number, number]).sort((x, y) => x[0] - y[0]);

describe('per-block counts after compiled runs: the interpreter\'s instructions per block on every engine', () => {
  const ref = counted('interpreter', {}, false).by;
  // Slice boundaries shape blocks (a budget that ends inside one): the reference for sliced runs is sliced the same way.
  const refSliced = counted('interpreter', {}, true).by;

  it('the interpreter\'s own figures (the reference below)', () => {
    expect(insnsBy(ref)).to.deep.equal([[0x1000, 6], [0x1009, 3 + 299 * 5], [0x1015, 150 * 3]]);
    expect([...ref.values()].map((c) => c.hits)).to.include.members([1, 299, 150]);
  });

  for (const engine of TEST_ENGINES) {
    it(`lone compiled runs (one module per block, no transfers) [${engine}]`, () => {
      // Cross-module slots (JitOptions.modules) and the global dispatch cache (global) would join the blocks' modules:
      // off, so every run is lone.
      const { r, by } = counted(engine, { threshold: 0, modules: false, global: false }, false);
      expect(r.direct + r.chained).to.equal(0);
      expect(insnsBy(by)).to.deep.equal(insnsBy(ref));
      // Entries by the loop: the interpreter's, but a block that loops on itself in wasm is entered once for many passes.
      expect(by.get(0x1015)!.hits).to.equal(150);
      expect(by.get(0x1000)!.hits).to.equal(1);
      expect(by.get(0x1009)!.hits).to.equal(engine === 'jit' ? 150 : 299);
      // Eviction recency: a compiled block's hits plus its instructions (records.ts recencyOf).
      for (const [a, c] of by) expect(c.recency, a.toString(16)).to.equal(engine === 'jit' ? c.hits + c.insns : c.hits);
    });

    it(`runs joined by cross-module slots (one module per block) [${engine}]`, () => {
      const { r, by } = counted(engine, { threshold: 0, modules: true, global: false }, false);
      expect(r.instructions).to.equal(INSNS);
      expect(insnsBy(by)).to.deep.equal(insnsBy(ref));
    });

    it(`runs joined by the global dispatch cache (one module per block, no slots) [${engine}]`, () => {
      const { r, by } = counted(engine, { threshold: 0, modules: false }, false);
      expect(r.instructions).to.equal(INSNS);
      expect(insnsBy(by)).to.deep.equal(insnsBy(ref));
    });

    it(`runs joined by direct transfers [${engine}]`, () => {
      const { r, by } = counted(engine, { threshold: 2, batch: 64, sync: true, chain: false, direct: true }, true);
      if (engine === 'jit') expect(r.direct).to.be.at.least(100);
      expect(insnsBy(by)).to.deep.equal(insnsBy(refSliced));
    });
  }
});
