/**
 * Records keep their small fields in packed byte lanes (runtime/records.ts):
 * every field must read back what was stored, at the edges of its range,
 * without disturbing its neighbours in the same word; a value that does not
 * fit must throw (never truncate an operand); and the compile worker's copy
 * (translator/jit/pack.ts) must carry every field.
 */
import { expect } from 'chai';
import { Block, NO_REG, Rec } from '../../runtime/records.js';
import { CC_NONE } from '../../runtime/isa/cc.js';
import { E_HANDLER, E_COND } from '../../runtime/isa/types.js';
import { packBlocks, unpackBlocks } from '../../translator/jit/pack.js';

const h = (): void => undefined;

const UNSIGNED = ['osz', 'asz', 'k0', 'k1', 'k2', 'r0', 'r1', 'r2', 's0', 's1', 'seg', 'bnd', 'scale', 'rep', 'term', 'idx'] as const;
const SIGNED = ['base', 'index', 'alu', 'shift', 'strop', 'cc'] as const;
/**
 * Each lane's width in bits (runtime/records.ts): wide enough for what the front end stores (OP_XMM
 * 12, register views up to 15, operand sizes up to 16, seg + SEG_WRITE up to 21, ALU_NOT 12, SH_*
 * and STR_* under 16 and 8, condition codes 0-15, each signed lane -1 for none, T_COND 4).
 */
const BITS: Record<typeof UNSIGNED[number] | typeof SIGNED[number], number> = {
  osz: 4, asz: 4, k0: 4, k1: 4, k2: 4, r0: 4, r1: 4, r2: 4, s0: 5, s1: 5, seg: 3, bnd: 5, scale: 2, rep: 2, term: 3, idx: 8,
  base: 4, index: 4, alu: 5, shift: 5, strop: 4, cc: 6,
};
const maxOf = (k: typeof UNSIGNED[number] | typeof SIGNED[number]): number =>
  (SIGNED as readonly string[]).includes(k) ? (1 << (BITS[k] - 1)) - 1 : (1 << BITS[k]) - 1;
const minOf = (k: typeof SIGNED[number]): number => -(1 << (BITS[k] - 1));
const ALL = [...UNSIGNED, ...SIGNED, 'ends'] as const;
type Field = typeof ALL[number];

function fields(r: Rec): Record<string, number | boolean> {
  const o: Record<string, number | boolean> = {};
  for (const k of ALL) o[k] = r[k];
  for (const k of ['off', 'next', 'code', 'mnemonic', 'len', 'imm', 'imm2', 'msz', 'disp', 'sub', 'flagsRead', 'flagsWritten', 'lock', 'folded'] as const) o[k] = r[k];
  return o;
}

describe('decoded records (packed fields)', () => {
  it('a new record has the documented defaults', () => {
    const r = new Rec(h);
    expect(fields(r)).to.deep.equal({
      osz: 4, asz: 4, k0: 0, k1: 0, k2: 0, r0: 0, r1: 0, r2: 0, s0: 0, s1: 0, seg: 3, bnd: 3, scale: 0, rep: 0, term: 0, idx: 0,
      base: NO_REG, index: NO_REG, alu: -1, shift: -1, strop: -1, cc: CC_NONE, ends: E_HANDLER,
      off: 0, next: 0, code: 0, mnemonic: 0, len: 0, imm: 0, imm2: 0, msz: 0, disp: 0, sub: 0, flagsRead: 0, flagsWritten: 0,
      lock: false, folded: false,
    });
  });

  it('each lane reads back its edge values and leaves the other fields alone', () => {
    const edges = (k: Field): number[] => {
      if (k === 'ends') return [];
      const max = maxOf(k);
      return (SIGNED as readonly string[]).includes(k) ? [minOf(k as typeof SIGNED[number]), -2, -1, 0, 1, max] : [0, 1, max >> 1, max];
    };
    for (const k of ALL) {
      if (k === 'ends') continue;
      for (const v of edges(k)) {
        // Neighbours at their extremes: a lane write must not leak into them.
        const r = new Rec(h);
        for (const o of UNSIGNED) r[o] = maxOf(o);
        for (const o of SIGNED) r[o] = minOf(o);
        r.lock = true; r.folded = true; r.plain = h; // the second handler's number shares wc
        const before = fields(r);
        r[k] = v;
        expect(r[k], k).to.equal(v);
        expect(fields(r), `${k} = ${v}`).to.deep.equal({ ...before, [k]: v });
        expect(r.plain, `${k} = ${v}: plain`).to.equal(h);
        r.lock = false;
        expect(r.folded && !r.lock && r[k] === v, `${k} after lock`).to.equal(true);
      }
    }
    const r = new Rec(h);
    r.ends = E_COND;
    expect(r.ends).to.equal(E_COND);
  });

  it('offsets, Code/Mnemonic and length share words without disturbing each other', () => {
    const r = new Rec(h);
    r.idx = 255; r.lock = true; r.folded = true; r.term = 4; r.ends = E_COND;
    // Lanes: off -8192..8191 (a block's offsets are within one page: -4095..4095), Code 0..8191 and
    // Mnemonic 0..2047 (iced-x86's largest: 4935 and 1893).
    for (const [off, len] of [[-4095, 15], [4095, 1], [0, 0], [-1, 15], [-8192, 7], [8191, 15]] as const) {
      const next = off + len; // derived: the fall-through
      r.off = off; r.len = len;
      r.code = 0x1fff; r.mnemonic = 0; r.code = 4935; r.mnemonic = 0x7ff; r.mnemonic = 1893;
      expect([r.off, r.next, r.len, r.code, r.mnemonic], `off ${off}`).to.deep.equal([off, next, len, 4935, 1893]);
      expect([r.idx, r.lock, r.folded, r.term, r.ends]).to.deep.equal([255, true, true, 4, E_COND]);
    }
    expect(() => { r.off = 8192; }).to.throw(RangeError);
    expect(() => { r.off = -8193; }).to.throw(RangeError);
    expect(() => { r.len = 16; }).to.throw(RangeError);
    expect(() => { r.code = 8192; }).to.throw(RangeError);
    expect(() => { r.mnemonic = 2048; }).to.throw(RangeError);
    expect(() => { r.mnemonic = -1; }).to.throw(RangeError);
  });

  it('midExec and foldExec share one slot: a record has the one it was given, the other is null', () => {
    const mid = (): void => undefined, fold = (): void => undefined;
    const a = new Rec(h), b = new Rec(h);
    expect([a.midExec, a.foldExec]).to.deep.equal([null, null]);
    a.midExec = mid;
    b.foldExec = fold;
    expect([a.midExec, a.foldExec]).to.deep.equal([mid, null]);
    expect([b.midExec, b.foldExec]).to.deep.equal([null, fold]);
    // The flag bit lives in wf beside idx/len/term: setting them keeps it.
    b.idx = 200; b.len = 15; b.term = 1;
    expect(b.foldExec).to.equal(fold);
  });

  it('plain shares the slot of midExec/foldExec: clearing it (killBlock) leaves theirs', () => {
    const mid = (): void => undefined, fold = (): void => undefined, own = (): void => undefined;
    const j = new Rec(h), c = new Rec(h), f = new Rec(h);
    j.midExec = mid; f.foldExec = fold; c.plain = own;
    expect([c.plain, c.midExec, c.foldExec]).to.deep.equal([own, null, null]);
    expect([j.plain, f.plain]).to.deep.equal([null, null]);
    for (const r of [j, c, f]) r.plain = null;
    expect([j.midExec, f.foldExec, c.plain, c.midExec]).to.deep.equal([mid, fold, null, null]);
    c.plain = own; c.idx = 255; c.len = 15; c.term = 4; c.lock = true;
    expect(c.plain).to.equal(own);
  });

  it('msz / off, imm2 / sub and the flags read / written share words and keep their ranges', () => {
    const r = new Rec(h);
    // msz 0..1023 (FXSAVE's 512 the largest), sub -2048..2047 (a Mnemonic at most), imm2 0..65535.
    r.lock = true; r.folded = true; r.idx = 255; r.term = 7; r.len = 15; r.ends = E_COND; r.plain = h;
    for (const [msz, sub, off, imm2] of [[0, -2048, -8192, 65535], [512, 2047, 8191, 0], [1023, -1, -1, 0x7ff], [1, 1893, 0, 1]] as const) {
      r.msz = msz; r.sub = sub; r.off = off; r.imm2 = imm2;
      expect([r.msz, r.sub, r.off, r.imm2]).to.deep.equal([msz, sub, off, imm2]);
      expect([r.lock, r.folded, r.idx, r.term, r.len, r.ends, r.plain]).to.deep.equal([true, true, 255, 7, 15, E_COND, h]);
    }
    expect(() => { r.imm2 = 65536; }).to.throw(RangeError);
    expect(() => { r.imm2 = -1; }).to.throw(RangeError);
    // Every flag toEflags can produce (OF SF ZF AF CF PF DF IF AC), alone and all together, in either lane.
    const flags = [0x800, 0x80, 0x40, 0x10, 0x1, 0x4, 0x400, 0x200, 0x40000];
    for (const v of [...flags, flags.reduce((a, b) => a | b, 0)]) {
      r.flagsRead = v; r.flagsWritten = 0x40000 | 0x8d5;
      expect([r.flagsRead, r.flagsWritten], `0x${v.toString(16)}`).to.deep.equal([v, 0x408d5]);
      r.flagsWritten = v; r.flagsRead = 0x8d5;
      expect([r.flagsRead, r.flagsWritten], `0x${v.toString(16)}`).to.deep.equal([0x8d5, v]);
    }
    // The flag lanes share wg with `ends` and the second handler's kind: writing them keeps those.
    r.flagLanes = 0; r.flagsRead = 0x40000 | 0x8d5; r.flagsWritten = 0x40000 | 0x8d5;
    expect([r.ends, r.plain, r.flagLanes]).to.deep.equal([E_COND, h, 0x18d5 | (0x18d5 << 13)]); // AC in lane bit 12
    expect(() => { r.msz = 1024; }).to.throw(RangeError);
    expect(() => { r.sub = 2048; }).to.throw(RangeError);
    expect(() => { r.sub = -2049; }).to.throw(RangeError);
    expect(() => { r.flagsRead = 0x4000; }).to.throw(RangeError); // NT: no record names it
    expect(() => { r.flagsWritten = 0x80000; }).to.throw(RangeError);
  });

  it('a record is 10 fields, all small integers but its handler', () => {
    // Heap cost per record (docs/jit-plan.md "Memory"): a new field, or a field that may hold a
    // double (one boxed number per record), is a decision to make on purpose.
    const r = new Rec(h) as unknown as Record<string, unknown>;
    expect(Object.keys(r)).to.have.length(10);
    for (const k of Object.keys(r)) if (k !== 'exec') expect(typeof r[k], k).to.equal('number');
  });

  it('a value outside a lane throws instead of truncating', () => {
    const r = new Rec(h);
    for (const k of UNSIGNED) {
      expect(() => { r[k] = maxOf(k) + 1; }, k).to.throw(RangeError);
      expect(() => { r[k] = -1; }, k).to.throw(RangeError);
    }
    for (const k of SIGNED) {
      expect(() => { r[k] = maxOf(k) + 1; }, k).to.throw(RangeError);
      expect(() => { r[k] = minOf(k) - 1; }, k).to.throw(RangeError);
    }
  });

  it('the compile worker gets every field (pack.ts round trip)', () => {
    const a = new Rec(h), b = new Rec(h);
    a.off = -300; a.len = 3; a.code = 4321; a.mnemonic = 1234; a.imm = -5; a.imm2 = 0xffff; a.msz = 512;
    a.disp = -0x80000000; a.sub = 999; a.flagsRead = 0x40000; a.flagsWritten = 0x8d5;
    a.osz = 2; a.asz = 2; a.k0 = 2; a.k1 = 1; a.k2 = 3; a.r0 = 13; a.r1 = 14; a.r2 = 7; a.s0 = 1; a.s1 = 16; a.seg = 5; a.bnd = 11;
    a.base = -2; a.index = 7; a.scale = 3; a.rep = 2; a.alu = 8; a.shift = -1; a.strop = 4; a.cc = 15; a.term = 4; a.idx = 255;
    a.lock = true; a.folded = true; a.ends = E_COND;
    b.idx = 1; b.cc = 0;
    const blk = new Block(0x12345, true, [a, b], 9, [0x12, 0x13]);
    blk.jitFlat = 0x3f3f3f; // the segment context it went hot in (CODE_CTX)
    const [copy] = unpackBlocks(packBlocks([blk]));
    expect(copy!.phys).to.equal(0x12345);
    expect(copy!.jitFlat).to.equal(0x3f3f3f);
    expect(copy!.pages).to.deep.equal([0x12, 0x13]);
    expect(copy!.recs.map(fields)).to.deep.equal([fields(a), fields(b)]);
    // Numbers outside int32 travel as they are (pack.ts num() makes only int32 values small integers).
    b.imm = 0xffffffff;
    const [big] = unpackBlocks(packBlocks([new Block(0x80000000, true, [b], 1, [0x80000])]));
    expect(big!.recs[0]!.imm).to.equal(0xffffffff);
    expect(big!.phys).to.equal(0x80000000);
  });
  it('reset() makes a used record what a new one is (the front end decodes into dead blocks\' records again)', () => {
    const r = new Rec(h), g = (): number => 1;
    r.off = -300; r.len = 3; r.code = 4321; r.mnemonic = 1234; r.imm = -5; r.imm2 = 0xffff; r.msz = 512;
    r.disp = -0x80000000; r.sub = 999; r.flagsRead = 0x40000; r.flagsWritten = 0x8d5;
    for (const o of UNSIGNED) r[o] = maxOf(o);
    for (const o of SIGNED) r[o] = minOf(o);
    r.lock = true; r.folded = true; r.ends = E_COND; r.plain = g;
    r.reset(g);
    // Every own field (a field added to Rec without a line in reset() shows here), not just the accessors.
    expect(Object.entries(r)).to.deep.equal(Object.entries(new Rec(g)));
    expect(r.exec).to.equal(g);
  });
});
