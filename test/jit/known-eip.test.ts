/**
 * Exits that know what they wrote to EIP (JitOptions.knownEip,
 * translator/jit/ir.ts Fn.exit's `eip`): a direct transfer to the static
 * target the site wrote takes no EIP compare (and a transfer to another
 * offset of the same site is left out), and the dispatcher's probe (far
 * targets, successor hints, the global cache) uses the value the site wrote
 * instead of loading EIP back. Each kind of site runs here: a mid-block Jcc
 * exit, a block-end Jcc at the page end (taken: same page; not taken: the
 * next page), a RET (its popped target in a local), a block ending at the
 * page end on a plain instruction (compile.ts's end) and cross-page JMPs.
 * With a wrong offset or local the transfer enters the wrong block and the
 * registers or the count differ from the interpreter's.
 *
 * Machine code hand-assembled (`bits 32`, org 0x1000):
 *   0x1000: mov ecx, 300; xor eax, eax; xor ebx, ebx; xor edx, edx; xor esi, esi
 *   L 0x100d: add eax, ecx; test cl, 1; jz E       ; mid-block exit (same page)
 *             add ebx, 3; call F (folded)          ; F: add edx, eax; ret -> R (an indirect exit)
 *   R 0x101c: dec ecx; jnz L; hlt
 *   E 0x1020: add ebx, 5; jmp P (folded)
 *   F 0x1030: add edx, eax; ret
 *   Q 0x1040: add esi, 16; jmp R (folded)
 *   P 0x1ff0: inc esi; test cl, 2; 6 x nop; jz Q (rel32 at 0x1ffa: the page's last bytes, the block's last record)
 *   0x2000:   add esi, 32; jmp 0x2ffa (folded)
 *   0x2ffa:   add edi, 7; lea edi, [edi + 1]       ; the page ends: the block ends on the LEA (next: 0x3000)
 *   0x3000:   jmp R                                ; another page
 */
import { expect } from 'chai';
import { runSnippet } from '../../src/snippet.js';
import { Machine } from '../../src/machine.js';
import { hexBytes } from '../helpers/asm.js';
import { TEST_ENGINES } from '../helpers/engines.js';
import type { EngineName } from '../../src/machine.js';
import { mem, why } from '../helpers/transfer-programs.js';
import { XFER_NAMES } from '../../translator/jit/chain.js';

const MAIN = 'b92c010000' + '31c0' + '31db' + '31d2' + '31f6' // 0x1000
  + '01c8' + 'f6c101' + '740c' + '83c303' + 'e814000000' // L 0x100d .. 0x101b
  + '49' + '75ee' + 'f4' // R 0x101c
  + '83c305' + 'e9c80f0000' + '90'.repeat(8) // E 0x1020 .. 0x102f
  + '01c2' + 'c3' + '90'.repeat(13) // F 0x1030 .. 0x103f
  + '83c610' + 'e9d4ffffff'; // Q 0x1040
const P = '46' + 'f6c102' + '90'.repeat(6) + '0f8440f0ffff'; // 0x1ff0 .. 0x1fff
const PAGE2 = '83c620' + 'e9f20f0000'; // 0x2000
const PAGE2_END = '83c707' + '8d7f01'; // 0x2ffa .. 0x2fff
const PAGE3 = 'e917e0ffff'; // 0x3000

/** The program's registers and instruction count, from its listing. */
function expected(): { regs: Record<string, number>; insns: number } {
  let eax = 0, ebx = 0, edx = 0, esi = 0, edi = 0, insns = 5;
  for (let ecx = 300; ecx > 0; ecx--) {
    eax = (eax + ecx) >>> 0;
    insns += 3;
    if ((ecx & 1) !== 0) {
      ebx += 3; edx = (edx + eax) >>> 0; insns += 4;
    } else {
      ebx += 5; esi += 1; insns += 2 + 9;
      if ((ecx & 2) === 0) { esi += 16; insns += 2; } else { esi += 32; edi += 8; insns += 5; }
    }
    insns += 2;
  }
  return { regs: { eax, ebx, ecx: 0, edx, esi, edi }, insns: insns + 1 };
}

const memory = [mem(0x1ff0, P), mem(0x2000, PAGE2), mem(0x2ffa, PAGE2_END), mem(0x3000, PAGE3)];

function machineFor(engine: EngineName, knownEip: boolean, xferCounts = true): Machine | undefined {
  if (engine !== 'jit') return undefined;
  return new Machine({ memoryMiB: 2, engine: 'jit', jit: { threshold: 2, batch: 64, sync: true, chain: false, direct: true, knownEip, xferCounts } });
}

for (const engine of TEST_ENGINES) {
  for (const knownEip of engine === 'jit' ? [true, false] : [true]) {
    describe(`exits that know what they wrote to EIP [${engine}${engine === 'jit' ? `, knownEip ${String(knownEip)}` : ''}]`, () => {
      it('mid-block and page-end Jcc exits, a RET, a page-end block and cross-page JMPs: the interpreter\'s state and count', () => {
        const m = machineFor(engine, knownEip);
        const xf0 = m?.jit?.counters.xfers.slice() ?? [];
        const r = runSnippet({ engine, machine: m, code: hexBytes(MAIN), memory, slice: 50, onSlice: (x: Machine): void => x.jit?.flush() });
        const want = expected();
        expect(r.stop, why(r)).to.equal('hlt');
        expect(r.regs).to.deep.include(want.regs);
        expect(r.instructions).to.equal(want.insns);
        expect(r.regs.esp).to.equal(0x8000);
        if (m !== undefined) {
          const xf = m.jit!.counters.xfers.map((v, k) => v - (xf0[k] ?? 0));
          const named = (n: typeof XFER_NAMES[number]): number => xf[XFER_NAMES.indexOf(n)] ?? 0;
          // Same-page exits stayed in wasm, and so did the RET and the cross-page exits (hints, far targets, the cache).
          expect(r.direct, 'direct transfers').to.be.at.least(100);
          expect(named('global') + named('hint') + named('far'), 'dispatcher transfers').to.be.at.least(300);
        }
      });
    });
  }
}

describe('transfers that stay in wasm, not counted (JitOptions.xferCounts false) [jit]', () => {
  it('the same state and count; the direct and dispatcher counters stay 0', () => {
    const m = machineFor('jit', true, false)!;
    const r = runSnippet({ engine: 'jit', machine: m, code: hexBytes(MAIN), memory, slice: 50, onSlice: (x: Machine): void => x.jit?.flush() });
    const want = expected();
    expect(r.stop, why(r)).to.equal('hlt');
    expect(r.regs).to.deep.include(want.regs);
    expect(r.instructions).to.equal(want.insns);
    // Compiled code ran (and transferred: the counted run above has 100+ of each): only the counting is gone.
    expect(r.compiled).to.be.at.least(want.insns / 2);
    expect(r.direct).to.equal(0);
    const xf = m.jit!.counters.xfers;
    expect(xf[XFER_NAMES.indexOf('global')]! + xf[XFER_NAMES.indexOf('hint')]! + xf[XFER_NAMES.indexOf('far')]!).to.equal(0);
  });
});
