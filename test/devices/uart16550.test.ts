import { expect } from 'chai';
import { PortBus } from '../../runtime/io.js';
import { Uart16550 } from '../../devices/uart16550.js';
import { FakeClock, RecordingIrqSink } from './helpers.js';

const BASE = 0x3f8;
const RBR = 0, IER = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7;

function setup() {
  const clock = new FakeClock();
  const irq = new RecordingIrqSink(clock);
  const bus = new PortBus();
  const out: number[] = [];
  const uart = new Uart16550({ clock, irq, onTransmit: (b) => out.push(b) });
  uart.register(bus);
  const inb = (off: number) => bus.read(BASE + off, 1);
  const outb = (off: number, v: number) => bus.write(BASE + off, 1, v);
  return { clock, irq, bus, uart, out, inb, outb };
}

/**
 * The port-type detection of Linux 6.1's drivers/tty/serial/8250/8250_port.c
 * autoconfig() and autoconfig_16550a(), step by step (without
 * UPF_SKIP_TEST, so the loopback check runs too).
 */
function linuxAutoconfig(inb: (o: number) => number, outb: (o: number, v: number) => void, bus: PortBus): string {
  const scratch = inb(IER);
  outb(IER, 0);
  bus.write(0x80, 1, 0xff);
  const scratch2 = inb(IER) & 0x0f;
  outb(IER, 0x0f);
  bus.write(0x80, 1, 0);
  const scratch3 = inb(IER) & 0x0f;
  outb(IER, scratch);
  if (scratch2 !== 0 || scratch3 !== 0x0f) return 'absent';

  const saveMcr = inb(MCR), saveLcr = inb(LCR);
  outb(MCR, 0x10 | 0x0a);
  const status1 = inb(MSR) & 0xf0;
  outb(MCR, saveMcr);
  if (status1 !== 0x90) return 'loopback test failed';

  outb(LCR, 0xbf); // UART_LCR_CONF_MODE_B
  outb(2, 0); // EFR (= FCR here)
  outb(LCR, 0);
  outb(FCR, 0x01);
  let type: string;
  switch (inb(IIR) >> 6) {
    case 0: type = '8250/16450'; break;
    case 1: type = 'unknown'; break;
    case 2: type = '16550'; break;
    default: type = autoconfig16550a();
  }
  outb(LCR, saveLcr);
  outb(MCR, saveMcr);
  outb(FCR, 0x01); outb(FCR, 0x07); outb(FCR, 0); // serial8250_clear_fifos
  inb(RBR);
  return type;

  function autoconfig16550a(): string {
    outb(LCR, 0x80); // UART_LCR_CONF_MODE_A
    if (inb(2) === 0) return 'EFRv1 (16650)';
    outb(LCR, 0xbf);
    if (inb(2) === 0) return 'EFRv2';
    outb(LCR, 0);
    const st1 = inb(MCR);
    outb(LCR, 0xe0);
    let st2 = inb(0x02);
    if (!((st2 ^ st1) & 0x10)) {
      outb(LCR, 0);
      outb(MCR, st1 ^ 0x10);
      outb(LCR, 0xe0);
      st2 = inb(0x02);
      outb(LCR, 0);
      outb(MCR, st1);
      if ((st2 ^ st1) & 0x10) return 'NS16550A (SuperIO)';
    }
    outb(LCR, 0);
    outb(FCR, 0x01 | 0x20);
    const s1 = inb(IIR) >> 5;
    outb(FCR, 0x01);
    outb(LCR, 0x80);
    outb(FCR, 0x01 | 0x20);
    const s2 = inb(IIR) >> 5;
    outb(FCR, 0x01);
    outb(LCR, 0);
    if (s1 === 6 && s2 === 7) return '16750';
    const iersave = inb(IER);
    outb(IER, iersave & ~0x40);
    if (!(inb(IER) & 0x40)) {
      outb(IER, iersave | 0x40);
      if (inb(IER) & 0x40) return 'XScale';
    }
    outb(IER, iersave);
    return '16550A';
  }
}

describe('devices/uart16550', () => {
  it('is identified as a 16550A by Linux autoconfig', () => {
    const { inb, outb, bus, out } = setup();
    expect(linuxAutoconfig(inb, outb, bus)).to.equal('16550A');
    expect(out).to.deep.equal([]);
  });

  it('keeps the scratch register, divisor latch and LCR/MCR', () => {
    const { inb, outb } = setup();
    outb(SCR, 0xa5);
    expect(inb(SCR)).to.equal(0xa5);
    outb(IER, 0x05);
    outb(LCR, 0x83); // DLAB, 8N1
    outb(0, 0x01);
    outb(1, 0x00); // 115200 baud
    expect(inb(0)).to.equal(0x01);
    expect(inb(1)).to.equal(0x00);
    outb(LCR, 0x03);
    expect(inb(IER)).to.equal(0x05);
    expect(inb(LCR)).to.equal(0x03);
    outb(MCR, 0xff);
    expect(inb(MCR)).to.equal(0x1f);
    expect(inb(LSR)).to.equal(0x60);
  });

  it('transmits through onTransmit with THRE/TEMT always set', () => {
    const { inb, outb, out } = setup();
    for (const c of 'hi\n') outb(0, c.charCodeAt(0));
    expect(String.fromCharCode(...out)).to.equal('hi\n');
    expect(inb(LSR) & 0x60).to.equal(0x60);
  });

  it('THRE interrupt: on enabling ETBEI, cleared by IIR read, re-armed by THR write', () => {
    const { irq, inb, outb } = setup();
    outb(FCR, 0x07);
    outb(MCR, 0x0b); // DTR, RTS, OUT2
    expect(irq.levels[4]).to.equal(false);
    outb(IER, 0x02);
    expect(irq.levels[4]).to.equal(true);
    expect(inb(IIR)).to.equal(0xc2);
    expect(irq.levels[4]).to.equal(false);
    expect(inb(IIR)).to.equal(0xc1);
    outb(0, 0x41);
    expect(irq.levels[4]).to.equal(true);
    outb(IER, 0x00);
    expect(irq.levels[4]).to.equal(false);
    expect(inb(IIR)).to.equal(0xc1);
  });

  it('passes the THRE re-assertion test of serial8250_do_startup', () => {
    const { inb, outb } = setup();
    outb(IER, 0x02);
    const iir1 = inb(IIR);
    outb(IER, 0);
    outb(IER, 0x02);
    const iir = inb(IIR);
    outb(IER, 0);
    // UART_BUG_THRE is set if (!(iir1 & NO_INT) && (iir & NO_INT)).
    expect(iir1 & 1).to.equal(0);
    expect(iir & 1).to.equal(0);
    // UART_BUG_TXEN check: THRI enabled with TEMT set must report an interrupt.
    outb(IER, 0x02);
    const lsr = inb(LSR);
    const iir2 = inb(IIR);
    outb(IER, 0);
    expect(!!(lsr & 0x40) && !!(iir2 & 1)).to.equal(false);
  });

  it('gates the IRQ line with OUT2', () => {
    const { irq, inb, outb } = setup();
    outb(IER, 0x02);
    expect(inb(IIR) & 0x0f).to.equal(0x02);
    outb(0, 0x20); // re-arm
    expect(irq.levels[4]).to.equal(false);
    outb(MCR, 0x08);
    expect(irq.levels[4]).to.equal(true);
  });

  it('RX FIFO: data-available interrupt at the trigger level, character timeout below it', () => {
    const { clock, irq, inb, outb, uart } = setup();
    outb(LCR, 0x83); outb(0, 1); outb(1, 0); outb(LCR, 0x03); // 115200 8N1
    outb(FCR, 0x81); // FIFO on, trigger 8
    outb(MCR, 0x08);
    outb(IER, 0x01);
    uart.receive([1, 2, 3]);
    expect(irq.levels[4]).to.equal(false);
    expect(inb(LSR) & 0x01).to.equal(1);
    expect(inb(IIR)).to.equal(0xc1);
    const charNs = (10 * 1e9) / 115200;
    const deadline = uart.nextEventNs();
    expect(deadline).to.equal(Math.ceil(4 * charNs));
    clock.set(deadline - 1);
    uart.update(clock.ns);
    expect(irq.levels[4]).to.equal(false);
    clock.set(deadline);
    uart.update(clock.ns);
    expect(irq.levels[4]).to.equal(true);
    expect(inb(IIR)).to.equal(0xcc);
    expect(inb(RBR)).to.equal(1); // reading clears the timeout and restarts the timer
    expect(irq.levels[4]).to.equal(false);
    expect(inb(IIR)).to.equal(0xc1);
    expect(inb(RBR)).to.equal(2);
    expect(inb(RBR)).to.equal(3);
    expect(inb(LSR) & 0x01).to.equal(0);
    expect(uart.nextEventNs()).to.equal(Infinity);
    uart.receive(Array.from({ length: 10 }, (_, i) => 0x30 + i));
    expect(irq.levels[4]).to.equal(true);
    expect(inb(IIR)).to.equal(0xc4);
    const got: number[] = [];
    while (inb(LSR) & 1) {
      got.push(inb(RBR));
      if (got.length === 3) expect(inb(IIR)).to.equal(0xc1); // 7 left: below the trigger
    }
    expect(got).to.deep.equal([0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39]);
  });

  it('does not lose pasted text: the software queue refills the FIFO', () => {
    const { inb, outb, uart } = setup();
    outb(FCR, 0xc7);
    const text = 'x'.repeat(500) + 'the end';
    uart.receive(text);
    expect(uart.pendingInput).to.equal(text.length);
    let got = '';
    while (inb(LSR) & 1) got += String.fromCharCode(inb(RBR));
    expect(got).to.equal(text);
  });

  it('16450 mode (FIFO off): one holding register, RDA on every byte, IIR bits 7-6 clear', () => {
    const { irq, inb, outb, uart } = setup();
    outb(MCR, 0x08);
    outb(IER, 0x01);
    uart.receive('ab');
    expect(irq.levels[4]).to.equal(true);
    expect(inb(IIR)).to.equal(0x04);
    expect(inb(RBR)).to.equal(0x61);
    expect(inb(IIR)).to.equal(0x04);
    expect(inb(RBR)).to.equal(0x62);
    expect(inb(IIR)).to.equal(0x01);
    expect(irq.levels[4]).to.equal(false);
  });

  it('loopback: THR to RBR, modem outputs to inputs, no host output, no IRQ', () => {
    const { irq, inb, outb, out, uart } = setup();
    uart.receive('host');
    outb(MCR, 0x10 | 0x08);
    outb(FCR, 0x07); // clears the FIFO; the host bytes stay queued while in loopback
    outb(IER, 0x03);
    outb(0, 0x55);
    outb(0, 0xaa);
    expect(out).to.deep.equal([]);
    expect(irq.levels[4]).to.equal(false); // OUT2 is forced inactive in loopback
    expect(inb(IIR)).to.equal(0xc4); // the interrupt is pending internally
    expect(inb(RBR)).to.equal(0x55);
    expect(inb(RBR)).to.equal(0xaa);
    expect(inb(MSR) & 0xf0).to.equal(0x80); // OUT2 -> DCD
    outb(MCR, 0x10 | 0x01 | 0x02 | 0x04);
    expect(inb(MSR)).to.equal(0x70 | 0x08 | 0x03); // DSR, CTS, RI; deltas DDCD, DDSR, DCTS
    outb(MCR, 0x08);
    // 'h' was in the holding register when the FIFO reset dropped it; the queued rest arrives now.
    let rest = '';
    while (inb(LSR) & 1) rest += String.fromCharCode(inb(RBR));
    expect(rest).to.equal('ost');
  });

  it('modem status interrupt', () => {
    const { irq, inb, outb, uart } = setup();
    outb(MCR, 0x08);
    outb(IER, 0x08);
    expect(irq.levels[4]).to.equal(false);
    uart.setModemInputs(0x30); // DCD dropped
    expect(irq.levels[4]).to.equal(true);
    expect(inb(IIR)).to.equal(0x00);
    expect(inb(MSR)).to.equal(0x38);
    expect(irq.levels[4]).to.equal(false);
  });
});
