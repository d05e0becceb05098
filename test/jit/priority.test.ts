/**
 * The compile worker's priority lane (translator/jit/worker.ts, engine.ts
 * waiting()): a request sent with `priority` is compiled before this
 * client's ordinary requests that were still waiting in the worker, so a
 * loop that goes hot behind two requests in flight waits for one compile,
 * not two.
 */
import { expect } from 'chai';
import { CompileClient } from '../../translator/jit/worker-client.js';
import { packBlocks } from '../../translator/jit/pack.js';
import type { EmitOptions } from '../../translator/jit/compile.js';
import { bigBlocks } from '../helpers/big-blocks.js';

describe('the compile worker takes a priority request before the ordinary ones waiting', () => {
  it('replies to the priority request before the ordinary one sent before it', () => {
    const blocks = bigBlocks();
    expect(blocks.length).to.be.at.least(2);
    const opts: EmitOptions = { firstId: 0, regs: false, flatMask: 0 };
    const client = new CompileClient();
    // Sent back to back: the first is compiling when the other two arrive, or (a worker still loading
    // binaryen) all three wait together and the priority request goes first of all. Either way the
    // ordinary request sent before the priority one must come after it; arrival order fails this.
    const first = client.send(packBlocks(blocks), opts);
    const ordinary = client.send(packBlocks(blocks), opts);
    const urgent = client.send(packBlocks(blocks.slice(-1)), opts, true);
    const order: number[] = [];
    while (order.length < 3) {
      const r = client.wait()!;
      expect(r.error).to.equal(undefined);
      order.push(r.id);
    }
    client.close();
    expect([...order].sort((a, b) => a - b)).to.deep.equal([first, ordinary, urgent].sort((a, b) => a - b));
    expect(order.indexOf(urgent)).to.be.below(order.indexOf(ordinary));
  });
});
