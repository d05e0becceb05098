/**
 * SSE/SSE2 conversions: CVTSI2SS/SD, CVT(T)SS2SI, CVT(T)SD2SI, CVTSS2SD,
 * CVTSD2SS, CVTPS2PD, CVTPD2PS, CVTDQ2PS, CVT(T)PS2DQ, CVTDQ2PD, CVT(T)PD2DQ,
 * CVTPI2PS, CVT(T)PS2PI, CVTPI2PD, CVT(T)PD2PI. Lanes: runtime/simd/float.ts
 * (MXCSR rounding, the integer indefinite 0x80000000, exact flags). Forms
 * with an MMX register make the x87 -> MMX transition.
 */
import { Mnemonic as M } from '../../../iced.js';
import type { Cpu } from '../../../cpu.js';
import { OP_MEM, OP_MMX, OP_REG, OP_XMM, type Handler, type Rec } from '../../../records.js';
import {
  VA, VB, VR, getMm, getXmm, mmxEnter, mmxTransition, mxcsr, raiseSimd, readMemVec, setMm, setXmm, sseEnter, unmasked, MX_DAZ,
} from '../../../simd/state.js';
import { F32, F64, FLAGS, Lane, RES, convertLane, fromIntLane, readLane, storeLane, toIntLane, type Fmt } from '../../../simd/float.js';
import { bind } from '../../table.js';
import { needOf } from './common.js';

type Kind = Fmt | 'i32';
interface Conv { from: Kind; to: Kind; n: number; trunc?: boolean; /** XMM destination: keep the lanes above n (scalar / CVTPI2PS) */ merge?: boolean }

const LA = new Lane();

function convHandler(r: Rec, c: Conv): Handler | null {
  const need = needOf(r.code, r.mnemonic);
  const mmx = r.k0 === OP_MMX || r.k1 === OP_MMX;
  return (cpu: Cpu, r: Rec) => {
    sseEnter(cpu, need);
    if (mmx) mmxEnter(cpu, need);
    switch (r.k1) {
      case OP_XMM: getXmm(cpu, r.r1, VB); break;
      case OP_MMX: getMm(cpu, r.r1, VB); break;
      case OP_MEM: readMemVec(cpu, r, r.msz, VB, r.msz === 16); break;
      case OP_REG: VB.u32[0] = cpu.r32[r.r1]; break;
    }
    const mx = mxcsr(cpu), daz = (mx & MX_DAZ) !== 0;
    if (r.k0 === OP_XMM && c.merge) getXmm(cpu, r.r0, VR); else VR.clear();
    FLAGS.pre = 0; FLAGS.post = 0;
    for (let i = 0; i < c.n; i++) {
      if (c.from === 'i32') {
        fromIntLane(c.to as Fmt, VB.i32[i], mx);
        storeLane(VR, c.to as Fmt, i);
      } else if (c.to === 'i32') {
        VR.i32[i] = toIntLane(readLane(VB, c.from, i, daz, LA), c.trunc ?? false, mx);
      } else {
        convertLane(c.to, readLane(VB, c.from, i, daz, LA), mx);
        storeLane(VR, c.to, i);
      }
    }
    if (unmasked(cpu, FLAGS.pre)) raiseSimd(cpu, FLAGS.pre);
    else raiseSimd(cpu, FLAGS.pre | FLAGS.post);
    if (mmx) mmxTransition(cpu);
    if (r.k0 === OP_XMM) setXmm(cpu, r.r0, VR);
    else if (r.k0 === OP_MMX) setMm(cpu, r.r0, VR);
    else cpu.r32[r.r0] = VR.i32[0];
    void VA; void RES;
  };
}

const CONVS: [M, Conv][] = [
  [M.Cvtsi2ss, { from: 'i32', to: F32, n: 1, merge: true }], [M.Cvtsi2sd, { from: 'i32', to: F64, n: 1, merge: true }],
  [M.Cvtss2si, { from: F32, to: 'i32', n: 1 }], [M.Cvttss2si, { from: F32, to: 'i32', n: 1, trunc: true }],
  [M.Cvtsd2si, { from: F64, to: 'i32', n: 1 }], [M.Cvttsd2si, { from: F64, to: 'i32', n: 1, trunc: true }],
  [M.Cvtss2sd, { from: F32, to: F64, n: 1, merge: true }], [M.Cvtsd2ss, { from: F64, to: F32, n: 1, merge: true }],
  [M.Cvtps2pd, { from: F32, to: F64, n: 2 }], [M.Cvtpd2ps, { from: F64, to: F32, n: 2 }],
  [M.Cvtdq2ps, { from: 'i32', to: F32, n: 4 }], [M.Cvtps2dq, { from: F32, to: 'i32', n: 4 }],
  [M.Cvttps2dq, { from: F32, to: 'i32', n: 4, trunc: true }], [M.Cvtdq2pd, { from: 'i32', to: F64, n: 2 }],
  [M.Cvtpd2dq, { from: F64, to: 'i32', n: 2 }], [M.Cvttpd2dq, { from: F64, to: 'i32', n: 2, trunc: true }],
  [M.Cvtpi2ps, { from: 'i32', to: F32, n: 2, merge: true }], [M.Cvtps2pi, { from: F32, to: 'i32', n: 2 }],
  [M.Cvttps2pi, { from: F32, to: 'i32', n: 2, trunc: true }], [M.Cvtpi2pd, { from: 'i32', to: F64, n: 2 }],
  [M.Cvtpd2pi, { from: F64, to: 'i32', n: 2 }], [M.Cvttpd2pi, { from: F64, to: 'i32', n: 2, trunc: true }],
];
for (const [m, c] of CONVS) bind(`simd-${M[m].toLowerCase()}`, (r) => convHandler(r, c));
export const CONVERT_MNEMONICS: readonly M[] = CONVS.map(([m]) => m);
