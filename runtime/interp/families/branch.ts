/** Near control transfers: JMP, Jcc, CALL, RET, LOOP/LOOPE/LOOPNE, JCXZ/JECXZ. */
import { Mnemonic } from 'iced-x86';
import type { Cpu } from '../../cpu.js';
import type { Rec } from '../../records.js';
import { EXIT, OP_MEM, OP_REG, OP_REL, T_BRANCH } from '../../records.js';
import { condSub, testCC, getZF, getCF, K_SUB, W_OP, W_MASK, W_A, W_B, W_RES } from '../../flags.js';
import { ARITH } from '../../state/eflags.js';
import { EIP, w } from '../../state/layout.js';
import { def } from '../table.js';
import { ea, getReg, readMem } from '../operands.js';
import { jumpNear, nearTarget, nextEip } from '../control.js';
import { farCallFactory, farJmpFactory, isFar } from './far.js';

const W_EIP = w(EIP);

function jmpRel(cpu: Cpu, r: Rec): void { jumpNear(cpu, nextEip(cpu, r) + r.imm, r.osz); }
function jmpR(cpu: Cpu, r: Rec): void { jumpNear(cpu, getReg(cpu, r.osz, r.r0), r.osz); }
function jmpM(cpu: Cpu, r: Rec): void { jumpNear(cpu, readMem(cpu, r.osz, ea(cpu, r)), r.osz); }

/** Folded JMP: the block continues at the target; only the CS limit is checked. */
function jmpFolded(cpu: Cpu, r: Rec): void { nearTarget(cpu, nextEip(cpu, r) + r.imm, r.osz); }

def(Mnemonic.Jmp, (r) => {
  if (isFar(r)) return farJmpFactory(r);
  r.term = T_BRANCH;
  if (r.k0 === OP_REL) { r.foldExec = jmpFolded; return jmpRel; }
  if (r.k0 === OP_REG) return jmpR;
  if (r.k0 === OP_MEM) return jmpM;
  return null; // far forms: families/far.ts
});

function jcc(cpu: Cpu, r: Rec): void {
  const next = nextEip(cpu, r);
  if (testCC(cpu.s, r.sub)) jumpNear(cpu, next + r.imm, r.osz);
  else cpu.s[W_EIP] = next;
}
const JCC: [Mnemonic, number][] = [
  [Mnemonic.Jo, 0], [Mnemonic.Jno, 1], [Mnemonic.Jb, 2], [Mnemonic.Jae, 3], [Mnemonic.Je, 4], [Mnemonic.Jne, 5],
  [Mnemonic.Jbe, 6], [Mnemonic.Ja, 7], [Mnemonic.Js, 8], [Mnemonic.Jns, 9], [Mnemonic.Jp, 10], [Mnemonic.Jnp, 11],
  [Mnemonic.Jl, 12], [Mnemonic.Jge, 13], [Mnemonic.Jle, 14], [Mnemonic.Jg, 15],
];

/**
 * Hot conditions specialised: after a 32-bit CMP/SUB (the common case) the
 * condition comes straight from the lazy operands, without materialising flags.
 */
const SUB32 = (K_SUB << 2) | 2;
function take(cpu: Cpu, r: Rec, cond: boolean): void {
  const next = nextEip(cpu, r);
  if (cond) jumpNear(cpu, next + r.imm, r.osz);
  else cpu.s[W_EIP] = next;
}
const lazySub32 = (s: Int32Array): boolean => s[W_OP] === SUB32 && s[W_MASK] === ARITH;
function jb(cpu: Cpu, r: Rec): void { const s = cpu.s; take(cpu, r, lazySub32(s) ? (s[W_A] >>> 0) < (s[W_B] >>> 0) : getCF(s) !== 0); }
function jae(cpu: Cpu, r: Rec): void { const s = cpu.s; take(cpu, r, lazySub32(s) ? (s[W_A] >>> 0) >= (s[W_B] >>> 0) : getCF(s) === 0); }
function je(cpu: Cpu, r: Rec): void { take(cpu, r, getZF(cpu.s)); }
function jne(cpu: Cpu, r: Rec): void { take(cpu, r, !getZF(cpu.s)); }
function jbe(cpu: Cpu, r: Rec): void { const s = cpu.s; take(cpu, r, lazySub32(s) ? (s[W_A] >>> 0) <= (s[W_B] >>> 0) : testCC(s, 6)); }
function ja(cpu: Cpu, r: Rec): void { const s = cpu.s; take(cpu, r, lazySub32(s) ? (s[W_A] >>> 0) > (s[W_B] >>> 0) : testCC(s, 7)); }
function jl(cpu: Cpu, r: Rec): void { const s = cpu.s; take(cpu, r, lazySub32(s) ? s[W_A] < s[W_B] : testCC(s, 12)); }
function jge(cpu: Cpu, r: Rec): void { const s = cpu.s; take(cpu, r, lazySub32(s) ? s[W_A] >= s[W_B] : testCC(s, 13)); }
function jle(cpu: Cpu, r: Rec): void { const s = cpu.s; take(cpu, r, lazySub32(s) ? s[W_A] <= s[W_B] : testCC(s, 14)); }
function jg(cpu: Cpu, r: Rec): void { const s = cpu.s; take(cpu, r, lazySub32(s) ? s[W_A] > s[W_B] : testCC(s, 15)); }
const FAST_JCC: (typeof jcc | undefined)[] = [undefined, undefined, jb, jae, je, jne, jbe, ja, undefined, undefined, undefined, undefined, jl, jge, jle, jg];

// Mid-block forms (T_COND): leave the block only when taken.
function takeMid(cpu: Cpu, r: Rec, cond: boolean): number | void {
  if (!cond) return;
  jumpNear(cpu, nextEip(cpu, r) + r.imm, r.osz);
  return EXIT;
}
function lazyCond(s: Int32Array, cc: number): boolean {
  return lazySub32(s) ? condSub(cc, s[W_A], s[W_B], s[W_RES]) : testCC(s, cc);
}
function jccMid(cpu: Cpu, r: Rec): number | void { return takeMid(cpu, r, lazyCond(cpu.s, r.sub)); }
function jeMid(cpu: Cpu, r: Rec): number | void { return takeMid(cpu, r, getZF(cpu.s)); }
function jneMid(cpu: Cpu, r: Rec): number | void { return takeMid(cpu, r, !getZF(cpu.s)); }

for (const [m, cc] of JCC) def(m, (r) => {
  r.sub = cc; r.term = T_BRANCH;
  if (r.k0 !== OP_REL) return null;
  r.midExec = cc === 4 ? jeMid : cc === 5 ? jneMid : jccMid;
  return FAST_JCC[cc] ?? jcc;
});

// The operand size of a near branch decides the EIP wrap; the address size decides CX vs ECX.
function counter(cpu: Cpu, r: Rec): number { return r.asz === 4 ? cpu.r32[1] : cpu.r16[2]; }
/**
 * LOOP/LOOPE/LOOPNE: decrement the counter and branch; the target is checked
 * (#GP) before the counter is written, so a fault leaves no change.
 */
function loopStep(cpu: Cpu, r: Rec): boolean {
  const c = r.asz === 4 ? (cpu.r32[1] - 1) | 0 : (cpu.r16[2] - 1) & 0xffff;
  const z = r.sub === 0 ? true : r.sub === 1 ? getZF(cpu.s) : !getZF(cpu.s);
  const taken = c !== 0 && z;
  const t = taken ? nearTarget(cpu, nextEip(cpu, r) + r.imm, r.osz) : 0;
  if (r.asz === 4) cpu.r32[1] = c; else cpu.r16[2] = c;
  if (taken) cpu.s[W_EIP] = t;
  return taken;
}
function loop(cpu: Cpu, r: Rec): void {
  if (!loopStep(cpu, r)) cpu.s[W_EIP] = nextEip(cpu, r);
}
function jcxz(cpu: Cpu, r: Rec): void {
  const next = nextEip(cpu, r);
  if (counter(cpu, r) === 0) jumpNear(cpu, next + r.imm, r.osz);
  else cpu.s[W_EIP] = next;
}
/** LOOP's counter size is the address size: iced's Code names it (…_CX / …_ECX). */
function loopMid(cpu: Cpu, r: Rec): number | void {
  if (loopStep(cpu, r)) return EXIT;
}
function jcxzMid(cpu: Cpu, r: Rec): number | void { return takeMid(cpu, r, counter(cpu, r) === 0); }
function loopFactory(kind: number) {
  return (r: Rec) => { r.sub = kind; r.term = T_BRANCH; r.midExec = loopMid; return loop; };
}
def(Mnemonic.Loop, loopFactory(0));
def(Mnemonic.Loope, loopFactory(1));
def(Mnemonic.Loopne, loopFactory(2));
def([Mnemonic.Jcxz, Mnemonic.Jecxz], (r) => { r.term = T_BRANCH; r.asz = r.mnemonic === Mnemonic.Jecxz ? 4 : 2; r.midExec = jcxzMid; return jcxz; });

// CALL pushes the return address first (may fault), then jumps.
function callRel(cpu: Cpu, r: Rec): void {
  const next = nextEip(cpu, r), t = nearTarget(cpu, next + r.imm, r.osz); // #GP before the push
  if (r.osz === 4) cpu.push32(next); else cpu.push16(next);
  cpu.s[W_EIP] = t;
}
/** Folded CALL: push the return address; the block continues at the target. */
function callFolded(cpu: Cpu, r: Rec): void {
  const next = nextEip(cpu, r);
  nearTarget(cpu, next + r.imm, r.osz);
  if (r.osz === 4) cpu.push32(next); else cpu.push16(next);
}
function callInd(cpu: Cpu, r: Rec): void {
  const next = nextEip(cpu, r);
  const t = r.k0 === OP_REG ? getReg(cpu, r.osz, r.r0) : readMem(cpu, r.osz, ea(cpu, r));
  const tt = nearTarget(cpu, t, r.osz);
  if (r.osz === 4) cpu.push32(next); else cpu.push16(next);
  cpu.s[W_EIP] = tt;
}
def(Mnemonic.Call, (r) => {
  if (isFar(r)) return farCallFactory(r);
  r.term = T_BRANCH;
  if (r.k0 === OP_REL) { r.foldExec = callFolded; return callRel; }
  if (r.k0 === OP_REG || r.k0 === OP_MEM) return callInd;
  return null; // far: families/far.ts
});

function retNear(cpu: Cpu, r: Rec): void {
  const t = r.osz === 4 ? cpu.peek32(0) : cpu.peek16(0);
  jumpNear(cpu, t, r.osz);
  cpu.addSp(r.osz + (r.k0 !== 0 ? r.imm & 0xffff : 0));
}
def(Mnemonic.Ret, (r) => { r.term = T_BRANCH; return retNear; });
