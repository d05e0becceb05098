/**
 * Unrepeated SCAS inline (translator/jit/codegen/string.ts, JitOptions.inlineScas): the element at
 * ES:eDI compared with AL/AX/EAX as CMP does, eDI stepped by the element size, down when DF is set.
 * The interpreter's handler (runtime/interp/families/string.ts once32) is the reference: registers
 * and every flag, byte/word/dword, equal/below/above/signed-overflow operands, both directions, and an
 * element outside RAM (the inline read's slow path).
 */
import { expect } from 'chai';
import { runSnippet, type SnippetResult } from '../../src/snippet.js';
import { Machine } from '../../src/machine.js';
import { hexBytes } from '../helpers/asm.js';

/*
 * nasm, bits 32, org 0x1000; the data at 0x1100:
 *   mov edi, 0x1104; mov eax, A (imm32); [std]; scas{b,w,d}; hlt
 */
const scas = (n: 1 | 2 | 4, a: number, down: boolean, edi = 0x1104): Uint8Array => {
  const imm = new Uint8Array(new Uint32Array([a >>> 0]).buffer);
  const edib = new Uint8Array(new Uint32Array([edi >>> 0]).buffer);
  const op = n === 1 ? [0xae] : n === 2 ? [0x66, 0xaf] : [0xaf];
  const code = new Uint8Array(0x110);
  code.set([0xbf, ...edib, 0xb8, ...imm, ...(down ? [0xfd] : []), ...op, 0xf4]);
  // The element: 80 7f 01 ff at 0x1104 (dword 0xff017f80).
  code.set(hexBytes('807f01ff'), 0x104);
  return code;
};

function run(engine: 'interpreter' | 'jit', code: Uint8Array, inlineScas = true): { r: SnippetResult; m: Machine } {
  const m = new Machine({ memoryMiB: 2, engine, jit: { threshold: 0, modules: false, global: false, inlineScas } });
  const r = runSnippet({ engine, machine: m, code });
  return { r, m };
}

describe('unrepeated SCAS inline (codegen/string.ts)', () => {
  const cases: [1 | 2 | 4, number][] = [
    [1, 0x80], [1, 0x7f], [1, 0x00], [1, 0xff], [1, 0x12345681],
    [2, 0x7f80], [2, 0x8000], [2, 0x7f7f], [2, 0xffff],
    [4, 0xff017f80], [4, 0x7fffffff], [4, 0], [4, 0xff017f81], [4, 0x80000000],
  ];
  for (const [n, a] of cases) {
    for (const down of [false, true]) {
      it(`SCAS${n === 1 ? 'B' : n === 2 ? 'W' : 'D'} with eAX=${a.toString(16)}${down ? ', DF=1' : ''}: the interpreter's registers and flags`, () => {
        const ref = run('interpreter', scas(n, a, down)).r;
        const { r, m } = run('jit', scas(n, a, down));
        expect(r.stop).to.equal('hlt');
        expect(r.regs).to.deep.equal(ref.regs);
        expect(r.eflags.toString(16)).to.equal(ref.eflags.toString(16));
        expect(ref.regs.edi).to.equal(down ? 0x1104 - n : 0x1104 + n);
        // Compiled inline: one call-out fewer than with the option off (the HLT is one either way).
        const off = run('jit', scas(n, a, down), false);
        expect(off.r.regs).to.deep.equal(ref.regs);
        expect(off.r.eflags).to.equal(ref.eflags);
        expect(m.jit!.counters.recordsCallout, 'records compiled as call-outs').to.equal(off.m.jit!.counters.recordsCallout - 1);
      });
    }
  }

  it('an element outside RAM (the slow path of the inline read) and one straddling a page: as the interpreter', () => {
    for (const edi of [0x00fffffe, 0x1ffe]) {
      const code = scas(4, 0x12345678, false, edi);
      const ref = run('interpreter', code).r;
      const { r } = run('jit', code);
      expect(r.stop).to.equal(ref.stop);
      expect(r.regs).to.deep.equal(ref.regs);
      expect(r.eflags).to.equal(ref.eflags);
      expect(ref.regs.edi).to.equal(edi + 4);
    }
  });
});
