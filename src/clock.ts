/**
 * The machine's virtual clock. Devices read it (runtime/irq.ts Clock) and
 * the TSC is derived from it, so the TSC, the PIT and the RTC all agree on
 * one time line in both modes.
 *
 * - deterministic: virtual time is retired instructions x NS_PER_INSTRUCTION,
 *   plus the time skipped while the CPU halts (jumping straight to the next
 *   device event). A run is exactly repeatable and interrupts land on the
 *   same instruction whatever the engine.
 * - realtime: virtual time also advances with retired instructions, at a
 *   rate (ns per instruction) that resync() re-fits between run slices so
 *   that virtual time follows host time. It never goes backwards and never
 *   jumps while the CPU runs; it catches up with host time by a jump only
 *   while the CPU is halted (idle), and then no further than the next device
 *   event, so a host that oversleeps delays timer interrupts but loses none
 *   (Linux's PIT clocksource counts jiffies x LATCH: a lost tick is a skew
 *   its clocksource watchdog holds against the TSC). Only a lag of more than
 *   MAX_LAG_NS (the host stalled) is dropped in one jump. For interactive use.
 *
 * Why not read the host clock directly: whatever the host does between two
 * guest instructions (a slice boundary, garbage collection, another process
 * on the core) would show up as time that passed inside the guest's code.
 * Linux calibrates the TSC against the PIT with tight polling loops
 * (arch/x86/kernel/tsc.c: quick_pit_calibrate() wants every MSB step of
 * PIT counter 2 bracketed within 500 ppm; pit_calibrate_tsc() rejects a run
 * where one loop iteration took 10x the shortest), so a host hiccup there
 * fails calibration ("Fast TSC calibration failed", "Unable to calibrate
 * against PIT", "Marking TSC unstable", cpu MHz 0.000). Here a loop
 * iteration always costs the same virtual time within a slice, and the rate
 * changes by at most MAX_RATE_STEP between slices.
 */
import type { Clock } from '../runtime/irq.js';
import type { Cpu } from '../runtime/cpu.js';

export type ClockMode = 'realtime' | 'deterministic';
export const CLOCK_MODES: readonly ClockMode[] = ['realtime', 'deterministic'];

/** Virtual nanoseconds per retired instruction in deterministic mode (a 1 GHz, 1-IPC CPU). */
export const NS_PER_INSTRUCTION = 1;

/** Realtime: the rate before the first measurement (about an interpreter's speed). */
const INITIAL_NS_PER_INSN = 20;
/** Realtime: the rate changes by at most this factor from one slice to the next. */
export const MAX_RATE_STEP = 1.5;
/** Realtime: how fast a lag or lead on host time is worked off: the rate is corrected by lag / CATCHUP_NS. */
const CATCHUP_NS = 20e6;
/** Realtime: a lag on host time beyond this (the host stalled) is dropped by a jump rather than caught up. */
export const MAX_LAG_NS = 1e9;
/** Realtime: the rate is re-fitted only from slices at least this long (shorter ones are mostly overhead). */
const MIN_SAMPLE_NS = 200e3;
/**
 * Realtime: a sample whose slices averaged fewer instructions than this measures the slices' own host
 * overhead (the loop, device updates, the block decoded afresh where a budget ended mid-block) more
 * than the guest's speed. Fitted in, that overhead fed itself: a higher rate makes the budget to the
 * next device event smaller, so more of a slice is overhead, so the rate goes higher. In realtime boots
 * (session 12) serial output late in the boot (an event every 87 us) drove the rate to 0.2-0.6 ms per
 * instruction, slices of ~1 instruction each decoding a ~200-instruction block: 4-15 M instructions
 * decoded instead of ~1 M, 5-25 s of front-end eviction; an idle guest with its PIT periodic fitted
 * 130-440 ns (docs/jit-plan.md, idle11). Such a sample bounds the guest's time per instruction from
 * above, so it may lower the rate, not raise it (dropped altogether, a high rate stayed stuck where
 * close events kept budgets small: a guest saw 70 s pass during its early kernel init).
 */
export const MIN_SAMPLE_INSNS_PER_SLICE = 5_000;
const MIN_RATE = 0.01, MAX_RATE = 1e6;

export const CLOCK_STATE_VERSION = 1;
/** A clock as a snapshot keeps it (VirtualClock.save). */
export interface ClockState {
  v: number;
  /** The mode it ran in when saved (informational: a restore may choose another). */
  mode: ClockMode;
  /** Virtual time, ns since the machine started. */
  nowNs: number;
  /** Realtime: the fitted ns per instruction (deterministic: the fixed rate). */
  nsPerInstruction: number;
}

export interface VirtualClockOptions {
  /** Host monotonic time in ms (default performance.now); tests substitute their own. */
  hostNowMs?: () => number;
}

export class VirtualClock implements Clock {
  private readonly hostNowMs: () => number;
  private t0: number;
  private skippedNs = 0;
  /** Realtime: virtual time = anchorNs + (retired instructions - anchorInsns) x nsPerInsn. */
  private anchorNs = 0;
  private anchorInsns = 0;
  private rate = INITIAL_NS_PER_INSN;
  /** Realtime: host time and retired instructions at the last resync. */
  private lastHostNs = 0;
  private lastInsns = 0;
  /** Realtime: slices in the current sample (since lastHostNs / lastInsns). */
  private sampleSlices = 0;

  constructor(readonly mode: ClockMode, private readonly cpu: Cpu, opts: VirtualClockOptions = {}) {
    this.hostNowMs = opts.hostNowMs ?? (() => performance.now());
    this.t0 = this.hostNowMs();
    this.anchorInsns = this.lastInsns = cpu.icountNumber();
    this.publish();
  }

  /**
   * Give the CPU the TSC's time line (Cpu.setTscLine: the state block, which
   * compiled RDTSC reads too): the TSC ticks at 1 GHz of virtual time, i.e.
   * at(insns) below, written as floor(base + (insns - anchor) * rate) so that
   * both engines compute exactly the same f64 operations. Called whenever
   * the anchor, rate or skipped time change (never while the CPU runs a slice).
   */
  private publish(): void {
    if (this.mode === 'deterministic') this.cpu.setTscLine(this.skippedNs, 0, NS_PER_INSTRUCTION);
    else this.cpu.setTscLine(this.anchorNs, this.anchorInsns, this.rate);
  }

  /** Virtual ns one instruction takes now (1 in deterministic mode). */
  get nsPerInstruction(): number {
    return this.mode === 'deterministic' ? NS_PER_INSTRUCTION : this.rate;
  }

  nowNs(): number {
    return this.at(this.cpu.icountNumber());
  }

  /** Virtual time once `insns` instructions have retired (no later than the next resync). */
  private at(insns: number): number {
    if (this.mode === 'deterministic') return insns * NS_PER_INSTRUCTION + this.skippedNs;
    return Math.floor(this.anchorNs + (insns - this.anchorInsns) * this.rate);
  }

  /** Host time since the clock started, in ns. */
  hostNs(): number {
    return (this.hostNowMs() - this.t0) * 1e6;
  }

  /** Deterministic mode: let virtual time jump forward to `ns` (the CPU is halted until then). */
  skipTo(ns: number): void {
    if (this.mode !== 'deterministic') return;
    const now = this.nowNs();
    if (ns > now) this.skippedNs += Math.ceil(ns - now);
    this.publish();
  }

  /**
   * Realtime, between run slices: re-anchor at the current virtual time and
   * fit the rate to the host speed measured over the last slice, corrected
   * towards host time. `halted`: the CPU is idle, so virtual time may jump
   * forward towards host time, up to `nextEventNs` (the next device event,
   * which must be delivered before time goes past it).
   */
  resync(halted: boolean, nextEventNs = Infinity): void {
    if (this.mode !== 'realtime') return;
    const insns = this.cpu.icountNumber();
    const host = this.hostNs();
    // A CPU reset zeroes the counter: start a new anchor without moving time.
    const now = insns >= this.anchorInsns ? this.at(insns) : this.anchorNs;
    this.anchorNs = now;
    this.anchorInsns = insns;
    let lag = host - now;
    if (lag > MAX_LAG_NS) {
      this.anchorNs = Math.floor(host);
      lag = 0;
    } else if (lag > 0 && halted) {
      const to = Math.floor(Math.min(host, Math.max(now, nextEventNs)));
      this.anchorNs = to;
      lag = host - to;
    }
    const ran = insns - this.lastInsns, took = host - this.lastHostNs;
    if (halted || ran <= 0) {
      // Idle time says nothing about the CPU's speed: start a new sample.
      this.lastHostNs = host;
      this.lastInsns = insns;
      this.sampleSlices = 0;
      this.publish();
      return;
    }
    this.sampleSlices++;
    if (took < MIN_SAMPLE_NS) { this.publish(); return; } // too short to measure: let the sample grow
    // Slices of a few instructions measure mostly their own overhead: an upper bound of the guest's
    // time per instruction, so such a sample may lower the rate but not raise it.
    const overheadBound = ran < this.sampleSlices * MIN_SAMPLE_INSNS_PER_SLICE;
    this.sampleSlices = 0;
    const measured = took / ran;
    const target = measured * Math.max(0.5, Math.min(2, 1 + lag / CATCHUP_NS));
    const lo = this.rate / MAX_RATE_STEP, hi = overheadBound ? this.rate : this.rate * MAX_RATE_STEP;
    this.rate = Math.min(MAX_RATE, Math.max(MIN_RATE, Math.min(hi, Math.max(lo, target))));
    this.lastHostNs = host;
    this.lastInsns = insns;
    this.publish();
  }

  // ---- snapshots, pause ----

  /**
   * What a snapshot keeps of the clock: the virtual time now (the
   * instruction count is in the CPU's state) and the realtime rate. Host
   * time is not saved: a restored or resumed clock runs on from this
   * virtual time.
   */
  save(): ClockState {
    return { v: CLOCK_STATE_VERSION, mode: this.mode, nowNs: this.nowNs(), nsPerInstruction: this.nsPerInstruction };
  }

  /**
   * Continue the time line of a saved clock (after the CPU state, with its
   * instruction count, is restored): virtual time now is the saved time, in
   * either mode whatever the mode it was saved in (a deterministic snapshot
   * may be resumed in realtime and the other way round).
   */
  load(state: ClockState): void {
    const insns = this.cpu.icountNumber();
    if (this.mode === 'deterministic') {
      this.skippedNs = state.nowNs - insns * NS_PER_INSTRUCTION;
      this.publish();
      return;
    }
    if (state.mode === 'realtime') this.rate = Math.min(MAX_RATE, Math.max(MIN_RATE, state.nsPerInstruction));
    this.anchorNs = state.nowNs;
    this.anchorInsns = insns;
    this.rebase();
  }

  /**
   * Realtime: make host time agree with virtual time now, so time spent
   * with the machine stopped (paused, or saved in a file) is not seen by the
   * guest as a lag to catch up (as QEMU's virtual clock stops while a VM is
   * stopped). Deterministic: nothing to do.
   */
  rebase(): void {
    if (this.mode !== 'realtime') return;
    const insns = this.cpu.icountNumber();
    const now = insns >= this.anchorInsns ? this.at(insns) : this.anchorNs;
    this.anchorNs = now;
    this.anchorInsns = insns;
    this.t0 = this.hostNowMs() - now / 1e6;
    this.lastHostNs = this.hostNs();
    this.lastInsns = insns;
    this.sampleSlices = 0;
    this.publish();
  }

  /** The TSC ticks at 1 GHz of virtual time; `pending`: instructions of the current block already run. */
  tsc(pending = 0): bigint {
    return BigInt(this.at(this.cpu.icountNumber() + pending));
  }
}
