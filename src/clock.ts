/**
 * The machine's virtual clock. Devices read it (runtime/irq.ts Clock) and
 * the TSC is derived from it, so everything agrees on one time line.
 *
 * - realtime: virtual time is host monotonic time since the machine started;
 *   HLT sleeps until the next device event. For interactive use.
 * - deterministic: virtual time is retired instructions x NS_PER_INSTRUCTION,
 *   plus the time skipped while the CPU halts (jumping straight to the next
 *   device event). A run is exactly repeatable and interrupts land on the
 *   same instruction whatever the engine.
 */
import type { Clock } from '../runtime/irq.js';
import type { Cpu } from '../runtime/cpu.js';

export type ClockMode = 'realtime' | 'deterministic';
export const CLOCK_MODES: readonly ClockMode[] = ['realtime', 'deterministic'];

/** Virtual nanoseconds per retired instruction in deterministic mode (a 1 GHz, 1-IPC CPU). */
export const NS_PER_INSTRUCTION = 1;

export class VirtualClock implements Clock {
  private readonly t0 = performance.now();
  private skippedNs = 0;

  constructor(readonly mode: ClockMode, private readonly cpu: Cpu) {}

  nowNs(): number {
    if (this.mode === 'deterministic') return this.cpu.icountNumber() * NS_PER_INSTRUCTION + this.skippedNs;
    return Math.floor((performance.now() - this.t0) * 1e6);
  }

  /** Deterministic mode: let virtual time jump forward to `ns` (the CPU is halted until then). */
  skipTo(ns: number): void {
    if (this.mode !== 'deterministic') return;
    const now = this.nowNs();
    if (ns > now) this.skippedNs += Math.ceil(ns - now);
  }

  /** The TSC ticks at 1 GHz of virtual time. */
  tsc(): bigint {
    return BigInt(this.nowNs());
  }
}
