/**
 * x87 unit tests: the kernel's FPU probe, power-on and FNINIT state, stack
 * faults, #NM / #MF / FERR#, FNSAVE/FRSTOR and FXSAVE/FXRSTOR, 80-bit loads
 * and stores of special values, integer conversions under every rounding
 * mode. The machine code is given as hex with its assembly (nasm syntax) in
 * the comment; memory operands use absolute addresses around 0x20000.
 */
import { expect } from 'chai';
import { runSnippet, type EngineName, type SnippetResult } from '../../src/snippet.js';
import { Machine } from '../../src/machine.js';
import { CS } from '../../runtime/state/layout.js';
import { fpuOf } from '../../runtime/fpu/state.js';
import { TEST_ENGINES } from '../helpers/engines.js';
import { hexBytes } from '../helpers/asm.js';

const M = 0x20000;
type Mem = { addr: number; bytes: Uint8Array }[];

function run(engine: EngineName, code: string, memory: Mem = [], mode: 'real' | 'protected32' = 'protected32'): SnippetResult {
  return runSnippet({ engine, code: hexBytes(code), memory, mode, maxInstructions: 10_000 });
}
const u16 = (v: number): Uint8Array => Uint8Array.of(v & 0xff, (v >> 8) & 0xff);
const f64b = (v: number): Uint8Array => new Uint8Array(Float64Array.of(v).buffer);
const f32b = (bits: number): Uint8Array => new Uint8Array(Uint32Array.of(bits).buffer);
const i64b = (v: bigint): Uint8Array => new Uint8Array(BigInt64Array.of(BigInt.asIntN(64, v)).buffer);
/** An 80-bit value from "SEEE MMMMMMMMMMMMMMMM" hex (sign/exponent, mantissa). */
function x80b(h: string): Uint8Array {
  h = h.replace(/[\s_]/g, '');
  const se = parseInt(h.slice(0, 4), 16), m = BigInt('0x' + h.slice(4));
  const b = new Uint8Array(10);
  for (let i = 0; i < 8; i++) b[i] = Number((m >> BigInt(8 * i)) & 0xffn);
  b[8] = se & 0xff; b[9] = se >> 8;
  return b;
}
function x80hex(b: Uint8Array): string {
  let m = 0n;
  for (let i = 7; i >= 0; i--) m = (m << 8n) | BigInt(b[i]!);
  return (b[8]! | (b[9]! << 8)).toString(16).padStart(4, '0') + m.toString(16).padStart(16, '0');
}
const rd16 = (r: SnippetResult, a: number): number => { const b = r.readMemory(a, 2); return b[0]! | (b[1]! << 8); };
const rd32 = (r: SnippetResult, a: number): number => new DataView(r.readMemory(a, 4).slice().buffer).getUint32(0, true);
const rdf64 = (r: SnippetResult, a: number): number => new DataView(r.readMemory(a, 8).slice().buffer).getFloat64(0, true);
const rdbits64 = (r: SnippetResult, a: number): bigint => new DataView(r.readMemory(a, 8).slice().buffer).getBigUint64(0, true);
const rdi64 = (r: SnippetResult, a: number): bigint => new DataView(r.readMemory(a, 8).slice().buffer).getBigInt64(0, true);
const ax = (r: SnippetResult): number => r.regs.eax & 0xffff;

const IE = 0x1, DE = 0x2, ZE = 0x4, PE = 0x20, SF = 0x40, ES = 0x80, C0 = 0x100, C1 = 0x200, C2 = 0x400, C3 = 0x4000, B = 0x8000;
const CW = { RN: 0x037f, RD: 0x077f, RU: 0x0b7f, RZ: 0x0f7f };

for (const engine of TEST_ENGINES) {
  describe(`x87 [${engine}]`, () => {
    describe('initialisation and the kernel FPU probe', () => {
      it('FNINIT; FNSTSW AX gives 0 and FNSTCW gives 0x037F', () => {
        // fninit; fnstsw ax; fnstcw [0x20000]; hlt
        const r = run(engine, 'dbe3 dfe0 d93d00000200 f4');
        expect(r.stop).to.equal('hlt');
        expect(ax(r)).to.equal(0);
        expect(rd16(r, M)).to.equal(0x037f);
      });
      it('has the power-on state after reset: CW 0x0040, SW 0, tags 0x5555', () => {
        // fnstsw ax; fnstcw [0x20000]; fnstenv [0x20010]; hlt
        const r = run(engine, 'dfe0 d93d00000200 d93510000200 f4');
        expect(ax(r)).to.equal(0);
        expect(rd16(r, M)).to.equal(0x0040);
        expect(rd16(r, M + 0x10)).to.equal(0x0040);      // CW in the environment
        expect(rd16(r, M + 0x18)).to.equal(0x5555);      // tag word: eight +0.0 registers
      });
      it('keeps only the control-word bits that exist (bit 6 reads as 1)', () => {
        // fldcw [0x20100]; fnstcw [0x20000]; hlt
        const r = run(engine, 'd92d00010200 d93d00000200 f4', [{ addr: M + 0x100, bytes: u16(0xffff) }]);
        expect(rd16(r, M)).to.equal(0x1f7f);
        const z = run(engine, 'd92d00010200 d93d00000200 f4', [{ addr: M + 0x100, bytes: u16(0) }]);
        expect(rd16(z, M)).to.equal(0x0040);
      });
    });

    it('FISTTP (SSE3) is not on this CPU: #UD', () => {
      // fninit; fld1; fisttp word [0x20000]; hlt
      expect(run(engine, 'dbe3 d9e8 df0d00000200 f4').exception).to.deep.include({ vector: 6, eip: 0x1004 });
    });
    it('a LOCK prefix on an x87 instruction is #UD', () => {
      // fninit; lock fld1; hlt
      expect(run(engine, 'dbe3 f0d9e8 f4').exception).to.deep.include({ vector: 6, eip: 0x1002 });
    });

    describe('stack faults', () => {
      it('a push onto a full stack is IE|SF with C1 = 1 and loads the indefinite', () => {
        // fninit; fld1 x8; fldz; fnstsw ax; fstp qword [0x20000]; hlt
        const r = run(engine, 'dbe3 d9e8d9e8d9e8d9e8d9e8d9e8d9e8d9e8 d9ee dfe0 dd1d00000200 f4');
        expect(ax(r)).to.equal((7 << 11) | C1 | SF | IE);
        expect(rdbits64(r, M)).to.equal(0xfff8000000000000n);
      });
      it('an empty source register is IE|SF with C1 = 0; the masked result is the indefinite', () => {
        // fninit; fadd st0, st1; fnstsw ax; fxam; fnstsw [0x20008]; fstp qword [0x20000]; hlt
        const r = run(engine, 'dbe3 d8c1 dfe0 d9e5 dd3d08000200 dd1d00000200 f4');
        expect(ax(r)).to.equal(SF | IE);
        expect(rd16(r, M + 8) & (C3 | C2 | C1 | C0)).to.equal(C1 | C0); // FXAM: NaN, negative
        expect(rdbits64(r, M)).to.equal(0xfff8000000000000n);
      });
      it('an unmasked stack fault leaves the stack alone and is #MF at the next waiting instruction (CR0.NE = 1)', () => {
        // mov ecx, 0x60000031; mov cr0, ecx; fninit; fldcw [0x20100]; fld1 x8; fldz; fnstsw ax; fld1; hlt
        const code = 'b931000060 0f22c1 dbe3 d92d00010200 d9e8d9e8d9e8d9e8d9e8d9e8d9e8d9e8 d9ee dfe0 d9e8 f4';
        const r = run(engine, code, [{ addr: M + 0x100, bytes: u16(0x037e) }]);
        expect(r.exception?.vector).to.equal(16);
        expect(r.exception?.eip).to.equal(0x1000 + code.replace(/ /g, '').length / 2 - 3);
        expect(ax(r)).to.equal(B | ES | C1 | SF | IE); // TOP 0: the ninth push did not happen
      });
    });

    describe('CR0.EM / CR0.TS / CR0.MP: #NM', () => {
      it('CR0.TS makes an x87 instruction #NM (lazy FPU switching)', () => {
        // mov eax, cr0; or eax, 8 (TS); mov cr0, eax; fld1; hlt
        const r = run(engine, '0f20c0 83c808 0f22c0 d9e8 f4');
        expect(r.exception).to.deep.include({ vector: 7, eip: 0x1009 });
        // ... also the non-waiting FNSTSW
        expect(run(engine, '0f20c0 83c808 0f22c0 dfe0 f4').exception?.vector).to.equal(7);
      });
      it('FWAIT is #NM only with both TS and MP', () => {
        // TS only: fwait runs
        expect(run(engine, '0f20c0 83c808 0f22c0 9b f4').stop).to.equal('hlt');
        // TS | MP: #NM at the fwait
        expect(run(engine, '0f20c0 83c80a 0f22c0 9b f4').exception).to.deep.include({ vector: 7, eip: 0x1009 });
      });
      it('CR0.EM makes x87 instructions (and FXSAVE) #NM but not FWAIT', () => {
        // mov eax, cr0; or eax, 4 (EM); mov cr0, eax; fwait; fninit; hlt
        expect(run(engine, '0f20c0 83c804 0f22c0 9b dbe3 f4').exception).to.deep.include({ vector: 7, eip: 0x100a });
        expect(run(engine, '0f20c0 83c804 0f22c0 0fae0500000200 f4').exception?.vector).to.equal(7);
      });
      it('CLTS re-enables the FPU', () => {
        // mov eax, cr0; or eax, 8; mov cr0, eax; clts; fld1; fnstsw ax; hlt
        const r = run(engine, '0f20c0 83c808 0f22c0 0f06 d9e8 dfe0 f4');
        expect(r.stop).to.equal('hlt');
      });
    });

    describe('unmasked exceptions: #MF and FERR#', () => {
      it('a zero divide with ZE unmasked sets ES and B; the next waiting instruction raises #MF', () => {
        // mov ecx, 0x60000031; mov cr0, ecx; fninit; fldcw [0x20100]; fld1; fldz; fdivp st1, st0; fnstsw ax; fld1; hlt
        const r = run(engine, 'b931000060 0f22c1 dbe3 d92d00010200 d9e8 d9ee def9 dfe0 d9e8 f4', [{ addr: M + 0x100, bytes: u16(0x037b) }]);
        expect(r.exception).to.deep.include({ vector: 16, eip: 0x1018 });
        expect(ax(r) & (B | ES | ZE)).to.equal(B | ES | ZE);
      });
      it('with CR0.NE = 0 the pending exception drives FERR# (onFerr, IRQ 13 on a PC) and FNCLEX releases it', () => {
        const m = new Machine({ memoryMiB: 2 });
        const cpu = m.cpu;
        // real mode at 0000:1000: fninit; fldcw [0x100]; fld1; fldz; fdivp st1, st0; fld1; fnclex; fld1; hlt
        cpu.phys.load(0x1000, hexBytes('dbe3 d92e0001 d9e8 d9ee def9 d9e8 dbe2 d9e8 f4'));
        cpu.phys.load(0x100, u16(0x037b));
        cpu.setSegReal(CS, 0);
        cpu.eip = 0x1000;
        const events: boolean[] = [];
        fpuOf(cpu).onFerr = (on) => events.push(on);
        const res = m.run(1000);
        expect(res.reason).to.equal('hlt');
        expect(events).to.deep.equal([true, false]);
        fpuOf(cpu).onFerr = null;
      });
    });

    describe('FNSAVE / FRSTOR, FNSTENV, FXSAVE / FXRSTOR', () => {
      const regs = [{ addr: M, bytes: Uint8Array.from([...x80b('4003 a5a5a5a5a5a5a5a5'), ...x80b('ffff c0000000deadbeef'), ...x80b('bffe 8000000000000001')]) },
        { addr: M + 0x100, bytes: u16(CW.RU & ~0x300) }];
      it('FNSAVE then FRSTOR then FNSAVE gives the same 108 bytes, and FNSAVE reinitialises', () => {
        // fninit; fldcw [0x20100]; fld tword [0x20000]; fld tword [0x2000a]; fld tword [0x20014]; fld1; fdiv st0, st3;
        // fnsave [0x20200]; fnstcw [0x20400]; fnstsw [0x20402]; frstor [0x20200]; fnsave [0x20300]; hlt
        const r = run(engine, 'dbe3 d92d00010200 db2d00000200 db2d0a000200 db2d14000200 d9e8 d8f3 dd3500020200 d93d00040200 dd3d02040200 dd2500020200 dd3500030200 f4', regs);
        expect(r.stop).to.equal('hlt');
        const a = r.readMemory(M + 0x200, 108), b = r.readMemory(M + 0x300, 108);
        expect(Array.from(b)).to.deep.equal(Array.from(a));
        expect(rd16(r, M + 0x200)).to.equal((CW.RU & ~0x300) | 0x40);
        expect(rd16(r, M + 0x400)).to.equal(0x037f);           // after FNSAVE: FNINIT state
        expect(rd16(r, M + 0x402)).to.equal(0);
        // ST(1..3) are the 80-bit values loaded, bit for bit (the exact image survives save/restore)
        expect(x80hex(a.slice(28 + 10, 28 + 20))).to.equal('bffe8000000000000001');
        expect(x80hex(a.slice(28 + 20, 28 + 30))).to.equal('ffffc0000000deadbeef');
        expect(x80hex(a.slice(28 + 30, 28 + 40))).to.equal('4003a5a5a5a5a5a5a5a5');
        const tw = rd16(r, M + 0x208), top = (rd16(r, M + 0x204) >> 11) & 7;
        const tag = (i: number) => (tw >> (2 * ((top + i) & 7))) & 3;
        expect([0, 1, 2, 3, 4].map(tag)).to.deep.equal([0, 0, 2, 0, 3]); // valid, valid, NaN = special, valid, empty
      });
      it('16-bit FNSAVE/FRSTOR (94 bytes) round-trips too', () => {
        // fninit; fld tword [0x20000]; fld tword [0x2000a]; fldpi; o16 fnsave [0x20200]; o16 frstor [0x20200]; o16 fnsave [0x20300]; hlt
        const r = run(engine, 'dbe3 db2d00000200 db2d0a000200 d9eb 66dd3500020200 66dd2500020200 66dd3500030200 f4', regs);
        expect(Array.from(r.readMemory(M + 0x300, 94))).to.deep.equal(Array.from(r.readMemory(M + 0x200, 94)));
        expect(x80hex(r.readMemory(M + 0x200 + 14, 10))).to.equal('4000c90fdaa22168c235'); // FLDPI, rounded to nearest
      });
      it('FNSTENV in real mode stores linear pointers and the opcode (32-bit layout with o32)', () => {
        // real mode: fninit; fld1; o32 fnstenv [0x200]; hlt   (fld1 at 0x1002: FOP = 1E8)
        const r = run(engine, 'dbe3 d9e8 66d9360002 f4', [], 'real');
        expect(rd32(r, 0x20c) & 0xffff).to.equal(0x1002);          // FIP[15:0]
        expect(rd32(r, 0x210)).to.equal(0x1e8);                     // FOP, FIP[31:16] = 0
        // 16-bit layout: fninit; fld1; fnstenv [0x200]
        const s = run(engine, 'dbe3 d9e8 d9360002 f4', [], 'real');
        expect(rd16(s, 0x206)).to.equal(0x1002);
        expect(rd16(s, 0x208)).to.equal(0x1e8);
        expect(rd16(s, 0x200)).to.equal(0x037f);
        expect(rd16(s, 0x204)).to.equal(0x3fff); // ST(0) = R7 valid, the rest empty
      });
      it('FNSTENV records the last instruction and data pointers and the opcode (protected mode)', () => {
        // fninit; mov ebx, 0x20000; fld qword [ebx+8] (at 0x1007: DD 43 08, FOP 543); fnstenv [0x20100]; hlt
        const r = run(engine, 'dbe3 bb00000200 dd4308 d93500010200 f4', [{ addr: M + 8, bytes: f64b(1) }]);
        expect(rd32(r, M + 0x10c)).to.equal(0x1007);                  // FIP
        expect(rd32(r, M + 0x110)).to.equal(0x08 | (0x543 << 16));    // FCS | FOP << 16
        expect(rd32(r, M + 0x114)).to.equal(M + 8);                   // FDP
        expect(rd32(r, M + 0x118)).to.equal(0xffff0010);              // FDS (reserved upper half reads as 1s)
      });
      it('FLDENV / FRSTOR read back what FNSTENV / FNSAVE wrote in real mode (16- and 32-bit layouts)', () => {
        // fninit; fld1; fldpi; fnstenv [0x200]; fldenv [0x200]; fnstenv [0x240]; fnsave [0x300]; frstor [0x300]; fnsave [0x380]; hlt
        const r = run(engine, 'dbe3 d9e8 d9eb d9360002 d9260002 d9364002 dd360003 dd260003 dd368003 f4', [], 'real');
        expect(Array.from(r.readMemory(0x240, 14))).to.deep.equal(Array.from(r.readMemory(0x200, 14)));
        expect(Array.from(r.readMemory(0x380, 94))).to.deep.equal(Array.from(r.readMemory(0x300, 94)));
        expect(rd16(r, 0x206)).to.equal(0x1004);                       // FIP: fldpi
        // fninit; fld1; fldpi; o32 fnstenv [0x200]; o32 fldenv [0x200]; o32 fnstenv [0x240]; hlt
        const b = run(engine, 'dbe3 d9e8 d9eb 66d9360002 66d9260002 66d9364002 f4', [], 'real');
        expect(Array.from(b.readMemory(0x240, 28))).to.deep.equal(Array.from(b.readMemory(0x200, 28)));
      });
      it('FNSTENV masks all exceptions after storing the environment', () => {
        // fldcw [0x20100]; fnstenv [0x20000]; fnstcw [0x20040]; hlt
        const r = run(engine, 'd92d00010200 d93500000200 d93d40000200 f4', [{ addr: M + 0x100, bytes: u16(0x0360) }]);
        expect(rd16(r, M)).to.equal(0x0360);
        expect(rd16(r, M + 0x40)).to.equal(0x037f);
      });
      it('FXSAVE / FXRSTOR: 512-byte layout, abridged tags, round trip', () => {
        // fninit; fldcw [0x20100]; fld tword [0x20000]; fld tword [0x2000a]; fldpi; fxsave [0x20200]; fninit; fxrstor [0x20200]; fnsave [0x20500]; hlt
        const r = run(engine, 'dbe3 d92d00010200 db2d00000200 db2d0a000200 d9eb 0fae0500020200 dbe3 0fae0d00020200 dd3500050200 f4', regs);
        expect(r.stop).to.equal('hlt');
        expect(rd16(r, M + 0x200)).to.equal((CW.RU & ~0x300) | 0x40);     // FCW
        expect(rd16(r, M + 0x202) >> 11).to.equal(5);                     // FSW: TOP = 5
        expect(r.readMemory(M + 0x204, 1)[0]).to.equal(0xe0);              // R5 R6 R7 in use
        expect(x80hex(r.readMemory(M + 0x200 + 32, 10))).to.equal('4000c90fdaa22168c235'); // ST(0) = pi rounded up
        expect(x80hex(r.readMemory(M + 0x200 + 48, 10))).to.equal('ffffc0000000deadbeef');
        expect(rd32(r, M + 0x200 + 24)).to.equal(0x1f80);                 // MXCSR
        // after FXRSTOR the state is back: FNSAVE shows it
        expect(rd16(r, M + 0x500)).to.equal((CW.RU & ~0x300) | 0x40);
        expect(x80hex(r.readMemory(M + 0x500 + 28, 10))).to.equal('4000c90fdaa22168c235');
        expect(x80hex(r.readMemory(M + 0x500 + 48, 10))).to.equal('4003a5a5a5a5a5a5a5a5');
      });
      it('FXSAVE needs a 16-byte aligned operand (#GP(0))', () => {
        expect(run(engine, '0fae0508020200 f4').exception).to.deep.include({ vector: 13, errorCode: 0 });
      });
    });

    describe('80-bit loads and stores', () => {
      // fninit; fld tword [0x20000]; fxam; fnstsw ax; fstp tword [0x20010]; hlt
      const LD_ST_80 = 'dbe3 db2d00000200 d9e5 dfe0 db3d10000200 f4';
      const cases: [string, string, number][] = [
        ['zero', '0000 0000000000000000', C3],
        ['-zero', '8000 0000000000000000', C3 | C1],
        ['one', '3fff 8000000000000000', C2],
        ['infinity', '7fff 8000000000000000', C2 | C0],
        ['-infinity', 'ffff 8000000000000000', C2 | C0 | C1],
        ['QNaN with a 62-bit payload', '7fff c123456789abcdef', C0],
        ['SNaN', 'ffff 8000000000000001', C0 | C1],
        ['indefinite', 'ffff c000000000000000', C0 | C1],
        ['80-bit denormal', '0000 0000000000000123', C3 | C2],
        ['pseudo-denormal', '0000 8000000000000001', C3 | C2],
        ['unnormal', '3fff 4000000000000000', 0],
        ['pseudo-infinity', '7fff 0000000000000000', 0],
        ['largest', '7ffe ffffffffffffffff', C2],
        ['64-bit mantissa', '4000 fedcba9876543211', C2],
        ['binary64 subnormal range', '3c00 8000000000000000', C2],
      ];
      for (const [name, hex, cc] of cases) {
        it(`FLD m80 / FSTP m80 keeps ${name} bit for bit (FXAM ${cc.toString(16)})`, () => {
          const r = run(engine, LD_ST_80, [{ addr: M, bytes: x80b(hex) }]);
          expect(x80hex(r.readMemory(M + 0x10, 10))).to.equal(hex.replace(/ /g, ''));
          expect(ax(r) & (C3 | C2 | C1 | C0)).to.equal(cc);
          expect(ax(r) & 0x3f).to.equal(0); // FLD m80 raises nothing, not even for an SNaN
        });
      }
      const to64: [string, string, number, bigint | number, number][] = [
        // [name, 80-bit, control word, m64 result (bits or number), status flags]
        ['a value binary64 holds', '4000 c90fdaa22168c000', CW.RN, Math.PI, 0],
        ['pi rounded to nearest', '4000 c90fdaa22168c235', CW.RN, Math.PI, PE],
        ['pi rounded down', '4000 c90fdaa22168c235', CW.RD, Math.PI, PE],
        ['pi rounded up', '4000 c90fdaa22168c235', CW.RU, 3.1415926535897936, PE | C1],
        ['an SNaN (quieted, IE)', '7fff 8000000000000800', CW.RN, 0x7ff8000000000001n, IE],
        ['a QNaN payload', 'ffff c000000012345800', CW.RN, 0xfff800000002468bn, 0],
        ['overflow', '43ff 8000000000000000', CW.RN, Infinity, 0x8 | PE | C1],
        ['overflow, rounding toward zero', '43ff 8000000000000000', CW.RZ, Number.MAX_VALUE, 0x8 | PE],
        ['underflow to a subnormal', '3bcd a000000000000000', CW.RN, 2 ** -1074, 0x10 | PE],
        ['underflow, a tie to even', '3bcd c000000000000000', CW.RN, 2 ** -1073, 0x10 | PE | C1],
        ['the smallest subnormal exactly', '3bcd 8000000000000000', CW.RN, 2 ** -1074, 0],
        ['an 80-bit denormal', '0000 4000000000000000', CW.RN, 0, 0x10 | PE],
      ];
      for (const [name, hex, cw, want, flags] of to64) {
        it(`FSTP m64 of ${name}`, () => {
          // fninit; fldcw [0x20100]; fld tword [0x20000]; fstp qword [0x20010]; fnstsw ax; hlt
          const r = run(engine, 'dbe3 d92d00010200 db2d00000200 dd1d10000200 dfe0 f4', [{ addr: M, bytes: x80b(hex) }, { addr: M + 0x100, bytes: u16(cw) }]);
          if (typeof want === 'bigint') expect(rdbits64(r, M + 0x10).toString(16)).to.equal(want.toString(16));
          else expect(Object.is(rdf64(r, M + 0x10), want), `${rdf64(r, M + 0x10)} vs ${want}`).to.equal(true);
          expect(ax(r) & (0x3f | C1)).to.equal(flags);
        });
      }
      it('arithmetic on an unsupported encoding (unnormal) is IE with the indefinite result', () => {
        // fninit; fld tword [0x20000]; fld1; faddp st1, st0; fnstsw ax; fstp tword [0x20010]; hlt
        const r = run(engine, 'dbe3 db2d00000200 d9e8 dec1 dfe0 db3d10000200 f4', [{ addr: M, bytes: x80b('3fff 4000000000000000') }]);
        expect(ax(r) & 0x3f).to.equal(IE);
        expect(x80hex(r.readMemory(M + 0x10, 10))).to.equal('ffffc000000000000000');
      });
      it('FLD m64 of an SNaN raises IE and loads the QNaN; FLD m32 of a denormal raises DE and is exact', () => {
        // fninit; fld qword [0x20000]; fnstsw ax; fstp tword [0x20010]; hlt
        const r = run(engine, 'dbe3 dd0500000200 dfe0 db3d10000200 f4', [{ addr: M, bytes: i64b(0x7ff0000000000123n) }]);
        expect(ax(r) & 0x3f).to.equal(IE);
        expect(x80hex(r.readMemory(M + 0x10, 10))).to.equal('7fffc000000000091800');
        // fninit; fld dword [0x20000]; fnstsw ax; fstp tword [0x20010]; hlt
        const d = run(engine, 'dbe3 d90500000200 dfe0 db3d10000200 f4', [{ addr: M, bytes: f32b(0x00000001) }]);
        expect(ax(d) & 0x3f).to.equal(DE);
        expect(x80hex(d.readMemory(M + 0x10, 10))).to.equal('3f6a8000000000000000'); // 2^-149
      });
      it('FSTP m32 rounds with the rounding control', () => {
        // fninit; fldcw [0x20100]; fld tword [0x20000]; fstp dword [0x20010]; fnstsw ax; hlt
        const one3 = '3ffd aaaaaaaaaaaaaaab'; // 1/3
        const exp: [number, number][] = [[CW.RN, 0x3eaaaaab], [CW.RD, 0x3eaaaaaa], [CW.RU, 0x3eaaaaab], [CW.RZ, 0x3eaaaaaa]];
        for (const [cw, bits] of exp) {
          const r = run(engine, 'dbe3 d92d00010200 db2d00000200 d91d10000200 dfe0 f4', [{ addr: M, bytes: x80b(one3) }, { addr: M + 0x100, bytes: u16(cw) }]);
          expect(rd32(r, M + 0x10).toString(16)).to.equal(bits.toString(16));
          expect(ax(r) & PE).to.equal(PE);
        }
      });
      it('FLDPI and the other constants round with the rounding control', () => {
        // fninit; fldcw [0x20100]; fldpi; fstp tword [0x20010]; hlt
        const pi = (cw: number) => x80hex(run(engine, 'dbe3 d92d00010200 d9eb db3d10000200 f4', [{ addr: M + 0x100, bytes: u16(cw) }]).readMemory(M + 0x10, 10));
        expect(pi(CW.RN)).to.equal('4000c90fdaa22168c235');
        expect(pi(CW.RD)).to.equal('4000c90fdaa22168c234');
        expect(pi(CW.RZ)).to.equal('4000c90fdaa22168c234');
        expect(pi(CW.RU)).to.equal('4000c90fdaa22168c235');
      });
    });

    describe('integer conversions', () => {
      // fninit; fldcw [0x20100]; fld qword [0x20000]; fist word [0x20010]; fist dword [0x20020]; fistp qword [0x20030]; fnstsw ax; hlt
      const FIST = 'dbe3 d92d00010200 dd0500000200 df1510000200 db1520000200 df3d30000200 dfe0 f4';
      const fist = (v: number, cw: number) => {
        const r = run(engine, FIST, [{ addr: M, bytes: f64b(v) }, { addr: M + 0x100, bytes: u16(cw) }]);
        return { w: (rd16(r, M + 0x10) << 16) >> 16, d: rd32(r, M + 0x20) | 0, q: rdi64(r, M + 0x30), sw: ax(r) };
      };
      const table: [number, number, number, number, number][] = [
        // value: RN RD RU RZ
        [2.5, 2, 2, 3, 2],
        [3.5, 4, 3, 4, 3],
        [-2.5, -2, -3, -2, -2],
        [-0.5, 0, -1, 0, 0],
        [1.75, 2, 1, 2, 1],
        [-1.25, -1, -2, -1, -1],
        [7, 7, 7, 7, 7],
      ];
      for (const [v, rn, rd, ru, rz] of table) {
        it(`FIST of ${v} under RN/RD/RU/RZ`, () => {
          const got = [CW.RN, CW.RD, CW.RU, CW.RZ].map((cw) => fist(v, cw));
          expect(got.map((g) => g.w)).to.deep.equal([rn, rd, ru, rz]);
          expect(got.map((g) => g.d)).to.deep.equal([rn, rd, ru, rz]);
          expect(got.map((g) => Number(g.q))).to.deep.equal([rn, rd, ru, rz]);
          expect(got.map((g) => g.sw & PE)).to.deep.equal(Number.isInteger(v) ? [0, 0, 0, 0] : [PE, PE, PE, PE]);
        });
      }
      it('out-of-range values store the integer indefinite with IE (masked)', () => {
        const g = fist(40000.5, CW.RN);
        expect(g.w).to.equal(-32768);
        expect(g.d).to.equal(40000);
        expect(g.sw & IE).to.equal(IE);
        const h = fist(2 ** 63, CW.RN);
        expect(h.q).to.equal(-(2n ** 63n));
        expect(h.d).to.equal(-2147483648);
        const n = fist(NaN, CW.RN);
        expect([n.w, n.d, n.q]).to.deep.equal([-32768, -2147483648, -(2n ** 63n)]);
        // -32768.4 rounds into range
        expect(fist(-32768.4, CW.RN).w).to.equal(-32768);
      });
      it('FIST(P) m64 is exact beyond 2^53', () => {
        expect(fist(2 ** 62 + 2 ** 10, CW.RN).q).to.equal(2n ** 62n + 1024n);
        expect(fist(-(2 ** 63), CW.RN).q).to.equal(-(2n ** 63n));
      });
      it('FILD m64 / FISTP m64 round-trips every 64-bit integer (the exact image)', () => {
        // fninit; fild qword [0x20000]; fld st0; fistp qword [0x20010]; fstp tword [0x20020]; fnstsw ax; hlt
        for (const v of [0x7fffffffffffffffn, -0x8000000000000000n, 0x123456789abcdef1n, -0x0fedcba987654321n, 9007199254740993n]) {
          const r = run(engine, 'dbe3 df2d00000200 d9c0 df3d10000200 db3d20000200 dfe0 f4', [{ addr: M, bytes: i64b(v) }]);
          expect(rdi64(r, M + 0x10)).to.equal(v);
          expect(ax(r) & 0x3f).to.equal(0);
        }
      });
      it('FRNDINT follows the rounding control', () => {
        // fninit; fldcw [0x20100]; fld qword [0x20000]; frndint; fstp qword [0x20010]; fnstsw ax; hlt
        const f = (v: number, cw: number) => rdf64(run(engine, 'dbe3 d92d00010200 dd0500000200 d9fc dd1d10000200 dfe0 f4',
          [{ addr: M, bytes: f64b(v) }, { addr: M + 0x100, bytes: u16(cw) }]), M + 0x10);
        expect([CW.RN, CW.RD, CW.RU, CW.RZ].map((cw) => f(-2.5, cw))).to.deep.equal([-2, -3, -2, -2]);
        expect(Object.is(f(-0.25, CW.RN), -0)).to.equal(true);
      });
    });

    describe('compares and transcendentals', () => {
      // fninit; fld qword [0x20008]; fld qword [0x20000]; fcomi st0, st1; hlt
      const fcomi = (a: number, b: number) => run(engine, 'dbe3 dd0508000200 dd0500000200 dbf1 f4', [{ addr: M, bytes: f64b(a) }, { addr: M + 8, bytes: f64b(b) }]);
      it('FCOMI sets ZF PF CF and clears OF SF AF', () => {
        expect(fcomi(2, 1).eflags & 0x8d5).to.equal(0);
        expect(fcomi(1, 2).eflags & 0x8d5).to.equal(0x1);
        expect(fcomi(1, 1).eflags & 0x8d5).to.equal(0x40);
        expect(fcomi(NaN, 1).eflags & 0x8d5).to.equal(0x45);
      });
      it('FCOMPP; FNSTSW AX; SAHF gives the usual branch flags', () => {
        // fninit; fld qword [0x20008]; fld qword [0x20000]; fcompp; fnstsw ax; sahf; hlt
        const r = run(engine, 'dbe3 dd0508000200 dd0500000200 ded9 dfe0 9e f4', [{ addr: M, bytes: f64b(-3) }, { addr: M + 8, bytes: f64b(5) }]);
        expect(r.eflags & 0x45).to.equal(0x1); // CF: ST(0) < ST(1)
        expect(ax(r) >> 11 & 7).to.equal(0);   // both popped
      });
      it('FSCALE of an exact 80-bit value only moves the exponent', () => {
        // fninit; fld qword [0x20010]; fld tword [0x20000]; fscale; fstp tword [0x20020]; hlt
        const r = run(engine, 'dbe3 dd0510000200 db2d00000200 d9fd db3d20000200 f4', [{ addr: M, bytes: x80b('4000 fedcba9876543211') }, { addr: M + 0x10, bytes: f64b(-100.75) }]);
        expect(x80hex(r.readMemory(M + 0x20, 10))).to.equal('3f9cfedcba9876543211');
      });
      it('FSIN reduces with the x87 66-bit pi (fsin(M_PI) = 1.2246063538223773e-16)', () => {
        // fninit; fld qword [0x20000]; fsin; fstp qword [0x20010]; hlt
        const r = run(engine, 'dbe3 dd0500000200 d9fe dd1d10000200 f4', [{ addr: M, bytes: f64b(Math.PI) }]);
        expect(rdf64(r, M + 0x10)).to.equal(1.2246063538223773e-16);
      });
    });
  });
}
