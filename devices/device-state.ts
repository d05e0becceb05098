/**
 * Saved device state (snapshots, src/snapshot/): each device writes its own
 * fields, by name, into a plain JSON object with a version number of its
 * own (`v`), and reads them back through a StateReader that checks every
 * field's type and range. Not a generic object dump: a device's saved form
 * is part of the snapshot format, so a field renamed or added in the code
 * does not silently change (or break) what old snapshots mean. A device
 * that changes what it saves bumps its version; a snapshot whose device
 * state has another version is refused with a message naming the device.
 *
 * Restoring sets fields only: it raises no IRQ and calls no callback, since
 * every device's view of its lines (and the PIC's of its inputs) is saved.
 */

/** A JSON value a device may save. */
export type StateValue = number | boolean | string | null | StateValue[] | { [k: string]: StateValue };
/** One device's saved state: its own version `v` and its fields. */
export interface SavedState { v: number; [field: string]: StateValue }

/** Saved state that does not fit the device (wrong version, missing or out-of-range field). */
export class StateError extends Error {}

/** Doubles as JSON: ±Infinity (a timer with no event) does not survive JSON.stringify as a number. */
export function encodeNum(n: number): number | string {
  return Number.isFinite(n) ? n : n > 0 ? 'Infinity' : '-Infinity';
}

export function encodeBytes(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
}

/** Typed, checked access to a SavedState. */
export class StateReader {
  private readonly o: Record<string, unknown>;

  constructor(state: unknown, readonly what: string, version: number) {
    if (typeof state !== 'object' || state === null || Array.isArray(state)) throw new StateError(`${what}: saved state is not an object`);
    this.o = state as Record<string, unknown>;
    const v = this.o.v;
    if (v !== version) throw new StateError(`${what}: saved state version ${String(v)}, this jitvisor reads version ${version}`);
  }

  private field(k: string): unknown {
    if (!(k in this.o)) throw new StateError(`${this.what}: saved state has no '${k}'`);
    return this.o[k];
  }

  private bad(k: string, want: string): never {
    throw new StateError(`${this.what}: saved '${k}' is not ${want}`);
  }

  /** A number (±Infinity allowed, as encodeNum writes them) within [min, max]. */
  num(k: string, min = -Infinity, max = Infinity): number {
    let x = this.field(k);
    if (x === 'Infinity') x = Infinity;
    else if (x === '-Infinity') x = -Infinity;
    if (typeof x !== 'number' || Number.isNaN(x) || x < min || x > max) this.bad(k, `a number from ${min} to ${max}`);
    return x;
  }

  /** An integer within [min, max]. */
  int(k: string, min: number, max: number): number {
    const x = this.field(k);
    if (typeof x !== 'number' || !Number.isInteger(x) || x < min || x > max) this.bad(k, `an integer from ${min} to ${max}`);
    return x;
  }

  bool(k: string): boolean {
    const x = this.field(k);
    if (typeof x !== 'boolean') this.bad(k, 'true or false');
    return x;
  }

  /** Bytes saved with encodeBytes; `length` if the size is fixed. */
  bytes(k: string, length?: number): Uint8Array {
    const x = this.field(k);
    if (typeof x !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(x)) this.bad(k, 'base64 bytes');
    const b = new Uint8Array(Buffer.from(x, 'base64'));
    if (length !== undefined && b.length !== length) this.bad(k, `${length} bytes`);
    return b;
  }

  /** An array of integers in [min, max]. */
  ints(k: string, min: number, max: number, maxLength = Infinity): number[] {
    const x = this.field(k);
    if (!Array.isArray(x) || x.length > maxLength || !x.every((e) => typeof e === 'number' && Number.isInteger(e) && e >= min && e <= max)) {
      this.bad(k, `a list of integers from ${min} to ${max}`);
    }
    return x as number[];
  }

  /** An array of nested states (each read with its own StateReader). */
  list(k: string, length?: number): unknown[] {
    const x = this.field(k);
    if (!Array.isArray(x) || (length !== undefined && x.length !== length)) this.bad(k, length === undefined ? 'a list' : `a list of ${length}`);
    return x;
  }

  /** A nested state. */
  sub(k: string): unknown {
    return this.field(k);
  }

  /** An integer, or null. */
  intOrNull(k: string, min: number, max: number): number | null {
    return this.field(k) === null ? null : this.int(k, min, max);
  }
}
