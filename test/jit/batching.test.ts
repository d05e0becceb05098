/**
 * translator/jit/batching.ts: which queued hot blocks go to the compile
 * worker next: the hottest first, equally hot ones in queue order.
 */
import { expect } from 'chai';
import { nextBatch, partialDue, type PartialQueue, type PartialRule, type Queued } from '../../translator/jit/batching.js';

const HOT = 50, MAX = 256;
const q = (...hits: number[]): (Queued & { id: number })[] => hits.map((h, id) => ({ hits: h, id }));

describe('the compile worker\'s next batch (translator/jit/batching.ts)', () => {
  it('sends the hottest blocks first, up to the most a module takes', () => {
    const queue = q(...Array.from({ length: 300 }, (_, i) => HOT + (i * 7) % 300));
    expect(nextBatch(queue, MAX)).to.equal(MAX);
    for (let i = 1; i < queue.length; i++) expect(queue[i - 1]!.hits).to.be.at.least(queue[i]!.hits);
  });

  it('puts a loop queued last ahead of a backlog of blocks run once', () => {
    const queue = q(...Array.from({ length: 400 }, () => HOT), HOT + 5000);
    expect(nextBatch(queue, MAX)).to.equal(MAX);
    expect(queue[0]!.id).to.equal(400);
  });

  it('keeps the queue order among equally hot blocks (a stable sort: blocks hot together stay together)', () => {
    const queue = q(HOT, HOT, HOT, HOT);
    expect(nextBatch(queue, MAX)).to.equal(4);
    expect(queue.map((b) => b.id)).to.deep.equal([0, 1, 2, 3]);
  });
});

describe('when a partial batch goes to the compile worker (translator/jit/batching.ts partialDue)', () => {
  const rule = (policy: PartialRule['policy']): PartialRule => ({ policy, maxWaitMs: 20, room: 2, workMin: 65_536, capMs: 200 });
  const q = (over: Partial<PartialQueue>): PartialQueue => ({ queued: 8, waitedMs: 25, inFlight: 1, work: 0, ...over });

  it('never before the oldest block waited maxWaitMs, nor with nothing queued, under any policy', () => {
    for (const p of ['busy', 'work'] as const) {
      expect(partialDue(q({ waitedMs: 19, inFlight: 0, work: 1e9 }), rule(p))).to.equal(false);
      expect(partialDue(q({ queued: 0, waitedMs: 1e4, inFlight: 0, work: 1e9 }), rule(p))).to.equal(false);
    }
  });

  it("'busy' (sessions 1-15) sends a few blocks run a few times each as soon as the worker has room", () => {
    expect(partialDue(q({}), rule('busy'))).to.equal(true);
    expect(partialDue(q({ inFlight: 2 }), rule('busy'))).to.equal(false);
  });

  it("'work' holds blocks that ran little since they went hot (a trickle on a loaded host) until they ran workMin or waited capMs", () => {
    // A realtime slice end 25 ms after the first of 8 blocks went hot, each run 20 more times (10 instructions a run).
    expect(partialDue(q({ work: 8 * 20 * 10 }), rule('work'))).to.equal(false);
    expect(partialDue(q({ work: 65_536 }), rule('work'))).to.equal(true);
    expect(partialDue(q({ work: 1600, waitedMs: 200 }), rule('work'))).to.equal(true);
    // The worker's room still bounds it.
    expect(partialDue(q({ work: 1e9, waitedMs: 1e4, inFlight: 2 }), rule('work'))).to.equal(false);
  });
});
