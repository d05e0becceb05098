/** SETcc and CMOVcc: all 16 conditions, register and memory forms, sizes, a faulting CMOV source. */
import { expect } from 'chai';
import { runSnippet, runSnippets, type SnippetOptions, type SnippetResult } from '../../src/snippet.js';
import { TEST_ENGINES } from '../helpers/engines.js';
import { hexBytes } from '../helpers/asm.js';
import { pageTables, withPaging, PAGING_PREFIX_LEN } from '../helpers/paging.js';

const CF = 0x1, PF = 0x4, ZF = 0x40, SF = 0x80, OF = 0x800;

/** Reference: condition `cc` (O NO B AE E NE BE A S NS P NP L GE LE G) on EFLAGS `f`. */
function cond(cc: number, f: number): boolean {
  const c = !!(f & CF), z = !!(f & ZF), s = !!(f & SF), o = !!(f & OF), p = !!(f & PF);
  const base = [o, c, z, c || z, s, p, s !== o, z || s !== o][cc >> 1];
  return cc & 1 ? !base : base;
}
/** Reference: condition `cc` after CMP a, b (32-bit). */
function cmpCond(cc: number, a: number, b: number): boolean {
  const ua = a >>> 0, ub = b >>> 0, sa = a | 0, sb = b | 0, d = (a - b) | 0;
  const o = ((sa ^ sb) & (sa ^ d)) < 0;
  let n = 0;
  for (let x = d & 0xff; x; x >>= 1) n += x & 1;
  const base = [o, ua < ub, ua === ub, ua <= ub, d < 0, (n & 1) === 0, sa < sb, sa <= sb][cc >> 1];
  return cc & 1 ? !base : base;
}

const FLAG_SETS = [0, CF, ZF, SF, OF, PF, SF | OF, ZF | SF, CF | ZF, ZF | OF, CF | PF | SF, CF | PF | ZF | SF | OF];
const PAIRS: [number, number][] = [[1, 1], [1, 2], [2, 1], [-1, 1], [1, -1], [0x80000000, 1], [0x7fffffff, -1], [0, 0x80000000], [3, 0]];

for (const engine of TEST_ENGINES) {
  const run = (hex: string, o: Partial<SnippetOptions> = {}) => {
    const r = runSnippet({ engine, code: hexBytes(hex, 'f4'), ...o });
    expect(r.stop, r.exception ? `${r.exception.name} at ${r.exception.eip.toString(16)}` : r.stop).to.equal('hlt');
    return r;
  };

  describe(`SETcc / CMOVcc [${engine}]`, () => {
    it('SETcc r8: all 16 conditions on eager flags', () => {
      for (let cc = 0; cc < 16; cc++) {
        for (const f of FLAG_SETS) {
          // setcc al ; setcc bh
          const r = run(`0f9${cc.toString(16)}c0 0f9${cc.toString(16)}c7`, { regs: { eax: 0xaaaaaaaa, ebx: 0x5555ffff }, eflags: f });
          const v = cond(cc, f) ? 1 : 0;
          expect(r.regs.eax, `cc ${cc} flags ${f.toString(16)}`).to.equal((0xaaaaaa00 | v) >>> 0);
          expect(r.regs.ebx, `cc ${cc} flags ${f.toString(16)}`).to.equal((0x555500ff | (v << 8)) >>> 0);
          expect(r.eflags & 0xfff).to.equal(f | 2);
        }
      }
    });
    it('SETcc after CMP (lazy flags): all 16 conditions', () => {
      for (let cc = 0; cc < 16; cc++) {
        for (const [a, b] of PAIRS) {
          // cmp eax, ecx ; setcc dl
          const r = run(`39c8 0f9${cc.toString(16)}c2`, { regs: { eax: a >>> 0, ecx: b >>> 0, edx: 0x77 } });
          expect(r.regs.edx, `cc ${cc}: ${a} vs ${b}`).to.equal(cmpCond(cc, a, b) ? 1 : 0);
        }
      }
    });
    it('SETcc m8 (32- and 16-bit addressing)', () => {
      let r = run('0f9503', { regs: { ebx: 0x2000 }, memory: [{ addr: 0x2000, bytes: hexBytes('cccc') }] }); // setne byte [ebx]
      expect(Array.from(r.readMemory(0x2000, 2))).to.deep.equal([1, 0xcc]);
      r = run('0f9400', { mode: 'real', regs: { ebx: 0x2000, esi: 3 }, eflags: 0, memory: [{ addr: 0x2003, bytes: hexBytes('cc') }] }); // sete byte [bx+si]
      expect(Array.from(r.readMemory(0x2003, 1))).to.deep.equal([0]);
    });
    it('CMOVcc r32 / r16: all 16 conditions', () => {
      // runSnippets: the 32 codes compiled once each on the JIT (alternating at one address, the two
      // forms were compiled again at every run); each result is checked right after its run.
      const runs: { opts: SnippetOptions; check: (r: SnippetResult) => void }[] = [];
      for (let cc = 0; cc < 16; cc++) {
        for (const f of FLAG_SETS) {
          const t = cond(cc, f);
          runs.push({ opts: { engine, code: hexBytes(`0f4${cc.toString(16)}c1`, 'f4'), regs: { eax: 0x11111111, ecx: 0x22223333 }, eflags: f }, check: (r) => { // cmovcc eax, ecx
            expect(r.regs.eax, `cc ${cc} flags ${f.toString(16)}`).to.equal(t ? 0x22223333 : 0x11111111);
            expect(r.eflags & 0xfff).to.equal(f | 2);
          } });
          runs.push({ opts: { engine, code: hexBytes(`660f4${cc.toString(16)}c1`, 'f4'), regs: { eax: 0x11111111, ecx: 0x22223333 }, eflags: f }, check: (r) => { // cmovcc ax, cx
            expect(r.regs.eax, `cc ${cc} flags ${f.toString(16)} (16)`).to.equal(t ? 0x11113333 : 0x11111111);
          } });
        }
      }
      runSnippets(runs.map((x) => x.opts), (r, k) => {
        expect(r.stop, r.exception ? `${r.exception.name} at ${r.exception.eip.toString(16)}` : r.stop).to.equal('hlt');
        runs[k]!.check(r);
      });
    });
    it('CMOVcc with a memory source', () => {
      const memory = [{ addr: 0x2000, bytes: hexBytes('efbeadde') }];
      let r = run('0f4403', { regs: { eax: 1, ebx: 0x2000 }, eflags: ZF, memory }); // cmove eax, [ebx]
      expect(r.regs.eax).to.equal(0xdeadbeef);
      r = run('0f4403', { regs: { eax: 1, ebx: 0x2000 }, eflags: 0, memory });
      expect(r.regs.eax).to.equal(1);
      r = run('660f4503', { regs: { eax: 0x12345678, ebx: 0x2000 }, eflags: 0, memory }); // cmovne ax, [ebx]
      expect(r.regs.eax).to.equal(0x1234beef);
      r = run('660f4c07', { mode: 'real', regs: { eax: 5, ebx: 0x2000 }, eflags: SF, memory }); // cmovl eax, [bx]
      expect(r.regs.eax).to.equal(0xdeadbeef);
    });
    it('CMOVcc reads its memory source (and faults) even when the condition is false', () => {
      // cmovne eax, [ebx] with ZF=1, [ebx] on a not-present page: #PF (checked natively: SIGSEGV)
      const r = runSnippet({
        engine, code: withPaging(hexBytes('0f4503 f4')), regs: { eax: 7, ebx: 0x30000 }, eflags: ZF,
        memory: pageTables({ notPresent: [0x30000] }),
      });
      expect(r.stop).to.equal('exception');
      expect(r.exception).to.deep.include({ vector: 14, eip: 0x1000 + PAGING_PREFIX_LEN });
      expect(r.regs.eax).to.equal(7);
    });
  });
}
