/**
 * The MC146818 real-time clock and its CMOS RAM at 0x70 (index; bit 7 masks
 * NMI) / 0x71 (data), interrupting on IRQ8.
 *
 * Follows the Motorola MC146818A datasheet:
 * - time, calendar and alarm registers 0-9 in BCD or binary (register B DM)
 *   and 12- or 24-hour form (B 24/12; bit 7 of the hours is PM in 12h mode);
 *   an alarm byte with its two high bits set (0xC0-0xFF) is "don't care";
 * - register A: UIP (bit 7) is set 244 us before each update cycle so that
 *   software reading while it is clear sees a stable time; DV2-0 (bits 6-4,
 *   11x holds the divider in reset, the first update comes 500 ms after it
 *   is released); RS3-0 (bits 3-0) select the periodic interrupt rate
 *   (32.768 kHz time base: 1 and 2 give 256 Hz and 128 Hz, n >= 3 gives
 *   65536 >> n Hz);
 * - register B: SET (bit 7) stops updates and clears UIE, PIE/AIE/UIE
 *   (bits 6-4) enable the periodic, alarm and update-ended interrupts,
 *   DM (bit 2), 24/12 (bit 1);
 * - register C: IRQF/PF/AF/UF; the flags are set whether or not their
 *   interrupt is enabled, reading C clears them all and releases IRQ;
 * - register D: VRT (valid RAM and time) = 1.
 * The update cycle is modelled as instantaneous at each whole second of
 * virtual time (UIP covers the 244 us before it). The time registers are
 * kept in binary and converted on access, so changing DM or 24/12 shows
 * the same time in the new format (a real chip would keep the old bytes).
 *
 * CMOS bytes used by PC software (IBM AT layout): 0x10 floppy types (none),
 * 0x14 equipment (FPU present, VGA), 0x15/0x16 base memory in KiB (640),
 * 0x17/0x18 and 0x30/0x31 extended memory above 1 MiB in KiB (capped at
 * 0xFFFF), 0x34/0x35 memory above 16 MiB in 64 KiB blocks, 0x2E/0x2F the
 * checksum of 0x10-0x2D, 0x32 the century (BCD, tracks the clock).
 */
import type { Clock, IrqSink } from '../runtime/irq.js';
import { BytePortDevice } from './byte-ports.js';
import { nsToTicks, ticksToNs, type TimedDevice } from './timing.js';
import { StateReader, encodeBytes, type SavedState } from './device-state.js';

const RTC_HZ = 32768;
const UIP_NS = 244_000;

const REG_A = 0x0a, REG_B = 0x0b, REG_C = 0x0c, REG_D = 0x0d, CENTURY = 0x32;
const B_SET = 0x80, B_PIE = 0x40, B_AIE = 0x20, B_UIE = 0x10, B_DM = 0x04, B_24H = 0x02;

function toBcd(v: number): number { return ((Math.floor(v / 10) % 10) << 4) | (v % 10); }
function fromBcd(v: number): number { return (v >> 4) * 10 + (v & 0xf); }
function isLeap(y: number): boolean { return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0; }
function daysInMonth(month: number, fullYear: number): number {
  return month === 2 ? (isLeap(fullYear) ? 29 : 28) : [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][(month - 1) % 12] ?? 31;
}

export interface CmosRtcOptions {
  clock: Clock;
  irq: IrqSink;
  /** IRQ line (8 on a PC). */
  irqLine?: number;
  /** Guest RAM size in bytes, for the memory-size CMOS bytes. */
  ramBytes?: number;
  /** Wall-clock time (ms since the Unix epoch, UTC) the RTC shows at the current virtual time; default: the host clock now. */
  startTimeMs?: number;
}

export class CmosRtc extends BytePortDevice implements TimedDevice {
  protected readonly portRanges = [[0x70, 2]] as const;
  /** The 128 bytes of CMOS (time registers 0, 2, 4, 6-9 and C/D are computed instead). */
  readonly ram = new Uint8Array(128);
  /** Bit 7 of the last index write: NMI disabled. */
  nmiMasked = false;

  private readonly clock: Clock;
  private readonly irq: IrqSink;
  private readonly irqLine: number;
  private index = 0;

  private sec = 0; private min = 0; private hour = 0; private dow = 1;
  private day = 1; private month = 1; private year = 0; private century = 20;

  private nextUpdateNs: number;
  private uf = false;
  private af = false;
  private pf = false;
  /** 32.768 kHz tick up to which periodic flags have been accounted. */
  private pfTick: number;
  private line = false;

  constructor(opts: CmosRtcOptions) {
    super();
    this.clock = opts.clock;
    this.irq = opts.irq;
    this.irqLine = opts.irqLine ?? 8;
    const now = this.clock.nowNs();
    const startMs = Math.floor(opts.startTimeMs ?? Date.now());
    this.setTimeFromMs(startMs);
    // Keep the sub-second phase of the start time: the next update is at the next whole second.
    const msIntoSecond = ((startMs % 1000) + 1000) % 1000;
    this.nextUpdateNs = now + (1000 - msIntoSecond) * 1e6;
    this.pfTick = nsToTicks(now, RTC_HZ);

    this.ram[REG_A] = 0x26; // 32.768 kHz time base, 1024 Hz periodic rate
    this.ram[REG_B] = B_24H; // BCD, 24-hour, interrupts off
    this.ram[REG_D] = 0x80;
    this.ram[0x10] = 0x00; // no floppy drives
    this.ram[0x12] = 0x00; // no hard disks
    this.ram[0x14] = 0x02; // equipment: FPU present, EGA/VGA display, no floppies
    this.setRamSize(opts.ramBytes ?? 0);
  }

  // ---- snapshots (devices/device-state.ts) ----

  static readonly STATE_VERSION = 1;

  saveState(): SavedState {
    return {
      v: CmosRtc.STATE_VERSION, ram: encodeBytes(this.ram), nmiMasked: this.nmiMasked, index: this.index,
      sec: this.sec, min: this.min, hour: this.hour, dow: this.dow, day: this.day, month: this.month, year: this.year, century: this.century,
      nextUpdateNs: this.nextUpdateNs, uf: this.uf, af: this.af, pf: this.pf, pfTick: this.pfTick, line: this.line,
    };
  }

  /** Restore a saveState() result (IRQ8's level is the PIC's to restore). */
  loadState(state: unknown): void {
    const r = new StateReader(state, 'RTC', CmosRtc.STATE_VERSION);
    const big = Number.MAX_SAFE_INTEGER;
    this.ram.set(r.bytes('ram', 128));
    this.nmiMasked = r.bool('nmiMasked'); this.index = r.int('index', 0, 0x7f);
    this.sec = r.int('sec', 0, 59); this.min = r.int('min', 0, 59); this.hour = r.int('hour', 0, 23); this.dow = r.int('dow', 1, 7);
    this.day = r.int('day', 1, 31); this.month = r.int('month', 1, 12); this.year = r.int('year', 0, 99); this.century = r.int('century', 0, 99);
    this.nextUpdateNs = r.num('nextUpdateNs', -big, big); this.uf = r.bool('uf'); this.af = r.bool('af'); this.pf = r.bool('pf');
    this.pfTick = r.int('pfTick', -big, big); this.line = r.bool('line');
  }

  /** Fill the memory-size bytes for `bytes` of RAM (and fix the checksum). */
  setRamSize(bytes: number): void {
    const base = 640;
    this.ram[0x15] = base & 0xff;
    this.ram[0x16] = base >> 8;
    const kib = Math.floor(bytes / 1024);
    const ext = Math.max(0, Math.min(0xffff, kib - 1024));
    this.ram[0x17] = this.ram[0x30] = ext & 0xff;
    this.ram[0x18] = this.ram[0x31] = ext >> 8;
    const above16m = Math.max(0, Math.min(0xffff, Math.floor((Math.min(bytes, 0xffffffff) - 16 * 1024 * 1024) / 65536)));
    this.ram[0x34] = above16m & 0xff;
    this.ram[0x35] = above16m >> 8;
    this.fixChecksum();
  }

  /** Recompute the standard checksum (0x2E high, 0x2F low) over 0x10-0x2D. */
  fixChecksum(): void {
    let sum = 0;
    for (let i = 0x10; i <= 0x2d; i++) sum += this.ram[i];
    this.ram[0x2e] = (sum >> 8) & 0xff;
    this.ram[0x2f] = sum & 0xff;
  }

  /** Set the clock to a Unix time in ms (UTC). */
  setTimeFromMs(ms: number): void {
    const d = new Date(ms);
    this.sec = d.getUTCSeconds();
    this.min = d.getUTCMinutes();
    this.hour = d.getUTCHours();
    this.dow = d.getUTCDay() + 1;
    this.day = d.getUTCDate();
    this.month = d.getUTCMonth() + 1;
    const fy = d.getUTCFullYear();
    this.year = fy % 100;
    this.century = Math.floor(fy / 100);
  }

  /** The time the RTC shows now, as Unix ms (UTC). */
  timeMs(): number {
    this.sync(this.clock.nowNs());
    return this.fieldsToMs();
  }

  private fieldsToMs(): number {
    const d = new Date(0);
    d.setUTCFullYear(this.century * 100 + this.year, this.month - 1, this.day);
    d.setUTCHours(this.hour, this.min, this.sec, 0);
    return d.getTime();
  }

  // ---- time keeping ----

  private get dividerRunning(): boolean {
    return ((this.ram[REG_A] >> 4) & 6) !== 6;
  }

  private periodTicks(): number {
    const rs = this.ram[REG_A] & 0x0f;
    if (rs === 0) return 0;
    if (rs === 1) return 128;
    if (rs === 2) return 256;
    return 1 << (rs - 1);
  }

  /** Advance the clock by one second (the update cycle's increment). */
  private tick1(): void {
    if (++this.sec < 60) return;
    this.sec = 0;
    if (++this.min < 60) return;
    this.min = 0;
    if (++this.hour < 24) return;
    this.hour = 0;
    this.dow = (this.dow % 7) + 1;
    if (++this.day <= daysInMonth(this.month, this.century * 100 + this.year)) return;
    this.day = 1;
    if (++this.month <= 12) return;
    this.month = 1;
    if (++this.year < 100) return;
    this.year = 0;
    this.century++;
  }

  private advance(seconds: number): void {
    const ms = this.fieldsToMs();
    const dow = this.dow;
    const day0 = Math.floor(ms / 86_400_000);
    const ms2 = ms + seconds * 1000;
    this.setTimeFromMs(ms2);
    this.dow = ((((dow - 1 + Math.floor(ms2 / 86_400_000) - day0) % 7) + 7) % 7) + 1;
  }

  private alarmMatches(): boolean {
    const m = (raw: number, cur: number) => (raw & 0xc0) === 0xc0 || raw === cur;
    return m(this.ram[1], this.enc(this.sec)) && m(this.ram[3], this.enc(this.min)) && m(this.ram[5], this.encHour());
  }

  /** Run the update cycles and periodic ticks due by `now`. */
  private sync(now: number): void {
    const t = nsToTicks(now, RTC_HZ);
    if (!this.dividerRunning) {
      this.pfTick = t;
      return;
    }
    if (now >= this.nextUpdateNs) {
      const k = Math.floor((now - this.nextUpdateNs) / 1e9) + 1;
      if (!(this.ram[REG_B] & B_SET)) {
        if (k <= 4096) {
          for (let i = 0; i < k; i++) {
            this.tick1();
            if (this.alarmMatches()) this.af = true;
          }
        } else {
          this.advance(k);
          if (this.alarmMatches()) this.af = true;
        }
        this.uf = true;
      }
      this.nextUpdateNs += k * 1e9;
    }
    const p = this.periodTicks();
    if (p && Math.floor(t / p) > Math.floor(this.pfTick / p)) this.pf = true;
    if (t > this.pfTick) this.pfTick = t;
  }

  private irqf(): boolean {
    const b = this.ram[REG_B];
    return (this.pf && (b & B_PIE) !== 0) || (this.af && (b & B_AIE) !== 0) || (this.uf && (b & B_UIE) !== 0);
  }

  private drive(): void {
    const level = this.irqf();
    if (level !== this.line) {
      this.line = level;
      this.irq.setIrq(this.irqLine, level);
    }
  }

  // ---- TimedDevice ----

  nextEventNs(): number {
    if (this.line || !this.dividerRunning) return Infinity; // nothing changes IRQ8 until C is read
    const b = this.ram[REG_B];
    let next = Infinity;
    const p = this.periodTicks();
    if ((b & B_PIE) && p) next = ticksToNs((Math.floor(this.pfTick / p) + 1) * p, RTC_HZ);
    if ((b & (B_UIE | B_AIE)) && !(b & B_SET)) next = Math.min(next, this.nextUpdateNs);
    return next;
  }

  update(nowNs: number): void {
    this.sync(nowNs);
    this.drive();
  }

  // ---- register encoding ----

  private get binary(): boolean { return (this.ram[REG_B] & B_DM) !== 0; }
  private enc(v: number): number { return this.binary ? v : toBcd(v); }
  private dec(v: number): number { return this.binary ? v : fromBcd(v); }

  private encHour(): number {
    if (this.ram[REG_B] & B_24H) return this.enc(this.hour);
    const h12 = this.hour % 12 || 12;
    return this.enc(h12) | (this.hour >= 12 ? 0x80 : 0);
  }

  private decHour(v: number): number {
    if (this.ram[REG_B] & B_24H) return this.dec(v & 0x7f) % 24;
    const h = this.dec(v & 0x7f) % 12;
    return (v & 0x80) ? h + 12 : h;
  }

  // ---- ports ----

  protected readByte(port: number): number {
    if (port === 0x70) return 0xff; // the index register is write-only
    const now = this.clock.nowNs();
    this.sync(now);
    const v = this.readRegister(now);
    this.drive(); // the sync may have raised flags (or reading C cleared them)
    return v;
  }

  private readRegister(now: number): number {
    switch (this.index) {
      case 0x00: return this.enc(this.sec);
      case 0x02: return this.enc(this.min);
      case 0x04: return this.encHour();
      case 0x06: return this.enc(this.dow);
      case 0x07: return this.enc(this.day);
      case 0x08: return this.enc(this.month);
      case 0x09: return this.enc(this.year);
      case REG_A: {
        const uip = this.dividerRunning && !(this.ram[REG_B] & B_SET) && now >= this.nextUpdateNs - UIP_NS;
        return (this.ram[REG_A] & 0x7f) | (uip ? 0x80 : 0);
      }
      case REG_C: {
        const v = (this.irqf() ? 0x80 : 0) | (this.pf ? 0x40 : 0) | (this.af ? 0x20 : 0) | (this.uf ? 0x10 : 0);
        this.pf = this.af = this.uf = false;
        return v;
      }
      case REG_D: return 0x80;
      case CENTURY: return this.enc(this.century);
      default: return this.ram[this.index];
    }
  }

  protected writeByte(port: number, v: number): void {
    if (port === 0x70) {
      this.index = v & 0x7f;
      this.nmiMasked = (v & 0x80) !== 0;
      return;
    }
    const now = this.clock.nowNs();
    this.sync(now);
    switch (this.index) {
      case 0x00: this.sec = this.dec(v & 0x7f) % 60; break;
      case 0x02: this.min = this.dec(v & 0x7f) % 60; break;
      case 0x04: this.hour = this.decHour(v); break;
      case 0x06: this.dow = ((this.dec(v) + 6) % 7) + 1; break;
      case 0x07: this.day = Math.max(1, Math.min(31, this.dec(v))); break;
      case 0x08: this.month = Math.max(1, Math.min(12, this.dec(v))); break;
      case 0x09: this.year = this.dec(v) % 100; break;
      case CENTURY: this.century = this.dec(v); break;
      case REG_A: {
        const wasRunning = this.dividerRunning;
        this.ram[REG_A] = v & 0x7f;
        if (!wasRunning && this.dividerRunning) {
          this.nextUpdateNs = now + 500_000_000; // first update half a second after the divider is released
          this.pfTick = nsToTicks(now, RTC_HZ);
        }
        break;
      }
      case REG_B: {
        if ((v & B_SET) && !(this.ram[REG_B] & B_SET)) v &= ~B_UIE; // SET going high clears UIE
        this.ram[REG_B] = v;
        break;
      }
      case REG_C:
      case REG_D:
        break; // read-only
      default:
        this.ram[this.index] = v;
    }
    this.drive();
  }
}
