/** Shared fakes for device tests: a settable virtual clock and an IRQ sink that records every call. */
import type { Clock, IrqSink } from '../../runtime/irq.js';

export class FakeClock implements Clock {
  constructor(public ns = 0) {}
  nowNs(): number { return this.ns; }
  advance(ns: number): void { this.ns += ns; }
  set(ns: number): void { this.ns = ns; }
}

export interface IrqEvent { irq: number; level: boolean; ns: number }

export class RecordingIrqSink implements IrqSink {
  readonly levels: boolean[] = new Array(16).fill(false);
  readonly events: IrqEvent[] = [];
  constructor(private readonly clock?: Clock) {}
  setIrq(irq: number, level: boolean): void {
    this.levels[irq] = level;
    this.events.push({ irq, level, ns: this.clock?.nowNs() ?? 0 });
  }
  /** Rising edges seen on `irq`. */
  rises(irq: number): IrqEvent[] {
    const out: IrqEvent[] = [];
    let prev = false;
    for (const e of this.events) {
      if (e.irq !== irq) continue;
      if (e.level && !prev) out.push(e);
      prev = e.level;
    }
    return out;
  }
  clear(): void { this.events.length = 0; }
}
