/**
 * Small legacy ports:
 * - the A20 gate state shared by port 0x92 and the i8042's output port;
 * - port 0x92, PS/2 "System Control Port A" (fast A20 in bit 1, fast reset
 *   on a 0 -> 1 write of bit 0; 82371SB datasheet, Port 92h);
 * - port 0x80, the POST diagnostic port (written for I/O delays; reads 0xFF);
 * - port 0xE9, the Bochs/QEMU debug console (bytes written go to a callback;
 *   reads return 0xE9 so software can detect it).
 */
import type { PortBus, PortHandler } from '../runtime/io.js';
import { BytePortDevice } from './byte-ports.js';
import { StateReader, type SavedState } from './device-state.js';

/**
 * The A20 gate. When disabled, physical address bit 20 is forced to 0
 * (the 8086 wrap-around); the machine ANDs physical addresses with `mask`.
 */
export class A20Gate {
  /** Called after the state changes (e.g. to flush the TLB / translation cache). */
  onChange?: (enabled: boolean) => void;
  private on: boolean;

  constructor(enabled = true) {
    this.on = enabled;
  }

  get enabled(): boolean {
    return this.on;
  }

  set(enabled: boolean): void {
    if (enabled === this.on) return;
    this.on = enabled;
    this.onChange?.(enabled);
  }

  static readonly STATE_VERSION = 1;

  saveState(): SavedState {
    return { v: A20Gate.STATE_VERSION, enabled: this.on };
  }

  /** Restore a saveState() result without calling onChange (the machine re-applies the gate to the CPU). */
  loadState(state: unknown): void {
    this.on = new StateReader(state, 'A20 gate', A20Gate.STATE_VERSION).bool('enabled');
  }

  /** AND mask for physical addresses. */
  get mask(): number {
    return this.on ? 0xffffffff : 0xffefffff;
  }
}

/** Port 0x92. */
export class SystemControlPortA extends BytePortDevice {
  protected readonly portRanges = [[0x92, 1]] as const;
  /** Bits 2-7 as written (bit 3 is the power-on password lock on some chipsets). */
  private other = 0;

  constructor(private readonly a20: A20Gate, public onReset?: () => void) {
    super();
  }

  static readonly STATE_VERSION = 1;

  saveState(): SavedState {
    return { v: SystemControlPortA.STATE_VERSION, other: this.other };
  }

  loadState(state: unknown): void {
    this.other = new StateReader(state, 'port 0x92', SystemControlPortA.STATE_VERSION).int('other', 0, 0xff) & 0xfc;
  }

  protected readByte(): number {
    return this.other | (this.a20.enabled ? 0x02 : 0);
  }

  protected writeByte(_port: number, v: number): void {
    this.other = v & 0xfc;
    this.a20.set((v & 0x02) !== 0);
    // Bit 0 reads back 0 (the reset is a pulse), so every write of 1 is a 0 -> 1 edge.
    if (v & 0x01) this.onReset?.();
  }
}

/** Port 0x80: POST codes. Kept as cheap as possible: Linux writes it for every *_p I/O delay. */
export class PostCodePort implements PortHandler {
  /** The last byte written. */
  lastCode = 0;

  register(bus: PortBus): void {
    bus.register(0x80, 1, this);
  }

  static readonly STATE_VERSION = 1;

  saveState(): SavedState {
    return { v: PostCodePort.STATE_VERSION, lastCode: this.lastCode };
  }

  loadState(state: unknown): void {
    this.lastCode = new StateReader(state, 'port 0x80', PostCodePort.STATE_VERSION).int('lastCode', 0, 0xff);
  }

  read(_port: number, size: 1 | 2 | 4): number {
    return size === 1 ? 0xff : size === 2 ? 0xffff : 0xffffffff;
  }

  write(_port: number, _size: 1 | 2 | 4, value: number): void {
    this.lastCode = value & 0xff;
  }
}

/** Port 0xE9: the Bochs/QEMU debug console. */
export class DebugConsolePort extends BytePortDevice {
  protected readonly portRanges = [[0xe9, 1]] as const;

  constructor(public onOutput?: (byte: number) => void) {
    super();
  }

  protected readByte(): number {
    return 0xe9;
  }

  protected writeByte(_port: number, v: number): void {
    this.onOutput?.(v);
  }
}
