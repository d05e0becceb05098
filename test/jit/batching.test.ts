/**
 * translator/jit/batching.ts: which queued hot blocks go to the compile
 * worker next. Hottest first; loops (runs since hot >= loopRuns) alone in a
 * small module when more follows.
 */
import { expect } from 'chai';
import { LOOP_BATCH, nextBatch, type Queued } from '../../translator/jit/batching.js';

const HOT = 50, BATCH = 64, MAX = 256, LOOP = 1024;

const q = (...hits: number[]): (Queued & { id: number })[] => hits.map((h, id) => ({ hits: h, id }));

describe('the compile worker\'s next batch (translator/jit/batching.ts)', () => {
  it('sends the hottest blocks first, up to the most a module takes', () => {
    const queue = q(...Array.from({ length: 300 }, (_, i) => HOT + (i * 7) % 300));
    const { n, loops } = nextBatch(queue, HOT, BATCH, MAX, LOOP);
    expect(loops).to.equal(false);
    expect(n).to.equal(MAX);
    for (let i = 1; i < queue.length; i++) expect(queue[i - 1]!.hits).to.be.at.least(queue[i]!.hits);
  });

  it('keeps the queue order among equally hot blocks (a stable sort: blocks hot together stay together)', () => {
    const queue = q(HOT, HOT, HOT, HOT);
    expect(nextBatch(queue, HOT, BATCH, MAX, LOOP)).to.deep.equal({ n: 4, loops: false });
    expect(queue.map((b) => b.id)).to.deep.equal([0, 1, 2, 3]);
  });

  it('sends loops alone ahead of a backlog of at least a batch', () => {
    const queue = q(...Array.from({ length: BATCH }, () => HOT + 3), HOT + LOOP + 5, HOT + 2 * LOOP);
    const { n, loops } = nextBatch(queue, HOT, BATCH, MAX, LOOP);
    expect(loops).to.equal(true);
    expect(n).to.equal(2);
    expect(queue.slice(0, 2).map((b) => b.id)).to.deep.equal([BATCH + 1, BATCH]);
  });

  it('sends a few loops with a smaller backlog together with it', () => {
    const queue = q(HOT + 1, HOT + LOOP, ...Array.from({ length: BATCH - 2 }, () => HOT + 2));
    expect(nextBatch(queue, HOT, BATCH, MAX, LOOP)).to.deep.equal({ n: BATCH, loops: false });
  });

  it('splits many loops: the hottest LOOP_BATCH first', () => {
    const queue = q(...Array.from({ length: 58 }, (_, i) => HOT + LOOP + i));
    const { n, loops } = nextBatch(queue, HOT, BATCH, MAX, LOOP);
    expect(loops).to.equal(true);
    expect(n).to.equal(LOOP_BATCH);
    expect(queue[0]!.id).to.equal(57);
    expect(queue[LOOP_BATCH - 1]!.id).to.equal(58 - LOOP_BATCH);
  });
});
