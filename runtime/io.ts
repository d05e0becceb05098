/**
 * The port-I/O bus: devices register port ranges; IN/OUT (and INS/OUTS)
 * dispatch here after the privilege checks. Unclaimed ports read as all
 * ones and ignore writes, as on a PC's ISA bus.
 */
export interface PortHandler {
  read(port: number, size: 1 | 2 | 4): number;
  write(port: number, size: 1 | 2 | 4, value: number): void;
}

export class PortBus {
  private readonly map: (PortHandler | undefined)[] = new Array(0x10000).fill(undefined);

  register(first: number, count: number, h: PortHandler): void {
    for (let p = first; p < first + count; p++) {
      if (this.map[p]) throw new Error(`I/O port 0x${p.toString(16)} is already claimed`);
      this.map[p] = h;
    }
  }

  /** Release ports claimed with `register` (snippet runs attach test devices to a reused machine). */
  unregister(first: number, count: number): void {
    for (let p = first; p < first + count; p++) this.map[p & 0xffff] = undefined;
  }

  read(port: number, size: 1 | 2 | 4): number {
    const h = this.map[port & 0xffff];
    if (h) return h.read(port & 0xffff, size);
    return size === 1 ? 0xff : size === 2 ? 0xffff : -1;
  }

  write(port: number, size: 1 | 2 | 4, value: number): void {
    this.map[port & 0xffff]?.write(port & 0xffff, size, value);
  }
}
