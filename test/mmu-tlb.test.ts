/**
 * The TLB's fill lists (runtime/mmu.ts): a CR3 write (flush(false)) drops
 * every entry but the global ones (CR4.PGE, PTE bit 8; SDM vol. 3, 4.10.4.1),
 * a CR0/CR4 write (flush(true)) drops all of them, INVLPG one page, and
 * setCodeFlag reaches every entry that maps a page. The lists are split into
 * non-global and global pages so that a CR3 write walks only the former:
 * these cases check no entry is missed whichever list it was filled in.
 */
import { expect } from 'chai';
import { Machine } from '../src/machine.js';
import { CR0, CR3, CR4, RAM_BASE, w } from '../runtime/state/layout.js';
import { TLB_CODE, TLB_GLOBAL } from '../runtime/mmu.js';

const PD = 0x1000, PT = 0x2000, FRAME0 = 0x100000;
const P_RW_US = 7, G = 0x100;

function setup(): { m: Machine; pte: (page: number, global: boolean) => void; fill: (page: number) => void; tlb: Int32Array } {
  const m = new Machine({ memoryMiB: 4, engine: 'interpreter' });
  const { phys, s, mmu } = m.cpu;
  phys.write32(PD, PT | P_RW_US);
  const pte = (page: number, global: boolean): void => phys.write32(PT + 4 * page, (FRAME0 + page * 0x1000) | P_RW_US | (global ? G : 0));
  for (let p = 0; p < 1024; p++) pte(p, false);
  s[w(CR3)] = PD;
  s[w(CR4)] |= 0x80; // PGE
  s[w(CR0)] |= 0x80000001 | 0; // PG, PE
  mmu.flush(true);
  return { m, pte, fill: (page) => { mmu.translate(page << 12, false); }, tlb: mmu.tlb };
}

/** Linear pages with a TLB entry (read from the array itself, not the lists under test; the first `pages` only). */
function live(tlb: Int32Array, pages = tlb.length): number[] {
  const out: number[] = [];
  for (let p = 0; p < pages; p++) if (tlb[p] !== 0) out.push(p);
  return out;
}

describe('TLB fill lists (runtime/mmu.ts)', () => {
  it('a CR3 flush keeps global entries only; a full flush drops them too', () => {
    const { m, pte, fill, tlb } = setup();
    pte(0x10, true); pte(0x11, false);
    fill(0x10); fill(0x11);
    expect(tlb[0x10]! & TLB_GLOBAL).to.equal(TLB_GLOBAL);
    expect(tlb[0x11]).to.not.equal(0);
    m.cpu.mmu.flush(false);
    expect(live(tlb)).to.deep.equal([0x10]);
    m.cpu.mmu.flush(false);
    expect(live(tlb)).to.deep.equal([0x10]);
    m.cpu.mmu.flush(true);
    expect(live(tlb)).to.deep.equal([]);
  });

  it('a page dropped by INVLPG and refilled with the other global bit is flushed as the new entry says', () => {
    const { m, pte, fill, tlb } = setup();
    const mmu = m.cpu.mmu;
    // Global, then non-global: the CR3 flush must drop it although it was listed as global first.
    pte(0x20, true); fill(0x20);
    mmu.flushPage(0x20 << 12);
    pte(0x20, false); fill(0x20);
    // Non-global, then global: kept by the CR3 flush, dropped by the full one.
    pte(0x21, false); fill(0x21);
    mmu.flushPage(0x21 << 12);
    pte(0x21, true); fill(0x21);
    mmu.flush(false);
    expect(live(tlb)).to.deep.equal([0x21]);
    mmu.flush(true);
    expect(live(tlb)).to.deep.equal([]);
  });

  it('setCodeFlag reaches global and non-global entries', () => {
    const { m, pte, fill, tlb } = setup();
    pte(0x30, true); pte(0x31, false);
    fill(0x30); fill(0x31);
    m.cpu.mmu.setCodeFlag((FRAME0 >>> 12) + 0x30, true);
    m.cpu.mmu.setCodeFlag((FRAME0 >>> 12) + 0x31, true);
    expect(tlb[0x30]! & TLB_CODE).to.equal(TLB_CODE);
    expect(tlb[0x31]! & TLB_CODE).to.equal(TLB_CODE);
    m.cpu.mmu.setCodeFlag((FRAME0 >>> 12) + 0x30, false);
    expect(tlb[0x30]! & TLB_CODE).to.equal(0);
  });

  it('random fills, PTE changes, INVLPGs and flushes never leave a stale entry', () => {
    const { m, pte, fill, tlb } = setup();
    const mmu = m.cpu.mmu;
    let seed = 12345;
    const rnd = (n: number): number => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return (seed >>> 8) % n; };
    const global = new Array<boolean>(64).fill(false);
    for (let i = 0; i < 5000; i++) {
      const op = rnd(20), page = rnd(64);
      if (op < 10) fill(page);
      else if (op < 14) { global[page] = !global[page]; pte(page, global[page]!); mmu.flushPage(page << 12); }
      else if (op < 16) mmu.flushPage(page << 12);
      else if (op < 19) {
        mmu.flush(false);
        for (const p of live(tlb, 1024)) expect(tlb[p]! & TLB_GLOBAL, `page ${p} after a CR3 flush`).to.equal(TLB_GLOBAL);
      } else {
        mmu.flush(true);
        expect(live(tlb, 1024)).to.deep.equal([]);
      }
    }
  });

  it('setCodeFlag finds every entry of a physical page through aliases, remaps and flushes (the physical-page index)', () => {
    const { m, fill, tlb } = setup();
    const { mmu, phys } = m.cpu;
    const FRAMES = 16, PAGES = 64, F0 = FRAME0 >>> 12;
    /** Map linear page `page` to frame `f` (of FRAMES: aliases are common), global or not. */
    const map = (page: number, f: number, global: boolean): void => phys.write32(PT + 4 * page, (FRAME0 + f * 0x1000) | P_RW_US | (global ? G : 0));
    for (let p = 0; p < PAGES; p++) map(p, p % FRAMES, false);
    let seed = 777;
    const rnd = (n: number): number => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return (seed >>> 8) % n; };
    for (let i = 0; i < 20000; i++) {
      const op = rnd(20), page = rnd(PAGES), f = rnd(FRAMES);
      if (op < 9) fill(page);
      // A remap with INVLPG, or without (the stale entry keeps its old frame, as hardware may).
      else if (op < 12) { map(page, f, rnd(2) === 0); if (op < 11) mmu.flushPage(page << 12); }
      else if (op < 17) { const on = rnd(2) === 0; phys.codePages[F0 + f] = on ? 1 : 0; mmu.setCodeFlag(F0 + f, on); }
      else if (op < 19) mmu.flush(false);
      else mmu.flush(true);
      for (const p of live(tlb, PAGES)) {
        const e = tlb[p]!;
        const framePage = ((((e & ~0xfff) ^ (p << 12)) >>> 0) - RAM_BASE) >>> 12;
        expect((e & TLB_CODE) !== 0, `step ${i}: page ${p} -> frame ${framePage - F0}`).to.equal(phys.codePages[framePage] === 1);
      }
    }
  });

  it('the physical-page index drops the linear pages a frame was mapped at before (bounded lists)', () => {
    const { m, fill } = setup();
    const { mmu, phys } = m.cpu;
    const F = (FRAME0 >>> 12) + 0x200, H = (FRAME0 >>> 12) + 0x201;
    // Frame F mapped at 1,000 linear pages one after another, each then moved to frame H.
    for (let p = 0; p < 1000; p++) {
      phys.write32(PT + 4 * p, (F << 12) | P_RW_US); fill(p);
      phys.write32(PT + 4 * p, (H << 12) | P_RW_US); mmu.flushPage(p << 12); fill(p);
    }
    expect(mmu.indexedPages(F)).to.be.at.most(16);
    expect(mmu.indexedPages(H)).to.be.within(1000, 2000); // all 1,000 map H now
    // A second mapping of a frame (linear page 0x300 beside 0x301) moved away and back 1,000 times.
    const K = F + 2, L = F + 3;
    phys.write32(PT + 4 * 0x301, (K << 12) | P_RW_US); fill(0x301);
    for (let i = 0; i < 1000; i++) {
      phys.write32(PT + 4 * 0x300, (K << 12) | P_RW_US); mmu.flushPage(0x300 << 12); fill(0x300);
      phys.write32(PT + 4 * 0x300, (L << 12) | P_RW_US); mmu.flushPage(0x300 << 12); fill(0x300);
    }
    expect(mmu.indexedPages(K)).to.be.at.most(17);
    expect(mmu.indexedPages(L)).to.be.at.most(17);
  });
});
