/**
 * The hint-NOP space 0F 18-0F 1F (issue 7): every encoding, with any prefixes,
 * is a NOP on a P6; with LOCK it is #UD. The expectations are the host CPU's
 * (test/fixtures/hintnop/host.json, recorded natively by record.c: 14,144
 * prefix x opcode x ModRM forms), replayed here in 32-bit protected mode (with
 * paging on and every base register pointing into a not-present page, so a
 * memory access would #PF) and in real mode, on every engine. The targeted
 * cases below add displacement and SIB forms, the multi-byte NOPs compilers
 * emit, and operands outside the segment limit or the mapped memory.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runSnippet, runSnippets } from '../../src/snippet.js';
import type { Mode, RegName, SnippetOptions, SnippetResult } from '../../src/snippet.js';
import { TEST_ENGINES } from '../helpers/engines.js';
import { hexBytes } from '../helpers/asm.js';
import { pageTables, withPaging } from '../helpers/paging.js';

interface HostRecord { host: string; generator: string; cases: [string, string][] }
const FIXTURE = fileURLToPath(new URL('../../../test/fixtures/hintnop/host.json', import.meta.url));
const record = JSON.parse(readFileSync(FIXTURE, 'utf8')) as HostRecord;

const ORG = 0x1000;
const HOLE = 0x30000; // not present when paging is on
/** Base registers of the no-displacement memory forms point into the hole (ESP stays the default stack). */
const REGS: Partial<Record<RegName, number>> = {
  eax: HOLE + 0x10, ecx: HOLE + 0x18, edx: HOLE + 0x20, ebx: HOLE + 0x28, ebp: HOLE + 0x30, esi: HOLE + 0x38, edi: HOLE + 0x40,
};
const EFLAGS_IN = 0x8d7;   // CF PF AF ZF SF OF, as on the host
const EFLAGS_MASK = 0xcd7; // CF PF AF ZF SF DF OF + bit 1

/** The page tables every paging run loads (one copy: they are only read). */
const TABLES = pageTables({ notPresent: [HOLE] });

/** The snippet that runs `insn` (then HLT), after turning paging on if asked; its code starts `skip` bytes in. */
function snippet(engine: 'interpreter' | 'jit', mode: Mode, insn: Uint8Array, paging: boolean): { opts: SnippetOptions; skip: number } {
  const body = new Uint8Array(insn.length + 1);
  body.set(insn);
  body[insn.length] = 0xf4;
  const code = paging ? withPaging(body) : body;
  const opts: SnippetOptions = {
    engine, mode, code, regs: REGS, eflags: EFLAGS_IN,
    ...(paging ? { memory: TABLES } : {}),
  };
  return { opts, skip: code.length - body.length };
}

function run(engine: 'interpreter' | 'jit', mode: Mode, insn: Uint8Array, paging: boolean): { r: SnippetResult; start: number } {
  const { opts, skip } = snippet(engine, mode, insn, paging);
  const r = runSnippet({ ...opts, org: ORG });
  return { r, start: ORG + skip };
}

/** '' when the run did what the verdict says, else what went wrong. */
function check(verdict: string, insn: Uint8Array, r: SnippetResult, start: number): string {
  if (verdict === 'UD') {
    return r.stop === 'exception' && r.exception?.vector === 6 && r.exception.eip === start ? '' : `expected #UD at ${start.toString(16)}, got ${r.stop} ${r.exception?.name ?? ''}`;
  }
  if (r.stop !== 'hlt') return `expected a NOP, got ${r.stop} ${r.exception?.name ?? ''} at ${r.eip.toString(16)}`;
  if (r.eip !== start + insn.length + 1) return `fell through to ${r.eip.toString(16)}, expected ${(start + insn.length + 1).toString(16)} (wrong length)`;
  for (const [k, v] of Object.entries(REGS)) if (r.regs[k as RegName] !== v) return `${k} changed to ${r.regs[k as RegName].toString(16)}`;
  if (r.regs.esp !== 0x8000) return `esp changed to ${r.regs.esp.toString(16)}`;
  if ((r.eflags & EFLAGS_MASK) !== EFLAGS_IN) return `eflags ${r.eflags.toString(16)}`;
  return '';
}

describe('hint-NOP fixture (test/fixtures/hintnop/host.json)', () => {
  it('was recorded on the host and has only NOP and #UD verdicts, #UD exactly for LOCK', () => {
    expect(record.cases.length).to.equal(14144);
    for (const [hex, verdict] of record.cases) {
      const lock = /^(..)*?f0/.test(hex.slice(0, hex.indexOf('0f1')));
      expect(verdict, hex).to.equal(lock ? 'UD' : 'nop');
    }
  });
});

for (const engine of TEST_ENGINES) {
  describe(`hint-NOP space 0F 18-0F 1F [${engine}]`, function () {
    // Thousands of snippets (the JIT compiles them in batches, through the compile worker):
    // over mocha's default on a loaded 2-core machine.
    this.timeout(10 * 60_000);
    for (const [mode, paging] of [['protected32', true], ['real', false]] as const) {
      it(`every host-recorded form in ${mode} mode${paging ? ' (operands in a not-present page)' : ''}`, () => {
        // runSnippets places each form's code itself (res.org) and, on the JIT, compiles a batch's
        // forms together before the first runs (one module per form cost a worker round trip each).
        const insns = record.cases.map(([hex]) => hexBytes(hex));
        const runs = insns.map((insn) => snippet(engine, mode, insn, paging));
        const failures: string[] = [];
        runSnippets(runs.map((x) => x.opts), (r, k) => {
          const [hex, verdict] = record.cases[k]!;
          let why = check(verdict, insns[k]!, r, r.org + runs[k]!.skip);
          // the JIT leg tests the translated code: every block compiled before it first runs
          if (!why && engine === 'jit' && r.compiled !== r.instructions) why = `ran ${r.instructions - r.compiled} of ${r.instructions} instructions interpreted`;
          if (why) failures.push(`${hex}: ${why}`);
        });
        expect(failures.slice(0, 10), `${failures.length} of ${record.cases.length} failed`).to.deep.equal([]);
      });
    }

    // One per encoding group, with displacements / SIB / absolute addresses: the
    // operand is outside what the mode can reach (not-present page or beyond the
    // mapped 2 MiB, real-mode 64 KiB limit), so only a NOP that touches nothing passes.
    const protectedCases: [string, string][] = [
      ['0f18848800100300', 'prefetchnta [eax+ecx*4+0x31000]'],
      ['0f188d00000080', 'prefetcht0 [ebp+0x80000000]'],
      ['0f181500000080', 'prefetcht1 [0x80000000]'],
      ['0f185c2410', 'prefetcht2 [esp+ebx+0x10]'],
      ['0f18a0ffffffff', 'nop /4 [eax-1]'],
      ['0f19442000', '0F 19 [eax+0]'],
      ['660f1a8000000300', 'bndmov form: 66 0F 1A [eax+0x30000]'],
      ['f30f1b0500000300', 'bndmk form: F3 0F 1B [0x30000]'],
      ['f20f1b00', 'bndcn form: F2 0F 1B [eax]'],
      ['0f1c00', 'cldemote [eax]'],
      ['0f1d4000', '0F 1D [eax+0]'],
      ['f30f1efb', 'endbr32'],
      ['f30f1efa', 'endbr64'],
      ['f30f1ec8', 'rdsspd eax'],
      ['0f1f00', 'nop dword [eax]'],
      ['0f1f4000', 'nop dword [eax+0] (4-byte NOP)'],
      ['0f1f440000', 'nop dword [eax+eax+0] (5-byte NOP)'],
      ['660f1f440000', 'nop word [eax+eax+0] (6-byte NOP)'],
      ['0f1f8000000000', '7-byte NOP'],
      ['0f1f840000000000', '8-byte NOP'],
      ['662e0f1f840000000000', 'cs nop word [eax+eax+0] (10-byte NOP)'],
      ['6666662e0f1f840000000000', '12-byte NOP (gcc padding)'],
      ['670f1f00', 'nop [bx+si] with a 16-bit address'],
    ];
    for (const [hex, what] of protectedCases) {
      it(`protected mode: ${what} is a NOP`, () => {
        const insn = hexBytes(hex);
        const { r, start } = run(engine, 'protected32', insn, true);
        expect(check('nop', insn, r, start)).to.equal('');
      });
    }
    const realCases: [string, string][] = [
      ['0f1806ffff', 'prefetchnta [0xffff]'],
      ['670f188000000100', 'prefetchnta [eax+0x10000] (beyond the 64 KiB limit)'],
      ['0f1f06ffff', 'nop [0xffff]'],
      ['670f1f840000000100', 'nop [eax+eax+0x10000]'],
      ['66670f1f0500000100', 'nop dword [0x10000]'],
      ['f30f1efb', 'endbr32'],
      ['f30f1efa', 'endbr64'],
      ['f30f1ec8', 'rdsspd eax'],
      ['0f1c06ffff', 'cldemote [0xffff]'],
      ['660f1a87ffff', 'bndmov form [bx+0xffff]'],
    ];
    for (const [hex, what] of realCases) {
      it(`real mode: ${what} is a NOP`, () => {
        const insn = hexBytes(hex);
        const { r, start } = run(engine, 'real', insn, false);
        expect(check('nop', insn, r, start)).to.equal('');
      });
    }

    it('a real-mode word access at [0xffff] does fault (the limit check the NOPs above skip is live)', () => {
      const { r } = run(engine, 'real', hexBytes('8b06ffff'), false);
      expect(r.stop).to.equal('exception');
      expect(r.exception?.vector).to.equal(13);
    });
    it('a load from the not-present page does #PF (the paging the NOPs above skip is live)', () => {
      const { r } = run(engine, 'protected32', hexBytes('8b00'), true);
      expect(r.stop).to.equal('exception');
      expect(r.exception?.vector).to.equal(14);
    });
    it('LOCK with a hint NOP, ENDBR32 or the multi-byte NOP is #UD in both modes', () => {
      for (const hex of ['f00f1800', 'f0f30f1efb', 'f00f1f4000', 'f0660f1f440000']) {
        for (const mode of ['protected32', 'real'] as const) {
          const insn = hexBytes(hex);
          const { r, start } = run(engine, mode, insn, false);
          expect(check('UD', insn, r, start), `${mode} ${hex}`).to.equal('');
        }
      }
    });
  });
}
