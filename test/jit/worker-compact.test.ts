/**
 * JitOptions.workerCompact: the compile worker follows its periodic
 * collection (every 16 modules it sends, worker.ts GC_EVERY) with a
 * compacting one, so its old space gives back the pages its compiles left
 * sparse (docs/jit-plan.md "Memory", eleventh pass). The worker counts those
 * collections (WorkerStats.compactions); the guest's results are the
 * interpreter's either way.
 *
 *   24 x (mov ecx, 10; L: inc eax; dec ecx; jnz L)   ; 24 self-loops, one after the other
 *   hlt
 * With batch 1 each loop, hot at its second round, is a module of its own:
 * 24 modules or more, one periodic collection or more.
 */
import { expect } from 'chai';
import { runSnippet } from '../../src/snippet.js';
import { Machine } from '../../src/machine.js';
import { hexBytes } from '../helpers/asm.js';
import { why } from '../helpers/transfer-programs.js';
import { workerStats } from '../../translator/jit/worker-client.js';

const ROUNDS = 10;
const LOOPS = 24;
const CODE = `b9${ROUNDS.toString(16).padStart(2, '0')}000000404975fc`.repeat(LOOPS) + 'f4';
const INSNS = LOOPS * (1 + ROUNDS * 3) + 1;

function compactionsAfter(workerCompact: boolean, workerGcEvery?: number): { compactions: number; modules: number } {
  const before = workerStats()?.compactions ?? 0;
  const m = new Machine({ memoryMiB: 2, engine: 'jit', jit: { threshold: 2, batch: 1, sync: true, workerCompact, ...(workerGcEvery === undefined ? {} : { workerGcEvery }) } });
  const r = runSnippet({ engine: 'jit', machine: m, code: hexBytes(CODE), slice: 50 });
  expect(r.stop, why(r)).to.equal('hlt');
  expect(r.instructions).to.equal(INSNS);
  expect(r.regs.eax).to.equal(ROUNDS * LOOPS);
  const after = workerStats()?.compactions ?? 0;
  return { compactions: after - before, modules: m.jit!.counters.modulesCompiled };
}

describe('the compile worker\'s compacting collections (JitOptions.workerCompact)', () => {
  it('off: none; on: one or more once 16 modules were sent, same results', () => {
    const off = compactionsAfter(false);
    expect(off.modules, 'modules compiled (off)').to.be.at.least(17);
    expect(off.compactions).to.equal(0);
    const on = compactionsAfter(true);
    expect(on.modules, 'modules compiled (on)').to.be.at.least(17);
    expect(on.compactions).to.be.at.least(1);
    expect(on.compactions, 'every 16 modules').to.be.at.most(Math.ceil(on.modules / 16));
  });

  it('workerGcEvery sets the period: every 4 modules', () => {
    const on = compactionsAfter(true, 4);
    expect(on.modules).to.be.at.least(17);
    expect(on.compactions).to.be.at.least(Math.floor(on.modules / 4));
  });
});
