/**
 * Repacking sparse modules (JitOptions.repack; engine.ts repackSparse): a
 * module most of whose blocks were killed has its attached blocks compiled
 * again into a new module whose code replaces theirs, and the old module is
 * left to V8 to free. Each case runs on every engine with the same
 * expectations; on the JIT the loop's blocks and those of the routine it
 * calls first are compiled in one module (23 blocks: the front end follows
 * each call into F), the routine's page is then flushed (its 21 blocks of
 * that module die, and F's own later modules) and the loop goes on in the
 * repacked module.
 *
 *   0x1000: mov ecx, 1000; xor eax, eax; xor ebx, ebx; xor edx, edx
 *   L:      cmp ecx, 850; jb skip; call 0x2000          ; the first 151 rounds call D
 *   skip:   add ebx, ecx; add eax, edx; dec ecx; jnz L; hlt
 *   D (0x2000): call F x 20; ret
 *   F (0x2100): inc edx; ret
 */
import { expect } from 'chai';
import { runSnippet } from '../../src/snippet.js';
import { Machine } from '../../src/machine.js';
import { hexBytes } from '../helpers/asm.js';
import { TEST_ENGINES } from '../helpers/engines.js';
import type { EngineName } from '../../src/machine.js';
import type { JitOptions } from '../../translator/jit/engine.js';
import { collectGarbage } from '../../translator/frontend/gc.js';
import { why, mem } from '../helpers/transfer-programs.js';

const CODE = 'b9e803000031c031db31d281f9520300007205e8e80f000001cb01d04975ecf4';
const D = Array.from({ length: 20 }, (_, k) => 'e8' + (0x2100 - (0x2005 + 5 * k)).toString(16).padStart(8, '0').match(/../g)!.reverse().join('')).join('') + 'c3';
const F = '42c3';
/** 4 + 151 rounds calling D (cmp, jb, call, D's 61, then 4) + 849 rounds without (6) + hlt. */
const INSNS = 4 + 151 * 68 + 849 * 6 + 1;
/** Slices of 300 instructions: D's rounds end within the 35th (10,272 instructions). */
const SLICE = 300;
const KILL_AT = 35;

function expected(): { eax: number; ebx: number; edx: number } {
  let eax = 0, ebx = 0, edx = 0;
  for (let ecx = 1000; ecx > 0; ecx--) {
    if (ecx >= 850) edx += 20;
    ebx = (ebx + ecx) >>> 0;
    eax = (eax + edx) >>> 0;
  }
  return { eax, ebx, edx };
}

function machineFor(engine: EngineName, jit: JitOptions = {}): Machine | undefined {
  if (engine !== 'jit') return undefined;
  return new Machine({ memoryMiB: 2, engine: 'jit', jit: { threshold: 2, batch: 64, sync: true, repack: 0.5, ...jit } });
}

/** Runs the program; the JIT's compiled batches are seen through onCompiled. */
function run(engine: EngineName, m: Machine | undefined) {
  let slices = 0;
  return runSnippet({
    engine, machine: m, code: hexBytes(CODE), memory: [mem(0x2000, D), mem(0x2100, F)], slice: SLICE,
    onSlice: (mm: Machine): void => {
      // D's rounds are over: its page's blocks die (as a mapping change or a flush would kill them).
      if (++slices === KILL_AT) mm.frontEnd.invalidatePage(2);
      mm.jit?.flush();
    },
  });
}

for (const engine of TEST_ENGINES) {
  describe(`repacking sparse modules [${engine}]`, () => {
    it('the loop left alone in its module runs on in a repacked one: state and count are the interpreter\'s', () => {
      const m = machineFor(engine);
      const batches: { alive: (WebAssembly.Global | null)[]; direct: number }[] = [];
      if (m !== undefined) m.jit!.onCompiled = (blocks) => batches.push({ alive: blocks.map((b) => b.jitAlive), direct: m.jit!.counters.direct.n });
      const r = run(engine, m);
      expect(r.stop, why(r)).to.equal('hlt');
      expect(r.instructions).to.equal(INSNS);
      expect(r.regs).to.deep.include({ ...expected(), ecx: 0 });
      if (m === undefined) return;
      const c = m.jit!.counters;
      expect(c.repacks, 'repack requests').to.equal(1);
      expect(c.repackedModules, 'sparse modules').to.equal(1);
      expect(c.repackedBlocks, 'the loop\'s two blocks (L, skip)').to.equal(2);
      expect(batches.length, 'the first module, F\'s two, the repacked one').to.equal(4);
      const first = batches[0]!, again = batches[3]!;
      expect(first.alive.length, 'blocks in the first module (D\'s 21, L, skip)').to.equal(23);
      expect(m.jit!.cache.moduleCount, 'modules in the code cache: the sparse one left it').to.equal(1);
      expect(m.jit!.cache.blockCount, 'compiled blocks in the code cache').to.equal(2);
      // Transfers that would enter the dropped module's copies find them dead (alive 0): only the new code is entered.
      const old = batches.slice(0, 3).flatMap((x) => x.alive);
      expect(old.map((g) => g!.value), 'the old modules\' copies').to.deep.equal(old.map(() => 0));
      expect(again.alive.map((g) => g!.value), 'the repacked copies').to.deep.equal([1, 1]);
      const live = [...m.frontEnd.liveBlocks()].filter((b) => b.jit !== null);
      expect(live.map((b) => again.alive.includes(b.jitAlive)), 'live blocks run the repacked code').to.deep.equal([true, true]);
      expect(c.direct.n - again.direct, 'direct transfers inside the repacked module (~800 rounds)').to.be.at.least(1400);
    });
  });
}

describe('repacking sparse modules (JIT): the old modules are freed', () => {
  it('nothing of ours keeps the old instances: their functions go with the next full collection', async () => {
    // Functions only, through WeakRefs: an exported global held here would keep its instance alive (V8 11.3).
    const fns: WeakRef<object>[][] = [];
    const m = machineFor('jit')!;
    m.jit!.onCompiled = (blocks) => { fns.push(blocks.filter((b) => b.jit !== null).map((b) => new WeakRef(b.jit!))); };
    const r = run('jit', m);
    expect(r.stop, why(r)).to.equal('hlt');
    expect(m.jit!.counters.repacks, 'repack requests').to.equal(1);
    await new Promise((done) => setTimeout(done, 0));
    collectGarbage();
    const reachable = fns.map((list) => list.filter((f) => f.deref() !== undefined).length);
    expect(reachable, 'functions still reachable per module: the repacked one\'s two only').to.deep.equal([0, 0, 0, 2]);
  });
});

describe('repacking off (JIT)', () => {
  it('without it the loop keeps the sparse module and its dead blocks\' code', () => {
    const m = machineFor('jit', { repack: 0 })!;
    const first: (WebAssembly.Global | null)[] = [];
    m.jit!.onCompiled = (blocks) => { if (first.length === 0) first.push(...blocks.map((b) => b.jitAlive)); };
    const r = run('jit', m);
    expect(r.stop, why(r)).to.equal('hlt');
    expect(r.regs).to.deep.include({ ...expected(), ecx: 0 });
    expect(m.jit!.counters.repacks).to.equal(0);
    expect(m.jit!.counters.modulesCompiled, 'the first module, F\'s two').to.equal(3);
    expect(m.jit!.cache.moduleCount, 'the first module, for L and skip').to.equal(1);
    expect(first.filter((g) => g!.value === 1).length, 'its live copies').to.equal(2);
  });
});
