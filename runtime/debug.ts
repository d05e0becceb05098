/**
 * The debug registers (SDM vol. 3, 17.2-17.3): DR0-DR3 breakpoint addresses,
 * DR6 status, DR7 control. Enabled breakpoints put the execution loop into
 * an instruction-by-instruction mode (state DEBUG): instruction breakpoints
 * are checked before each instruction (faults, suppressed for one
 * instruction by EFLAGS.RF); data breakpoints are watched by the MMU, which
 * sends every access to a page holding one to its slow path, and reported as
 * a trap after the instruction. With nothing enabled there is no cost beyond
 * the loop's one per-block test of DEBUG.
 */
import type { Cpu } from './cpu.js';
import type { Watch } from './mmu.js';
import { DB_HELD, DEBUG, DR, w } from './state/layout.js';

const W_DR = w(DR), W_DEBUG = w(DEBUG), W_HELD = w(DB_HELD);

/** DR6 bits. */
export const DR6_BD = 0x2000, DR6_BS = 0x4000, DR6_BT = 0x8000;
/** DR6 bits that read as 1 on P6 (4-11, 16-31); bit 12 reads as 0 (SDM vol. 3, 17.2.3). */
const DR6_ONES = 0xffff0ff0 | 0, DR6_WRITABLE = 0xe00f;
/** DR7: bit 10 reads as 1; bits 11, 12, 14, 15 as 0 (SDM vol. 3, 17.2.4). GD is bit 13. */
export const DR7_GD = 0x2000;
const DR7_ONES = 0x400, DR7_WRITABLE = 0xffff23ff | 0;

export const DEBUG_BREAKPOINTS = 1, DEBUG_HELD = 2;

/** Power-on values (SDM vol. 3, table 9-1). */
export function resetDebug(cpu: Cpu): void {
  const s = cpu.s;
  for (let i = 0; i < 4; i++) s[W_DR + i] = 0;
  s[W_DR + 6] = DR6_ONES;
  s[W_DR + 7] = DR7_ONES;
  s[W_HELD] = 0;
  updateDebug(cpu);
}

/** MOV to DRn (n = 0-3, 6, 7; the caller maps DR4/DR5). */
export function writeDr(cpu: Cpu, n: number, v: number): void {
  const s = cpu.s;
  if (n === 6) s[W_DR + 6] = (v & DR6_WRITABLE) | DR6_ONES;
  else if (n === 7) s[W_DR + 7] = (v & DR7_WRITABLE) | DR7_ONES;
  else s[W_DR + n] = v;
  updateDebug(cpu);
}

/** Length in bytes of breakpoint i from DR7.LENi: 00 1, 01 2, 11 4 (10 is undefined on P6: taken as 8, as later CPUs do). */
function lenOf(dr7: number, i: number): number {
  return [1, 2, 8, 4][(dr7 >>> (18 + 4 * i)) & 3];
}

/**
 * Recompute the derived state after DR0-DR3 / DR7 change (or the task switch
 * clears DR7's local enables): which execute breakpoints are armed, the MMU's
 * data watches, and the DEBUG word. R/W = 10 (I/O) needs CR4.DE, which this
 * CPU does not have: such a breakpoint never fires ("undefined" in the SDM).
 */
export function updateDebug(cpu: Cpu): void {
  const s = cpu.s, dr7 = s[W_DR + 7];
  const watches: Watch[] = [];
  let exec = 0;
  for (let i = 0; i < 4; i++) {
    if (((dr7 >>> (2 * i)) & 3) === 0) continue;
    const rw = (dr7 >>> (16 + 4 * i)) & 3;
    if (rw === 0) exec |= 1 << i;
    else if (rw !== 2) {
      const len = lenOf(dr7, i);
      watches.push({ lo: s[W_DR + i] & ~(len - 1), len, bit: 1 << i, writesOnly: rw === 1 });
    }
  }
  cpu.dbgExec = exec;
  cpu.mmu.setWatches(watches);
  s[W_DEBUG] = (exec !== 0 || watches.length !== 0 ? DEBUG_BREAKPOINTS : 0) | (s[W_HELD] !== 0 ? DEBUG_HELD : 0);
}

/** DR6 B0-B3 bits of the armed instruction breakpoints at linear address `lin`. */
export function execBreakpoints(cpu: Cpu, lin: number): number {
  const s = cpu.s, exec = cpu.dbgExec;
  let hits = 0;
  for (let i = 0; i < 4; i++) if ((exec & (1 << i)) !== 0 && s[W_DR + i] === lin) hits |= 1 << i;
  return hits;
}

/** Hold debug-trap bits until after the next instruction (MOV SS / POP SS). */
export function holdDb(cpu: Cpu, bits: number): void {
  const s = cpu.s;
  s[W_HELD] |= bits;
  s[W_DEBUG] |= DEBUG_HELD;
}
/** Take the held bits (and clear them). */
export function takeHeldDb(cpu: Cpu): number {
  const s = cpu.s, bits = s[W_HELD];
  if (bits === 0) return 0;
  s[W_HELD] = 0;
  s[W_DEBUG] &= ~DEBUG_HELD;
  return bits;
}

/** Record a #DB's conditions in DR6 and clear DR7.GD, as entering the #DB handler does (SDM vol. 3, 17.2.4). */
export function signalDb(cpu: Cpu, dr6Bits: number): void {
  const s = cpu.s;
  s[W_DR + 6] |= dr6Bits;
  s[W_DR + 7] &= ~DR7_GD;
}
