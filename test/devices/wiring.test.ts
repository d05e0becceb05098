/** Devices working together through the PIC, the way the Linux drivers drive them. */
import { expect } from 'chai';
import { PortBus } from '../../runtime/io.js';
import { Pic8259 } from '../../devices/pic8259.js';
import { Uart16550 } from '../../devices/uart16550.js';
import { CmosRtc } from '../../devices/cmos-rtc.js';
import { FakeClock } from './helpers.js';

function machine() {
  const clock = new FakeClock();
  const bus = new PortBus();
  const pic = new Pic8259();
  pic.register(bus);
  for (const [p, v] of [[0x20, 0x11], [0x21, 0x30], [0x21, 0x04], [0x21, 0x01], [0xa0, 0x11], [0xa1, 0x38], [0xa1, 0x02], [0xa1, 0x01], [0x21, 0xeb], [0xa1, 0xfe]]) {
    bus.write(p, 1, v); // IRQ2 (cascade) and IRQ4 unmasked on the master, IRQ8 on the slave
  }
  return { clock, bus, pic };
}

describe('devices wired through the PIC', () => {
  it('serial8250 interrupt-driven transmit and receive on IRQ4', () => {
    const { clock, bus, pic } = machine();
    const out: number[] = [];
    const uart = new Uart16550({ clock, irq: pic, onTransmit: (b) => out.push(b) });
    uart.register(bus);
    const inb = (o: number) => bus.read(0x3f8 + o, 1);
    const outb = (o: number, v: number) => bus.write(0x3f8 + o, 1, v);
    outb(3, 0x83); outb(0, 1); outb(1, 0); outb(3, 0x03);
    outb(2, 0x81); // FIFO, RX trigger 8 (what Linux programs for a 16550A)
    outb(4, 0x0b); // DTR | RTS | OUT2
    let ier = 0x01;
    outb(1, ier);

    const txBuf = Array.from('Hello from the guest kernel, 40 bytes!!\n', (c) => c.charCodeAt(0));
    const rx: number[] = [];
    let interrupts = 0;
    /** serial8250_interrupt + serial8250_handle_irq, in outline. */
    const handler = () => {
      interrupts++;
      for (let pass = 0; pass < 512; pass++) {
        const iir = inb(2);
        if (iir & 1) break;
        let lsr = inb(5);
        while (lsr & 1) { rx.push(inb(0)); lsr = inb(5); }
        if ((lsr & 0x20) && (ier & 0x02)) {
          for (let n = 0; n < 16 && txBuf.length; n++) outb(0, txBuf.shift()!);
          if (!txBuf.length) { ier &= ~0x02; outb(1, ier); }
        }
      }
      bus.write(0x20, 1, 0x64); // specific EOI for IRQ4 (mask_and_ack_8259A)
    };
    const deliver = () => {
      while (pic.pending()) {
        const v = pic.acknowledge();
        expect(v).to.equal(0x34);
        handler();
      }
    };

    ier |= 0x02; // start_tx
    outb(1, ier);
    deliver();
    expect(String.fromCharCode(...out)).to.equal('Hello from the guest kernel, 40 bytes!!\n');
    expect(interrupts).to.equal(1);
    expect(pic.pending()).to.equal(false);

    uart.receive('ls\r');
    expect(pic.pending()).to.equal(false); // 3 bytes < trigger 8: wait for the character timeout
    const t = uart.nextEventNs();
    clock.set(t);
    uart.update(t);
    deliver();
    expect(String.fromCharCode(...rx)).to.equal('ls\r');
    expect(interrupts).to.equal(2);
    expect(uart.nextEventNs()).to.equal(Infinity);
  });

  it('RTC update-ended interrupt is raised even when a register read ran the update', () => {
    const { clock, bus, pic } = machine();
    const rtc = new CmosRtc({ clock, irq: pic, startTimeMs: Date.UTC(2024, 0, 1, 0, 0, 0) });
    rtc.register(bus);
    bus.write(0x70, 1, 0x0b);
    bus.write(0x71, 1, 0x12); // UIE
    clock.set(1.2e9);
    bus.write(0x70, 1, 0x00);
    expect(bus.read(0x71, 1)).to.equal(0x01);
    expect(pic.pending()).to.equal(true);
    expect(pic.acknowledge()).to.equal(0x38);
    bus.write(0x70, 1, 0x0c);
    expect(bus.read(0x71, 1)).to.equal(0x80 | 0x40 | 0x10); // IRQF, UF (and PF: 1024 Hz runs without PIE)
    bus.write(0xa0, 1, 0x20);
    bus.write(0x20, 1, 0x20);
    expect(pic.pending()).to.equal(false);
    expect(rtc.nextEventNs()).to.equal(2e9);
  });
});
