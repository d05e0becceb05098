/**
 * The instruction table's `jit` column is what the JIT does: every row that
 * says `inline:<name>` names a registered emitter, every registered emitter
 * is named by some row, and the registry answers per Code from the table
 * (a Code whose row says 'callout' gets no emitter, whatever its mnemonic).
 */
import { expect } from 'chai';
import { Code, Mnemonic } from 'iced-x86';
import { ISA_ROWS, jitHow } from '../../runtime/isa/index.js';
import { Rec } from '../../runtime/records.js';
import { emitterFor, emitterNames } from '../../translator/jit/registry.js';
import '../../translator/jit/codegen/index.js';

const rec = (code: Code, mnemonic: Mnemonic): Rec => {
  const r = new Rec(() => undefined);
  r.code = code;
  r.mnemonic = mnemonic;
  return r;
};

describe('instruction table jit column <-> JIT emitter registry', () => {
  const named = new Set<string>();
  for (const r of ISA_ROWS) if (r.jit.startsWith('inline:')) named.add(r.jit.slice('inline:'.length));

  it('every inline:<name> of the table has a registered emitter', () => {
    const registered = new Set(emitterNames());
    expect([...named].filter((n) => !registered.has(n))).to.deep.equal([]);
    expect(named.size).to.be.greaterThan(10);
  });

  it('every registered emitter is named by a row', () => {
    expect(emitterNames().filter((n) => !named.has(n))).to.deep.equal([]);
  });

  it('emitterFor answers from the row of the Code, not from the mnemonic', () => {
    expect(jitHow(Code.Add_rm32_r32, Mnemonic.Add)).to.equal('inline:alu');
    expect(emitterFor(rec(Code.Add_rm32_r32, Mnemonic.Add))).to.be.a('function');
    // MOV from a segment register and to CR0 share the mnemonic with inline MOVs but are call-outs.
    expect(jitHow(Code.Mov_rm16_Sreg, Mnemonic.Mov)).to.equal('callout');
    expect(emitterFor(rec(Code.Mov_rm16_Sreg, Mnemonic.Mov))).to.equal(undefined);
    expect(emitterFor(rec(Code.Mov_cr_r32, Mnemonic.Mov))).to.equal(undefined);
    expect(emitterFor(rec(Code.Mov_rm32_r32, Mnemonic.Mov))).to.be.a('function');
    // Far JMP and CALL: call-outs; near JMP rel32 and CALL r/m32: inline.
    expect(emitterFor(rec(Code.Jmp_ptr1632, Mnemonic.Jmp))).to.equal(undefined);
    expect(emitterFor(rec(Code.Call_ptr1632, Mnemonic.Call))).to.equal(undefined);
    expect(emitterFor(rec(Code.Jmp_rel32_32, Mnemonic.Jmp))).to.be.a('function');
    expect(emitterFor(rec(Code.Call_rm32, Mnemonic.Call))).to.be.a('function');
  });
});
