/**
 * The legacy PC device set the Linux kernel needs on an APIC-less machine,
 * built and wired in one place: 8259A pair, 8254 + port 0x61, MC146818 RTC,
 * 16550A on COM1, i8042, ports 0x92 / 0x80 / 0xE9 and PCI mechanism #1
 * with the i440FX + PIIX3. The machine (src/) owns the CPU loop; it passes
 * the PortBus and Clock in, gives the PIC to the CPU as its InterruptSource,
 * masks physical addresses with `a20.mask`, and drives `timers`.
 *
 * IRQs: 0 PIT counter 0, 1 keyboard, 2 cascade, 4 COM1, 8 RTC, 12 aux.
 */
import type { PortBus } from '../runtime/io.js';
import type { Clock } from '../runtime/irq.js';
import { CmosRtc } from './cmos-rtc.js';
import { I8042 } from './i8042.js';
import { A20Gate, DebugConsolePort, PostCodePort, SystemControlPortA } from './misc-ports.js';
import { PciBus } from './pci.js';
import { Pic8259 } from './pic8259.js';
import { Pit8254 } from './pit8254.js';
import { Port61 } from './port61.js';
import type { TimedDevice } from './timing.js';
import { Uart16550 } from './uart16550.js';
import { StateReader, type SavedState } from './device-state.js';

export interface LegacyPcOptions {
  bus: PortBus;
  clock: Clock;
  /** Guest RAM size, for the CMOS memory bytes. */
  ramBytes: number;
  /** COM1 output. */
  onSerialOut?: (byte: number) => void;
  /** Port 0xE9 output. */
  onDebugOut?: (byte: number) => void;
  /** Reset requested, with which line did it (i8042 0xFE / output port, port 0x92 bit 0, port 0xCF9). */
  onReset?: (source: string) => void;
  /** RTC start time (Unix ms, UTC); default the host clock. Fix it for deterministic runs. */
  startTimeMs?: number;
  /** Initial A20 state (default enabled, as after a BIOS; a machine that runs SeaBIOS from reset may start with false). */
  a20Enabled?: boolean;
  /** Program the PIC and PIT as a BIOS leaves them (for a direct kernel boot without a BIOS). Default false. */
  biosDefaults?: boolean;
}

export class LegacyPc implements TimedDevice {
  readonly pic: Pic8259;
  readonly pit: Pit8254;
  readonly port61: Port61;
  readonly rtc: CmosRtc;
  readonly com1: Uart16550;
  readonly i8042: I8042;
  readonly a20: A20Gate;
  readonly port92: SystemControlPortA;
  readonly post: PostCodePort;
  readonly debugConsole: DebugConsolePort;
  readonly pci: PciBus;
  /** The devices that raise interrupts as time passes. */
  readonly timers: readonly TimedDevice[];

  constructor(o: LegacyPcOptions) {
    const { bus, clock } = o;
    const reset = (source: string) => () => o.onReset?.(source);
    this.pic = new Pic8259();
    this.a20 = new A20Gate(o.a20Enabled ?? true);
    this.pit = new Pit8254({ clock, irq: this.pic });
    this.port61 = new Port61(this.pit, clock);
    this.rtc = new CmosRtc({ clock, irq: this.pic, ramBytes: o.ramBytes, startTimeMs: o.startTimeMs });
    this.com1 = new Uart16550({ clock, irq: this.pic, base: 0x3f8, irqLine: 4, onTransmit: o.onSerialOut });
    this.i8042 = new I8042({ irq: this.pic, a20: this.a20, onReset: reset('keyboard controller reset line') });
    this.port92 = new SystemControlPortA(this.a20, reset('port 0x92 reset bit'));
    this.post = new PostCodePort();
    this.debugConsole = new DebugConsolePort(o.onDebugOut);
    this.pci = new PciBus({ onReset: reset('PCI reset control register (0xCF9)') });
    for (const d of [this.pic, this.pit, this.port61, this.rtc, this.com1, this.i8042, this.port92, this.post, this.debugConsole, this.pci]) {
      d.register(bus);
    }
    if (o.biosDefaults) {
      this.pic.biosDefaults();
      this.pit.biosDefaults();
    }
    this.timers = [this.pit, this.rtc, this.com1];
    // FERR# from the x87 (CR0.NE = 0) is IRQ13 on a PC/AT; a write to port 0xF0 clears it.
    bus.register(0xf0, 1, { read: () => 0xff, write: () => this.pic.setIrq(13, false) });
  }

  // ---- snapshots (devices/device-state.ts) ----

  static readonly STATE_VERSION = 1;

  /** Every device's own saved state (port 0xE9 and the FERR# clear port have none). */
  saveState(): SavedState {
    return {
      v: LegacyPc.STATE_VERSION, pic: this.pic.saveState(), pit: this.pit.saveState(), port61: this.port61.saveState(),
      rtc: this.rtc.saveState(), com1: this.com1.saveState(), i8042: this.i8042.saveState(), a20: this.a20.saveState(),
      port92: this.port92.saveState(), post: this.post.saveState(), pci: this.pci.saveState(),
    };
  }

  /**
   * Restore a saveState() result. The PIC goes last: it holds the levels of
   * every IRQ line, which the other devices restore as their own view of
   * their line without driving it. The caller re-applies the A20 gate to the CPU.
   */
  loadState(state: unknown): void {
    const r = new StateReader(state, 'devices', LegacyPc.STATE_VERSION);
    this.pit.loadState(r.sub('pit'));
    this.port61.loadState(r.sub('port61'));
    this.rtc.loadState(r.sub('rtc'));
    this.com1.loadState(r.sub('com1'), 'COM1');
    this.i8042.loadState(r.sub('i8042'));
    this.a20.loadState(r.sub('a20'));
    this.port92.loadState(r.sub('port92'));
    this.post.loadState(r.sub('post'));
    this.pci.loadState(r.sub('pci'));
    this.pic.loadState(r.sub('pic'));
  }

  /** The x87's FERR# output (wire the FPU's error signal here). */
  setFerr(asserted: boolean): void {
    this.pic.setIrq(13, asserted);
  }

  nextEventNs(): number {
    let t = Infinity;
    for (const d of this.timers) t = Math.min(t, d.nextEventNs());
    return t;
  }

  update(nowNs: number): void {
    for (const d of this.timers) d.update(nowNs);
  }
}
