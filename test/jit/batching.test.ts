/**
 * translator/jit/batching.ts: which queued hot blocks go to the compile
 * worker next: the hottest first, equally hot ones in queue order.
 */
import { expect } from 'chai';
import { nextBatch, type Queued } from '../../translator/jit/batching.js';

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
