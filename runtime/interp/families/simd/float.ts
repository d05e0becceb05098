/**
 * SSE/SSE2/SSE3 floating-point arithmetic: ADD SUB MUL DIV SQRT MIN MAX
 * (PS PD SS SD), CMPccPS/PD/SS/SD, COMISS UCOMISS COMISD UCOMISD, ADDSUBPS/PD,
 * HADDPS/PD, HSUBPS/PD. Lane semantics: runtime/simd/float.ts. An unmasked
 * exception leaves the destination unchanged and raises #XM (#UD with
 * CR4.OSXMMEXCPT = 0): pre-computation flags (IE DE ZE) of all lanes first,
 * else all flags (SDM vol. 1, 11.5.2).
 */
import { Mnemonic as M } from '../../../iced.js';
import type { Cpu } from '../../../cpu.js';
import { OP_XMM, type Handler, type Rec } from '../../../records.js';
import { VA, VB, VR, getXmm, mxcsr, raiseSimd, readMemVec, setXmm, sseEnter, unmasked, MX_DAZ } from '../../../simd/state.js';
import {
  F32, F64, FLAGS, Lane, OPF_ADD, OPF_DIV, OPF_MUL, OPF_SUB, RES, arith, cmpLane, comiLane, minmax, readLane, sqrtLane, storeLane, type Fmt,
} from '../../../simd/float.js';
import { ARITH } from '../../../state/eflags.js';
import { bind } from '../../table.js';
import { needOf } from './common.js';

const LA = new Lane(), LB = new Lane();

/** How a lane's result is made: i = result lane, from A/B lanes. */
type LaneFn = (f: Fmt, i: number, mx: number, daz: boolean, imm: number) => void;

/**
 * The common shape: read src (XMM or memory: m128 aligned for packed, m32/m64
 * for scalar), compute `lanes` result lanes into VR (the others copied from
 * the destination), then flags / fault / write back.
 */
function fp(r: Rec, f: Fmt, scalar: boolean, fn: LaneFn): Handler | null {
  if (r.k0 !== OP_XMM) return null;
  const need = needOf(r.code, r.mnemonic), n = scalar ? 1 : 16 / f.w;
  return (cpu: Cpu, r: Rec) => {
    sseEnter(cpu, need);
    if (r.k1 === OP_XMM) getXmm(cpu, r.r1, VB); else readMemVec(cpu, r, r.msz, VB, r.msz === 16);
    getXmm(cpu, r.r0, VA);
    VR.u32.set(VA.u32);
    const mx = mxcsr(cpu), daz = (mx & MX_DAZ) !== 0;
    FLAGS.pre = 0; FLAGS.post = 0;
    for (let i = 0; i < n; i++) { fn(f, i, mx, daz, r.imm); storeLane(VR, f, i); }
    commit(cpu);
    setXmm(cpu, r.r0, VR);
  };
}
/** Set the MXCSR flags; fault (destination unchanged) when one is unmasked. */
function commit(cpu: Cpu): void {
  if (unmasked(cpu, FLAGS.pre)) { raiseSimd(cpu, FLAGS.pre); return; }
  raiseSimd(cpu, FLAGS.pre | FLAGS.post);
}

const binop = (op: number): LaneFn => (f, i, mx, daz) => arith(op, f, readLane(VA, f, i, daz, LA), readLane(VB, f, i, daz, LB), mx);
const FAMILY: [M[], number][] = [
  [[M.Addps, M.Addpd, M.Addss, M.Addsd], OPF_ADD], [[M.Subps, M.Subpd, M.Subss, M.Subsd], OPF_SUB],
  [[M.Mulps, M.Mulpd, M.Mulss, M.Mulsd], OPF_MUL], [[M.Divps, M.Divpd, M.Divss, M.Divsd], OPF_DIV],
];
const fmtOf = (m: M): [Fmt, boolean] => {
  const n = M[m].toLowerCase();
  return [n.endsWith('d') ? F64 : F32, n.endsWith('ss') || n.endsWith('sd')];
};
export const FLOAT_MNEMONICS: M[] = [];
function reg(m: M, make: (f: Fmt, scalar: boolean) => LaneFn): void {
  const [f, scalar] = fmtOf(m);
  bind(`simd-${M[m].toLowerCase()}`, (r) => fp(r, f, scalar, make(f, scalar)));
  FLOAT_MNEMONICS.push(m);
}
for (const [ms, op] of FAMILY) for (const m of ms) reg(m, () => binop(op));
for (const m of [M.Sqrtps, M.Sqrtpd, M.Sqrtss, M.Sqrtsd]) reg(m, () => (f, i, mx, daz) => sqrtLane(f, readLane(VB, f, i, daz, LB), mx));
for (const m of [M.Minps, M.Minpd, M.Minss, M.Minsd]) reg(m, () => (f, i, _mx, daz) => minmax(false, f, readLane(VA, f, i, daz, LA), readLane(VB, f, i, daz, LB)));
for (const m of [M.Maxps, M.Maxpd, M.Maxss, M.Maxsd]) reg(m, () => (f, i, _mx, daz) => minmax(true, f, readLane(VA, f, i, daz, LA), readLane(VB, f, i, daz, LB)));
for (const m of [M.Cmpps, M.Cmppd, M.Cmpss, M.Cmpsd]) {
  reg(m, () => (f, i, _mx, daz, imm) => {
    const t = cmpLane(imm & 7, readLane(VA, f, i, daz, LA), readLane(VB, f, i, daz, LB));
    RES.lo = t ? 0xffffffff : 0; RES.hi = f.w === 8 && t ? 0xffffffff : 0;
  });
}
// SSE3: ADDSUB (even lanes subtract, odd lanes add), HADD / HSUB (pairs of A, then pairs of B).
for (const m of [M.Addsubps, M.Addsubpd]) reg(m, () => (f, i, mx, daz) => arith(i & 1 ? OPF_ADD : OPF_SUB, f, readLane(VA, f, i, daz, LA), readLane(VB, f, i, daz, LB), mx));
for (const [m, op] of [[M.Haddps, OPF_ADD], [M.Haddpd, OPF_ADD], [M.Hsubps, OPF_SUB], [M.Hsubpd, OPF_SUB]] as [M, number][]) {
  reg(m, () => (f, i, mx, daz) => {
    const half = 8 / f.w, src = i < half ? VA : VB, k = 2 * (i % half);
    arith(op, f, readLane(src, f, k, daz, LA), readLane(src, f, k + 1, daz, LB), mx);
  });
}

// COMISS UCOMISS COMISD UCOMISD: EFLAGS from the low lanes; OF SF AF cleared.
for (const m of [M.Comiss, M.Ucomiss, M.Comisd, M.Ucomisd]) {
  const f = M[m].endsWith('d') || M[m].endsWith('D') ? F64 : F32, signaling = m === M.Comiss || m === M.Comisd;
  bind(`simd-${M[m].toLowerCase()}`, (r) => {
    if (r.k0 !== OP_XMM) return null;
    const need = needOf(r.code, r.mnemonic);
    return (cpu, r) => {
      sseEnter(cpu, need);
      if (r.k1 === OP_XMM) getXmm(cpu, r.r1, VB); else readMemVec(cpu, r, r.msz, VB, false);
      getXmm(cpu, r.r0, VA);
      const daz = (mxcsr(cpu) & MX_DAZ) !== 0;
      FLAGS.pre = 0; FLAGS.post = 0;
      const fl = comiLane(signaling, readLane(VA, f, 0, daz, LA), readLane(VB, f, 0, daz, LB));
      commit(cpu);
      cpu.setEflags(fl, ARITH);
    };
  });
  FLOAT_MNEMONICS.push(m);
}
