/**
 * Names of the state block's 32-bit words (runtime/state/layout.ts), for
 * reports that show a state difference (lockstep). Arrays get an index or a
 * register name; anything not listed is shown as its byte offset.
 */
import * as L from '../../runtime/state/layout.js';

const GPR = ['EAX', 'ECX', 'EDX', 'EBX', 'ESP', 'EBP', 'ESI', 'EDI'];
const SEG = ['ES', 'CS', 'SS', 'DS', 'FS', 'GS'];

const names = new Map<number, string>();
GPR.forEach((n, i) => names.set(L.REGS + 4 * i, n));
const scalar: [number, string][] = [
  [L.EIP, 'EIP'], [L.EFLAGS, 'EFLAGS (word)'], [L.LAZY_OP, 'LAZY_OP'], [L.LAZY_RES, 'LAZY_RES'], [L.LAZY_A, 'LAZY_A'], [L.LAZY_B, 'LAZY_B'],
  [L.LAZY_MASK, 'LAZY_MASK'], [L.CR0, 'CR0'], [L.CR2, 'CR2'], [L.CR3, 'CR3'], [L.CR4, 'CR4'], [L.CPL, 'CPL'], [L.CODE32, 'CODE32'],
  [L.STACK32, 'STACK32'], [L.ICOUNT, 'ICOUNT (low)'], [L.ICOUNT + 4, 'ICOUNT (high)'], [L.GDTR_BASE, 'GDTR.base'], [L.GDTR_LIMIT, 'GDTR.limit'],
  [L.IDTR_BASE, 'IDTR.base'], [L.IDTR_LIMIT, 'IDTR.limit'], [L.LDTR_SEL, 'LDTR'], [L.LDTR_BASE, 'LDTR.base'], [L.LDTR_LIMIT, 'LDTR.limit'],
  [L.TR_SEL, 'TR'], [L.TR_BASE, 'TR.base'], [L.TR_LIMIT, 'TR.limit'], [L.TR_FLAGS, 'TR.flags'], [L.TSC_OFFSET, 'TSC_OFFSET'],
  [L.MSR_SYSENTER_CS, 'SYSENTER_CS'], [L.MSR_SYSENTER_ESP, 'SYSENTER_ESP'], [L.MSR_SYSENTER_EIP, 'SYSENTER_EIP'], [L.INT_SHADOW, 'INT_SHADOW'],
  [L.DEBUG, 'DEBUG'], [L.DB_HELD, 'DB_HELD'], [L.READ_MASK, 'READ_MASK'], [L.WRITE_MASK, 'WRITE_MASK'], [L.FAULT_REC, 'FAULT_REC'],
  [L.BLOCK_DEAD, 'BLOCK_DEAD'], [L.RETIRED, 'RETIRED'], [L.INTR_PENDING, 'INTR_PENDING'], [L.FPU_CW, 'FPU CW'], [L.FPU_SW, 'FPU SW'],
  [L.FPU_TOP, 'FPU TOP'], [L.FPU_EMPTY, 'FPU empty tags'], [L.FPU_FIP, 'FPU FIP'], [L.FPU_FCS, 'FPU FCS'], [L.FPU_FDP, 'FPU FDP'],
  [L.FPU_FDS, 'FPU FDS'], [L.FPU_FOP, 'FPU FOP'], [L.FPU_X80V, 'FPU X80 valid'], [L.MXCSR, 'MXCSR'],
];
for (const [off, n] of scalar) names.set(off, n);
const arrays: [number, string, string[] | number][] = [
  [L.SEG_SEL, 'sel', SEG], [L.SEG_BASE, 'base', SEG], [L.SEG_LIMIT, 'limit', SEG], [L.SEG_FLAGS, 'flags', SEG],
  [L.SEG_LO, 'lo', SEG], [L.SEG_HI, 'hi', SEG], [L.SEG_WLO, 'wlo', SEG], [L.SEG_WHI, 'whi', SEG],
];
for (const [base, field, regs] of arrays) (regs as string[]).forEach((r, i) => names.set(base + 4 * i, `${r}.${field}`));
for (let i = 0; i < 8; i++) names.set(L.DR + 4 * i, `DR${i}`);

/** Name of the state word at word index `wordIndex`. */
export function stateWordName(wordIndex: number): string {
  const off = wordIndex * 4;
  const n = names.get(off);
  if (n !== undefined) return n;
  if (off >= L.FPU_ST && off < L.FPU_ST + 64) return `FPU R${(off - L.FPU_ST) >> 3} (${(off - L.FPU_ST) & 4 ? 'high' : 'low'} word)`;
  if (off >= L.FPU_X80 && off < L.FPU_X80 + 128) return `FPU X80[${(off - L.FPU_X80) >> 4}] +${(off - L.FPU_X80) & 15}`;
  if (off >= L.XMM && off < L.XMM + 128) return `XMM${(off - L.XMM) >> 4} dword ${((off - L.XMM) & 15) >> 2}`;
  return `state+0x${off.toString(16)}`;
}
