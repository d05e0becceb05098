/**
 * Guest time on a Pc in both clock modes, seen by guest programs. Linux's
 * PIT-based TSC calibrations (calibrate.asm, transcribed from
 * arch/x86/kernel/tsc.c) must succeed and find the TSC's 1 GHz, and a guest
 * idling on HLT must get every timer tick (ticks.asm), also when the host
 * clock is made jittery (stalls and oversleeping, as garbage collection or a
 * busy host cause): virtual time must not show it.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Pc } from '../../src/pc.js';
import type { ClockMode } from '../../src/clock.js';

const PIT_HZ = 1193182;

interface Calibration {
  /** pit_calibrate_tsc */
  slowTicks: number; pitcnt: number; tscmin: number; tscmax: number;
  /** quick_pit_calibrate */
  quickStatus: number; quickSteps: number; quickDelta: number; quickError: number;
}

/**
 * Run a real-mode guest program (org 0x1000) on a Pc to its final HLT with
 * interrupts off, and return a reader of its result dwords. `stallEvery`:
 * every that many reads of the host clock (performance.now, as the machine
 * reads it), the host "stalls" for `stallMs` (the reading jumps ahead).
 */
function runGuest(bin: string, clock: ClockMode, stallEvery = 0, stallMs = 0): (addr: number) => number {
  const realNow = performance.now.bind(performance);
  let reads = 0, offset = 0;
  const jittery = () => {
    if (stallEvery > 0 && ++reads % stallEvery === 0) offset += stallMs;
    return realNow() + offset;
  };
  const saved = performance.now;
  // Patch the global clock (not a clock option): this is the host time the machine reads whatever its design.
  if (stallEvery > 0) performance.now = jittery;
  try {
    const pc = new Pc({ memoryMiB: 16, clock });
    const cpu = pc.cpu;
    for (let i = 0; i < 6; i++) cpu.setSegReal(i, 0);
    cpu.r32[4] = 0x8000;
    cpu.eip = 0x1000;
    cpu.phys.load(0x1000, new Uint8Array(readFileSync(fileURLToPath(new URL(`../../../test/clock/${bin}`, import.meta.url)))));
    // Steps that would sleep (the CPU idles) just come round again: host time passes anyway.
    for (let steps = 0; ; steps++) {
      if (steps > 1e7) throw new Error(`${bin} did not finish`);
      if (pc.step() < 0) break;
    }
    expect(pc.exitReason).to.deep.equal({ kind: 'halted' });
    return (a: number) => cpu.phys.read32(a) >>> 0;
  } finally {
    performance.now = saved;
  }
}

function calibrate(clock: ClockMode, stallEvery = 0, stallMs = 0): Calibration {
  const d = runGuest('calibrate.bin', clock, stallEvery, stallMs);
  return {
    slowTicks: d(0x600), pitcnt: d(0x604), tscmin: d(0x608), tscmax: d(0x60c),
    quickStatus: d(0x620), quickSteps: d(0x624), quickDelta: d(0x628), quickError: d(0x62c),
  };
}

/** What Linux concludes, in kHz (0 = calibration failed), as tsc.c computes it. */
function slowKhz(c: Calibration): number {
  if (c.pitcnt < 1000 || c.tscmax > 10 * c.tscmin) return 0;
  return Math.floor(c.slowTicks / 10);
}
function quickKhz(c: Calibration): number {
  if (c.quickStatus !== 0) return 0;
  return Math.floor((c.quickDelta * PIT_HZ) / (c.quickSteps * 256 * 1000));
}

describe('Linux TSC calibration against the PIT (calibrate.asm)', function () {
  this.timeout(120_000);
  for (const [label, clock, stallEvery, stallMs] of [
    ['deterministic', 'deterministic', 0, 0],
    ['realtime', 'realtime', 0, 0],
    ['realtime, host stalling 2 ms every 7 clock reads', 'realtime', 7, 2],
  ] as const) {
    it(`succeeds and finds 1 GHz: ${label}`, () => {
      const c = calibrate(clock, stallEvery, stallMs);
      const info = JSON.stringify(c);
      // pit_calibrate_tsc: enough polls, no poll 10x slower than the fastest, 10 ms of TSC ticks.
      expect(c.pitcnt, info).to.be.at.least(1000);
      expect(c.tscmax, info).to.be.at.most(10 * c.tscmin);
      expect(slowKhz(c), info).to.be.closeTo(1_000_000, 1_000);
      // quick_pit_calibrate: within 500 ppm, bracketed by exact MSB steps.
      expect(c.quickStatus, info).to.equal(0);
      expect(quickKhz(c), info).to.be.closeTo(1_000_000, 1_000);
    });
  }
});

describe('timer ticks while the guest idles (ticks.asm)', function () {
  this.timeout(120_000);
  const LATCH = Math.floor((PIT_HZ + 125) / 250);
  for (const [label, clock, stallEvery, stallMs] of [
    ['deterministic', 'deterministic', 0, 0],
    ['realtime', 'realtime', 0, 0],
    ['realtime, host oversleeping 30 ms every 5 clock reads', 'realtime', 5, 30],
  ] as const) {
    it(`every PIT period raises its IRQ0, none lost: ${label}`, () => {
      const d = runGuest('ticks.bin', clock, stallEvery, stallMs);
      expect(d(0x600)).to.equal(100);
      // 99 periods of LATCH PIT ticks between the first and the 100th tick, in TSC ns.
      const expected = (99 * LATCH * 1e9) / PIT_HZ;
      expect((d(0x608) - d(0x604)) >>> 0).to.be.closeTo(expected, expected * 0.001);
    });
  }
});
