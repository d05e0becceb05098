/**
 * Segment limit checks (SDM vol. 3, 5.3): accesses beyond the limit, below
 * an expand-down segment's lower bound, through a null selector, and stack
 * overflows in real mode. Sources: the comments beside each hex string.
 */
import { expect } from 'chai';
import { runSnippet } from '../../src/snippet.js';
import { TEST_ENGINES } from '../helpers/engines.js';
import { hexBytes } from '../helpers/asm.js';

for (const engine of TEST_ENGINES) {
  describe(`segment limits [${engine}]`, () => {
    it('expand-down data segment: offsets below limit+1 fault with #GP(0)', () => {
      // lgdt [gdtr]; mov ds,8 (data RW expand-down, limit 0xfff, B=1); mov eax,[0x2000]; mov ebx,1; mov eax,[0xffe]; hlt
      const r = runSnippet({ engine, code: hexBytes('0f01153010000066b808008ed8a100200000bb01000000a1fe0f0000f49090900000000000000000ff0f0000009640000f0020100000') });
      expect(r.exception).to.deep.include({ vector: 13, errorCode: 0, eip: 0x1017 });
      expect(r.regs.ebx).to.equal(1);
    });
    it('an access crossing the limit of a 64 KiB segment is #GP(0)', () => {
      // mov es,0x20; mov eax,[es:0xfffc] (ok); mov ebx,1; mov eax,[es:0xfffe]; hlt
      const r = runSnippet({ engine, code: hexBytes('66b820008ec026a1fcff0000bb0100000026a1feff0000f4') });
      expect(r.exception).to.deep.include({ vector: 13, errorCode: 0, eip: 0x1011 });
      expect(r.regs.ebx).to.equal(1);
    });
    it('a null selector loads but using it is #GP(0)', () => {
      // xor eax,eax; mov gs,ax; mov ebx,1; mov eax,[gs:0]; hlt
      const r = runSnippet({ engine, code: hexBytes('31c08ee8bb0100000065a100000000f4') });
      expect(r.exception).to.deep.include({ vector: 13, errorCode: 0, eip: 0x1009 });
    });
    it('real mode: a word at offset 0xFFFF is beyond the 64 KiB limit (#GP)', () => {
      // mov ax,[0xfffe]; mov bx,1; mov ax,[0xffff]; hlt
      const r = runSnippet({ engine, mode: 'real', code: hexBytes('a1feffbb0100a1fffff4') });
      expect(r.exception).to.deep.include({ vector: 13, eip: 0x1006 });
      expect(r.regs.ebx & 0xffff).to.equal(1);
    });
    it('real mode: a push that wraps SP past the limit is #SS, SP unchanged', () => {
      // mov sp,1; mov bx,1; push ax; hlt
      const r = runSnippet({ engine, mode: 'real', code: hexBytes('bc0100bb010050f4') });
      expect(r.exception).to.deep.include({ vector: 12, eip: 0x1006 });
      expect(r.regs.esp & 0xffff).to.equal(1);
    });
  });
}
