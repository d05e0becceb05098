/**
 * The realtime virtual clock: advances with retired instructions, re-fits its
 * rate to host time between slices without jumps or reversals, catches up by
 * a jump only while the CPU is halted, and drives the TSC and the PIT alike.
 */
import { expect } from 'chai';
import { Cpu } from '../../runtime/cpu.js';
import { VirtualClock, MAX_RATE_STEP, MIN_SAMPLE_INSNS_PER_SLICE, NS_PER_INSTRUCTION } from '../../src/clock.js';
import { Pit8254, PIT_HZ } from '../../devices/pit8254.js';
import { nsToTicks } from '../../devices/timing.js';

function setup(mode: 'realtime' | 'deterministic' = 'realtime') {
  const cpu = new Cpu(1 << 20);
  const host = { ms: 1000 };
  const clock = new VirtualClock(mode, cpu, { hostNowMs: () => host.ms });
  // The clock publishes its time line to the CPU (Cpu.setTscLine): the TSC both engines read.
  /** One run slice: `insns` instructions taking `ms` of host time, then the resync between slices. */
  const slice = (insns: number, ms: number, halted = false) => {
    cpu.addIcount(insns);
    host.ms += ms;
    clock.resync(halted);
  };
  return { cpu, host, clock, slice };
}

describe('VirtualClock', () => {
  it('deterministic: 1 ns per retired instruction, host time ignored', () => {
    const { cpu, host, clock } = setup('deterministic');
    cpu.addIcount(12345);
    host.ms += 999;
    clock.resync(false);
    expect(clock.nowNs()).to.equal(12345 * NS_PER_INSTRUCTION);
    expect(clock.tsc(5)).to.equal(12350n);
    expect(cpu.readTsc(5)).to.equal(12350n);
  });

  it('the CPU\'s TSC (the published time line) is the clock\'s at every point, skips and resyncs included', () => {
    for (const mode of ['deterministic', 'realtime'] as const) {
      const { cpu, clock, slice } = setup(mode);
      for (let i = 0; i < 50; i++) {
        slice(1000 + 37 * i, 0.013 * (i % 7), i % 5 === 0);
        if (i % 9 === 0) clock.skipTo(clock.nowNs() + 12345.5);
        for (const pending of [0, 3, 17]) expect(cpu.readTsc(pending), `${mode} slice ${i} pending ${pending}`).to.equal(clock.tsc(pending));
      }
    }
  });

  it('realtime: within a slice time moves with instructions only, not with the host clock', () => {
    const { cpu, host, clock, slice } = setup();
    for (let i = 0; i < 20; i++) slice(100_000, 2); // 20 ns per instruction
    const t0 = clock.nowNs(), rate = clock.nsPerInstruction;
    expect(rate).to.be.closeTo(20, 2);
    host.ms += 50; // the host stalls mid-slice: invisible until the next resync
    expect(clock.nowNs()).to.equal(t0);
    cpu.addIcount(1000);
    expect(clock.nowNs() - t0).to.be.closeTo(1000 * rate, 1);
  });

  it('realtime: a host stall changes the rate by at most MAX_RATE_STEP per slice, never jumps or goes back', () => {
    const { cpu, host, clock, slice } = setup();
    for (let i = 0; i < 20; i++) slice(100_000, 2);
    let prevRate = clock.nsPerInstruction, prevNow = clock.nowNs();
    for (let i = 0; i < 40; i++) {
      // A 30 ms stall in slice 5, otherwise steady.
      cpu.addIcount(100_000);
      const before = clock.nowNs();
      host.ms += i === 5 ? 32 : 2;
      clock.resync(false);
      expect(clock.nowNs(), 'no jump at the resync').to.equal(before);
      expect(clock.nowNs()).to.be.at.least(prevNow);
      const r = clock.nsPerInstruction;
      expect(r / prevRate).to.be.within(1 / MAX_RATE_STEP - 1e-9, MAX_RATE_STEP + 1e-9);
      prevRate = r;
      prevNow = clock.nowNs();
    }
    // ...and it has caught up with host time since.
    const hostNs = (host.ms - 1000) * 1e6;
    expect(Math.abs(clock.nowNs() - hostNs)).to.be.below(2e6);
  });

  it('realtime: follows host time over a long run at a changing host speed', () => {
    const { host, clock, slice } = setup();
    for (let i = 0; i < 300; i++) slice(100_000, i < 150 ? 1 : 5); // 10 ns/insn, then 50
    const hostNs = (host.ms - 1000) * 1e6;
    expect(Math.abs(clock.nowNs() - hostNs) / hostNs).to.be.below(0.01);
    expect(clock.nsPerInstruction).to.be.closeTo(50, 5);
  });

  it('realtime: slices of a few instructions each (their host overhead) do not drive the rate up', () => {
    const { host, clock, slice } = setup();
    for (let i = 0; i < 20; i++) slice(100_000, 0.5); // 5 ns per instruction
    const rate = clock.nsPerInstruction;
    expect(rate).to.be.closeTo(5, 0.5);
    // Budgets to a close device event: 10 instructions a slice, each slice costing 0.2 ms of host overhead
    // (20,000 ns "per instruction"). Fitted in, the rate would climb 1.5x a slice to that (and the budgets,
    // time to the event / rate, would shrink further).
    for (let i = 0; i < 200; i++) slice(10, 0.2);
    expect(clock.nsPerInstruction).to.equal(rate);
    // Slices of normal length fit it again.
    for (let i = 0; i < 20; i++) slice(2 * MIN_SAMPLE_INSNS_PER_SLICE, 0.1);
    expect(clock.nsPerInstruction).to.be.greaterThan(rate);
    expect(Math.abs(clock.nowNs() - (host.ms - 1000) * 1e6)).to.be.below(45e6);
  });

  it('realtime: slices of a few instructions may still lower a rate that is too high', () => {
    const { clock, slice } = setup();
    for (let i = 0; i < 20; i++) slice(100_000, 50); // 500 ns per instruction (a slow phase)
    const rate = clock.nsPerInstruction;
    expect(rate).to.be.above(200);
    // The guest got fast, but a close device event keeps budgets small: 100 instructions in 0.01 ms a slice.
    for (let i = 0; i < 100; i++) slice(100, 0.01);
    expect(clock.nsPerInstruction).to.be.below(rate / 2);
  });

  it('realtime: catches up with host time by a jump while the CPU is halted', () => {
    const { host, clock, slice } = setup();
    for (let i = 0; i < 10; i++) slice(100_000, 2);
    slice(0, 300, true); // idle for 300 ms
    expect(clock.nowNs()).to.be.closeTo((host.ms - 1000) * 1e6, 1);
  });

  it('realtime: the PIT and the TSC count the same time across host stalls', () => {
    const { cpu, host, clock, slice } = setup();
    const pit = new Pit8254({ clock, irq: { setIrq: () => {} } });
    // Counter 2, mode 2 with the full count: read it through a latch, like a calibration loop does.
    pit.write(0x43, 1, 0xb4); pit.write(0x42, 1, 0); pit.write(0x42, 1, 0);
    pit.setGate(2, true);
    const read = () => { pit.write(0x43, 1, 0x80); return pit.read(0x42, 1) | (pit.read(0x42, 1) << 8); };
    let lastTsc = cpu.readTsc(), lastCount = read(), tscSum = 0, pitSum = 0;
    for (let i = 0; i < 200; i++) {
      if (i % 10 === 9) { host.ms += 20; clock.resync(false); } // stalls between slices
      else slice(3000, 0.06);
      const tsc = cpu.readTsc(), count = read();
      const dTsc = Number(tsc - lastTsc), dPit = (lastCount - count + 0x10000) % 0x10000;
      // Each interval: PIT ticks = TSC ns x 1.193182 MHz, to one tick.
      expect(Math.abs(dPit - nsToTicks(dTsc, PIT_HZ)), `${i}: ${dTsc} ns, ${dPit} ticks`).to.be.at.most(1);
      tscSum += dTsc; pitSum += dPit;
      lastTsc = tsc; lastCount = count;
    }
    expect(pitSum / (tscSum * PIT_HZ / 1e9)).to.be.closeTo(1, 0.001);
  });
});
