/**
 * The translation-cache profiler (translator/jit/profile.ts, `jitvisor
 * profile`): its per-block figures add up to the loop's totals, and the
 * hottest block's count matches one computed independently from an
 * instruction trace of the interpreter; the reports render those figures.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { Machine } from '../../src/machine.js';
import { runSnippet } from '../../src/snippet.js';
import { Profiler } from '../../translator/jit/profiler.js';
import { buildProfile } from '../../src/report/profile-data.js';
import { profileText } from '../../src/report/profile-text.js';
import { profileHtml } from '../../src/report/profile-html.js';
import { ADC_LOOP } from '../helpers/adc-loop.js';
import { hexBytes } from '../helpers/asm.js';

const program = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(`../../../test/programs/${name}.bin`, import.meta.url)));

function profiled(code: Uint8Array, threshold: number, chain = false): { profiler: Profiler; machine: Machine; executed: number; compiled: number } {
  // Chaining off unless asked: exact per-block counts need one block per compiled run (profiler.ts).
  const machine = new Machine({ memoryMiB: 2, engine: 'jit', jit: { threshold, chain } });
  expect(machine.frontEnd.recycle, 'records reused before a profiler attaches').to.equal(true);
  const profiler = new Profiler(machine.cpu, machine.jit!);
  // It disassembles dead blocks after the run: their records must stay theirs.
  expect(machine.frontEnd.recycle, 'records reused once a profiler attached').to.equal(false);
  let executed = 0, compiled = 0;
  const run = machine.run.bind(machine);
  machine.run = (budget) => { const r = run(budget); executed += r.executed; compiled += r.compiled; return r; };
  const res = runSnippet({ code, engine: 'jit', machine });
  expect(res.stop).to.equal('hlt');
  expect(executed).to.equal(res.instructions);
  // Forget compiles still in flight (as a machine whose guest ended does): the compile worker is shared by
  // the process, and requests nobody will read keep it from idling (test/jit/cache.test.ts checks that).
  machine.jit!.release();
  return { profiler, machine, executed, compiled };
}

/** EIP before each instruction of a run, from the interpreter (a fresh run per prefix length: nothing shared with the profiler). */
function trace(code: Uint8Array, n: number): number[] {
  const eips = [0x1000];
  for (let k = 1; k <= n; k++) eips.push(runSnippet({ code, engine: 'interpreter', maxInstructions: k }).eip);
  return eips;
}

describe('profile: the translation-cache profiler', () => {
  for (const [threshold, chain] of [[0, false], [50, false], [0, true], [50, true]] as const) {
    it(`instructions by engine add up, per block and in all (threshold ${threshold}, chaining ${chain ? 'on' : 'off'})`, () => {
      let transfers = 0;
      for (const code of [ADC_LOOP, program('checksum'), program('sort')]) {
        const { profiler, machine, executed, compiled } = profiled(code, threshold, chain);
        machine.jit!.sliceEnd(); // (chained transfers are read from the state between slices)
        transfers += machine.jit!.counters.chained.n;
        const all = [...profiler.blocks.values()];
        expect(all.reduce((a, p) => a + p.insns, 0)).to.equal(executed);
        expect(all.reduce((a, p) => a + p.jitInsns, 0)).to.equal(compiled);
        for (const p of all) expect(p.jitInsns).to.be.at.most(p.insns);
        if (threshold === 0) expect(compiled).to.be.greaterThan(0.99 * executed);
      }
      // With chaining on, the chained path of the loop's hook ran (its totals are what the sums above check).
      if (chain && threshold === 0) expect(transfers).to.be.greaterThan(0);
      if (!chain) expect(transfers).to.equal(0);
    });
  }

  it('a #DE in the third block of a chain: totals add up with chaining on and off; exact per block with it off', () => {
    // test/jit/chain.test.ts FAULT_IN_C: blocks A (4), B (4), C (6) in a loop; the DIV, C's 4th instruction, faults in pass 20.
    const code = hexBytes('b932000000bf1400000031c031db83c301e81600000083c603e8120000004fb8e803000031d2f7f74975e3f483c505c383c400c3');
    for (const chain of [false, true]) {
      // Exact per block needs every kind of chaining off (as `jitvisor profile` runs): with one module per
      // block (threshold 0) direct transfers never join blocks, but cross-module slots would (chain.ts).
      const machine = new Machine({ memoryMiB: 2, engine: 'jit', jit: { threshold: 0, chain, ...(chain ? {} : { direct: false }) } });
      const profiler = new Profiler(machine.cpu, machine.jit!);
      let executed = 0, compiled = 0;
      const run = machine.run.bind(machine);
      machine.run = (budget) => { const r = run(budget); executed += r.executed; compiled += r.compiled; return r; };
      const res = runSnippet({ code, engine: 'jit', machine });
      expect(res.exception?.vector).to.equal(0);
      expect(executed).to.equal(4 + 19 * 14 + 4 + 4 + 3);
      const all = [...profiler.blocks.values()];
      expect(all.reduce((a, p) => a + p.insns, 0), `chaining ${chain}`).to.equal(executed);
      expect(all.reduce((a, p) => a + p.jitInsns, 0), `chaining ${chain}`).to.equal(compiled);
      expect(compiled).to.equal(executed); // every block compiled before it ran, the faulting one's 3 included
      if (!chain) {
        const c = all.find((p) => p.eip === 0x101e); // C: dec edi ... jnz L (A at 0x100e: 4 x 19, B at 0x1016: 4 x 20)
        expect(c, all.map((p) => `${p.eip.toString(16)}:${p.insns}/${p.entries}`).join(' ')).to.not.equal(undefined);
        expect([c!.insns, c!.entries]).to.deep.equal([19 * 6 + 3, 20]);
      }
    }
  });

  it('the hottest block\'s count matches an independent count from an interpreter trace', () => {
    const { profiler, executed } = profiled(ADC_LOOP, 0);
    const hot = profiler.hottest(1)[0]!;
    expect(hot.eip).to.equal(0x1009); // the loop, entered by its first taken JNZ
    // Independently: from the first time control jumps from the JNZ (0x1012) back to 0x1009
    // to the HLT (0x1021), every instruction ran in that block (it loops on itself inside wasm).
    const eips = trace(ADC_LOOP, executed);
    let first = -1;
    for (let k = 1; k < eips.length; k++) if (eips[k] === 0x1009 && eips[k - 1] === 0x1012) { first = k; break; }
    const hlt = eips.indexOf(0x1021);
    expect(first).to.be.greaterThan(0);
    expect(hot.insns).to.equal(hlt - first);
    expect(hot.insns).to.equal(399); // 99 passes of 4 + the 3 after the loop
    expect(hot.jitInsns).to.equal(hot.insns);
    expect(hot.entries).to.equal(1);
    // Under the interpreter threshold the same block is entered once per pass.
    const slow = profiled(ADC_LOOP, 50).profiler.hottest(1)[0]!;
    expect([slow.eip, slow.insns, slow.entries, slow.jitInsns]).to.deep.equal([0x1009, 399, 99, 0]);
  });

  it('the text and HTML reports show the figures (the page has no external assets)', () => {
    const { profiler, machine, executed, compiled } = profiled(program('checksum'), 0);
    const data = buildProfile({
      profiler, counters: machine.jit!.counters, frontEnd: machine.frontEnd.stats,
      guest: { kernel: 'checksum.bin', initrd: null, cmdline: '', memoryMiB: 2, cpu: 'pentium2', clock: 'deterministic', jitThreshold: 0 },
      end: 'hlt', instructions: executed, translated: compiled, wallMs: 1000, cpuMs: 1000,
      timeline: [{ ms: 0, instructions: 0, translated: 0 }, { ms: 500, instructions: executed >> 1, translated: compiled >> 1 }, { ms: 1000, instructions: executed, translated: compiled }],
      top: 5,
    });
    expect(data.run.translated + data.run.interpreted).to.equal(data.run.instructions);
    expect(data.cache.blocksCompiled).to.equal(machine.jit!.counters.blocksCompiled);
    expect(data.cache.compileUsPerBlock.bins.reduce((a, b) => a + b.count, 0)).to.equal(data.cache.blocksCompiled);
    expect(data.hottest).to.have.length(5);
    expect(data.hottest[0]!.disasm.length).to.equal(data.hottest[0]!.records);
    // The chaining and cache counters this JIT has are reported by name (not "not counted yet").
    expect(data.counters.exitsByReason).to.have.keys(['unlinked', 'impure', 'budget', 'dead', 'killed', 'loop-budget', 'flat-guard']);
    expect(data.counters).to.include.keys(['chainedTransfers', 'evictedBlocks', 'invalidatedBlocks', 'frontEndKills', 'frontEndLookups']);
    const text = profileText(data);
    expect(text).to.contain('chained transfers').and.not.contain('not counted');
    expect(text).to.contain(data.hottest[0]!.disasm[0]!.text);
    const html = profileHtml(data);
    expect(html.match(/<svg/g)).to.have.length(3);
    expect(html).to.not.match(/(src|href)\s*=|@import|url\(/i);
    expect(html).to.contain(data.hottest[0]!.disasm[0]!.text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'));
  });
});
