/**
 * Fused compare-and-branch (runtime/interp/fused.ts) must be invisible: the
 * same random ALU + Jcc sequences run once as written (the ALU op and the
 * Jcc are adjacent, so they fuse) and once with a NOP between them (no
 * fusion); registers and flags must agree after every step.
 */
import { expect } from 'chai';
import { runSnippet } from '../../src/snippet.js';
import { TEST_ENGINES } from '../helpers/engines.js';

function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x; };
}
const le32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];

// First instructions that can fuse with a following Jcc (32-bit register forms).
const OPS: ((imm: number) => number[])[] = [
  () => [0x39, 0xd8], (i) => [0x81, 0xf8, ...le32(i)],      // cmp eax,ebx / cmp eax,imm32
  () => [0x85, 0xd8], (i) => [0xa9, ...le32(i)],            // test
  () => [0x29, 0xd8], (i) => [0x81, 0xe8, ...le32(i)],      // sub
  () => [0x21, 0xd8], (i) => [0x81, 0xe0, ...le32(i)],      // and
  () => [0x09, 0xd8], (i) => [0x81, 0xc8, ...le32(i)],      // or
  () => [0x31, 0xd8], (i) => [0x81, 0xf0, ...le32(i)],      // xor
  () => [0x01, 0xd8], (i) => [0x81, 0xc0, ...le32(i)],      // add
  () => [0x40], () => [0x48],                               // inc eax / dec eax
];
const EDGE = [0, 1, 2, 0x7f, 0x80, 0x7fffffff, 0x80000000, 0x80000001, 0xfffffffe, 0xffffffff];

function program(seed: number, nop: boolean): Uint8Array {
  const next = rng(seed);
  const pick = () => (next() & 3) === 0 ? EDGE[next() % EDGE.length] : next();
  const code: number[] = [0x31, 0xff];                       // xor edi, edi
  for (let k = 0; k < 150; k++) {
    code.push(0xb8, ...le32(pick()), 0xbb, ...le32(pick())); // mov eax, a; mov ebx, b
    code.push(0xb9, 0, 0, 0, 0);                             // mov ecx, 0
    if (next() & 1) code.push(0xf9); else code.push(0xf8);   // stc / clc (INC/DEC keep CF)
    code.push(...OPS[next() % OPS.length](pick()));
    if (nop) code.push(0x90);
    code.push(0x70 + (next() & 15), 0x01);                   // jcc +1 (over inc ecx)
    code.push(0x41);                                         // inc ecx
    code.push(0x9c, 0x5e, 0x81, 0xe6, 0xd5, 0x08, 0, 0);     // pushfd; pop esi; and esi, 0x8d5
    code.push(0x31, 0xf7, 0xc1, 0xc7, 0x05, 0x01, 0xcf, 0x01, 0xc7); // xor edi,esi; rol edi,5; add edi,ecx; add edi,eax
  }
  code.push(0xf4);
  return Uint8Array.from(code);
}

for (const engine of TEST_ENGINES) {
  describe(`compare-and-branch fusion is invisible [${engine}]`, () => {
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      it(`random ALU + Jcc sequence ${seed}`, () => {
        const fused = runSnippet({ engine, code: program(seed, false) });
        const plain = runSnippet({ engine, code: program(seed, true) });
        expect(fused.stop).to.equal('hlt');
        expect(plain.stop).to.equal('hlt');
        expect(fused.regs).to.deep.equal(plain.regs);
        expect(fused.eflags & 0x8d5).to.equal(plain.eflags & 0x8d5);
        expect(plain.instructions - fused.instructions).to.equal(150); // the NOPs, nothing else
      });
    }
  });
}
