/**
 * Near control transfers: JMP, Jcc, CALL, RET, LOOP/LOOPE/LOOPNE, JCXZ/JECXZ
 * (rows: runtime/isa/branch.ts and cond.ts, which say how each ends a block;
 * the condition is `r.cc`). Conditional branches also get a mid-block
 * handler (`midExec`, for T_COND) and direct JMP/CALL a folded one (`foldExec`).
 */
import type { Cpu } from '../../cpu.js';
import type { Rec } from '../../records.js';
import { EXIT, OP_MEM, OP_REG, OP_REL } from '../../records.js';
import { condSub, testCC, getZF, getCF, K_SUB, W_OP, W_MASK, W_A, W_B, W_RES } from '../../flags.js';
import { ARITH } from '../../state/eflags.js';
import { CS, EIP, SEG_BASE, w } from '../../state/layout.js';
import { TLB_VALID } from '../../mmu.js';
import { bind } from '../table.js';
import { CC_B, CC_AE, CC_E, CC_NE, CC_BE, CC_A, CC_L, CC_GE, CC_LE, CC_G, CC_NONE } from '../../isa/cc.js';
import { ea, getReg, readMem } from '../operands.js';
import { jumpNear, nearTarget, nextEip } from '../control.js';
import { farCallFactory, farJmpFactory } from './far.js';

const W_EIP = w(EIP), W_CS_BASE = w(SEG_BASE) + CS;

function jmpRel(cpu: Cpu, r: Rec): void { jumpNear(cpu, nextEip(cpu, r) + r.imm, r.osz); }
function jmpR(cpu: Cpu, r: Rec): void { jumpNear(cpu, getReg(cpu, r.osz, r.r0), r.osz); }
function jmpM(cpu: Cpu, r: Rec): void { jumpNear(cpu, readMem(cpu, r.osz, ea(cpu, r)), r.osz); }

/** Folded JMP: the block continues at the target; only the CS limit is checked. */
function jmpFolded(cpu: Cpu, r: Rec): void { nearTarget(cpu, nextEip(cpu, r) + r.imm, r.osz); }

bind('jmp', (r) => {
  if (r.k0 === OP_REL) { r.foldExec = jmpFolded; return jmpRel; }
  if (r.k0 === OP_REG) return jmpR;
  if (r.k0 === OP_MEM) return jmpM;
  return null;
});
bind('jmpfar', farJmpFactory);

function jcc(cpu: Cpu, r: Rec): void {
  const next = nextEip(cpu, r);
  if (testCC(cpu.s, r.cc)) jumpNear(cpu, next + r.imm, r.osz);
  else cpu.s[W_EIP] = next;
}

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
function jbe(cpu: Cpu, r: Rec): void { const s = cpu.s; take(cpu, r, lazySub32(s) ? (s[W_A] >>> 0) <= (s[W_B] >>> 0) : testCC(s, CC_BE)); }
function ja(cpu: Cpu, r: Rec): void { const s = cpu.s; take(cpu, r, lazySub32(s) ? (s[W_A] >>> 0) > (s[W_B] >>> 0) : testCC(s, CC_A)); }
function jl(cpu: Cpu, r: Rec): void { const s = cpu.s; take(cpu, r, lazySub32(s) ? s[W_A] < s[W_B] : testCC(s, CC_L)); }
function jge(cpu: Cpu, r: Rec): void { const s = cpu.s; take(cpu, r, lazySub32(s) ? s[W_A] >= s[W_B] : testCC(s, CC_GE)); }
function jle(cpu: Cpu, r: Rec): void { const s = cpu.s; take(cpu, r, lazySub32(s) ? s[W_A] <= s[W_B] : testCC(s, CC_LE)); }
function jg(cpu: Cpu, r: Rec): void { const s = cpu.s; take(cpu, r, lazySub32(s) ? s[W_A] > s[W_B] : testCC(s, CC_G)); }
/** Specialised Jcc handlers by condition code (the others use `jcc`). */
const FAST_JCC: (typeof jcc | undefined)[] = [];
FAST_JCC[CC_B] = jb; FAST_JCC[CC_AE] = jae; FAST_JCC[CC_E] = je; FAST_JCC[CC_NE] = jne;
FAST_JCC[CC_BE] = jbe; FAST_JCC[CC_A] = ja; FAST_JCC[CC_L] = jl; FAST_JCC[CC_GE] = jge; FAST_JCC[CC_LE] = jle; FAST_JCC[CC_G] = jg;

// Mid-block forms (T_COND): leave the block only when taken.
function takeMid(cpu: Cpu, r: Rec, cond: boolean): number | void {
  if (!cond) return;
  jumpNear(cpu, nextEip(cpu, r) + r.imm, r.osz);
  return EXIT;
}
function lazyCond(s: Int32Array, cc: number): boolean {
  return lazySub32(s) ? condSub(cc, s[W_A], s[W_B], s[W_RES]) : testCC(s, cc);
}
function jccMid(cpu: Cpu, r: Rec): number | void { return takeMid(cpu, r, lazyCond(cpu.s, r.cc)); }
function jeMid(cpu: Cpu, r: Rec): number | void { return takeMid(cpu, r, getZF(cpu.s)); }
function jneMid(cpu: Cpu, r: Rec): number | void { return takeMid(cpu, r, !getZF(cpu.s)); }

bind('jcc', (r) => {
  const cc = r.cc;
  if (r.k0 !== OP_REL || cc === CC_NONE) return null;
  r.midExec = cc === CC_E ? jeMid : cc === CC_NE ? jneMid : jccMid;
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
  // LOOP has no condition; LOOPE / LOOPNE carry CC_E / CC_NE.
  const z = r.cc === CC_NONE ? true : r.cc === CC_E ? getZF(cpu.s) : !getZF(cpu.s);
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
bind('loop', (r) => { r.midExec = loopMid; return loop; });
/** JCXZ / JECXZ: the row fixes `r.asz` (the counter the mnemonic names). */
bind('jcxz', (r) => { r.midExec = jcxzMid; return jcxz; });

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

/**
 * Would an instruction fetch at linear `lin` find a lone RET (0xC3) now, with
 * no side effect? Only through a TLB entry that passes the read mask (the
 * fetch's check: no NX here): a miss, a slow page (MMIO, a data breakpoint)
 * or a supervisor page at CPL 3 says no, and the real CALL goes there (its
 * fetch walks the page tables, setting accessed bits, and faults as it
 * should). Generated code makes the same test (codegen/branch.ts retAt), with
 * the mask from the state block.
 */
export function retAt(cpu: Cpu, lin: number): boolean {
  const mmu = cpu.mmu, e = mmu.tlb[lin >>> 12]!;
  return (e & mmu.readMask) === TLB_VALID && mmu.u8[((e & ~0xfff) ^ lin) >>> 0] === 0xc3;
}

/**
 * The 4 bytes of a PIC thunk (`__x86.get_pc_thunk.*`: mov r32, [esp]; ret;
 * 8B /r 24 C3 with mod 00, r/m 100, SIB 24, r32 not ESP) as the
 * little-endian word `thunkAt` compares, or 0 when `word` is not one.
 */
export function thunkWord(word: number): number {
  const modrm = (word >>> 8) & 0xff;
  return (word & 0xff) === 0x8b && (modrm & 0xc7) === 0x04 && ((modrm >>> 3) & 7) !== 4 && ((word >>> 16) & 0xff) === 0x24 && (word >>> 24) === 0xc3 ? word | 0 : 0;
}

/**
 * Would an instruction fetch at linear `lin` find the thunk whose bytes are
 * `word` (thunkWord) now? retAt's test, for the 4 bytes, which must lie in
 * the page of `lin` (one TLB entry proves them all).
 */
export function thunkAt(cpu: Cpu, lin: number, word: number): boolean {
  const mmu = cpu.mmu, e = mmu.tlb[lin >>> 12]!;
  if ((e & mmu.readMask) !== TLB_VALID || (lin & 0xfff) > 0xffc) return false;
  const a = ((e & ~0xfff) ^ lin) >>> 0, u = mmu.u8;
  return (u[a]! | u[a + 1]! << 8 | u[a + 2]! << 16 | u[a + 3]! << 24) === word;
}

/** The run-time check of a paired CALL (its `disp`: 0 when paired with a lone RET, else its thunk's bytes). */
function pairAt(cpu: Cpu, lin: number, word: number): boolean {
  return word === 0 ? retAt(cpu, lin) : thunkAt(cpu, lin, word);
}

/**
 * A CALL rel32 paired with the RET at its target (ends E_PAIRED, the next
 * record; translator/frontend/blocks.ts), or with the thunk there (its MOV,
 * E_THUNK, then its RET: `r.disp` holds the thunk's bytes): the CALL as
 * callRel does it (target checked, return address pushed), then, if the
 * target still holds the lone RET or those bytes now (`retAt`, `thunkAt`:
 * the page may have been remapped or rewritten since the block was
 * decoded), the block goes on with the paired records; otherwise EIP = the
 * target and the block ends here (T_COND).
 */
export function callPaired(cpu: Cpu, r: Rec): number | void {
  const next = nextEip(cpu, r), t = nearTarget(cpu, next + r.imm, 4);
  cpu.push32(next);
  if (pairAt(cpu, (cpu.s[W_CS_BASE]! + t) | 0, r.disp)) return;
  cpu.s[W_EIP] = t;
  return EXIT;
}

/**
 * The paired RET (32-bit; its EIP is the CALL's target, `r.off`): RET as
 * retNear does it. The popped value is what the CALL pushed unless the stack
 * is not RAM; when it is the CALL's return address (`r.next`) the block goes
 * on there, else EIP = the popped value and the block ends (T_COND).
 */
export function retPaired(cpu: Cpu, r: Rec): number | void {
  const v = cpu.peek32(0), t = nearTarget(cpu, v, 4);
  cpu.addSp(4);
  if (t === nextEip(cpu, r)) return;
  cpu.s[W_EIP] = t;
  return EXIT;
}

function callInd(cpu: Cpu, r: Rec): void {
  const next = nextEip(cpu, r);
  const t = r.k0 === OP_REG ? getReg(cpu, r.osz, r.r0) : readMem(cpu, r.osz, ea(cpu, r));
  const tt = nearTarget(cpu, t, r.osz);
  if (r.osz === 4) cpu.push32(next); else cpu.push16(next);
  cpu.s[W_EIP] = tt;
}
bind('call', (r) => {
  if (r.k0 === OP_REL) { r.foldExec = callFolded; return callRel; }
  if (r.k0 === OP_REG || r.k0 === OP_MEM) return callInd;
  return null;
});
bind('callfar', farCallFactory);

function retNear(cpu: Cpu, r: Rec): void {
  const t = r.osz === 4 ? cpu.peek32(0) : cpu.peek16(0);
  jumpNear(cpu, t, r.osz);
  cpu.addSp(r.osz + (r.k0 !== 0 ? r.imm & 0xffff : 0));
}
bind('ret', () => retNear);
