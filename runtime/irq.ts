/**
 * The CPU's side of external interrupts: a source (the 8259A PIC pair in a
 * PC) that says whether an interrupt request is pending and, when the CPU
 * takes it at an instruction boundary (IF=1, no interrupt shadow), hands
 * over the vector (the INTA cycle). Devices live above this interface.
 */
export interface InterruptSource {
  /** True when the INTR line is asserted. A pure query: the loop asks it at every block boundary, IF=0 too. */
  pending(): boolean;
  /** Interrupt-acknowledge: the vector number to deliver (also updates ISR/IRR). */
  acknowledge(): number;
}

/** How devices raise and lower IRQ lines (implemented by the PIC). */
export interface IrqSink {
  /** Set the level of ISA IRQ line `irq` (0-15): true = asserted. Edge-triggered inputs latch on a rising edge. */
  setIrq(irq: number, level: boolean): void;
}

/** Virtual time, in nanoseconds since machine start (wall-clock or instruction-count driven). */
export interface Clock {
  nowNs(): number;
}
