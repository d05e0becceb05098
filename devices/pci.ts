/**
 * PCI configuration space access, mechanism #1 (PCI Local Bus Specification
 * 2.1, 3.7.4.1): CONFIG_ADDRESS at 0xCF8 (dword accesses only; bit 31
 * enable, bits 23-16 bus, 15-11 device, 10-8 function, 7-2 register) and
 * CONFIG_DATA at 0xCFC-0xCFF (byte, word or dword at any offset within the
 * selected dword). Absent functions read all ones; writes to them vanish.
 *
 * Bus 0 holds the i440FX host bridge at 00:00.0 (82441FX PMC: 8086:1237,
 * class 06 00 00) and the PIIX3 PCI-to-ISA bridge at 00:01.0 (82371SB
 * function 0: 8086:7000, class 06 01 00, header type 0x80 = multi-function),
 * with the power-on register defaults of their datasheets. Each register
 * byte has a writable-bit mask; status bits are write-one-to-clear.
 *
 * The PIIX3's Reset Control Register at I/O 0xCF9 (byte access) is here
 * too, since it shares the CONFIG_ADDRESS dword: writing bit 2 (RCPU) = 1
 * resets the machine (Linux's reboot=pci).
 */
import type { PortBus, PortHandler } from '../runtime/io.js';
import { StateError, StateReader, encodeBytes, type SavedState } from './device-state.js';

export interface PciIdentity {
  vendorId: number;
  deviceId: number;
  /** 24-bit class code: base class << 16 | subclass << 8 | programming interface. */
  classCode: number;
  revision?: number;
  headerType?: number;
  command?: number;
  status?: number;
  subsystemVendorId?: number;
  subsystemId?: number;
  interruptPin?: number;
}

/** One PCI function's 256-byte type-0 configuration space. */
export class PciFunction {
  readonly config = new Uint8Array(256);
  /** Bits software may change, per byte. */
  readonly writable = new Uint8Array(256);
  /** Bits cleared by writing 1 (status registers), per byte. */
  readonly writeOneToClear = new Uint8Array(256);
  /** Called after a configuration write (offset within the function, size, value as written). */
  onWrite?: (offset: number, size: number, value: number) => void;

  constructor(id: PciIdentity) {
    const c = this.config;
    this.set16(0x00, id.vendorId);
    this.set16(0x02, id.deviceId);
    this.set16(0x04, id.command ?? 0);
    this.set16(0x06, id.status ?? 0);
    c[0x08] = id.revision ?? 0;
    c[0x09] = id.classCode & 0xff;
    c[0x0a] = (id.classCode >> 8) & 0xff;
    c[0x0b] = (id.classCode >> 16) & 0xff;
    c[0x0e] = id.headerType ?? 0;
    this.set16(0x2c, id.subsystemVendorId ?? 0);
    this.set16(0x2e, id.subsystemId ?? 0);
    c[0x3d] = id.interruptPin ?? 0;
    // Command: I/O, memory, bus master, parity error response, SERR#, INTx disable.
    this.setWritable(0x04, 2, 0x0547);
    // Status: master/target abort, parity, SERR# bits are write-one-to-clear.
    this.writeOneToClear[0x06] = 0x00;
    this.writeOneToClear[0x07] = 0xf9;
    this.writable[0x0c] = 0xff; // cache line size
    this.writable[0x0d] = 0xff; // latency timer
    this.writable[0x3c] = 0xff; // interrupt line
  }

  set16(offset: number, v: number): void {
    this.config[offset] = v & 0xff;
    this.config[offset + 1] = (v >> 8) & 0xff;
  }

  /** Mark `len` bytes from `offset` writable under `mask` (little-endian, up to 32 bits). */
  setWritable(offset: number, len: number, mask = 0xffffffff): void {
    for (let i = 0; i < len; i++) this.writable[offset + i] = len <= 4 ? (mask >>> (8 * i)) & 0xff : 0xff;
  }

  /** A base address register of `size` bytes (a power of two); reads back the size mask after all-ones is written. */
  setBar(index: number, size: number, kind: 'io' | 'mem'): void {
    const off = 0x10 + 4 * index;
    const mask = (~(size - 1) & (kind === 'io' ? 0xfffffffc : 0xfffffff0)) >>> 0;
    this.config[off] = kind === 'io' ? 1 : 0;
    this.config[off + 1] = this.config[off + 2] = this.config[off + 3] = 0;
    this.setWritable(off, 4, mask);
  }

  read(offset: number, size: number): number {
    let v = 0;
    for (let i = 0; i < size; i++) v |= this.config[(offset + i) & 0xff] << (8 * i);
    return v >>> 0;
  }

  write(offset: number, size: number, value: number): void {
    for (let i = 0; i < size; i++) {
      const o = (offset + i) & 0xff;
      const b = (value >>> (8 * i)) & 0xff;
      const w = this.writable[o], c = this.writeOneToClear[o];
      this.config[o] = ((this.config[o] & ~w) | (b & w)) & ~(b & c);
    }
    this.onWrite?.(offset, size, value);
  }
}

/** The Intel 440FX PMC (host bridge), with its 82441FX register defaults. */
export function i440fxHostBridge(): PciFunction {
  const f = new PciFunction({ vendorId: 0x8086, deviceId: 0x1237, classCode: 0x060000, revision: 0x02, command: 0x0006, status: 0x0280 });
  const c = f.config;
  c[0x50] = 0x00; // PMCCFG
  c[0x51] = 0x80; // DETURBO
  c[0x57] = 0x01; // DRAMC
  c[0x58] = 0x10; // DRAMT
  for (let i = 0x60; i <= 0x67; i++) c[i] = 0x01; // DRB: row boundaries (the machine may rewrite)
  c[0x72] = 0x02; // SMRAM
  f.setWritable(0x50, 0x30, 0xff); // 0x50-0x7F: configuration, PAM0-6 (0x59-0x5F), DRB, SMRAM...
  f.setWritable(0x90, 4, 0xffffffff); // ERRCMD, ERRSTS, TRC
  return f;
}

/** The PIIX3 PCI-to-ISA bridge (function 0), with its 82371SB register defaults. */
export function piix3IsaBridge(): PciFunction {
  const f = new PciFunction({ vendorId: 0x8086, deviceId: 0x7000, classCode: 0x060100, revision: 0x00, headerType: 0x80, command: 0x0007, status: 0x0200 });
  const c = f.config;
  c[0x4c] = 0x4d; // IORT
  c[0x4e] = 0x03; // XBCS
  for (let i = 0x60; i <= 0x63; i++) c[i] = 0x80; // PIRQRC[A:D]: routing disabled
  c[0x69] = 0x02; // TOM
  c[0x70] = c[0x71] = 0x80; // MBIRQ0/1
  c[0x76] = c[0x77] = 0x0c; // MBDMA0/1
  c[0x78] = 0x02; // PCSC
  c[0xa0] = 0x08; // SMICNTL
  c[0xa8] = 0x0f; // FTMR
  f.setWritable(0x4c, 1, 0x7f);
  f.setWritable(0x4e, 2, 0x07ff);
  f.setWritable(0x60, 4, 0x8f8f8f8f); // PIRQ route: bit 7 disable, bits 3-0 IRQ
  f.setWritable(0x69, 2, 0xfffe);
  f.setWritable(0x70, 2, 0xefef);
  f.setWritable(0x76, 2, 0x8f8f);
  f.setWritable(0x78, 2, 0xffff);
  f.setWritable(0x80, 1, 0xff);
  f.setWritable(0x82, 1, 0x0f);
  f.setWritable(0xa0, 16, 0xff);
  return f;
}

export interface PciBusOptions {
  /** Called when the guest resets the machine through port 0xCF9. */
  onReset?: () => void;
  /** Add the i440FX host bridge (00:00.0) and the PIIX3 ISA bridge (00:01.0). Default true. */
  i440fx?: boolean;
}

/** PCI bus 0 behind configuration mechanism #1. */
export class PciBus implements PortHandler {
  onReset?: () => void;
  readonly hostBridge?: PciFunction;
  readonly isaBridge?: PciFunction;
  /** CONFIG_ADDRESS (0xCF8). */
  private address = 0;
  /** Reset Control Register (0xCF9). */
  private rcr = 0;
  private readonly functions = new Map<number, PciFunction>();

  constructor(opts: PciBusOptions = {}) {
    this.onReset = opts.onReset;
    if (opts.i440fx ?? true) {
      this.hostBridge = i440fxHostBridge();
      this.isaBridge = piix3IsaBridge();
      this.add(0, 0, this.hostBridge);
      this.add(1, 0, this.isaBridge);
    }
  }

  register(bus: PortBus): void {
    bus.register(0xcf8, 8, this);
  }

  // ---- snapshots (devices/device-state.ts) ----

  static readonly STATE_VERSION = 1;

  /** CONFIG_ADDRESS, the reset control register, and each function's configuration bytes (the masks are fixed by the model). */
  saveState(): SavedState {
    const functions: Record<string, string> = {};
    for (const [devfn, f] of [...this.functions].sort((a, b) => a[0] - b[0])) functions[devfn.toString()] = encodeBytes(f.config);
    return { v: PciBus.STATE_VERSION, address: this.address, rcr: this.rcr, functions };
  }

  /** Restore a saveState() result; the snapshot must have the same functions as this bus. */
  loadState(state: unknown): void {
    const r = new StateReader(state, 'PCI', PciBus.STATE_VERSION);
    this.address = r.int('address', 0, 0xffffffff);
    this.rcr = r.int('rcr', 0, 0xff);
    const fr = r.sub('functions');
    const saved = typeof fr === 'object' && fr !== null ? Object.keys(fr) : [];
    const mine = [...this.functions.keys()].map(String);
    if (saved.length !== mine.length || !mine.every((k) => saved.includes(k))) {
      throw new StateError(`PCI: the snapshot's functions (${saved.join(', ')}) are not this machine's (${mine.join(', ')})`);
    }
    const fs = new StateReader({ v: 0, ...(fr as object) }, 'PCI functions', 0);
    for (const [devfn, f] of this.functions) f.config.set(fs.bytes(String(devfn), 256));
  }

  /** Put a function on bus 0 at device `dev` (0-31), function `fn` (0-7). */
  add(dev: number, fn: number, f: PciFunction): void {
    this.functions.set((dev << 3) | fn, f);
  }

  /** The function at 00:dev.fn, if present. */
  get(dev: number, fn: number): PciFunction | undefined {
    return this.functions.get((dev << 3) | fn);
  }

  private selected(): PciFunction | undefined {
    const a = this.address;
    if (!(a & 0x80000000)) return undefined;
    if ((a >> 16) & 0xff) return undefined; // only bus 0
    return this.functions.get((a >> 8) & 0xff);
  }

  read(port: number, size: 1 | 2 | 4): number {
    const ones = size === 1 ? 0xff : size === 2 ? 0xffff : 0xffffffff;
    if (port < 0xcfc) {
      if (port === 0xcf8 && size === 4) return this.address >>> 0;
      if (port === 0xcf9 && size === 1) return this.rcr;
      return ones;
    }
    const f = this.selected();
    if (!f) return ones;
    return f.read((this.address & 0xfc) + (port - 0xcfc), size);
  }

  write(port: number, size: 1 | 2 | 4, value: number): void {
    if (port < 0xcfc) {
      if (port === 0xcf8 && size === 4) {
        this.address = (value & 0x80fffffc) >>> 0;
      } else if (port === 0xcf9 && size === 1) {
        const rising = (value & 0x04) && !(this.rcr & 0x04);
        this.rcr = value & 0x02; // bit 2 is self-clearing
        if (rising) this.onReset?.();
      }
      return;
    }
    const f = this.selected();
    if (f) f.write((this.address & 0xfc) + (port - 0xcfc), size, value);
  }
}
