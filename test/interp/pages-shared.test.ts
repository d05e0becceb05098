/**
 * Blocks that lie on one page share one `pages` array (translator/frontend/blocks.ts CodePage.only):
 * 56 bytes a block less than an array each (docs/jit-plan.md "Memory", twelfth pass). The array is
 * read-only; a block that straddles into the next page keeps its own two-page array.
 */
import { expect } from 'chai';
import { runSnippet } from '../../src/snippet.js';
import { hexBytes } from '../helpers/asm.js';
import { Machine } from '../../src/machine.js';

/** (org 0x1000) mov eax,1; l: add eax,3; inc ecx; cmp ecx,3; jne l; hlt: blocks at 0x1000 and at l (0x1005). */
const CODE = hexBytes('b801000000', '83c003 41 83f903 75f7 f4');

describe('one pages array per code page', () => {
  it('two blocks of one page share their pages array; the straddling block has its own', () => {
    const machine = new Machine({ memoryMiB: 2, engine: 'interpreter' });
    const r = runSnippet({ engine: 'interpreter', code: CODE, machine });
    expect(r.stop).to.equal('hlt');
    expect(r.regs.eax).to.equal(10);
    const fe = machine.frontEnd;
    const a = fe.get(0x1000, 0x1000, true), b = fe.get(0x1005, 0x1005, true);
    expect(a).to.not.equal(b);
    expect(a.pages).to.deep.equal([1]);
    expect(b.pages).to.equal(a.pages);
    // An instruction at the page's last bytes straddles into page 2: its block names both pages.
    [0xb8, 1, 2, 3, 4].forEach((v, i) => machine.cpu.phys.write8(0x1ffe + i, v));
    const c = fe.get(0x1ffe, 0x1ffe, true);
    expect(c.pages).to.deep.equal([1, 2]);
    expect(c.pages).to.not.equal(a.pages);
  });
});
