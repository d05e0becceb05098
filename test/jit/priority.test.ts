/**
 * The compile worker's priority lane (translator/jit/worker.ts, engine.ts
 * waiting()): a request sent with `priority` is compiled before this
 * client's ordinary requests that were still waiting in the worker, so a
 * loop that goes hot behind two requests in flight waits for one compile,
 * not two.
 */
import { expect } from 'chai';
import { Machine } from '../../src/machine.js';
import { runSnippet } from '../../src/snippet.js';
import { CompileClient } from '../../translator/jit/worker-client.js';
import { packBlocks } from '../../translator/jit/pack.js';
import type { Block } from '../../runtime/records.js';
import type { EmitOptions } from '../../translator/jit/compile.js';

/** 300 x (add eax, imm32; jz +0), hlt: three blocks of up to 256 records (slow enough to compile that requests queue). */
function bigBlocks(): Block[] {
  const code: number[] = [];
  for (let i = 0; i < 300; i++) code.push(0x05, i & 0xff, 1, 0, 0, 0x74, 0x00);
  code.push(0xf4);
  const m = new Machine({ memoryMiB: 2, engine: 'jit', jit: { threshold: 0 } });
  const got: Block[] = [];
  m.jit!.onCompiled = (blocks) => { got.push(...blocks); };
  const r = runSnippet({ engine: 'jit', machine: m, code: new Uint8Array(code) });
  expect(r.stop).to.equal('hlt');
  return got;
}

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
