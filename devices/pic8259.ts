/**
 * The PC/AT pair of 8259A programmable interrupt controllers: master at
 * 0x20/0x21 (IRQ 0-7), slave at 0xA0/0xA1 (IRQ 8-15) cascaded on the
 * master's IR2, plus the PIIX edge/level control registers (ELCR) at
 * 0x4D0/0x4D1.
 *
 * Behaviour follows the Intel 8259A datasheet (order no. 231468):
 * - ICW1-ICW4 initialisation sequence and its resets ("Initialization
 *   Command Words": IMR cleared, IR7 lowest priority, special mask mode
 *   cleared, status read set to IRR, edge-sense circuit reset);
 * - OCW1 (IMR), OCW2 (EOI / specific EOI / rotations / set priority),
 *   OCW3 (read IRR/ISR, poll, special mask mode);
 * - fully nested priority with rotation, special fully nested mode (ICW4
 *   SFNM, master only), automatic EOI with optional rotation;
 * - "Edge Triggered Mode": a request is latched on a rising edge, but the
 *   IR input must stay high until the first INTA; if it has gone low by
 *   then, the 8259A answers with a "default" IR7 (the spurious interrupt),
 *   without setting the ISR bit.
 * Edge/level selection per line is done by the ELCR, as on the PIIX/PIIX3
 * south bridge (82371SB datasheet, 4.1.11): ICW1's LTIM bit is ignored
 * there, and IRQ0, 1, 2, 8 and 13 are always edge triggered.
 */
import type { PortBus, PortHandler } from '../runtime/io.js';
import type { InterruptSource, IrqSink } from '../runtime/irq.js';
import { StateReader, type SavedState } from './device-state.js';
import { settleFields } from '../runtime/settle-fields.js';

/** One 8259A. */
class Chip8259 {
  /** Interrupt request register. */
  irr = 0;
  /** In-service register. */
  isr = 0;
  /** Interrupt mask register (OCW1); all masked at power-on. */
  imr = 0xff;
  /** Set once an ICW sequence has completed: an uninitialised 8259A raises no interrupt. */
  ready = false;
  /** Current level of the eight IR inputs. */
  lines = 0;
  /** Edge/level control (1 = level); bits in `elcrWritable` only. */
  elcr = 0;

  vectorBase = 0;
  icw3 = 0;
  icw4 = 0;
  /** 0: operational; 2, 3, 4: waiting for that ICW on the odd port. */
  initStep = 0;
  private single = false;
  private needIcw4 = false;

  autoEoi = false;
  rotateOnAutoEoi = false;
  specialFullyNested = false;
  specialMask = false;
  readIsr = false;
  poll = false;
  /** The IR level with the lowest priority (7 after init: IR0 highest). */
  lowest = 7;

  constructor(readonly isMaster: boolean, readonly elcrWritable: number) {}

  // ---- snapshots (devices/device-state.ts) ----

  static readonly STATE_VERSION = 1;

  saveState(): SavedState {
    return {
      v: Chip8259.STATE_VERSION, irr: this.irr, isr: this.isr, imr: this.imr, ready: this.ready, lines: this.lines, elcr: this.elcr,
      vectorBase: this.vectorBase, icw3: this.icw3, icw4: this.icw4, initStep: this.initStep, single: this.single, needIcw4: this.needIcw4,
      autoEoi: this.autoEoi, rotateOnAutoEoi: this.rotateOnAutoEoi, specialFullyNested: this.specialFullyNested,
      specialMask: this.specialMask, readIsr: this.readIsr, poll: this.poll, lowest: this.lowest,
    };
  }

  loadState(state: unknown, what: string): void {
    const r = new StateReader(state, what, Chip8259.STATE_VERSION);
    this.irr = r.int('irr', 0, 0xff); this.isr = r.int('isr', 0, 0xff); this.imr = r.int('imr', 0, 0xff);
    this.ready = r.bool('ready'); this.lines = r.int('lines', 0, 0xff); this.elcr = r.int('elcr', 0, 0xff) & this.elcrWritable;
    this.vectorBase = r.int('vectorBase', 0, 0xff); this.icw3 = r.int('icw3', 0, 0xff); this.icw4 = r.int('icw4', 0, 0xff);
    this.initStep = r.int('initStep', 0, 4); this.single = r.bool('single'); this.needIcw4 = r.bool('needIcw4');
    this.autoEoi = r.bool('autoEoi'); this.rotateOnAutoEoi = r.bool('rotateOnAutoEoi'); this.specialFullyNested = r.bool('specialFullyNested');
    this.specialMask = r.bool('specialMask'); this.readIsr = r.bool('readIsr'); this.poll = r.bool('poll'); this.lowest = r.int('lowest', 0, 7);
  }

  private prio(irq: number): number {
    return (irq - this.lowest - 1) & 7;
  }

  /** The highest-priority IR level set in `mask`, or -1. */
  highest(mask: number): number {
    if (!mask) return -1;
    for (let i = 0; i < 8; i++) {
      const irq = (this.lowest + 1 + i) & 7;
      if (mask & (1 << irq)) return irq;
    }
    return -1;
  }

  /** The IR level this chip would present on INT now, or -1 (INT low). */
  resolve(): number {
    if (!this.ready) return -1;
    const irq = this.highest(this.irr & ~this.imr);
    if (irq < 0) return -1;
    let inService = this.isr;
    // Special mask mode: a level masked in the IMR no longer blocks lower ones.
    if (this.specialMask) inService &= ~this.imr;
    // Special fully nested mode (master): the cascade level may nest itself.
    if (this.isMaster && this.specialFullyNested) inService &= ~(1 << 2);
    const cur = this.highest(inService);
    if (cur >= 0 && this.prio(cur) <= this.prio(irq)) return -1;
    return irq;
  }

  setInput(irq: number, level: boolean): void {
    const bit = 1 << irq;
    if (level) {
      if (!(this.lines & bit)) {
        this.lines |= bit;
        this.irr |= bit; // rising edge (edge mode) or level high (level mode)
      }
    } else if (this.lines & bit) {
      this.lines &= ~bit;
      // Level mode: IRR follows the line. Edge mode: the request must stay
      // high until INTA, so a withdrawn request is gone (-> spurious IR7).
      this.irr &= ~bit;
    }
  }

  /** The INTA cycle for `irq` (chosen by resolve()). */
  ack(irq: number): void {
    const bit = 1 << irq;
    if (!(this.elcr & bit)) this.irr &= ~bit; // edge: the latch is consumed
    if (this.autoEoi) {
      if (this.rotateOnAutoEoi) this.lowest = irq;
    } else {
      this.isr |= bit;
    }
  }

  writeCommand(v: number): void {
    if (v & 0x10) { this.icw1(v); return; }
    if (v & 0x08) { this.ocw3(v); return; }
    this.ocw2(v);
  }

  writeData(v: number): void {
    switch (this.initStep) {
      case 2:
        this.vectorBase = v & 0xf8;
        this.initStep = this.single ? (this.needIcw4 ? 4 : 0) : 3;
        break;
      case 3:
        this.icw3 = v;
        this.initStep = this.needIcw4 ? 4 : 0;
        break;
      case 4:
        this.icw4 = v;
        this.autoEoi = (v & 0x02) !== 0;
        this.specialFullyNested = (v & 0x10) !== 0;
        this.initStep = 0;
        break;
      default:
        this.imr = v;
        return;
    }
    if (this.initStep === 0) this.ready = true;
  }

  readCommand(): number {
    if (this.poll) return this.pollRead();
    return this.readIsr ? this.isr : this.irr;
  }

  readData(): number {
    return this.imr;
  }

  /** Poll command (OCW3 P=1): the next read is an INTA that returns the level. */
  private pollRead(): number {
    this.poll = false;
    const irq = this.resolve();
    if (irq < 0) return 0;
    this.ack(irq);
    return 0x80 | irq;
  }

  private icw1(v: number): void {
    this.needIcw4 = (v & 0x01) !== 0;
    this.single = (v & 0x02) !== 0;
    this.initStep = 2;
    this.ready = false;
    this.imr = 0;
    this.isr = 0;
    // Edge-sense circuit reset: an edge line that is already high needs a new rising edge.
    this.irr = this.lines & this.elcr;
    this.lowest = 7;
    this.specialMask = false;
    this.readIsr = false;
    this.poll = false;
    this.rotateOnAutoEoi = false;
    if (!this.needIcw4) {
      this.icw4 = 0;
      this.autoEoi = false;
      this.specialFullyNested = false;
    }
  }

  private ocw2(v: number): void {
    const level = v & 7;
    switch (v >> 5) {
      case 0: this.rotateOnAutoEoi = false; break; // clear rotate in AEOI
      case 4: this.rotateOnAutoEoi = true; break; // set rotate in AEOI
      case 1: // non-specific EOI
      case 5: { // rotate on non-specific EOI
        const irq = this.highest(this.isr);
        if (irq >= 0) {
          this.isr &= ~(1 << irq);
          if (v >> 5 === 5) this.lowest = irq;
        }
        break;
      }
      case 3: this.isr &= ~(1 << level); break; // specific EOI
      case 7: this.isr &= ~(1 << level); this.lowest = level; break; // rotate on specific EOI
      case 6: this.lowest = level; break; // set priority
      default: break; // 2: no operation
    }
  }

  private ocw3(v: number): void {
    if (v & 0x04) this.poll = true;
    if (v & 0x02) this.readIsr = (v & 0x01) !== 0;
    if (v & 0x40) this.specialMask = (v & 0x20) !== 0;
  }

  writeElcr(v: number): void {
    this.elcr = v & this.elcrWritable;
    // Level-triggered lines: IRR follows the input.
    this.irr = (this.irr & ~this.elcr) | (this.lines & this.elcr);
  }
}

/** The master/slave 8259A pair: the CPU's interrupt source and the devices' IRQ sink. */
export class Pic8259 implements InterruptSource, IrqSink, PortHandler {
  /** Called whenever the INTR output to the CPU changes (either direction). */
  onIntrChange?: () => void;

  private readonly master = new Chip8259(true, 0xf8);
  private readonly slave = new Chip8259(false, 0xde);
  private intr = false;

  constructor() {
    // `intr` is read at every block boundary (pending(), inlined into the loop's optimised `run`) and
    // first written ~2.386 G into the boot (the kernel's first unmasked IRQ): a const field until then,
    // whose first write threw away `run`'s optimised code (both its OSR and its regular copy) and
    // pending()'s (session 18, early18; runtime/settle-fields.ts).
    settleFields(this);
  }

  register(bus: PortBus): void {
    bus.register(0x20, 2, this);
    bus.register(0xa0, 2, this);
    bus.register(0x4d0, 2, this);
  }

  /**
   * Program both chips as a PC BIOS leaves them (vectors 0x08 and 0x70,
   * cascade on IR2, normal EOI, everything but the cascade masked), for
   * machines that start a guest without running a BIOS.
   */
  biosDefaults(): void {
    for (const [port, v] of [[0x20, 0x11], [0x21, 0x08], [0x21, 0x04], [0x21, 0x01], [0x21, 0xfb],
      [0xa0, 0x11], [0xa1, 0x70], [0xa1, 0x02], [0xa1, 0x01], [0xa1, 0xff]] as const) {
      this.write(port, 1, v);
    }
  }

  // ---- IrqSink ----

  setIrq(irq: number, level: boolean): void {
    irq &= 15;
    // On the AT, the ISA bus's IRQ2 pin is wired to the slave's IR1 (IRQ9).
    if (irq === 2) irq = 9;
    if (irq < 8) this.master.setInput(irq, level);
    else this.slave.setInput(irq - 8, level);
    this.refresh();
  }

  // ---- InterruptSource ----

  pending(): boolean {
    return this.intr;
  }

  acknowledge(): number {
    const m = this.master;
    const irq = m.resolve();
    let vector: number;
    if (irq < 0) {
      vector = m.vectorBase | 7; // spurious IRQ7: ISR untouched
    } else {
      m.ack(irq);
      if (irq === 2) { // the slave drives the data bus for its vector
        const s = this.slave;
        const sirq = s.resolve();
        if (sirq < 0) {
          vector = s.vectorBase | 7; // spurious IRQ15 (master ISR bit 2 stays set)
        } else {
          s.ack(sirq);
          vector = s.vectorBase + sirq;
        }
      } else {
        vector = m.vectorBase + irq;
      }
    }
    this.refresh();
    return vector;
  }

  // ---- snapshots (devices/device-state.ts) ----

  static readonly STATE_VERSION = 1;

  saveState(): SavedState {
    return { v: Pic8259.STATE_VERSION, master: this.master.saveState(), slave: this.slave.saveState(), intr: this.intr };
  }

  /** Restore a saveState() result: both chips and the INTR output, without calling onIntrChange. */
  loadState(state: unknown): void {
    const r = new StateReader(state, 'PIC', Pic8259.STATE_VERSION);
    this.master.loadState(r.sub('master'), 'PIC master');
    this.slave.loadState(r.sub('slave'), 'PIC slave');
    this.intr = r.bool('intr');
  }

  // ---- state inspection (debugging, tests) ----

  /** IRR/ISR/IMR of both chips as 16-bit values (slave in the high byte). */
  get irr(): number { return this.master.irr | (this.slave.irr << 8); }
  get isr(): number { return this.master.isr | (this.slave.isr << 8); }
  get imr(): number { return this.master.imr | (this.slave.imr << 8); }
  get elcr(): number { return this.master.elcr | (this.slave.elcr << 8); }

  // ---- ports ----

  read(port: number, size: 1 | 2 | 4): number {
    if (size !== 1) {
      // Bytes are independent registers; a wide access reads consecutive ports.
      let v = 0;
      for (let i = 0; i < size; i++) {
        const p = port + i;
        const owned = (p & ~1) === 0x20 || (p & ~1) === 0xa0 || (p & ~1) === 0x4d0;
        v |= (owned ? this.read(p, 1) : 0xff) << (8 * i);
      }
      return v >>> 0;
    }
    let v: number;
    switch (port) {
      case 0x20: v = this.master.readCommand(); break;
      case 0x21: v = this.master.readData(); break;
      case 0xa0: v = this.slave.readCommand(); break;
      case 0xa1: v = this.slave.readData(); break;
      case 0x4d0: return this.master.elcr;
      case 0x4d1: return this.slave.elcr;
      default: return 0xff;
    }
    this.refresh(); // a poll read acknowledges
    return v;
  }

  write(port: number, size: 1 | 2 | 4, value: number): void {
    if (size !== 1) {
      for (let i = 0; i < size; i++) {
        const p = port + i;
        if ((p & ~1) === 0x20 || (p & ~1) === 0xa0 || (p & ~1) === 0x4d0) this.write(p, 1, (value >>> (8 * i)) & 0xff);
      }
      return;
    }
    value &= 0xff;
    switch (port) {
      case 0x20: this.master.writeCommand(value); break;
      case 0x21: this.master.writeData(value); break;
      case 0xa0: this.slave.writeCommand(value); break;
      case 0xa1: this.slave.writeData(value); break;
      case 0x4d0: this.master.writeElcr(value); break;
      case 0x4d1: this.slave.writeElcr(value); break;
      default: return;
    }
    this.refresh();
  }

  /** Propagate the slave's INT to master IR2 and recompute INTR. */
  private refresh(): void {
    const slaveOut = this.slave.resolve() >= 0;
    if (slaveOut !== ((this.master.lines & 4) !== 0)) this.master.setInput(2, slaveOut);
    const intr = this.master.resolve() >= 0;
    if (intr !== this.intr) {
      this.intr = intr;
      this.onIntrChange?.();
    }
  }
}
