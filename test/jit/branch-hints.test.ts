/**
 * Branch hints (JitOptions.branchHints, translator/jit/branch-hints.ts): a
 * module emitted with them carries a `metadata.code.branch_hint` section
 * before its code section whose every entry names a `br_if` (opcode 0x0d)
 * of its function, hinted unlikely; the module validates, and its code is
 * byte for byte the code emitted without hints. Then the snippets of a
 * memory-heavy loop run the same on the JIT with hints on and off.
 */
import { expect } from 'chai';
import { emitModule, NO_CHAIN } from '../../translator/jit/compile.js';
import { mappedOffsets } from '../../translator/jit/branch-hints.js';
import { runSnippet } from '../../src/snippet.js';
import { Machine } from '../../src/machine.js';
import { hexBytes } from '../helpers/asm.js';
import { sameRun } from '../helpers/same-run.js';
import type { Block } from '../../runtime/records.js';

/** R3 of loop-regs.test.ts: a load, a store and an ALU record a pass; EBP from the test. */
const R3 = '31db31c98b448d0001c3899c8d000800004181f92c01000075eaf4';
const TABLE = Array.from({ length: 300 }, (_, i) => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, 3 * i + 1, true);
  return { addr: 0x20000 + 4 * i, bytes: b };
});

function leb(b: Uint8Array, p: number): [number, number] {
  let v = 0, s = 0, x: number;
  do { x = b[p++]!; v |= (x & 0x7f) << s; s += 7; } while ((x & 0x80) !== 0);
  return [v >>> 0, p];
}
interface Section { id: number; start: number; body: number; end: number; name?: string }
function sections(bin: Uint8Array): Section[] {
  const out: Section[] = [];
  for (let p = 8; p < bin.length;) {
    const id = bin[p]!, [size, q] = leb(bin, p + 1);
    const s: Section = { id, start: p, body: q, end: q + size };
    if (id === 0) { const [n, r] = leb(bin, q); s.name = new TextDecoder().decode(bin.subarray(r, r + n)); }
    out.push(s);
    p = q + size;
  }
  return out;
}
/** The function bodies (start after the size, end) of the code section. */
function bodies(bin: Uint8Array, code: Section): [number, number][] {
  let [n, p] = leb(bin, code.body);
  const out: [number, number][] = [];
  for (; n > 0; n--) { const [size, q] = leb(bin, p); out.push([q, q + size]); p = q + size; }
  return out;
}
/** Imported functions (import section entries of kind 0; the modules here import functions, a memory and globals). */
function imported(bin: Uint8Array, imp: Section | undefined): number {
  if (imp === undefined) return 0;
  let [n, p] = leb(bin, imp.body), fns = 0;
  for (; n > 0; n--) {
    for (let k = 0; k < 2; k++) { const [len, q] = leb(bin, p); p = q + len; }
    const kind = bin[p++]!;
    if (kind === 0) { fns++; p = leb(bin, p)[1]; } else if (kind === 2) { const f = bin[p++]!; p = leb(bin, p)[1]; if (f & 1) p = leb(bin, p)[1]; } else if (kind === 3) p += 2;
    else throw new Error(`import kind ${kind}`);
  }
  return fns;
}

function r3Block(): Block {
  const m = new Machine({ memoryMiB: 2 });
  runSnippet({ code: hexBytes(R3), memory: TABLE, regs: { ebp: 0x20000 }, engine: 'interpreter', machine: m });
  const b = m.frontEnd.peek(0x1004, true);
  if (b === undefined) throw new Error('R3: no block at L');
  return b;
}

describe('branch hints (JitOptions.branchHints)', () => {
  it('a branch-hint section before the code section, each entry an unlikely br_if of its function; the code unchanged', () => {
    const b = r3Block();
    const opts = { ...NO_CHAIN, forward: true, pageGroups: 'merge' as const, slowReload: 'near' as const };
    const plain = emitModule([b], { ...opts, branchHints: false }).bytes;
    const hinted = emitModule([b], { ...opts, branchHints: true }).bytes;
    expect(WebAssembly.validate(hinted as Uint8Array<ArrayBuffer>)).to.equal(true);
    const ss = sections(hinted), code = ss.find((s) => s.id === 10)!, hs = ss.findIndex((s) => s.name === 'metadata.code.branch_hint');
    expect(hs, 'the section').to.be.at.least(0);
    expect(ss[hs + 1]!.id, 'right before the code section').to.equal(10);
    expect(ss.some((s) => s.name === 'sourceMappingURL'), 'no source map URL').to.equal(false);
    // Without the hint section the module is the plain one.
    const h = ss[hs]!, rest = new Uint8Array(hinted.length - (h.end - h.start));
    rest.set(hinted.subarray(0, h.start));
    rest.set(hinted.subarray(h.end), h.start);
    expect(Buffer.from(rest).equals(Buffer.from(plain))).to.equal(true);
    // The entries: function index, then (offset from the body's start, size 1, 0: unlikely) each.
    const fns = bodies(hinted, code), base = imported(hinted, ss.find((s) => s.id === 2));
    let [nf, p] = leb(hinted, leb(hinted, h.body)[1] + 'metadata.code.branch_hint'.length);
    let hintsSeen = 0;
    expect(nf).to.be.at.least(1);
    for (; nf > 0; nf--) {
      let fi: number, nh: number;
      [fi, p] = leb(hinted, p);
      [nh, p] = leb(hinted, p);
      const [start, end] = fns[fi - base]!;
      for (; nh > 0; nh--) {
        let off: number;
        [off, p] = leb(hinted, p);
        expect(hinted[p++], 'size').to.equal(1);
        expect(hinted[p++], 'unlikely').to.equal(0);
        expect(start + off).to.be.below(end);
        expect(hinted[start + off], `byte at body offset ${off}`).to.equal(0x0d);
        hintsSeen++;
      }
    }
    // The block's load and store each have an inline test with at least one miss branch.
    expect(hintsSeen).to.be.at.least(2);
  });

  it('loopHint: the self-loop\'s budget test is the one br_if hinted likely; the others unlikely; the code unchanged', () => {
    const b = r3Block();
    const opts = { ...NO_CHAIN, forward: true, pageGroups: 'merge' as const, branchHints: true };
    const plain = emitModule([b], { ...opts, branchHints: false }).bytes;
    const unhinted = emitModule([b], opts).bytes, hinted = emitModule([b], { ...opts, loopHint: true }).bytes;
    expect(WebAssembly.validate(hinted as Uint8Array<ArrayBuffer>)).to.equal(true);
    const entries = (bin: Uint8Array): { value: number; byte: number }[] => {
      const ss = sections(bin), code = ss.find((s) => s.id === 10)!, h = ss.find((s) => s.name === 'metadata.code.branch_hint')!;
      const fns = bodies(bin, code), base = imported(bin, ss.find((s) => s.id === 2));
      const out: { value: number; byte: number }[] = [];
      let [nf, p] = leb(bin, leb(bin, h.body)[1] + 'metadata.code.branch_hint'.length);
      for (; nf > 0; nf--) {
        let fi: number, nh: number;
        [fi, p] = leb(bin, p);
        [nh, p] = leb(bin, p);
        const [start] = fns[fi - base]!;
        for (; nh > 0; nh--) {
          let off: number;
          [off, p] = leb(bin, p);
          p++;
          out.push({ value: bin[p++]!, byte: bin[start + off]! });
        }
      }
      // Without the hint section the module is the plain one.
      const rest = new Uint8Array(bin.length - (h.end - h.start));
      rest.set(bin.subarray(0, h.start));
      rest.set(bin.subarray(h.end), h.start);
      expect(Buffer.from(rest).equals(Buffer.from(plain))).to.equal(true);
      return out;
    };
    const on = entries(hinted), off = entries(unhinted);
    expect(off.every((e) => e.value === 0)).to.equal(true);
    expect(on.filter((e) => e.value === 1).length, 'likely').to.equal(1);
    expect(on.every((e) => e.byte === 0x0d), 'all br_if').to.equal(true);
    expect(on.filter((e) => e.value === 0).length, 'unlikely').to.equal(off.length);
  });

  it('mappedOffsets: the source map segments with a position', () => {
    // Columns 5 (a position), +3 (position), +2 (no position: ends a location).
    expect(mappedOffsets(JSON.stringify({ mappings: 'KAAA,GAAA,E' }))).to.deep.equal([5, 8]);
    // Lines 0, +4 (4: the likely line), -4 (back to 0): the likely one apart.
    expect(mappedOffsets(JSON.stringify({ mappings: 'KAAA,GAIA,CAJA,E' }))).to.deep.equal([5, 9]);
    expect(mappedOffsets(JSON.stringify({ mappings: 'KAAA,GAIA,CAJA,E' }), true)).to.deep.equal([8]);
  });

  for (const slice of [1000, 7]) {
    it(`a loop of loads and stores runs the same with hints on and off (slices of ${slice})`, () => {
      const run = (branchHints: boolean): ReturnType<typeof runSnippet> => runSnippet({
        code: hexBytes(R3), memory: TABLE, regs: { ebp: 0x20000 }, engine: 'jit', slice,
        machine: new Machine({ memoryMiB: 2, engine: 'jit', jit: { threshold: 2, batch: 64, sync: true, branchHints } }),
        onSlice: (x: Machine): void => { x.jit?.flush(); },
      });
      const on = run(true), off = run(false);
      sameRun(on, off);
      expect(on.regs.ebx).to.equal(3 * 299 * 300 / 2 + 300);
      if (slice >= 50) expect(on.compiled).to.be.at.least(on.instructions / 5);
    });
  }
});
