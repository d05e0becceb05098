/**
 * Paired thunks (translator/frontend/blocks.ts "paired thunk"): a CALL rel32
 * whose target held a PIC thunk (`__x86.get_pc_thunk.*`: mov r32, [esp];
 * ret) when its block was decoded goes on after the CALL with the thunk's
 * MOV and RET as the next records, with a run-time check that a fetch at
 * the target still finds those 4 bytes (families/branch.ts callPaired,
 * codegen/branch.ts pairAt). On bench=1's sh phase such calls and their
 * RETs were half of the transfers through the global cache
 * (docs/jit-plan.md, session 14). When the thunk is rewritten or remapped,
 * the CALL is the real one.
 */
import { expect } from 'chai';
import { runSnippet, type SnippetResult } from '../../src/snippet.js';
import { TEST_ENGINES } from '../helpers/engines.js';
import { hexBytes } from '../helpers/asm.js';
import { PAGING_PREFIX_LEN, pageTables, withPaging } from '../helpers/paging.js';
import { thunkWord } from '../../runtime/interp/families/branch.js';

/** `call to` at `from` (5 bytes, little-endian rel32). */
function call(from: number, to: number): string {
  const rel = (to - (from + 5)) >>> 0;
  return 'e8' + [0, 8, 16, 24].map((s) => ((rel >>> s) & 0xff).toString(16).padStart(2, '0')).join('');
}

/** mov eax, [esp]; ret (the thunk of EAX). */
const THUNK_EAX = '8b0424c3';

/** (org 0x1000) mov ecx,1000; l: call `to`; add esi,eax; xor eax,eax; dec ecx; jnz l; hlt */
const loop = (to: number): Uint8Array => hexBytes('b9e8030000', call(0x1005, to), '01c6 31c0 49 75f4 f4');
const RET_ADDR = 0x100a;

/**
 * (paging on, code at 0x1000 + PAGING_PREFIX_LEN) mov ecx,1000; l: call 0x3000; add esi,eax; xor eax,eax;
 * cmp ecx,500; jne skip; `change`; skip: dec ecx; jnz l; hlt. `change` runs once, after the 501st call;
 * the block holding the CALL was decoded (paired) long before.
 */
function changeAt500(change: string): Uint8Array {
  const o = 0x1000 + PAGING_PREFIX_LEN;
  const c = hexBytes(change);
  const body = hexBytes('b9e8030000', call(o + 5, 0x3000), '01c6 31c0 81f9f4010000', '75' + c.length.toString(16).padStart(2, '0'));
  const tail = hexBytes('49', '75' + ((-(body.length - 5 + c.length + 3)) & 0xff).toString(16).padStart(2, '0'), 'f4');
  const out = new Uint8Array(body.length + c.length + tail.length);
  out.set(body); out.set(c, body.length); out.set(tail, body.length + c.length);
  return withPaging(out);
}
const RET_ADDR_PAGING = 0x1000 + PAGING_PREFIX_LEN + 10;
/** mov dword [0x1100c],v (the PTE of linear 0x3000 in pageTables()) then invlpg [0x3000]. */
const remapTo = (v: number): string => 'c7050c100100' + [0, 8, 16, 24].map((s) => ((v >>> s) & 0xff).toString(16).padStart(2, '0')).join('') + '0f013d00300000';

function stopped(r: SnippetResult): string {
  return r.exception ? `${r.exception.name} at ${r.exception.eip.toString(16)}: ${r.exception.reason ?? ''}` : r.stop;
}

describe('paired thunk: thunkWord', () => {
  it('takes mov r32, [esp]; ret for every r32 but ESP, and nothing else', () => {
    for (let reg = 0; reg < 8; reg++) {
      const w = (0xc3240000 | ((0x04 | (reg << 3)) << 8) | 0x8b) | 0;
      expect(thunkWord(w), `reg ${reg}`).to.equal(reg === 4 ? 0 : w);
    }
    expect(thunkWord(0xc324448b | 0)).to.equal(0); // mov eax, [esp + disp8]: mod 01
    expect(thunkWord(0xc320048b | 0)).to.equal(0); // SIB with an index
    expect(thunkWord(0x9024048b | 0)).to.equal(0); // no RET after
  });
});

for (const engine of TEST_ENGINES) {
  describe(`paired thunk [${engine}]`, () => {
    it('a CALL to a thunk in another page goes on after the CALL, with CALL, MOV and RET semantics', () => {
      const r = runSnippet({ engine, code: loop(0x3000), memory: [{ addr: 0x3000, bytes: hexBytes(THUNK_EAX) }] });
      expect(r.stop, stopped(r)).to.equal('hlt');
      expect(r.regs.esi).to.equal(1000 * RET_ADDR);
      expect(r.regs.esp).to.equal(0x8000);
      expect(r.instructions).to.equal(1 + 1000 * 7 + 1);
      expect(Buffer.from(r.readMemory(0x7ffc, 4)).readUInt32LE(0)).to.equal(RET_ADDR);
      expect(r.frontEnd.pairedThunks).to.be.at.least(1);
      if (engine === 'jit') expect(r.compiled).to.be.above(6000);
    });

    it('a run stopped between the CALL, the MOV and the RET resumes at the right one (slices of 2 and 3)', () => {
      for (const slice of [2, 3]) {
        const r = runSnippet({ engine, code: loop(0x3000), memory: [{ addr: 0x3000, bytes: hexBytes(THUNK_EAX) }], slice, onSlice: () => {} });
        expect(r.stop, stopped(r)).to.equal('hlt');
        expect(r.regs.esi, `slice ${slice}`).to.equal(1000 * RET_ADDR);
        expect(r.regs.esp).to.equal(0x8000);
        expect(r.instructions).to.equal(7002);
      }
    });

    it('the thunk rewritten to another register after the block was decoded: the real CALL runs the new code', () => {
      // At 500: mov byte [0x3001], 0x1c (mov ebx, [esp]; ret): EAX stays 0 from then on.
      const code = changeAt500('c605013000001c');
      const r = runSnippet({ engine, code, memory: [...pageTables(), { addr: 0x3000, bytes: hexBytes(THUNK_EAX) }] });
      expect(r.stop, stopped(r)).to.equal('hlt');
      expect(r.regs.esi).to.equal((501 * RET_ADDR_PAGING) >>> 0);
      expect(r.regs.ebx).to.equal(RET_ADDR_PAGING);
      expect(r.regs.esp).to.equal(0x8000);
      expect(r.frontEnd.pairedThunks).to.be.at.least(1);
    });

    it('the thunk page remapped after the block was decoded: the real CALL goes to the new mapping', () => {
      // At 500: linear 0x3000 -> physical 0x4000, which holds mov ebx, [esp]; ret.
      const code = changeAt500(remapTo(0x4003));
      const r = runSnippet({ engine, code, memory: [...pageTables(), { addr: 0x3000, bytes: hexBytes(THUNK_EAX) }, { addr: 0x4000, bytes: hexBytes('8b1c24c3') }] });
      expect(r.stop, stopped(r)).to.equal('hlt');
      expect(r.regs.esi).to.equal((501 * RET_ADDR_PAGING) >>> 0);
      expect(r.regs.ebx).to.equal(RET_ADDR_PAGING);
      expect(r.regs.esp).to.equal(0x8000);
      expect(r.frontEnd.pairedThunks).to.be.at.least(1);
    });

    it('a thunk across a page end is not paired (one TLB entry proves its bytes)', () => {
      const r = runSnippet({ engine, code: loop(0x2ffe), memory: [{ addr: 0x2ffe, bytes: hexBytes(THUNK_EAX) }] });
      expect(r.stop, stopped(r)).to.equal('hlt');
      expect(r.regs.esi).to.equal(1000 * RET_ADDR);
      expect(r.instructions).to.equal(7002);
      expect(r.frontEnd.pairedThunks).to.equal(0);
    });
  });
}
