/**
 * Lazy CF and OF read after an untracked producer, on every engine: each
 * producer kind (ADD ADC SUB SBB CMP AND OR XOR TEST INC DEC NEG, shifts,
 * IMUL, MUL) of every size, with edge operands and both carry-ins, then a
 * block boundary (JMP EDI), so that the consumers start a block with no
 * tracked flag source: on the JIT, SETcc of all 16 conditions reads the
 * lazy state inline (OF through the module's `getof`), INC pins CF (the
 * module's `lazycf`, as runtime/flags.ts pinCF) and ADC takes it as its
 * carry-in (`lazycf`, as carryIn). Every engine must agree, and, for the
 * ALU kinds, agree with a flag model written here from the SDM's
 * definitions (not from runtime/flags.ts).
 */
import { expect } from 'chai';
import { runSnippet, type SnippetResult } from '../../src/snippet.js';
import { TEST_ENGINES } from '../helpers/engines.js';

const ORG = 0x1000;
const DATA = 0x20000;
const CASE_BYTES = 32;
const CF = 0x1, PF = 0x4, ZF = 0x40, SF = 0x80, OF = 0x800;

type Kind = 'add' | 'adc' | 'sub' | 'sbb' | 'cmp' | 'and' | 'or' | 'xor' | 'test' | 'inc' | 'dec' | 'neg' | 'shl' | 'shr' | 'sar' | 'imul' | 'mul';
const ALU: Partial<Record<Kind, number>> = { add: 0, or: 1, adc: 2, sbb: 3, and: 4, sub: 5, xor: 6, cmp: 7 };

/** The producer `kind` of `size` bytes on AL/AX/EAX with CL/CX/ECX (or only EAX), as machine code. */
function producer(kind: Kind, size: number): number[] | null {
  const p16 = size === 2 ? [0x66] : [];
  const w = size === 1 ? 0 : 1;
  const alu = ALU[kind];
  if (alu !== undefined) return [...p16, (alu << 3) | w, 0xc8];     // op eax, ecx
  switch (kind) {
    case 'test': return [...p16, 0x84 | w, 0xc8];
    case 'inc': return size === 1 ? [0xfe, 0xc0] : [...p16, 0x40];
    case 'dec': return size === 1 ? [0xfe, 0xc8] : [...p16, 0x48];
    case 'neg': return [...p16, 0xf6 | w, 0xd8];
    case 'shl': return [...p16, 0xd2 | w, 0xe0];                      // shl eax, cl
    case 'shr': return [...p16, 0xd2 | w, 0xe8];
    case 'sar': return [...p16, 0xd2 | w, 0xf8];
    case 'imul': return size === 1 ? [0xf6, 0xe9] : [...p16, 0x0f, 0xaf, 0xc1]; // imul cl / imul eax, ecx
    case 'mul': return [...p16, 0xf6 | w, 0xe1];                      // mul ecx (edx:eax)
    default: return null;
  }
}

const le32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];

interface Case { a: number; b: number; carry: number }

/**
 * One case, CASE_BYTES of results at EBX (advanced by LEA, which keeps the
 * flags): [0..15] SETcc cc, [16..19] EFLAGS after INC ESI (ESI = 0), [20..23]
 * EDX after ADC EDX, 0 (EDX = 0: the carry-in). Each consumer group starts a
 * block: the producer's block ends with MOV EDI, next; JMP EDI.
 */
function emitCase(out: number[], prod: number[], c: Case): void {
  const here = (): number => ORG + out.length;
  const head = (): void => {
    out.push(0xb8, ...le32(c.a), 0xb9, ...le32(c.b));               // mov eax, a; mov ecx, b
    out.push(c.carry ? 0xf9 : 0xf8, ...prod);                       // stc/clc; producer
    const at = out.length;
    out.push(0xbf, 0, 0, 0, 0, 0xff, 0xe7);                         // mov edi, next; jmp edi
    out.splice(at + 1, 4, ...le32(here()));
  };
  out.push(0x8d, 0x5b, CASE_BYTES, 0xbe, 0, 0, 0, 0);              // lea ebx, [ebx+32]; mov esi, 0
  head();
  for (let cc = 0; cc < 16; cc++) out.push(0x0f, 0x90 | cc, 0x43, cc); // setcc [ebx+cc]
  out.push(0x46, 0x9c, 0x8f, 0x43, 16);                             // inc esi; pushfd; pop dword [ebx+16]
  out.push(0xba, 0, 0, 0, 0);                                       // mov edx, 0
  head();
  out.push(0x83, 0xd2, 0x00, 0x89, 0x53, 20);                       // adc edx, 0; mov [ebx+20], edx
}

/** Flags after an ALU-kind producer, from the SDM's definitions; null for kinds not modelled (shifts, multiplies). */
function model(kind: Kind, size: number, c: Case): { flags: number; cfKept: boolean } | null {
  const bits = size * 8, M = 2 ** bits, mask = M - 1, sign = 2 ** (bits - 1);
  /** Arithmetic modulo 2^bits on non-negative numbers (no 32-bit JS operators: they are signed). */
  const wrap = (v: number): number => ((v % M) + M) % M;
  const a = wrap(c.a >>> 0), b = wrap(c.b >>> 0);
  let r: number, cf = 0, of = 0, cfKept = false;
  const sgn = (v: number): number => (v >= sign ? 1 : 0);
  switch (kind) {
    case 'add': case 'adc': {
      const ci = kind === 'adc' ? c.carry : 0;
      const full = a + b + ci; r = wrap(full); cf = full > mask ? 1 : 0;
      of = sgn(a) === sgn(b) && sgn(r) !== sgn(a) ? 1 : 0; break;
    }
    case 'sub': case 'sbb': case 'cmp': {
      const bi = kind === 'sbb' ? c.carry : 0;
      const full = a - b - bi; r = wrap(full); cf = full < 0 ? 1 : 0;
      of = sgn(a) !== sgn(b) && sgn(r) !== sgn(a) ? 1 : 0; break;
    }
    case 'and': case 'test': r = wrap((a & b) >>> 0); break;
    case 'or': r = wrap((a | b) >>> 0); break;
    case 'xor': r = wrap((a ^ b) >>> 0); break;
    case 'inc': r = wrap(a + 1); of = a === sign - 1 ? 1 : 0; cfKept = true; cf = c.carry; break;
    case 'dec': r = wrap(a - 1); of = a === sign ? 1 : 0; cfKept = true; cf = c.carry; break;
    case 'neg': r = wrap(-a); cf = a !== 0 ? 1 : 0; of = a === sign ? 1 : 0; break;
    default: return null;
  }
  let ones = 0;
  for (let v = r % 256; v; v >>= 1) ones += v & 1;
  const flags = (cf ? CF : 0) | (ones % 2 === 0 ? PF : 0) | (r === 0 ? ZF : 0) | (r >= sign ? SF : 0) | (of ? OF : 0);
  return { flags, cfKept };
}

/** SDM's condition codes (Jcc table) from CF ZF SF OF PF. */
function cond(flags: number, cc: number): number {
  const cf = (flags & CF) !== 0, zf = (flags & ZF) !== 0, sf = (flags & SF) !== 0, of = (flags & OF) !== 0, pf = (flags & PF) !== 0;
  const base = [of, cf, zf, cf || zf, sf, pf, sf !== of, zf || sf !== of][cc >> 1]!;
  return ((cc & 1) !== 0 ? !base : base) ? 1 : 0;
}

const EDGES: Record<number, number[]> = {
  1: [0, 1, 0x7f, 0x80, 0xff, 0x3c],
  2: [0, 1, 0x7fff, 0x8000, 0xffff, 0x1234],
  4: [0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0x12345678],
};

function cases(size: number): Case[] {
  const e = EDGES[size]!, out: Case[] = [];
  // Every pair would be 36 x 2 per form; a fixed spread of 12 pairs covers the carries, borrows and overflows.
  const pairs = [[0, 0], [1, 1], [2, 1], [2, 2], [3, 1], [3, 3], [4, 1], [4, 4], [0, 4], [3, 2], [5, 3], [1, 5]];
  for (const [i, j] of pairs) for (const carry of [0, 1]) out.push({ a: e[i!]!, b: e[j!]!, carry });
  return out;
}

describe(`lazy CF/OF after an untracked producer: SETcc, INC (pin CF), ADC (carry-in) on every engine (${TEST_ENGINES.join(', ')})`, () => {
  const kinds: Kind[] = ['add', 'adc', 'sub', 'sbb', 'cmp', 'and', 'or', 'xor', 'test', 'inc', 'dec', 'neg', 'shl', 'shr', 'sar', 'imul', 'mul'];
  for (const size of [1, 2, 4]) {
    it(`${size * 8}-bit producers`, () => {
      for (const kind of kinds) {
        const prod = producer(kind, size);
        if (prod === null) continue;
        const list = cases(size);
        const out: number[] = [];
        for (const c of list) emitCase(out, prod, c);
        out.push(0xf4);
        const code = Uint8Array.from(out);
        const results = TEST_ENGINES.map((engine) => runSnippet({ engine, code, regs: { ebx: DATA - CASE_BYTES }, maxInstructions: 100_000 }));
        const view = (r: SnippetResult) => ({ stop: r.stop, n: r.instructions, eflags: r.eflags, mem: Array.from(r.readMemory(DATA, list.length * CASE_BYTES)) });
        const first = view(results[0]!);
        expect(first.stop, `${kind} ${size}`).to.equal('hlt');
        results.forEach((r, k) => expect(view(r), `${kind}/${size * 8} on ${TEST_ENGINES[k]} vs ${TEST_ENGINES[0]}`).to.deep.equal(first));
        // The model, where there is one (ALU kinds): the same answers on every engine were the right ones.
        list.forEach((c, i) => {
          const want = model(kind, size, c);
          if (want === null) return;
          const at = i * CASE_BYTES;
          results.forEach((res, k) => {
            const mem = res.readMemory(DATA + at, CASE_BYTES);
            const what = `${kind}/${size * 8} a=${c.a.toString(16)} b=${c.b.toString(16)} carry=${c.carry} on ${TEST_ENGINES[k]}`;
            const got = Array.from(mem.subarray(0, 16));
            expect(got, `${what}: SETcc 0..15`).to.deep.equal(Array.from({ length: 16 }, (_, cc) => cond(want.flags, cc)));
            const fl = new DataView(mem.buffer, mem.byteOffset).getUint32(16, true);
            expect(fl & CF, `${what}: CF kept by INC`).to.equal(want.flags & CF);
            expect(new DataView(mem.buffer, mem.byteOffset).getUint32(20, true), `${what}: ADC carry-in`).to.equal(want.flags & CF);
          });
        });
      }
    });
  }
});
