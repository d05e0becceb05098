/**
 * Shared by the MMX/SSE families: which SIMD set an instruction needs (from
 * iced's CPUID features of its Code, corrected where iced files an SSE2
 * addition under MMX), and the generic "dst = op(dst, src)" handler shapes
 * over the scratch vectors of runtime/simd/state.ts.
 */
import { Code, CpuidFeature, Instruction, Mnemonic } from '../../../iced.js';
import type { Cpu } from '../../../cpu.js';
import { OP_IMM, OP_MMX, OP_XMM, type Handler, type Rec } from '../../../records.js';
import { SIMD_CLFSH, SIMD_FXSR, SIMD_MMX, SIMD_SSE, SIMD_SSE2, SIMD_SSE3 } from '../../../cpu-model.js';
import {
  VA, VB, VR, getMm, getXmm, mmxEnter, mmxTransition, readMemVec, setMm, setXmm, sseEnter,
} from '../../../simd/state.js';

const needCache: number[] = [];
/** SIMD_* bits the instruction `code` needs. */
export function needOf(code: Code, mnemonic: Mnemonic): number {
  let n = needCache[code];
  if (n !== undefined) return n;
  const i = Instruction.create(code);
  n = 0;
  for (const f of i.cpuidFeatures()) {
    if (f === CpuidFeature.MMX) n |= SIMD_MMX;
    else if (f === CpuidFeature.SSE) n |= SIMD_SSE;
    else if (f === CpuidFeature.SSE2) n |= SIMD_SSE2;
    else if (f === CpuidFeature.SSE3) n |= SIMD_SSE3;
    else if (f === CpuidFeature.FXSR) n |= SIMD_FXSR;
    else if (f === CpuidFeature.CLFSH) n |= SIMD_CLFSH;
  }
  i.free();
  // PADDQ / PSUBQ / PMULUDQ on MMX registers came with SSE2 (SDM vol. 2).
  if (mnemonic === Mnemonic.Paddq || mnemonic === Mnemonic.Psubq || mnemonic === Mnemonic.Pmuludq) n |= SIMD_SSE2;
  needCache[code] = n;
  return n;
}

/** Computes VR from VA (destination), VB (source) over `n` bytes (8: MMX, 16: XMM); `imm` is the immediate. */
export type VecOp = (n: number, imm: number) => void;

/**
 * dst = op(dst, src) on MMX or XMM registers; the source is a register, a
 * memory operand of the decoded size (m32/m64/m128; `aligned`: the legacy SSE m128 rule) or an immediate (shift
 * counts: into VB word 0). With `unary` the destination is not read.
 */
export function binary(r: Rec, op: VecOp, opts: { aligned?: boolean; unary?: boolean } = {}): Handler | null {
  const need = needOf(r.code, r.mnemonic), aligned = opts.aligned ?? true, unary = opts.unary ?? false;
  if (r.k0 === OP_XMM) {
    return (cpu: Cpu, r: Rec) => {
      sseEnter(cpu, need);
      if (r.k1 === OP_XMM) getXmm(cpu, r.r1, VB);
      else if (r.k1 === OP_IMM) { VB.clear(); VB.u32[0] = r.imm & 0xff; }
      else readMemVec(cpu, r, r.msz, VB, aligned && r.msz === 16);
      if (!unary) getXmm(cpu, r.r0, VA);
      op(16, r.imm);
      setXmm(cpu, r.r0, VR);
    };
  }
  if (r.k0 === OP_MMX) {
    return (cpu: Cpu, r: Rec) => {
      mmxEnter(cpu, need);
      if (r.k1 === OP_MMX) getMm(cpu, r.r1, VB);
      else if (r.k1 === OP_IMM) { VB.clear(); VB.u32[0] = r.imm & 0xff; }
      else readMemVec(cpu, r, r.msz, VB, false);
      if (!unary) getMm(cpu, r.r0, VA);
      op(8, r.imm);
      mmxTransition(cpu);
      setMm(cpu, r.r0, VR);
    };
  }
  return null;
}
