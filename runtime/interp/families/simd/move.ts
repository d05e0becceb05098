/**
 * MMX / SSE / SSE2 / SSE3 data movement and state instructions: MOVD MOVQ
 * MOVDQA MOVDQU MOVAPS MOVUPS MOVAPD MOVUPD MOVSS MOVSD MOVLPS MOVHPS MOVLPD
 * MOVHPD MOVHLPS MOVLHPS MOVQ2DQ MOVDQ2Q MOVNTQ MOVNTDQ MOVNTPS MOVNTPD
 * MOVNTI LDDQU MOVDDUP MOVSHDUP MOVSLDUP MASKMOVQ MASKMOVDQU, EMMS,
 * LDMXCSR STMXCSR, SFENCE LFENCE MFENCE, PREFETCHh, CLFLUSH. SDM vol. 2.
 */
import { Code, Mnemonic as M } from '../../../iced.js';
import type { Cpu } from '../../../cpu.js';
import { OP_MEM, OP_MMX, OP_REG, OP_STR, OP_XMM, type Handler, type Rec } from '../../../records.js';
import {
  VB, VR, checkAlign16, emms, getMm, getXmm, mmxEnter, mmxTransition, mxcsr, readVec, setMm, setMxcsr, setXmm, sseEnter, writeVec,
} from '../../../simd/state.js';
import { fault, UD } from '../../../exceptions.js';
import { bind } from '../../table.js';
import { ea } from '../../operands.js';
import { binary, needOf } from './common.js';

interface MoveSpec {
  /** Bytes moved. */
  w: number;
  /** m128 operand must be 16-byte aligned. */
  aligned?: boolean;
  /** XMM destination: clear the rest ('always'), only when the source is memory ('mem'), or merge ('never'). */
  zero?: 'always' | 'mem' | 'never';
  /** Byte offset in the XMM source / destination (MOVHPS & co.). */
  srcOff?: number;
  dstOff?: number;
}

function moveHandler(r: Rec, spec: MoveSpec): Handler | null {
  const need = needOf(r.code, r.mnemonic);
  const { w, aligned = false, zero = 'always', srcOff = 0, dstOff = 0 } = spec;
  const xmm = r.k0 === OP_XMM || r.k1 === OP_XMM, mmx = r.k0 === OP_MMX || r.k1 === OP_MMX;
  if (!xmm && !mmx) return null;
  return (cpu: Cpu, r: Rec) => {
    if (xmm) sseEnter(cpu, need);
    if (mmx) mmxEnter(cpu, need);
    // source into VB bytes [0, w)
    switch (r.k1) {
      case OP_XMM:
        getXmm(cpu, r.r1, VB);
        if (srcOff) { VB.u32[0] = VB.u32[2]; VB.u32[1] = VB.u32[3]; }
        break;
      case OP_MMX: getMm(cpu, r.r1, VB); break;
      case OP_MEM: {
        const lin = ea(cpu, r);
        if (aligned && w === 16) checkAlign16(lin);
        readVec(cpu, lin, w, VB);
        break;
      }
      case OP_REG: VB.u32[0] = cpu.r32[r.r1]; break;
      default: fault(UD);
    }
    if (mmx) mmxTransition(cpu);
    switch (r.k0) {
      case OP_XMM:
        if (zero === 'always' || (zero === 'mem' && r.k1 === OP_MEM)) VR.clear(); else getXmm(cpu, r.r0, VR);
        VR.u8.set(VB.u8.subarray(0, w), dstOff);
        setXmm(cpu, r.r0, VR);
        break;
      case OP_MMX:
        if (w === 4) VB.u32[1] = 0;
        setMm(cpu, r.r0, VB);
        break;
      case OP_MEM: {
        const lin = ea(cpu, r);
        if (aligned && w === 16) checkAlign16(lin);
        writeVec(cpu, lin, w, VB);
        break;
      }
      case OP_REG: cpu.r32[r.r0] = VB.u32[0]; break;
    }
  };
}

const A16: MoveSpec = { w: 16, aligned: true }, U16: MoveSpec = { w: 16 };
const MOVES: [M, (r: Rec) => MoveSpec][] = [
  [M.Movd, () => ({ w: 4 })], [M.Movq, () => ({ w: 8 })],
  [M.Movdqa, () => A16], [M.Movaps, () => A16], [M.Movapd, () => A16],
  [M.Movntdq, () => A16], [M.Movntps, () => A16], [M.Movntpd, () => A16],
  [M.Movdqu, () => U16], [M.Movups, () => U16], [M.Movupd, () => U16], [M.Lddqu, () => U16],
  [M.Movss, () => ({ w: 4, zero: 'mem' })], [M.Movsd, () => ({ w: 8, zero: 'mem' })],
  [M.Movlps, () => ({ w: 8, zero: 'never' })], [M.Movlpd, () => ({ w: 8, zero: 'never' })],
  [M.Movhps, (r) => (r.k0 === OP_MEM ? { w: 8, srcOff: 8 } : { w: 8, zero: 'never', dstOff: 8 })],
  [M.Movhpd, (r) => (r.k0 === OP_MEM ? { w: 8, srcOff: 8 } : { w: 8, zero: 'never', dstOff: 8 })],
  [M.Movhlps, () => ({ w: 8, zero: 'never', srcOff: 8 })],
  [M.Movlhps, () => ({ w: 8, zero: 'never', dstOff: 8 })],
  [M.Movq2dq, () => ({ w: 8 })], [M.Movdq2q, () => ({ w: 8 })], [M.Movntq, () => ({ w: 8 })],
];
for (const [m, spec] of MOVES) bind(`simd-${M[m].toLowerCase()}`, (r) => moveHandler(r, spec(r)));
export const MOVE_MNEMONICS: readonly M[] = MOVES.map(([m]) => m);

// SSE3 duplicating loads (dst = f(src)).
const { u32: b32 } = VB, { u32: r32 } = VR;
bind('simd-movddup', (r) => binary(r, () => { r32[0] = r32[2] = b32[0]; r32[1] = r32[3] = b32[1]; }, { unary: true }));
bind('simd-movshdup', (r) => binary(r, () => { r32[0] = r32[1] = b32[1]; r32[2] = r32[3] = b32[3]; }, { unary: true }));
bind('simd-movsldup', (r) => binary(r, () => { r32[0] = r32[1] = b32[0]; r32[2] = r32[3] = b32[2]; }, { unary: true }));

// MOVNTI m32, r32: a general-register store; only CPUID.SSE2 gates it.
bind('simd-movnti', (r) => {
  if (r.k0 !== OP_MEM || r.k1 !== OP_REG) return null;
  const need = needOf(r.code, r.mnemonic);
  return (cpu, r) => {
    if ((cpu.model.simd & need) !== need) fault(UD);
    cpu.mmu.write32(ea(cpu, r), cpu.r32[r.r1]);
  };
});

// MASKMOVQ / MASKMOVDQU: store the bytes of operand 1 whose mask byte (operand 2) has its top bit set, at DS:(E)DI.
bind('simd-maskmov', (r) => {
  if (r.k0 !== OP_STR) return null;
  const need = needOf(r.code, r.mnemonic), x = r.k1 === OP_XMM;
  return (cpu, r) => {
    let n = 8;
    if (x) { sseEnter(cpu, need); getXmm(cpu, r.r1, VB); getXmm(cpu, r.r2, VR); n = 16; }
    else { mmxEnter(cpu, need); getMm(cpu, r.r1, VB); getMm(cpu, r.r2, VR); }
    const off = r.asz === 2 ? cpu.r32[7] & 0xffff : cpu.r32[7];
    const lin = cpu.lin(r.seg, off, n);
    for (let i = 0; i < n; i++) if (VR.u8[i] & 0x80) cpu.mmu.checkWrite((lin + i) | 0, 1);
    if (!x) mmxTransition(cpu);
    for (let i = 0; i < n; i++) if (VR.u8[i] & 0x80) cpu.mmu.write8((lin + i) | 0, VB.u8[i]);
  };
});

bind('simd-emms', (r) => {
  const need = needOf(r.code, r.mnemonic);
  return (cpu) => { mmxEnter(cpu, need); emms(cpu); };
});

bind('simd-ldmxcsr', (r) => {
  if (r.k0 !== OP_MEM) return null;
  const need = needOf(r.code, r.mnemonic);
  return (cpu, r) => { sseEnter(cpu, need); setMxcsr(cpu, cpu.mmu.read32(ea(cpu, r))); };
});
bind('simd-stmxcsr', (r) => {
  if (r.k0 !== OP_MEM) return null;
  const need = needOf(r.code, r.mnemonic);
  return (cpu, r) => { sseEnter(cpu, need); cpu.mmu.write32(ea(cpu, r), mxcsr(cpu)); };
});

/** Fences: ordering only; #UD where the model lacks the set. (PREFETCHh is a hint NOP on every model: families/misc.ts.) */
function hint(r: Rec): Handler {
  const need = needOf(r.code, r.mnemonic);
  return (cpu) => { if ((cpu.model.simd & need) !== need) fault(UD); };
}
bind('simd-fence', (r) => (r.code === Code.Sfence || r.code === Code.Lfence || r.code === Code.Mfence ? hint(r) : null));
// CLFLUSH: faults like a byte load of its operand (SDM vol. 2, CLFLUSH), no data effect here.
bind('simd-clflush', (r) => {
  if (r.k0 !== OP_MEM) return null;
  const need = needOf(r.code, r.mnemonic);
  return (cpu, r) => { if ((cpu.model.simd & need) !== need) fault(UD); cpu.mmu.read8(ea(cpu, r)); };
});
void setMm; void setXmm;
