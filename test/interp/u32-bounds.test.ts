/**
 * runtime/u32.ts: unsigned compares on int32 values (the segment limit checks
 * of runtime/cpu.ts linc/lincW/segRoom and runtime/interp/operands.ts ea)
 * against plain unsigned arithmetic, and the limit checks they serve at the
 * top of the 4 GiB offset space, where an access wraps past 2^32.
 */
import { expect } from 'chai';
import { ltu, outOfBounds, roomDown, roomTo } from '../../runtime/u32.js';
import { runSnippet } from '../../src/snippet.js';
import { TEST_ENGINES } from '../helpers/engines.js';
import { hexBytes } from '../helpers/asm.js';

const EDGE = [0, 1, 2, 3, 0xfff, 0x7ffffffe, 0x7fffffff, 0x80000000, 0x80000001, 0xc0000000, 0xfffffffc, 0xfffffffe, 0xffffffff];
// Each value as the int32 the state holds (Int32Array) and as the uint32 it means.
const forms = (v: number): number[] => [v | 0, v >>> 0];

describe('u32: unsigned compares of int32 values', () => {
  it('ltu is unsigned < for every pair of edge values, in int32 or uint32 form', () => {
    for (const a of EDGE) for (const b of EDGE) for (const x of forms(a)) for (const y of forms(b)) {
      expect(ltu(x, y), `${a.toString(16)} < ${b.toString(16)}`).to.equal((a >>> 0) < (b >>> 0));
    }
  });
  it('outOfBounds: below lo, last byte above hi, or wrapping past 2^32', () => {
    for (const off of EDGE) for (const size of [0, 1, 2, 4, 8, 16, 512]) for (const lo of [0, 0x1000, 0x80000000]) for (const hi of [0, 0xfff, 0xffff, 0x7fffffff, 0xbfffffff, 0xfffffffd, 0xfffffffe, 0xffffffff]) {
      const want = (off >>> 0) < lo || (off >>> 0) + size - 1 > hi; // exact: doubles, no wrap
      expect(outOfBounds(off | 0, size, lo | 0, hi | 0), `off ${off.toString(16)} size ${size} [${lo.toString(16)}, ${hi.toString(16)}]`).to.equal(want);
    }
  });
  it('roomTo: whole elements up to hi, exact below the 2^30 / n cap', () => {
    for (const off of EDGE) for (const hi of EDGE) for (const n of [1, 2, 4]) {
      const exact = (off >>> 0) > (hi >>> 0) ? 0 : Math.floor(((hi >>> 0) - (off >>> 0) + 1) / n);
      expect(roomTo(off | 0, hi | 0, n), `off ${off.toString(16)} hi ${hi.toString(16)} n ${n}`).to.equal(Math.min(exact, Math.floor(0x40000000 / n)));
    }
  });
  it('roomDown: whole elements from off down to lo (none wrapping below 0), exact below the cap', () => {
    for (const off of EDGE) for (const lo of EDGE) for (const n of [1, 2, 4]) {
      const exact = (off >>> 0) < (lo >>> 0) ? 0 : Math.floor(((off >>> 0) - (lo >>> 0)) / n) + 1;
      expect(roomDown(off | 0, lo | 0, n), `off ${off.toString(16)} lo ${lo.toString(16)} n ${n}`).to.equal(Math.min(exact, Math.floor(0x40000000 / n)));
    }
  });
});

for (const engine of TEST_ENGINES) {
  describe(`limit checks at the top of a 4 GiB segment [${engine}]`, () => {
    it('a dword read at offset 0xFFFFFFFE wraps past 2^32: #GP(0)', () => {
      // mov ebx,1; mov eax,[0xfffffffe]; hlt
      const r = runSnippet({ engine, code: hexBytes('bb01000000a1feffffff f4') });
      expect(r.exception).to.deep.include({ vector: 13, errorCode: 0, eip: 0x1005 });
      expect(r.regs.ebx).to.equal(1);
    });
    it('a dword write through [ebx+disp] at 0xFFFFFFFD: #GP(0); at 0xFFFFFFFC it fits', () => {
      // mov ebx,0xfffffff0; mov [ebx+0xc],eax (ok: last byte 0xffffffff); mov ecx,1; mov [ebx+0xd],eax; hlt
      const r = runSnippet({ engine, code: hexBytes('bbf0ffffff 89430c b901000000 89430d f4') });
      expect(r.exception).to.deep.include({ vector: 13, errorCode: 0, eip: 0x100d });
      expect(r.regs.ecx).to.equal(1);
    });
    it('INVLPG: its memory operand has no size (msz 0) and is checked as offset - 1 <= limit: no fault', () => {
      // invlpg [0x1000]; mov ebx,1; hlt (the kernel's first INVLPG, at ~2.33 G instructions of the boot)
      const r = runSnippet({ engine, code: hexBytes('0f013d00100000 bb01000000 f4') });
      expect(r.exception).to.equal(undefined);
      expect(r.regs.ebx).to.equal(1);
    });
    it('a push with ESP = 2 wraps past 2^32: #SS(0), ESP unchanged', () => {
      // mov esp,2; mov ebx,1; push eax; hlt
      const r = runSnippet({ engine, code: hexBytes('bc02000000bb0100000050f4') });
      expect(r.exception).to.deep.include({ vector: 12, errorCode: 0, eip: 0x100a });
      expect(r.regs.esp).to.equal(2);
    });
  });
}
