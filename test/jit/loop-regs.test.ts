/**
 * Registers kept in locals across a self-loop's back edge (JitOptions.loopRegs;
 * translator/jit/loop-regs.ts, ir.ts Fn.loopRegs): loaded once before the
 * wasm loop, valid at each pass top, loaded again at a back edge where their
 * local is not valid. Each program runs on both engines, the JIT with
 * loopRegs off, on (the registers the body reads and never writes) and
 * forced to a mask that holds registers the body writes (a call-out's and
 * inline records'), whole and in slices of 50 and 7 instructions (budget
 * exits in the middle of the loop, re-entries), against the interpreter's run.
 *
 * Machine code assembled with GNU as (`as --32 -msyntax=intel`):
 *
 * R1 (EBP never written: kept; #PF on the load in the 611th iteration, the
 * 31st pass's 11th, after 610 stores through EBP; EBP from the test; identity
 * paging, page 0x30000 not present):
 *   xor eax,eax; xor ebx,ebx; xor edi,edi; mov esi,20
 *   L: mov edx,[ebp+edi*4]; add eax,edx; mov [ebp+edi*4-0x1000],eax; add ebx,[ebp+4]
 *      inc edi; dec esi; jnz L
 *      mov esi,20; inc ecx; cmp ecx,1000; jne L; hlt
 * R2 (EAX written only by a call-out, MUL CL, and read by the next pass:
 * with EAX forced into the mask its local must be loaded again at the back
 * edge; paging remaps pages so a stale EAX reads another frame):
 *   xor ebx,ebx; mov esi,60
 *   O: mov eax,0x40080; mov cl,1; mov edi,6
 *   L: add ebx,[eax+4]; add cl,0x20; mul cl; dec edi; jnz L
 *      dec esi; jnz O; hlt
 * R3 (ECX, EBX, EAX written inline, ECX read by the next pass through its
 * local carried over the back edge; EBP from the test):
 *   xor ebx,ebx; xor ecx,ecx
 *   L: mov eax,[ebp+ecx*4]; add ebx,eax; mov [ebp+ecx*4+0x800],ebx; inc ecx; cmp ecx,300; jne L; hlt
 */
import { expect } from 'chai';
import type { SnippetOptions } from '../../src/snippet.js';
import { hexBytes } from '../helpers/asm.js';
import { TEST_ENGINES } from '../helpers/engines.js';
import { pageTables, withPaging } from '../helpers/paging.js';
import type { EngineName, Machine } from '../../src/machine.js';
import type { Block } from '../../runtime/records.js';
import { loopRegs } from '../../translator/jit/loop-regs.js';
import { emitModule, NO_CHAIN } from '../../translator/jit/compile.js';
import { R1, R1_LOOP, loopMachine, runChecked, expectCompiled, checkR2, checkR3, loopBlock } from '../helpers/loop-snippets.js';

type LoopRegs = boolean | number;
const machineFor = (engine: EngineName, lr: LoopRegs): Machine | undefined => loopMachine(engine, { loopRegs: lr });
const r1 = (): SnippetOptions => ({ code: withPaging(hexBytes(R1)), memory: pageTables({ notPresent: [0x30000] }), regs: { ebp: 0x30000 - 4 * 610 } });

for (const engine of TEST_ENGINES) {
  // 0xff: every register in the mask, the ones the body writes (and ESP) too.
  for (const lr of engine === 'jit' ? [true, false, 0xff] as LoopRegs[] : [false]) {
    for (const slice of [1000, 50, 7]) {
      describe(`registers in locals across a self-loop's back edge [${engine}${engine === 'jit' ? `, loopRegs ${String(lr)}` : ''}, slices of ${slice}]`, () => {
        it('EBP never written, #PF in a later pass: count, registers, the stores', () => {
          const m = machineFor(engine, lr);
          const { r, want } = runChecked(engine, m, r1(), slice);
          expect(want.exception?.vector).to.equal(14);
          // 610 iterations done: EAX the running sum of the words read (all 0), EBX 610 times [ebp+4] (0), EDI 610.
          expect(want.regs.edi).to.equal(610);
          expect(want.regs.ecx).to.equal(30);
          expectCompiled(m, slice, r, want);
        });

        it('EAX written by a call-out (MUL CL), read by the next pass', () => checkR2(engine, machineFor(engine, lr), slice));

        // EBX: the sum of 3i + 1 for i < 300; the last running sum stored at 0x20000 + 0x800 + 4 * 299.
        it('registers written inline, ECX carried to the next pass', () => checkR3(engine, machineFor(engine, lr), slice));
      });
    }
  }
}

describe('loopRegs: which registers, and the code', () => {
  /** R1's loop block, decoded by a run of the interpreter. */
  const r1Loop = (): Block => loopBlock(r1(), R1_LOOP, 'R1');

  it('R1: EBP (read, never written) and nothing else', () => {
    const b = r1Loop();
    // The block runs on past `jnz L` (a mid-block Jcc) to `jne L` (its last branch back to the start, record 10) and HLT.
    expect(b.recs.length).to.equal(12);
    expect(loopRegs(b.recs, 10)).to.equal(1 << 5);
    // The first four records alone: EDI is read there and written only later (INC EDI).
    expect(loopRegs(b.recs, 3)).to.equal((1 << 5) | (1 << 7));
    // HLT (not known to leave registers alone): nothing kept.
    expect(loopRegs(b.recs, 11)).to.equal(0);
  });

  it('R1 on: EBP loaded once, before the loop, and never in it (across the slow arms too)', () => {
    const b = r1Loop();
    const ebpLoads = (lr: boolean): number => {
      const text = emitModule([b], { ...NO_CHAIN, forward: true, pageGroups: 'merge', slowReload: 'near', loopRegs: lr, text: true }).text ?? '';
      return text.split('\n').filter((l) => /i32\.load offset=20$/.test(l.trim())).length;
    };
    expect(ebpLoads(false)).to.be.at.least(3);
    expect(ebpLoads(true)).to.equal(1);
  });
});
