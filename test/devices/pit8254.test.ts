import { expect } from 'chai';
import { PortBus } from '../../runtime/io.js';
import { Pit8254, PIT_HZ } from '../../devices/pit8254.js';
import { Port61, REFRESH_TOGGLE_NS } from '../../devices/port61.js';
import { Pic8259 } from '../../devices/pic8259.js';
import { nsToTicks, ticksToNs } from '../../devices/timing.js';
import { FakeClock, RecordingIrqSink } from './helpers.js';

function setup(startNs = 0) {
  const clock = new FakeClock(startNs);
  const irq = new RecordingIrqSink(clock);
  const bus = new PortBus();
  const pit = new Pit8254({ clock, irq });
  pit.register(bus);
  const p61 = new Port61(pit, clock);
  p61.register(bus);
  irq.clear();
  return { clock, irq, bus, pit };
}

/** Run the machine-loop contract: jump to each nextEventNs() up to `untilNs`, calling update(). */
function runUntil(clock: FakeClock, pit: Pit8254, untilNs: number): void {
  for (;;) {
    const next = pit.nextEventNs();
    if (next > untilNs) break;
    expect(next).to.be.greaterThan(clock.ns - 1);
    clock.set(next);
    pit.update(next);
  }
  clock.set(untilNs);
  pit.update(untilNs);
}

function readLatched(bus: PortBus, port: number): number {
  const lo = bus.read(port, 1);
  return lo | (bus.read(port, 1) << 8);
}

const LATCH = Math.floor((PIT_HZ + 50) / 100); // Linux's PIT_LATCH for HZ=100: 11932

describe('devices/pit8254', () => {
  it('converts between ns and 1.193182 MHz ticks exactly', () => {
    expect(nsToTicks(1e9, PIT_HZ)).to.equal(PIT_HZ);
    expect(nsToTicks(3600e9 * 24 * 365, PIT_HZ)).to.equal(PIT_HZ * 3600 * 24 * 365);
    for (const t of [1, 2, 11932, 1193181, 1193183, 98765432101]) {
      const ns = ticksToNs(t, PIT_HZ);
      expect(nsToTicks(ns, PIT_HZ)).to.equal(t);
      expect(nsToTicks(ns - 1, PIT_HZ)).to.equal(t - 1);
    }
  });

  it('mode 2 (Linux periodic, 0x34): IRQ0 every LATCH ticks', () => {
    const { clock, irq, bus, pit } = setup();
    bus.write(0x43, 1, 0x34);
    bus.write(0x40, 1, LATCH & 0xff);
    bus.write(0x40, 1, LATCH >> 8);
    // Loaded on the next clock (tick 1); OUT rises when the counter wraps, LATCH ticks later.
    expect(pit.nextEventNs()).to.equal(ticksToNs(1 + LATCH, PIT_HZ));
    runUntil(clock, pit, ticksToNs(1 + 100 * LATCH, PIT_HZ));
    const rises = irq.rises(0);
    expect(rises.length).to.equal(100); // 100 Hz
    for (let i = 0; i < rises.length; i++) {
      expect(nsToTicks(rises[i].ns, PIT_HZ)).to.equal(1 + (i + 1) * LATCH);
    }
  });

  it('latches and reads the count (mode 2 counts N..1)', () => {
    const { clock, bus } = setup();
    bus.write(0x43, 1, 0x34);
    bus.write(0x40, 1, 1000 & 0xff);
    bus.write(0x40, 1, 1000 >> 8);
    clock.set(ticksToNs(1 + 250, PIT_HZ));
    bus.write(0x43, 1, 0x00); // counter latch, counter 0
    clock.set(ticksToNs(1 + 600, PIT_HZ)); // the latch holds the value until read
    expect(readLatched(bus, 0x40)).to.equal(750);
    // Unlatched lsb/msb reads see the live count.
    expect(readLatched(bus, 0x40)).to.equal(400);
    clock.set(ticksToNs(1 + 1000 + 10, PIT_HZ));
    bus.write(0x43, 1, 0x00);
    expect(readLatched(bus, 0x40)).to.equal(990); // reloaded after the terminal count
  });

  it('read-back command returns status (OUT, null count, mode) and count', () => {
    const { clock, bus } = setup();
    bus.write(0x43, 1, 0xb0); // counter 2, lsb/msb, mode 0
    bus.write(0x43, 1, 0xe8); // read-back status only of counter 2
    expect(bus.read(0x42, 1)).to.equal(0x40 | 0x30); // OUT low, null count, rw=3 mode 0
    bus.write(0x61, 1, 0x01); // gate counter 2 on
    bus.write(0x42, 1, 100);
    bus.write(0x42, 1, 0);
    clock.set(ticksToNs(1 + 40, PIT_HZ));
    bus.write(0x43, 1, 0xc8); // read-back: count and status of counter 2
    expect(bus.read(0x42, 1)).to.equal(0x30); // status first: OUT low, count loaded
    expect(readLatched(bus, 0x42)).to.equal(60);
    clock.set(ticksToNs(1 + 100, PIT_HZ));
    bus.write(0x43, 1, 0xe8);
    expect(bus.read(0x42, 1)).to.equal(0x80 | 0x30); // terminal count: OUT high
  });

  it('counter 2 mode 0 + port 0x61 bit 5, as pit_calibrate_tsc uses it', () => {
    const { clock, bus } = setup();
    const latch = Math.floor(PIT_HZ / 20); // 50 ms
    bus.write(0x61, 1, (bus.read(0x61, 1) & ~0x02) | 0x01);
    bus.write(0x43, 1, 0xb0);
    bus.write(0x42, 1, latch & 0xff);
    bus.write(0x42, 1, latch >> 8);
    expect(bus.read(0x61, 1) & 0x20).to.equal(0);
    clock.set(ticksToNs(latch, PIT_HZ)); // N clocks after the write: not yet
    expect(bus.read(0x61, 1) & 0x20).to.equal(0);
    clock.set(ticksToNs(latch + 1, PIT_HZ)); // N + 1 clocks: OUT high
    expect(bus.read(0x61, 1) & 0x21).to.equal(0x21);
    expect(clock.ns / 1e6).to.be.closeTo(50, 0.01);
  });

  it('counter 2 mode 0 counts down from 0xFFFF for quick_pit_calibrate', () => {
    const { clock, bus } = setup();
    bus.write(0x61, 1, 0x01);
    bus.write(0x43, 1, 0xb0);
    bus.write(0x42, 1, 0xff);
    bus.write(0x42, 1, 0xff);
    for (const t of [1, 256, 5000, 40000]) {
      clock.set(ticksToNs(t, PIT_HZ));
      bus.read(0x42, 1); // lsb
      expect(bus.read(0x42, 1)).to.equal(((0xffff - (t - 1)) >> 8) & 0xff);
    }
  });

  it('gate low pauses mode 0 on counter 2', () => {
    const { clock, bus } = setup();
    bus.write(0x61, 1, 0x01);
    bus.write(0x43, 1, 0xb0);
    bus.write(0x42, 1, 0x10);
    bus.write(0x42, 1, 0x27); // 10000
    clock.set(ticksToNs(1 + 1000, PIT_HZ));
    bus.write(0x61, 1, 0x00);
    clock.set(ticksToNs(1 + 5000, PIT_HZ));
    expect(readLatched(bus, 0x42)).to.equal(9000);
    bus.write(0x61, 1, 0x01);
    clock.set(ticksToNs(1 + 5000 + 1 + 9000, PIT_HZ));
    expect(bus.read(0x61, 1) & 0x20).to.equal(0x20);
  });

  it('mode 3 square wave: OUT high half the period, IRQ0 once per period', () => {
    const { clock, irq, bus, pit } = setup();
    bus.write(0x43, 1, 0x36);
    bus.write(0x40, 1, 0xe8);
    bus.write(0x40, 1, 0x03); // 1000
    clock.set(ticksToNs(1 + 250, PIT_HZ));
    expect(pit.outLevel(0)).to.equal(true);
    expect(readLatched(bus, 0x40)).to.equal(500); // counts by two
    clock.set(ticksToNs(1 + 750, PIT_HZ));
    expect(pit.outLevel(0)).to.equal(false);
    irq.clear();
    clock.set(0);
    runUntil(clock, pit, ticksToNs(1 + 10 * 1000, PIT_HZ));
    expect(irq.rises(0).length).to.equal(10);
    expect(irq.events.filter((e) => !e.level).length).to.equal(10);
  });

  it('mode 0 on counter 0 raises IRQ0 once, N + 1 clocks after the count is written', () => {
    const { clock, irq, bus, pit } = setup();
    bus.write(0x43, 1, 0x30);
    expect(irq.levels[0]).to.equal(false);
    bus.write(0x40, 1, 100);
    bus.write(0x40, 1, 0);
    expect(pit.nextEventNs()).to.equal(ticksToNs(101, PIT_HZ));
    runUntil(clock, pit, 1e9);
    expect(irq.rises(0).map((e) => nsToTicks(e.ns, PIT_HZ))).to.deep.equal([101]);
    expect(pit.nextEventNs()).to.equal(Infinity);
  });

  it('mode 4 (Linux oneshot, 0x38): one strobe per count written', () => {
    const { clock, irq, bus, pit } = setup();
    bus.write(0x43, 1, 0x38);
    bus.write(0x40, 1, 50);
    bus.write(0x40, 1, 0);
    runUntil(clock, pit, ticksToNs(1000, PIT_HZ));
    expect(irq.rises(0).map((e) => nsToTicks(e.ns, PIT_HZ))).to.deep.equal([52]);
    bus.write(0x40, 1, 200);
    bus.write(0x40, 1, 0);
    runUntil(clock, pit, ticksToNs(5000, PIT_HZ));
    expect(irq.rises(0).map((e) => nsToTicks(e.ns, PIT_HZ))).to.deep.equal([52, 1000 + 202]);
  });

  it('applies a count rewritten in mode 2 at the end of the current period', () => {
    const { clock, irq, bus, pit } = setup();
    bus.write(0x43, 1, 0x34);
    bus.write(0x40, 1, 100);
    bus.write(0x40, 1, 0);
    clock.set(ticksToNs(50, PIT_HZ));
    bus.write(0x40, 1, 200);
    bus.write(0x40, 1, 0);
    runUntil(clock, pit, ticksToNs(600, PIT_HZ));
    expect(irq.rises(0).map((e) => nsToTicks(e.ns, PIT_HZ))).to.deep.equal([101, 301, 501]);
  });

  it('supports lsb-only / msb-only access and BCD counting', () => {
    const { clock, bus } = setup();
    bus.write(0x43, 1, 0x54); // counter 1, lsb only, mode 2
    bus.write(0x41, 1, 18);
    clock.set(ticksToNs(1 + 5, PIT_HZ));
    expect(bus.read(0x41, 1)).to.equal(13);
    bus.write(0x43, 1, 0x64); // counter 1, msb only, mode 2
    bus.write(0x41, 1, 0x02); // 512
    clock.set(ticksToNs(1 + 5 + 1 + 256, PIT_HZ));
    expect(bus.read(0x41, 1)).to.equal(0x01);
    bus.write(0x43, 1, 0x75); // counter 1, lsb/msb, mode 2, BCD
    bus.write(0x41, 1, 0x00);
    bus.write(0x41, 1, 0x10); // 1000 in BCD
    const t0 = nsToTicks(clock.ns, PIT_HZ);
    clock.set(ticksToNs(t0 + 1 + 1, PIT_HZ));
    bus.write(0x43, 1, 0x40);
    expect(readLatched(bus, 0x41)).to.equal(0x0999);
  });

  it('port 0x61: refresh toggle follows virtual time, bits 1-3 read back', () => {
    const { clock, bus } = setup();
    bus.write(0x61, 1, 0x0e);
    const a = bus.read(0x61, 1);
    expect(a & 0x0e).to.equal(0x0e);
    clock.advance(REFRESH_TOGGLE_NS);
    const b = bus.read(0x61, 1);
    expect((a ^ b) & 0x10).to.equal(0x10);
    expect(bus.read(0x61, 1)).to.equal(b); // time did not move: no toggle
  });

  it('drives vector 0x30 through the PIC', () => {
    const clock = new FakeClock();
    const bus = new PortBus();
    const pic = new Pic8259();
    pic.register(bus);
    const pit = new Pit8254({ clock, irq: pic });
    pit.register(bus);
    for (const [p, v] of [[0x20, 0x11], [0x21, 0x30], [0x21, 0x04], [0x21, 0x01], [0xa0, 0x11], [0xa1, 0x38], [0xa1, 0x02], [0xa1, 0x01], [0x21, 0xfe], [0xa1, 0xff]]) {
      bus.write(p, 1, v);
    }
    bus.write(0x43, 1, 0x34);
    bus.write(0x40, 1, LATCH & 0xff);
    bus.write(0x40, 1, LATCH >> 8);
    // Programming mode 2 made OUT go high (it was high already at power-on): no edge.
    expect(pic.pending()).to.equal(false);
    let ticks = 0;
    for (let i = 0; i < 5; i++) {
      const t = pit.nextEventNs();
      clock.set(t);
      pit.update(t);
      expect(pic.pending()).to.equal(true);
      expect(pic.acknowledge()).to.equal(0x30);
      bus.write(0x20, 1, 0x60); // EOI
      expect(pic.pending()).to.equal(false);
      ticks++;
    }
    expect(ticks).to.equal(5);
    expect(clock.ns / 1e6).to.be.closeTo(50, 0.1);
  });
});
