/**
 * Imported targets (JitOptions.imports; engine.ts externalsOf, compile.ts
 * DirectLinks, link.ts): a block whose successor cache names a compiled block
 * of another module in its page (or one in a batch sent before its own)
 * imports that block's function and alive global, and its static exit there
 * is a direct transfer, guarded like a same-module one (EIP, alive, budget),
 * with the global cache after it. Each case runs on every engine with the
 * same expectations; on the JIT every block goes alone (batch 1: one module
 * each), so without imports the same exits go through the global cache.
 */
import { expect } from 'chai';
import { runSnippet } from '../../src/snippet.js';
import { Machine } from '../../src/machine.js';
import { hexBytes } from '../helpers/asm.js';
import { TEST_ENGINES } from '../helpers/engines.js';
import type { EngineName } from '../../src/machine.js';
import type { JitOptions } from '../../translator/jit/engine.js';
import { XFER_FAR } from '../../translator/jit/chain.js';
import { why, mem, CALLRET_F, callRetRegs } from '../helpers/transfer-programs.js';

/**
 * CALLRET (helpers/transfer-programs.ts) entered at R first, so that L is compiled before R (0x1000, 0x3000):
 *   mov ecx, 301; xor eax, eax; xor ebx, ebx; jmp R
 *   L (0x100b): call 0x3000
 *   R: add ebx, eax; dec ecx; jnz L; hlt       ; jnz L: R's import of L
 *   F (0x3000): add eax, ecx; ret
 */
const BACK = 'b92d01000031c031dbeb05e8f01f000001c34975f6f4';
const BACK_INSNS = 4 + 301 * 3 + 300 * 3 + 1;

/**
 * A same-page target rewritten while a block of another module imports it (0x1000 and 0x3000):
 *   mov ecx, 91; xor eax, eax; jmp R
 *   L (0x1009): add eax, 1; test cl, 31; jnz skip; mov [0x100b], cl   ; ECX 64, 32: patch L's own immediate
 *   skip: call 0x3000
 *   R: dec ecx; jnz L; hlt                                             ; jnz L: R's import of L
 *   F (0x3000): inc edx; ret
 * 27 passes add 1, 32 add 64, 31 add 32.
 */
const PATCHL = 'b95b00000031c0eb1383c001f6c11f7506880d0b100000e8e41f00004975eaf4';
const PATCHL_F = '42c3';
const PATCHL_INSNS = 3 + 91 * 2 + 90 * 6 + 2 + 1;

/**
 * One function called from two sites of other blocks (0x1000 and 0x3000), F hot first (twice a pass):
 *   mov ecx, 300; xor eax, eax; xor ebx, ebx; xor edx, edx
 *   L: call F; add ebx, eax; call F; add edx, eax; dec ecx; jnz L; hlt
 *   F (0x3000): add eax, ecx; ret
 * (far.test.ts's TWO.) With imports 'all' both calls enter F, another module in another page, the far way.
 */
const TWO = 'b92c01000031c031db31d2e8f01f000001c3e8e91f000001c24975eff4';
const TWO_F = '01c8c3';
const TWO_INSNS = 4 + 300 * 10 + 1;
function twoRegs(): { eax: number; ebx: number; edx: number } {
  let eax = 0, ebx = 0, edx = 0;
  for (let ecx = 300; ecx > 0; ecx--) { eax += ecx; ebx += eax; eax += ecx; edx += eax; }
  return { eax: eax | 0, ebx: ebx | 0, edx: edx | 0 };
}

function machineFor(engine: EngineName, jit: JitOptions = {}): Machine | undefined {
  if (engine !== 'jit') return undefined;
  return new Machine({ memoryMiB: 2, engine: 'jit', jit: { threshold: 2, batch: 1, sync: true, imports: true, ...jit } });
}

for (const engine of TEST_ENGINES) {
  describe(`imported targets [${engine}]`, () => {
    it('a jump back to a block of another module in its page is a direct transfer: state and count are the interpreter\'s', () => {
      const m = machineFor(engine);
      const r = runSnippet({ engine, machine: m, code: hexBytes(BACK), memory: [mem(0x3000, CALLRET_F)] });
      expect(r.stop, why(r)).to.equal('hlt');
      expect(r.instructions).to.equal(BACK_INSNS);
      expect(r.regs).to.deep.include({ ...callRetRegs(), ecx: 0, esp: 0x8000 });
      // R's jnz L, ~300 times: the only same-page exit between two compiled blocks.
      if (m !== undefined) expect(m.jit!.counters.direct.n, 'direct transfers').to.be.at.least(250);
    });

    it('an imported target killed by a store into its code is not entered: the new code runs', () => {
      const m = machineFor(engine);
      const r = runSnippet({ engine, machine: m, code: hexBytes(PATCHL), memory: [mem(0x3000, PATCHL_F)] });
      expect(r.stop, why(r)).to.equal('hlt');
      expect(r.regs).to.deep.include({ eax: 27 + 32 * 64 + 31 * 32, edx: 90, ecx: 0, esp: 0x8000 });
      expect(r.instructions).to.equal(PATCHL_INSNS);
      if (m !== undefined) {
        expect(m.jit!.counters.invalidatedBlocks, 'compiled blocks killed by the patches').to.be.at.least(1);
        expect(m.jit!.counters.direct.n, 'direct transfers before the first patch').to.be.at.least(10);
      }
    });
  });
}

for (const engine of TEST_ENGINES) {
  describe(`imported targets in other pages (imports 'all') [${engine}]`, () => {
    it('calls into another module\'s block in another page enter it the far way: state and count are the interpreter\'s', () => {
      const m = machineFor(engine, { imports: 'all' });
      const r = runSnippet({ engine, machine: m, code: hexBytes(TWO), memory: [mem(0x3000, TWO_F)] });
      expect(r.stop, why(r)).to.equal('hlt');
      expect(r.instructions).to.equal(TWO_INSNS);
      expect(r.regs).to.deep.include({ ...twoRegs(), ecx: 0, esp: 0x8000 });
      if (m !== undefined) expect(m.jit!.counters.xfers[XFER_FAR], 'far transfers into the imported F').to.be.at.least(500);
    });
  });
}

describe('imported targets off (JIT)', () => {
  it('without imports the same jumps go through the global cache: same state, no direct transfers', () => {
    const m = machineFor('jit', { imports: false })!;
    const r = runSnippet({ engine: 'jit', machine: m, code: hexBytes(BACK), memory: [mem(0x3000, CALLRET_F)] });
    expect(r.regs).to.deep.include({ ...callRetRegs(), ecx: 0 });
    expect(m.jit!.counters.direct.n, 'direct transfers').to.equal(0);
  });

  it('with same-page imports only, the calls into another page go through the global cache', () => {
    const m = machineFor('jit', { imports: true })!;
    const r = runSnippet({ engine: 'jit', machine: m, code: hexBytes(TWO), memory: [mem(0x3000, TWO_F)] });
    expect(r.regs).to.deep.include({ ...twoRegs(), ecx: 0 });
    expect(m.jit!.counters.xfers[XFER_FAR], 'far transfers').to.equal(0);
  });
});
