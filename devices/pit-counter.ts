/**
 * One counter of the 8254 PIT (devices/pit8254.ts), as a computed model: the
 * counter records the input-clock tick at which its counting element (CE)
 * held a known value, and its count and OUT level at any later tick follow
 * from the mode (Intel 8254 datasheet, order no. 231164, "Mode Definitions").
 * All `t` arguments are input-clock ticks.
 *
 * A count written at tick t is loaded into the CE on the next clock (t + 1),
 * so in mode 0 OUT rises N + 1 clocks after the count is written, as the
 * datasheet says. Modes: 0 interrupt on terminal count; 1 hardware
 * retriggerable one-shot; 2 rate generator (OUT low for the one clock when
 * the count is 1); 3 square wave (high ceil(N/2), low floor(N/2) clocks,
 * counting by two); 4 software strobe; 5 hardware strobe. GATE low pauses
 * modes 0/4, stops modes 2/3 with OUT high (a rising GATE reloads), and a
 * rising GATE triggers modes 1/5.
 *
 * Simplifications: a new count written in mode 3 takes effect at the end of
 * the current full period (the datasheet says half-cycle); a count of 1 in
 * modes 2/3 (illegal) is treated as 2.
 */

import { StateReader, encodeNum, type SavedState } from './device-state.js';

function toBcd(v: number): number {
  return (v % 10) | (Math.floor(v / 10) % 10) << 4 | (Math.floor(v / 100) % 10) << 8 | (Math.floor(v / 1000) % 10) << 12;
}
function fromBcd(v: number): number {
  return (v & 0xf) + ((v >> 4) & 0xf) * 10 + ((v >> 8) & 0xf) * 100 + ((v >> 12) & 0xf) * 1000;
}

export class PitCounter {
  mode = 3;
  bcd = false;
  /** Access mode: 1 = lsb only, 2 = msb only, 3 = lsb then msb. */
  rw = 3;
  /** The low six bits of the last control word (for the read-back status). */
  controlBits = 0x36;

  /** The count register (N, 1..modulus) and whether one was written since the control word. */
  private cr = 0x10000;
  private hasCount = false;
  /** Modes 1, 2, 3, 5: a count waiting to be transferred to the CE (at reload/trigger). */
  private crPending = false;

  /** Whether the CE is counting; startTick/startValue anchor its timeline. */
  private running = false;
  private startTick = 0;
  private startValue = 0x10000;
  /** CE value while not running. */
  private frozen = 0;
  /** Mode 0: terminal count reached (OUT high until reprogrammed). Modes 4/5: strobe done. */
  private done = false;
  gate = true;
  /** NULL COUNT: set by a control word or count write, cleared when the CR reaches the CE at this tick. */
  private nullUntil = Infinity;

  private writeMsbNext = false;
  private lsb = 0;
  private readMsbNext = false;
  private latched: number[] = [];
  private status: number | null = null;

  private get modulus(): number { return this.bcd ? 10000 : 0x10000; }

  // ---- snapshots (devices/device-state.ts) ----

  static readonly STATE_VERSION = 1;

  saveState(): SavedState {
    return {
      v: PitCounter.STATE_VERSION, mode: this.mode, bcd: this.bcd, rw: this.rw, controlBits: this.controlBits,
      cr: this.cr, hasCount: this.hasCount, crPending: this.crPending, running: this.running,
      startTick: this.startTick, startValue: this.startValue, frozen: this.frozen, done: this.done, gate: this.gate,
      nullUntil: encodeNum(this.nullUntil), writeMsbNext: this.writeMsbNext, lsb: this.lsb, readMsbNext: this.readMsbNext,
      latched: [...this.latched], status: this.status,
    };
  }

  loadState(state: unknown, what: string): void {
    const r = new StateReader(state, what, PitCounter.STATE_VERSION);
    const tick = Number.MAX_SAFE_INTEGER;
    this.mode = r.int('mode', 0, 5); this.bcd = r.bool('bcd'); this.rw = r.int('rw', 0, 3); this.controlBits = r.int('controlBits', 0, 0x3f);
    this.cr = r.int('cr', 1, 0x10000); this.hasCount = r.bool('hasCount'); this.crPending = r.bool('crPending'); this.running = r.bool('running');
    this.startTick = r.int('startTick', -tick, tick); this.startValue = r.int('startValue', 1, 0x10000); this.frozen = r.int('frozen', 0, 0x10000);
    this.done = r.bool('done'); this.gate = r.bool('gate'); this.nullUntil = r.num('nullUntil');
    this.writeMsbNext = r.bool('writeMsbNext'); this.lsb = r.int('lsb', 0, 0xff); this.readMsbNext = r.bool('readMsbNext');
    this.latched = r.ints('latched', 0, 0xff, 2); this.status = r.intOrNull('status', 0, 0xff);
  }

  // ---- the counting model ----

  /** Modes 2/3: a pending count becomes the period at the end of the current one. */
  normalize(t: number): void {
    if (this.running && this.crPending && (this.mode === 2 || this.mode === 3) && t - this.startTick >= this.startValue) {
      this.startTick += this.startValue;
      this.startValue = this.cr;
      this.crPending = false;
      this.nullUntil = this.startTick;
    }
  }

  private elapsed(t: number): number {
    return Math.max(0, t - this.startTick);
  }

  /** The CE value (binary, 0..modulus-1) at tick t. */
  count(t: number): number {
    if (!this.running) return this.frozen;
    const e = this.elapsed(t), n = this.startValue, m = this.modulus;
    switch (this.mode) {
      case 2:
        return (n - (e % n)) % m;
      case 3: {
        const p = e % n;
        if (n % 2 === 0) {
          const h = n / 2;
          return (n - 2 * (p % h)) % m;
        }
        // Odd N: N-1, N-3, ..., 2, 0 while high ((N+1)/2 clocks), then N-1, ..., 2 while low.
        const high = (n + 1) / 2;
        const q = p < high ? p : p - high;
        const v = n - 1 - 2 * q;
        return v < 0 ? 0 : v;
      }
      default: // 0, 1, 4, 5: count down and wrap
        return (((n - e) % m) + m) % m;
    }
  }

  /** The OUT level at tick t. */
  out(t: number): boolean {
    const e = t - this.startTick;
    switch (this.mode) {
      case 0:
        if (this.done) return true;
        return this.running && e >= this.startValue;
      case 1:
        return !(this.running && e >= 0 && e < this.startValue);
      case 2:
        if (!this.running || e < 0) return true;
        return e % this.startValue !== this.startValue - 1;
      case 3:
        if (!this.running || e < 0) return true;
        return e % this.startValue < Math.ceil(this.startValue / 2);
      default: // 4, 5: one-clock low strobe at terminal count
        return !(this.running && !this.done && e === this.startValue);
    }
  }

  /** The first tick after t at which OUT goes low -> high, or Infinity (ignores future writes). */
  nextRise(t: number): number {
    if (!this.running) return Infinity;
    let r: number;
    switch (this.mode) {
      case 0:
        if (this.done) return Infinity;
        r = this.startTick + this.startValue;
        break;
      case 1:
        r = this.startTick + this.startValue;
        break;
      case 2:
      case 3: {
        const n = this.startValue;
        const e = Math.max(0, t - this.startTick);
        r = this.startTick + (Math.floor(e / n) + 1) * n;
        break;
      }
      default:
        if (this.done) return Infinity;
        r = this.startTick + this.startValue + 1;
    }
    return r > t ? r : Infinity;
  }

  /** Mode 3: the first tick after t at which OUT goes high -> low, or Infinity. */
  nextFall(t: number): number {
    if (!this.running || this.mode !== 3) return Infinity;
    const n = this.startValue, h = Math.ceil(n / 2);
    const e = Math.max(0, t - this.startTick);
    let f = this.startTick + Math.floor(e / n) * n + h;
    if (f <= t) f += n;
    return f;
  }

  // ---- programming ----

  /** A control word selecting this counter (RW != 0). */
  control(v: number, t: number): void {
    this.normalize(t);
    this.frozen = this.count(t);
    let mode = (v >> 1) & 7;
    if (mode > 5) mode -= 4; // 6, 7 are aliases of 2, 3
    this.mode = mode;
    this.bcd = (v & 1) !== 0;
    this.rw = (v >> 4) & 3;
    this.controlBits = v & 0x3f;
    this.running = false;
    this.hasCount = false;
    this.crPending = false;
    this.done = false;
    this.nullUntil = Infinity;
    this.writeMsbNext = false;
    this.readMsbNext = false;
    this.latched = [];
    this.status = null;
  }

  /** Counter latch command. */
  latchCount(t: number): void {
    if (this.latched.length) return; // a latched count is held until read
    this.normalize(t);
    let c = this.count(t);
    if (this.bcd) c = toBcd(c);
    if (this.rw === 1) this.latched = [c & 0xff];
    else if (this.rw === 2) this.latched = [(c >> 8) & 0xff];
    else this.latched = [c & 0xff, (c >> 8) & 0xff];
  }

  /** Read-back command: latch the status byte. */
  latchStatus(t: number): void {
    if (this.status !== null) return;
    this.normalize(t);
    const nullCount = t < this.nullUntil;
    this.status = (this.out(t) ? 0x80 : 0) | (nullCount ? 0x40 : 0) | this.controlBits;
  }

  readPort(t: number): number {
    if (this.status !== null) {
      const s = this.status;
      this.status = null;
      return s;
    }
    if (this.latched.length) return this.latched.shift()!;
    this.normalize(t);
    let c = this.count(t);
    if (this.bcd) c = toBcd(c);
    switch (this.rw) {
      case 1: return c & 0xff;
      case 2: return (c >> 8) & 0xff;
      default:
        this.readMsbNext = !this.readMsbNext;
        return this.readMsbNext ? c & 0xff : (c >> 8) & 0xff;
    }
  }

  writePort(v: number, t: number): void {
    switch (this.rw) {
      case 1: this.loadCount(v, t); return;
      case 2: this.loadCount(v << 8, t); return;
      case 3:
        if (!this.writeMsbNext) {
          this.lsb = v;
          this.writeMsbNext = true;
          // Mode 0: writing the first byte stops the count and sets OUT low.
          if (this.mode === 0) {
            this.normalize(t);
            if (this.running) this.frozen = this.count(t);
            this.running = false;
            this.done = false;
          }
          return;
        }
        this.writeMsbNext = false;
        this.loadCount(this.lsb | (v << 8), t);
        return;
      default:
        return;
    }
  }

  private loadCount(raw: number, t: number): void {
    this.normalize(t);
    let n = this.bcd ? fromBcd(raw) : raw;
    if (n === 0) n = this.modulus;
    const load = t + 1;
    this.cr = n;
    const first = !this.hasCount;
    this.hasCount = true;
    switch (this.mode) {
      case 0:
      case 4:
        // Loaded on the next clock; counting restarts from the new count.
        this.done = false;
        this.startTick = load;
        this.startValue = n;
        this.nullUntil = load;
        if (this.gate) this.running = true;
        else { this.running = false; this.frozen = n % this.modulus; }
        return;
      case 2:
      case 3:
        if (n === 1) this.cr = n = 2; // a count of 1 is illegal in modes 2 and 3
        if (!first && this.running) {
          this.crPending = true; // takes effect at the end of the current period
          this.nullUntil = Infinity;
          return;
        }
        this.crPending = false;
        if (this.gate) {
          this.running = true;
          this.startTick = load;
          this.startValue = n;
          this.nullUntil = load;
        } else {
          this.crPending = true;
          this.nullUntil = Infinity;
        }
        return;
      default: // 1, 5: used at the next trigger (rising GATE edge)
        this.crPending = true;
        this.nullUntil = Infinity;
        return;
    }
  }

  setGate(level: boolean, t: number): void {
    if (level === this.gate) return;
    this.normalize(t);
    this.gate = level;
    switch (this.mode) {
      case 0:
      case 4:
        if (!level) {
          if (this.running) {
            const e = t - this.startTick;
            this.frozen = this.count(t);
            this.done = this.mode === 0 ? this.out(t) : (this.done || e > this.startValue);
            this.running = false;
          }
        } else if (this.hasCount && !this.writeMsbNext) {
          this.startTick = t + 1;
          this.startValue = this.frozen === 0 ? this.modulus : this.frozen;
          this.running = true;
        }
        return;
      case 2:
      case 3:
        if (!level) {
          if (this.running) this.frozen = this.count(t);
          this.running = false; // OUT goes high immediately
        } else if (this.hasCount) {
          this.running = true; // a rising GATE reloads the count
          this.startTick = t + 1;
          this.startValue = this.cr;
          this.crPending = false;
          this.nullUntil = t + 1;
        }
        return;
      default: // 1, 5: a rising GATE triggers
        if (level && this.hasCount) {
          this.running = true;
          this.done = false;
          this.startTick = t + 1;
          this.startValue = this.cr;
          this.crPending = false;
          this.nullUntil = t + 1;
        }
        return;
    }
  }
}

