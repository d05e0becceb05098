/**
 * The 8042 keyboard controller at 0x60 (data) / 0x64 (status, command),
 * with an AT keyboard on the keyboard port (IRQ1) and an empty PS/2 aux
 * port (IRQ12).
 *
 * Controller commands (IBM PS/2 Technical Reference, keyboard/auxiliary
 * device controller; the protocol Linux's drivers/input/serio/i8042.c
 * uses): 0x20 read / 0x60 write the command byte (CTR), 0xA7/0xA8 disable /
 * enable the aux port, 0xA9 aux interface test (0x00 = ok), 0xAA self test
 * (0x55), 0xAB keyboard interface test (0x00), 0xAD/0xAE disable / enable
 * the keyboard, 0xC0 read input port, 0xD0/0xD1 read / write the output
 * port (bit 0 = system reset, active low; bit 1 = A20), 0xD2/0xD3 write the
 * keyboard / aux output buffer (loopback), 0xD4 send a byte to the aux
 * device, 0xDD/0xDF A20 off/on, 0xE0 read test inputs, 0xF0-0xFF pulse
 * output port bits 0-3 (0xFE pulses reset).
 *
 * The aux port has nothing plugged in: the controller-internal tests and
 * loopback work (so Linux's i8042_check_aux finds a working port with a
 * working IRQ12), and bytes sent to the device come back as 0xFE with the
 * timeout bit set in the status register, which Linux's psmouse / libps2
 * treat as "no device" at once (no multi-second timeouts).
 *
 * Keyboard commands: 0xFF reset (0xFA, then BAT 0xAA), 0xF2 identify (0xFA
 * 0xAB 0x83, or 0xAB 0x41 when the controller translates), 0xF4 enable,
 * 0xF5 disable + defaults, 0xF6 defaults, 0xED set LEDs, 0xF3 typematic,
 * 0xF0 scan code set, 0xEE echo; others are acknowledged. Bytes handed to
 * keyboardInput() are passed through as they are (the caller produces the
 * scan code set the guest expects; no set 2 -> set 1 translation here).
 *
 * Input/output buffer timing: commands complete at once (IBF always reads 0)
 * and the next queued byte enters the output buffer as soon as the guest
 * reads the previous one.
 */
import type { IrqSink } from '../runtime/irq.js';
import { BytePortDevice } from './byte-ports.js';
import type { A20Gate } from './misc-ports.js';
import { StateError, StateReader, type SavedState, type StateValue } from './device-state.js';

const ST_OBF = 0x01, ST_SYS = 0x04, ST_CMD = 0x08, ST_UNLOCKED = 0x10, ST_AUXDATA = 0x20, ST_TIMEOUT = 0x40;
const CTR_KBDINT = 0x01, CTR_AUXINT = 0x02, CTR_SYS = 0x04, CTR_KBDDIS = 0x10, CTR_AUXDIS = 0x20, CTR_XLATE = 0x40;

interface OutByte { value: number; aux: boolean; timeout: boolean }

export interface I8042Options {
  irq: IrqSink;
  /** Shared with port 0x92; output port bit 1. */
  a20?: A20Gate;
  /** The reset line was pulsed (0xFE, or output port bit 0 written as 0). */
  onReset?: () => void;
  kbdIrqLine?: number;
  auxIrqLine?: number;
  /** Initial command byte; default 0x45 (keyboard interrupt, system flag, translation), as a BIOS leaves it. */
  commandByte?: number;
}

export class I8042 extends BytePortDevice {
  protected readonly portRanges = [[0x60, 1], [0x64, 1]] as const;
  onReset?: () => void;

  private readonly irq: IrqSink;
  private readonly a20?: A20Gate;
  private readonly kbdIrqLine: number;
  private readonly auxIrqLine: number;

  private ctr: number;
  private lastWasCommand = false;
  /** Controller command waiting for its parameter byte on port 0x60. */
  private pendingCmd = 0;

  /** Output buffer. */
  private obf = false;
  private ob: OutByte = { value: 0, aux: false, timeout: false };
  /** Controller replies (enter the output buffer first), then keyboard, then aux bytes. */
  private readonly ctrlQ: OutByte[] = [];
  private readonly kbdQ: number[] = [];
  private readonly auxQ: number[] = [];
  private kbdLine = false;
  private auxLine = false;

  /** Keyboard state. */
  private kbdPendingCmd = 0;
  private kbdScanning = true;
  private kbdScanSet = 2;
  /** Keyboard LED state (bit 0 scroll, 1 num, 2 caps). */
  leds = 0;

  constructor(opts: I8042Options) {
    super();
    this.irq = opts.irq;
    this.a20 = opts.a20;
    this.onReset = opts.onReset;
    this.kbdIrqLine = opts.kbdIrqLine ?? 1;
    this.auxIrqLine = opts.auxIrqLine ?? 12;
    this.ctr = opts.commandByte ?? (CTR_KBDINT | CTR_SYS | CTR_XLATE);
  }

  // ---- snapshots (devices/device-state.ts); the A20 gate saves itself ----

  static readonly STATE_VERSION = 1;

  saveState(): SavedState {
    const ob = (b: OutByte): StateValue => [b.value, b.aux, b.timeout];
    return {
      v: I8042.STATE_VERSION, ctr: this.ctr, lastWasCommand: this.lastWasCommand, pendingCmd: this.pendingCmd,
      obf: this.obf, ob: ob(this.ob), ctrlQ: this.ctrlQ.map(ob), kbdQ: [...this.kbdQ], auxQ: [...this.auxQ],
      kbdLine: this.kbdLine, auxLine: this.auxLine, kbdPendingCmd: this.kbdPendingCmd, kbdScanning: this.kbdScanning,
      kbdScanSet: this.kbdScanSet, leds: this.leds,
    };
  }

  /** Restore a saveState() result (IRQ1/IRQ12 levels are the PIC's to restore). */
  loadState(state: unknown): void {
    const r = new StateReader(state, 'i8042', I8042.STATE_VERSION);
    const ob = (x: unknown, k: string): OutByte => {
      if (!Array.isArray(x) || x.length !== 3 || typeof x[0] !== 'number' || !Number.isInteger(x[0]) || x[0] < 0 || x[0] > 0xff ||
        typeof x[1] !== 'boolean' || typeof x[2] !== 'boolean') throw new StateError(`i8042: saved '${k}' is not an output byte`);
      return { value: x[0], aux: x[1], timeout: x[2] };
    };
    this.ctr = r.int('ctr', 0, 0xff); this.lastWasCommand = r.bool('lastWasCommand'); this.pendingCmd = r.int('pendingCmd', 0, 0xff);
    this.obf = r.bool('obf'); this.ob = ob(r.sub('ob'), 'ob');
    this.ctrlQ.length = 0; for (const x of r.list('ctrlQ')) this.ctrlQ.push(ob(x, 'ctrlQ'));
    this.kbdQ.length = 0; this.kbdQ.push(...r.ints('kbdQ', 0, 0xff));
    this.auxQ.length = 0; this.auxQ.push(...r.ints('auxQ', 0, 0xff));
    this.kbdLine = r.bool('kbdLine'); this.auxLine = r.bool('auxLine'); this.kbdPendingCmd = r.int('kbdPendingCmd', 0, 0xff);
    this.kbdScanning = r.bool('kbdScanning'); this.kbdScanSet = r.int('kbdScanSet', 1, 3); this.leds = r.int('leds', 0, 7);
  }

  /** Bytes from the keyboard (scan codes as the guest expects them); dropped while scanning is disabled. */
  keyboardInput(bytes: readonly number[] | Uint8Array): void {
    if (!this.kbdScanning) return;
    for (const b of bytes) this.kbdQ.push(b & 0xff);
    this.refill();
  }

  // ---- output buffer ----

  private refill(): void {
    if (!this.obf) {
      let next: OutByte | undefined = this.ctrlQ.shift();
      if (!next && this.kbdQ.length && !(this.ctr & CTR_KBDDIS)) next = { value: this.kbdQ.shift()!, aux: false, timeout: false };
      if (!next && this.auxQ.length && !(this.ctr & CTR_AUXDIS)) next = { value: this.auxQ.shift()!, aux: true, timeout: false };
      if (next) {
        this.ob = next;
        this.obf = true;
      }
    }
    this.drive();
  }

  private drive(): void {
    const kbd = this.obf && !this.ob.aux && (this.ctr & CTR_KBDINT) !== 0;
    const aux = this.obf && this.ob.aux && (this.ctr & CTR_AUXINT) !== 0;
    if (kbd !== this.kbdLine) { this.kbdLine = kbd; this.irq.setIrq(this.kbdIrqLine, kbd); }
    if (aux !== this.auxLine) { this.auxLine = aux; this.irq.setIrq(this.auxIrqLine, aux); }
  }

  private reply(value: number, aux = false, timeout = false): void {
    this.ctrlQ.push({ value, aux, timeout });
  }

  private status(): number {
    return (this.obf ? ST_OBF : 0) | ((this.ctr & CTR_SYS) ? ST_SYS : 0) | (this.lastWasCommand ? ST_CMD : 0) |
      ST_UNLOCKED | (this.obf && this.ob.aux ? ST_AUXDATA : 0) | (this.obf && this.ob.timeout ? ST_TIMEOUT : 0);
  }

  private outputPort(): number {
    // Bit 0 reset (1 = running), bit 1 A20, bits 2-3 and 6-7 as QEMU (0xCC), bit 4 OBF kbd, bit 5 OBF aux.
    return 0xcc | 0x01 | (this.a20 && !this.a20.enabled ? 0 : 0x02) |
      (this.obf && !this.ob.aux ? 0x10 : 0) | (this.obf && this.ob.aux ? 0x20 : 0);
  }

  private writeOutputPort(v: number): void {
    this.a20?.set((v & 0x02) !== 0);
    if (!(v & 0x01)) this.onReset?.();
  }

  // ---- ports ----

  protected readByte(port: number): number {
    if (port === 0x64) return this.status();
    const v = this.ob.value;
    if (this.obf) {
      this.obf = false;
      this.drive(); // the line drops before the next byte arrives, so each byte is a new edge
      this.refill();
    }
    return v;
  }

  protected writeByte(port: number, v: number): void {
    if (port === 0x64) {
      this.lastWasCommand = true;
      this.command(v);
    } else {
      this.lastWasCommand = false;
      this.data(v);
    }
    this.refill();
  }

  private command(cmd: number): void {
    this.pendingCmd = 0;
    if (cmd >= 0x20 && cmd <= 0x3f) {
      this.reply(cmd === 0x20 ? this.ctr : 0); // controller RAM: byte 0 is the CTR
      return;
    }
    if (cmd >= 0x60 && cmd <= 0x7f) {
      this.pendingCmd = cmd;
      return;
    }
    if (cmd >= 0xf0) {
      if (!(cmd & 1)) this.onReset?.(); // pulse output port bit 0 (system reset)
      return;
    }
    switch (cmd) {
      case 0xa7: this.ctr |= CTR_AUXDIS; break;
      case 0xa8: this.ctr &= ~CTR_AUXDIS; break;
      case 0xa9: this.reply(0x00); break; // aux interface test: no error
      case 0xaa: this.ctr |= CTR_SYS; this.reply(0x55); break; // self test passed
      case 0xab: this.reply(0x00); break; // keyboard interface test: no error
      case 0xad: this.ctr |= CTR_KBDDIS; break;
      case 0xae: this.ctr &= ~CTR_KBDDIS; break;
      case 0xc0: this.reply(0x80); break; // input port: keyboard not inhibited
      case 0xd0: this.reply(this.outputPort()); break;
      case 0xd1: case 0xd2: case 0xd3: case 0xd4: this.pendingCmd = cmd; break;
      case 0xdd: this.a20?.set(false); break;
      case 0xdf: this.a20?.set(true); break;
      case 0xe0: this.reply(0x00); break; // test inputs
      default: break; // unknown / unsupported: ignored
    }
  }

  private data(v: number): void {
    const cmd = this.pendingCmd;
    this.pendingCmd = 0;
    if (cmd >= 0x60 && cmd <= 0x7f) {
      if (cmd === 0x60) this.ctr = v;
      return;
    }
    switch (cmd) {
      case 0xd1: this.writeOutputPort(v); return;
      case 0xd2: this.reply(v); return; // as if from the keyboard
      case 0xd3: this.reply(v, true); return; // as if from the aux device
      case 0xd4:
        // Nothing on the aux port: the transmission times out.
        this.ctr &= ~CTR_AUXDIS;
        this.reply(0xfe, true, true);
        return;
      default:
        break;
    }
    // A byte for the keyboard; sending it re-enables the keyboard interface.
    this.ctr &= ~CTR_KBDDIS;
    this.keyboardCommand(v);
  }

  private kbdReply(...bytes: number[]): void {
    for (const b of bytes) this.kbdQ.push(b);
  }

  private keyboardCommand(v: number): void {
    const pending = this.kbdPendingCmd;
    if (pending) {
      this.kbdPendingCmd = 0;
      switch (pending) {
        case 0xed: this.leds = v & 7; this.kbdReply(0xfa); return;
        case 0xf3: this.kbdReply(0xfa); return;
        case 0xf0:
          if (v === 0) this.kbdReply(0xfa, this.translate(this.kbdScanSet));
          else if (v >= 1 && v <= 3) { this.kbdScanSet = v; this.kbdReply(0xfa); }
          else this.kbdReply(0xfe);
          return;
        default:
          break;
      }
    }
    switch (v) {
      case 0xed: case 0xf3: case 0xf0:
        this.kbdPendingCmd = v;
        this.kbdReply(0xfa);
        return;
      case 0xee: this.kbdReply(0xee); return; // echo
      case 0xf2: this.kbdReply(0xfa, 0xab, (this.ctr & CTR_XLATE) ? 0x41 : 0x83); return;
      case 0xf4: this.kbdScanning = true; this.kbdReply(0xfa); return;
      case 0xf5: this.kbdScanning = false; this.resetKeyboardDefaults(); this.kbdReply(0xfa); return;
      case 0xf6: this.resetKeyboardDefaults(); this.kbdReply(0xfa); return;
      case 0xff:
        this.kbdQ.length = 0;
        this.resetKeyboardDefaults();
        this.kbdScanning = true;
        this.kbdReply(0xfa, 0xaa); // ACK, then basic assurance test passed
        return;
      case 0xfe: this.kbdReply(0xfa); return; // resend: nothing to resend
      default:
        if (v >= 0xf7 && v <= 0xfd) { this.kbdReply(0xfa); return; }
        this.kbdReply(0xfe); // unknown command: resend request
    }
  }

  private resetKeyboardDefaults(): void {
    this.kbdScanSet = 2;
    this.leds = 0;
  }

  /** Scan-set numbers as the controller's translation shows them (1, 2, 3 -> 0x43, 0x41, 0x3F). */
  private translate(set: number): number {
    if (!(this.ctr & CTR_XLATE)) return set;
    return [0, 0x43, 0x41, 0x3f][set];
  }
}
