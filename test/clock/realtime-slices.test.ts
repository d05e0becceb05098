/**
 * How long the realtime clock's run slices are (src/pc.ts realtimeSlice).
 * They are sized in virtual time, so once the clock's rate says the guest
 * runs fast (compiled code: ~1 ns per instruction) a slice is millions of
 * instructions, as in deterministic mode, not the 100,000 a slow
 * interpreter's 2 ms holds: every slice costs a return to the run loop, a
 * block interpreted up to the budget and the slice-end work. Host time is a
 * fake one that advances 1 ns per retired instruction, so the fitted rate,
 * and the slices, do not depend on the host's speed or load.
 */
import { expect } from 'chai';
import { Pc, realtimeSlice } from '../../src/pc.js';
import { TEST_ENGINES } from '../helpers/engines.js';

/** Real mode at 0x1000: cli; mov ecx, n; l: dec ecx; jnz l; hlt (interrupts off: the run ends halted). */
function countdown(n: number): Uint8Array {
  return new Uint8Array([0xfa, 0x66, 0xb9, n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24, 0x66, 0x49, 0x75, 0xfc, 0xf4]);
}

describe('realtime run slices (src/pc.ts realtimeSlice)', function () {
  this.timeout(120_000);

  it('holds about 2 ms of virtual time, within 100,000 and 2,000,000 instructions', () => {
    expect(realtimeSlice(20)).to.equal(100_000);
    expect(realtimeSlice(1000)).to.equal(100_000);
    expect(realtimeSlice(2)).to.equal(1_000_000);
    expect(realtimeSlice(1)).to.equal(2_000_000);
    expect(realtimeSlice(0.01)).to.equal(2_000_000);
  });

  for (const engine of TEST_ENGINES) {
    it(`a guest running at 1 ns per instruction gets slices of millions of instructions: ${engine}`, () => {
      const ITERATIONS = 10_000_000;
      let pc: Pc | null = null;
      // Host time: 1 ns per retired instruction (a guest as fast as the deterministic clock's 1 GHz).
      pc = new Pc({ memoryMiB: 16, clock: 'realtime', engine, hostNowMs: () => (pc === null ? 0 : pc.cpu.icountNumber() / 1e6) });
      const cpu = pc.cpu;
      for (let i = 0; i < 6; i++) cpu.setSegReal(i, 0);
      cpu.r32[4] = 0x8000;
      cpu.eip = 0x1000;
      cpu.phys.load(0x1000, countdown(ITERATIONS));
      const budgets: number[] = [];
      const run = pc.machine.run.bind(pc.machine);
      pc.machine.run = (budget: number) => { budgets.push(budget); return run(budget); };
      for (let steps = 0; ; steps++) {
        if (steps > 1e6) throw new Error('the countdown did not finish');
        if (pc.step() < 0) break;
      }
      expect(pc.exitReason).to.deep.equal({ kind: 'halted' });
      const executed = 2 * ITERATIONS + 3;
      expect(cpu.icountNumber()).to.equal(executed);
      const info = `${budgets.length} slices, rate ${pc.clock.nsPerInstruction}: ${budgets.slice(0, 30).join(' ')}`;
      // The rate starts at 20 ns (an interpreter's) and is fitted down to ~1 within a few slices; a fixed
      // 100,000-instruction slice would take 200 slices here.
      expect(pc.clock.nsPerInstruction, info).to.be.within(0.5, 2);
      expect(budgets.length, info).to.be.below(40);
      expect(Math.max(...budgets), info).to.be.at.least(1_000_000);
    });
  }
});
