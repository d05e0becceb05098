/**
 * The instruction table (runtime/isa/) answers for every instruction the
 * front end's decoder can produce: each Code valid in 16/32-bit code has a
 * row (an interpreter binder that exists, a JIT answer) or is absent from
 * this CPU by a written rule (runtime/isa/absent.ts), and then raises #UD in
 * both engines. The typed facts the front end stores agree with the opcodes.
 */
import { expect } from 'chai';
import { Code, CodeExt, Decoder, Instruction, Mnemonic } from 'iced-x86';
import { DECODER_OPTIONS } from '../../translator/frontend/blocks.js';
import { fillRecord } from '../../translator/frontend/decode.js';
import { hasBinder, hasMnemonic, definedMnemonics, ud } from '../../runtime/interp/table.js';
import { BY_MNEMONIC, describedMnemonics, E_COND, E_FOLD, ISA_ROWS, isaRow, jitHow } from '../../runtime/isa/index.js';
import { ABSENT_MNEMONICS, PRESENT_ENCODINGS, PRESENT_FEATURES } from '../../runtime/isa/absent.js';
import { CC_NONE } from '../../runtime/isa/cc.js';
import { ALU_ADD, ALU_CMP, ALU_NONE } from '../../runtime/isa/alu.js';
import { SH_NONE, SH_ROL, SH_SAR, SH_SHRD } from '../../runtime/isa/shift.js';
import { STR_CMPS, STR_MOVS, STR_NONE, STR_STOS } from '../../runtime/isa/string.js';
import { Rec, T_BRANCH, T_NONE, T_STOP, T_TRAP } from '../../runtime/records.js';

interface CodeInfo { code: Code; name: string; mnemonic: Mnemonic; encoding: number; features: number[] }

/** Every Code a 16- or 32-bit Decoder with the front end's options can produce. */
function decodableCodes(): CodeInfo[] {
  const out: CodeInfo[] = [];
  for (let c = 0; Code[c] !== undefined; c++) {
    const o = CodeExt.opCode(c);
    // Not instructions (INVALID, db/dw/dd), 64-bit only, or WAIT+FNxxx pairs the decoder returns as two instructions.
    const can = o.isInstruction && (o.mode16 || o.mode32) && !o.fwait
      && (o.decoderOption === 0 || (o.decoderOption & DECODER_OPTIONS) !== 0);
    const mnemonic = o.mnemonic, encoding = o.encoding;
    o.free();
    if (!can) continue;
    const i = Instruction.create(c);
    const features = [...i.cpuidFeatures()];
    i.free();
    out.push({ code: c, name: Code[c], mnemonic, encoding, features });
  }
  return out;
}

function decodeOne(bytes: number[], bits: 16 | 32): Rec {
  const buf = new Uint8Array([...bytes, 0, 0, 0, 0, 0, 0, 0, 0]);
  const d = new Decoder(bits, buf, DECODER_OPTIONS);
  const insn = new Instruction();
  d.decodeOut(insn);
  const r = new Rec(ud);
  fillRecord(r, insn, buf, 0, bits === 32);
  insn.free(); d.free();
  return r;
}

describe('instruction table (runtime/isa)', () => {
  const codes = decodableCodes();

  it('enumerates the decodable Codes (legacy and VEX/EVEX, no 64-bit-only forms)', () => {
    expect(codes.length).to.be.greaterThan(3000);
    expect(codes.some((c) => c.code === Code.Add_rm32_r32)).to.equal(true);
    expect(codes.some((c) => c.code === Code.VEX_Vaddps_xmm_xmm_xmmm128)).to.equal(true);
    expect(codes.some((c) => c.code === Code.Add_rm64_r64)).to.equal(false); // 64-bit mode only
  });

  it('every Code the decoder can produce has an interpreter and a JIT answer', () => {
    const problems: string[] = [];
    let described = 0, absent = 0;
    for (const c of codes) {
      const row = isaRow(c.code, c.mnemonic);
      if (row !== null) {
        described++;
        if (!hasBinder(row.interp)) problems.push(`${c.name}: interpreter binder '${row.interp}' is not registered`);
        if (row.interp === BY_MNEMONIC && !hasMnemonic(c.mnemonic)) problems.push(`${c.name}: no def() for ${Mnemonic[c.mnemonic]}`);
        const j = jitHow(c.code, c.mnemonic);
        if (j !== 'callout' && j !== 'ud' && !/^(inline|helper):[a-z0-9-]+$/.test(j)) problems.push(`${c.name}: JIT answer '${j}'`);
        continue;
      }
      // No row: #UD in both engines, which must follow from a rule in absent.ts.
      absent++;
      if (hasMnemonic(c.mnemonic)) problems.push(`${c.name}: def() for ${Mnemonic[c.mnemonic]} but no runtime/isa row`);
      if (jitHow(c.code, c.mnemonic) !== 'ud') problems.push(`${c.name}: no row but the JIT answer is not ud`);
      const why = !PRESENT_ENCODINGS.includes(c.encoding) || c.features.some((f) => !PRESENT_FEATURES.includes(f))
        || ABSENT_MNEMONICS.has(c.mnemonic);
      if (!why) problems.push(`${c.name}: not described and not absent by a rule (add a row, or a reason in runtime/isa/absent.ts)`);
    }
    expect(problems).to.deep.equal([]);
    expect(described).to.be.greaterThan(700);
    expect(absent).to.be.greaterThan(2000);
  });

  it('every mnemonic with a def() is described, and every row binder exists', () => {
    const described = new Set(describedMnemonics());
    expect(definedMnemonics().filter((m) => !described.has(m)).map((m) => Mnemonic[m])).to.deep.equal([]);
    expect(ISA_ROWS.filter((r) => !hasBinder(r.interp)).map((r) => r.interp)).to.deep.equal([]);
  });

  it('condition codes come from iced and match the opcode nibble (Jcc, SETcc, CMOVcc)', () => {
    for (let cc = 0; cc < 16; cc++) {
      for (const bits of [16, 32] as const) {
        const jshort = decodeOne([0x70 + cc, 0x10], bits);
        const jnear = decodeOne([0x0f, 0x80 + cc, 0x10, 0, 0, 0], bits);
        const set = decodeOne([0x0f, 0x90 + cc, 0xc0], bits);
        const cmov = decodeOne([0x0f, 0x40 + cc, 0xc1], bits);
        for (const r of [jshort, jnear, set, cmov]) expect(r.cc, `${Code[r.code]}`).to.equal(cc);
        expect(jshort.ends).to.equal(E_COND);
        expect(jshort.midExec).to.not.equal(null);
        expect(set.alu).to.equal(ALU_NONE);
      }
    }
    expect(decodeOne([0xe2, 0x10], 32).cc).to.equal(CC_NONE);    // LOOP
    expect(decodeOne([0xe1, 0x10], 32).cc).to.equal(4);          // LOOPE: E
    expect(decodeOne([0xe0, 0x10], 32).cc).to.equal(5);          // LOOPNE: NE
    expect(decodeOne([0xda, 0xc1], 32).cc).to.equal(2);          // FCMOVB: B
    expect(decodeOne([0xdb, 0xd9], 32).cc).to.equal(11);         // FCMOVNU: NP
  });

  it('the front end stores the typed facts and block endings of the rows', () => {
    const add = decodeOne([0x01, 0xd8], 32);
    expect([add.alu, add.shift, add.strop, add.cc, add.term]).to.deep.equal([ALU_ADD, SH_NONE, STR_NONE, CC_NONE, T_NONE]);
    expect(decodeOne([0x83, 0xf8, 0x05], 32).alu).to.equal(ALU_CMP);
    expect(decodeOne([0xd3, 0xc0], 32).shift).to.equal(SH_ROL);      // rol eax, cl
    expect(decodeOne([0xc1, 0xf8, 0x03], 32).shift).to.equal(SH_SAR); // sar eax, 3
    expect(decodeOne([0x0f, 0xad, 0xd8], 32).shift).to.equal(SH_SHRD);
    const movsw = decodeOne([0x66, 0xa5], 32);
    expect([movsw.strop, movsw.osz, movsw.term]).to.deep.equal([STR_MOVS, 2, T_NONE]);
    const repStos = decodeOne([0xf3, 0xab], 32);
    expect([repStos.strop, repStos.osz, repStos.term]).to.deep.equal([STR_STOS, 4, T_BRANCH]);
    expect(decodeOne([0xf3, 0xa6], 16).strop).to.equal(STR_CMPS);
    const jecxz = decodeOne([0xe3, 0x10], 16);                       // 16-bit code: JCXZ
    expect(jecxz.asz).to.equal(2);
    expect(decodeOne([0x67, 0xe3, 0x10], 16).asz).to.equal(4);     // JECXZ
    const jmp = decodeOne([0xeb, 0x10], 32), call = decodeOne([0xe8, 0, 0, 0, 0], 32);
    for (const r of [jmp, call]) { expect(r.ends).to.equal(E_FOLD); expect(r.foldExec).to.not.equal(null); }
    expect(decodeOne([0xff, 0xe0], 32).ends).to.not.equal(E_FOLD); // jmp eax
  });

  it('rows of families bound per mnemonic give their block endings and sizes', () => {
    expect(decodeOne([0xf4], 32).term).to.equal(T_STOP);                 // hlt
    expect(decodeOne([0xfb], 32).term).to.equal(T_TRAP);                 // sti
    expect(decodeOne([0xee], 32).term).to.equal(T_TRAP);                 // out dx, al
    expect(decodeOne([0x6c], 32).term).to.equal(T_BRANCH);               // insb
    expect(decodeOne([0x0f, 0x01, 0x10], 32).term).to.equal(T_TRAP);     // lgdt [eax]
    expect(decodeOne([0x0f, 0x01, 0xd0 + 0], 32).term).to.equal(T_BRANCH); // lgdt with a register operand: #UD
    expect(decodeOne([0xcd, 0x80], 32).term).to.equal(T_BRANCH);         // int 0x80
    const iret = decodeOne([0xcf], 16), iretd = decodeOne([0x66, 0xcf], 16);
    expect([iret.osz, iret.term, iretd.osz, iretd.term]).to.deep.equal([2, T_BRANCH, 4, T_BRANCH]);
    expect(decodeOne([0x8e, 0xd0], 32).term).to.equal(T_TRAP);           // mov ss, ax: the handler's word (E_HANDLER)
    expect(decodeOne([0x8c, 0xd8], 32).term).to.equal(T_NONE);           // mov eax, ds
    expect(decodeOne([0x0f, 0x06], 32).term).to.equal(T_TRAP);           // clts
    expect(decodeOne([0x0f, 0x22, 0xc0], 32).term).to.equal(T_TRAP);     // mov cr0, eax
    expect(decodeOne([0x0f, 0x20, 0xc0], 32).term).to.equal(T_NONE);     // mov eax, cr0
    expect(decodeOne([0x17], 32).term).to.equal(T_TRAP);                 // pop ss
    expect(decodeOne([0x1f], 32).term).to.equal(T_TRAP);                 // pop ds
    expect(decodeOne([0x58], 32).term).to.equal(T_NONE);                 // pop eax
    expect(decodeOne([0x0f, 0xb2, 0x00], 32).term).to.equal(T_TRAP);     // lss eax, [eax]
    expect(decodeOne([0x0f, 0xb4, 0x00], 32).term).to.equal(T_NONE);     // lfs eax, [eax]
  });

  it('absent instructions raise #UD in the interpreter; SSE2 MOVSD (shares the string mnemonic) has its own row', () => {
    const r = decodeOne([0x66, 0x0f, 0x38, 0x00, 0xc1], 32); // pshufb xmm0, xmm1 (SSSE3: not on any model)
    expect(r.exec).to.equal(ud);
    expect(r.term).to.equal(T_BRANCH);
    expect(isaRow(Code.Movsd_xmm_xmmm64, Mnemonic.Movsd)?.interp).to.equal('simd-movsd');
    expect(isaRow(Code.Movsd_m32_m32, Mnemonic.Movsd)?.interp).to.not.equal('simd-movsd');
    expect(decodeOne([0x0f, 0x0b], 32).exec).to.equal(ud); // ud2
  });
});
