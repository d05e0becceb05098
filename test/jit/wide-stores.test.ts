/**
 * LAZY_MASK and LAZY_OP stored as one i64 (runtime/state/layout.ts: an
 * 8-byte-aligned pair, LAZY_MASK the low word; translator/jit/ir.ts Fn.st2,
 * JitOptions.compact). Each case ends a block with a flag producer (its
 * stores live) and compares the lazy words the engine left in the state
 * block with the interpreter's, word by word, and the free word between
 * LAZY_B and LAZY_MASK stays 0: a store of the halves swapped, at the wrong
 * offset or of the wrong width shows. One more case pays an owed producer's
 * i64 store at a dead-block exit (its following write patched the next
 * instruction into SETC, which the interpreter then answers from the state:
 * CF comes from LAZY_OP's kind, so a swapped pair gives CF 0, not 1).
 * The JIT runs with compact on and off (the fallback's two i32 stores).
 */
import { expect } from 'chai';
import { runSnippet, type SnippetOptions, type SnippetResult } from '../../src/snippet.js';
import { Machine } from '../../src/machine.js';
import { EFLAGS, LAZY_A, LAZY_B, LAZY_MASK, LAZY_OP, LAZY_RES, SEG_SEL, w } from '../../runtime/state/layout.js';
import { hexBytes } from '../helpers/asm.js';
import { TEST_ENGINES } from '../helpers/engines.js';

/** The state words from EFLAGS to the first selector, by name (the free word 0x034 included). */
const WORDS: readonly [string, number][] = [
  ['EFLAGS', EFLAGS], ['LAZY_RES', LAZY_RES], ['LAZY_A', LAZY_A], ['LAZY_B', LAZY_B], ['free 0x034', 0x034],
  ['LAZY_MASK', LAZY_MASK], ['LAZY_OP', LAZY_OP], ['SEG_SEL[ES]', SEG_SEL],
];

/** Producers at a block's end (then HLT), with operands that set a mix of flags. */
const PRODUCERS: readonly [name: string, hex: string][] = [
  ['add eax, ecx', '01c8'],
  ['add al, cl', '00c8'],
  ['sub ax, cx', '6629c8'],
  ['inc ax', '6640'],
  ['dec eax', '48'],
  ['and eax, ecx', '21c8'],
  ['cmp eax, ecx', '39c8'],
  ['neg eax', 'f7d8'],
  ['shl eax, 3', 'c1e003'],
  ['sar eax, cl', 'd3f8'],
  ['imul eax, ecx', '0fafc1'],
  ['mul ecx', 'f7e1'],
  ['bsf eax, ecx', '0fbcc1'],
  ['bsf eax, edx (zero)', '0fbcc2'],
  ['adc eax, ecx (carry-in: two i32 stores)', 'f9 11c8'],
];

const REGS = { eax: 0x80000003, ecx: 0x7ffffffe, edx: 0 };

const engines = TEST_ENGINES.flatMap((engine) => (engine === 'jit' ? [true, false] : [undefined]).map((wide) => ({ engine, wide })));
for (const { engine, wide } of engines) {
  describe(`LAZY_MASK/LAZY_OP as one i64 store: the lazy words as the interpreter leaves them [${engine}${wide === undefined ? '' : `, compact ${String(wide)}`}]`, () => {
    const machine = new Machine({ memoryMiB: 2, engine, jit: { threshold: 0, ...(wide === undefined ? {} : { compact: wide }) } });
    const reference = new Machine({ memoryMiB: 2, engine: 'interpreter' });
    const run = (m: Machine, opts: Omit<SnippetOptions, 'engine' | 'machine'>): { r: SnippetResult; words: number[] } => {
      const r = runSnippet({ ...opts, engine: m === reference ? 'interpreter' : engine, machine: m });
      expect(r.stop, `${r.stop} ${r.exception?.name ?? ''}`).to.equal('hlt');
      return { r, words: WORDS.map(([, off]) => m.cpu.s[w(off)]! >>> 0) };
    };

    for (const [name, hex] of PRODUCERS) {
      it(name, () => {
        const code = hexBytes(hex, 'f4');
        const want = run(reference, { code, regs: REGS });
        const got = run(machine, { code, regs: REGS });
        if (engine === 'jit') expect(got.r.compiled, 'ran compiled').to.be.greaterThan(0);
        const named = (ws: number[]): Record<string, string> => Object.fromEntries(WORDS.map(([n], i) => [n, ws[i]!.toString(16)]));
        expect(named(got.words)).to.deep.equal(named(want.words));
        expect(got.r.eflags).to.equal(want.r.eflags);
        expect(got.words[WORDS.findIndex(([n]) => n === 'free 0x034')]).to.equal(0);
      });
    }

    it('an owed SUB\'s i64 store paid at the dead-block exit: SETC after it reads CF from LAZY_OP\'s kind', () => {
      // 0x1000: sub eax, ebx; mov [edi], ecx (0x1004: 0f 92 c2 f4 = setc dl; hlt); add esi, 1; hlt
      // 1 - 3 borrows: CF 1 (K_SUB). The pair swapped would make LAZY_OP 0x8d5, kind K_INC: CF 0.
      const { r } = run(machine, { code: hexBytes('29d8 890f 83c601 f4'), regs: { eax: 1, ebx: 3, ecx: 0xf4c2920f, edx: 0xff, edi: 0x1004, esi: 0 } });
      expect(r.regs.eax >>> 0).to.equal(0xfffffffe);
      expect(r.regs.edx & 0xff).to.equal(1);
      expect(r.regs.esi).to.equal(0);
    });
  });
}
