/**
 * Near control transfers inline (32-bit code, 32-bit operand size): Jcc
 * (condition from the flag source tracked in the block, or from the lazy
 * state: codegen/flags.ts cond), JMP rel,
 * CALL rel and RET (stack in stack.ts), folded or ending the block. The
 * target is checked against the CS limit as the interpreter does
 * (runtime/interp/control.ts nearTarget); a target outside it runs the
 * record's handler, which raises the #GP.
 */
import { Mnemonic } from '../../../runtime/iced.js';
import binaryen from '../binaryen.js';
import { OP_IMM, OP_MEM, OP_REG, OP_REL, T_COND, type Rec } from '../../../runtime/records.js';
import { eaOffset, host, inlineEa, read, setEa, tlbHit } from './mem.js';
import { CS, ECX, EIP, SEG_BASE, SEG_LIMIT, STACK32, CTX_CS4G, CTX_STACK32 } from '../../../runtime/state/layout.js';
import { E_PAIRED } from '../../../runtime/isa/types.js';
import { CC_NONE } from '../../../runtime/isa/cc.js';
import { isJcc, jccCondition } from '../facts.js';
import type { Fn, X } from '../ir.js';
import { emitter } from '../registry.js';
import { XFER_INNER } from '../chain.js';
import { cond } from './flags.js';
import { pop32, push32, stack32Guard } from './stack.js';

/** EIP of the instruction after `r` (the block's EIP plus the record's offset). */
export function nextEip(f: Fn, r: Rec): X { return f.add(f.get(f.eip0), f.c(r.next)); }

/** Is target `t` (in a local) inside the CS limit? */
function inLimit(f: Fn, t: number): X {
  // CS's limit 4 GiB in the block's context (CODE_CTX, checked on entry): every target is inside.
  if (f.flatBounds(CTX_CS4G)) return f.c(1);
  return f.m.i32.le_u(f.get(t), f.ld(SEG_LIMIT + 4 * CS));
}

/** Static target of a relative branch, as a byte offset from the block start (direct transfers: ir.ts exit). */
export const relTarget = (r: Rec): number => r.next + r.imm;

/**
 * Leave the block at target `t`: EIP = t, `r` retired, or let the handler raise #GP(0). `targets`: its static offsets, if any;
 * `indirect`: a target computed at run time (the module's dispatcher may continue there: chain.ts).
 */
function leaveTo(f: Fn, r: Rec, t: number, targets: readonly number[] = [], indirect = false): X {
  // `t` is the block's EIP + the one static target when there is one (every caller's rel target).
  const eip = { off: targets.length === 1 && !indirect ? targets[0]! : null, t };
  return f.if(inLimit(f, t),
    f.block([f.st(EIP, f.get(t)), f.exit(r.idx + 1, true, targets, indirect, eip)]),
    f.m.drop(f.callout(r)));
}

function jcc(f: Fn, r: Rec, last: boolean): X | null {
  if (!f.code32 || r.osz !== 4 || r.k0 !== OP_REL) return null;
  if (r.term !== T_COND && !last) return null;
  const c = cond(f, jccCondition(r));
  if (c === null) return null;
  const m = f.m, t = f.local();
  const self = selfTarget(f, r);
  const count = innerCount(f, r);
  // A later record of this block (JitOptions.innerJcc): branch there inside the function, after only pure
  // records (the loop's checks between blocks could not have changed anything: chain.ts), the target inside
  // the CS limit as the handler checks it (else the handler raises the #GP).
  const inner = r.term === T_COND && !f.impure ? f.inner.get(r.idx) : undefined;
  const set = f.set(t, f.add(nextEip(f, r), f.c(r.imm)));
  // An earlier record of this block, not the first (JitOptions.innerLoop): loop there inside the function,
  // after only pure records as a self-loop (the target is inside the CS limit: the block ran from there).
  const back = !f.impure ? f.innerBack.get(r.idx) : undefined;
  if (back !== undefined) {
    const taken = f.block([...count, set, f.loopBack(r.idx + 1, t, back.to, back.label)]);
    if (r.term === T_COND) return f.if(c, taken);
    return f.block([f.if(c, taken), f.st(EIP, nextEip(f, r)), f.exit(r.idx + 1, true, [r.next], false, { off: r.next, t: null })]);
  }
  if (inner !== undefined) {
    return f.if(c, f.block([...count, set, f.if(inLimit(f, t), f.innerBranch(r, inner.to, inner.label), m.drop(f.callout(r)))]));
  }
  const taken = f.block([...count, set, self ? f.loopBack(r.idx + 1, t) : leaveTo(f, r, t, [relTarget(r)])]);
  if (r.term === T_COND) return f.if(c, taken);
  // Last record: the fall-through writes EIP too.
  return f.block([f.if(c, taken), f.st(EIP, nextEip(f, r)), f.exit(r.idx + 1, true, [r.next], false, { off: r.next, t: null })]);
}

/**
 * JitOptions.innerCount (a measurement): the counter bump for a taken Jcc whose target is a later
 * ('later') or an earlier record of its block other than the first ('earlier'), else nothing.
 */
function innerCount(f: Fn, r: Rec): X[] {
  if (f.innerCount === false || r.term !== T_COND) return [];
  const to = relTarget(r);
  const at = f.recOffsets.indexOf(to);
  if (at < 0) return [];
  const later = at > r.idx;
  if (f.innerCount === 'later' ? !later : later || at === 0) return [];
  return [f.countXfer(XFER_INNER)];
}

function jmp(f: Fn, r: Rec, last: boolean): X | null {
  if (!f.code32 || r.osz !== 4 || r.k0 !== OP_REL) return null;
  const t = f.local(), set = f.set(t, f.add(nextEip(f, r), f.c(r.imm)));
  // Folded: the block goes on at the target; only the limit check remains.
  if (r.folded) return f.block([set, f.if(f.not(inLimit(f, t)), f.m.drop(f.callout(r)))]);
  if (!last) return null;
  return f.block([set, selfTarget(f, r) ? f.loopBack(r.idx + 1, t) : leaveTo(f, r, t, [relTarget(r)])]);
}

/**
 * Does the block's last record branch back to the block's own start, with
 * only pure records before it? (Then the target is inside the CS limit: the
 * block just ran from there, and nothing in it can change the limit.)
 */
function selfTarget(f: Fn, r: Rec): boolean {
  return r.next + r.imm === 0 && !f.impure && f.mayLoop;
}

/**
 * Would a fetch at CS base + `t` (a local) find what the paired CALL `r` was paired with now
 * (families/branch.ts retAt, thunkAt): its TLB entry passes READ_MASK (from the state: the lockstep checker
 * zeroes it, and then no pair goes on) and the byte there is 0xC3 (r.disp 0), or the 4 bytes there, in that
 * page, are the thunk's (r.disp).
 */
function pairAt(f: Fn, r: Rec, t: number): X {
  const m = f.m, lin = f.local(), e = f.local();
  const bytes = r.disp === 0
    ? m.i32.eq(m.i32.load8_u(0, 1, host(f, lin, e)), f.c(0xc3))
    : m.if(m.i32.le_u(m.i32.and(f.get(lin), f.c(0xfff)), f.c(0xffc)), m.i32.eq(m.i32.load(0, 1, host(f, lin, e)), f.c(r.disp)), f.c(0));
  return m.block(null, [
    f.set(lin, f.baseZero(CS) ? f.get(t) : m.i32.add(f.ld(SEG_BASE + 4 * CS), f.get(t))),
    m.if(tlbHit(f, lin, e, false)[0], bytes, f.c(0)),
  ], binaryen.i32);
}

/** A T_COND record's handler, which may leave the block (returns EXIT having written EIP). */
function calloutMid(f: Fn, r: Rec, targets: readonly number[], indirect: boolean): X {
  return f.if(f.callout(r), f.exit(r.idx + 1, true, targets, indirect));
}

/** `inline` when the stack is 32-bit, else the T_COND record's handler (stack.ts stack32Guard for one that may leave). */
function stack32Mid(f: Fn, r: Rec, inline: X, targets: readonly number[], indirect: boolean): X {
  if (f.flatBounds(CTX_STACK32)) return inline;
  return f.m.if(f.ld(STACK32), inline, calloutMid(f, r, targets, indirect));
}

/**
 * CALL rel32 paired with the RET at its target (families/branch.ts callPaired; the next record is the
 * RET, ends E_PAIRED) or with the thunk there (the next records are its MOV, E_THUNK, and RET): push the
 * return address, then go on when the target still holds the lone RET (the thunk's bytes), else
 * EIP = the target and leave, as the unpaired CALL does.
 */
function callPaired(f: Fn, r: Rec): X {
  const t = f.local();
  f.stored = true;
  const body = f.block([
    push32(f, r, nextEip(f, r)),
    f.if(f.not(pairAt(f, r, t)), f.block([f.st(EIP, f.get(t)), f.exit(r.idx + 1, true, [relTarget(r)], false, { off: relTarget(r), t })])),
  ]);
  return f.block([
    f.set(t, f.add(nextEip(f, r), f.c(r.imm))),
    f.if(inLimit(f, t), stack32Mid(f, r, body, [relTarget(r)], false), calloutMid(f, r, [relTarget(r)], false)),
  ]);
}

function call(f: Fn, r: Rec, last: boolean): X | null {
  if (f.code32 && r.osz === 4 && r.k0 === OP_REL && r.term === T_COND && !last) return callPaired(f, r);
  if (!f.code32 || r.osz !== 4 || r.k0 !== OP_REL || (!r.folded && !last)) return null;
  const m = f.m, t = f.local();
  f.stored = true;
  // The target is checked before the push (the handler's order); then the push may fault.
  const body = f.block([
    push32(f, r, nextEip(f, r)),
    ...(r.folded ? [] : [f.st(EIP, f.get(t)), f.exit(r.idx + 1, true, [relTarget(r)], false, { off: relTarget(r), t })]),
  ]);
  return f.block([
    f.set(t, f.add(nextEip(f, r), f.c(r.imm))),
    f.if(inLimit(f, t), stack32Guard(f, r, body), m.drop(f.callout(r))),
  ]);
}

/** The target of an indirect JMP/CALL r/m32 into local `t` (a memory read may fault). */
function indirectTarget(f: Fn, r: Rec, t: number): X | null {
  if (r.k0 === OP_REG) return f.set(t, f.reg(r.r0));
  if (r.k0 !== OP_MEM || !inlineEa(r)) return null;
  const off = f.local();
  return f.block([setEa(f, r, off), read(f, r, r.seg, off, 4, t)]);
}

/** JMP r/m32: EIP = the target, checked against the CS limit (families/branch.ts jmpR/jmpM). */
function jmpInd(f: Fn, r: Rec, last: boolean): X | null {
  if (!f.code32 || r.osz !== 4 || !last) return null;
  const t = f.local(), get = indirectTarget(f, r, t);
  return get === null ? null : f.block([get, leaveTo(f, r, t, [], true)]);
}

/** CALL r/m32: read the target, check it, push the return address, EIP = target (families/branch.ts callInd). */
function callInd(f: Fn, r: Rec, last: boolean): X | null {
  if (!f.code32 || r.osz !== 4 || !last) return null;
  const t = f.local(), get = indirectTarget(f, r, t);
  if (get === null) return null;
  f.stored = true;
  const body = f.block([push32(f, r, nextEip(f, r)), f.st(EIP, f.get(t)), f.exit(r.idx + 1, true, [], true, { off: null, t })]);
  return f.block([get, f.if(inLimit(f, t), stack32Guard(f, r, body), f.m.drop(f.callout(r)))]);
}

/**
 * The paired RET (families/branch.ts retPaired): pop, check the target, ESP += 4; go on when the popped
 * value is the CALL's return address (r.next), else leave there. Last in its block, it falls through to
 * the block's end, which writes EIP = r.next.
 */
function retPaired(f: Fn, r: Rec): X {
  const m = f.m, t = f.local();
  return stack32Mid(f, r, f.block([
    pop32(f, r, t, false),
    f.if(inLimit(f, t),
      f.block([
        f.setReg(4, m.i32.add(f.reg(4), f.c(4))),
        f.if(m.i32.ne(f.get(t), nextEip(f, r)), f.block([f.st(EIP, f.get(t)), f.exit(r.idx + 1, true, [], true, { off: null, t })])),
      ]),
      calloutMid(f, r, [], true)),
  ]), [], true);
}

function ret(f: Fn, r: Rec, last: boolean): X | null {
  if (f.code32 && r.ends === E_PAIRED) return retPaired(f, r);
  if (!f.code32 || r.osz !== 4 || (r.k0 !== 0 && r.k0 !== OP_IMM) || !last) return null;
  const pop = 4 + (r.k0 === OP_IMM ? r.imm & 0xffff : 0);
  const t = f.local();
  // RET reads the target, checks it, then moves ESP (runtime/interp/families/branch.ts retNear).
  return stack32Guard(f, r, f.block([
    pop32(f, r, t, false),
    f.if(inLimit(f, t),
      f.block([f.setReg(4, f.m.i32.add(f.reg(4), f.c(pop))), f.st(EIP, f.get(t)), f.exit(r.idx + 1, true, [], true, { off: null, t })]),
      f.m.drop(f.callout(r))),
  ]));
}

/**
 * LOOP/LOOPE/LOOPNE and JECXZ (32-bit address and operand size), as
 * runtime/interp/families/branch.ts: LOOP decrements ECX and branches when
 * it is not 0 (and ZF = 1 / 0); the target is checked before ECX is
 * written, so an out-of-limit target runs the handler, which raises the #GP
 * with ECX unchanged.
 */
function loopcc(f: Fn, r: Rec, last: boolean): X | null {
  if (!f.code32 || r.osz !== 4 || r.asz !== 4 || r.k0 !== OP_REL) return null;
  if (r.term !== T_COND && !last) return null;
  const m = f.m, t = f.local(), c = f.local();
  const jecxz = r.mnemonic === Mnemonic.Jecxz;
  const z = jecxz || r.cc === CC_NONE ? null : cond(f, r.cc);
  if (!jecxz && r.cc !== CC_NONE && z === null) return null;
  const write = jecxz ? [] : [f.setReg(ECX, f.get(c))];
  const self = selfTarget(f, r);
  const taken = f.block([
    f.set(t, f.add(nextEip(f, r), f.c(r.imm))),
    self ? f.block([...write, f.loopBack(r.idx + 1, t)])
      : f.if(inLimit(f, t), f.block([...write, f.st(EIP, f.get(t)), f.exit(r.idx + 1, true, [relTarget(r)], false, { off: relTarget(r), t })]), m.drop(f.callout(r))),
  ]);
  const test = jecxz ? m.i32.eqz(f.reg(ECX)) : z === null ? m.i32.ne(f.get(c), f.c(0)) : m.i32.and(m.i32.ne(f.get(c), f.c(0)), z);
  const out: X[] = [];
  if (!jecxz) out.push(f.set(c, m.i32.sub(f.reg(ECX), f.c(1))));
  out.push(f.if(test, taken), ...write);
  if (last) out.push(f.st(EIP, nextEip(f, r)), f.exit(r.idx + 1, true, [r.next], false, { off: r.next, t: null }));
  return f.block(out);
}

emitter('jcc', (f, r, last) => (isJcc(r) ? jcc(f, r, last) : null));
emitter('loop', loopcc);
emitter('jmp', jmp);
emitter('call', call);
emitter('ret', ret);
emitter('jmpind', jmpInd);
emitter('callind', callInd);
void binaryen;
