/**
 * The global dispatch cache (translator/jit/xcache.ts; chain.ts "Global
 * dispatch cache"): an exit whose target is a block of another module
 * (RET, JMP/CALL r/m32, a static exit into another page) finds it through
 * one direct-mapped table in linear memory and tail-calls it through the
 * hub's function table, guarded by the TLB's answer for CS base + EIP, the
 * budget, and the entry being emptied when its block dies. Each case runs
 * on every engine with the same expectations; on the JIT each block is
 * compiled in a module of its own (batch 1) and the cross-module slots are
 * off, so every transfer between blocks of different modules is the
 * cache's (counted: XFER_GLOBAL).
 *
 * The programs are dispatch.test.ts's (nasm listings there).
 */
import { expect } from 'chai';
import { runSnippet } from '../../src/snippet.js';
import { Machine } from '../../src/machine.js';
import { hexBytes } from '../helpers/asm.js';
import { TEST_ENGINES } from '../helpers/engines.js';
import { remappedTables } from '../helpers/paging.js';
import type { EngineName } from '../../src/machine.js';
import { XFER_GLOBAL, XFER_INDIRECT, XFER_MODULE } from '../../translator/jit/chain.js';
import { xcacheSlot } from '../../translator/jit/xcache.js';
import { RAM_BASE, XCACHE_ENTRIES } from '../../runtime/state/layout.js';
import type { Block } from '../../runtime/records.js';
import { why, mem, CALLRET, CALLRET_F, CALLRET_INSNS, callRetRegs, PATCH, PATCH_F, REMAP, REMAP_INSNS } from '../helpers/transfer-programs.js';



function machineFor(engine: EngineName): Machine | undefined {
  if (engine !== 'jit') return undefined;
  return new Machine({ memoryMiB: 2, engine: 'jit', jit: { threshold: 2, batch: 1, sync: true, chain: false, direct: true, modules: false } });
}
const sliced = { slice: 60, onSlice: (m: Machine): void => m.jit?.flush() };
/** On the JIT: at least `n` transfers went through the global cache, none through slots (they are off). */
function viaCache(m: Machine | undefined, n: number): void {
  if (m === undefined) return;
  const x = m.jit!.counters.xfers;
  expect(x[XFER_MODULE], 'cross-module slots are off').to.equal(0);
  expect(x[XFER_GLOBAL], 'transfers through the global dispatch cache').to.be.at.least(n);
}

for (const engine of TEST_ENGINES) {
  describe(`the global dispatch cache between modules [${engine}]`, () => {
    it('a RET into a block of another module, and a call into another page, go through the cache: state and count are the interpreter\'s', () => {
      const m = machineFor(engine);
      const r = runSnippet({ engine, machine: m, code: hexBytes(CALLRET), memory: [mem(0x3000, CALLRET_F)], ...sliced });
      expect(r.stop, why(r)).to.equal('hlt');
      expect(r.instructions).to.equal(CALLRET_INSNS);
      expect(r.regs).to.deep.include({ ...callRetRegs(), ecx: 0, esp: 0x8000 });
      viaCache(m, 400);
    });

    it('a cached RET target killed by a store into its code is not entered: the new code runs', () => {
      const m = machineFor(engine);
      const r = runSnippet({ engine, machine: m, code: hexBytes(PATCH), memory: [mem(0x3000, PATCH_F)], ...sliced });
      expect(r.stop, why(r)).to.equal('hlt');
      expect(r.regs).to.deep.include({ eax: 64 * 32 + 32 * 32, edx: 180, ecx: 0 });
      expect(r.instructions).to.equal(3 + 90 * 8 + 2 + 1);
      if (m !== undefined) {
        expect(m.jit!.counters.invalidatedBlocks, 'compiled blocks killed by the patches').to.be.at.least(1);
        viaCache(m, 100);
      }
    });

    it('a call through the cache follows the page\'s current mapping after MOV CR3 and INVLPG', () => {
      const m = machineFor(engine);
      const fn = (v: number): Uint8Array => { const p = new Uint8Array(4096).fill(0xf4); p.set(hexBytes(`b80${v}000000c3`)); return p; };
      const r = runSnippet({
        engine, machine: m, code: hexBytes(REMAP), ...sliced,
        memory: [
          ...remappedTables(0x10000, 0x11000, {}),
          ...remappedTables(0x12000, 0x13000, { 0x60000: 0x71000 }),
          { addr: 0x60000, bytes: fn(1) }, { addr: 0x71000, bytes: fn(2) }, { addr: 0x72000, bytes: fn(4) },
        ],
      });
      expect(r.stop, why(r)).to.equal('hlt');
      expect(r.regs.ebx).to.equal(10 * 3 * (1 + 2 + 4));
      expect(r.instructions).to.equal(REMAP_INSNS);
      viaCache(m, 60);
    });

    it('budgets that end inside runs of cache transfers stop exactly on them', () => {
      const m = machineFor(engine) ?? new Machine({ memoryMiB: 2, engine });
      let total = runSnippet({ engine, machine: m, code: hexBytes(CALLRET), memory: [mem(0x3000, CALLRET_F)], slice: 20, onSlice: (x) => x.jit?.flush(), maxInstructions: 40 }).instructions;
      m.jit?.flush();
      const budgets = [7, 13, 50, 1, 2, 3, 97, 200, 11, 5, 4];
      const seen: number[] = [];
      for (const b of budgets) {
        const x = m.run(b);
        expect(x.reason).to.equal('budget');
        seen.push(x.executed);
        total += x.executed;
      }
      expect(seen, 'each slice stops exactly at its budget').to.deep.equal(budgets);
      const end = m.run(100_000);
      expect(end.reason).to.equal('hlt');
      total += end.executed;
      expect(total).to.equal(CALLRET_INSNS);
      const want = callRetRegs();
      expect([m.cpu.r32[0], m.cpu.r32[3]]).to.deep.equal([want.eax, want.ebx]);
      if (engine === 'jit') viaCache(m, 100);
    });
  });
}

describe('the global dispatch cache before the module\'s own dispatcher (JIT, one module)', () => {
  /** CALLRET with its blocks compiled together (one module, so xfind knows them too), slots off. */
  function run(globalFirst?: boolean): number[] {
    // The module's dispatcher on (off by default) for the cache to be probed before it; successor hints off (they come first: far.test.ts).
    const m = new Machine({ memoryMiB: 2, engine: 'jit', jit: { threshold: 2, batch: 64, sync: true, chain: false, direct: true, indirect: true, pages: true, modules: false, hints: false, ...(globalFirst === undefined ? {} : { globalFirst }) } });
    const r = runSnippet({ engine: 'jit', machine: m, code: hexBytes(CALLRET), memory: [mem(0x3000, CALLRET_F)], ...sliced });
    expect(r.stop, why(r)).to.equal('hlt');
    expect(r.instructions).to.equal(CALLRET_INSNS);
    expect(r.regs).to.deep.include({ ...callRetRegs(), ecx: 0, esp: 0x8000 });
    return m.jit!.counters.xfers;
  }

  it('by default a RET into a block of the same module is found by the cache first: xfind is not asked', () => {
    const x = run();
    expect(x[XFER_GLOBAL], 'transfers through the global cache').to.be.at.least(250);
    expect(x[XFER_INDIRECT], 'RET transfers through the module\'s xfind').to.equal(0);
  });

  it('with globalFirst: false the module\'s xfind answers first (the old order): same state', () => {
    const x = run(false);
    expect(x[XFER_INDIRECT], 'RET transfers through the module\'s xfind').to.be.at.least(250);
  });
});

describe('the global dispatch cache\'s entries (JIT)', () => {
  /** CALLRET run to its end on a JIT machine: its compiled blocks, and the machine. */
  function ran(): { m: Machine; blocks: Block[] } {
    const m = machineFor('jit')!;
    const r = runSnippet({ engine: 'jit', machine: m, code: hexBytes(CALLRET), memory: [mem(0x3000, CALLRET_F)], ...sliced });
    expect(r.stop, why(r)).to.equal('hlt');
    const blocks = [...m.frontEnd.liveBlocks()].filter((b) => b.jit !== null);
    expect(blocks.length, 'compiled blocks').to.be.at.least(3);
    return { m, blocks };
  }

  it('holds live 32-bit one-page blocks only: a 16-bit block, a block straddling a page, a dead one are refused', () => {
    const { m, blocks } = ran();
    const g = m.jit!.globalCache!;
    for (const b of blocks) {
      const e = g.entry(xcacheSlot(RAM_BASE + b.phys));
      expect(e.block, 'each compiled block is in its entry (no two collide here)').to.equal(b);
      expect(e.host).to.equal(RAM_BASE + b.phys);
      expect(e.fn).to.equal(true);
    }
    const like = (b: Block, over: Partial<Record<keyof Block, unknown>>): Block => Object.assign(Object.create(Object.getPrototypeOf(b) as object) as Block, b, over);
    const b = blocks[0]!;
    expect(g.add(like(b, { code32: false })), 'a 16-bit block').to.equal(false);
    expect(g.add(like(b, { pages: [b.phys >>> 12, (b.phys >>> 12) + 1] })), 'a block in two pages').to.equal(false);
    expect(g.add(like(b, { jitAlive: null })), 'a dead block').to.equal(false);
    expect(g.entry(xcacheSlot(RAM_BASE + b.phys)).block, 'the entry still holds the block').to.equal(b);
  });

  it('a module whose blocks all died is not held by the cache: every entry and table slot is emptied', () => {
    const { m, blocks } = ran();
    const g = m.jit!.globalCache!;
    m.frontEnd.flushAll();
    for (const b of blocks) expect(b.valid, 'killed by the flush').to.equal(false);
    let held = 0;
    for (let k = 0; k < XCACHE_ENTRIES; k++) {
      const e = g.entry(k);
      if (e.block !== null || e.host !== 0 || e.fn) held++;
    }
    expect(held, 'entries naming a block, a host or a function').to.equal(0);
  });
});
