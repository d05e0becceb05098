/**
 * Guest memory access from generated code: effective address, segment
 * limit check and the TLB hit inline (the MMU's own test, runtime/mmu.ts:
 * (entry & mask) == TLB_VALID, host offset (entry & ~0xfff) ^ linear: tlbHit, host);
 * everything else (limit failure, TLB miss, page crossing, MMIO, a write to
 * a code page) goes through one runtime import that does the access the
 * interpreter's way, faults included.
 */
import binaryen from '../binaryen.js';
import type { Rec } from '../../../runtime/records.js';
import { READ_MASK, SEG_BASE, SEG_HI, SEG_LO, SEG_WRITE, TLB, WRITE_MASK } from '../../../runtime/state/layout.js';
import { TLB_VALID } from '../../../runtime/mmu.js';
import { irOf, setConstI32 } from '../capi.js';
import { needHelper, slowCall, type SlowAccess } from '../cold.js';
import { tagNow, unlikely } from '../branch-hints.js';
import { appendChild, negate, setLoadOffset, type Fn, type PageGroup, type X } from '../ir.js';

/**
 * The TLB protocol of an inline access (runtime/mmu.ts's own test: (entry &
 * mask) == TLB_VALID, host address (entry & ~0xfff) ^ linear), spelled once
 * for generated code: the one-page test (onePage), the entry and mask test
 * (tlbHit), the host address (host), the access (loadAt, storeAt). The
 * inline check (fastConds) and the checked helper (checkedAccess) are both
 * made of these, so a change to the protocol has one place to go. `Emit` is
 * what they need of a function under construction: a block's Fn, or
 * helperEmit's stand-in inside a module helper (no Fn there).
 */
type Emit = Pick<Fn, 'm' | 'c' | 'get' | 'ld' | 'tee' | 'not'>;

/** The whole access of `size` (> 1) bytes at the linear address in local `lin` lies in one page. */
const onePage = (e: Emit, lin: number, size: number): X => e.m.i32.le_u(e.m.i32.and(e.get(lin), e.c(0xfff)), e.c(0x1000 - size));

/**
 * The TLB entry of the page of local `lin` (`klin`: its value, when it is a
 * constant), teed into local `ent`, maps the page for this access: its bits
 * under READ_MASK or WRITE_MASK (`write`: also read-modify-writes) are
 * TLB_VALID. The mask is loaded from the state every time (the lockstep
 * checker zeroes it to journal stores); returned too, for page groups'
 * leaders (finishGroup patches a read leader's mask load to WRITE_MASK).
 */
export function tlbHit(e: Emit, lin: number, ent: number, write: boolean, klin?: number): [hit: X, mask: X] {
  const m = e.m;
  const entry = klin !== undefined ? m.i32.load(TLB + 4 * (klin >>> 12), 4, e.c(0)) : m.i32.load(TLB, 4, m.i32.shl(m.i32.shr_u(e.get(lin), e.c(12)), e.c(2)));
  const mask = e.ld(write ? WRITE_MASK : READ_MASK);
  return [m.i32.eq(m.i32.and(e.tee(ent, entry), mask), e.c(TLB_VALID)), mask];
}

/** Host byte address of the access once its TLB test passed (entry in local `ent`). */
export function host(e: Emit, lin: number, ent: number): X {
  return e.m.i32.xor(e.m.i32.and(e.get(ent), e.c(~0xfff)), e.get(lin));
}

/** Load `size` bytes (zero-extended) at host address `ptr`. */
function loadAt(m: binaryen.Module, size: number, ptr: X): X {
  return size === 4 ? m.i32.load(0, 1, ptr) : size === 2 ? m.i32.load16_u(0, 1, ptr) : m.i32.load8_u(0, 1, ptr);
}

/** Store the low `size` bytes of `v` at host address `ptr`. */
function storeAt(m: binaryen.Module, size: number, ptr: X, v: X): X {
  return size === 4 ? m.i32.store(0, 1, ptr, v) : size === 2 ? m.i32.store16(0, 1, ptr, v) : m.i32.store8(0, 1, ptr, v);
}

/** An Emit for a module helper's body: the module's shared nodes (capi.ts), no Fn. */
function helperEmit(m: binaryen.Module): Emit {
  const ir = irOf(m);
  return {
    m, c: (v) => ir.i32(v), get: (l) => ir.get(l), ld: (off) => ir.load(off),
    tee: (l, v) => m.local.tee(l, v, binaryen.i32), not: (c) => negate(m, c, ir),
  };
}

/**
 * A whole access with its inline check, as a module helper (a page group's
 * member whose leader did not pass: memberIf): offset = linear address (a
 * segment with base 0 and flat bounds), so the check is the one-page test
 * and the TLB test; else the slow arm (cold.ts slowCall). One call site of
 * a few bytes instead of a second inline check; called as ir.ts slowAccess's
 * helper, in cold.ts coldAccess's place (same parameters).
 */
export function checkedAccess(m: binaryen.Module, kind: SlowAccess, seg: number, size: number, fault: X, off: X, val?: X): X {
  const i32 = binaryen.i32, name = `k_${kind}${seg}_${size}`, OFF = 1, ENT = kind === 'wr' ? 3 : 2;
  if (kind === 'wr' && val === undefined) throw new Error('codegen/mem.ts: a checked write needs its value');
  needHelper(m, name, () => {
    const e = helperEmit(m);
    const conds = [...(size > 1 ? [onePage(e, OFF, size)] : []), tlbHit(e, OFF, ENT, kind !== 'rd')[0]];
    const hit = conds.map((c) => m.br('slow', e.not(c)));
    // Branch hints (branch-hints.ts): the helper's own misses, tagged in it (a block's branches may be pending).
    if (kind === 'wr') {
      tagNow(m, m.addFunction(name, binaryen.createType([i32, i32, i32]), binaryen.none, [i32], m.block(null, [
        m.block('slow', [...hit, storeAt(m, size, host(e, OFF, ENT), e.get(2)), m.return()]),
        ...slowCall(m, kind, seg, size),
      ])), hit);
    } else {
      tagNow(m, m.addFunction(name, binaryen.createType([i32, i32]), i32, [i32], m.block(null, [
        m.block('slow', [...hit, m.return(loadAt(m, size, host(e, OFF, ENT)))]),
        ...slowCall(m, kind, seg, size),
      ], i32)), hit);
    }
  });
  return kind === 'wr' ? m.call(name, [fault, off, val!], binaryen.none) : m.call(name, [fault, off], i32);
}

/** Can the record's memory operand be addressed inline (32-bit addressing)? */
export const inlineEa = (r: Rec): boolean => r.asz === 4;

/** Offset (effective address) of the record's memory operand, 32-bit addressing. */
export function eaOffset(f: Fn, r: Rec): X {
  let e: X | null = r.disp !== 0 || (r.base < 0 && r.index < 0) ? f.c(r.disp) : null;
  // (Straight-line adds, not an `add` arrow made per call: its optimised code went with each of the
  // worker's full GCs, 6-8 optimisations a boot; see Fn.when.)
  if (r.base >= 0) { const x = f.reg(r.base); e = e === null ? x : f.m.i32.add(e, x); }
  if (r.index >= 0) { const x = r.scale ? f.m.i32.shl(f.reg(r.index), f.c(r.scale)) : f.reg(r.index); e = e === null ? x : f.m.i32.add(e, x); }
  return e!;
}

/**
 * `off` = the record's effective address (a fresh local, set once): a
 * constant one (absolute addressing) is noted for the inline test's folding
 * (fastConds).
 */
export function setEa(f: Fn, r: Rec, off: number): X {
  const e = eaOffset(f, r);
  const v = f.valueOf(e);
  if (v !== undefined) f.noteConst(off, v);
  else if (f.pageGroups) {
    // The displacement from the registers' values at the start of their generations (Fn.regDelta).
    const d = r.disp + (r.base >= 0 ? f.regDelta[r.base]! : 0) + (r.index >= 0 ? f.regDelta[r.index]! << r.scale : 0);
    f.eaKeys.set(off, { base: r.base, index: r.index, scale: r.scale, disp: d | 0, gens: gensOf(f, r.base, r.index) });
  }
  return f.set(off, e);
}

/** Local `off`, set by the caller to register `base` + `disp`, may join a page group (PUSH, POP: codegen/stack.ts). */
export function noteEa(f: Fn, off: number, base: number, disp: number): void {
  if (f.pageGroups) f.eaKeys.set(off, { base, index: -1, scale: 0, disp: (disp + f.regDelta[base]!) | 0, gens: gensOf(f, base, -1) });
}

/**
 * The version of an address through `base` and `index`: the newest of their
 * generations and the last call-out (Fn.regGen, Fn.calls: all drawn from one
 * increasing counter, so a new store to either or a call-out makes it grow).
 */
const gensOf = (f: Fn, base: number, index: number): number =>
  Math.max(base >= 0 ? f.regGen[base]! : 0, index >= 0 ? f.regGen[index]! : 0, f.calls);

/**
 * Widest span of bytes a page group covers. Where the span straddles a page
 * boundary (the stack's or a structure's alignment decides, at run time) the
 * leader leaves hb invalid and every member calls the checked helper, each
 * time: sha256sum's round loop ran 1.29x slower with 256 and 64 bytes, 1.09x
 * with 32, 0.90x with 16 (phase-pair, 8 x 1e8 after 3e8).
 */
const GROUP_SPAN = 16;

type GroupUse = { lead: PageGroup; member?: undefined } | { member: PageGroup; lead?: undefined; delta: number };

/**
 * Page groups (Fn.pageGroups): an access whose offset is the record's
 * effective address through registers not stored since, in a segment with
 * base 0 and flat bounds (its offset is its linear address), either joins
 * the open group of the same registers (a read joins a read or write group,
 * a write only a write group: WRITE_MASK holds every READ_MASK bit) when the
 * group's span stays within GROUP_SPAN, or leads a new one. Nothing between
 * a leader and a member can change the TLB entry's answer for that page: the
 * masks, CR3 and the entries change only in call-outs (Fn.calls), a slow
 * access only fills entries (Mmu.fill) or drops TLB_TRACK.
 */
function groupUse(f: Fn, seg: number, off: number, size: number, write: boolean): GroupUse | null {
  if (!f.pageGroups || !f.branches) return null;
  const k = f.eaKeys.get(off);
  if (k === undefined || gensOf(f, k.base, k.index) !== k.gens) return null;
  if (!f.baseZero(seg) || !f.flatBounds(write ? seg + SEG_WRITE : seg)) return null;
  const key = k.gens * 1024 + (((k.base + 1) << 6) | ((k.index + 1) << 2) | k.scale);
  let open = f.openGroups.get(key);
  if (open === undefined) f.openGroups.set(key, open = {});
  // 'merge': one group per registers; a write joining a read leader's group makes the leader check WRITE_MASK.
  const merge = f.pageGroups === 'merge';
  const g = write && !merge ? open.w : open.w ?? open.r;
  if (g !== undefined) {
    const lo = Math.min(g.lo, k.disp), hi = Math.max(g.hi, k.disp + size);
    if (hi - lo <= (f.groupSpan > 0 ? f.groupSpan : GROUP_SPAN)) {
      g.lo = lo;
      g.hi = hi;
      g.members++;
      // This member's own slow arm (numbered next) is the first after the group's last use so far (Fn.slowReload).
      g.until = f.slowArms.length;
      if (write) g.write = true;
      return { member: g, delta: k.disp - g.disp };
    }
  }
  const lead: PageGroup = {
    key, write, hb: f.local(), po: f.groupSpan > 0 ? f.local() : -1, off, disp: k.disp, lo: k.disp, hi: k.disp + size, members: 0,
    // Not the leader's own slow arm (numbered next): hb is the pass top's constant 1 there, nothing to spill.
    from: f.slowArms.length + 1, until: 0,
    setHb: f.m.block(null, []), ent: f.scratch('ent'), mask: null, span: null, loop: null,
  };
  // Fn.loopGroups: a leader in a self-loop's body, its registers unwritten and no call-out so far, may keep hb
  // across the back edge (decided at the end: finishGroup); its access through hb is filled in by fastIf's caller.
  if (f.loopGroups && f.groupSpan === 0 && f.rec <= f.loopEnd && k.gens === 0) {
    lead.loop = { pre: f.m.block(null, []), done: '', size, dst: -1, val: -1, base: k.base, index: k.index };
  }
  f.groups.push(lead);
  if (write || merge) open.w = lead; else open.r = lead;
  return { lead };
}

/**
 * A group with members (Fn.finishGroups): the leader's fast arm sets hb, with
 * bit 0 set unless its span [lo, hi) lies in the leader's page.
 */
export function finishGroup(f: Fn, g: PageGroup): void {
  const m = f.m;
  if (g.loop !== null && f.loopKept(g)) {
    // Fn.loopGroups: the leader's own access through hb while a pass before this one left it valid (the same
    // registers, so the same page and span; no call-out in the loop, so the same TLB answer), the test otherwise.
    const l = g.loop, t = f.label('h'), p = memberPtr(f, g, g.off);
    const fast = l.dst >= 0 ? f.set(l.dst, loadAt(m, l.size, p)) : storeAt(m, l.size, p, f.get(l.val));
    appendChild(l.pre, m.block(t, [unlikely(m.br(t, m.i32.and(f.get(g.hb), f.c(1)))), fast, m.br(l.done)]));
  }
  if (g.span !== null) {
    // Fn.spanLead: the leader's page test now covers [lo, hi) (its fast arm: the whole span in one page), so hb
    // is the entry's host bits with bit 0 clear; a span leaving the page takes the leader's slow arm (hb stays 1).
    setConstI32(g.span.k1, g.lo - g.disp);
    setConstI32(g.span.k2, 0x1000 - (g.hi - g.lo));
    appendChild(g.setHb, f.set(g.hb, m.i32.and(f.get(g.ent), f.c(~0xfff))));
    if (g.write && g.mask !== null) setLoadOffset(g.mask, WRITE_MASK);
    return;
  }
  if (g.po >= 0) {
    // hb = the entry's host bits, po = the leader's page offset: each member tests its own offset (memberIf).
    appendChild(g.setHb, f.set(g.hb, m.i32.and(f.get(g.ent), f.c(~0xfff))));
    appendChild(g.setHb, f.set(g.po, m.i32.and(f.get(g.off), f.c(0xfff))));
    if (g.write && g.mask !== null) setLoadOffset(g.mask, WRITE_MASK);
    return;
  }
  const first = f.add(f.get(g.off), f.c(g.lo - g.disp));
  // hb = the entry's host bits, | 1 when the span leaves the page: the leader's own access goes on inline either way
  // (a span test in its miss chain sent a leader whose span straddles a page to the slow path every time).
  const leaves = m.i32.gt_u(m.i32.and(first, f.c(0xfff)), f.c(0x1000 - (g.hi - g.lo)));
  appendChild(g.setHb, f.set(g.hb, m.i32.or(m.i32.and(f.get(g.ent), f.c(~0xfff)), leaves)));
  // A read leader whose group took writes ('merge'): its TLB test becomes the write test (WRITE_MASK holds READ_MASK's bits).
  if (g.write && g.mask !== null) setLoadOffset(g.mask, WRITE_MASK);
}

/**
 * A member's access: when its group's leader passed in this pass (hb bit 0
 * clear), the host address is hb ^ the offset, no check; else `full`, the
 * access with its own check (checkedAccess: a helper call, few bytes).
 */
function memberIf(f: Fn, g: PageGroup, delta: number, size: number, fast: X, full: X): X {
  const m = f.m, done = f.label('m'), own = f.label('s');
  // Fn.groupSpan: the member's own bytes [po + delta, + size) inside the leader's page (unsigned: below it is above too).
  const other = g.po >= 0 ? m.i32.gt_u(f.add(f.get(g.po), f.c(delta)), f.c(0x1000 - size)) : m.i32.and(f.get(g.hb), f.c(1));
  return m.block(done, [
    m.block(own, [unlikely(m.br(own, other)), fast, m.br(done)]),
    full,
  ]);
}

/**
 * A member's host address when its leader passed: hb ^ the offset. (The fast access is built from it
 * by the caller, not by an arrow memberIf calls: an arrow made per access had its optimised code only
 * while one lived, and the worker's full GCs sent it back to V8 again and again, bench/opt-trace.ts.)
 */
function memberPtr(f: Fn, g: PageGroup, off: number): X {
  return f.m.i32.xor(f.get(g.hb), f.get(off));
}

/**
 * The conditions of the inline access, each true when it holds: offset
 * inside the segment bounds, the whole access in one page, a TLB hit. Writes
 * (and read-modify-writes) test the write bounds (SEG_WLO/SEG_WHI: empty for
 * read-only data and code segments), as the interpreter's `ea()` does
 * through `r.bnd`. A flat segment (checked on block entry, Fn.flatBounds)
 * only needs the access not to wrap past 4 GiB, and with base 0
 * (Fn.baseZero: the linear address is the offset) the one-page test already
 * implies that.
 */
function fastConds(f: Fn, seg: number, off: number, lin: number, ent: number, size: number, write: boolean, lead?: PageGroup): X[] {
  const m = f.m, o = (): X => f.get(off);
  const b = write ? seg + SEG_WRITE : seg;
  const out: X[] = [];
  // A constant offset (absolute addressing): its wrap test is known now; with a zero base (lin is off) so are its
  // page-crossing test and its TLB entry's address. A test known to fail stays in (the slow arm does the access).
  const k = f.constIn(off), klin = lin === off ? k : undefined;
  const wrapOk = k !== undefined && (k >>> 0) + size - 1 <= 0xffffffff;
  if (lead !== undefined && spanLeads(f, size)) {
    // Fn.spanLead: the span test, its constants set by finishGroup (members or not: a lone leader keeps 0, 0x1000 - size).
    const k1 = m.i32.const(0), k2 = m.i32.const(0x1000 - size);
    lead.span = { k1, k2 };
    out.push(m.i32.le_u(m.i32.and(m.i32.add(f.get(lin), k1), f.c(0xfff)), k2));
  } else if (size > 1 && !(klin !== undefined && (klin & 0xfff) <= 0x1000 - size)) out.push(onePage(f, lin, size));
  if (!f.flatBounds(b)) {
    out.push(m.i32.ge_u(o(), f.ld(SEG_LO + 4 * b)));
    if (size > 1 && !wrapOk) out.push(m.i32.ge_u(m.i32.add(o(), f.c(size - 1)), o()));
    out.push(m.i32.le_u(m.i32.add(o(), f.c(size - 1)), f.ld(SEG_HI + 4 * b)));
  } else if (size > 1 && !f.baseZero(seg) && !wrapOk) {
    out.push(m.i32.ge_u(m.i32.add(o(), f.c(size - 1)), o()));
  }
  const [hit, mask] = tlbHit(f, lin, ent, write, klin);
  if (lead !== undefined && !write) lead.mask = mask;
  out.push(hit);
  return out;
}

/** Does a page group's leader of `size` bytes test its group's span (Fn.spanLead)? */
const spanLeads = (f: Fn, size: number): boolean => f.spanLead && f.groupSpan === 0 && size > 1;

/** The inline test as one i32 (1: the access can be made inline); `ent` holds the TLB entry after it. */
export function fastTest(f: Fn, seg: number, off: number, lin: number, ent: number, size: number, write: boolean): X {
  const m = f.m, conds = fastConds(f, seg, off, lin, ent, size, write);
  return conds.reduce((a, c) => m.i32.and(a, c));
}

/**
 * `fast` when the inline test passes, else `slow`, as a chain of
 * conditional branches to the slow arm (one compare and branch per
 * condition, cheapest first, the TLB load last) rather than one i32 made of
 * the conditions' values: TurboFan materialises each compare of an `and`
 * (setcc, movzx) before it tests the result.
 */
export function fastIf(f: Fn, seg: number, off: number, lin: number, ent: number, size: number, write: boolean, fast: X, slow: X, lead?: PageGroup): X {
  const m = f.m, done = f.label('m'), miss = f.label('s');
  const conds = fastConds(f, seg, off, lin, ent, size, write, lead);
  if (!f.branches) return m.if(conds.reduce((a, c) => m.i32.and(a, c)), fast, slow);
  // A loop, not conds.map with an arrow: see Fn.when.
  const arm: X[] = [];
  // Fn.loopGroups: the leader's hb arm (empty unless its group is kept across the back edge: finishGroup).
  if (lead?.loop) { arm.push(lead.loop.pre); lead.loop.done = done; }
  for (const c of conds) arm.push(unlikely(m.br(miss, f.not(c))));
  if (lead) arm.push(lead.setHb);
  arm.push(fast, m.br(done));
  return m.block(done, [m.block(miss, arm), slow]);
}

/** Statements that compute seg:off's linear address into `lin` (offset already in `off`). */
export function linear(f: Fn, seg: number, off: number, lin: number): X {
  return f.set(lin, f.baseZero(seg) ? f.get(off) : f.m.i32.add(f.ld(SEG_BASE + 4 * seg), f.get(off)));
}

/**
 * The local holding seg:off's linear address and the statements that set
 * it: with a zero base (Fn.baseZero) the offset's own local, set already.
 */
function linearIn(f: Fn, seg: number, off: number): [lin: number, set: X[]] {
  if (f.baseZero(seg)) return [off, []];
  const lin = f.scratch('lin');
  return [lin, [linear(f, seg, off, lin)]];
}

/**
 * Read `size` bytes at seg:[off] into local `dst` (zero-extended). `rmw`
 * checks write access first (read-modify-write: the later write cannot fault).
 */
export function read(f: Fn, r: Rec, seg: number, off: number, size: number, dst: number, rmw = false): X {
  const ent = f.scratch('ent'), [lin, set] = linearIn(f, seg, off);
  const g = groupUse(f, seg, off, size, rmw);
  if (g?.member !== undefined) {
    return memberIf(f, g.member, g.delta, size, f.set(dst, loadAt(f.m, size, memberPtr(f, g.member, off))), f.set(dst, f.slowAccess(r, rmw ? 'rdw' : 'rd', seg, size, f.get(off), undefined, checkedAccess)));
  }
  // A leader testing its group's span (Fn.spanLead) may fail that test with its own bytes in one page: the checked helper.
  const helper = g?.lead !== undefined && spanLeads(f, size) ? checkedAccess : undefined;
  if (g?.lead?.loop) g.lead.loop.dst = dst;
  const full = fastIf(f, seg, off, lin, ent, size, rmw,
    f.set(dst, loadAt(f.m, size, host(f, lin, ent))),
    f.set(dst, f.slowAccess(r, rmw ? 'rdw' : 'rd', seg, size, f.get(off), undefined, helper)), g?.lead);
  return f.block([...set, full]);
}

/** The record's write `node` (its slow arm `arm`): counted, the last one kept (Fn.writes, Fn.lastWrite; compile.ts deadArm). */
function noteWrite(f: Fn, node: X, arm: X): X {
  f.writes++;
  f.lastWrite = { node, arm };
  return node;
}

/**
 * Write `size` bytes of `v` at seg:[off]. A slow write may hit code: compile.ts checks BLOCK_DEAD after the
 * record, or in this slow arm when the record ends with its one write (JitOptions.deadArm).
 */
export function write(f: Fn, r: Rec, seg: number, off: number, size: number, v: X): X {
  const m = f.m, ent = f.scratch('ent'), val = f.scratch('val'), [lin, set] = linearIn(f, seg, off);
  const g = groupUse(f, seg, off, size, true);
  if (g?.member !== undefined) {
    const arm = m.block(null, [f.slowAccess(r, 'wr', seg, size, f.get(off), f.get(val), checkedAccess)]);
    return noteWrite(f, f.block([f.set(val, v), memberIf(f, g.member, g.delta, size, storeAt(m, size, memberPtr(f, g.member, off), f.get(val)), arm)]), arm);
  }
  // The slow arm in an unnamed block of its own: compile.ts may append the record's BLOCK_DEAD check to it (JitOptions.deadArm).
  const helper = g?.lead !== undefined && spanLeads(f, size) ? checkedAccess : undefined;
  const arm = m.block(null, [f.slowAccess(r, 'wr', seg, size, f.get(off), f.get(val), helper)]);
  if (g?.lead?.loop) g.lead.loop.val = val;
  const full = fastIf(f, seg, off, lin, ent, size, true,
    storeAt(m, size, host(f, lin, ent), f.get(val)), arm, g?.lead);
  return noteWrite(f, f.block([f.set(val, v), ...set, full]), arm);
}
