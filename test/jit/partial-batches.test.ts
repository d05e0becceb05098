/**
 * Partial batches sent at a slice's end (translator/jit/engine.ts sliceEnd):
 * at most one per PARTIAL_EVERY_INSNS (2 M) retired instructions, however
 * often slices end. The realtime clock ends a slice at every timer tick
 * (every 4 ms of host time, however slowly the guest runs); sent as soon as
 * they were MAX_WAIT_MS old there, partial batches made a realtime boot
 * compile 480-725 modules where the deterministic clock's 2 M-instruction
 * slices made ~220 of the same ~7,000 blocks.
 *
 * Host time is faked (performance.now, as the JIT reads it) so that every
 * slice end finds its partial batch MAX_WAIT_MS old; between slices the test
 * waits (in real time) until the worker has answered, so that it always has
 * room: what is sent depends only on the rule under test.
 */
import { expect } from 'chai';
import { Machine } from '../../src/machine.js';
import { MAX_WAIT_MS } from '../../translator/jit/engine.js';

const CHUNKS = 40, RUNS = 30, THRESHOLD = 10;

/** Real mode at 0x1000: CHUNKS times { mov ecx, RUNS; L: dec ecx; jnz L }, then hlt. Each L goes hot, alone. */
function program(): Uint8Array {
  const code: number[] = [];
  for (let k = 0; k < CHUNKS; k++) code.push(0x66, 0xb9, RUNS, 0, 0, 0, 0x66, 0x49, 0x75, 0xfc);
  code.push(0xf4);
  return new Uint8Array(code);
}
/** Instructions per chunk: the mov, then RUNS passes of dec + jnz. */
const CHUNK_INSNS = 1 + 2 * RUNS;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('partial batches sent at slice ends: at most one per 2 M instructions [jit]', function () {
  this.timeout(120_000);

  it('a slice per hot block, each finding its batch MAX_WAIT_MS old, sends one partial batch, not one per slice', async () => {
    // Batches of 64: each L (hot at its 10th run, 20 runs more, far from the loop's WAIT_SEND polls) is a partial batch.
    const m = new Machine({ memoryMiB: 2, engine: 'jit', jit: { threshold: THRESHOLD } });
    const cpu = m.cpu, jit = m.jit!;
    for (let i = 0; i < 6; i++) cpu.setSegReal(i, 0);
    cpu.r32[4] = 0x8000;
    cpu.eip = 0x1000;
    cpu.phys.load(0x1000, program());
    const inFlight = (jit as unknown as { inFlight: Map<number, unknown> }).inFlight;
    const realNow = performance.now.bind(performance);
    let fake = realNow();
    performance.now = () => fake;
    try {
      for (let k = 0; k < CHUNKS; k++) {
        fake += MAX_WAIT_MS + 5;
        const r = m.run(CHUNK_INSNS); // one chunk per slice: its L goes hot in it
        expect(r.executed).to.equal(CHUNK_INSNS);
        // Let the worker answer whatever was sent, so it has room at the next slice's end.
        for (let t = 0; inFlight.size > 0; t++) {
          if (t > 20_000) throw new Error('the compile worker did not answer');
          await sleep(1);
          jit.sliceEnd();
        }
      }
    } finally {
      performance.now = realNow;
    }
    expect(m.run(10).reason).to.equal('hlt');
    const c = jit.counters;
    // The first slice end with a queued block sends it; the others (all within 2 M instructions of it) wait.
    expect(c.batchesSent, `${c.batchesSent} batches for ${CHUNKS} hot blocks`).to.equal(1);
  });
});
