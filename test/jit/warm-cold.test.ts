/**
 * The compile worker's warm-up on cold code (JitOptions.warmCold; engine.ts
 * warmIdle, worker-client.ts sendWarmUp, worker.ts): a warm-up request is
 * emitted only when no real request waits, then dropped (no answer, not in
 * flight); a JIT whose worker idles with modules attached and no block hot
 * for warmQuiet instructions sends its cold blocks once, and the guest runs
 * the same with it as without.
 */
import { expect } from 'chai';
import { Machine } from '../../src/machine.js';
import { runSnippet } from '../../src/snippet.js';
import { CompileClient, workerStats } from '../../translator/jit/worker-client.js';
import { packBlocks } from '../../translator/jit/pack.js';
import type { EmitOptions } from '../../translator/jit/compile.js';
import { bigBlocks } from '../helpers/big-blocks.js';

const ORG = 0x1000;

/**
 * Cold code run once (forty blocks: `add eax, k; push next; ret`, each ended by its RET), then a loop
 * of ECX passes (`add eax, ecx; dec ecx; jnz`): its block goes hot and is compiled, then runs on with
 * nothing new going hot.
 */
function coldThenLoop(passes: number): Uint8Array {
  const code: number[] = [];
  for (let i = 0; i < 40; i++) {
    const next = ORG + 9 * (i + 1);
    code.push(0x83, 0xc0, i & 0x7f, 0x68, next & 0xff, (next >>> 8) & 0xff, (next >>> 16) & 0xff, next >>> 24, 0xc3);
  }
  code.push(0xb9, passes & 0xff, (passes >>> 8) & 0xff, (passes >>> 16) & 0xff, 0); // mov ecx, passes
  code.push(0x01, 0xc8, 0x49, 0x75, 0xfb); // L: add eax, ecx; dec ecx; jnz L
  code.push(0xf4);
  return new Uint8Array(code);
}

describe('warm-up of the compile worker on cold code (JitOptions.warmCold)', () => {
  it('the worker emits warm-up requests after the real ones waiting, and answers only the real ones', () => {
    const blocks = bigBlocks();
    expect(blocks.length).to.be.at.least(2);
    const opts: EmitOptions = { firstId: 0, regs: false, flatMask: 0 };
    const client = new CompileClient();
    const before = workerStats()?.warmBlocks ?? 0;
    // The first request is being emitted (or all wait for a worker still loading binaryen) when the
    // warm-ups and the second arrive: the second must be emitted before any warm-up (arrival order
    // would put four warm-ups first).
    const first = client.send(packBlocks(blocks), opts);
    for (let i = 0; i < 4; i++) client.sendWarmUp(packBlocks(blocks.slice(0, 1)), opts);
    const second = client.send(packBlocks(blocks.slice(-1)), opts);
    expect(client.inFlight).to.equal(2);
    const a = client.wait(), b = client.wait();
    // undefined only when the worker died under the wait (worker-client.ts restarts): a failure here.
    if (a === undefined || b === undefined) throw new Error('the compile worker died under the wait');
    expect([a.id, b.id]).to.deep.equal([first, second]);
    expect(a.error).to.equal(undefined);
    expect(b.warmBlocks! - before).to.equal(0);
    expect(client.inFlight).to.equal(0);
    // Then the warm-ups, with no answer: the worker's count says they were emitted.
    const after = workerStats()?.warmBlocks ?? 0;
    expect(after - before).to.equal(4);
    expect(client.poll()).to.equal(undefined);
    client.close();
  });

  it('a JIT with modules attached and nothing hot for warmQuiet sends its cold blocks once; the run is the same', () => {
    const passes = 200_000;
    const run = (jit: object): { eax: number; warm: number; blocks: number; compiled: number } => {
      const m = new Machine({ memoryMiB: 2, engine: 'jit', jit: { threshold: 16, maxWaitMs: 0, ...jit } });
      // Slices: the JIT's slice ends attach modules and look for the idle worker.
      const r = runSnippet({ engine: 'jit', machine: m, code: coldThenLoop(passes), org: ORG, slice: 20_000 });
      expect(r.stop).to.equal('hlt');
      const c = m.jit!.counters;
      return { eax: r.regs.eax, warm: c.warmRequests, blocks: c.warmBlocks, compiled: c.blocksCompiled };
    };
    const off = run({});
    const on = run({ warmCold: 64, warmQuiet: 100_000 });
    expect(off.warm).to.equal(0);
    expect(on.warm).to.be.at.least(1);
    // The forty cold blocks (and the code before the loop), not the compiled loop.
    expect(on.blocks).to.be.at.least(40);
    expect(on.eax).to.equal(off.eax);
    // Nothing of the warm-up is attached: compiled blocks are the real batches' only.
    expect(on.compiled).to.equal(off.compiled);
    // Once per worker: a second JIT on the same worker sends none.
    expect(run({ warmCold: 64, warmQuiet: 100_000 }).warm).to.equal(0);
  });
});
