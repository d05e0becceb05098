/**
 * Guest exceptions. Instruction semantics throw a GuestFault; the execution
 * loop catches it, rewinds EIP to the faulting instruction and delivers it.
 * A fault never leaves partial state: handlers do every access that can
 * fault before they write registers or memory (SDM vol. 3, 6.5).
 */

export const DE = 0, DB = 1, NMI = 2, BP = 3, OVF = 4, BR = 5, UD = 6, NM = 7;
export const DF = 8, TS = 10, NP = 11, SS = 12, GP = 13, PF = 14, MF = 16, AC = 17, MC = 18, XM = 19;

const NAMES: Record<number, string> = {
  0: '#DE', 1: '#DB', 2: 'NMI', 3: '#BP', 4: '#OF', 5: '#BR', 6: '#UD', 7: '#NM', 8: '#DF',
  10: '#TS', 11: '#NP', 12: '#SS', 13: '#GP', 14: '#PF', 16: '#MF', 17: '#AC', 18: '#MC', 19: '#XM',
};

export function vectorName(vector: number): string {
  return NAMES[vector] ?? `INT 0x${vector.toString(16)}`;
}

/** Vectors that push an error code in protected mode. */
export function hasErrorCode(vector: number): boolean {
  return vector === 8 || (vector >= 10 && vector <= 14) || vector === 17;
}

export class GuestFault {
  constructor(
    readonly vector: number,
    readonly errorCode: number = -1,
    /**
     * Set when the fault belongs to a new task: raised by a task switch after
     * its commit point, it is delivered in the new task's context, at this
     * EIP (the new task's), not at the instruction that switched.
     */
    readonly taskEip?: number,
  ) {}
  get name(): string { return vectorName(this.vector); }
}

/**
 * One GuestFault kept alive for its map. A fault's map is the one its constructor's stores lead to,
 * which V8 holds only through live instances (transitions are weak): between faults none is alive,
 * each full GC (the front end's eviction passes force one) freed it, and the loop's catch path met a
 * new map with feedback whose map was gone ("insufficient type feedback" deopts of `run` in user space,
 * three times a boot: bench/opt-trace.ts).
 */
export const FAULT_SHAPE = new GuestFault(0);

export function fault(vector: number, errorCode = -1): never {
  throw new GuestFault(vector, errorCode);
}
export const raiseUD = (): never => fault(UD);
export const raiseGP = (code = 0): never => fault(GP, code);
export const raiseDE = (): never => fault(DE);
