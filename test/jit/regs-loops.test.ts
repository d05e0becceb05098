/**
 * Registers in wasm locals in self-loop blocks (JitOptions.regs 'loops';
 * compile.ts emitBlock, ir.ts Fn.regLocals): a block that branches back to
 * its own start loads the registers it uses once, before the wasm loop,
 * keeps them in locals across its passes and stores the ones it writes back
 * before every slow arm's call (a #PF unwinds the locals), every call-out
 * (reloading them after it) and every exit (budget exits in the middle of
 * the loop too). Each program runs on both engines, the JIT with regs
 * 'loops', true and false, whole and in slices of 50 and 7 instructions,
 * against the interpreter's run.
 *
 * The programs are loop-regs.test.ts's (GNU as, `as --32 -msyntax=intel`):
 *
 * R1 (EAX, EBX, EDI, ESI written inline every pass, then the 31st pass's
 * load #PFs: the state must hold this pass's registers, not the pass top's
 * or the block entry's; identity paging, page 0x30000 not present):
 *   xor eax,eax; xor ebx,ebx; xor edi,edi; mov esi,20
 *   L: mov edx,[ebp+edi*4]; add eax,edx; mov [ebp+edi*4-0x1000],eax; add ebx,[ebp+4]
 *      inc edi; dec esi; jnz L
 *      mov esi,20; inc ecx; cmp ecx,1000; jne L; hlt
 * R2 (EAX written by a call-out, MUL CL, and read by the next pass: the
 * locals must be stored before it and loaded again after it; pages
 * remapped so a stale EAX reads another frame):
 *   xor ebx,ebx; mov esi,60
 *   O: mov eax,0x40080; mov cl,1; mov edi,6
 *   L: add ebx,[eax+4]; add cl,0x20; mul cl; dec edi; jnz L
 *      dec esi; jnz O; hlt
 * R3 (ECX, EBX, EAX written inline, ECX carried to the next pass in its
 * local; every sliced run leaves the loop on its budget mid-way):
 *   xor ebx,ebx; xor ecx,ecx
 *   L: mov eax,[ebp+ecx*4]; add ebx,eax; mov [ebp+ecx*4+0x800],ebx; inc ecx; cmp ecx,300; jne L; hlt
 * R4 (R3 with 40 more `add ebx,eax` in the body: 46 records, past 'loops''
 * minimum of 40, compile.ts REGS_MIN_BODY; R1-R3 are shorter and run with
 * forwarding under 'loops', with locals under true):
 *   L: mov eax,[ebp+ecx*4]; add ebx,eax; (add ebx,eax) x 40; mov [ebp+ecx*4+0x800],ebx; inc ecx; cmp ecx,300; jne L; hlt
 */
import { expect } from 'chai';
import type { SnippetOptions } from '../../src/snippet.js';
import { hexBytes } from '../helpers/asm.js';
import { TEST_ENGINES } from '../helpers/engines.js';
import { pageTables, withPaging } from '../helpers/paging.js';
import type { EngineName, Machine } from '../../src/machine.js';
import type { Block } from '../../runtime/records.js';
import { emitModule, NO_CHAIN } from '../../translator/jit/compile.js';
import { word } from '../helpers/scrambled-pages.js';
import { R1, R1_LOOP, TABLE, loopMachine, runChecked, expectCompiled, checkR2, checkR3, loopBlock } from '../helpers/loop-snippets.js';

const R4 = '31db31c98b448d0001c3' + '01c3'.repeat(40) + '899c8d000800004181f92c010000759af4';

type Regs = boolean | 'loops';
const machineFor = (engine: EngineName, regs: Regs): Machine | undefined => loopMachine(engine, { regs });
/** R1 with EAX's sum not 0: the words at EBP + 4i (i < 610) are i + 1, so each pass's EAX differs from the last. */
const r1 = (): SnippetOptions => {
  const ebp = 0x30000 - 4 * 610;
  return {
    code: withPaging(hexBytes(R1)),
    memory: [...pageTables({ notPresent: [0x30000] }), ...Array.from({ length: 610 }, (_, i) => word(ebp + 4 * i, i + 1))],
    regs: { ebp },
  };
};

for (const engine of TEST_ENGINES) {
  for (const regs of engine === 'jit' ? ['loops', true, false] as Regs[] : [false]) {
    for (const slice of [1000, 50, 7]) {
      describe(`registers in locals in a self-loop block [${engine}${engine === 'jit' ? `, regs ${String(regs)}` : ''}, slices of ${slice}]`, () => {
        it('registers written inline, then a #PF in a later pass: count, registers, the stores', () => {
          const m = machineFor(engine, regs);
          const { r, want } = runChecked(engine, m, r1(), slice);
          expect(want.exception?.vector).to.equal(14);
          // 610 iterations done: EDI 610, EAX the sum of 1..610, EBX 610 times [ebp+4] = 2, ESI 20 - 10.
          expect([want.regs.edi, want.regs.ecx, want.regs.eax, want.regs.ebx, want.regs.esi]).to.deep.equal([610, 30, 610 * 611 / 2, 2 * 610, 10]);
          // The last store before the fault: EAX's running sum at EBP + 4 * 609 - 0x1000.
          expect(new Uint32Array(r.readMemory(0x30000 - 4 - 0x1000, 4).slice().buffer)[0]).to.equal(610 * 611 / 2);
          expectCompiled(m, slice, r, want);
        });

        it('EAX written by a call-out (MUL CL), read by the next pass', () => checkR2(engine, machineFor(engine, regs), slice));

        it('R4 (46 records, locals under \'loops\'): registers written inline, budget exits mid-loop', () => {
          const m = machineFor(engine, regs);
          const { r, want } = runChecked(engine, m, { code: hexBytes(R4), memory: TABLE, regs: { ebp: 0x20000 } }, slice);
          // EBX gains 41 times each word: 41 times the sum of 3i + 1.
          expect(want.regs.ebx).to.equal(41 * (3 * 299 * 300 / 2 + 300));
          expectCompiled(m, slice, r, want);
        });

        it('registers written inline, ECX carried to the next pass, budget exits mid-loop', () => checkR3(engine, machineFor(engine, regs), slice));
      });
    }
  }
}

describe("regs 'loops': the code", () => {
  /** R1's loop block, decoded by a run of the interpreter. */
  const r1Loop = (): Block => loopBlock(r1(), R1_LOOP, 'R1');
  const text = (b: Block, regs: Regs): string =>
    emitModule([b], { ...NO_CHAIN, forward: true, pageGroups: 'merge', regs, branchHints: true, text: true }).text ?? '';

  /**
   * Lines of loads of a general register's state word (offsets 0-28, nothing else on the line): before the wasm
   * loop, in it up to the last back edge (`br_if $top`), and after it (HLT's call-out reloads them).
   */
  const regLoads = (t: string): { before: number; inLoop: number } => {
    const lines = t.split('\n').map((l) => l.trim()), top = lines.findIndex((l) => l.startsWith('(loop $top'));
    const back = lines.length - 1 - [...lines].reverse().findIndex((l) => l.startsWith('(br_if $top'));
    const isReg = (l: string): boolean => /^\(i32\.load( offset=(4|8|12|16|20|24|28))?$/.test(l);
    return { before: lines.slice(0, top).filter(isReg).length, inLoop: lines.slice(top, back).filter(isReg).length };
  };

  it('R1 under true: the registers loaded once, before the loop, none in it (forwarding loads EBP every pass)', () => {
    const b = r1Loop();
    // EAX, ECX, EDX, EBX, EBP, ESI, EDI: the ones the block uses (not ESP).
    expect(regLoads(text(b, true))).to.deep.equal({ before: 7, inLoop: 0 });
    expect(regLoads(text(b, false)).inLoop).to.be.at.least(1);
  });

  it("'loops': R1's body (10 records) is forwarded as with false; R4's (46) keeps EAX, ECX, EBX, EBP in locals", () => {
    expect(text(r1Loop(), 'loops')).to.equal(text(r1Loop(), false));
    const b = loopBlock({ code: hexBytes(R4), memory: TABLE, regs: { ebp: 0x20000 } }, 0x1004, 'R4');
    expect(b.recs.length).to.equal(47);
    expect(regLoads(text(b, 'loops'))).to.deep.equal({ before: 4, inLoop: 0 });
    expect(regLoads(text(b, false)).inLoop).to.be.at.least(1);
  });
});
