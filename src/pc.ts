/**
 * A PC around the CPU: the ISA devices a Linux kernel needs on an APIC-less
 * machine (8259A PIC pair, 8254 PIT + port 0x61, CMOS/RTC, 16550A UART on
 * COM1, i8042, port 0x92 / 0x80 / 0xE9, PCI config mechanism #1 with an
 * i440FX host bridge and PIIX3), a virtual clock, and the run loop that
 * interleaves the CPU with device time. The direct-kernel-boot loader is in
 * guests/boot/linux.ts.
 */
import { SlicePacer } from './pacing.js';
import { Machine, type EngineName, type MachineOptions } from './machine.js';
import type { CpuModelName } from '../runtime/cpu-model.js';
import { VirtualClock, type ClockMode } from './clock.js';
import { LegacyPc } from '../devices/legacy-pc.js';
import { loadLinux, type LinuxBootInfo } from '../guests/boot/linux.js';
import type { Unhandled } from '../runtime/interrupts.js';
import { IF } from '../runtime/state/eflags.js';
import { fpuOf } from '../runtime/fpu/state.js';

export interface PcOptions {
  memoryMiB?: number;
  engine?: EngineName;
  /** Processor model (runtime/cpu-model.ts), default pentium2. */
  cpu?: CpuModelName;
  clock?: ClockMode;
  /** JIT tiering and cache bounds (engine 'jit'), the front end's cache bound: benchmarks vary them;
   *  `jitvisor compare --lockstep` compiles every block before it first runs, with chaining off. */
  jit?: MachineOptions['jit'];
  frontEnd?: MachineOptions['frontEnd'];
  /** Bytes the guest writes to COM1. */
  onSerialOutput?: (byte: number) => void;
  /** Bytes the guest writes to the 0xE9 debug console. */
  onDebugOutput?: (byte: number) => void;
}

/** How a guest run ended. */
export type PcExit =
  | { kind: 'halted' }                              // HLT with interrupts disabled: powered off / halted for good
  | { kind: 'reset'; source: string }               // the guest asked for a reset (reboot)
  | { kind: 'triple-fault'; detail: Unhandled }     // the CPU shut down
  | { kind: 'stopped' }                             // the user (or a test) stopped it
  | { kind: 'limit' };                              // instruction budget used up

/** The RTC's time at power-on in deterministic mode: 2026-01-01T00:00:00Z. */
export const DETERMINISTIC_EPOCH_MS = Date.UTC(2026, 0, 1);

/**
 * Longest realtime slice (~1-5 ms on the interpreter): the clock re-fits its
 * rate to host time between slices, and host input is seen between them.
 */
const REALTIME_SLICE = 100_000;
/** Longest deterministic slice, so input and stop requests are seen. */
const MAX_SLICE = 2_000_000;

export class Pc {
  readonly machine: Machine;
  readonly clock: VirtualClock;
  /** The ISA/PCI device set (devices/legacy-pc.ts). */
  readonly devices: LegacyPc;
  private exit: PcExit | null = null;
  private readonly pacer = new SlicePacer();

  constructor(readonly opts: PcOptions = {}) {
    this.machine = new Machine({ memoryMiB: opts.memoryMiB ?? 128, engine: opts.engine ?? 'interpreter', cpu: opts.cpu, jit: opts.jit, frontEnd: opts.frontEnd });
    const cpu = this.machine.cpu;
    this.clock = new VirtualClock(opts.clock ?? 'realtime', cpu);
    this.devices = new LegacyPc({
      bus: cpu.io,
      clock: this.clock,
      ramBytes: cpu.phys.ramSize,
      onSerialOut: (b) => this.opts.onSerialOutput?.(b),
      onDebugOut: (b) => this.opts.onDebugOutput?.(b),
      onReset: (source) => this.requestExit({ kind: 'reset', source }),
      // Deterministic runs start the RTC at a fixed date so they are repeatable; realtime uses the host's.
      ...(this.clock.mode === 'deterministic' ? { startTimeMs: DETERMINISTIC_EPOCH_MS } : {}),
      // No BIOS runs before a direct kernel boot: leave the PIC and PIT as a BIOS would.
      biosDefaults: true,
    });
    cpu.intr = this.devices.pic;
    // The A20 gate (port 0x92, i8042 output port) drives the CPU's A20M# input.
    this.devices.a20.onChange = (on) => cpu.mmu.setA20(on);
    cpu.mmu.setA20(this.devices.a20.enabled);
    fpuOf(cpu).onFerr = (on) => this.devices.setFerr(on);
  }

  get cpu() { return this.machine.cpu; }

  bootLinux(kernel: Uint8Array, kernelName: string, cmdline: string, initrd?: Uint8Array, initrdName?: string): LinuxBootInfo {
    return loadLinux(this.cpu, kernel, kernelName, cmdline, initrd, initrdName);
  }

  /** Host input for the serial console. */
  serialInput(bytes: Uint8Array | string): void {
    this.devices.com1.receive(bytes);
    this.pacer.wake();
  }

  requestExit(e: PcExit): void {
    if (!this.exit) this.exit = e;
    this.pacer.wake();
  }

  private nextEventNs(): number {
    return this.devices.nextEventNs();
  }

  /**
   * Run one slice: re-fit the realtime clock to host time, bring devices up
   * to date, then run the CPU until the next device event is due (at most
   * MAX_SLICE / REALTIME_SLICE instructions).
   * Returns the milliseconds the host may sleep (the CPU is halted), 0 to
   * continue at once, or -1 when the guest has ended (see `exitReason`).
   */
  step(budgetLeft = Infinity): number {
    if (this.exit) return -1;
    const cpu = this.cpu;
    this.clock.resync(cpu.halted, this.nextEventNs());
    const now = this.clock.nowNs();
    this.devices.update(now);
    // HLT with interrupts off: nothing wakes it (no NMI source here), whether or not an IRQ is pending
    // (the check used to come after the pending one: an IRQ raised just before `cli; hlt` made it spin).
    if (cpu.halted && (cpu.getEflags() & IF) === 0) { this.requestExit({ kind: 'halted' }); return -1; }
    if (cpu.halted && !this.devices.pic.pending()) {
      const next = this.nextEventNs();
      if (this.clock.mode === 'deterministic') {
        if (next === Infinity) return 50; // nothing will ever happen but host input: wait for it
        this.clock.skipTo(next);
        return 0;
      }
      // Sleep until the host reaches the event (virtual time may still lag the host after an oversleep).
      return next === Infinity ? 50 : Math.max(0, Math.min(50, (next - Math.max(now, this.clock.hostNs())) / 1e6));
    }
    // Run until the next device event is due, so its interrupt lands on time in virtual time (realtime: at the
    // end of the block that time falls in, below).
    const maxSlice = this.clock.mode === 'deterministic' ? MAX_SLICE : REALTIME_SLICE;
    const next = this.nextEventNs();
    let budget = next === Infinity ? maxSlice : Math.max(1, Math.min(maxSlice, Math.ceil((next - now) / this.clock.nsPerInstruction)));
    // Realtime: the budget only approximates the event's time (the rate is a fit), so the slice may end at
    // the end of the block the budget ends in, not mid-block (Machine.run wholeBlocks: a mid-block stop
    // decodes a block for the tail where the next slice resumes). The interrupt lands a few instructions
    // later in virtual time; deterministic slices and a caller's instruction limit stay exact.
    let wholeBlocks = this.clock.mode === 'realtime';
    if (budget >= budgetLeft) { budget = Math.max(1, budgetLeft); wholeBlocks = false; }
    const r = this.machine.run(budget, wholeBlocks);
    this.executed += r.executed;
    this.compiled += r.compiled;
    if (r.reason === 'unhandled' && r.unhandled) {
      this.requestExit({ kind: 'triple-fault', detail: r.unhandled });
      return -1;
    }
    return 0;
  }

  executed = 0;
  /** Of `executed`, instructions retired by JIT-compiled code. */
  compiled = 0;

  get exitReason(): PcExit | null { return this.exit; }

  /**
   * Run until the guest ends, `stop()` is called, or `maxInstructions` are
   * retired. Yields to the host event loop regularly so input and timers work.
   */
  async run(maxInstructions = Infinity): Promise<PcExit> {
    this.pacer.reset();
    for (;;) {
      if (this.executed >= maxInstructions) this.requestExit({ kind: 'limit' });
      const sleep = this.step(maxInstructions - this.executed);
      if (sleep < 0) return this.exit!;
      const wait = this.pacer.pace(sleep);
      if (wait) await wait;
    }
  }

  stop(): void { this.requestExit({ kind: 'stopped' }); }
}
