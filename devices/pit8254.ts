/**
 * The 8254 programmable interval timer at 0x40-0x43 (counters 0-2 and the
 * control word register), clocked at 1.193182 MHz. Counter 0's OUT drives
 * IRQ0; counter 1 is the legacy DRAM-refresh timer (unused); counter 2's
 * GATE and OUT are wired to port 0x61 (devices/port61.ts).
 *
 * Follows the Intel 8254 datasheet (order no. 231164): "Mode Definitions"
 * for modes 0-5 (when the count is loaded, when OUT changes, how GATE acts),
 * "Counter Latch Command", "Read-Back Command" and its status byte (OUT,
 * NULL COUNT, the programmed mode), "Read Operations" (lsb/msb toggling).
 *
 * Counting is computed, not simulated (devices/pit-counter.ts). Times come
 * from the Clock (virtual ns), converted to ticks as
 * floor(ns * 1193182 / 1e9). Counter 0's OUT edges are delivered to the IRQ
 * line by update(nowNs) at the times nextEventNs() announces: rising edges
 * in every mode, and the falling edges of mode 3 (in modes 2/4/5 the
 * one-clock low pulse is presented as a low-high pair at the rising edge).
 */
import type { Clock, IrqSink } from '../runtime/irq.js';
import { BytePortDevice } from './byte-ports.js';
import { PitCounter } from './pit-counter.js';
import { nsToTicks, ticksToNs, type TimedDevice } from './timing.js';
import { StateReader, type SavedState } from './device-state.js';

export { PitCounter } from './pit-counter.js';

export const PIT_HZ = 1193182;

export interface Pit8254Options {
  clock: Clock;
  irq: IrqSink;
  /** The IRQ line counter 0 drives (0 on a PC). */
  irqLine?: number;
}

/** The 8254 with counter 0 on IRQ0. */
export class Pit8254 extends BytePortDevice implements TimedDevice {
  protected readonly portRanges = [[0x40, 4]] as const;
  readonly counters = [new PitCounter(), new PitCounter(), new PitCounter()];
  private readonly clock: Clock;
  private readonly irq: IrqSink;
  private readonly irqLine: number;
  /** Level last driven on the IRQ line, and the tick counter 0 was last brought up to. */
  private line = false;
  private lastTick = 0;

  constructor(opts: Pit8254Options) {
    super();
    this.clock = opts.clock;
    this.irq = opts.irq;
    this.irqLine = opts.irqLine ?? 0;
    this.lastTick = nsToTicks(this.clock.nowNs(), PIT_HZ);
    // Power-on: mode 3, no count (OUT high); the BIOS or the kernel programs it.
    this.line = this.counters[0].out(this.lastTick);
    if (this.line) this.irq.setIrq(this.irqLine, true);
  }

  /**
   * Program the counters as a PC BIOS leaves them (counter 0: mode 3,
   * 65536 -> 18.2 Hz; counter 1: mode 2, 18 -> 15 us refresh), for machines
   * that start a guest without a BIOS.
   */
  biosDefaults(): void {
    this.write(0x43, 1, 0x36); this.write(0x40, 1, 0); this.write(0x40, 1, 0);
    this.write(0x43, 1, 0x54); this.write(0x41, 1, 18);
  }

  private now(): number {
    return nsToTicks(this.clock.nowNs(), PIT_HZ);
  }

  // ---- snapshots (devices/device-state.ts) ----

  static readonly STATE_VERSION = 1;

  saveState(): SavedState {
    return { v: Pit8254.STATE_VERSION, counters: this.counters.map((c) => c.saveState()), line: this.line, lastTick: this.lastTick };
  }

  /** Restore a saveState() result (the IRQ line's level is the PIC's to restore). */
  loadState(state: unknown): void {
    const r = new StateReader(state, 'PIT', Pit8254.STATE_VERSION);
    const cs = r.list('counters', 3);
    this.counters.forEach((c, i) => c.loadState(cs[i], `PIT counter ${i}`));
    this.line = r.bool('line');
    this.lastTick = r.int('lastTick', 0, Number.MAX_SAFE_INTEGER);
  }

  // ---- TimedDevice ----

  nextEventNs(): number {
    const c = this.counters[0];
    let t = c.nextRise(this.lastTick);
    if (c.mode === 3) t = Math.min(t, c.nextFall(this.lastTick));
    return t === Infinity ? Infinity : ticksToNs(t, PIT_HZ);
  }

  update(nowNs: number): void {
    this.sync(nsToTicks(nowNs, PIT_HZ));
  }

  /** Deliver counter 0's OUT edges up to tick t to the IRQ line. */
  private sync(t: number): void {
    if (t < this.lastTick) return;
    const c = this.counters[0];
    const rise = c.nextRise(this.lastTick);
    c.normalize(t);
    if (rise <= t) {
      // A rising edge happened: present it (even if OUT has since fallen
      // again in a late update; the next event lowers the line).
      if (this.line) this.irq.setIrq(this.irqLine, false);
      this.irq.setIrq(this.irqLine, true);
      this.line = true;
    } else {
      this.drive(c.out(t));
    }
    this.lastTick = t;
  }

  private drive(level: boolean): void {
    if (level !== this.line) {
      this.line = level;
      this.irq.setIrq(this.irqLine, level);
    }
  }

  // ---- wiring for port 0x61 ----

  setGate(counter: number, level: boolean): void {
    const t = this.now();
    if (counter === 0) this.sync(t);
    this.counters[counter].setGate(level, t);
    if (counter === 0) this.drive(this.counters[0].out(t));
  }

  getGate(counter: number): boolean {
    return this.counters[counter].gate;
  }

  /** The OUT level of a counter now. */
  outLevel(counter: number): boolean {
    const t = this.now();
    const c = this.counters[counter];
    c.normalize(t);
    return c.out(t);
  }

  // ---- ports ----

  protected readByte(port: number): number {
    const n = port - 0x40;
    if (n < 0 || n > 2) return 0xff; // the control word register is write-only
    const t = this.now();
    if (n === 0) this.sync(t);
    return this.counters[n].readPort(t);
  }

  protected writeByte(port: number, v: number): void {
    const t = this.now();
    this.sync(t);
    const n = port - 0x40;
    if (n >= 0 && n <= 2) {
      this.counters[n].writePort(v, t);
    } else if (n === 3) {
      const sc = v >> 6;
      if (sc === 3) {
        // Read-back: bit 5 = /COUNT, bit 4 = /STATUS, bits 1-3 select counters 0-2.
        for (let i = 0; i < 3; i++) {
          if (!(v & (2 << i))) continue;
          if (!(v & 0x20)) this.counters[i].latchCount(t);
          if (!(v & 0x10)) this.counters[i].latchStatus(t);
        }
      } else if ((v & 0x30) === 0) {
        this.counters[sc].latchCount(t);
      } else {
        this.counters[sc].control(v, t);
      }
    }
    const c = this.counters[0];
    c.normalize(t);
    this.drive(c.out(t));
    this.lastTick = t;
  }
}
