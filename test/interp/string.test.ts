/**
 * MOVS CMPS SCAS LODS STOS with REP/REPE/REPNE: sizes, directions, 16- and
 * 32-bit addressing, segment overrides, early exits, precise faults in the
 * middle of a REP, restarts after REP_CAP iterations, self-modifying code.
 * Overlapping-copy results and REPNE MOVSB were recorded on the host CPU.
 */
import { expect } from 'chai';
import { runSnippet, type SnippetOptions } from '../../src/snippet.js';
import { TEST_ENGINES } from '../helpers/engines.js';
import { hexBytes } from '../helpers/asm.js';
import { pageTables, remappedTables, withPaging, PAGING_PREFIX_LEN } from '../helpers/paging.js';
import { REP_CAP } from '../../runtime/interp/families/string.js';

const CF = 0x1, ZF = 0x40, SF = 0x80, DF = 0x400;
const PF_VEC = 14;
const bytes = (n: number, f: (i: number) => number) => Uint8Array.from({ length: n }, (_, i) => f(i) & 0xff);
const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const hex = (a: ArrayLike<number>) => Array.from(a, (x) => x.toString(16).padStart(2, '0')).join('');

for (const engine of TEST_ENGINES) {
  const run = (code: string, o: Partial<SnippetOptions> = {}) => {
    const r = runSnippet({ engine, code: hexBytes(code, 'f4'), ...o });
    expect(r.stop, r.exception ? `${r.exception.name} at ${r.exception.eip.toString(16)}` : r.stop).to.equal('hlt');
    return r;
  };

  describe(`string instructions [${engine}]`, () => {
    describe('single', () => {
      it('MOVSB/W/D forward and backward', () => {
        const memory = [{ addr: 0x2000, bytes: bytes(16, (i) => 0x10 + i) }];
        let r = run('a4 66a5 a5', { regs: { esi: 0x2000, edi: 0x3000 }, memory }); // movsb; movsw; movsd
        expect(hex(r.readMemory(0x3000, 8))).to.equal('10111213141516' + '00');
        expect([r.regs.esi, r.regs.edi]).to.deep.equal([0x2007, 0x3007]);
        r = run('a5 66a5 a4', { regs: { esi: 0x2008, edi: 0x3008 }, eflags: DF, memory });
        // movsd 2008->3008, then movsw 2004->3004, then movsb 2002->3002
        expect(hex(r.readMemory(0x3000, 12))).to.equal('0000' + '12' + '00' + '1415' + '0000' + '18191a1b');
        expect([r.regs.esi, r.regs.edi]).to.deep.equal([0x2001, 0x3001]);
      });
      it('STOS and LODS', () => {
        let r = run('aa 66ab ab', { regs: { eax: 0x44332211, edi: 0x3000 } });
        expect(hex(r.readMemory(0x3000, 8))).to.equal('11' + '1122' + '11223344' + '00');
        expect(r.regs.edi).to.equal(0x3007);
        r = run('ac', { regs: { eax: 0xffffffff, esi: 0x2000 }, memory: [{ addr: 0x2000, bytes: hexBytes('8899aabb') }] });
        expect([r.regs.eax, r.regs.esi]).to.deep.equal([0xffffff88, 0x2001]);
        r = run('66ad', { regs: { eax: 0xffffffff, esi: 0x2000 }, memory: [{ addr: 0x2000, bytes: hexBytes('8899aabb') }] });
        expect([r.regs.eax, r.regs.esi]).to.deep.equal([0xffff9988, 0x2002]);
        r = run('ad', { regs: { esi: 0x2004 }, eflags: DF, memory: [{ addr: 0x2004, bytes: hexBytes('8899aabb') }] });
        expect([r.regs.eax, r.regs.esi]).to.deep.equal([0xbbaa9988, 0x2000]);
      });
      it('CMPS and SCAS set flags as CMP (source - destination, accumulator - destination)', () => {
        const memory = [{ addr: 0x2000, bytes: hexBytes('05 0005 00000080') }, { addr: 0x3000, bytes: hexBytes('07 0005 00000080') }];
        let r = run('a6', { regs: { esi: 0x2000, edi: 0x3000 }, memory }); // cmpsb: 5 - 7
        expect(r.eflags & (CF | ZF | SF)).to.equal(CF | SF);
        expect([r.regs.esi, r.regs.edi]).to.deep.equal([0x2001, 0x3001]);
        r = run('66a7', { regs: { esi: 0x2001, edi: 0x3001 }, memory }); // cmpsw: equal
        expect(r.eflags & (CF | ZF | SF)).to.equal(ZF);
        r = run('ae', { regs: { eax: 0x108, edi: 0x3000 }, memory }); // scasb: 8 - 7
        expect(r.eflags & (CF | ZF | SF)).to.equal(0);
        expect(r.regs.edi).to.equal(0x3001);
        r = run('af', { regs: { eax: 0x80000000, edi: 0x3003 }, eflags: DF, memory }); // scasd, equal, going down
        expect(r.eflags & ZF).to.equal(ZF);
        expect(r.regs.edi).to.equal(0x2fff);
      });
    });

    describe('REP MOVS / STOS / LODS', () => {
      it('REP MOVSD / MOVSB copy, far past REP_CAP iterations', () => {
        const n = 10000;
        const src = bytes(n * 4, (i) => i * 7 + (i >> 8));
        let r = run('f3a5', { regs: { ecx: n, esi: 0x20000, edi: 0x40000 }, memory: [{ addr: 0x20000, bytes: src }] });
        expect(hex(r.readMemory(0x40000, n * 4)) === hex(src)).to.equal(true);
        expect([r.regs.ecx, r.regs.esi, r.regs.edi]).to.deep.equal([0, 0x20000 + n * 4, 0x40000 + n * 4]);
        expect(r.eip).to.equal(0x1003);
        // unaligned, crossing pages
        r = run('f3a4', { regs: { ecx: 9001, esi: 0x20003, edi: 0x40ffe }, memory: [{ addr: 0x20000, bytes: src }] });
        expect(hex(r.readMemory(0x40ffe, 9001)) === hex(src.subarray(3, 9004))).to.equal(true);
        expect(hex(r.readMemory(0x40ffe + 9001, 4))).to.equal('00000000');
        expect(r.regs.ecx).to.equal(0);
      });
      it('one handler call runs at most REP_CAP iterations and resumes at the instruction', () => {
        const r = runSnippet({ engine, code: hexBytes('90 f3aa f4'), regs: { ecx: 10000, edi: 0x20000, eax: 0x5a }, maxInstructions: 3 });
        expect(r.stop).to.equal('limit');
        expect(r.eip).to.equal(0x1001);
        expect(r.regs.ecx).to.equal(10000 - 2 * REP_CAP);
        expect(r.regs.edi).to.equal(0x20000 + 2 * REP_CAP);
        expect(hex(r.readMemory(0x20000 + 2 * REP_CAP - 1, 2))).to.equal('5a00');
      });
      it('REP STOSB/W/D fill, unaligned and across pages; ECX = 0 does nothing', () => {
        let r = run('f3aa', { regs: { eax: 0xa5, ecx: 5000, edi: 0x20ffb } });
        expect(r.readMemory(0x20ffb, 5000).every((b) => b === 0xa5)).to.equal(true);
        expect(hex(r.readMemory(0x20ffa, 1)) + hex(r.readMemory(0x20ffb + 5000, 1))).to.equal('0000');
        r = run('f3ab', { regs: { eax: 0x44332211, ecx: 2000, edi: 0x20ffe } });
        const got = r.readMemory(0x20ffe, 8000);
        expect(got.every((b, i) => b === [0x11, 0x22, 0x33, 0x44][i & 3])).to.equal(true);
        expect([r.regs.ecx, r.regs.edi]).to.deep.equal([0, 0x20ffe + 8000]);
        r = run('f366ab', { regs: { eax: 0xbeef, ecx: 3, edi: 0x20fff } });
        expect(hex(r.readMemory(0x20fff, 7))).to.equal('efbeefbeefbe00');
        r = run('f3ab', { regs: { eax: 1, ecx: 0, edi: 0x2000 }, eflags: CF });
        expect([r.regs.ecx, r.regs.edi, r.eflags & CF]).to.deep.equal([0, 0x2000, CF]);
        expect(hex(r.readMemory(0x2000, 4))).to.equal('00000000');
      });
      it('REP with DF=1 goes down', () => {
        let r = run('f3a4', { regs: { ecx: 4, esi: 0x2003, edi: 0x3003 }, eflags: DF, memory: [{ addr: 0x2000, bytes: hexBytes('01020304') }] });
        expect(hex(r.readMemory(0x3000, 4))).to.equal('01020304');
        expect([r.regs.ecx, r.regs.esi, r.regs.edi]).to.deep.equal([0, 0x1fff, 0x2fff]);
        r = run('f3ab', { regs: { eax: 0x01020304, ecx: 3, edi: 0x3008 }, eflags: DF });
        expect(hex(r.readMemory(0x3000, 12))).to.equal('040302010403020104030201');
        expect(r.regs.edi).to.equal(0x2ffc);
      });
      it('overlapping copies behave element by element (host CPU results)', () => {
        const init = { addr: 0x2000, bytes: bytes(32, (i) => i) };
        const cases: [string, number, number, number, string][] = [
          // code, delta, count, DF, expected bytes 0..19 (or 0..31 for DF)
          ['f3a4', 1, 8, 0, '000000000000000000090a'],
          ['f3a5', 1, 4, 0, '00000102030305060707090a0b0b0d0e0f111213'],
          ['f366a5', 1, 5, 0, '00000101030305050707090b0c0d0e0f10111213'],
          ['f3a5', 2, 4, 0, '0001000102030203060706070a0b0a0b0e0f1213'],
          ['f366a5', 2, 5, 0, '0001000100010001000100010c0d0e0f10111213'],
          ['f3a5', 3, 4, 0, '00010200010203010203070203070b03070b0f13'],
          ['f366a5', 3, 5, 0, '000102000102000102000102000d0e0f10111213'],
        ];
        for (const [code, delta, count, , want] of cases) {
          const r = run(code, { regs: { ecx: count, esi: 0x2000, edi: 0x2000 + delta }, memory: [init] });
          expect(hex(r.readMemory(0x2000, want.length / 2)), `${code} delta ${delta}`).to.equal(want);
        }
        // Going down (DF=1), rep movsd from 0x2010 to 0x2010+delta, 4 elements
        const down: [number, string][] = [
          [1, '00010203040405060708090a0b0c0d0e0f1011121315161718191a1b1c1d1e1f'],
          [2, '0001020304050405060708090a0b0c0d0e0f10111213161718191a1b1c1d1e1f'],
          [3, '000102030405060405060708090a0b0c0d0e0f101112131718191a1b1c1d1e1f'],
        ];
        for (const [delta, want] of down) {
          const r = run('f3a5', { regs: { ecx: 4, esi: 0x2010, edi: 0x2010 + delta }, eflags: DF, memory: [init] });
          expect(hex(r.readMemory(0x2000, 32)), `down delta ${delta}`).to.equal(want);
          expect([r.regs.esi, r.regs.edi]).to.deep.equal([0x2000, 0x2000 + delta]);
        }
      });
      it('REPNE (F2) on MOVS repeats like REP (host CPU)', () => {
        const r = run('f2a4', { regs: { ecx: 3, esi: 0x2000, edi: 0x3000 }, eflags: ZF, memory: [{ addr: 0x2000, bytes: ascii('abcdefg') }] });
        expect(hex(r.readMemory(0x3000, 4))).to.equal('61626300');
        expect(r.regs.ecx).to.equal(0);
      });
      it('REP LODS leaves the last element in the accumulator', () => {
        let r = run('f3ac', { regs: { eax: 0x11223344, ecx: 3, esi: 0x2000 }, memory: [{ addr: 0x2000, bytes: hexBytes('aabbccdd') }] });
        expect([r.regs.eax, r.regs.ecx, r.regs.esi]).to.deep.equal([0x112233cc, 0, 0x2003]);
        r = run('f3ad', { regs: { ecx: 2, esi: 0x2004 }, eflags: DF, memory: [{ addr: 0x2000, bytes: hexBytes('0100000002000000') }] });
        expect([r.regs.eax, r.regs.esi]).to.deep.equal([1, 0x1ffc]);
      });
    });

    describe('REP runs inside one page (the JIT\'s fast path: memory.fill/copy or an element loop)', () => {
      /** Forward element-by-element copy of `count` n-byte elements, the CPU's order (a model of the expected memory). */
      const forwardCopy = (mem: Uint8Array, src: number, dst: number, count: number, n: number): Uint8Array => {
        const m = Uint8Array.from(mem);
        for (let i = 0; i < count; i++) { const e = m.slice(src + i * n, src + i * n + n); m.set(e, dst + i * n); }
        return m;
      };
      // A snippet starts with an empty TLB: `mov [edi], al` (8807) / `mov bl, [esi]; mov bl, [edi]; mov [edi], bl` (8a1e8a1f881f)
      // fill it first, so the REP's pages hit (STOS writes that byte again; MOVS's destination byte is written back unchanged).
      it('REP STOSD/STOSW of a non-repeating value, and of a byte-splat value, inside a page', () => {
        let r = run('8807 f3ab', { regs: { eax: 0x44332211, ecx: 16, edi: 0x3004 } });
        expect(hex(r.readMemory(0x3000, 72))).to.equal('00000000' + '11223344'.repeat(16) + '00000000');
        expect([r.regs.ecx, r.regs.edi, r.eip]).to.deep.equal([0, 0x3044, 0x1005]); // stopped after the HLT
        r = run('8807 f366ab', { regs: { eax: 0x12344141, ecx: 7, edi: 0x3001 } });
        expect(hex(r.readMemory(0x3000, 16))).to.equal('00' + '4141'.repeat(7) + '00');
        expect([r.regs.eax, r.regs.ecx, r.regs.edi]).to.deep.equal([0x12344141, 0, 0x300f]);
        r = run('8807 f3ab', { regs: { eax: 0, ecx: 1024, edi: 0x5000 }, memory: [{ addr: 0x4fff, bytes: bytes(4098, () => 0xee) }] });
        expect(hex(r.readMemory(0x4fff, 1)) + hex(r.readMemory(0x6000, 1))).to.equal('eeee');
        expect(r.readMemory(0x5000, 4096).every((b) => b === 0)).to.equal(true);
      });
      it('REP MOVS inside a page: disjoint, overlapping with the destination below, ahead by less than an element', () => {
        const init = bytes(64, (i) => 0x40 + i * 3);
        const mem = new Uint8Array(0x3000);
        mem.set(init, 0x2000);
        const cases: [string, number, number, number, number][] = [
          // code, esi, edi, count, element size
          ['f3a5', 0x2000, 0x2800, 16, 4],
          ['f3a5', 0x2008, 0x2004, 10, 4], // destination below, overlapping: memmove gives the same
          ['f3a5', 0x2000, 0x2002, 10, 4], // ahead by half an element
          ['f366a5', 0x2000, 0x2001, 12, 2],
          ['f3a4', 0x2000, 0x2003, 40, 1], // the pattern repeats
        ];
        for (const [code, esi, edi, count, n] of cases) {
          const r = run('8a1e8a1f881f' + code, { regs: { ecx: count, esi, edi }, memory: [{ addr: 0x2000, bytes: init }] });
          const want = forwardCopy(mem, esi, edi, count, n);
          const lo = Math.min(esi, edi), hi = Math.max(esi, edi) + count * n + 4;
          expect(hex(r.readMemory(lo, hi - lo)), `${code} ${esi.toString(16)} -> ${edi.toString(16)}`).to.equal(hex(want.subarray(lo, hi)));
          expect([r.regs.ecx, r.regs.esi, r.regs.edi]).to.deep.equal([0, esi + count * n, edi + count * n]);
        }
      });
      it('REP_CAP elements fill one page exactly; the next execution does the rest (instruction counts equal)', () => {
        const r = runSnippet({ engine, code: hexBytes('8807 f3aa f4'), regs: { ecx: REP_CAP + 3, edi: 0x20000, eax: 0x77 }, maxInstructions: 2 });
        expect(r.stop).to.equal('limit');
        expect([r.eip, r.regs.ecx, r.regs.edi]).to.deep.equal([0x1002, 3, 0x20000 + REP_CAP]);
        expect(hex(r.readMemory(0x20000 + REP_CAP - 1, 2))).to.equal('7700');
        const r2 = runSnippet({ engine, code: hexBytes('8807 f3aa f4'), regs: { ecx: REP_CAP + 3, edi: 0x20000, eax: 0x77 }, maxInstructions: 3 });
        expect([r2.eip, r2.regs.ecx, r2.regs.edi]).to.deep.equal([0x1004, 0, 0x20000 + REP_CAP + 3]);
      });
      it('a run inside one missing page faults at its first element with nothing done', () => {
        const r = runSnippet({
          engine, code: withPaging(hexBytes('f3a5 f4')), regs: { ecx: 8, esi: 0x20000, edi: 0x30010 },
          memory: [...pageTables({ notPresent: [0x30000] }), { addr: 0x20000, bytes: bytes(32, (i) => i + 1) }],
        });
        expect(r.exception).to.deep.include({ vector: PF_VEC, eip: 0x1000 + PAGING_PREFIX_LEN, errorCode: 2 });
        expect([r.regs.ecx, r.regs.esi, r.regs.edi]).to.deep.equal([8, 0x20000, 0x30010]);
      });
      it('a 32-bit-address run past the ES limit in real mode: #GP at the element that leaves it', () => {
        // a32 rep stosb, ES base 0x6000 limit 0xffff, EDI = 0xfffe, 4 bytes: 2 written, then #GP(0)
        const r = runSnippet({ engine, mode: 'real', code: hexBytes('b800068ec0 b055 f367aa f4'), regs: { ecx: 4, edi: 0xfffe } });
        expect(r.stop).to.equal('exception');
        expect(r.exception).to.deep.include({ vector: 13 });
        expect([r.regs.ecx, r.regs.edi]).to.deep.equal([2, 0x10000]);
        expect(hex(r.readMemory(0x6000 + 0xfffe, 3))).to.equal('555500');
      });
    });

    describe('REP going down (DF=1) a page at a time (the handler\'s fast path)', () => {
      /** Element-by-element copy from the top down, the CPU's order with DF=1 (a model of the expected memory). */
      const backwardCopy = (mem: Uint8Array, src: number, dst: number, count: number, n: number): Uint8Array => {
        const m = Uint8Array.from(mem);
        for (let i = 0; i < count; i++) { const e = m.slice(src - i * n, src - i * n + n); m.set(e, dst - i * n); }
        return m;
      };
      it('REP MOVS down: disjoint, destination above (the kernel stub\'s move), destination below by less than an element', () => {
        const init = bytes(0x80, (i) => 0x40 + i * 3);
        const mem = new Uint8Array(0x3000);
        mem.set(init, 0x2000);
        const cases: [string, number, number, number, number][] = [
          // code, esi, edi, count, element size (esi/edi: the first, highest element)
          ['f3a5', 0x2040, 0x2840, 16, 4],
          ['f3a5', 0x2040, 0x2044, 14, 4], // destination one element above, overlapping: memmove gives the same
          ['f3a5', 0x2040, 0x2042, 12, 4], // above by half an element
          ['f3a5', 0x2040, 0x203f, 12, 4], // below by one byte: element by element differs from memmove
          ['f366a5', 0x2040, 0x203f, 12, 2],
          ['f3a4', 0x2040, 0x203d, 40, 1], // the pattern repeats
        ];
        for (const [code, esi, edi, count, n] of cases) {
          const r = run('8a1e8a1f881f' + code, { regs: { ecx: count, esi, edi }, eflags: DF, memory: [{ addr: 0x2000, bytes: init }] });
          const want = backwardCopy(mem, esi, edi, count, n);
          const lo = Math.min(esi, edi) - count * n - 4, hi = Math.max(esi, edi) + n + 4;
          expect(hex(r.readMemory(lo, hi - lo)), `${code} ${esi.toString(16)} -> ${edi.toString(16)}`).to.equal(hex(want.subarray(lo, hi)));
          expect([r.regs.ecx, r.regs.esi, r.regs.edi]).to.deep.equal([0, esi - count * n, edi - count * n]);
        }
      });
      it('REP MOVSD down across page boundaries, an element straddling one', () => {
        const init = bytes(0x40, (i) => 0x80 + i);
        const mem = new Uint8Array(0x6000);
        mem.set(init, 0x2fe0);
        const r = run('8a1e8a1f881f f3a5', { regs: { ecx: 12, esi: 0x3002, edi: 0x5009 }, eflags: DF, memory: [{ addr: 0x2fe0, bytes: init }] });
        const want = backwardCopy(mem, 0x3002, 0x5009, 12, 4);
        expect(hex(r.readMemory(0x4fd0, 0x40))).to.equal(hex(want.subarray(0x4fd0, 0x5010)));
        expect([r.regs.ecx, r.regs.esi, r.regs.edi]).to.deep.equal([0, 0x3002 - 48, 0x5009 - 48]);
      });
      it('REP MOVSD down from a page into a page mapped elsewhere (paging), an element straddling them', () => {
        // Linear 0x30000 -> physical 0x50000, 0x2f000 -> 0x70000: each page's run is copied from its own host page.
        const lin = (a: number): number => (a * 7 + 3) & 0xff;
        const mem = new Uint8Array(0x50000);
        for (let a = 0x2ffd0; a < 0x30010; a++) mem[a] = lin(a);
        const r = runSnippet({
          // mov bl,[esi] ; mov bl,[esi-0x10] ; mov bl,[edi] ; mov [edi],bl: both source pages and the destination in the TLB.
          engine, code: withPaging(hexBytes('8a1e 8a5ef0 8a1f881f f3a5 f4')), regs: { ecx: 12, esi: 0x30002, edi: 0x41009 }, eflags: DF,
          memory: [...remappedTables(0x10000, 0x11000, { 0x30000: 0x50000, 0x2f000: 0x70000 }),
            { addr: 0x70fd0, bytes: bytes(0x30, (i) => lin(0x2ffd0 + i)) }, { addr: 0x50000, bytes: bytes(0x10, (i) => lin(0x30000 + i)) }],
        });
        expect(r.stop).to.equal('hlt');
        const want = backwardCopy(mem, 0x30002, 0x41009, 12, 4);
        expect(hex(r.readMemory(0x40fd0, 0x40))).to.equal(hex(want.subarray(0x40fd0, 0x41010)));
        expect([r.regs.ecx, r.regs.esi, r.regs.edi]).to.deep.equal([0, 0x30002 - 48, 0x41009 - 48]);
      });
      it('REP STOSD/STOSW/STOSB down inside a page', () => {
        let r = run('8807 f3ab', { regs: { eax: 0x44332211, ecx: 16, edi: 0x3040 }, eflags: DF });
        expect(hex(r.readMemory(0x3000, 72))).to.equal('00000000' + '11223344'.repeat(16) + '00000000');
        expect([r.regs.ecx, r.regs.edi]).to.deep.equal([0, 0x3000]);
        r = run('8807 f366ab', { regs: { eax: 0x12345678, ecx: 7, edi: 0x300d }, eflags: DF });
        expect(hex(r.readMemory(0x3000, 16))).to.equal('00' + '7856'.repeat(7) + '00');
        expect(r.regs.edi).to.equal(0x2fff);
        r = run('8807 f3aa', { regs: { eax: 0x99, ecx: 0x1000, edi: 0x5fff }, memory: [{ addr: 0x4fff, bytes: bytes(0x1002, () => 0xee) }], eflags: DF });
        expect(hex(r.readMemory(0x4fff, 1)) + hex(r.readMemory(0x6000, 1))).to.equal('eeee');
        expect(r.readMemory(0x5000, 0x1000).every((b) => b === 0x99)).to.equal(true);
      });
      it('real mode: DI wraps below 0 (16-bit addressing), EDI leaves the ES limit (#GP at that element)', () => {
        // ES = 0x680 (base 0x6800, inside a page): rep stosb going down from DI = 1, 4 bytes: DI 1, 0, 0xffff, 0xfffe.
        let r = runSnippet({ engine, mode: 'real', code: hexBytes('b880068ec0 b055 fd f3aa f4'), regs: { ecx: 4, edi: 1 } });
        expect(r.stop).to.equal('hlt');
        expect([r.regs.ecx & 0xffff, r.regs.edi & 0xffff]).to.deep.equal([0, 0xfffd]);
        expect(hex(r.readMemory(0x67ff, 4)) + hex(r.readMemory(0x167fe, 2))).to.equal('00555500' + '5555');
        // a32 rep stosb from EDI = 1 down: 1, 0, then 0xffffffff is past the 64 KiB limit: #GP with 2 written.
        r = runSnippet({ engine, mode: 'real', code: hexBytes('b880068ec0 b055 fd f367aa f4'), regs: { ecx: 4, edi: 1 } });
        expect(r.stop).to.equal('exception');
        expect(r.exception).to.deep.include({ vector: 13 });
        expect([r.regs.ecx, r.regs.edi]).to.deep.equal([2, 0xffffffff]);
        expect(hex(r.readMemory(0x67ff, 4))).to.equal('00555500');
      });
      it('REP STOSB down over already-decoded code (the fast path must invalidate)', () => {
        //     mov ebx,2 ; top: rep stosb ; patch: inc esi ; nop
        //     mov ecx,2 ; mov al,42 ; mov edi,patch+1 ; dec ebx ; jnz top ; hlt
        // The second pass writes 42 42 (inc edx twice) over the decoded `inc esi ; nop`, from the top down.
        const r = runSnippet({ engine, code: hexBytes('bb02000000f3aa4690b902000000b042bf081000004b75edf4'), eflags: DF });
        expect(r.stop).to.equal('hlt');
        expect([r.regs.esi, r.regs.edx]).to.deep.equal([1, 2]);
      });
    });

    describe('REPE / REPNE CMPS / SCAS', () => {
      const memory = [{ addr: 0x2000, bytes: ascii('hello world\0') }, { addr: 0x3000, bytes: ascii('hello_world\0') }];
      it('REPE CMPSB stops after the first difference', () => {
        const r = run('f3a6', { regs: { ecx: 11, esi: 0x2000, edi: 0x3000 }, memory });
        expect([r.regs.ecx, r.regs.esi, r.regs.edi]).to.deep.equal([5, 0x2006, 0x3006]);
        expect(r.eflags & (ZF | CF)).to.equal(CF); // ' ' - '_'
        expect(r.eip).to.equal(0x1003);
      });
      it('REPE CMPSB runs out of ECX on equal strings', () => {
        const r = run('f3a6', { regs: { ecx: 5, esi: 0x2000, edi: 0x3000 }, memory });
        expect([r.regs.ecx, r.regs.esi, r.regs.edi]).to.deep.equal([0, 0x2005, 0x3005]);
        expect(r.eflags & ZF).to.equal(ZF);
      });
      it('REPNE CMPSB stops at the first equal element', () => {
        const m = [{ addr: 0x2000, bytes: ascii('abcd') }, { addr: 0x3000, bytes: ascii('xycd') }];
        const r = run('f2a6', { regs: { ecx: 4, esi: 0x2000, edi: 0x3000 }, memory: m });
        expect([r.regs.ecx, r.regs.esi]).to.deep.equal([1, 0x2003]);
        expect(r.eflags & ZF).to.equal(ZF);
      });
      it('REPNE SCASB: strlen', () => {
        const r = run('f2ae', { regs: { eax: 0, ecx: 0xffffffff, edi: 0x2000 }, memory });
        expect(r.regs.edi).to.equal(0x2000 + 12);
        expect((~r.regs.ecx >>> 0) - 1).to.equal(11);
        expect(r.eflags & ZF).to.equal(ZF);
      });
      it('REPE SCASW / REPNE SCASD, DF=1, and ECX = 0 leaves the flags alone', () => {
        const m = [{ addr: 0x2000, bytes: hexBytes('3412 3412 3412 9999') }];
        let r = run('f366af', { regs: { eax: 0x1234, ecx: 10, edi: 0x2000 }, memory: m });
        expect([r.regs.ecx, r.regs.edi]).to.deep.equal([6, 0x2008]);
        expect(r.eflags & ZF).to.equal(0);
        r = run('f2af', { regs: { eax: 0x12341234, ecx: 10, edi: 0x2004 }, eflags: DF, memory: m });
        expect([r.regs.ecx, r.regs.edi]).to.deep.equal([8, 0x1ffc]);
        expect(r.eflags & ZF).to.equal(ZF);
        r = run('f3a6', { regs: { ecx: 0, esi: 0x2000, edi: 0x3000 }, eflags: CF | SF, memory });
        expect(r.eflags & (CF | SF | ZF)).to.equal(CF | SF);
        expect([r.regs.esi, r.regs.edi]).to.deep.equal([0x2000, 0x3000]);
      });
    });

    describe('address size and segments', () => {
      // real mode: mov ax,0x400; mov ds,ax; mov ax,0x500; mov fs,ax; mov ax,0x600; mov es,ax
      const SEGS = 'b800048ed8b800058ee0b800068ec0';
      it('real mode uses CX/SI/DI and keeps their upper halves; DS:SI -> ES:DI', () => {
        const r = run(SEGS + 'f3a5', {
          mode: 'real', regs: { ecx: 0xabcd0003, esi: 0x11110010, edi: 0x22220020 },
          memory: [{ addr: 0x4010, bytes: hexBytes('a1a2a3a4a5a6') }],
        });
        expect(hex(r.readMemory(0x6020, 8))).to.equal('a1a2a3a4a5a60000');
        expect([r.regs.ecx, r.regs.esi, r.regs.edi]).to.deep.equal([0xabcd0000, 0x11110016, 0x22220026]);
      });
      it('16-bit SI/DI wrap at 64 KiB', () => {
        // rep movsw with SI = 0xfffe: the second word comes from DS:0000
        const r = run(SEGS + 'f3a5', {
          mode: 'real', regs: { ecx: 2, esi: 0xfffe, edi: 0x0100 },
          memory: [{ addr: 0x4000 + 0xfffe, bytes: hexBytes('1122') }, { addr: 0x4000, bytes: hexBytes('3344') }],
        });
        expect(hex(r.readMemory(0x6100, 4))).to.equal('11223344');
        expect([r.regs.esi, r.regs.edi]).to.deep.equal([2, 0x104]);
      });
      it('a segment override applies to the source only; the destination is always ES', () => {
        // fs rep movsb: FS:SI -> ES:DI
        let r = run(SEGS + 'f364a4', {
          mode: 'real', regs: { ecx: 2, esi: 0x10, edi: 0x20 },
          memory: [{ addr: 0x4010, bytes: hexBytes('dddd') }, { addr: 0x5010, bytes: hexBytes('f1f2') }],
        });
        expect(hex(r.readMemory(0x6020, 2))).to.equal('f1f2');
        // ds stosb: still ES:DI
        r = run(SEGS + 'b077 3eaa', { mode: 'real', regs: { edi: 0x40 } }); // mov al,0x77 ; ds stosb
        expect(hex(r.readMemory(0x6040, 1))).to.equal('77');
        expect(hex(r.readMemory(0x4040, 1))).to.equal('00');
      });
      it('0x67 selects the other address size (ECX in real mode, CX in 32-bit code)', () => {
        // a32 rep movsb in real mode: ECX/ESI/EDI (DS base 0x4000, ES base 0x6000)
        // (ECX = 0x10000: a 16-bit count would be 0; offsets stay within the 64 KiB limit)
        let r = run(SEGS + 'f367a4', { mode: 'real', regs: { ecx: 0x10000, esi: 0, edi: 0 }, memory: [{ addr: 0x4000, bytes: hexBytes('5a') }] });
        expect(r.regs.ecx).to.equal(0);
        expect([r.regs.esi, r.regs.edi]).to.deep.equal([0x10000, 0x10000]);
        expect(hex(r.readMemory(0x6000, 1))).to.equal('5a');
        // a16 rep movsb in 32-bit code: only CX counts, SI/DI
        r = run('f367a4', { regs: { ecx: 0x10002, esi: 0x12342000, edi: 0x56783000 }, memory: [{ addr: 0x2000, bytes: hexBytes('0102') }] });
        expect([r.regs.ecx, r.regs.esi, r.regs.edi]).to.deep.equal([0x10000, 0x12342002, 0x56783002]);
        expect(hex(r.readMemory(0x3000, 3))).to.equal('010200');
      });
    });

    describe('faults and self-modifying code', () => {
      const at = 0x1000 + PAGING_PREFIX_LEN;
      it('a page fault in the middle of REP MOVSB leaves the registers of the last completed iteration', () => {
        const src = bytes(32, (i) => 0x80 + i);
        const r = runSnippet({
          engine, code: withPaging(hexBytes('f3a4 f4')), regs: { ecx: 32, esi: 0x20000, edi: 0x2fff0 },
          memory: [...pageTables({ notPresent: [0x30000] }), { addr: 0x20000, bytes: src }],
        });
        expect(r.stop).to.equal('exception');
        expect(r.exception).to.deep.include({ vector: PF_VEC, eip: at, errorCode: 2 });
        expect([r.regs.ecx, r.regs.esi, r.regs.edi]).to.deep.equal([16, 0x20010, 0x30000]);
        expect(hex(r.readMemory(0x2fff0, 16))).to.equal(hex(src.subarray(0, 16)));
      });
      it('an element straddling into a missing page faults before any part of it is written', () => {
        const r = runSnippet({
          engine, code: withPaging(hexBytes('f3ab f4')), regs: { eax: 0xffffffff, ecx: 4, edi: 0x2fff6 },
          memory: pageTables({ notPresent: [0x30000] }),
        });
        expect(r.exception).to.deep.include({ vector: PF_VEC, eip: at });
        expect([r.regs.ecx, r.regs.edi]).to.deep.equal([2, 0x2fffe]);
        expect(hex(r.readMemory(0x2fff6, 10))).to.equal('ffffffffffffffff0000');
      });
      it('faults going down, on a read-only page, and on a source read', () => {
        // std rep stosb from 0x31003 down into the missing page 0x30000
        let r = runSnippet({
          engine, code: withPaging(hexBytes('f3aa f4')), regs: { eax: 0x33, ecx: 10, edi: 0x31003 }, eflags: DF,
          memory: pageTables({ notPresent: [0x30000] }),
        });
        expect(r.exception).to.deep.include({ vector: PF_VEC, eip: at, errorCode: 2 });
        expect([r.regs.ecx, r.regs.edi]).to.deep.equal([6, 0x30fff]);
        // rep stosd into a read-only page: the TLB fast path must not bypass the check
        r = runSnippet({
          engine, code: withPaging(hexBytes('f3ab f4')), regs: { eax: 0x33, ecx: 1000, edi: 0x2ff00 },
          memory: pageTables({ readOnly: [0x30000] }),
        });
        expect(r.exception).to.deep.include({ vector: PF_VEC, eip: at, errorCode: 3 });
        expect([r.regs.ecx, r.regs.edi]).to.deep.equal([1000 - 64, 0x30000]);
        // rep lodsd reading into the missing page
        r = runSnippet({
          engine, code: withPaging(hexBytes('f3ad f4')), regs: { ecx: 100, esi: 0x2fff8 },
          memory: [...pageTables({ notPresent: [0x30000] }), { addr: 0x2fff8, bytes: hexBytes('0100000002000000') }],
        });
        expect(r.exception).to.deep.include({ vector: PF_VEC, eip: at, errorCode: 0 });
        expect([r.regs.eax, r.regs.ecx, r.regs.esi]).to.deep.equal([2, 98, 0x30000]);
      });
      it('REP MOVSB over already-decoded code: the new bytes run', () => {
        //     mov ebx,2
        // top: rep movsb            ; first pass ECX=0
        // patch: inc eax ; nop      ; second pass: 40 -> 42 (inc edx)
        //     mov ecx,1 ; mov esi,src ; mov edi,patch ; dec ebx ; jnz top ; hlt
        // src: db 42
        const r = runSnippet({ engine, code: hexBytes('bb02000000f3a44090b901000000be1c100000bf071000004b75eaf442') });
        expect(r.stop).to.equal('hlt');
        expect([r.regs.eax, r.regs.edx]).to.deep.equal([1, 1]);
      });
      it('REP STOSB over already-decoded code (fast path must invalidate)', () => {
        //     mov ebx,2 ; top: rep stosb ; patch: inc esi ; nop
        //     mov ecx,1 ; mov al,42 ; mov edi,patch ; dec ebx ; jnz top ; hlt
        const r = runSnippet({ engine, code: hexBytes('bb02000000f3aa4690b901000000b042bf071000004b75edf4') });
        expect(r.stop).to.equal('hlt');
        expect([r.regs.esi, r.regs.edx]).to.deep.equal([1, 1]);
      });
      it('REP STOSD wiping decoded code in bulk, then running it', () => {
        // jmp over the target once (it is decoded), then fill the target with NOPs + HLT via rep stosd
        // 0x1000: call 0x1100 ; mov edi,0x1100 ; mov ecx,0x40 ; mov eax,0x90909090 ; rep stosd ;
        //         mov byte [0x11ff],0xc3 ; call 0x1100 ; hlt
        // 0x1100: inc edx ; ret
        const code = new Uint8Array(0x200);
        code.set(hexBytes('e8fb000000 bf00110000 b940000000 b890909090 f3ab c605ff110000c3 e8de000000 f4'));
        code.set(hexBytes('42c3'), 0x100);
        const r = runSnippet({ engine, code });
        expect(r.stop).to.equal('hlt');
        expect(r.regs.edx).to.equal(1);
        expect(r.eip).to.equal(0x1023);
      });
    });
  });
}
