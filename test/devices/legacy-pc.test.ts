import { expect } from 'chai';
import { PortBus } from '../../runtime/io.js';
import { LegacyPc } from '../../devices/legacy-pc.js';
import { FakeClock } from './helpers.js';

describe('devices/legacy-pc', () => {
  it('claims the legacy ports without conflicts and runs the timers', () => {
    const bus = new PortBus();
    const clock = new FakeClock();
    const serial: number[] = [];
    let resets = 0;
    const pc = new LegacyPc({ bus, clock, ramBytes: 128 << 20, onSerialOut: (b) => serial.push(b), onReset: () => resets++, startTimeMs: 0, biosDefaults: true });
    bus.write(0x3f8, 1, 0x41);
    expect(serial).to.deep.equal([0x41]);
    bus.write(0x64, 1, 0xfe);
    expect(resets).to.equal(1);
    bus.write(0x21, 1, 0xfe); // unmask IRQ0 (BIOS vectors: 0x08)
    while (!pc.pic.pending()) { // mode 3: a falling edge at half period, then the rising one
      const t = pc.nextEventNs();
      clock.set(t);
      pc.update(t);
    }
    expect(clock.ns / 1e6).to.be.closeTo(54.9, 0.1); // 18.2 Hz
    expect(pc.pic.acknowledge()).to.equal(0x08);
    bus.write(0xcf8, 4, 0x80000000);
    expect(bus.read(0xcfc, 4)).to.equal(0x12378086);
    expect(pc.a20.mask).to.equal(0xffffffff);
  });
});
