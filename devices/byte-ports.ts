/**
 * ISA-style bus sizing for devices whose registers are 8 bits wide: a 16- or
 * 32-bit IN/OUT on such a device is carried out as consecutive byte accesses
 * (port, port+1, ...). Bytes that fall outside the device's own range read
 * as 0xFF (floating bus) and are not written.
 */
import type { PortBus, PortHandler } from '../runtime/io.js';

export abstract class BytePortDevice implements PortHandler {
  /** Ranges this device decodes, as [first, count] pairs. */
  protected abstract readonly portRanges: readonly (readonly [number, number])[];
  protected abstract readByte(port: number): number;
  protected abstract writeByte(port: number, value: number): void;

  register(bus: PortBus): void {
    for (const [first, count] of this.portRanges) bus.register(first, count, this);
  }

  private owns(port: number): boolean {
    for (const [first, count] of this.portRanges) if (port >= first && port < first + count) return true;
    return false;
  }

  read(port: number, size: 1 | 2 | 4): number {
    if (size === 1) return this.readByte(port) & 0xff;
    let v = 0;
    for (let i = 0; i < size; i++) {
      const p = (port + i) & 0xffff;
      const b = this.owns(p) ? this.readByte(p) & 0xff : 0xff;
      v |= b << (8 * i);
    }
    return v >>> 0;
  }

  write(port: number, size: 1 | 2 | 4, value: number): void {
    if (size === 1) { this.writeByte(port, value & 0xff); return; }
    for (let i = 0; i < size; i++) {
      const p = (port + i) & 0xffff;
      if (this.owns(p)) this.writeByte(p, (value >>> (8 * i)) & 0xff);
    }
  }
}
