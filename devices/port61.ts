/**
 * Port 0x61, the PC/AT "system control port B" (in the PIIX3 as NMI
 * Status and Control, 82371SB datasheet 4.7.2):
 *   bit 0  counter 2 GATE (read/write)
 *   bit 1  speaker data enable (read/write)
 *   bit 2  parity check (SERR#) enable, bit 3 channel check enable (read/write, no effect here)
 *   bit 4  refresh toggle: flips every 15.085 us of virtual time (read only)
 *   bit 5  counter 2 OUT (read only)
 *   bits 6, 7  channel check / parity error status (always 0 here)
 * Linux calibrates the TSC by programming counter 2 in mode 0 and polling
 * bit 5; old BIOS and DOS delay loops count bit 4 toggles.
 */
import type { Clock } from '../runtime/irq.js';
import { BytePortDevice } from './byte-ports.js';
import type { Pit8254 } from './pit8254.js';
import { StateReader, type SavedState } from './device-state.js';

/** Half-period of the refresh toggle: counter 1's 15.085 us DRAM refresh cycle. */
export const REFRESH_TOGGLE_NS = 15085;

export class Port61 extends BytePortDevice {
  protected readonly portRanges = [[0x61, 1]] as const;
  /** Bits 1-3 as last written. */
  private control = 0;

  constructor(private readonly pit: Pit8254, private readonly clock: Clock) {
    super();
    this.pit.setGate(2, false); // bit 0 is clear at reset
  }

  // ---- snapshots (devices/device-state.ts); counter 2's GATE is the PIT's state ----

  static readonly STATE_VERSION = 1;

  saveState(): SavedState {
    return { v: Port61.STATE_VERSION, control: this.control };
  }

  loadState(state: unknown): void {
    this.control = new StateReader(state, 'port 0x61', Port61.STATE_VERSION).int('control', 0, 0x0e) & 0x0e;
  }

  /** Whether the speaker is driven (bit 1 set and counter 2 gated on). */
  get speakerEnabled(): boolean {
    return (this.control & 2) !== 0 && this.pit.getGate(2);
  }

  protected readByte(): number {
    const refresh = Math.floor(this.clock.nowNs() / REFRESH_TOGGLE_NS) & 1;
    return (this.pit.getGate(2) ? 1 : 0) | this.control | (refresh << 4) | (this.pit.outLevel(2) ? 0x20 : 0);
  }

  protected writeByte(_port: number, v: number): void {
    this.control = v & 0x0e;
    this.pit.setGate(2, (v & 1) !== 0);
  }
}
