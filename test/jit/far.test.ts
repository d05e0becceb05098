/**
 * Far direct transfers (JitOptions.farDirect; ir.ts dispatchTransfer,
 * compile.ts DirectLinks.far): a static exit into another page whose target
 * may be a block of the same module (same page offset) compares the TLB's
 * host address for CS base + EIP with that block's and tail-calls it, guarded
 * by its alive global and the budget, before the global dispatch cache.
 * Successor hints (JitOptions.hints; DirectLinks.hinted): an indirect exit
 * (RET) does the same with the blocks of its module the loop ran right after
 * its block while it was interpreted (pack.ts hintsOf). Each
 * case runs on every engine with the same expectations; on the JIT the hot
 * blocks are compiled together at the next slice boundary (one module), and
 * the case checks that the calls did go the far way (XFER_FAR).
 *
 * Programs from dispatch.test.ts (nasm listings there), and one of their own.
 */
import { expect } from 'chai';
import { runSnippet } from '../../src/snippet.js';
import { Machine } from '../../src/machine.js';
import { hexBytes } from '../helpers/asm.js';
import { TEST_ENGINES } from '../helpers/engines.js';
import { remappedTables } from '../helpers/paging.js';
import type { EngineName } from '../../src/machine.js';
import { XFER_FAR, XFER_GLOBAL, XFER_HINT } from '../../translator/jit/chain.js';
import type { JitOptions } from '../../translator/jit/engine.js';
import { why, mem, CALLRET, CALLRET_F, CALLRET_INSNS, callRetRegs, PATCH, PATCH_F, REMAP, REMAP_INSNS } from '../helpers/transfer-programs.js';
// Here PATCH's P is F's successor hint, and REMAP's three targets of 0x60000 are blocks at the same page offset (far candidates).



/**
 * The call's target rewritten while the caller's module holds its old code (0x1000 and 0x3000):
 *   mov ecx, 90; xor eax, eax; xor edx, edx
 *   L: test cl, 31; jnz skip; mov [0x3002], cl     ; ECX a multiple of 32 (64, 32): patch F's immediate
 *   skip: call 0x3000                             ; a static exit into another page: far
 *   add eax, 0; dec ecx; jnz L; hlt
 *   F (0x3000): add edx, 2; ret
 * 26 calls add 2, 32 add 64, 32 add 32.
 */
const PATCHF = 'b95a00000031c031d2f6c11f7506880d02300000e8e71f000083c0004975eaf4';
const PATCHF_F = '83c202c3';
const PATCHF_INSNS = 3 + 90 * 8 + 2 + 1;

/**
 * One function called from two sites, so its RET has two targets (0x1000 and 0x3000):
 *   mov ecx, 300; xor eax, eax; xor ebx, ebx; xor edx, edx
 *   L: call F; add ebx, eax; call F; add edx, eax; dec ecx; jnz L; hlt
 *   F (0x3000): add eax, ecx; ret
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
  return new Machine({ memoryMiB: 2, engine: 'jit', jit: { threshold: 2, batch: 64, sync: true, chain: false, direct: true, ...jit } });
}
const sliced = { slice: 60, onSlice: (m: Machine): void => m.jit?.flush() };
/** On the JIT: at least `n` RETs entered their target through the successor hints. */
function viaHint(m: Machine | undefined, n: number): void {
  if (m === undefined) return;
  expect(m.jit!.counters.xfers[XFER_HINT], 'hinted transfers').to.be.at.least(n);
}
/** On the JIT: at least `n` static exits into another page entered their target the far way. */
function viaFar(m: Machine | undefined, n: number): void {
  if (m === undefined) return;
  expect(m.jit!.counters.xfers[XFER_FAR], 'far direct transfers').to.be.at.least(n);
}

for (const engine of TEST_ENGINES) {
  describe(`far direct transfers between blocks of one module [${engine}]`, () => {
    it('a call into another page enters its target the far way: state and count are the interpreter\'s', () => {
      const m = machineFor(engine);
      const r = runSnippet({ engine, machine: m, code: hexBytes(CALLRET), memory: [mem(0x3000, CALLRET_F)], ...sliced });
      expect(r.stop, why(r)).to.equal('hlt');
      expect(r.instructions).to.equal(CALLRET_INSNS);
      expect(r.regs).to.deep.include({ ...callRetRegs(), ecx: 0, esp: 0x8000 });
      viaFar(m, 250);
    });

    it('a far target killed by a store into its code is not entered: the new code runs', () => {
      const m = machineFor(engine);
      const r = runSnippet({ engine, machine: m, code: hexBytes(PATCHF), memory: [mem(0x3000, PATCHF_F)], ...sliced });
      expect(r.stop, why(r)).to.equal('hlt');
      expect(r.regs).to.deep.include({ eax: 0, edx: 26 * 2 + 32 * 64 + 32 * 32, ecx: 0 });
      expect(r.instructions).to.equal(PATCHF_INSNS);
      if (m !== undefined) {
        expect(m.jit!.counters.invalidatedBlocks, 'compiled blocks killed by the patches').to.be.at.least(1);
        viaFar(m, 15);
      }
    });

    it('a far call follows the page\'s current mapping after MOV CR3 and INVLPG (the host address guard)', () => {
      const m = machineFor(engine);
      const fn = (v: number): Uint8Array => { const p = new Uint8Array(4096).fill(0xf4); p.set(hexBytes(`b80${v}000000c3`)); return p; };
      const r = runSnippet({
        engine, machine: m, code: hexBytes(REMAP), ...sliced,
        memory: [
          ...remappedTables(0x10000, 0x11000, {}),
          ...remappedTables(0x12000, 0x13000, { 0x60000: 0x71000 }),
          { addr: 0x60000, bytes: fn(1) }, { addr: 0x71000, bytes: fn(2) }, { addr: 0x72000, bytes: fn(4) },
        ],
      });
      expect(r.stop, why(r)).to.equal('hlt');
      expect(r.regs.ebx).to.equal(10 * 3 * (1 + 2 + 4));
      expect(r.instructions).to.equal(REMAP_INSNS);
      viaFar(m, 20);
    });

    it('a RET enters its caller\'s block through the successor hints: state and count are the interpreter\'s', () => {
      const m = machineFor(engine);
      const r = runSnippet({ engine, machine: m, code: hexBytes(CALLRET), memory: [mem(0x3000, CALLRET_F)], ...sliced });
      expect(r.stop, why(r)).to.equal('hlt');
      expect(r.regs).to.deep.include({ ...callRetRegs(), ecx: 0, esp: 0x8000 });
      viaHint(m, 250);
    });

    it('a RET with two hinted targets enters the one its address maps to (the host address guard)', () => {
      const m = machineFor(engine);
      const r = runSnippet({ engine, machine: m, code: hexBytes(TWO), memory: [mem(0x3000, TWO_F)], ...sliced });
      expect(r.stop, why(r)).to.equal('hlt');
      expect(r.instructions).to.equal(TWO_INSNS);
      expect(r.regs).to.deep.include({ ...twoRegs(), ecx: 0, esp: 0x8000 });
      viaHint(m, 500);
    });

    it('a hinted RET target killed by a store into its code is not entered: the new code runs', () => {
      const m = machineFor(engine);
      const r = runSnippet({ engine, machine: m, code: hexBytes(PATCH), memory: [mem(0x3000, PATCH_F)], ...sliced });
      expect(r.stop, why(r)).to.equal('hlt');
      expect(r.regs).to.deep.include({ eax: 64 * 32 + 32 * 32, edx: 180, ecx: 0 });
      expect(r.instructions).to.equal(3 + 90 * 8 + 2 + 1);
      if (m !== undefined) {
        expect(m.jit!.counters.invalidatedBlocks, 'compiled blocks killed by the patches').to.be.at.least(1);
        viaHint(m, 15);
      }
    });

    it('budgets that end inside runs of far transfers stop exactly on them', () => {
      const m = machineFor(engine) ?? new Machine({ memoryMiB: 2, engine });
      let total = runSnippet({ engine, machine: m, code: hexBytes(CALLRET), memory: [mem(0x3000, CALLRET_F)], slice: 20, onSlice: (x) => x.jit?.flush(), maxInstructions: 40 }).instructions;
      m.jit?.flush();
      const budgets = [7, 13, 50, 1, 2, 3, 97, 200, 11, 5, 4];
      const seen: number[] = [];
      for (const b of budgets) {
        const x = m.run(b);
        expect(x.reason).to.equal('budget');
        seen.push(x.executed);
        total += x.executed;
      }
      expect(seen, 'each slice stops exactly at its budget').to.deep.equal(budgets);
      const end = m.run(100_000);
      expect(end.reason).to.equal('hlt');
      total += end.executed;
      expect(total).to.equal(CALLRET_INSNS);
      const want = callRetRegs();
      expect([m.cpu.r32[0], m.cpu.r32[3]]).to.deep.equal([want.eax, want.ebx]);
      if (engine === 'jit') { viaFar(m, 50); viaHint(m, 50); }
    });
  });
}

describe('far direct transfers and hints off (JIT)', () => {
  it('with farDirect: false and hints: false the same calls and RETs go through the global dispatch cache: same state', () => {
    const m = machineFor('jit', { farDirect: false, hints: false })!;
    const r = runSnippet({ engine: 'jit', machine: m, code: hexBytes(CALLRET), memory: [mem(0x3000, CALLRET_F)], ...sliced });
    expect(r.stop, why(r)).to.equal('hlt');
    expect(r.regs).to.deep.include({ ...callRetRegs(), ecx: 0 });
    const x = m.jit!.counters.xfers;
    expect(x[XFER_FAR] + x[XFER_HINT], 'far and hinted transfers').to.equal(0);
    expect(x[XFER_GLOBAL], 'calls and RETs through the cache').to.be.at.least(500);
  });
});
