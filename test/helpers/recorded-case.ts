/**
 * Test cases whose expected values were recorded on the real CPU (see the
 * header of each test file that uses them): run one instruction (plus HLT)
 * and compare the general registers, the six arithmetic flags and memory.
 */
import { expect } from 'chai';
import { runSnippet, type Mode, type RegName } from '../../src/snippet.js';
import type { TEST_ENGINES } from './engines.js';
import { hexBytes } from './asm.js';

export interface Case {
  name: string;
  code: string;                                   // hex; HLT is appended
  mode?: Mode;
  regs: Partial<Record<RegName, number>>;
  eflags: number;
  mem?: string;                                   // hex at 0x20000 before
  out: { regs: Partial<Record<RegName, number>>; eflags: number; mem?: string } | 'DE';
}

export const ARITH = 0x8d5; // OF SF ZF AF PF CF
export const MEM = 0x20000;
const GPRS: RegName[] = ['eax', 'ecx', 'edx', 'ebx', 'ebp', 'esi', 'edi'];
export const h = (v: number): string => '0x' + (v >>> 0).toString(16);
const toHex = (a: ArrayLike<number>): string => Array.from(a, (x) => x.toString(16).padStart(2, '0')).join('');

export function check(engine: (typeof TEST_ENGINES)[number], c: Case): void {
  const r = runSnippet({
    engine, code: hexBytes(c.code, 'f4'), mode: c.mode ?? 'protected32', regs: c.regs, eflags: c.eflags,
    memory: c.mem ? [{ addr: MEM, bytes: hexBytes(c.mem) }] : [],
  });
  const exp = c.out === 'DE' ? { regs: c.regs, eflags: c.eflags, mem: c.mem } : c.out;
  if (c.out === 'DE') {
    expect(r.stop, 'stop').to.equal('exception');
    expect(r.exception, 'exception').to.deep.include({ vector: 0, eip: 0x1000 });
  } else {
    expect(r.stop, `stop (${r.exception?.name ?? ''})`).to.equal('hlt');
  }
  const got = { ...Object.fromEntries(GPRS.map((g) => [g, h(r.regs[g])])), flags: h(r.eflags & ARITH) };
  const want = { ...Object.fromEntries(GPRS.map((g) => [g, h(exp.regs[g] ?? 0)])), flags: h(exp.eflags & ARITH) };
  expect(got).to.deep.equal(want);
  if (exp.mem) expect(toHex(r.readMemory(MEM, exp.mem.length / 2)), 'memory').to.equal(exp.mem);
}
