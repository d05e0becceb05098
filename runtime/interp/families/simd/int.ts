/**
 * Integer MMX and SSE2 instructions (and the bitwise / shuffle / unpack SSE
 * float forms, which are the same bit operations): lane arithmetic with
 * wrap-around and saturation, compares, logic, shifts, unpack, pack,
 * shuffles, PMOVMSKB / MOVMSKPS / MOVMSKPD, PEXTRW / PINSRW. SDM vol. 2,
 * per instruction; all leave EFLAGS alone.
 */
import { Mnemonic as M } from '../../../iced.js';
import type { Cpu } from '../../../cpu.js';
import { OP_MEM, OP_MMX, OP_REG, OP_XMM, type Rec } from '../../../records.js';
import { VA, VB, VR, getMm, getXmm, mmxEnter, mmxTransition, readMemVec, setMm, setXmm, sseEnter } from '../../../simd/state.js';
import { bind } from '../../table.js';
import { ea } from '../../operands.js';
import { binary, needOf, type VecOp } from './common.js';

const { u8: a8, i8: as8, u16: a16, i16: as16, u32: a32, i32: as32, u64: a64 } = VA;
const { u8: b8, i8: bs8, u16: b16, i16: bs16, u32: b32, i32: bs32, u64: b64 } = VB;
const { u8: r8, i8: rs8, u16: r16, i16: rs16, u32: r32, i32: rs32, u64: r64 } = VR;

const sat8 = (v: number) => (v > 127 ? 127 : v < -128 ? -128 : v);
const sat16 = (v: number) => (v > 32767 ? 32767 : v < -32768 ? -32768 : v);
const satU8 = (v: number) => (v > 255 ? 255 : v < 0 ? 0 : v);
const satU16 = (v: number) => (v > 65535 ? 65535 : v < 0 ? 0 : v);

// ---- lane arithmetic ------------------------------------------------------------------

/** An op over lanes of `e` bytes through the views `ra`, `aa`, `bb`. */
function lanes(e: 1 | 2 | 4, f: (a: number, b: number) => number, signed = false): VecOp {
  const [ra, aa, bb] = e === 1 ? (signed ? [rs8, as8, bs8] : [r8, a8, b8])
    : e === 2 ? (signed ? [rs16, as16, bs16] : [r16, a16, b16]) : (signed ? [rs32, as32, bs32] : [r32, a32, b32]);
  return (n) => { for (let i = 0, k = n / e; i < k; i++) ra[i] = f(aa[i], bb[i]); };
}
function lanes64(f: (a: bigint, b: bigint) => bigint): VecOp {
  return (n) => { for (let i = 0, k = n / 8; i < k; i++) r64[i] = BigInt.asUintN(64, f(a64[i], b64[i])); };
}

const OPS = new Map<M, VecOp>([
  [M.Paddb, lanes(1, (a, b) => a + b)], [M.Paddw, lanes(2, (a, b) => a + b)], [M.Paddd, lanes(4, (a, b) => a + b)],
  [M.Psubb, lanes(1, (a, b) => a - b)], [M.Psubw, lanes(2, (a, b) => a - b)], [M.Psubd, lanes(4, (a, b) => a - b)],
  [M.Paddq, lanes64((a, b) => a + b)], [M.Psubq, lanes64((a, b) => a - b)],
  [M.Paddsb, lanes(1, (a, b) => sat8(a + b), true)], [M.Paddsw, lanes(2, (a, b) => sat16(a + b), true)],
  [M.Psubsb, lanes(1, (a, b) => sat8(a - b), true)], [M.Psubsw, lanes(2, (a, b) => sat16(a - b), true)],
  [M.Paddusb, lanes(1, (a, b) => satU8(a + b))], [M.Paddusw, lanes(2, (a, b) => satU16(a + b))],
  [M.Psubusb, lanes(1, (a, b) => satU8(a - b))], [M.Psubusw, lanes(2, (a, b) => satU16(a - b))],
  [M.Pcmpeqb, lanes(1, (a, b) => (a === b ? -1 : 0))], [M.Pcmpeqw, lanes(2, (a, b) => (a === b ? -1 : 0))],
  [M.Pcmpeqd, lanes(4, (a, b) => (a === b ? -1 : 0))],
  [M.Pcmpgtb, lanes(1, (a, b) => (a > b ? -1 : 0), true)], [M.Pcmpgtw, lanes(2, (a, b) => (a > b ? -1 : 0), true)],
  [M.Pcmpgtd, lanes(4, (a, b) => (a > b ? -1 : 0), true)],
  [M.Pavgb, lanes(1, (a, b) => (a + b + 1) >> 1)], [M.Pavgw, lanes(2, (a, b) => (a + b + 1) >> 1)],
  [M.Pminub, lanes(1, (a, b) => (a < b ? a : b))], [M.Pmaxub, lanes(1, (a, b) => (a > b ? a : b))],
  [M.Pminsw, lanes(2, (a, b) => (a < b ? a : b), true)], [M.Pmaxsw, lanes(2, (a, b) => (a > b ? a : b), true)],
  [M.Pmullw, lanes(2, (a, b) => Math.imul(a, b))],
  [M.Pmulhw, lanes(2, (a, b) => (a * b) >> 16, true)],
  [M.Pmulhuw, lanes(2, (a, b) => (a * b) >>> 16)],
  [M.Pmuludq, (n) => { for (let i = 0; i < n / 8; i++) r64[i] = BigInt(a32[2 * i]) * BigInt(b32[2 * i]); }],
  [M.Pmaddwd, (n) => {
    for (let i = 0; i < n / 4; i++) rs32[i] = (as16[2 * i] * bs16[2 * i] + as16[2 * i + 1] * bs16[2 * i + 1]) | 0;
  }],
  [M.Psadbw, (n) => {
    for (let g = 0; g < n; g += 8) {
      let s = 0;
      for (let i = g; i < g + 8; i++) s += Math.abs(a8[i] - b8[i]);
      r32[g >> 2] = s; r32[(g >> 2) + 1] = 0;
    }
  }],
  // logic (the SSE float forms are the same bit operations)
  ...([M.Pand, M.Andps, M.Andpd] as M[]).map((m): [M, VecOp] => [m, lanes(4, (a, b) => a & b)]),
  ...([M.Pandn, M.Andnps, M.Andnpd] as M[]).map((m): [M, VecOp] => [m, lanes(4, (a, b) => ~a & b)]),
  ...([M.Por, M.Orps, M.Orpd] as M[]).map((m): [M, VecOp] => [m, lanes(4, (a, b) => a | b)]),
  ...([M.Pxor, M.Xorps, M.Xorpd] as M[]).map((m): [M, VecOp] => [m, lanes(4, (a, b) => a ^ b)]),
]);

// ---- unpack, pack ------------------------------------------------------------------------

/** Interleave the low (or high) halves of A and B in elements of `e` bytes. */
function unpack(e: number, high: boolean): VecOp {
  return (n) => {
    const half = n / 2, from = high ? half : 0;
    for (let i = 0; i < half / e; i++) {
      for (let k = 0; k < e; k++) {
        r8[2 * i * e + k] = a8[from + i * e + k];
        r8[(2 * i + 1) * e + k] = b8[from + i * e + k];
      }
    }
  };
}
for (const [m, e, h] of [
  [M.Punpcklbw, 1, false], [M.Punpcklwd, 2, false], [M.Punpckldq, 4, false], [M.Punpcklqdq, 8, false],
  [M.Punpckhbw, 1, true], [M.Punpckhwd, 2, true], [M.Punpckhdq, 4, true], [M.Punpckhqdq, 8, true],
  [M.Unpcklps, 4, false], [M.Unpckhps, 4, true], [M.Unpcklpd, 8, false], [M.Unpckhpd, 8, true],
] as [M, number, boolean][]) OPS.set(m, unpack(e, h));

OPS.set(M.Packsswb, (n) => {
  const h = n / 2;
  for (let i = 0; i < h; i++) { rs8[i] = sat8(as16[i]); rs8[h + i] = sat8(bs16[i]); }
});
OPS.set(M.Packuswb, (n) => {
  const h = n / 2;
  for (let i = 0; i < h; i++) { r8[i] = satU8(as16[i]); r8[h + i] = satU8(bs16[i]); }
});
OPS.set(M.Packssdw, (n) => {
  const h = n / 4;
  for (let i = 0; i < h; i++) { rs16[i] = sat16(as32[i]); rs16[h + i] = sat16(bs32[i]); }
});

// ---- shuffles ------------------------------------------------------------------------------

OPS.set(M.Shufps, (_n, imm) => {
  const a = [a32[0], a32[1], a32[2], a32[3]], b = [b32[0], b32[1], b32[2], b32[3]];
  r32[0] = a[imm & 3]; r32[1] = a[(imm >> 2) & 3]; r32[2] = b[(imm >> 4) & 3]; r32[3] = b[(imm >> 6) & 3];
});
OPS.set(M.Shufpd, (_n, imm) => {
  const a = [a64[0], a64[1]], b = [b64[0], b64[1]];
  r64[0] = a[imm & 1]; r64[1] = b[(imm >> 1) & 1];
});
const UNARY = new Map<M, VecOp>([
  [M.Pshufd, (_n, imm) => { for (let i = 0; i < 4; i++) r32[i] = b32[(imm >> (2 * i)) & 3]; }],
  [M.Pshufw, (_n, imm) => { for (let i = 0; i < 4; i++) r16[i] = b16[(imm >> (2 * i)) & 3]; }],
  [M.Pshuflw, (_n, imm) => { for (let i = 0; i < 4; i++) r16[i] = b16[(imm >> (2 * i)) & 3]; r32[2] = b32[2]; r32[3] = b32[3]; }],
  [M.Pshufhw, (_n, imm) => { for (let i = 0; i < 4; i++) r16[4 + i] = b16[4 + ((imm >> (2 * i)) & 3)]; r32[0] = b32[0]; r32[1] = b32[1]; }],
]);

// ---- shifts ------------------------------------------------------------------------------------

/** The count of a shift: the source's low 64 bits (an immediate was put in word 0). */
function count(): number { return b32[1] !== 0 || b32[0] > 255 ? 255 : b32[0]; }
function shift(e: 2 | 4 | 8, kind: 'l' | 'r' | 'a'): VecOp {
  const bits = e * 8;
  if (e === 8) {
    return (n) => {
      const c = count();
      for (let i = 0; i < n / 8; i++) r64[i] = c >= 64 ? 0n : kind === 'l' ? BigInt.asUintN(64, a64[i] << BigInt(c)) : a64[i] >> BigInt(c);
    };
  }
  const ra = e === 2 ? (kind === 'a' ? rs16 : r16) : (kind === 'a' ? rs32 : r32);
  const aa = e === 2 ? (kind === 'a' ? as16 : a16) : (kind === 'a' ? as32 : a32);
  return (n) => {
    const c = count();
    for (let i = 0; i < n / e; i++) {
      if (kind === 'a') ra[i] = aa[i] >> (c >= bits ? bits - 1 : c);
      else if (c >= bits) ra[i] = 0;
      else ra[i] = kind === 'l' ? aa[i] << c : e === 4 ? aa[i] >>> c : aa[i] >> c;
    }
  };
}
for (const [m, e, k] of [
  [M.Psllw, 2, 'l'], [M.Pslld, 4, 'l'], [M.Psllq, 8, 'l'], [M.Psrlw, 2, 'r'], [M.Psrld, 4, 'r'], [M.Psrlq, 8, 'r'],
  [M.Psraw, 2, 'a'], [M.Psrad, 4, 'a'],
] as [M, 2 | 4 | 8, 'l' | 'r' | 'a'][]) OPS.set(m, shift(e, k));
/** PSLLDQ / PSRLDQ xmm, imm8: whole-register byte shifts. */
OPS.set(M.Pslldq, () => { const c = count(); for (let i = 0; i < 16; i++) r8[i] = i >= c ? a8[i - c] : 0; });
OPS.set(M.Psrldq, () => { const c = count(); for (let i = 0; i < 16; i++) r8[i] = i + c < 16 ? a8[i + c] : 0; });

/** Legacy SSE instructions whose m128 operand need not be aligned: none of these. */
for (const [m, op] of OPS) bind(`simd-${M[m].toLowerCase()}`, (r) => binary(r, op));
for (const [m, op] of UNARY) bind(`simd-${M[m].toLowerCase()}`, (r) => binary(r, op, { unary: true }));
/** Mnemonics bound here (rows: runtime/isa/simd.ts). */
export const INT_BINARY: readonly M[] = [...OPS.keys(), ...UNARY.keys()];

// ---- to general registers: PMOVMSKB, MOVMSKPS/PD, PEXTRW; PINSRW ---------------------------

function srcVec(cpu: Cpu, r: Rec, need: number): number {
  if (r.k1 === OP_XMM) { sseEnter(cpu, need); getXmm(cpu, r.r1, VB); return 16; }
  mmxEnter(cpu, need); getMm(cpu, r.r1, VB); return 8;
}
function movmsk(e: 1 | 4 | 8): (r: Rec) => ((cpu: Cpu, r: Rec) => void) | null {
  return (r) => {
    if (r.k0 !== OP_REG || (r.k1 !== OP_XMM && r.k1 !== OP_MMX)) return null;
    const need = needOf(r.code, r.mnemonic);
    return (cpu, r) => {
      const n = srcVec(cpu, r, need);
      let m = 0;
      for (let i = 0; i < n / e; i++) m |= (b8[i * e + e - 1] >> 7) << i;
      if (n === 8) mmxTransition(cpu);
      cpu.r32[r.r0] = m;
    };
  };
}
bind('simd-pmovmskb', movmsk(1));
bind('simd-movmskps', movmsk(4));
bind('simd-movmskpd', movmsk(8));

bind('simd-pextrw', (r) => {
  if (r.k0 !== OP_REG || (r.k1 !== OP_XMM && r.k1 !== OP_MMX)) return null;
  const need = needOf(r.code, r.mnemonic);
  return (cpu, r) => {
    const n = srcVec(cpu, r, need);
    if (n === 8) mmxTransition(cpu);
    cpu.r32[r.r0] = b16[r.imm & (n / 2 - 1)];
  };
});
bind('simd-pinsrw', (r) => {
  const need = needOf(r.code, r.mnemonic), x = r.k0 === OP_XMM;
  if (!x && r.k0 !== OP_MMX) return null;
  return (cpu, r) => {
    if (x) sseEnter(cpu, need); else mmxEnter(cpu, need);
    const v = r.k1 === OP_MEM ? cpu.mmu.read16(ea(cpu, r)) : cpu.r32[r.r1] & 0xffff;
    if (x) { getXmm(cpu, r.r0, VR); VR.u16[r.imm & 7] = v; setXmm(cpu, r.r0, VR); }
    else { getMm(cpu, r.r0, VR); VR.u16[r.imm & 3] = v; mmxTransition(cpu); setMm(cpu, r.r0, VR); }
  };
});
void readMemVec;
