/**
 * Time helpers shared by the timer devices. Devices read virtual time from a
 * Clock (runtime/irq.ts) in nanoseconds and convert it to their own input
 * clocks (the PIT's 1.193182 MHz, the RTC's 32.768 kHz) with exact integer
 * arithmetic, so a device behaves the same whether the machine's clock is
 * wall-clock or instruction-count driven.
 */

/**
 * What the machine loop needs from a device that raises interrupts on its
 * own as time passes: when its next interrupt-relevant event is due, and a
 * way to bring it up to a given time (raising the IRQs that are due).
 */
export interface TimedDevice {
  /** Absolute virtual time (ns) of the next event that can change an IRQ line, or Infinity. */
  nextEventNs(): number;
  /** Bring the device up to `nowNs`, raising/lowering IRQ lines that are due. */
  update(nowNs: number): void;
}

/**
 * floor(a * num / den) for a non-negative integer `a` up to 2^53, without
 * losing precision, provided den * num < 2^53 (true for every rate used here).
 */
export function mulDivFloor(a: number, num: number, den: number): number {
  a = Math.floor(a);
  let q = Math.floor(a / den);
  let r = a - q * den;
  if (r < 0) { q--; r += den; } else if (r >= den) { q++; r -= den; }
  return q * num + Math.floor((r * num) / den);
}

/** ceil(a * num / den), same conditions as mulDivFloor. */
export function mulDivCeil(a: number, num: number, den: number): number {
  a = Math.floor(a);
  let q = Math.floor(a / den);
  let r = a - q * den;
  if (r < 0) { q--; r += den; } else if (r >= den) { q++; r -= den; }
  return q * num + Math.ceil((r * num) / den);
}

/** Ticks of a `hz` clock (started at ns 0) that have elapsed at `ns`. */
export function nsToTicks(ns: number, hz: number): number {
  return mulDivFloor(ns, hz, 1e9);
}

/** The first integer nanosecond at which `ticks` ticks of a `hz` clock have elapsed. */
export function ticksToNs(ticks: number, hz: number): number {
  return mulDivCeil(ticks, 1e9, hz);
}
