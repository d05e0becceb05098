/**
 * Owed flag stores (Fn.owedFlags, flag-liveness.ts) are emitted at every
 * call-out, slow access and exit after their producer. Their values used to
 * be copied with binaryen's copyExpression each time; a value tree that
 * writes nothing is now placed again as it is (capi.ts pureValue): the same
 * bytes, and binaryen's ExpressionCopy (one 54 KB wasm function) is no
 * longer called often enough for V8 to tier it up on every boot
 * (docs/jit-plan.md "The platform thread, session 16").
 */
import { expect } from 'chai';
import { Decoder, Instruction } from 'iced-x86';
import binaryen from '../../translator/jit/binaryen.js';
import { pureValue } from '../../translator/jit/capi.js';
import { emitModule, NO_CHAIN } from '../../translator/jit/compile.js';
import { DECODER_OPTIONS } from '../../translator/frontend/blocks.js';
import { fillRecord } from '../../translator/frontend/decode.js';
import { ud } from '../../runtime/interp/table.js';
import { Block, Rec, T_COND } from '../../runtime/records.js';
import { E_COND } from '../../runtime/isa/index.js';
import { hexBytes } from '../helpers/asm.js';

/** One block of 32-bit code at physical 0x1000 (records as the front end fills them). */
function block(hex: string): Block {
  const bytes = hexBytes(hex);
  const buf = new Uint8Array([...bytes, ...new Array<number>(15).fill(0)]);
  const d = new Decoder(32, buf, DECODER_OPTIONS);
  const insn = new Instruction();
  const recs: Rec[] = [];
  while (d.position < bytes.length) {
    const at = d.position;
    d.decodeOut(insn);
    const r = new Rec(ud);
    fillRecord(r, insn, buf, at, true);
    if (r.ends === E_COND && d.position < bytes.length) r.term = T_COND;
    recs.push(r);
  }
  insn.free(); d.free();
  return new Block(0x1000, true, recs, bytes.length, [0x1000]);
}

/** Calls of binaryen's ExpressionCopy while `f` runs. */
function copiesDuring(f: () => void): number {
  const api = binaryen as unknown as { _BinaryenExpressionCopy: (x: number, m: number) => number };
  const real = api._BinaryenExpressionCopy;
  let n = 0;
  api._BinaryenExpressionCopy = (x, m) => { n++; return real(x, m); };
  try { f(); } finally { api._BinaryenExpressionCopy = real; }
  return n;
}

describe('owed flag stores place pure value trees again (capi.ts pureValue)', () => {
  it('pureValue: constants, local.gets, loads, unary, binary and select nodes; nothing that writes or branches', () => {
    const m = new binaryen.Module();
    try {
      const i32 = binaryen.i32;
      const get = (): number => m.local.get(0, i32);
      const ld = (): number => m.i32.load(8, 0, m.i32.const(0));
      expect(pureValue(m.i32.const(1))).to.equal(true);
      expect(pureValue(m.i32.or(m.i32.and(ld(), m.i32.const(0x8d5)), m.i32.eqz(m.select(get(), m.i32.const(1), get()))))).to.equal(true);
      expect(pureValue(m.i32.add(get(), m.local.tee(1, get(), i32)))).to.equal(false);
      expect(pureValue(m.i32.add(get(), m.block(null, [get()], i32)))).to.equal(false);
      expect(pureValue(m.i32.add(get(), m.call('f', [], i32)))).to.equal(false);
      expect(pureValue(m.i32.load(0, 0, m.local.tee(1, get(), i32)))).to.equal(false);
      // The budget: a chain of 40 nodes is copied (a tree that large is not worth walking twice).
      let deep = get();
      for (let i = 0; i < 39; i++) deep = m.i32.eqz(deep);
      expect(pureValue(deep)).to.equal(false);
      expect(pureValue(deep, 40)).to.equal(true);
    } finally {
      m.dispose();
    }
  });

  // Producers whose owed values are trees (not one constant or local.get): SHL/SHR/SAR (flags merged with
  // the EFLAGS word loaded from the state), IMUL, MUL, ADC, SBB; each owed across a load that may fault
  // (its slow arm pays the stores) to the SUB that overwrites its flags.
  const cases: [string, string][] = [
    ['SHL by 1', 'd1e0 8b1500000300 29c9'],
    ['SAR by 1, two loads', 'd1f8 8b1500000300 8b1d04000300 29c9'],
    ['SHL by 3', 'c1e003 8b1500000300 29c9'],
    ['IMUL', '0fafc1 8b1500000300 29c9'],
    ['MUL', 'f7e1 8b1500000300 29c9'],
    ['ADC', '11c8 8b1500000300 29c9'],
    ['SBB', '19c8 8b1500000300 29c9'],
  ];
  for (const [what, hex] of cases) {
    it(`${what}: no copyExpression, owed stores at several places, a valid module`, () => {
      const b = block(hex);
      let text = '';
      const n = copiesDuring(() => { text = emitModule([b], { ...NO_CHAIN, text: true }).text ?? ''; });
      expect(n).to.equal(0);
      // The owed stores are there (more than once: each slow arm and exit has its own).
      expect(text.match(/i32\.store/g)?.length ?? 0).to.be.greaterThan(2);
      expect(WebAssembly.validate(emitModule([b], NO_CHAIN).bytes as Uint8Array<ArrayBuffer>)).to.equal(true);
    });
  }
});
