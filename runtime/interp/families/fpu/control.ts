/**
 * x87 stack and control instructions: FXCH FINCSTP FDECSTP FFREE FFREEP FNOP
 * FNENI FNDISI FNSETPM, FNINIT FNCLEX FNSTSW FNSTCW FLDCW, FNSTENV FLDENV
 * FNSAVE FRSTOR, FXSAVE FXRSTOR.
 */
import { Code, Mnemonic } from '../../../iced.js';
import type { Cpu } from '../../../cpu.js';
import type { Rec } from '../../../records.js';
import { OP_FPU, OP_MEM, OP_REG } from '../../../records.js';
import { raiseGP } from '../../../exceptions.js';
import { ea } from '../../operands.js';
import { C1, E80, INDEFINITE } from '../../../fpu/num.js';
import {
  Fpu, W_CW, W_EMPTY, W_FCS, W_FDP, W_FDS, W_FIP, W_FOP, W_X80V, fpuEnter, fpuEnterNoWait,
} from '../../../fpu/state.js';
import { computeFop, ip, POP, fdef, withFop } from './common.js';
import { SIMD_SSE } from '../../../cpu-model.js';
import { MXCSR_MASK, mxcsr, setMxcsr, xmmWords } from '../../../simd/state.js';

// ---- handlers: stack and control -----------------------------------------------------

function fxch(cpu: Cpu, r: Rec): void {
  const f = fpuEnter(cpu);
  ip(cpu, r);
  const i = r.k1 === OP_FPU ? r.r1 : 1;
  const p0 = f.ph(0), pi = f.ph(i);
  f.setCC(C1, 0);
  if (f.isEmpty(0) || f.isEmpty(i)) {
    if (!f.underflow()) return;
    if (f.isEmpty(0)) f.setP(p0, INDEFINITE);
    if (f.isEmpty(i)) f.setP(pi, INDEFINITE);
  }
  if (p0 === pi) return;
  // swap through the scratch slot (bits and exact images, NaN-safe)
  const su = f.su, x = f.x, s = cpu.s, V = W_X80V;
  const l0 = su[2 * p0], h0 = su[2 * p0 + 1];
  su[2 * p0] = su[2 * pi]; su[2 * p0 + 1] = su[2 * pi + 1];
  su[2 * pi] = l0; su[2 * pi + 1] = h0;
  const v = s[V], b0 = (v >> p0) & 1, bi = (v >> pi) & 1;
  if (b0 | bi) {
    for (let k = 0; k < 3; k++) { const t = x[4 * p0 + k]; x[4 * p0 + k] = x[4 * pi + k]; x[4 * pi + k] = t; }
    s[V] = (v & ~((1 << p0) | (1 << pi))) | (bi << p0) | (b0 << pi);
  }
}
function fincdecstp(cpu: Cpu, r: Rec): void {
  const f = fpuEnter(cpu);
  ip(cpu, r);
  f.setCC(C1, 0);
  f.top = f.top + (r.sub === 0 ? 1 : -1);
}
function ffree(cpu: Cpu, r: Rec): void {
  const f = fpuEnter(cpu);
  ip(cpu, r);
  f.setCC(C1, 0);
  cpu.s[W_EMPTY] |= 1 << f.ph(r.r0);
  if (r.sub & POP) f.pop();
}
function fnop(cpu: Cpu, r: Rec): void {
  fpuEnter(cpu);
  ip(cpu, r);
}
/** FNENI / FNDISI / FNSETPM: 8087/287 instructions, no-ops on the 387 and later. */
function fnopControl(cpu: Cpu): void { fpuEnterNoWait(cpu); }

function fninit(cpu: Cpu): void { fpuEnterNoWait(cpu).init(); }
function fnclex(cpu: Cpu): void { fpuEnterNoWait(cpu).clearExceptions(); }
function fnstswAX(cpu: Cpu): void { cpu.r16[0] = fpuEnterNoWait(cpu).statusWord(); }
function fnstswM(cpu: Cpu, r: Rec): void {
  const f = fpuEnterNoWait(cpu);
  cpu.mmu.write16(ea(cpu, r), f.statusWord());
}
function fnstcw(cpu: Cpu, r: Rec): void {
  const f = fpuEnterNoWait(cpu);
  cpu.mmu.write16(ea(cpu, r), f.controlWord());
}
function fldcw(cpu: Cpu, r: Rec): void {
  const f = fpuEnter(cpu);
  const v = cpu.mmu.read16(ea(cpu, r));
  f.setControlWord(v);
}

// ---- environment, FSAVE / FRSTOR, FXSAVE / FXRSTOR -----------------------------------------

/** Real-address or virtual-8086 mode: the environment holds linear pointers. */
function realLayout(cpu: Cpu): boolean { return !cpu.protectedMode || cpu.v86; }

/** The environment as 7 dwords (32-bit layout) or 7 words (16-bit), SDM vol. 1, figures 8-9..8-12. */
function envImage(cpu: Cpu, f: Fpu, big: boolean): number[] {
  const s = cpu.s;
  const cw = f.controlWord(), sw = f.statusWord(), tw = f.tagWord();
  const fip = s[W_FIP], fcs = s[W_FCS] & 0xffff, fdp = s[W_FDP], fds = s[W_FDS] & 0xffff, fop = s[W_FOP] & 0x7ff;
  if (realLayout(cpu)) {
    const ipl = (fip + (fcs << 4)) | 0, dpl = (fdp + (fds << 4)) | 0;
    if (big) {
      return [cw | 0xffff0000, sw | 0xffff0000, tw | 0xffff0000, (ipl & 0xffff) | 0xffff0000,
        ((ipl >>> 16) << 12) | fop, (dpl & 0xffff) | 0xffff0000, (dpl >>> 16) << 12].map((x) => x | 0);
    }
    return [cw, sw, tw, ipl & 0xffff, (((ipl >>> 16) & 0xf) << 12) | fop, dpl & 0xffff, ((dpl >>> 16) & 0xf) << 12];
  }
  if (big) return [cw | 0xffff0000, sw | 0xffff0000, tw | 0xffff0000, fip, fcs | (fop << 16), fdp, fds | 0xffff0000].map((x) => x | 0);
  return [cw, sw, tw, fip & 0xffff, fcs, fdp & 0xffff, fds];
}
function writeEnv(cpu: Cpu, lin: number, img: number[], big: boolean): void {
  const m = cpu.mmu;
  for (let i = 0; i < 7; i++) {
    if (big) m.write32((lin + 4 * i) | 0, img[i]); else m.write16((lin + 2 * i) | 0, img[i]);
  }
}
function readEnv(cpu: Cpu, lin: number, big: boolean): number[] {
  const m = cpu.mmu, out: number[] = [];
  for (let i = 0; i < 7; i++) out.push(big ? m.read32((lin + 4 * i) | 0) : m.read16((lin + 2 * i) | 0));
  return out;
}
function loadEnv(cpu: Cpu, f: Fpu, v: number[], big: boolean): void {
  const s = cpu.s;
  s[W_CW] = v[0] & 0x1f3f;
  f.setTagWord(v[2] & 0xffff);
  if (realLayout(cpu)) {
    const ipl = big ? (v[3] & 0xffff) | (((v[4] >>> 12) & 0xffff) << 16) : (v[3] & 0xffff) | (((v[4] >>> 12) & 0xf) << 16);
    const dpl = big ? (v[5] & 0xffff) | (((v[6] >>> 12) & 0xffff) << 16) : (v[5] & 0xffff) | (((v[6] >>> 12) & 0xf) << 16);
    s[W_FIP] = ipl; s[W_FCS] = 0; s[W_FOP] = v[4] & 0x7ff; s[W_FDP] = dpl; s[W_FDS] = 0;
  } else if (big) {
    s[W_FIP] = v[3]; s[W_FCS] = v[4] & 0xffff; s[W_FOP] = (v[4] >>> 16) & 0x7ff; s[W_FDP] = v[5]; s[W_FDS] = v[6] & 0xffff;
  } else {
    s[W_FIP] = v[3] & 0xffff; s[W_FCS] = v[4] & 0xffff; s[W_FDP] = v[5] & 0xffff; s[W_FDS] = v[6] & 0xffff;
  }
  f.setStatusWord(v[1] & 0xffff); // recomputes ES/B against the new CW
}

function fnstenv(cpu: Cpu, r: Rec): void {
  const f = fpuEnterNoWait(cpu), lin = ea(cpu, r), big = r.msz === 28;
  cpu.mmu.checkWrite(lin, r.msz);
  writeEnv(cpu, lin, envImage(cpu, f, big), big);
  // FNSTENV then masks every exception (SDM vol. 2, FSTENV/FNSTENV).
  cpu.s[W_CW] |= 0x3f;
  f.updateES();
}
function fldenv(cpu: Cpu, r: Rec): void {
  const f = fpuEnter(cpu), lin = ea(cpu, r), big = r.msz === 28;
  loadEnv(cpu, f, readEnv(cpu, lin, big), big);
}
function fnsave(cpu: Cpu, r: Rec): void {
  const f = fpuEnterNoWait(cpu), lin = ea(cpu, r), big = r.msz === 108, m = cpu.mmu;
  m.checkWrite(lin, r.msz);
  writeEnv(cpu, lin, envImage(cpu, f, big), big);
  const base = big ? 28 : 14;
  for (let i = 0; i < 8; i++) {
    f.image80(f.ph(i));
    const a = (lin + base + 10 * i) | 0;
    m.write32(a, E80[0]); m.write32((a + 4) | 0, E80[1]); m.write16((a + 8) | 0, E80[2]);
  }
  f.init();
}
function frstor(cpu: Cpu, r: Rec): void {
  const f = fpuEnter(cpu), lin = ea(cpu, r), big = r.msz === 108, m = cpu.mmu;
  const env = readEnv(cpu, lin, big);
  const base = big ? 28 : 14, regs: number[] = [];
  for (let i = 0; i < 8; i++) {
    const a = (lin + base + 10 * i) | 0;
    regs.push(m.read32(a) >>> 0, m.read32((a + 4) | 0) >>> 0, m.read16((a + 8) | 0));
  }
  loadEnv(cpu, f, env, big);
  const empty = cpu.s[W_EMPTY];
  for (let i = 0; i < 8; i++) f.set80P(f.ph(i), regs[3 * i], regs[3 * i + 1], regs[3 * i + 2]);
  cpu.s[W_EMPTY] = empty;
}

function fxsave(cpu: Cpu, r: Rec): void {
  const f = fpuEnterNoWait(cpu), lin = ea(cpu, r), m = cpu.mmu, s = cpu.s;
  if (lin & 15) raiseGP(0);
  m.checkWrite(lin, 512);
  m.write16(lin, f.controlWord());
  m.write16((lin + 2) | 0, f.statusWord());
  m.write16((lin + 4) | 0, f.abridgedTag());
  m.write16((lin + 6) | 0, s[W_FOP] & 0x7ff);
  m.write32((lin + 8) | 0, s[W_FIP]);
  m.write32((lin + 12) | 0, s[W_FCS] & 0xffff);
  m.write32((lin + 16) | 0, s[W_FDP]);
  m.write32((lin + 20) | 0, s[W_FDS] & 0xffff);
  const sse = (cpu.model.simd & SIMD_SSE) !== 0;
  // Without SSE: MXCSR's reset value and MXCSR_MASK 0 ("use the default mask", pre-Pentium 4).
  m.write32((lin + 24) | 0, sse ? mxcsr(cpu) : 0x1f80);
  m.write32((lin + 28) | 0, sse ? MXCSR_MASK : 0);
  // ST0..ST7 in stack order (SDM vol. 2, FXSAVE table 3-53), 16-byte slots.
  for (let i = 0; i < 8; i++) {
    f.image80(f.ph(i));
    const a = (lin + 32 + 16 * i) | 0;
    m.write32(a, E80[0]); m.write32((a + 4) | 0, E80[1]); m.write32((a + 8) | 0, E80[2]); m.write32((a + 12) | 0, 0);
  }
  // XMM0..7 at 160..287 (saved whatever CR4.OSFXSR says: implementation dependent, SDM vol. 2).
  if (sse) {
    const x = xmmWords(cpu);
    for (let k = 0; k < 32; k++) m.write32((lin + 160 + 4 * k) | 0, x[k]);
  }
}
function fxrstor(cpu: Cpu, r: Rec): void {
  const f = fpuEnterNoWait(cpu), lin = ea(cpu, r), m = cpu.mmu, s = cpu.s;
  if (lin & 15) raiseGP(0);
  m.checkRead(lin, 512);
  const cw = m.read16(lin), sw = m.read16((lin + 2) | 0), tag = m.read8((lin + 4) | 0), fop = m.read16((lin + 6) | 0);
  const fip = m.read32((lin + 8) | 0), fcs = m.read16((lin + 12) | 0), fdp = m.read32((lin + 16) | 0), fds = m.read16((lin + 20) | 0);
  const regs: number[] = [];
  for (let i = 0; i < 8; i++) {
    const a = (lin + 32 + 16 * i) | 0;
    regs.push(m.read32(a) >>> 0, m.read32((a + 4) | 0) >>> 0, m.read16((a + 8) | 0));
  }
  const sse = (cpu.model.simd & SIMD_SSE) !== 0;
  if (sse) {
    const mx = m.read32((lin + 24) | 0);
    if (mx & ~MXCSR_MASK) raiseGP(0); // reserved MXCSR bits: #GP(0) before anything changes
    const x = xmmWords(cpu), img: number[] = [];
    for (let k = 0; k < 32; k++) img.push(m.read32((lin + 160 + 4 * k) | 0));
    setMxcsr(cpu, mx);
    for (let k = 0; k < 32; k++) x[k] = img[k];
  }
  s[W_CW] = cw & 0x1f3f;
  f.setStatusWord(sw);
  s[W_FOP] = fop & 0x7ff; s[W_FIP] = fip; s[W_FCS] = fcs; s[W_FDP] = fdp; s[W_FDS] = fds;
  for (let i = 0; i < 8; i++) f.set80P(f.ph(i), regs[3 * i], regs[3 * i + 1], regs[3 * i + 2]);
  s[W_EMPTY] = ~tag & 0xff;
}

fdef(Mnemonic.Fxch, withFop(fxch));
fdef(Mnemonic.Fincstp, (r) => { r.imm2 = computeFop(r); r.sub = 0; return fincdecstp; });
fdef(Mnemonic.Fdecstp, (r) => { r.imm2 = computeFop(r); r.sub = 1; return fincdecstp; });
fdef(Mnemonic.Ffree, (r) => { r.imm2 = computeFop(r); r.sub = 0; return ffree; });
fdef(Mnemonic.Ffreep, (r) => { r.imm2 = computeFop(r); r.sub = POP; return ffree; }); // undocumented DF C0+i
fdef(Mnemonic.Fnop, withFop(fnop));
fdef([Mnemonic.Fneni, Mnemonic.Fndisi, Mnemonic.Fnsetpm], () => fnopControl);

fdef(Mnemonic.Fninit, () => fninit);
fdef(Mnemonic.Fnclex, () => fnclex);
fdef(Mnemonic.Fnstsw, (r) => (r.k0 === OP_REG ? fnstswAX : r.k0 === OP_MEM ? fnstswM : null));
fdef(Mnemonic.Fnstcw, () => fnstcw);
fdef(Mnemonic.Fldcw, () => fldcw);
fdef(Mnemonic.Fnstenv, () => fnstenv);
fdef(Mnemonic.Fldenv, () => fldenv);
fdef(Mnemonic.Fnsave, () => fnsave);
fdef(Mnemonic.Frstor, () => frstor);
// FXSAVE/FXRSTOR: on every model (the pentium2 model runs them without advertising FXSR).
fdef(Mnemonic.Fxsave, (r) => (r.code === Code.Fxsave_m512byte ? fxsave : null));
fdef(Mnemonic.Fxrstor, (r) => (r.code === Code.Fxrstor_m512byte ? fxrstor : null));
