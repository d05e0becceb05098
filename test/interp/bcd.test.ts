import { expect } from 'chai';
import { runSnippet, type Mode, type RegName } from '../../src/snippet.js';
import { TEST_ENGINES } from '../helpers/engines.js';
import { hexBytes } from '../helpers/asm.js';
import { ARITH, check, h, type Case } from '../helpers/recorded-case.js';

/**
 * Decimal adjust: DAA DAS AAA AAS AAM AAD (AAM 0 raises #DE).
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
  { name: 'daa', code: '27', regs: { eax: 0xabcd0000 }, eflags: 0x2,
    out: { regs: { eax: 0xabcd0000 }, eflags: 0x44 } },
  { name: 'das', code: '2f', regs: { eax: 0xabcd0000 }, eflags: 0x2,
    out: { regs: { eax: 0xabcd0000 }, eflags: 0x44 } },
  { name: 'daa', code: '27', regs: { eax: 0xabcd000a }, eflags: 0x2,
    out: { regs: { eax: 0xabcd0010 }, eflags: 0x10 } },
  { name: 'das', code: '2f', regs: { eax: 0xabcd000a }, eflags: 0x2,
    out: { regs: { eax: 0xabcd0004 }, eflags: 0x10 } },
  { name: 'daa', code: '27', regs: { eax: 0xabcd009a }, eflags: 0x2,
    out: { regs: { eax: 0xabcd0000 }, eflags: 0x55 } },
  { name: 'das', code: '2f', regs: { eax: 0xabcd009a }, eflags: 0x2,
    out: { regs: { eax: 0xabcd0034 }, eflags: 0x11 } },
  { name: 'daa', code: '27', regs: { eax: 0xabcd0099 }, eflags: 0x2,
    out: { regs: { eax: 0xabcd0099 }, eflags: 0x84 } },
  { name: 'das', code: '2f', regs: { eax: 0xabcd0099 }, eflags: 0x2,
    out: { regs: { eax: 0xabcd0099 }, eflags: 0x84 } },
  { name: 'daa', code: '27', regs: { eax: 0xabcd0099 }, eflags: 0x1,
    out: { regs: { eax: 0xabcd00f9 }, eflags: 0x85 } },
  { name: 'das', code: '2f', regs: { eax: 0xabcd0099 }, eflags: 0x1,
    out: { regs: { eax: 0xabcd0039 }, eflags: 0x5 } },
  { name: 'daa', code: '27', regs: { eax: 0xabcd0099 }, eflags: 0x10,
    out: { regs: { eax: 0xabcd009f }, eflags: 0x94 } },
  { name: 'das', code: '2f', regs: { eax: 0xabcd0099 }, eflags: 0x10,
    out: { regs: { eax: 0xabcd0093 }, eflags: 0x94 } },
  { name: 'daa', code: '27', regs: { eax: 0xabcd0012 }, eflags: 0x11,
    out: { regs: { eax: 0xabcd0078 }, eflags: 0x15 } },
  { name: 'das', code: '2f', regs: { eax: 0xabcd0012 }, eflags: 0x11,
    out: { regs: { eax: 0xabcd00ac }, eflags: 0x95 } },
  { name: 'daa', code: '27', regs: { eax: 0xabcd00a0 }, eflags: 0x2,
    out: { regs: { eax: 0xabcd0000 }, eflags: 0x45 } },
  { name: 'das', code: '2f', regs: { eax: 0xabcd00a0 }, eflags: 0x2,
    out: { regs: { eax: 0xabcd0040 }, eflags: 0x1 } },
  { name: 'daa', code: '27', regs: { eax: 0xabcd00ff }, eflags: 0x2,
    out: { regs: { eax: 0xabcd0065 }, eflags: 0x15 } },
  { name: 'das', code: '2f', regs: { eax: 0xabcd00ff }, eflags: 0x2,
    out: { regs: { eax: 0xabcd0099 }, eflags: 0x95 } },
  { name: 'daa', code: '27', regs: { eax: 0xabcd007d }, eflags: 0x800,
    out: { regs: { eax: 0xabcd0083 }, eflags: 0x90 } },
  { name: 'das', code: '2f', regs: { eax: 0xabcd007d }, eflags: 0x800,
    out: { regs: { eax: 0xabcd0077 }, eflags: 0x14 } },
  { name: 'daa', code: '27', regs: { eax: 0xabcd003b }, eflags: 0x8d5,
    out: { regs: { eax: 0xabcd00a1 }, eflags: 0x91 } },
  { name: 'das', code: '2f', regs: { eax: 0xabcd003b }, eflags: 0x8d5,
    out: { regs: { eax: 0xabcd00d5 }, eflags: 0x91 } },
  { name: 'das', code: '2f', regs: { eax: 0x3 }, eflags: 0x10,
    out: { regs: { eax: 0xfd }, eflags: 0x91 } },
  { name: 'das', code: '2f', regs: { eax: 0x5 }, eflags: 0x11,
    out: { regs: { eax: 0x9f }, eflags: 0x95 } },
  { name: 'aaa', code: '37', regs: { eax: 0x55550009 }, eflags: 0x2,
    out: { regs: { eax: 0x55550009 }, eflags: 0x4 } },
  { name: 'aas', code: '3f', regs: { eax: 0x55550009 }, eflags: 0x2,
    out: { regs: { eax: 0x55550009 }, eflags: 0x4 } },
  { name: 'aaa', code: '37', regs: { eax: 0x5555000a }, eflags: 0x2,
    out: { regs: { eax: 0x55550100 }, eflags: 0x55 } },
  { name: 'aas', code: '3f', regs: { eax: 0x5555000a }, eflags: 0x2,
    out: { regs: { eax: 0x5555ff04 }, eflags: 0x11 } },
  { name: 'aaa', code: '37', regs: { eax: 0x555500ff }, eflags: 0x2,
    out: { regs: { eax: 0x55550205 }, eflags: 0x15 } },
  { name: 'aas', code: '3f', regs: { eax: 0x555500ff }, eflags: 0x2,
    out: { regs: { eax: 0x5555ff09 }, eflags: 0x15 } },
  { name: 'aaa', code: '37', regs: { eax: 0x55550105 }, eflags: 0x10,
    out: { regs: { eax: 0x5555020b }, eflags: 0x11 } },
  { name: 'aas', code: '3f', regs: { eax: 0x55550105 }, eflags: 0x10,
    out: { regs: { eax: 0x5555ff0f }, eflags: 0x15 } },
  { name: 'aaa', code: '37', regs: { eax: 0x5555ff0f }, eflags: 0x2,
    out: { regs: { eax: 0x55550005 }, eflags: 0x15 } },
  { name: 'aas', code: '3f', regs: { eax: 0x5555ff0f }, eflags: 0x2,
    out: { regs: { eax: 0x5555fe09 }, eflags: 0x15 } },
  { name: 'aaa', code: '37', regs: { eax: 0x555512f9 }, eflags: 0x2,
    out: { regs: { eax: 0x55551209 }, eflags: 0x4 } },
  { name: 'aas', code: '3f', regs: { eax: 0x555512f9 }, eflags: 0x2,
    out: { regs: { eax: 0x55551209 }, eflags: 0x4 } },
  { name: 'aaa', code: '37', regs: { eax: 0x55550080 }, eflags: 0x8c5,
    out: { regs: { eax: 0x55550000 }, eflags: 0x44 } },
  { name: 'aas', code: '3f', regs: { eax: 0x55550080 }, eflags: 0x8c5,
    out: { regs: { eax: 0x55550000 }, eflags: 0x44 } },
  { name: 'aas', code: '3f', regs: { eax: 0x3 }, eflags: 0x10,
    out: { regs: { eax: 0xfe0d }, eflags: 0x11 } },
  { name: 'aam', code: 'd40a', regs: { eax: 0x1234ff3f }, eflags: 0x8d5,
    out: { regs: { eax: 0x12340603 }, eflags: 0x4 } },
  { name: 'aam', code: 'd40a', regs: { eax: 0x0 }, eflags: 0x2,
    out: { regs: {}, eflags: 0x44 } },
  { name: 'aam', code: 'd40a', regs: { eax: 0xff }, eflags: 0x2,
    out: { regs: { eax: 0x1905 }, eflags: 0x4 } },
  { name: 'aam 16', code: 'd410', regs: { eax: 0x7777aac5 }, eflags: 0x2,
    out: { regs: { eax: 0x77770c05 }, eflags: 0x4 } },
  { name: 'aam 3', code: 'd403', regs: { eax: 0x80 }, eflags: 0x2,
    out: { regs: { eax: 0x2a02 }, eflags: 0x0 } },
  { name: 'aam 0', code: 'd400', regs: { eax: 0x1234 }, eflags: 0x41,
    out: 'DE' },
  { name: 'aad', code: 'd50a', regs: { eax: 0x12340907 }, eflags: 0x8d5,
    out: { regs: { eax: 0x12340061 }, eflags: 0x10 } },
  { name: 'aad', code: 'd50a', regs: { eax: 0xff99 }, eflags: 0x2,
    out: { regs: { eax: 0x8f }, eflags: 0x81 } },
  { name: 'aad', code: 'd50a', regs: { eax: 0x0 }, eflags: 0x8d5,
    out: { regs: {}, eflags: 0x44 } },
  { name: 'aad 16', code: 'd510', regs: { eax: 0xc0f }, eflags: 0x2,
    out: { regs: { eax: 0xcf }, eflags: 0x84 } },
  { name: 'aad 0', code: 'd500', regs: { eax: 0x3480 }, eflags: 0x2,
    out: { regs: { eax: 0x80 }, eflags: 0x80 } },
  { name: 'aad 0xff', code: 'd5ff', regs: { eax: 0x8080 }, eflags: 0x2,
    out: { regs: {}, eflags: 0x845 } },
  { name: 'mov al, 0x38;add al, 0x45;daa (real mode)', code: 'b038044527', mode: 'real', regs: {}, eflags: 0x2,
    out: { regs: { eax: 0x83 }, eflags: 0x90 } },
  { name: 'mov al, 0x83;sub al, 0x45;das (real mode)', code: 'b0832c452f', mode: 'real', regs: {}, eflags: 0x2,
    out: { regs: { eax: 0x38 }, eflags: 0x10 } },
  { name: 'mov ax, 0x39;add al, 0x35;aaa;or ax, 0x3030 (real mode)', code: 'b839000435370d3030', mode: 'real', regs: {}, eflags: 0x2,
    out: { regs: { eax: 0x3134 }, eflags: 0x0 } },
  { name: 'mov ax, 0x0105;aad;mov bl, 7;div bl;aam (real mode)', code: 'b80501d50ab307f6f3d40a', mode: 'real', regs: {}, eflags: 0x2,
    out: { regs: { eax: 0x2, ebx: 0x7 }, eflags: 0x0 } },
];

for (const engine of TEST_ENGINES) {
  describe(`bcd family [${engine}]`, () => {
    CASES.forEach((c, i) => {
      it(`#${i} ${c.name}${c.out === 'DE' ? ' -> #DE' : ''}  [${c.code}]`, () => check(engine, c));
    });
  });
}
