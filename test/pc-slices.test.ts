/**
 * Where Pc.step's run slices end. A realtime slice's budget only
 * approximates the next device event (the clock's rate is a fit), so the
 * slice ends at the end of the block the budget ends in: a stop mid-block
 * made the next slice resume at an address no block starts at, and the front
 * end decoded a block for that tail (~63,000 of them in a realtime boot of the
 * default guest, which thrashed the front-end cache). Deterministic slices
 * and a caller's instruction limit stay exact.
 */
import { expect } from 'chai';
import { Pc } from '../src/pc.js';
import { CLOCK_MODES } from '../src/clock.js';
import { TEST_ENGINES } from './helpers/engines.js';

const LOOP = 0x1013;
/**
 * Real mode at 0x1000: PIT counter 0 in mode 2 with a period of 100 ticks (84 us: a device event every
 * few thousand instructions), every IRQ masked, cli, then a loop whose block is 7 instructions
 * (6 x `inc ax`, `jmp` back), so that most budgets end inside it.
 */
const PROGRAM = new Uint8Array([
  0xb0, 0x34, 0xe6, 0x43, // mov al, 0x34; out 0x43, al
  0xb0, 100, 0xe6, 0x40, // mov al, 100; out 0x40, al
  0xb0, 0x00, 0xe6, 0x40, // mov al, 0; out 0x40, al
  0xb0, 0xff, 0xe6, 0x21, // mov al, 0xff; out 0x21, al
  0xfa, // cli
  0x66, 0x40, // (0x1011: padding) inc eax
  0x40, 0x40, 0x40, 0x40, 0x40, 0x40, // LOOP: inc ax x 6
  0xeb, 0xf8, // jmp LOOP
]);

function boot(engine: (typeof TEST_ENGINES)[number], clock: (typeof CLOCK_MODES)[number]): Pc {
  const pc = new Pc({ memoryMiB: 2, engine, clock });
  const cpu = pc.cpu;
  for (let i = 0; i < 6; i++) cpu.setSegReal(i, 0);
  cpu.r32[4] = 0x8000;
  cpu.eip = 0x1000;
  cpu.phys.load(0x1000, PROGRAM);
  return pc;
}

describe('Pc.step: where run slices end', function () {
  this.timeout(120_000);
  for (const engine of TEST_ENGINES) {
    it(`${engine}, realtime clock: at a block's end, so no block is decoded for a tail`, () => {
      const pc = boot(engine, 'realtime');
      const midBlock: number[] = [];
      for (let steps = 0; steps < 300; steps++) {
        expect(pc.step()).to.equal(0);
        if (steps >= 2 && pc.cpu.eip !== LOOP) midBlock.push(pc.cpu.eip);
      }
      expect(pc.executed, 'instructions run (300 slices, a loop block or more each)').to.be.greaterThan(2_000);
      expect(midBlock.length, `slices ended mid-block at ${midBlock.slice(0, 5).map((e) => e.toString(16))}`).to.equal(0);
      // No block starts inside the loop.
      const fe = pc.machine.frontEnd;
      expect(fe.peek(LOOP, false), 'the loop\'s block').to.not.equal(undefined);
      for (let a = LOOP + 1; a < LOOP + 8; a++) expect(fe.peek(a, false), `a block at ${a.toString(16)}`).to.equal(undefined);
    });

    it(`${engine}, deterministic clock: exactly on the device event, mid-block or not`, () => {
      const pc = boot(engine, 'deterministic');
      const ends = new Set<number>();
      for (let steps = 0; steps < 300; steps++) {
        expect(pc.step()).to.equal(0);
        ends.add(pc.cpu.eip);
        // The slice ran to the event (devices see it at the next step's update).
        if (steps >= 2) expect(pc.clock.nowNs(), `slice ${steps}`).to.equal(Math.ceil(pc.devices.nextEventNs()));
      }
      expect(ends.size, 'slices end at several points of the loop').to.be.greaterThan(1);
    });

    for (const clock of CLOCK_MODES) {
      for (const limit of [12_345, 50_001]) {
        it(`${engine}, ${clock} clock: an instruction limit (${limit}) is exact`, async () => {
          const pc = boot(engine, clock);
          expect(await pc.run(limit)).to.deep.equal({ kind: 'limit' });
          expect(pc.executed).to.equal(limit);
          expect(pc.cpu.icountNumber()).to.equal(limit);
        });
      }
    }
  }
});
