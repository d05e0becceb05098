import { expect } from 'chai';
import { PortBus } from '../../runtime/io.js';
import { CmosRtc } from '../../devices/cmos-rtc.js';
import { FakeClock, RecordingIrqSink } from './helpers.js';

const START = Date.UTC(2024, 1, 29, 23, 59, 58, 500); // Thursday, leap day, half a second in

function setup(opts: { ramBytes?: number; startTimeMs?: number } = {}) {
  const clock = new FakeClock();
  const irq = new RecordingIrqSink(clock);
  const bus = new PortBus();
  const rtc = new CmosRtc({ clock, irq, ramBytes: opts.ramBytes ?? 256 * 1024 * 1024, startTimeMs: opts.startTimeMs ?? START });
  rtc.register(bus);
  const rd = (i: number) => { bus.write(0x70, 1, i); return bus.read(0x71, 1); };
  const wr = (i: number, v: number) => { bus.write(0x70, 1, i); bus.write(0x71, 1, v); };
  return { clock, irq, bus, rtc, rd, wr };
}

function runUntil(clock: FakeClock, rtc: CmosRtc, untilNs: number, onEvent?: () => void): void {
  for (;;) {
    const next = rtc.nextEventNs();
    if (next > untilNs) break;
    clock.set(next);
    rtc.update(next);
    onEvent?.();
  }
  clock.set(untilNs);
  rtc.update(untilNs);
}

describe('devices/cmos-rtc', () => {
  it('reads the start time in BCD, 24-hour, with century and day of week', () => {
    const { rd } = setup();
    expect([rd(0), rd(2), rd(4), rd(6), rd(7), rd(8), rd(9), rd(0x32)]).to.deep.equal([0x58, 0x59, 0x23, 0x05, 0x29, 0x02, 0x24, 0x20]);
    expect(rd(0x0a)).to.equal(0x26);
    expect(rd(0x0b)).to.equal(0x02);
    expect(rd(0x0d)).to.equal(0x80);
  });

  it('advances with virtual time, across a leap-day month end', () => {
    const { clock, rd, rtc } = setup();
    clock.set(499_999_999);
    expect(rd(0)).to.equal(0x58);
    clock.set(500_000_000);
    expect(rd(0)).to.equal(0x59);
    clock.set(1_500_000_000);
    expect([rd(0), rd(2), rd(4), rd(6), rd(7), rd(8), rd(9)]).to.deep.equal([0x00, 0x00, 0x00, 0x06, 0x01, 0x03, 0x24]);
    clock.set(1_500_000_000 + 86_400e9 * 400); // a long jump: 400 days later
    expect(rtc.timeMs()).to.equal(Date.UTC(2025, 3, 5, 0, 0, 0));
    expect(rd(6)).to.equal(0x07); // 2025-04-05 was a Saturday
  });

  it('binary and 12-hour formats per register B', () => {
    const { rd, wr } = setup({ startTimeMs: Date.UTC(2023, 11, 31, 13, 5, 9) });
    wr(0x0b, 0x06); // binary, 24h
    expect([rd(0), rd(2), rd(4), rd(9)]).to.deep.equal([9, 5, 13, 23]);
    wr(0x0b, 0x04); // binary, 12h
    expect(rd(4)).to.equal(0x80 | 1);
    wr(0x0b, 0x00); // BCD, 12h
    wr(4, 0x80 | 0x12); // 12 PM
    wr(0x0b, 0x02);
    expect(rd(4)).to.equal(0x12);
    wr(0x0b, 0x00);
    wr(4, 0x12); // 12 AM
    wr(0x0b, 0x02);
    expect(rd(4)).to.equal(0x00);
  });

  it('sets UIP during the 244 us before each update', () => {
    const { clock, rd } = setup();
    clock.set(500_000_000 - 244_001);
    expect(rd(0x0a) & 0x80).to.equal(0);
    clock.set(500_000_000 - 244_000);
    expect(rd(0x0a) & 0x80).to.equal(0x80);
    expect(rd(0)).to.equal(0x58);
    clock.set(500_000_000);
    expect(rd(0x0a) & 0x80).to.equal(0);
    expect(rd(0)).to.equal(0x59);
  });

  it('SET stops the clock so it can be written; clearing it resumes', () => {
    const { clock, rd, wr } = setup();
    wr(0x0b, 0x82 | 0x10);
    expect(rd(0x0b)).to.equal(0x82); // SET going high clears UIE
    wr(0, 0x30); wr(2, 0x15); wr(4, 0x08); wr(7, 0x01); wr(8, 0x01); wr(9, 0x99); wr(0x32, 0x19);
    clock.set(5e9);
    expect(rd(0)).to.equal(0x30);
    wr(0x0b, 0x02);
    clock.set(5.5e9);
    expect([rd(0), rd(2), rd(4), rd(9), rd(0x32)]).to.deep.equal([0x31, 0x15, 0x08, 0x99, 0x19]);
  });

  it('periodic interrupt at the register A rate on IRQ8, cleared by reading C', () => {
    const { clock, irq, rd, wr, rtc } = setup();
    expect(rtc.nextEventNs()).to.equal(Infinity);
    wr(0x0a, 0x26); // 1024 Hz
    wr(0x0b, 0x42); // PIE
    expect(rtc.nextEventNs()).to.equal(Math.ceil(1e9 / 1024));
    let count = 0;
    runUntil(clock, rtc, 1e9, () => {
      expect(irq.levels[8]).to.equal(true);
      expect(rtc.nextEventNs()).to.equal(Infinity); // IRQ8 stays up until C is read
      const c = rd(0x0c);
      expect(c & 0xc0).to.equal(0xc0);
      expect(irq.levels[8]).to.equal(false);
      count++;
    });
    expect(count).to.equal(1024);
    wr(0x0a, 0x2f); // 2 Hz
    irq.clear();
    count = 0;
    runUntil(clock, rtc, 3e9, () => { rd(0x0c); count++; });
    expect(count).to.equal(4);
  });

  it('flags are set without their enables; reading C clears them', () => {
    const { clock, irq, rd } = setup();
    clock.set(1e9);
    expect(rd(0x0c)).to.equal(0x40 | 0x10); // PF and UF, no IRQF
    clock.set(2e9); // crosses 00:00:00, which matches the all-zero alarm registers
    expect(rd(0x0c)).to.equal(0x40 | 0x20 | 0x10);
    expect(rd(0x0c)).to.equal(0);
    expect(irq.events.length).to.equal(0);
  });

  it('update-ended and alarm interrupts', () => {
    const { clock, irq, rd, wr, rtc } = setup();
    wr(0x0b, 0x12); // UIE
    expect(rtc.nextEventNs()).to.equal(500_000_000);
    clock.set(500_000_000);
    rtc.update(500_000_000);
    expect(irq.levels[8]).to.equal(true);
    expect(rd(0x0c)).to.equal(0x80 | 0x10 | 0x40);
    wr(0x0b, 0x22); // AIE only
    wr(1, 0x05); wr(3, 0xff); wr(5, 0xff); // alarm at second 5 of any minute/hour
    rd(0x0c);
    let at = -1;
    runUntil(clock, rtc, 10e9, () => {
      if (irq.levels[8] && at < 0) { at = clock.ns; }
      rd(0x0c);
    });
    expect(at).to.equal(6.5e9); // 00:00:05 is 6.5 s after 23:59:58.5
  });

  it('memory size, equipment and checksum bytes', () => {
    const big = setup({ ramBytes: 256 * 1024 * 1024 });
    const w = (rd: (i: number) => number, i: number) => rd(i) | (rd(i + 1) << 8);
    expect(w(big.rd, 0x15)).to.equal(640);
    expect(w(big.rd, 0x17)).to.equal(0xffff);
    expect(w(big.rd, 0x30)).to.equal(0xffff);
    expect(w(big.rd, 0x34)).to.equal((256 - 16) * 16);
    expect(big.rd(0x14) & 0x02).to.equal(0x02);
    const small = setup({ ramBytes: 32 * 1024 * 1024 });
    expect(w(small.rd, 0x17)).to.equal(31 * 1024);
    expect(w(small.rd, 0x30)).to.equal(31 * 1024);
    expect(w(small.rd, 0x34)).to.equal(256);
    let sum = 0;
    for (let i = 0x10; i <= 0x2d; i++) sum += small.rd(i);
    expect((small.rd(0x2e) << 8) | small.rd(0x2f)).to.equal(sum);
  });

  it('index bit 7 masks NMI; general CMOS bytes are read/write', () => {
    const { bus, rtc, rd, wr } = setup();
    bus.write(0x70, 1, 0x80 | 0x40);
    expect(rtc.nmiMasked).to.equal(true);
    bus.write(0x71, 1, 0x5a);
    expect(rd(0x40)).to.equal(0x5a);
    expect(rtc.nmiMasked).to.equal(false);
    wr(0x0d, 0);
    expect(rd(0x0d)).to.equal(0x80);
  });
});
