/**
 * Dead blocks must not stay reachable (docs/jit-plan.md "Memory"): the
 * loop's successor links (Block.chainBlock0/1) that lead to killed blocks
 * are dropped by the front end's sweep, and a compiled module's call-out
 * table stops naming the records of its killed blocks (link.ts
 * releaseCallouts) while its live blocks keep theirs. Neither may change
 * what the guest sees: the self-modifying program below gives the
 * interpreter's result and count.
 *
 * Machine code (nasm, bits 32, org 0x1000), as in direct.test.ts:
 *   mov ecx, 40; xor eax, eax; xor ebx, ebx; xor edx, edx
 *   L (0x100b): test cl, 7; jnz skip; mov [P + 2], cl  ; ECX a multiple of 8: patch P's immediate
 *   skip:       add ebx, 1; jnz P; hlt
 *   (63 x nop)
 *   P (0x105b): add eax, 0 (imm8 at 0x105d); add edx, 2; dec ecx; jnz L; hlt
 */
import { expect } from 'chai';
import { runSnippet } from '../../src/snippet.js';
import { Machine } from '../../src/machine.js';
import { hexBytes } from '../helpers/asm.js';
import { calloutTableOf } from '../../translator/jit/link.js';
import type { Block, Rec } from '../../runtime/records.js';

const KILL = 'b92800000031c031db31d2f6c1077506880d5d10000083c3017540f4' + '90'.repeat(63) + '83c00083c2024975a7f4';

describe('dead blocks are released (JIT)', () => {
  it('successor links to killed blocks are swept; call-out tables drop killed blocks\' records; the result is the interpreter\'s', () => {
    // Record reuse off: the killed blocks' record objects must stay theirs for the identity checks below
    // (with it, the patched P is decoded into them again; test/jit/evict.test.ts covers that).
    const m = new Machine({ memoryMiB: 2, engine: 'jit', jit: { threshold: 2, batch: 64, sync: true, chain: false, direct: true }, frontEnd: { recycle: false } });
    const dead = new Set<Rec>();
    const killed: Block[] = [];
    m.frontEnd.onBlocksKilled((blocks) => { for (const b of blocks) { killed.push(b); for (const r of b.recs) dead.add(r); } });
    const r = runSnippet({ engine: 'jit', machine: m, code: hexBytes(KILL), slice: 50, onSlice: (x: Machine): void => x.jit?.flush() });
    expect(r.stop).to.equal('hlt');
    expect(r.regs).to.deep.include({ eax: 960, ebx: 40, edx: 80, ecx: 0 });
    expect(r.instructions).to.equal(4 + 5 * 9 + 35 * 8 + 1);
    expect(m.jit!.counters.invalidatedBlocks, 'compiled blocks killed by the patches').to.be.at.least(2);

    const live = [...m.frontEnd.liveBlocks()];
    // Call-out tables: every live compiled block's table names no record of a killed block, and its own records.
    let tables = 0;
    for (const b of live) {
      const t = calloutTableOf(b);
      if (t === null) continue;
      tables++;
      expect(t.filter((x) => dead.has(x)).length, 'records of killed blocks in a live module\'s call-out table').to.equal(0);
      expect(b.recs.every((x) => t.includes(x)), 'a live block keeps its records in its table').to.equal(true);
    }
    expect(tables, 'live compiled blocks').to.be.at.least(1);
    expect(killed.some((b) => calloutTableOf(b) !== null), 'killed blocks keep no table').to.equal(false);

    // Successor links: the loop left some pointing at killed blocks (the patched P); the sweep drops exactly those.
    const toDead = (): number => live.filter((b) => (b.chainBlock0 !== null && !b.chainBlock0.valid) || (b.chainBlock1 !== null && !b.chainBlock1.valid)).length;
    const toLive = (): number => live.filter((b) => (b.chainBlock0?.valid ?? false) || (b.chainBlock1?.valid ?? false)).length;
    const before = toLive();
    expect(toDead(), 'links to killed blocks before the sweep').to.be.at.least(1);
    m.frontEnd.sweepSuccessors();
    expect(toDead(), 'links to killed blocks after the sweep').to.equal(0);
    expect(toLive(), 'links to live blocks are kept').to.equal(before);
  });
});
