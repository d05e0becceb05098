import { expect } from 'chai';
import { PortBus } from '../../runtime/io.js';
import { Pic8259 } from '../../devices/pic8259.js';

/** Linux's init_8259A(auto_eoi = 0): vectors 0x30 / 0x38, cascade on IR2. */
function linuxInit(bus: PortBus, masterIcw4 = 0x01): void {
  bus.write(0x21, 1, 0xff);
  bus.write(0x20, 1, 0x11); // ICW1: edge, cascade, ICW4 needed
  bus.write(0x21, 1, 0x30); // ICW2: vector base
  bus.write(0x21, 1, 0x04); // ICW3: slave on IR2
  bus.write(0x21, 1, masterIcw4); // ICW4: 8086 mode (+AEOI when asked)
  bus.write(0xa0, 1, 0x11);
  bus.write(0xa1, 1, 0x38);
  bus.write(0xa1, 1, 0x02); // slave identity 2
  bus.write(0xa1, 1, 0x01);
  bus.write(0x21, 1, 0x00); // unmask everything
  bus.write(0xa1, 1, 0x00);
}

function setup(masterIcw4 = 0x01) {
  const bus = new PortBus();
  const pic = new Pic8259();
  pic.register(bus);
  linuxInit(bus, masterIcw4);
  return { bus, pic };
}

describe('devices/pic8259', () => {
  it('raises nothing before it is initialised', () => {
    const pic = new Pic8259();
    pic.setIrq(1, true);
    expect(pic.pending()).to.equal(false);
  });

  it('delivers an edge-triggered IRQ with the ICW2 vector base and a specific EOI', () => {
    const { bus, pic } = setup();
    expect(pic.pending()).to.equal(false);
    pic.setIrq(3, true);
    expect(pic.pending()).to.equal(true);
    expect(pic.acknowledge()).to.equal(0x33);
    expect(pic.pending()).to.equal(false);
    bus.write(0x20, 1, 0x0b); // OCW3: read ISR
    expect(bus.read(0x20, 1)).to.equal(0x08);
    bus.write(0x20, 1, 0x0a); // OCW3: read IRR
    expect(bus.read(0x20, 1)).to.equal(0x00);
    bus.write(0x20, 1, 0x63); // specific EOI, level 3
    bus.write(0x20, 1, 0x0b);
    expect(bus.read(0x20, 1)).to.equal(0x00);
    // The line is still high: an edge input needs a new rising edge.
    expect(pic.pending()).to.equal(false);
    pic.setIrq(3, false);
    pic.setIrq(3, true);
    expect(pic.pending()).to.equal(true);
  });

  it('masks through OCW1 and reads the IMR back', () => {
    const { bus, pic } = setup();
    bus.write(0x21, 1, 0x10);
    expect(bus.read(0x21, 1)).to.equal(0x10);
    pic.setIrq(4, true);
    expect(pic.pending()).to.equal(false);
    bus.write(0x20, 1, 0x0a);
    expect(bus.read(0x20, 1)).to.equal(0x10); // requested, but masked
    bus.write(0x21, 1, 0x00);
    expect(pic.pending()).to.equal(true);
    expect(pic.acknowledge()).to.equal(0x34);
  });

  it('resolves priorities: lower IR number first, nesting only for higher priority', () => {
    const { bus, pic } = setup();
    pic.setIrq(5, true);
    pic.setIrq(3, true);
    expect(pic.acknowledge()).to.equal(0x33);
    expect(pic.pending()).to.equal(false); // IR5 waits for IR3's EOI
    pic.setIrq(1, true);
    expect(pic.pending()).to.equal(true); // IR1 may nest
    expect(pic.acknowledge()).to.equal(0x31);
    bus.write(0x20, 1, 0x20); // non-specific EOI clears IR1 (highest in service)
    expect(pic.pending()).to.equal(false);
    bus.write(0x20, 1, 0x20); // ... then IR3
    expect(pic.pending()).to.equal(true);
    expect(pic.acknowledge()).to.equal(0x35);
  });

  it('cascades the slave through IR2 and needs EOIs on both chips', () => {
    const { bus, pic } = setup();
    const changes: boolean[] = [];
    pic.onIntrChange = () => changes.push(pic.pending());
    pic.setIrq(10, true);
    expect(changes).to.deep.equal([true]);
    expect(pic.acknowledge()).to.equal(0x3a);
    expect(changes).to.deep.equal([true, false]);
    expect(pic.isr).to.equal((1 << 10) | (1 << 2));
    // Another slave IRQ of lower priority cannot come through...
    pic.setIrq(12, true);
    expect(pic.pending()).to.equal(false);
    bus.write(0xa0, 1, 0x60 + 2); // slave specific EOI (IR2 of the slave = IRQ10)
    bus.write(0x20, 1, 0x60 + 2); // master specific EOI for the cascade
    expect(pic.pending()).to.equal(true);
    expect(pic.acknowledge()).to.equal(0x3c);
  });

  it('maps ISA IRQ2 to IRQ9', () => {
    const { pic } = setup();
    pic.setIrq(2, true);
    expect(pic.acknowledge()).to.equal(0x39);
  });

  it('answers a withdrawn edge request with a spurious IRQ7 that leaves ISR clear', () => {
    const { bus, pic } = setup();
    pic.setIrq(4, true);
    expect(pic.pending()).to.equal(true); // the CPU saw INTR...
    pic.setIrq(4, false); // ...but the request went away before INTA
    expect(pic.acknowledge()).to.equal(0x37);
    bus.write(0x20, 1, 0x0b);
    expect(bus.read(0x20, 1) & 0x80).to.equal(0); // Linux's spurious check: IR7 not in service
  });

  it('keeps a level-triggered line (ELCR) requesting until it drops', () => {
    const { bus, pic } = setup();
    bus.write(0x4d1, 1, 0xff);
    expect(bus.read(0x4d1, 1)).to.equal(0xde); // IRQ8 and IRQ13 are always edge
    bus.write(0x4d0, 1, 0xff);
    expect(bus.read(0x4d0, 1)).to.equal(0xf8); // IRQ0-2 are always edge
    bus.write(0x4d1, 1, 0x08); // IRQ11 level
    pic.setIrq(11, true);
    expect(pic.acknowledge()).to.equal(0x3b);
    bus.write(0xa0, 1, 0x20);
    bus.write(0x20, 1, 0x20);
    expect(pic.pending()).to.equal(true); // still asserted: requests again
    expect(pic.acknowledge()).to.equal(0x3b);
    pic.setIrq(11, false);
    bus.write(0xa0, 1, 0x20);
    bus.write(0x20, 1, 0x20);
    expect(pic.pending()).to.equal(false);
  });

  it('does not set ISR in auto-EOI mode', () => {
    const { pic } = setup(0x03);
    pic.setIrq(6, true);
    expect(pic.acknowledge()).to.equal(0x36);
    expect(pic.isr & 0xff).to.equal(0);
    pic.setIrq(5, true);
    expect(pic.pending()).to.equal(true);
  });

  it('rotates priorities (set priority, rotate on specific EOI)', () => {
    const { bus, pic } = setup();
    bus.write(0x20, 1, 0xc0 | 3); // OCW2 set priority: IR3 lowest -> IR4 highest
    pic.setIrq(1, true);
    pic.setIrq(5, true);
    expect(pic.acknowledge()).to.equal(0x35);
    bus.write(0x20, 1, 0xe0 | 5); // rotate on specific EOI 5: IR5 lowest -> IR6 highest
    expect(pic.acknowledge()).to.equal(0x31);
    bus.write(0x20, 1, 0x61);
    pic.setIrq(0, true);
    pic.setIrq(7, true);
    expect(pic.acknowledge()).to.equal(0x37); // 7 before 0 now
  });

  it('supports the poll command', () => {
    const { bus, pic } = setup();
    bus.write(0x20, 1, 0x0c); // OCW3 poll
    expect(bus.read(0x20, 1)).to.equal(0x00);
    pic.setIrq(5, true);
    bus.write(0x20, 1, 0x0c);
    expect(bus.read(0x20, 1)).to.equal(0x85);
    expect(pic.isr & 0xff).to.equal(0x20);
    expect(pic.pending()).to.equal(false);
  });

  it('lets lower priorities through in special mask mode', () => {
    const { bus, pic } = setup();
    pic.setIrq(2 + 1, true);
    expect(pic.acknowledge()).to.equal(0x33);
    pic.setIrq(6, true);
    expect(pic.pending()).to.equal(false);
    bus.write(0x21, 1, 0x08); // mask the in-service IR3
    bus.write(0x20, 1, 0x68); // OCW3: set special mask mode
    expect(pic.pending()).to.equal(true);
    expect(pic.acknowledge()).to.equal(0x36);
    bus.write(0x20, 1, 0x48); // reset special mask mode
  });

  it('reinitialisation clears ISR, IMR and pending edges', () => {
    const { bus, pic } = setup();
    pic.setIrq(1, true);
    pic.acknowledge();
    pic.setIrq(4, true);
    linuxInit(bus);
    expect(pic.isr).to.equal(0);
    expect(pic.pending()).to.equal(false); // IR4 is high but its edge was before init
  });
});
