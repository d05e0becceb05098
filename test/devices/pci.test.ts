import { expect } from 'chai';
import { PortBus } from '../../runtime/io.js';
import { PciBus, PciFunction } from '../../devices/pci.js';

function setup() {
  const bus = new PortBus();
  let resets = 0;
  const pci = new PciBus({ onReset: () => resets++ });
  pci.register(bus);
  const addr = (dev: number, fn: number, reg: number, b = 0) => (0x80000000 | (b << 16) | (dev << 11) | (fn << 8) | (reg & 0xfc)) >>> 0;
  const rd = (dev: number, fn: number, reg: number, size: 1 | 2 | 4 = 4) => {
    bus.write(0xcf8, 4, addr(dev, fn, reg));
    return bus.read(0xcfc + (reg & 3), size);
  };
  const wr = (dev: number, fn: number, reg: number, size: 1 | 2 | 4, v: number) => {
    bus.write(0xcf8, 4, addr(dev, fn, reg));
    bus.write(0xcfc + (reg & 3), size, v);
  };
  return { bus, pci, rd, wr, addr, resets: () => resets };
}

describe('devices/pci', () => {
  it('passes Linux pci_check_type1 (CONFIG_ADDRESS reads back)', () => {
    const { bus } = setup();
    bus.write(0xcfb, 1, 0x01);
    const tmp = bus.read(0xcf8, 4);
    bus.write(0xcf8, 4, 0x80000000);
    expect(bus.read(0xcf8, 4)).to.equal(0x80000000);
    bus.write(0xcf8, 4, tmp);
  });

  it('i440FX host bridge at 00:00.0', () => {
    const { rd } = setup();
    expect(rd(0, 0, 0x00)).to.equal(0x12378086);
    expect(rd(0, 0, 0x08)).to.equal(0x06000002);
    expect(rd(0, 0, 0x0c) >>> 16 & 0xff).to.equal(0x00); // header type 0
    expect(rd(0, 0, 0x04, 2)).to.equal(0x0006);
    expect(rd(0, 0, 0x06, 2)).to.equal(0x0280);
  });

  it('PIIX3 ISA bridge at 00:01.0, multi-function header', () => {
    const { rd } = setup();
    expect(rd(1, 0, 0x00)).to.equal(0x70008086);
    expect(rd(1, 0, 0x02, 2)).to.equal(0x7000);
    expect(rd(1, 0, 0x0b, 1)).to.equal(0x06);
    expect(rd(1, 0, 0x0a, 1)).to.equal(0x01);
    expect(rd(1, 0, 0x0e, 1)).to.equal(0x80);
    expect(rd(1, 0, 0x60)).to.equal(0x80808080);
  });

  it('absent devices, functions and buses read all ones; a disabled address reads all ones', () => {
    const { bus, rd } = setup();
    expect(rd(2, 0, 0)).to.equal(0xffffffff);
    expect(rd(1, 1, 0, 2)).to.equal(0xffff);
    expect(rd(31, 7, 0x3c, 1)).to.equal(0xff);
    bus.write(0xcf8, 4, 0x80010000); // bus 1
    expect(bus.read(0xcfc, 4)).to.equal(0xffffffff);
    bus.write(0xcf8, 4, 0x00000000); // enable bit clear
    expect(bus.read(0xcfc, 4)).to.equal(0xffffffff);
  });

  it('read-only fields stay, writable ones change, status bits are write-one-to-clear', () => {
    const { rd, wr, pci } = setup();
    wr(0, 0, 0x00, 4, 0);
    expect(rd(0, 0, 0x00)).to.equal(0x12378086);
    wr(0, 0, 0x0d, 1, 0x40); // latency timer
    expect(rd(0, 0, 0x0d, 1)).to.equal(0x40);
    wr(1, 0, 0x61, 1, 0x0b); // PIRQB -> IRQ11
    expect(rd(1, 0, 0x60)).to.equal(0x80800b80);
    wr(1, 0, 0x62, 2, 0xffff); // reserved bits 6-4 stay zero
    expect(rd(1, 0, 0x62, 2)).to.equal(0x8f8f);
    pci.hostBridge!.config[0x07] |= 0x30; // pretend master/target aborts were received (status bits 13, 12)
    const before = rd(0, 0, 0x06, 2);
    wr(0, 0, 0x04, 4, 0x30000000 | 0x0007); // clear those bits, write command
    expect(rd(0, 0, 0x06, 2)).to.equal(before & ~0x3000);
    expect(rd(0, 0, 0x04, 2)).to.equal(0x0007);
    wr(0, 0, 0x59, 1, 0x30); // PAM0: the BIOS shadow control
    expect(rd(0, 0, 0x59, 1)).to.equal(0x30);
  });

  it('BARs report their size', () => {
    const { rd, wr, pci } = setup();
    const f = new PciFunction({ vendorId: 0x1234, deviceId: 0x1111, classCode: 0x030000 });
    f.setBar(0, 16 * 1024 * 1024, 'mem');
    f.setBar(1, 32, 'io');
    pci.add(2, 0, f);
    wr(2, 0, 0x10, 4, 0xffffffff);
    expect(rd(2, 0, 0x10)).to.equal(0xff000000);
    wr(2, 0, 0x14, 4, 0xffffffff);
    expect(rd(2, 0, 0x14)).to.equal(0xffffffe1);
    wr(2, 0, 0x10, 4, 0xfd000000);
    expect(rd(2, 0, 0x10)).to.equal(0xfd000000);
  });

  it('port 0xCF9 resets on RCPU', () => {
    const { bus, resets } = setup();
    bus.write(0xcf9, 1, 0x02);
    expect(resets()).to.equal(0);
    bus.write(0xcf9, 1, 0x06);
    expect(resets()).to.equal(1);
    expect(bus.read(0xcf9, 1)).to.equal(0x02);
  });
});
