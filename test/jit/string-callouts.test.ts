/**
 * Which call-outs let a compiled block keep running inside wasm
 * (translator/jit/facts.ts isPureCallout): a record run through the
 * interpreter's handler that cannot change what the loop checks between
 * blocks lets the block loop on itself and transfer; any other returns to
 * the loop at its exit. On both engines the guest sees the same registers
 * and instruction count.
 */
import { expect } from 'chai';
import { runSnippet } from '../../src/snippet.js';
import { Machine } from '../../src/machine.js';
import { hexBytes } from '../helpers/asm.js';
import { XFER_RET_OTHER } from '../../translator/jit/chain.js';
import { TEST_ENGINES } from '../helpers/engines.js';

/*
 * Fewer returns to the loop: the kernel's strncmp loop (arch/x86/lib/string_32.c), a block looping on
 * itself through two unrepeated string call-outs (nasm, bits 32, org 0x1000; S1 at 0x1100, S2 at 0x1200,
 * both 150 x 'x' then NUL):
 *   mov esi, S1; mov edi, S2; mov ecx, 200
 *   L (0x100f): dec ecx; js done; lodsb; scasb; jne done; test al, al; jne L
 *   done: hlt
 * LODS was a pure call-out, SCAS not (facts.ts isPureCallout): the block could not loop inside wasm and
 * returned to the loop after every pass, as ret-other. Now the loop runs in wasm.
 */
const STRN = 'be00110000bf00120000b9c8000000' + '497808acae750484c075f5f4';
const strnCode = (): Uint8Array => {
  const code = new Uint8Array(0x200 + 151);
  code.set(hexBytes(STRN));
  code.fill(0x78, 0x100, 0x100 + 150);
  code.fill(0x78, 0x200, 0x200 + 150);
  return code;
};

for (const engine of TEST_ENGINES) {
  describe(`fewer returns to the loop: SCAS / CMPS are pure call-outs [${engine}]`, () => {
    it('the strncmp loop gives the interpreter\'s registers; compiled, it loops inside wasm', () => {
      const m = new Machine({ memoryMiB: 2, engine, jit: { threshold: 2, batch: 1, sync: true } });
      const r = runSnippet({ engine, machine: m, code: strnCode() });
      expect(r.stop).to.equal('hlt');
      // 151 passes (the NUL ends it at `jne L`), 7 instructions each, 3 before and the HLT.
      expect(r.regs).to.deep.include({ eax: 0, ecx: 49, esi: 0x1100 + 151, edi: 0x1200 + 151 });
      expect(r.instructions).to.equal(3 + 151 * 7 + 1);
      if (m.jit === null) return;
      const x = m.jit.counters.xfers;
      expect(x[XFER_RET_OTHER], 'returns after an impure call-out / a self-loop out of budget').to.be.at.most(2);
    });
  });
}
