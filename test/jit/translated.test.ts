/**
 * Engine-level checks aimed at translated code (they run on every engine;
 * on the JIT every block is compiled before it runs): self-modifying code,
 * faults in the middle of a block, and random instruction sequences that
 * must end in the same state on every engine.
 *
 * The machine code was assembled with GNU as (`as --32`, linked at 0x1000
 * with `ld -m elf_i386 -Ttext=0x1000 --oformat binary`); the listings are
 * in the comments.
 */
import { expect } from 'chai';
import { runSnippet, type SnippetOptions, type SnippetResult, REG_NAMES } from '../../src/snippet.js';
import { hexBytes } from '../helpers/asm.js';
import { TEST_ENGINES } from '../helpers/engines.js';
import { pageTables, withPaging, PAGING_PREFIX_LEN, remappedTables } from '../helpers/paging.js';

const ORG = 0x1000;
const PF = 14, GP = 13, DE = 0;
const why = (r: SnippetResult): string => (r.exception ? `${r.exception.name} at ${r.exception.eip.toString(16)}: ${r.exception.reason ?? ''}` : r.stop);

for (const engine of TEST_ENGINES) {
  describe(`self-modifying code [${engine}]`, () => {
    it('a loop that rewrites the immediate of its next instruction', () => {
      // mov ecx, 5; xor eax, eax; L: mov [patch+2], cl; patch: add eax, 0; dec ecx; jnz L; hlt
      const r = runSnippet({ engine, code: hexBytes('b90500000031c0880d0f10000083c0004975f4f4') });
      expect(r.stop, why(r)).to.equal('hlt');
      expect(r.regs.eax).to.equal(5 + 4 + 3 + 2 + 1);
    });

    it('a self-loop run 100 times between code writes keeps whole blocks (its passes count as runs on every engine)', () => {
      // The front end's SMC heuristic (translator/frontend/blocks.ts) weighs code writes against the
      // runs of the blocks they kill; block shapes are guest-visible (interrupt boundaries, a PIT read's
      // time), so a block that loops on itself in wasm must count each pass as the interpreter does.
      //     mov edx, 8
      // o:  mov ecx, 100
      // L:  mov eax, 0x11111111; dec ecx; jnz L
      //     inc dword [L+1]; dec edx; jnz o; hlt
      const r = runSnippet({ engine, code: hexBytes('ba08000000b964000000b8111111114975f8ff050b1000004a75eaf4') });
      expect(r.stop, why(r)).to.equal('hlt');
      expect(r.regs.eax).to.equal(0x11111118);
      expect(r.frontEnd.blocksKilled).to.be.greaterThan(0);
      expect(r.frontEnd.smcPages).to.equal(0);
    });

    it('a block whose first records loop on themselves stops exactly at the budget when its last pass falls through', () => {
      // mov ecx, 3; L: mov eax, 1; dec ecx; jnz L; inc edx (x4); hlt
      // With 12 instructions: 4 to L's block (one pass), 8 = L's block length left: its first pass loops,
      // the second falls through the JNZ and runs on; the budget ends after 2 of the INCs.
      const r = runSnippet({ engine, code: hexBytes('b903000000b8010000004975f842424242f4'), maxInstructions: 12 });
      expect(r.stop, why(r)).to.equal('limit');
      expect(r.instructions).to.equal(12);
      expect(r.regs.edx).to.equal(2);
    });

    it('code written through one virtual mapping and run through another', () => {
      // Paging on; 3 x call 0x60000 (mov eax, 1; ret), then patch its immediate through
      // the alias 0x40000 (same physical page) to 7, call, to 9, call: EBX = 3 + 7 + 9.
      const code = hexBytes(
        'b8000001000f22d80f20c00d000001800f22c031dbba00000600b903000000ffd201c34975f9',
        'c6050100040007ffd201c3', 'c6050100040009ffd201c3', 'f4');
      const fn = new Uint8Array(4096);
      fn.set(hexBytes('b801000000c3'));
      const r = runSnippet({
        engine, code,
        memory: [...remappedTables(0x10000, 0x11000, { 0x60000: 0x50000, 0x40000: 0x50000 }), { addr: 0x50000, bytes: fn }],
      });
      expect(r.stop, why(r)).to.equal('hlt');
      expect(r.regs.ebx).to.equal(3 + 7 + 9);
    });

    it('a block that overwrites itself mid-block (ahead of and behind the running instruction)', () => {
      // xor eax, eax; mov ecx, 2
      // L: mov dword [target], 0x90909090; inc eax; inc eax; target: add eax, 100; nop
      //    mov byte [0x1000], 0xcc; add eax, 1000; dec ecx; jnz L; hlt
      const r = runSnippet({ engine, code: hexBytes('31c0b902000000c7051310000090909090404083c06490c60500100000cc05e80300004975e1f4') });
      expect(r.stop, why(r)).to.equal('hlt');
      expect(r.regs.eax).to.equal(2 * (2 + 1000));
      expect(Array.from(r.readMemory(ORG, 1))).to.deep.equal([0xcc]);
      // 2 + 2 x (mov, inc, inc, 4 x nop, mov, add, dec, jnz) + hlt
      expect(r.instructions).to.equal(2 + 2 * 11 + 1);
    });
  });

  describe(`faults in the middle of a translated block leave the interpreter's state [${engine}]`, () => {
    const at = (off: number): number => ORG + PAGING_PREFIX_LEN + off;
    const paged = (code: string, notPresent: number[], o: Partial<SnippetOptions> = {}): SnippetResult =>
      runSnippet({ engine, code: withPaging(hexBytes(code)), memory: pageTables({ notPresent }), ...o });

    it('#PF on a load: earlier instructions done, later ones not', () => {
      // mov eax, 1; mov ecx, 2; mov edx, [0x30000]; mov esi, 3; hlt
      const r = paged('b801000000 b902000000 8b1500000300 be03000000 f4', [0x30000], { regs: { edx: 0xd, esi: 0xe } });
      expect(r.exception, why(r)).to.deep.include({ vector: PF, eip: at(10), errorCode: 0 });
      expect([r.regs.eax, r.regs.ecx, r.regs.edx, r.regs.esi]).to.deep.equal([1, 2, 0xd, 0xe]);
      expect(r.instructions).to.equal(9 + 2);
    });

    it('#PF on the memory operand of an ALU instruction', () => {
      // mov eax, 1; add eax, [0x30004]; mov esi, 3; hlt
      const r = paged('b801000000 030504000300 be03000000 f4', [0x30000]);
      expect(r.exception, why(r)).to.deep.include({ vector: PF, eip: at(5), errorCode: 0 });
      expect([r.regs.eax, r.regs.esi]).to.deep.equal([1, 0]);
    });

    it('#PF on the second page of a split store and of a split push: nothing written, ESP kept', () => {
      // mov eax, 1; mov [0x30ffe], eax; mov esi, 3; hlt
      let r = paged('b801000000 a3fe0f0300 be03000000 f4', [0x31000], { regs: { eax: 0 } });
      expect(r.exception, why(r)).to.deep.include({ vector: PF, eip: at(5), errorCode: 2 });
      expect(Array.from(r.readMemory(0x30ffe, 2))).to.deep.equal([0, 0]);
      // mov esp, 0x31002; mov eax, 1; push eax; mov esi, 3; hlt
      r = paged('bc02100300 b801000000 50 be03000000 f4', [0x31000]);
      expect(r.exception, why(r)).to.deep.include({ vector: PF, eip: at(10), errorCode: 2 });
      expect([r.regs.esp, r.regs.eax, r.regs.esi]).to.deep.equal([0x31002, 1, 0]);
    });

    it('#GP(0) on a data segment limit', () => {
      // mov bx, 0x20 (16-bit data, limit 0xFFFF); mov ds, bx; mov eax, 1; mov edx, 2; mov ecx, [0xFFFE]; mov esi, 3; hlt
      const r = runSnippet({ engine, code: hexBytes('66bb2000 8edb b801000000 ba02000000 8b0dfeff0000 be03000000 f4') });
      expect(r.exception, why(r)).to.deep.include({ vector: GP, eip: ORG + 0x10, errorCode: 0 });
      expect([r.regs.eax, r.regs.edx, r.regs.ecx, r.regs.esi]).to.deep.equal([1, 2, 0, 0]);
      expect(r.instructions).to.equal(4);
    });

    it('#DE in the middle of a block', () => {
      // mov eax, 5; xor edx, edx; xor ecx, ecx; div ecx; mov esi, 3; hlt
      const r = runSnippet({ engine, code: hexBytes('b805000000 31d2 31c9 f7f1 be03000000 f4'), regs: { esi: 7 } });
      expect(r.exception, why(r)).to.deep.include({ vector: DE, eip: ORG + 9 });
      expect([r.regs.eax, r.regs.esi]).to.deep.equal([5, 7]);
      expect(r.instructions).to.equal(3);
    });
  });

  describe(`constant addresses: the inline test folded at emit time keeps the interpreter's checks [${engine}]`, () => {
    it('a read across a page boundary reads the second page through its own mapping, once the first page is in the TLB', () => {
      // Paging on, linear 0x31000 -> physical 0x50000. mov eax, [0x30ffc] (fills the TLB entry of 0x30000);
      // mov ecx, [0x30ffe] (crosses into 0x31000: a TLB hit on the first page must not read on in host memory); hlt
      const bytes = (addr: number, b: number[]): { addr: number; bytes: Uint8Array } => ({ addr, bytes: Uint8Array.from(b) });
      const r = runSnippet({
        engine, code: withPaging(hexBytes('a1fc0f0300 8b0dfe0f0300 f4')),
        memory: [...remappedTables(0x10000, 0x11000, { 0x31000: 0x50000 }),
          bytes(0x30ffc, [0x01, 0x02, 0x11, 0x22]), bytes(0x31000, [0x55, 0x66]), bytes(0x50000, [0x33, 0x44])],
      });
      expect(r.stop, why(r)).to.equal('hlt');
      expect(r.regs.eax >>> 0).to.equal(0x22110201);
      expect(r.regs.ecx >>> 0).to.equal(0x44332211);
    });

    it('a 4-byte read at 0xFFFFFFFE in a flat 4 GiB segment (past the limit, wrapping) raises #GP(0)', () => {
      // mov eax, 1; mov ecx, [0xfffffffe]; mov esi, 3; hlt
      const r = runSnippet({ engine, code: hexBytes('b801000000 8b0dfeffffff be03000000 f4'), regs: { ecx: 9 } });
      expect(r.exception, why(r)).to.deep.include({ vector: GP, eip: ORG + 5, errorCode: 0 });
      expect([r.regs.eax, r.regs.ecx, r.regs.esi]).to.deep.equal([1, 9, 0]);
    });
  });
}

for (const engine of TEST_ENGINES) {
  describe(`indirect near branches and stack forms [${engine}]`, () => {
    it('CALL r32, CALL m32, RET imm16, PUSH m32, JMP r32', () => {
      //   mov dword [0x20000], f2 ; mov eax, f1 ; call eax ; push 7 ; push 8 ; call [0x20000]
      //   push dword [0x20000] ; pop ecx ; mov edx, done ; jmp edx ; hlt
      //   f1: add esi, 1 ; ret          f2: add esi, 10 ; ret 8          done: hlt
      const r = runSnippet({ engine, code: hexBytes('c705000002002e100000b82a100000ffd06a076a08ff1500000200ff350000020059ba34100000ffe2f483c601c383c60ac20800f4'), regs: { esi: 0 } });
      expect(r.stop, why(r)).to.equal('hlt');
      expect([r.eip, r.regs.esi, r.regs.ecx, r.regs.esp, r.instructions]).to.deep.equal([ORG + 0x35, 11, ORG + 0x2e, 0x8000, 15]);
    });
  });
}

// ---- random instruction sequences: every engine ends in the same state ------------

function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x; };
}

/** Destination registers: not ESP, not EBX (the base of the data area). */
const DST = [0, 1, 2, 5, 6, 7];
/** Byte registers that are not part of EBX: AL CL DL AH CH DH. */
const DST8 = [0, 1, 2, 4, 5, 6];
const DATA = 0x20000;

/**
 * One random instruction (bytes). Forms mix what the JIT generates inline
 * (MOV, ALU of every size incl. memory and read-modify-write, INC/DEC,
 * NOT/NEG, LEA, PUSH/POP, Jcc after tracked and untracked flag producers,
 * SETcc, CMOVcc, XCHG, BSWAP, CDQ/CWDE, shifts) with what it runs through
 * call-outs (BT, some shift and rotate forms), and block boundaries that
 * keep the flags (JMP EDI), after which conditions, INC/DEC and ADC/SBB
 * read a lazy state no tracked source describes (codegen/flags.ts
 * lazycf/getof).
 */
function randomInsn(next: () => number, depthSkip: () => Uint8Array): number[] {
  const pick = <T>(a: readonly T[]): T => a[next() % a.length]!;
  const reg = () => pick(DST), any = () => next() & 7, d8 = () => (next() & 0x3c);
  const imm32 = () => { const v = next(); return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24]; };
  const op = () => next() & 7;
  const r8 = () => pick(DST8), cc = () => next() & 15;
  switch (next() % 38) {
    case 0: return [(op() << 3) | 1, 0xc0 | (any() << 3) | reg()];                        // alu r32, r32
    case 1: return [0x83, 0xc0 | (op() << 3) | reg(), next() & 0xff];                     // alu r32, imm8
    case 2: return [0x81, 0xc0 | (op() << 3) | reg(), ...imm32()];                        // alu r32, imm32
    case 3: return [(op() << 3) | 3, 0x43 | (reg() << 3), d8()];                          // alu r32, [ebx+d8]
    case 4: return [(op() << 3) | 1, 0x43 | (any() << 3), d8()];                          // alu [ebx+d8], r32
    case 5: return [0x89, 0xc0 | (any() << 3) | reg()];                                   // mov r32, r32
    case 6: return [0xb8 + reg(), ...imm32()];                                            // mov r32, imm32
    case 7: return [0x8b, 0x43 | (reg() << 3), d8()];                                     // mov r32, [ebx+d8]
    case 8: return [0x89, 0x43 | (any() << 3), d8()];                                     // mov [ebx+d8], r32
    case 9: return [0x0f, pick([0xb6, 0xbe, 0xb7, 0xbf]), 0x43 | (reg() << 3), d8()];     // movzx/movsx r32, [ebx+d8]
    case 10: return [0x8d, 0x44 | (reg() << 3), ((next() & 3) << 6) | (pick(DST) << 3) | 3, next() & 0xff]; // lea r32, [ebx+r*s+d8]
    case 11: { const r = reg(); return [0x50 + any(), 0x58 + r]; }                       // push r32; pop r32
    case 12: return pick([[pick([0x40, 0x48]) + reg()], [0xff, 0x43 | (pick([0, 1]) << 3), d8()]]); // inc/dec r32 / [ebx+d8]
    case 13: return [0xc1, 0xc0 | (pick([0, 1, 4, 5, 7]) << 3) | reg(), next() & 31];    // rol/ror/shl/shr/sar r32, imm8
    case 14: return [0x0f, 0x90 | (next() & 15), 0xc0 | (next() & 3)];                   // setcc r8 (al..bl)
    case 15: return [0x0f, 0x40 | (next() & 15), 0xc0 | (reg() << 3) | any()];           // cmovcc r32, r32
    case 16: {                                                                            // flag producer; jcc over the next instruction
      const a = reg(), b = reg(), s = depthSkip();
      const pre = pick([
        [0x39, 0xc0 | (a << 3) | a],                                  // cmp r, r (equal)
        [0x89, 0xc0 | (a << 3) | b, 0x39, 0xc0 | (a << 3) | b],       // mov b, a; cmp b, a (equal values)
        [0x39, 0xc0 | (a << 3) | b], [0x29, 0xc0 | (a << 3) | b],     // cmp / sub
        [0x85, 0xc0 | (a << 3) | b], [0x01, 0xc0 | (a << 3) | b],     // test / add
        [0x83, 0xf8 | b, next() & 0xff],                              // cmp r, imm8
        [0x48 + b], [0x40 + b], [],                                   // dec / inc / whatever came before
        [0x38, 0xc0 | (next() & 0x3f)], [0x80, 0x7b, d8(), next() & 0xff], // cmp r8, r8 / cmp byte [ebx+d8], imm8
        [0x66, 0x39, 0xc0 | (a << 3) | b], [0x84, 0xc0 | (next() & 0x3f)], // cmp r16, r16 / test r8, r8
        [0x0f, 0xa3, 0xc0 | (a << 3) | b], [0xd1, 0xe0 | b],           // bt (a call-out: eager CF) / shl r32, 1
        [0x0f, 0xaf, 0xc0 | (a << 3) | b], [0xf6, 0xd8 | pick(DST8)],  // imul r32, r32 / neg r8
      ]);
      return [...pre, 0x70 | (next() & 15), s.length, ...s];
    }
    case 17: return [0x66, (op() << 3) | 1, 0xc0 | (any() << 3) | reg()];                 // alu r16, r16
    case 18: return [(op() << 3) | 0, 0xc0 | (next() & 0x3f)];                            // alu r8, r8
    case 19: return pick([[0xf7, 0xc0 | (pick([2, 3, 4, 5]) << 3) | any()],              // not/neg/mul/imul r32
      [0xf7, 0x43 | (pick([4, 5]) << 3), d8()]]);                                         // mul/imul [ebx+d8]
    case 20: return pick([[0x0f, 0xc8 + reg()],                                           // bswap
      [0x0f, 0xaf, 0xc0 | (reg() << 3) | any()], [0x6b, 0xc0 | (reg() << 3) | any(), next() & 0xff]]); // imul r32, r32(, imm8)
    case 21: return [0x80, 0xc0 | (op() << 3) | r8(), next() & 0xff];                     // alu r8, imm8
    case 22: return [(op() << 3) | pick([0, 2]), 0x43 | (r8() << 3), d8()];               // alu [ebx+d8], r8 / r8, [ebx+d8]
    case 23: return pick([[0x66, (op() << 3) | 1, 0x43 | (pick(DST) << 3), d8()],         // alu [ebx+d8], r16
      [0x66, 0x83, 0x43 | (op() << 3), d8(), next() & 0xff], [0x80, 0x43 | (op() << 3), d8(), next() & 0xff]]); // alu m16, imm8 / m8, imm8
    case 24: return pick([[0xfe, 0xc0 | (pick([0, 1]) << 3) | r8()], [0x66, pick([0x40, 0x48]) + reg()], // inc/dec r8 / r16
      [0xfe, 0x43 | (pick([0, 1]) << 3), d8()]]);                                         // inc/dec byte [ebx+d8]
    case 25: return pick([[0xf7, 0x43 | (pick([2, 3]) << 3), d8()], [0xf6, 0x43 | (pick([2, 3]) << 3), d8()], // not/neg m32 / m8
      [0xf6, 0xc0 | (pick([2, 3]) << 3) | r8()], [0x66, 0xf7, 0xc0 | (pick([2, 3]) << 3) | reg()]]); // not/neg r8 / r16
    case 26: return [0x0f, 0x90 | cc(), 0x43, d8()];                                      // setcc byte [ebx+d8]
    case 27: return pick([[0x0f, 0x40 | cc(), 0x43 | (reg() << 3), d8()],                  // cmovcc r32, [ebx+d8]
      [0x66, 0x0f, 0x40 | cc(), 0xc0 | (reg() << 3) | any()]]);                           // cmovcc r16, r16
    case 28: return pick([[0x87, 0x43 | (reg() << 3), d8()], [0x86, 0xc0 | (r8() << 3) | r8()], // xchg [ebx+d8], r32 / r8, r8
      [0x66, 0x87, 0xc0 | (reg() << 3) | reg()]]);                                        // xchg r16, r16
    case 29: return pick([[0x99], [0x98], [0x66, 0x98], [0x66, 0x99],                    // cdq / cwde / cbw / cwd
      [0xff, 0x73, d8(), 0x58 + reg()],                                                  // push dword [ebx+d8]; pop r32
      [0x89, 0xe5, 0x50 + any(), 0xc9], [pick([0xf8, 0xf9, 0xf5, 0xfc, 0xfd])]]);          // mov ebp, esp; push r32; leave / clc stc cmc cld std
    case 30: return [0x66, 0x0f, 0xb6 + pick([0, 8]), 0xc0 | (reg() << 3) | r8()];       // movzx/movsx r16, r8
    case 31: case 32: {                                                                   // shifts and rotates: sizes, by 1 / CL / imm8, memory
      const sh = pick([0, 1, 4, 5, 7]) << 3;
      return pick([[0xd3, 0xc0 | sh | reg()], [0xd1, 0xc0 | sh | reg()], [0xd0, 0xc0 | sh | r8()], [0xd2, 0xc0 | sh | r8()],
        [0xc0, 0xc0 | sh | r8(), next() & 31], [0x66, 0xc1, 0xc0 | sh | reg(), next() & 31], [0x66, 0xd3, 0xc0 | sh | reg()],
        [0xc1, 0x43 | sh, d8(), next() & 31], [0xd3, 0x43 | sh, d8()], [0xd0, 0x43 | sh, d8()], [0x66, 0xd1, 0x43 | sh, d8()]]);
    }
    case 36: case 37:                                                                     // a block boundary that keeps the flags:
      return [0xe8, 0, 0, 0, 0, 0x5f, 0x8d, 0x7f, 0x06, 0xff, 0xe7];                      // call $+5; pop edi; lea edi, [edi+6]; jmp edi
    default: return [0x87, 0xc0 | (reg() << 3) | reg()];                                 // xchg r32, r32
  }
}

function randomProgram(next: () => number, n: number): Uint8Array {
  const out: number[] = [];
  const skip = () => Uint8Array.from(randomInsn(next, () => new Uint8Array([0x90])));
  for (let i = 0; i < n; i++) out.push(...randomInsn(next, skip));
  out.push(0xf4);
  return Uint8Array.from(out);
}

describe(`random instruction sequences end in the same state on every engine (${TEST_ENGINES.join(', ')})`, () => {
  it('300 programs of 40 instructions, registers, flags, memory and counts compared', () => {
    const next = rng(20261130);
    for (let p = 0; p < 300; p++) {
      const code = randomProgram(next, 40);
      const data = Uint8Array.from({ length: 128 }, () => next() & 0xff);
      const regs = { eax: next(), ecx: next(), edx: next(), ebx: DATA, esi: next(), edi: next(), ebp: next() };
      const eflags = next() & 0x8d5;
      const results = TEST_ENGINES.map((engine) => runSnippet({ engine, code, regs, eflags, memory: [{ addr: DATA, bytes: data }], maxInstructions: 1000 }));
      const view = (r: SnippetResult) => ({
        stop: r.stop, eip: r.eip, eflags: r.eflags, n: r.instructions, vector: r.exception?.vector,
        regs: REG_NAMES.map((k) => r.regs[k]), mem: Array.from(r.readMemory(DATA, 128)), stack: Array.from(r.readMemory(0x7f00, 0x100)),
      });
      const first = view(results[0]!);
      results.forEach((r, k) => {
        expect(view(r), `program ${p} on ${TEST_ENGINES[k]} vs ${TEST_ENGINES[0]}: ${Buffer.from(code).toString('hex')}`).to.deep.equal(first);
      });
    }
  });
});
