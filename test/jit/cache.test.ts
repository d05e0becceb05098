/**
 * The translation cache under a stream of fresh code: test/programs/freshcode
 * writes 768 distinct functions into an 8 KiB code buffer (each slot
 * rewritten three times) and calls each four times. Run with small bounds,
 * the decoded blocks (front end) and the compiled code (JIT) must stay under
 * them at every slice boundary, eviction and invalidation must both happen,
 * and the program's result and instruction count must be exactly those of
 * the algorithm (computed here; qemu-i386 running the same bytes agrees).
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runSnippet, type SnippetResult } from '../../src/snippet.js';
import { Machine } from '../../src/machine.js';
import { TEST_ENGINES } from '../helpers/engines.js';
import { IDLE_MS } from '../../translator/jit/worker-client.js';

const BIN = fileURLToPath(new URL('../../../test/programs/freshcode.bin', import.meta.url));
const code = (): Uint8Array => new Uint8Array(readFileSync(BIN));

const SLOTS = 256, PASSES = 3, CALLS = 4, RES = 0x10000;
/** The program's loop: 17 instructions writing the function, CALLS x (call + 6 + dec + jnz), inc/cmp/jb; 4 before, 4 after. */
const INSTRUCTIONS = 4 + SLOTS * PASSES * (17 + CALLS * 9 + 3) + 4;

/** What freshcode computes: EBX, ECX. */
function expected(): [number, number] {
  let ebx = 0, ecx = 0, esi = 0x2545f491;
  for (let k = 0; k < SLOTS * PASSES; k++) {
    esi = (Math.imul(esi, 1103515245) + 12345) | 0;
    let eax = (esi + k) | 0;
    const n = k & 31;
    if (n) eax = (eax << n) | (eax >>> (32 - n));
    for (let c = 0; c < CALLS; c++) { ebx = (ebx + eax) | 0; ecx ^= ebx; }
  }
  return [ebx >>> 0, ecx >>> 0];
}

interface Peaks { records: number; modules: number; compiled: number }

function run(m: Machine, each?: (m: Machine) => void): { r: SnippetResult; peak: Peaks } {
  const peak: Peaks = { records: 0, modules: 0, compiled: 0 };
  const r = runSnippet({
    machine: m, code: code(), slice: 2000,
    onSlice: (mm) => {
      each?.(mm);
      // What the next slice starts with: the front end's bound is applied here (Machine.run does the same).
      mm.frontEnd.maintain();
      peak.records = Math.max(peak.records, mm.frontEnd.stats.liveRecords);
      if (mm.jit) {
        peak.modules = Math.max(peak.modules, mm.jit.cache.moduleCount);
        peak.compiled = Math.max(peak.compiled, mm.jit.cache.blockCount);
      }
    },
  });
  return { r, peak };
}

function checkResult(r: SnippetResult): void {
  const [ebx, ecx] = expected();
  expect(r.stop, r.exception ? `${r.exception.name} at ${r.exception.eip.toString(16)}` : r.stop).to.equal('hlt');
  expect([r.regs.ebx, r.regs.ecx]).to.deep.equal([ebx, ecx]);
  expect(Buffer.from(r.readMemory(RES, 8)).toString('hex')).to.equal(
    Buffer.from(new Uint32Array([ebx, ecx]).buffer).toString('hex'));
  expect(r.instructions).to.equal(INSTRUCTIONS);
}

describe('freshcode: the expectation computed here matches qemu-i386 running the program', () => {
  it('EBX, ECX', () => {
    // qemu-i386-static test/programs native-run freshcode.bin: ebx=74f83650 ecx=0438b758
    expect(expected()).to.deep.equal([0x74f83650, 0x0438b758]);
  });
});

for (const engine of TEST_ENGINES) {
  describe(`translation cache bounds under fresh code [${engine}]`, () => {
    it('decoded blocks and compiled code stay under their bounds; the result is right', function () {
      this.timeout(600_000);
      const MAX_RECORDS = 512, MAX_MODULES = 24, MAX_BLOCKS = 40;
      // Threshold 0: each block is compiled (alone: one module each) before it first runs.
      const m = new Machine({
        memoryMiB: 2, engine, frontEnd: { maxRecords: MAX_RECORDS },
        jit: { threshold: 0, limits: { maxModules: MAX_MODULES, maxBlocks: MAX_BLOCKS } },
      });
      const { r, peak } = run(m);
      checkResult(r);
      const fe = m.frontEnd.stats;
      expect(peak.records).to.be.at.most(MAX_RECORDS);
      expect(fe.evicted, 'blocks evicted by the bound').to.be.above(0);
      expect(fe.evictions).to.be.above(0);
      // The code buffer holds 3 passes x 256 functions: blocks far above the bound were decoded.
      expect(fe.blocksDecoded).to.be.above(SLOTS * PASSES);
      if (m.jit) {
        const c = m.jit.counters;
        expect(peak.modules).to.be.at.most(MAX_MODULES);
        expect(peak.compiled).to.be.at.most(MAX_BLOCKS);
        expect(c.evictedModules, 'modules evicted by the compiled-code bound').to.be.above(0);
        expect(c.blocksCompiled).to.be.above(SLOTS * PASSES);
        expect(r.instructions).to.equal(INSTRUCTIONS);
        // Leave nothing in flight: the worker is shared by the machines of this process, and the
        // tests below check when it may idle (whether this run ends with a batch out depends on
        // which blocks its eviction passes kept).
        m.jit.flush();
      }
    });

    it('without a tight bound, rewritten slots are invalidated as SMC', () => {
      const m = new Machine({ memoryMiB: 2, engine, jit: { threshold: 0 } });
      const { r } = run(m);
      checkResult(r);
      // Each slot is rewritten twice after running: the old function's block dies each time.
      expect(m.frontEnd.stats.killedSmc).to.be.at.least(SLOTS * (PASSES - 1));
      expect(m.frontEnd.stats.evicted).to.equal(0);
    });
  });
}

describe('translation cache: compiling in the worker thread', () => {
  it('hot fresh code compiles in the worker, is attached between slices, and is evicted under the bound', function () {
    this.timeout(600_000);
    const MAX_MODULES = 3, MAX_BLOCKS = 64;
    const m = new Machine({
      memoryMiB: 2, engine: 'jit', frontEnd: { maxRecords: 1024 },
      jit: { threshold: 2, batch: 8, limits: { maxModules: MAX_MODULES, maxBlocks: MAX_BLOCKS } },
    });
    // Wait for the worker at every slice end, so the test sees compiled code whatever the host's speed.
    const { r, peak } = run(m, (mm) => mm.jit!.drain());
    checkResult(r);
    m.jit!.flush();
    const c = m.jit!.counters;
    expect(c.batchesSent).to.be.above(MAX_MODULES);
    expect(c.modulesCompiled).to.equal(c.batchesSent);
    expect(c.workerFailure).to.equal(null);
    expect(c.evictedModules).to.be.above(0);
    expect(peak.modules).to.be.at.most(MAX_MODULES);
    expect(peak.compiled).to.be.at.most(MAX_BLOCKS);
    expect(r.instructions).to.equal(INSTRUCTIONS);
  });

  it('the same program without waiting for the worker ends in the same state', () => {
    const m = new Machine({ memoryMiB: 2, engine: 'jit', jit: { threshold: 2, batch: 8 } });
    checkResult(run(m).r);
    m.jit!.flush(); // leave nothing in flight: the worker is shared by the machines of this process
  });

  it('a machine that ends with compiles in flight does not keep the shared worker from idling', function () {
    this.timeout(600_000);
    const m = new Machine({ memoryMiB: 2, engine: 'jit', jit: { threshold: 2, batch: 8 } });
    let checked = false;
    // At the first slice end with compiles in flight (what a guest that powers off mid-compile leaves):
    // they hold the worker, until the JIT is released (Machine calls release() when its guest ends).
    const r = run(m, (mm) => {
      const jit = mm.jit!;
      if (checked || jit.compilesInFlight === 0) return;
      checked = true;
      expect(jit.idleWorker(performance.now() + IDLE_MS + 1), 'idle with compiles in flight').to.equal(false);
      jit.release();
      expect(jit.compilesInFlight).to.equal(0);
      expect(jit.idleWorker(performance.now() + IDLE_MS + 1), 'idle after the release').to.equal(true);
    }).r;
    expect(checked, 'a slice ended with compiles in flight').to.equal(true);
    checkResult(r);
    m.jit!.flush();
  });

  it('an idle worker is ended and a new one starts for the next compile', function () {
    this.timeout(600_000);
    const m = new Machine({ memoryMiB: 2, engine: 'jit', jit: { threshold: 2, batch: 8 } });
    checkResult(run(m, (mm) => mm.jit!.drain()).r);
    const jit = m.jit!;
    jit.flush();
    expect(jit.idleWorker(performance.now()), 'not idle long enough yet').to.equal(false);
    expect(jit.idleWorker(performance.now() + IDLE_MS + 1)).to.equal(true);
    const before = jit.counters.modulesCompiled;
    checkResult(run(m, (mm) => mm.jit!.drain()).r);
    jit.flush();
    expect(jit.counters.modulesCompiled).to.be.above(before);
    expect(jit.counters.workerFailure).to.equal(null);
    expect(jit.counters.workerStops).to.equal(1);
  });
});
