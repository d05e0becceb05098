/**
 * Paired RET (translator/frontend/blocks.ts): a CALL rel32 whose target held
 * a lone RET when its block was decoded goes on after the CALL, the RET as
 * the next record, with a run-time check that a fetch at the target still
 * finds 0xC3 (families/branch.ts callPaired, codegen/branch.ts callPaired).
 * When the target is remapped, rewritten or unmapped, the CALL is the real
 * one: EIP = the target, the block ends there.
 */
import { expect } from 'chai';
import { runSnippet, type SnippetResult } from '../../src/snippet.js';
import { TEST_ENGINES } from '../helpers/engines.js';
import { hexBytes } from '../helpers/asm.js';
import { PAGING_PREFIX_LEN, pageTables, withPaging } from '../helpers/paging.js';

/** `call to` at `from` (5 bytes, little-endian rel32). */
function call(from: number, to: number): string {
  const rel = (to - (from + 5)) >>> 0;
  return 'e8' + [0, 8, 16, 24].map((s) => ((rel >>> s) & 0xff).toString(16).padStart(2, '0')).join('');
}

/** mov ecx,1000; l: call 0x3000; inc ebx; dec ecx; jnz l; hlt (org 0x1000), 0x3000: ret */
const LOOP = hexBytes('b9e8030000', call(0x1005, 0x3000), '43 49 75f7 f4');
const RET_PAGE = [{ addr: 0x3000, bytes: hexBytes('c3') }];

/**
 * (paging on, code at 0x1000 + PAGING_PREFIX_LEN) mov ecx,1000; l: call 0x3000; inc ebx;
 * cmp ecx,500; jne skip; `change`; skip: dec ecx; jnz l; hlt. `change` (7 + 7 bytes) runs once,
 * after the 501st call; the block holding the CALL was decoded (paired) long before.
 */
function changeAt500(change: string): Uint8Array {
  const o = 0x1000 + PAGING_PREFIX_LEN;
  const c = hexBytes(change);
  const body = hexBytes('b9e8030000', call(o + 5, 0x3000), '43 81f9f4010000', '75' + c.length.toString(16).padStart(2, '0'));
  const tail = hexBytes('49', '75' + ((-(body.length - 5 + c.length + 3)) & 0xff).toString(16).padStart(2, '0'), 'f4');
  const out = new Uint8Array(body.length + c.length + tail.length);
  out.set(body); out.set(c, body.length); out.set(tail, body.length + c.length);
  return withPaging(out);
}
/** mov dword [0x1100c],v (the PTE of linear 0x3000 in pageTables()) then invlpg [0x3000]. */
const remapTo = (v: number): string => 'c7050c100100' + [0, 8, 16, 24].map((s) => ((v >>> s) & 0xff).toString(16).padStart(2, '0')).join('') + '0f013d00300000';

function stopped(r: SnippetResult): string {
  return r.exception ? `${r.exception.name} at ${r.exception.eip.toString(16)}: ${r.exception.reason ?? ''}` : r.stop;
}

for (const engine of TEST_ENGINES) {
  describe(`paired RET [${engine}]`, () => {
    it('a CALL to a lone RET in another page goes on after the CALL, with CALL and RET semantics', () => {
      const r = runSnippet({ engine, code: LOOP, memory: RET_PAGE });
      expect(r.stop, stopped(r)).to.equal('hlt');
      expect(r.regs.ebx).to.equal(1000);
      expect(r.regs.esp).to.equal(0x8000);
      expect(r.instructions).to.equal(1 + 1000 * 5 + 1);
      // The return address, written by each CALL below ESP.
      expect(Buffer.from(r.readMemory(0x7ffc, 4)).readUInt32LE(0)).to.equal(0x100a);
      expect(r.frontEnd.pairedRets).to.be.at.least(1);
      if (engine === 'jit') expect(r.compiled).to.be.above(4000);
    });

    it('a run stopped between the CALL and its paired RET resumes at the RET (slices of 3)', () => {
      const r = runSnippet({ engine, code: LOOP, memory: RET_PAGE, slice: 3, onSlice: () => {} });
      expect(r.stop, stopped(r)).to.equal('hlt');
      expect(r.regs.ebx).to.equal(1000);
      expect(r.regs.esp).to.equal(0x8000);
      expect(r.instructions).to.equal(5002);
    });

    it('the target rewritten after the block was decoded: the real CALL runs the new code', () => {
      // At 500: mov word [0x3000], 0xc342 (inc edx; ret); the block with the CALL lives on (another page).
      const code = changeAt500('66c7050030000042c3' + '90'.repeat(5));
      const r = runSnippet({ engine, code, memory: [...pageTables(), ...RET_PAGE] });
      expect(r.stop, stopped(r)).to.equal('hlt');
      expect(r.regs.ebx).to.equal(1000);
      expect(r.regs.edx).to.equal(499);
      expect(r.regs.esp).to.equal(0x8000);
      expect(r.frontEnd.pairedRets).to.be.at.least(1);
    });

    it('the target page remapped after the block was decoded: the real CALL goes to the new mapping', () => {
      // At 500: linear 0x3000 -> physical 0x4000, which holds inc edx; ret.
      const code = changeAt500(remapTo(0x4003));
      const r = runSnippet({ engine, code, memory: [...pageTables(), ...RET_PAGE, { addr: 0x4000, bytes: hexBytes('42 c3') }] });
      expect(r.stop, stopped(r)).to.equal('hlt');
      expect(r.regs.ebx).to.equal(1000);
      expect(r.regs.edx).to.equal(499);
      expect(r.regs.esp).to.equal(0x8000);
      expect(r.frontEnd.pairedRets).to.be.at.least(1);
    });

    it('a 16-bit stack (SS.B = 0) in 32-bit code: the records run their handlers, the rewrite still ends the pair', () => {
      // lgdt [0x5100]; mov ax,8; mov ss,ax (a 16-bit data segment); then the loop of changeAt500 without
      // paging, the change being mov word [0x3000], 0xc342 (inc edx; ret).
      const code = hexBytes('0f011500510000 66b80800 8ed0 b9e8030000', call(0x1012, 0x3000),
        '43 81f9f4010000 7509 66c7050030000042c3 49 75e6 f4');
      const gdt = { addr: 0x5000, bytes: hexBytes('0000000000000000 ffff00000093 0000') };
      const gdtr = { addr: 0x5100, bytes: hexBytes('0f00 00500000') };
      const r = runSnippet({ engine, code, memory: [...RET_PAGE, gdt, gdtr] });
      expect(r.stop, stopped(r)).to.equal('hlt');
      expect(r.regs.ebx).to.equal(1000);
      expect(r.regs.edx).to.equal(499);
      expect(r.regs.esp).to.equal(0x8000);
      expect(Buffer.from(r.readMemory(0x7ffc, 4)).readUInt32LE(0)).to.equal(0x1017);
      expect(r.frontEnd.pairedRets).to.be.at.least(1);
    });

    it('the target page unmapped: the CALL retires and the fetch at the target faults (#PF at the target)', () => {
      const code = changeAt500(remapTo(0));
      const r = runSnippet({ engine, code, memory: [...pageTables(), ...RET_PAGE] });
      expect(r.stop).to.equal('exception');
      expect(r.exception).to.deep.include({ vector: 14, eip: 0x3000 });
      expect(r.regs.ebx).to.equal(501);
      expect(r.regs.esp).to.equal(0x8000 - 4);
      expect(Buffer.from(r.readMemory(0x7ffc, 4)).readUInt32LE(0)).to.equal(0x1000 + PAGING_PREFIX_LEN + 10);
    });
  });
}
