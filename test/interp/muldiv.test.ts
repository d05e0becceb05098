import { expect } from 'chai';
import { runSnippet, runSnippets, type Mode, type RegName, type SnippetOptions, type SnippetResult } from '../../src/snippet.js';
import { TEST_ENGINES } from '../helpers/engines.js';
import { hexBytes } from '../helpers/asm.js';
import { ARITH, check, h, type Case } from '../helpers/recorded-case.js';

/**
 * MUL, IMUL (one-, two- and three-operand), DIV, IDIV, including the #DE cases (vector 0, nothing changed, EIP = the instruction).
 *
 * Every expected value below was recorded by running the same instruction on
 * the host CPU (an Intel family 6 core, 32-bit code, through
 * test/fixtures/gen/runner.c), not derived from the manual. The comparison
 * covers all six arithmetic flags, including the ones the SDM leaves
 * undefined: the emulator deliberately reproduces what the real CPU does.
 * Memory operands are at 0x20000. Real-mode cases ran on the host as the
 * equivalent 32-bit code (same operation, operand-size prefixes adjusted).
 */

const CASES: Case[] = [
  { name: 'mul bl', code: 'f6e3', regs: { eax: 0x11112280, ebx: 0x2 }, eflags: 0x50,
    out: { regs: { eax: 0x11110100, ebx: 0x2 }, eflags: 0x805 } },
  { name: 'mul bl', code: 'f6e3', regs: { eax: 0x1111220f, ebx: 0xf }, eflags: 0x841,
    out: { regs: { eax: 0x111100e1, ebx: 0xf }, eflags: 0x84 } },
  { name: 'mul al', code: 'f6e0', regs: { eax: 0xff }, eflags: 0x2,
    out: { regs: { eax: 0xfe01 }, eflags: 0x801 } },
  { name: 'mul bx', code: '66f7e3', regs: { eax: 0x1234ffff, edx: 0x55555555, ebx: 0xffff }, eflags: 0x2,
    out: { regs: { eax: 0x12340001, edx: 0x5555fffe, ebx: 0xffff }, eflags: 0x801 } },
  { name: 'mul bx', code: '66f7e3', regs: { eax: 0x100, edx: 0xffffffff, ebx: 0xff }, eflags: 0x801,
    out: { regs: { eax: 0xff00, edx: 0xffff0000, ebx: 0xff }, eflags: 0x84 } },
  { name: 'mul ebx', code: 'f7e3', regs: { eax: 0xffffffff, edx: 0x1, ebx: 0xffffffff }, eflags: 0x2,
    out: { regs: { eax: 0x1, edx: 0xfffffffe, ebx: 0xffffffff }, eflags: 0x801 } },
  { name: 'mul ebx', code: 'f7e3', regs: { eax: 0x12345678, edx: 0x1, ebx: 0x9abcdef0 }, eflags: 0x8d5,
    out: { regs: { eax: 0x242d2080, edx: 0xb00ea4e, ebx: 0x9abcdef0 }, eflags: 0x801 } },
  { name: 'mul ebx', code: 'f7e3', regs: { eax: 0x10000, edx: 0x7, ebx: 0xffff }, eflags: 0x8d5,
    out: { regs: { eax: 0xffff0000, ebx: 0xffff }, eflags: 0x84 } },
  { name: 'mul ebx', code: 'f7e3', regs: { eax: 0x0, edx: 0x7, ebx: 0x80000000 }, eflags: 0x8d5,
    out: { regs: { ebx: 0x80000000 }, eflags: 0x4 } },
  { name: 'mul eax', code: 'f7e0', regs: { eax: 0x80000000 }, eflags: 0x2,
    out: { regs: { edx: 0x40000000 }, eflags: 0x805 } },
  { name: 'mul dword [0x20000]', code: 'f72500000200', regs: { eax: 0xdeadbeef }, eflags: 0x2, mem: 'efbeadde',
    out: { regs: { eax: 0x216da321, edx: 0xc1b1cd12 }, eflags: 0x805, mem: 'efbeadde' } },
  { name: 'mul word [0x20000]', code: '66f72500000200', regs: { eax: 0x8000, edx: 0x12345678 }, eflags: 0x2, mem: '0200',
    out: { regs: { edx: 0x12340001 }, eflags: 0x805, mem: '0200' } },
  { name: 'mul byte [0x20000]', code: 'f62500000200', regs: { eax: 0x40 }, eflags: 0x2, mem: '04',
    out: { regs: { eax: 0x100 }, eflags: 0x805, mem: '04' } },
  { name: 'imul bl', code: 'f6eb', regs: { eax: 0x80, ebx: 0xff }, eflags: 0x2,
    out: { regs: { eax: 0x80, ebx: 0xff }, eflags: 0x881 } },
  { name: 'imul bl', code: 'f6eb', regs: { eax: 0x80, ebx: 0x1 }, eflags: 0x8d5,
    out: { regs: { eax: 0xff80, ebx: 0x1 }, eflags: 0x80 } },
  { name: 'imul bl', code: 'f6eb', regs: { eax: 0x7f, ebx: 0xfe }, eflags: 0x2,
    out: { regs: { eax: 0xff02, ebx: 0xfe }, eflags: 0x801 } },
  { name: 'imul bx', code: '66f7eb', regs: { eax: 0x8000, ebx: 0xffff, edx: 0xaaaaaaaa }, eflags: 0x2,
    out: { regs: { eax: 0x8000, edx: 0xaaaa0000, ebx: 0xffff }, eflags: 0x885 } },
  { name: 'imul bx', code: '66f7eb', regs: { eax: 0xfff0, ebx: 0x100, edx: 0xaaaaaaaa }, eflags: 0x8d5,
    out: { regs: { eax: 0xf000, edx: 0xaaaaffff, ebx: 0x100 }, eflags: 0x84 } },
  { name: 'imul ebx', code: 'f7eb', regs: { eax: 0x80000000, ebx: 0xffffffff }, eflags: 0x2,
    out: { regs: { eax: 0x80000000, ebx: 0xffffffff }, eflags: 0x885 } },
  { name: 'imul ebx', code: 'f7eb', regs: { eax: 0xfffffffe, ebx: 0x40000000 }, eflags: 0x8d5,
    out: { regs: { eax: 0x80000000, edx: 0xffffffff, ebx: 0x40000000 }, eflags: 0x84 } },
  { name: 'imul ebx', code: 'f7eb', regs: { eax: 0x12345678, ebx: 0x9abcdef0 }, eflags: 0x2,
    out: { regs: { eax: 0x242d2080, edx: 0xf8cc93d6, ebx: 0x9abcdef0 }, eflags: 0x801 } },
  { name: 'imul ebx', code: 'f7eb', regs: { eax: 0x7fffffff, ebx: 0x7fffffff }, eflags: 0x2,
    out: { regs: { eax: 0x1, edx: 0x3fffffff, ebx: 0x7fffffff }, eflags: 0x801 } },
  { name: 'imul dword [0x20000]', code: 'f72d00000200', regs: { eax: 0xffffffff }, eflags: 0x8d5, mem: 'ffffffff',
    out: { regs: { eax: 0x1 }, eflags: 0x0, mem: 'ffffffff' } },
  { name: 'imul byte [0x20000]', code: 'f62d00000200', regs: { eax: 0x1210 }, eflags: 0x2, mem: 'f8',
    out: { regs: { eax: 0xff80 }, eflags: 0x80, mem: 'f8' } },
  { name: 'imul ebx, ecx', code: '0fafd9', regs: { ebx: 0x10000, ecx: 0xffff8000 }, eflags: 0x8d5,
    out: { regs: { ecx: 0xffff8000, ebx: 0x80000000 }, eflags: 0x84 } },
  { name: 'imul ebx, ecx', code: '0fafd9', regs: { ebx: 0x10000, ecx: 0x8000 }, eflags: 0x2,
    out: { regs: { ecx: 0x8000, ebx: 0x80000000 }, eflags: 0x885 } },
  { name: 'imul ebx, ecx', code: '0fafd9', regs: { ebx: 0x80000000, ecx: 0xffffffff }, eflags: 0x2,
    out: { regs: { ecx: 0xffffffff, ebx: 0x80000000 }, eflags: 0x885 } },
  { name: 'imul ebx, ecx', code: '0fafd9', regs: { ebx: 0xfffffffd, ecx: 0x7 }, eflags: 0x2,
    out: { regs: { ecx: 0x7, ebx: 0xffffffeb }, eflags: 0x84 } },
  { name: 'imul ebx, ebx', code: '0fafdb', regs: { ebx: 0xb504f334 }, eflags: 0x2,
    out: { regs: { ebx: 0x8abc290 }, eflags: 0x805 } },
  { name: 'imul bx, cx', code: '660fafd9', regs: { ebx: 0x55550100, ecx: 0x80 }, eflags: 0x2,
    out: { regs: { ecx: 0x80, ebx: 0x55558000 }, eflags: 0x885 } },
  { name: 'imul bx, cx', code: '660fafd9', regs: { ebx: 0x5555ff00, ecx: 0x80 }, eflags: 0x8d5,
    out: { regs: { ecx: 0x80, ebx: 0x55558000 }, eflags: 0x84 } },
  { name: 'imul ebx, ecx, 100', code: '6bd964', regs: { ecx: 0xfffffff6 }, eflags: 0x8d5,
    out: { regs: { ecx: 0xfffffff6, ebx: 0xfffffc18 }, eflags: 0x84 } },
  { name: 'imul ebx, ecx, -2', code: '6bd9fe', regs: { ecx: 0x40000000 }, eflags: 0x2,
    out: { regs: { ecx: 0x40000000, ebx: 0x80000000 }, eflags: 0x84 } },
  { name: 'imul ebx, ecx, 0x12345', code: '69d945230100', regs: { ecx: 0x54321 }, eflags: 0x2,
    out: { regs: { ecx: 0x54321, ebx: 0xfcb99ae5 }, eflags: 0x881 } },
  { name: 'imul bx, cx, 0x7fff', code: '6669d9ff7f', regs: { ebx: 0xaaaaaaaa, ecx: 0x2 }, eflags: 0x2,
    out: { regs: { ecx: 0x2, ebx: 0xaaaafffe }, eflags: 0x881 } },
  { name: 'imul bx, cx, -1', code: '666bd9ff', regs: { ebx: 0xaaaaaaaa, ecx: 0x8000 }, eflags: 0x2,
    out: { regs: { ecx: 0x8000, ebx: 0xaaaa8000 }, eflags: 0x885 } },
  { name: 'imul ecx, dword [0x20000]', code: '0faf0d00000200', regs: { ecx: 0x3 }, eflags: 0x2, mem: '00000080',
    out: { regs: { ecx: 0x80000000 }, eflags: 0x885, mem: '00000080' } },
  { name: 'imul cx, word [0x20000]', code: '660faf0d00000200', regs: { ecx: 0x11110003 }, eflags: 0x2, mem: '0300',
    out: { regs: { ecx: 0x11110009 }, eflags: 0x4, mem: '0300' } },
  { name: 'imul ecx, dword [0x20000], -3', code: '6b0d00000200fd', regs: {}, eflags: 0x2, mem: '55555555',
    out: { regs: { ecx: 0x1 }, eflags: 0x801, mem: '55555555' } },
  { name: 'imul cx, word [0x20000], 300', code: '66690d000002002c01', regs: {}, eflags: 0x2, mem: '6400',
    out: { regs: { ecx: 0x7530 }, eflags: 0x4, mem: '6400' } },
  { name: 'div bl', code: 'f6f3', regs: { eax: 0x123403e8, ebx: 0x7 }, eflags: 0x8d5,
    out: { regs: { eax: 0x1234068e, ebx: 0x7 }, eflags: 0x8d5 } },
  { name: 'div bl', code: 'f6f3', regs: { eax: 0xfeff, ebx: 0xff }, eflags: 0x2,
    out: { regs: { eax: 0xfeff, ebx: 0xff }, eflags: 0x0 } },
  { name: 'div bx', code: '66f7f3', regs: { eax: 0x5678, edx: 0xffff1234, ebx: 0x5000 }, eflags: 0x2,
    out: { regs: { eax: 0x3a41, edx: 0xffff0678, ebx: 0x5000 }, eflags: 0x0 } },
  { name: 'div ebx', code: 'f7f3', regs: { eax: 0x89abcdef, edx: 0x1234567, ebx: 0x12345678 }, eflags: 0x2,
    out: { regs: { eax: 0x10000000, edx: 0x9abcdef, ebx: 0x12345678 }, eflags: 0x0 } },
  { name: 'div ebx', code: 'f7f3', regs: { eax: 0xffffffff, edx: 0xfffffffe, ebx: 0xffffffff }, eflags: 0x8d5,
    out: { regs: { eax: 0xffffffff, edx: 0xfffffffe, ebx: 0xffffffff }, eflags: 0x8d5 } },
  { name: 'div ebx', code: 'f7f3', regs: { eax: 0x0, edx: 0x0, ebx: 0x1 }, eflags: 0x2,
    out: { regs: { ebx: 0x1 }, eflags: 0x0 } },
  { name: 'div ebx', code: 'f7f3', regs: { eax: 0xfffffffe, edx: 0x0, ebx: 0x3 }, eflags: 0x2,
    out: { regs: { eax: 0x55555554, edx: 0x2, ebx: 0x3 }, eflags: 0x0 } },
  { name: 'div eax', code: 'f7f0', regs: { eax: 0x12345, edx: 0x5 }, eflags: 0x2,
    out: { regs: { eax: 0x46502, edx: 0xa3bb }, eflags: 0x0 } },
  { name: 'div dword [0x20000]', code: 'f73500000200', regs: { eax: 0x0, edx: 0x1 }, eflags: 0x2, mem: '02000000',
    out: { regs: { eax: 0x80000000 }, eflags: 0x0, mem: '02000000' } },
  { name: 'div word [0x20000]', code: '66f73500000200', regs: { eax: 0xffff, edx: 0x9 }, eflags: 0x2, mem: '0a00',
    out: { regs: { eax: 0xffff, edx: 0x9 }, eflags: 0x0, mem: '0a00' } },
  { name: 'div byte [0x20000]', code: 'f63500000200', regs: { eax: 0xff }, eflags: 0x2, mem: '10',
    out: { regs: { eax: 0xf0f }, eflags: 0x0, mem: '10' } },
  { name: 'idiv bl', code: 'f6fb', regs: { eax: 0xfc18, ebx: 0x7 }, eflags: 0x2,
    out: 'DE' },
  { name: 'idiv bl', code: 'f6fb', regs: { eax: 0xff80, ebx: 0x1 }, eflags: 0x2,
    out: { regs: { eax: 0x80, ebx: 0x1 }, eflags: 0x0 } },
  { name: 'idiv bl', code: 'f6fb', regs: { eax: 0x64, ebx: 0xf9 }, eflags: 0x2,
    out: { regs: { eax: 0x2f2, ebx: 0xf9 }, eflags: 0x0 } },
  { name: 'idiv bx', code: '66f7fb', regs: { eax: 0x8000, edx: 0xffff, ebx: 0x1 }, eflags: 0x2,
    out: { regs: { eax: 0x8000, ebx: 0x1 }, eflags: 0x0 } },
  { name: 'idiv bx', code: '66f7fb', regs: { eax: 0x1234, edx: 0xfff0, ebx: 0x7fff }, eflags: 0x2,
    out: { regs: { eax: 0xffe1, edx: 0x9215, ebx: 0x7fff }, eflags: 0x0 } },
  { name: 'idiv ebx', code: 'f7fb', regs: { eax: 0x0, edx: 0xffffffff, ebx: 0x2 }, eflags: 0x2,
    out: { regs: { eax: 0x80000000, ebx: 0x2 }, eflags: 0x0 } },
  { name: 'idiv ebx', code: 'f7fb', regs: { eax: 0x89abcdef, edx: 0xfedcba98, ebx: 0xc0000001 }, eflags: 0x8d5,
    out: { regs: { eax: 0x48d159d, edx: 0xc51eb852, ebx: 0xc0000001 }, eflags: 0x8d5 } },
  { name: 'idiv ebx', code: 'f7fb', regs: { eax: 0x7, edx: 0x0, ebx: 0xfffffffe }, eflags: 0x2,
    out: { regs: { eax: 0xfffffffd, edx: 0x1, ebx: 0xfffffffe }, eflags: 0x0 } },
  { name: 'idiv ebx', code: 'f7fb', regs: { eax: 0xfffffff9, edx: 0xffffffff, ebx: 0x2 }, eflags: 0x2,
    out: { regs: { eax: 0xfffffffd, edx: 0xffffffff, ebx: 0x2 }, eflags: 0x0 } },
  { name: 'idiv ebx', code: 'f7fb', regs: { eax: 0x7fffffff, edx: 0x0, ebx: 0x80000000 }, eflags: 0x2,
    out: { regs: { edx: 0x7fffffff, ebx: 0x80000000 }, eflags: 0x0 } },
  { name: 'idiv ebx', code: 'f7fb', regs: { eax: 0xffffffff, edx: 0x3fffffff, ebx: 0x7fffffff }, eflags: 0x2,
    out: 'DE' },
  { name: 'idiv dword [0x20000]', code: 'f73d00000200', regs: { eax: 0xffff0000, edx: 0xffffffff }, eflags: 0x2, mem: 'f0ffffff',
    out: { regs: { eax: 0x1000 }, eflags: 0x0, mem: 'f0ffffff' } },
  { name: 'idiv byte [0x20000]', code: 'f63d00000200', regs: { eax: 0x7ffe }, eflags: 0x2, mem: '7f',
    out: 'DE' },
  { name: 'div bl', code: 'f6f3', regs: { eax: 0x1234, ebx: 0xffffff00 }, eflags: 0x41,
    out: 'DE' },
  { name: 'div bx', code: '66f7f3', regs: { eax: 0x1234, edx: 0x0, ebx: 0xffff0000 }, eflags: 0x2,
    out: 'DE' },
  { name: 'div ebx', code: 'f7f3', regs: { eax: 0x1234, edx: 0x0, ebx: 0x0 }, eflags: 0x80,
    out: 'DE' },
  { name: 'div bl', code: 'f6f3', regs: { eax: 0x1000, ebx: 0x10 }, eflags: 0x2,
    out: 'DE' },
  { name: 'div bx', code: '66f7f3', regs: { eax: 0x0, edx: 0x1, ebx: 0x1 }, eflags: 0x2,
    out: 'DE' },
  { name: 'div ebx', code: 'f7f3', regs: { eax: 0x0, edx: 0x5, ebx: 0x5 }, eflags: 0x2,
    out: 'DE' },
  { name: 'idiv bl', code: 'f6fb', regs: { eax: 0xff80, ebx: 0xff }, eflags: 0x2,
    out: 'DE' },
  { name: 'idiv bl', code: 'f6fb', regs: { eax: 0x80, ebx: 0x1 }, eflags: 0x2,
    out: 'DE' },
  { name: 'idiv bx', code: '66f7fb', regs: { eax: 0x8000, edx: 0xffff, ebx: 0xffff }, eflags: 0x2,
    out: 'DE' },
  { name: 'idiv ebx', code: 'f7fb', regs: { eax: 0x80000000, edx: 0xffffffff, ebx: 0xffffffff }, eflags: 0x801,
    out: 'DE' },
  { name: 'idiv ebx', code: 'f7fb', regs: { eax: 0x0, edx: 0x80000000, ebx: 0x7fffffff }, eflags: 0x2,
    out: 'DE' },
  { name: 'idiv ebx', code: 'f7fb', regs: { eax: 0x80000000, edx: 0x0, ebx: 0x1 }, eflags: 0x2,
    out: 'DE' },
  { name: 'idiv ebx', code: 'f7fb', regs: { eax: 0x1, edx: 0x0, ebx: 0x0 }, eflags: 0x2,
    out: 'DE' },
  { name: 'div dword [0x20000]', code: 'f73500000200', regs: { eax: 0x1 }, eflags: 0x2, mem: '00000000',
    out: 'DE' },
  { name: 'idiv word [0x20000]', code: '66f73d00000200', regs: { eax: 0x0, edx: 0x4000 }, eflags: 0x2, mem: '0100',
    out: 'DE' },
  { name: 'mul bx (real mode)', code: 'f7e3', mode: 'real', regs: { eax: 0xaaaa1234, edx: 0x55555555, ebx: 0x100 }, eflags: 0x2,
    out: { regs: { eax: 0xaaaa3400, edx: 0x55550012, ebx: 0x100 }, eflags: 0x805 } },
  { name: 'imul cx, bx, -5 (real mode)', code: '6bcbfb', mode: 'real', regs: { ecx: 0x11111111, ebx: 0x1000 }, eflags: 0x2,
    out: { regs: { ecx: 0x1111b000, ebx: 0x1000 }, eflags: 0x84 } },
  { name: 'div cx (real mode)', code: 'f7f1', mode: 'real', regs: { eax: 0x5678, edx: 0x12, ecx: 0x100 }, eflags: 0x2,
    out: { regs: { eax: 0x1256, ecx: 0x100, edx: 0x78 }, eflags: 0x0 } },
  { name: 'idiv cl (real mode)', code: 'f6f9', mode: 'real', regs: { eax: 0xff00, ecx: 0x3 }, eflags: 0x2,
    out: { regs: { eax: 0xffab, ecx: 0x3 }, eflags: 0x0 } },
  { name: 'div cx (real mode)', code: 'f7f1', mode: 'real', regs: { eax: 0x5678, edx: 0x1234, ecx: 0x100 }, eflags: 0x2,
    out: 'DE' },
  { name: 'mul ebx (real mode)', code: '66f7e3', mode: 'real', regs: { eax: 0x87654321, ebx: 0x10 }, eflags: 0x2,
    out: { regs: { eax: 0x76543210, edx: 0x8, ebx: 0x10 }, eflags: 0x801 } },
];

for (const engine of TEST_ENGINES) {
  describe(`mul/div family [${engine}]`, () => {
    CASES.forEach((c, i) => {
      it(`#${i} ${c.name}${c.out === 'DE' ? ' -> #DE' : ''}  [${c.code}]`, () => check(engine, c));
    });

    it('#DE reports the EIP of the DIV, after earlier instructions took effect', () => {
      // mov ecx, 5; div ebx (ebx = 0); hlt
      const r = runSnippet({ engine, code: hexBytes('b905000000 f7f3 f4'), regs: { eax: 0x1234, edx: 0x77, ebx: 0 }, eflags: 0x8c3 });
      expect(r.stop).to.equal('exception');
      expect(r.exception).to.deep.include({ vector: 0, name: '#DE', eip: 0x1005 });
      expect(r.regs).to.deep.include({ eax: 0x1234, ecx: 5, edx: 0x77, ebx: 0 });
      expect(r.eflags & ARITH).to.equal(0x8c1 & ARITH);
    });

    it('IDIV by -1 of every size: the quotient is the negated dividend, #DE only for the most negative one', () => {
      // idiv ebx / idiv bx / idiv bl with EBX = -1 (integer results: pure arithmetic; flags unchanged)
      let r = runSnippet({ engine, code: hexBytes('f7fb f4'), regs: { eax: 0x7, edx: 0, ebx: 0xffffffff }, eflags: 0x8d5 });
      expect([r.regs.eax, r.regs.edx, r.eflags & ARITH]).to.deep.equal([0xfffffff9, 0, 0x8d5 & ARITH]);
      r = runSnippet({ engine, code: hexBytes('f7fb f4'), regs: { eax: 0x80000001, edx: 0xffffffff, ebx: 0xffffffff } });
      expect([r.regs.eax, r.regs.edx]).to.deep.equal([0x7fffffff, 0]);
      r = runSnippet({ engine, code: hexBytes('f7fb f4'), regs: { eax: 0x80000000, edx: 0, ebx: 0xffffffff } });
      expect([r.regs.eax, r.regs.edx]).to.deep.equal([0x80000000, 0]); // 2^31 / -1 = -2^31 fits
      // -2^63 / -1 (wasm's i64.div_s would trap on it): #DE, nothing changed
      r = runSnippet({ engine, code: hexBytes('f7fb f4'), regs: { eax: 0, edx: 0x80000000, ebx: 0xffffffff } });
      expect(r.exception?.vector).to.equal(0);
      expect([r.regs.eax, r.regs.edx]).to.deep.equal([0, 0x80000000]);
      r = runSnippet({ engine, code: hexBytes('66f7fb f4'), regs: { eax: 0x11118001, edx: 0x2222ffff, ebx: 0xffff } });
      expect([r.regs.eax, r.regs.edx]).to.deep.equal([0x11117fff, 0x22220000]);
      r = runSnippet({ engine, code: hexBytes('66f7fb f4'), regs: { eax: 0x0000, edx: 0x8000, ebx: 0xffff } });
      expect(r.exception?.vector).to.equal(0);
      r = runSnippet({ engine, code: hexBytes('f6fb f4'), regs: { eax: 0x1234ff85, ebx: 0xff } });
      expect(r.regs.eax).to.equal(0x1234007b);
    });

    it('memory divisors in a page already mapped (the TLB hit; a snippet starts with it empty), #DE from memory', () => {
      // mov ecx, [0x20000] fills the TLB; then div/idiv [0x20000] of each size
      const mem = (b: string) => [{ addr: 0x20000, bytes: hexBytes(b) }];
      let r = runSnippet({ engine, code: hexBytes('8b0d00000200 f73500000200 f4'), regs: { eax: 0x89abcdef, edx: 0x1234567 }, memory: mem('78563412') });
      expect([r.regs.eax, r.regs.edx]).to.deep.equal([0x10000000, 0x9abcdef]);
      r = runSnippet({ engine, code: hexBytes('8b0d00000200 f73d00000200 f4'), regs: { eax: 0xffff0000, edx: 0xffffffff }, memory: mem('f0ffffff') });
      expect([r.regs.eax, r.regs.edx]).to.deep.equal([0x1000, 0]);
      r = runSnippet({ engine, code: hexBytes('8b0d00000200 66f73500000200 f4'), regs: { eax: 0xaaaaffff, edx: 0xbbbb0009 }, memory: mem('0a00') });
      expect([r.regs.eax, r.regs.edx]).to.deep.equal([0xaaaaffff, 0xbbbb0009]); // 0x9ffff / 10 = 0xffff rem 9
      r = runSnippet({ engine, code: hexBytes('8b0d00000200 f63d00000200 f4'), regs: { eax: 0x1234ff85 }, memory: mem('f9') });
      expect(r.regs.eax).to.equal(0x1234fc11); // -123 / -7 = 17 rem -4
      r = runSnippet({ engine, code: hexBytes('8b0d00000200 f73500000200 f4'), regs: { eax: 5, edx: 0 }, memory: mem('00000000') });
      expect(r.exception).to.deep.include({ vector: 0, eip: 0x1006 });
      expect([r.regs.eax, r.regs.edx]).to.deep.equal([5, 0]);
    });

    it('64-bit products and quotients are exact (random 32-bit operands, BigInt reference)', () => {
      // The integer results are pure arithmetic; real-CPU flag behaviour is covered by the table above
      // and by the fixture replay (test/cpu-fixtures.test.ts).
      let seed = 0x9e3779b9;
      const rnd = (): number => { seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5; return seed >>> 0; };
      const pick = (): number => { const k = rnd() & 3; return k === 0 ? rnd() & 0xffff : k === 1 ? (0xffffffff - (rnd() & 0xff)) >>> 0 : rnd(); };
      const U = (v: number): bigint => BigInt(v >>> 0), S = (v: number): bigint => BigInt(v | 0);
      const M64 = (1n << 64n) - 1n, M32 = (1n << 32n) - 1n;
      // runSnippets: four codes, each compiled once on the JIT (one at a time, they alternated at one
      // address and were compiled again at every switch); each result is checked right after its run.
      const runs: { opts: SnippetOptions; check: (r: SnippetResult) => void }[] = [];
      for (let i = 0; i < 300; i++) {
        const a = pick(), b = pick() || 1, hi = pick();
        // mul ebx; imul ebx (one operand), with EDX:EAX results
        runs.push({ opts: { engine, code: hexBytes('f7e3 f4'), regs: { eax: a, ebx: b } }, check: (r) => {
          const p = U(a) * U(b);
          expect([h(r.regs.eax), h(r.regs.edx)], `mul ${h(a)} ${h(b)}`).to.deep.equal([h(Number(p & M32)), h(Number(p >> 32n))]);
        } });
        runs.push({ opts: { engine, code: hexBytes('f7eb f4'), regs: { eax: a, ebx: b } }, check: (r) => {
          const p = (S(a) * S(b)) & M64;
          expect([h(r.regs.eax), h(r.regs.edx)], `imul ${h(a)} ${h(b)}`).to.deep.equal([h(Number(p & M32)), h(Number(p >> 32n))]);
        } });
        // div ebx with EDX < EBX (no overflow)
        const d = hi % b;
        runs.push({ opts: { engine, code: hexBytes('f7f3 f4'), regs: { eax: a, edx: d, ebx: b } }, check: (r) => {
          const n = (U(d) << 32n) | U(a);
          expect([h(r.regs.eax), h(r.regs.edx)], `div ${h(d)}:${h(a)} / ${h(b)}`).to.deep.equal([h(Number(n / U(b))), h(Number(n % U(b)))]);
        } });
        // idiv ebx: in range or #DE
        runs.push({ opts: { engine, code: hexBytes('f7fb f4'), regs: { eax: a, edx: hi, ebx: b } }, check: (r) => {
          const sn = BigInt.asIntN(64, (U(hi) << 32n) | U(a)), sd = S(b);
          const q = sn / sd, rm = sn % sd;
          if (q < -(1n << 31n) || q >= 1n << 31n) {
            expect(r.exception?.vector, `idiv ${h(hi)}:${h(a)} / ${h(b)} overflows`).to.equal(0);
          } else {
            expect([h(r.regs.eax), h(r.regs.edx)], `idiv ${h(hi)}:${h(a)} / ${h(b)}`).to.deep.equal([h(Number(q & M32)), h(Number(rm & M32))]);
          }
        } });
      }
      runSnippets(runs.map((x) => x.opts), (r, k) => runs[k]!.check(r));
    });
  });
}
