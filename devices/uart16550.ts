/**
 * A National PC16550D UART (the "16550A" Linux's 8250 driver detects):
 * COM1 at 0x3F8 / IRQ4 by default (COM2 0x2F8/IRQ3, COM3 0x3E8/IRQ4,
 * COM4 0x2E8/IRQ3).
 *
 * Follows the PC16550D datasheet (National Semiconductor, June 1995):
 * - register map (Table II): RBR/THR and IER at offsets 0/1, or the divisor
 *   latch DLL/DLM when LCR bit 7 (DLAB) is set; IIR (read) / FCR (write) at
 *   2, unaffected by DLAB; LCR 3, MCR 4, LSR 5, MSR 6, SCR 7; IER bits 4-7
 *   and MCR bits 5-7 always read 0;
 * - FIFO mode (FCR bit 0): 16-byte receive FIFO with trigger levels 1, 4, 8,
 *   14 (FCR bits 7-6); IIR bits 7-6 read 11 while FIFOs are enabled;
 *   changing FCR bit 0 clears both FIFOs; FCR bits 1/2 clear them;
 * - interrupt priorities (Table IV): receiver line status (0x6) > received
 *   data available (0x4) / character timeout (0xC, FIFO mode: data in the
 *   FIFO and nothing received or read for 4 character times) > THR empty
 *   (0x2) > modem status (0x0);
 * - THRE interrupt: raised when THR (FIFO) becomes empty, and when ETBEI is
 *   set while THR is empty; cleared by reading IIR when it is the source or
 *   by writing THR;
 * - loopback (MCR bit 4): transmitter output is looped to the receiver,
 *   the modem control outputs to the modem status inputs (RTS->CTS,
 *   DTR->DSR, OUT1->RI, OUT2->DCD), the serial input is disconnected.
 * On the PC the INTR pin reaches the IRQ line only while OUT2 is set (the
 * board's tri-state buffer), and in loopback the OUT2 pin is forced
 * inactive, so no IRQ reaches the PIC then; `out2GatesIrq: false` turns
 * that gating off.
 *
 * Transmission is instantaneous (no baud timing): a byte written to THR is
 * handed to onTransmit at once and THR/TSR are empty again, so THRE and
 * TEMT always read 1 and the THRE interrupt re-arms after every write.
 * Reception: receive() queues host bytes in an unbounded software queue
 * which refills the 16-byte FIFO (or the 1-byte holding register in 16450
 * mode) as the guest reads, so pasted text is never overrun. The character
 * timeout uses virtual time (4 character times at the programmed divisor
 * and frame format).
 */
import type { Clock, IrqSink } from '../runtime/irq.js';
import { BytePortDevice } from './byte-ports.js';
import type { TimedDevice } from './timing.js';
import { StateReader, type SavedState } from './device-state.js';

const IER_RDI = 0x01, IER_THRI = 0x02, IER_RLSI = 0x04, IER_MSI = 0x08;
const MCR_DTR = 0x01, MCR_RTS = 0x02, MCR_OUT1 = 0x04, MCR_OUT2 = 0x08, MCR_LOOP = 0x10;
const MSR_CTS = 0x10, MSR_DSR = 0x20, MSR_RI = 0x40, MSR_DCD = 0x80;
const LSR_DR = 0x01, LSR_OE = 0x02, LSR_BI = 0x10, LSR_THRE = 0x20, LSR_TEMT = 0x40;
const FIFO_SIZE = 16;
const TRIGGER = [1, 4, 8, 14];

export const COM_PORTS = [
  { base: 0x3f8, irq: 4 },
  { base: 0x2f8, irq: 3 },
  { base: 0x3e8, irq: 4 },
  { base: 0x2e8, irq: 3 },
] as const;

export interface Uart16550Options {
  clock: Clock;
  irq: IrqSink;
  /** I/O base (0x3F8 = COM1). */
  base?: number;
  /** IRQ line (4 for COM1). */
  irqLine?: number;
  /** Bytes the guest transmits (not called in loopback mode). */
  onTransmit?: (byte: number) => void;
  /** Gate the IRQ line with MCR OUT2 (and force it off in loopback), as PC boards do. Default true. */
  out2GatesIrq?: boolean;
}

export class Uart16550 extends BytePortDevice implements TimedDevice {
  protected readonly portRanges: readonly (readonly [number, number])[];
  onTransmit?: (byte: number) => void;
  readonly base: number;
  readonly irqLine: number;

  private readonly clock: Clock;
  private readonly irq: IrqSink;
  private readonly out2Gates: boolean;

  private ier = 0;
  private lcr = 0;
  private mcr = 0;
  private scr = 0;
  private dll = 0x0c; // 9600 baud until programmed
  private dlm = 0;
  private fifoEnabled = false;
  private trigger = 1;
  /** LSR error bits (OE/PE/FE/BI) waiting to be read. */
  private lsrErrors = 0;
  /** MSR delta bits (0-3) and the current modem inputs (bits 4-7). */
  private msrDelta = 0;
  private msrIn = 0;
  /** Modem inputs from the host side when not in loopback: DCD, DSR, CTS asserted. */
  private hostModem = MSR_DCD | MSR_DSR | MSR_CTS;

  private rx: number[] = [];
  private lastRbr = 0;
  private queue: number[] = [];
  private queueHead = 0;
  private thrIntPending = false;
  private timeoutPending = false;
  /** Virtual time of the last byte received into or read from the RX FIFO. */
  private rxActivityNs = 0;
  private line = false;

  constructor(opts: Uart16550Options) {
    super();
    this.clock = opts.clock;
    this.irq = opts.irq;
    this.base = opts.base ?? 0x3f8;
    this.irqLine = opts.irqLine ?? 4;
    this.onTransmit = opts.onTransmit;
    this.out2Gates = opts.out2GatesIrq ?? true;
    this.portRanges = [[this.base, 8]];
    this.msrIn = this.hostModem;
  }

  // ---- snapshots (devices/device-state.ts) ----

  static readonly STATE_VERSION = 1;

  /** Registers, FIFO, the host bytes queued but not yet received, the IRQ line's level. */
  saveState(): SavedState {
    return {
      v: Uart16550.STATE_VERSION, ier: this.ier, lcr: this.lcr, mcr: this.mcr, scr: this.scr, dll: this.dll, dlm: this.dlm,
      fifoEnabled: this.fifoEnabled, trigger: this.trigger, lsrErrors: this.lsrErrors, msrDelta: this.msrDelta, msrIn: this.msrIn,
      hostModem: this.hostModem, rx: [...this.rx], lastRbr: this.lastRbr, queue: this.queue.slice(this.queueHead),
      thrIntPending: this.thrIntPending, timeoutPending: this.timeoutPending, rxActivityNs: this.rxActivityNs, line: this.line,
    };
  }

  /** Restore a saveState() result (the IRQ line's level is the PIC's to restore). */
  loadState(state: unknown, what = `UART 0x${this.base.toString(16)}`): void {
    const r = new StateReader(state, what, Uart16550.STATE_VERSION);
    this.ier = r.int('ier', 0, 0x0f); this.lcr = r.int('lcr', 0, 0xff); this.mcr = r.int('mcr', 0, 0x1f); this.scr = r.int('scr', 0, 0xff);
    this.dll = r.int('dll', 0, 0xff); this.dlm = r.int('dlm', 0, 0xff); this.fifoEnabled = r.bool('fifoEnabled');
    this.trigger = r.int('trigger', 1, 14); this.lsrErrors = r.int('lsrErrors', 0, 0xff); this.msrDelta = r.int('msrDelta', 0, 0x0f);
    this.msrIn = r.int('msrIn', 0, 0xf0); this.hostModem = r.int('hostModem', 0, 0xf0);
    this.rx = r.ints('rx', 0, 0xff, FIFO_SIZE); this.lastRbr = r.int('lastRbr', 0, 0xff);
    this.queue = r.ints('queue', 0, 0xff); this.queueHead = 0;
    this.thrIntPending = r.bool('thrIntPending'); this.timeoutPending = r.bool('timeoutPending');
    this.rxActivityNs = r.num('rxActivityNs', -Number.MAX_VALUE, Number.MAX_VALUE); this.line = r.bool('line');
  }

  // ---- host side ----

  /** Queue bytes typed on the host for the guest to receive. */
  receive(bytes: Uint8Array | readonly number[] | string): void {
    if (typeof bytes === 'string') bytes = new TextEncoder().encode(bytes);
    for (const b of bytes) this.queue.push(b & 0xff);
    this.pump();
    this.drive();
  }

  /** Bytes received from the host that the guest has not read yet (FIFO + queue). */
  get pendingInput(): number {
    return this.rx.length + this.queue.length - this.queueHead;
  }

  /** Set the modem status inputs seen when not in loopback (bits of MSR 4-7). */
  setModemInputs(msrBits: number): void {
    this.hostModem = msrBits & 0xf0;
    if (!(this.mcr & MCR_LOOP)) this.setMsrInputs(this.hostModem);
    this.drive();
  }

  // ---- TimedDevice: the character timeout ----

  private charTimeNs(): number {
    const divisor = (this.dlm << 8 | this.dll) || 0x10000;
    const wordBits = 5 + (this.lcr & 3);
    const stop = (this.lcr & 4) ? (wordBits === 5 ? 1.5 : 2) : 1;
    const bits = 1 + wordBits + ((this.lcr & 8) ? 1 : 0) + stop;
    return (bits * divisor * 1e9) / 115200;
  }

  private timeoutDeadline(): number {
    return this.rxActivityNs + 4 * this.charTimeNs();
  }

  nextEventNs(): number {
    if (!this.fifoEnabled || !this.rx.length || this.timeoutPending || !(this.ier & IER_RDI)) return Infinity;
    return Math.ceil(this.timeoutDeadline());
  }

  update(nowNs: number): void {
    this.sync(nowNs);
    this.drive();
  }

  private sync(now: number): void {
    if (this.fifoEnabled && this.rx.length && !this.timeoutPending && now >= this.timeoutDeadline()) {
      this.timeoutPending = true;
    }
  }

  // ---- receive path ----

  private get loopback(): boolean { return (this.mcr & MCR_LOOP) !== 0; }

  /** Move queued host bytes into the receiver (FIFO or holding register). */
  private pump(): void {
    if (this.loopback) return;
    const cap = this.fifoEnabled ? FIFO_SIZE : 1;
    let moved = false;
    while (this.rx.length < cap && this.queueHead < this.queue.length) {
      this.rx.push(this.queue[this.queueHead++]);
      moved = true;
    }
    if (this.queueHead > 4096 && this.queueHead * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.queueHead);
      this.queueHead = 0;
    }
    if (moved) this.rxActivityNs = this.clock.nowNs();
  }

  /** A byte arriving at the receiver from the line (loopback). */
  private receiveFromLine(b: number): void {
    const cap = this.fifoEnabled ? FIFO_SIZE : 1;
    if (this.rx.length >= cap) {
      this.lsrErrors |= LSR_OE;
      if (!this.fifoEnabled) this.rx[0] = b; // 16450: the new byte overwrites RBR
      return;
    }
    this.rx.push(b);
    this.rxActivityNs = this.clock.nowNs();
  }

  // ---- modem status ----

  private setMsrInputs(bits: number): void {
    const old = this.msrIn, changed = old ^ bits;
    if (changed & MSR_CTS) this.msrDelta |= 0x01;
    if (changed & MSR_DSR) this.msrDelta |= 0x02;
    if ((old & MSR_RI) && !(bits & MSR_RI)) this.msrDelta |= 0x04; // TERI: trailing edge of RI
    if (changed & MSR_DCD) this.msrDelta |= 0x08;
    this.msrIn = bits;
  }

  private loopbackInputs(): number {
    const m = this.mcr;
    return (m & MCR_RTS ? MSR_CTS : 0) | (m & MCR_DTR ? MSR_DSR : 0) | (m & MCR_OUT1 ? MSR_RI : 0) | (m & MCR_OUT2 ? MSR_DCD : 0);
  }

  // ---- interrupts ----

  /** The IIR interrupt identification (bits 3-0) of the highest-priority pending source. */
  private interruptId(): number {
    const ier = this.ier;
    if ((ier & IER_RLSI) && this.lsrErrors) return 0x06;
    if (ier & IER_RDI) {
      if (this.rx.length && (!this.fifoEnabled || this.rx.length >= this.trigger)) return 0x04;
      if (this.timeoutPending) return 0x0c;
    }
    if ((ier & IER_THRI) && this.thrIntPending) return 0x02;
    if ((ier & IER_MSI) && this.msrDelta) return 0x00;
    return 0x01;
  }

  private drive(): void {
    let level = this.interruptId() !== 0x01;
    if (this.out2Gates && (!(this.mcr & MCR_OUT2) || this.loopback)) level = false;
    if (level !== this.line) {
      this.line = level;
      this.irq.setIrq(this.irqLine, level);
    }
  }

  // ---- ports ----

  protected readByte(port: number): number {
    const now = this.clock.nowNs();
    this.sync(now);
    const v = this.readRegister(port - this.base, now);
    this.drive();
    return v;
  }

  private readRegister(offset: number, now: number): number {
    const dlab = (this.lcr & 0x80) !== 0;
    let v: number;
    switch (offset) {
      case 0:
        if (dlab) return this.dll;
        if (this.rx.length) {
          v = this.lastRbr = this.rx.shift()!;
          this.rxActivityNs = now;
          this.timeoutPending = false;
          this.pump();
        } else {
          v = this.lastRbr;
        }
        break;
      case 1:
        return dlab ? this.dlm : this.ier;
      case 2: {
        const id = this.interruptId();
        if (id === 0x02) this.thrIntPending = false; // reading IIR clears a THRE interrupt it reports
        v = id | (this.fifoEnabled ? 0xc0 : 0);
        break;
      }
      case 3:
        return this.lcr;
      case 4:
        return this.mcr;
      case 5:
        v = (this.rx.length ? LSR_DR : 0) | this.lsrErrors | LSR_THRE | LSR_TEMT;
        this.lsrErrors = 0;
        break;
      case 6:
        v = this.msrDelta | this.msrIn;
        this.msrDelta = 0;
        break;
      default:
        return this.scr;
    }
    return v;
  }

  protected writeByte(port: number, v: number): void {
    this.sync(this.clock.nowNs());
    this.writeRegister(port - this.base, v);
    this.drive();
  }

  private writeRegister(offset: number, v: number): void {
    const dlab = (this.lcr & 0x80) !== 0;
    switch (offset) {
      case 0:
        if (dlab) { this.dll = v; return; }
        this.thrIntPending = false;
        if (this.loopback) this.receiveFromLine(v);
        else this.onTransmit?.(v);
        // The byte left THR (and the shift register) at once: THR is empty again.
        this.thrIntPending = true;
        break;
      case 1: {
        if (dlab) { this.dlm = v; return; }
        const old = this.ier;
        this.ier = v & 0x0f;
        if ((this.ier & IER_THRI) && !(old & IER_THRI)) this.thrIntPending = true; // THR is always empty
        if (!(this.ier & IER_THRI)) this.thrIntPending = false;
        break;
      }
      case 2: {
        const enable = (v & 1) !== 0;
        if (enable !== this.fifoEnabled) {
          this.rx = [];
          this.timeoutPending = false;
        }
        this.fifoEnabled = enable;
        if (enable) {
          if (v & 0x02) { this.rx = []; this.timeoutPending = false; }
          this.trigger = TRIGGER[v >> 6];
        }
        this.pump();
        break;
      }
      case 3:
        if ((v & 0x40) && this.loopback && !(this.lcr & 0x40)) {
          this.lsrErrors |= LSR_BI; // break looped back to the receiver
        }
        this.lcr = v;
        break;
      case 4: {
        const wasLoop = this.loopback;
        this.mcr = v & 0x1f;
        this.setMsrInputs(this.loopback ? this.loopbackInputs() : this.hostModem);
        if (wasLoop && !this.loopback) this.pump();
        break;
      }
      case 5:
      case 6:
        return; // LSR/MSR writes: factory test only
      default:
        this.scr = v;
        return;
    }
  }
}
