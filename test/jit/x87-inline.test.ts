/**
 * The x87 forms the JIT generates inline (translator/jit/codegen/x87.ts) and
 * their fallbacks to the interpreter's handlers, on both engines with the
 * same expectations (hand-derived; the real-CPU vectors are
 * test/fpu/fixtures.test.ts): the common path and the last-instruction
 * pointers FNSTENV writes, stack underflow/overflow inside a block, an
 * unmasked exception pending (#MF with CR0.NE, FERR# without), precision
 * control 24/53/64 bits and rounding control around the inline loads and
 * stores, and page faults on m64 loads and stores in the middle of a block
 * leaving the interpreter's state. On the JIT, with blocks compiled before
 * they run, the inline forms are checked to be inline (JitOptions.x87) and
 * to give the same results as with every x87 record called out.
 */
import { expect } from 'chai';
import { Machine } from '../../src/machine.js';
import { runSnippet, type EngineName, type SnippetResult } from '../../src/snippet.js';
import { fpuOf } from '../../runtime/fpu/state.js';
import { CR2, FPU_EMPTY, FPU_FIP, w } from '../../runtime/state/layout.js';
import { hexBytes } from '../helpers/asm.js';
import { TEST_ENGINES } from '../helpers/engines.js';
import { pageTables, withPaging, PAGING_PREFIX_LEN } from '../helpers/paging.js';

const DATA = 0x20000, ORG = 0x1000;
const INDEFINITE = 'fff8000000000000';

/** Data block at DATA: little-endian hex pieces at byte offsets. */
function data(parts: Record<number, string>, size = 0x300): { addr: number; bytes: Uint8Array } {
  const b = new Uint8Array(size).fill(0xcc);
  for (const [off, hex] of Object.entries(parts)) b.set(hexBytes(hex), Number(off));
  return { addr: DATA, bytes: b };
}
/** A binary64 given big-endian (as printed) in little-endian hex. */
const le64 = (be: string): string => be.match(/../g)!.reverse().join('');
/** The qword at DATA + off, big-endian hex. */
const q = (r: SnippetResult, off: number): string => Array.from(r.readMemory(DATA + off, 8)).reverse().map((x) => x.toString(16).padStart(2, '0')).join('');
const d = (r: SnippetResult, off: number): number => new DataView(r.readMemory(DATA + off, 4).buffer.slice(0)).getUint32(0, true);

function machine(engine: EngineName, x87 = true): Machine {
  return new Machine({ memoryMiB: 2, engine, jit: { threshold: 0, x87 } });
}
function ok(r: SnippetResult): void {
  expect(r.stop, r.exception ? `${r.exception.name} at ${r.exception.eip.toString(16)}` : r.stop).to.equal('hlt');
}

/**
 *   1000 fninit; fld qword [DATA] (1.5); fld dword [DATA+8] (2.25f); fild dword [DATA+12] (-7); fldz; fld1
 *   1018 fld st2; fxch st4; fstp qword [DATA+0x100]; fst dword [DATA+0x108]; fstp st1
 *   102a fstp qword [DATA+0x110]; fstp qword [DATA+0x118]; fld st0; fstp st0
 *   103a fld qword [DATA]; fnstsw ax; fnstenv [DATA+0x200]; hlt
 */
const COMMON = hexBytes('dbe3dd0500000200d90508000200db050c000200d9eed9e8d9c2d9ccdd1d00010200d91508010200ddd9'
  + 'dd1d10010200dd1d18010200d9c0ddd8dd0500000200dfe0d93500020200f4');
const COMMON_X87 = 16; // x87 records of COMMON the JIT generates inline (all but FNINIT and FNSTENV)

/** fninit; fstp qword [DATA+0x100] (empty); fld1; fstp qword [DATA+0x108]; fld st3 (empty); fstp qword [DATA+0x110]; fld1 x 8; fld qword [DATA] (full); fstp qword [DATA+0x118]; fnstsw ax; hlt */
const UNDERFLOW = hexBytes('dbe3dd1d00010200d9e8dd1d08010200d9c3dd1d10010200' + 'd9e8'.repeat(8) + 'dd0500000200dd1d18010200dfe0f4');

/** mov eax, cr0; or eax, 0x20 (NE); mov cr0, eax; fninit; fldcw [DATA+0x20]; fld1; fstp qword [DATA+0x100]; fstp qword [DATA+0x108] (empty, IE unmasked); fld1 (#MF: 101f); hlt */
const UNMASKED_MF = hexBytes('0f20c083c8200f22c0dbe3d92d20000200d9e8dd1d00010200dd1d08010200d9e8f4');
/** The same without CR0.NE: fld1 and fstp qword [DATA+0x110] go on after FERR#; fnstsw ax; hlt */
const UNMASKED_FERR = hexBytes('dbe3d92d20000200d9e8dd1d00010200dd1d08010200d9e8dd1d10010200dfe0f4');

/**
 * fninit; fldcw [DATA+0x20] (PC 24); fld qword [DATA] (pi); fst qword [DATA+0x100]; fld1; fadd st0, st1; fstp qword [DATA+0x108]
 * fldcw [DATA+0x22] (PC 53); fld1; fadd st0, st1; fstp qword [DATA+0x110]
 * fldcw [DATA+0x24] (PC 64, RC down); fld1; fdiv st0, st1; fstp qword [DATA+0x118] (1/pi, an 80-bit image: rounded down to 53 bits); fstp st0
 * fldcw [DATA+0x26] (RC down); fld qword [DATA+0x28] (0.1); fst dword [DATA+0x120] (inexact); fnstsw ax; hlt
 */
const PRECISION = hexBytes('dbe3d92d20000200dd0500000200dd1500010200d9e8d8c1dd1d08010200d92d22000200d9e8d8c1dd1d10010200'
  + 'd92d24000200d9e8d8f1dd1d18010200ddd8d92d26000200dd0528000200d91520010200dfe0f4');

/** After the paging prefix: fninit; fld1; fld qword [0x2fffc] (crosses into a not-present page); hlt */
const PF_CROSS = hexBytes('dbe3d9e8dd05fcff0200f4');
/** fninit; fld1; fstp qword [0x31000] (read-only page); hlt */
const PF_STORE = hexBytes('dbe3d9e8dd1d00100300f4');
/** fninit; fld1; fld qword [0x30008] (not present); hlt */
const PF_LOAD = hexBytes('dbe3d9e8dd0508000300f4');

/**
 *   1000 fninit; mov ecx, 100; fldz
 *   100a L: fadd qword [DATA] (a call-out: pure while no exception is pending); fld st0; fstp qword [DATA+0x100]; dec ecx; jnz L
 *        fstp qword [DATA+0x108]; fnstsw ax; hlt
 * The loop is one block that loops on itself in wasm.
 */
const LOOP = hexBytes('dbe3b964000000d9eedc0500000200d9c0dd1d000102004975efdd1d08010200dfe0f4');
/** The same after fldcw [DATA+0x20] (IE unmasked) and fstp qword [DATA+0x110] of an empty ST(0): every x87 record finds ES set (FERR#). */
const LOOP_ES = hexBytes('dbe3d92d20000200dd1d10010200b964000000d9eedc0500000200d9c0dd1d000102004975efdd1d08010200dfe0f4');

/**
 * fninit; mov eax, [DATA+8] (the TLB entry: the inline paths need a hit); fldz; fadd qword [DATA] (a denormal: DE, the exact sum a denormal); fstp qword [DATA+0x100]
 * fld qword [DATA+8] (1.5); fadd qword [DATA+0x10] (2^-60: exact only at 64 bits, an image); fstp qword [DATA+0x108]; fnstsw ax; hlt
 */
const SUMS = hexBytes('dbe3a108000200d9eedc0500000200dd1d00010200dd0508000200dc0510000200dd1d08010200dfe0f4');

for (const engine of TEST_ENGINES) {
  describe(`x87 forms inline in the JIT and their fallbacks [${engine}]`, () => {
    it('loads, stores, register moves, FXCH, FNSTSW AX; FNSTENV sees the last instruction and operand pointers', () => {
      const m = machine(engine);
      const r = runSnippet({ engine, machine: m, code: COMMON, memory: [data({ 0: le64('3ff8000000000000'), 8: '00001040', 12: 'f9ffffff' })] });
      ok(r);
      expect(q(r, 0x100)).to.equal('4002000000000000'); // 2.25 (swapped in by FXCH ST4)
      expect(d(r, 0x108)).to.equal(0x3f800000); // 1.0f
      expect(q(r, 0x110)).to.equal('3ff0000000000000'); // 1.0 (FSTP ST1 copied it)
      expect(q(r, 0x118)).to.equal('c01c000000000000'); // -7
      expect(r.regs.eax & 0xffff).to.equal(0x2800); // TOP 5, no flags, C1 0
      const env = new DataView(r.readMemory(DATA + 0x200, 28).buffer.slice(0));
      expect(env.getUint32(0, true) & 0xffff).to.equal(0x037f);
      expect(env.getUint32(4, true) & 0xffff).to.equal(0x2800);
      expect(env.getUint32(8, true) & 0xffff).to.equal(0x03ff); // R5..R7 valid, the rest empty
      expect(env.getUint32(12, true)).to.equal(ORG + 0x3a); // FIP: the last FLD m64
      expect(env.getUint32(16, true) >>> 16).to.equal(0x505); // FOP: DD /0, ModRM 05
      expect(env.getUint32(20, true)).to.equal(DATA); // FDP
      if (engine === 'jit') {
        const on = m.jit!.counters;
        const off = machine(engine, false);
        const r2 = runSnippet({ engine, machine: off, code: COMMON, memory: [data({ 0: le64('3ff8000000000000'), 8: '00001040', 12: 'f9ffffff' })] });
        ok(r2);
        expect(r2.readMemory(DATA + 0x100, 0x200)).to.deep.equal(r.readMemory(DATA + 0x100, 0x200));
        expect(r2.regs).to.deep.equal(r.regs);
        // Same records, COMMON_X87 of them inline with the option on, called out without it.
        expect(on.recordsInline + on.recordsCallout).to.equal(off.jit!.counters.recordsInline + off.jit!.counters.recordsCallout);
        expect(on.recordsInline - off.jit!.counters.recordsInline).to.equal(COMMON_X87);
      }
    });

    it('memory operands outside RAM (a TLB miss, no paging) go to the handler before anything is read through the TLB entry', () => {
      // fninit; fild qword [0xc0000000]; fiadd dword [0xc0000010]; fadd qword [0xc0000020]; fldcw [0xc0000030];
      // fstp qword [DATA]; fnstcw [DATA+8]; hlt. Unbacked addresses read as all ones: -1 + -1, then + a negative
      // quiet NaN (its bits ffff ffff ffff ffff) is that NaN; CW ffff keeps its defined bits (1f3f) with bit 6 read as 1.
      // Each inline fast path once read its operand through the missed TLB entry's address (a host trap).
      const code = hexBytes('dbe3 df2d000000c0 da05100000c0 dc05200000c0 d92d300000c0 dd1d00000200 d93d08000200 f4');
      const r = runSnippet({ engine, machine: machine(engine), code, memory: [data({})] });
      ok(r);
      expect(q(r, 0)).to.equal('ffffffffffffffff');
      expect(d(r, 8) & 0xffff).to.equal(0x1f7f);
    });

    it('stack underflow (FSTP m64 and FLD ST(i) of an empty register) and overflow (a ninth push) inside a block: the masked responses', () => {
      const r = runSnippet({ engine, machine: machine(engine), code: UNDERFLOW, memory: [data({ 0: le64('3ff8000000000000') })] });
      ok(r);
      expect(q(r, 0x100)).to.equal(INDEFINITE);
      expect(q(r, 0x108)).to.equal('3ff0000000000000');
      expect(q(r, 0x110)).to.equal(INDEFINITE);
      expect(q(r, 0x118)).to.equal(INDEFINITE);
      expect(r.regs.eax & 0xffff).to.equal(0x0841); // IE | SF, C1 0 (the last FSTP), TOP 1
    });

    it('an unmasked exception pending: the next waiting x87 instruction (FLD1 inline) raises #MF with CR0.NE', () => {
      const r = runSnippet({ engine, machine: machine(engine), code: UNMASKED_MF, memory: [data({ 0x20: '7e03' })] });
      expect(r.stop).to.equal('exception');
      expect(r.exception!.vector).to.equal(16);
      expect(r.exception!.eip).to.equal(ORG + 0x1f);
      expect(q(r, 0x100)).to.equal('3ff0000000000000');
      expect(q(r, 0x108)).to.equal('cccccccccccccccc'); // unmasked IE: nothing stored
    });

    it('an unmasked exception pending without CR0.NE: FERR#, and the following inline forms go on as the handlers do', () => {
      const r = runSnippet({ engine, machine: machine(engine), code: UNMASKED_FERR, memory: [data({ 0x20: '7e03' })] });
      ok(r);
      expect(q(r, 0x108)).to.equal('cccccccccccccccc');
      expect(q(r, 0x110)).to.equal('3ff0000000000000');
      expect(r.regs.eax & 0xffff).to.equal(0x80c1); // B | ES | SF | IE, TOP 0
    });

    it('precision control 24 / 53 / 64 bits and rounding control around the inline loads and stores', () => {
      const r = runSnippet({
        engine, machine: machine(engine), code: PRECISION,
        memory: [data({ 0: le64('400921fb54442d18'), 0x20: '7f00' + '7f02' + '7f07' + '7f07', 0x28: le64('3fb999999999999a') })],
      });
      ok(r);
      expect(q(r, 0x100)).to.equal('400921fb54442d18'); // pi: loads and stores do not round by PC
      expect(q(r, 0x108)).to.equal('401090fda0000000'); // 1 + pi at 24 bits
      expect(q(r, 0x110)).to.equal('401090fdaa22168c'); // at 53 bits
      expect(q(r, 0x118)).to.equal('3fd45f306dc9c882'); // 1/pi at 64 bits rounded down (an 80-bit image), stored rounded down (nearest: ...883)
      expect(d(r, 0x120)).to.equal(0x3dcccccc); // 0.1 to m32 rounded down
      expect(r.regs.eax & 0xffff).to.equal(0x3820); // PE, C1 0, TOP 7
    });

    it('FADD m64: a denormal operand (DE) and a sum exact only at 64 bits take the handler', () => {
      const r = runSnippet({ engine, machine: machine(engine), code: SUMS,
        memory: [data({ 0: le64('0000000000000001'), 8: le64('3ff8000000000000'), 0x10: le64('3c30000000000000') })] });
      ok(r);
      expect(q(r, 0x100)).to.equal('0000000000000001');
      expect(q(r, 0x108)).to.equal('3ff8000000000000'); // 1.5 + 2^-60 rounded to 53 bits
      expect(r.regs.eax & 0xffff).to.equal(0x0022); // PE | DE, C1 0, TOP 0
    });

    for (const [name, code, sw] of [
      ['no exception pending', LOOP, 0x0000],
      ['an unmasked exception pending (each x87 record leaves the block after its handler)', LOOP_ES, 0x80c1],
    ] as const) {
      it(`a block looping on itself with an x87 call-out (FADD m64) and inline forms, ${name}`, () => {
        const r = runSnippet({ engine, machine: machine(engine), code, memory: [data({ 0: le64('3ff8000000000000'), 0x20: '7e03' })] });
        ok(r);
        expect(q(r, 0x100)).to.equal('4062c00000000000'); // 150
        expect(q(r, 0x108)).to.equal('4062c00000000000');
        expect(r.regs.eax & 0xffff).to.equal(sw);
        expect(r.regs.ecx).to.equal(0);
      });
    }

    for (const [name, code, cr2] of [
      ['an m64 load crossing into a not-present page', PF_CROSS, 0x30000],
      ['an m64 load from a not-present page', PF_LOAD, 0x30008],
      ['an m64 store to a read-only page', PF_STORE, 0x31000],
    ] as const) {
      it(`a page fault on ${name} in the middle of a block leaves the x87 state of the instruction before`, () => {
        const m = machine(engine);
        const r = runSnippet({
          engine, machine: m, code: withPaging(code),
          memory: [...pageTables({ notPresent: [0x30000], readOnly: [0x31000] })],
        });
        expect(r.stop).to.equal('exception');
        expect(r.exception!.vector).to.equal(14);
        expect(r.exception!.eip).to.equal(ORG + PAGING_PREFIX_LEN + 4);
        expect(m.cpu.s[w(CR2)] >>> 0).to.equal(cr2);
        const f = fpuOf(m.cpu);
        expect(f.top).to.equal(7);
        expect(f.get(0)).to.equal(1);
        expect(m.cpu.s[w(FPU_EMPTY)] & 0xff).to.equal(0x7f); // FPU_EMPTY: only R7 holds a value
        expect(f.statusWord()).to.equal(0x3800);
        expect(m.cpu.s[w(FPU_FIP)] >>> 0).to.equal(ORG + PAGING_PREFIX_LEN + 2); // FIP: FLD1
      });
    }
  });
}
