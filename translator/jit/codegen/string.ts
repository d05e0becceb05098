/**
 * String instructions inline (runtime/interp/families/string.ts is the
 * model), 32-bit addressing only (16-bit SI/DI/CX: call-out).
 *
 * Unrepeated MOVS / STOS / LODS / SCAS: one element through the inline memory
 * access (codegen/mem.ts), eSI/eDI stepped by +-n after the accesses (a
 * fault leaves them untouched, as the handler does). SCAS sets the lazy
 * flags as CMP eAX, ES:[eDI] (K_SUB; families/string.ts once32): the
 * kernel's strcmp/strncmp loops (`lodsb; scasb; jne`) ran their SCASB as a
 * call-out, ~1.5 M of them from the boot's start to its console line
 * (docs/jit-plan.md "Start-up, session 18").
 *
 * REP MOVS / REP STOS: the handler runs min(eCX, REP_CAP) iterations per
 * execution, and the loop counts each execution as one instruction whether
 * eCX reached 0 (EIP = next) or not (EIP stays on the instruction), so the
 * generated code must do exactly that many iterations too. Its fast path
 * does them all at once when DF = 0 and the whole run of k = min(eCX,
 * REP_CAP) elements lies inside the segment bounds and inside one page for
 * the destination (and one for the source) that the TLB says is accessible
 * without side effects (RAM, not a code page, dirty when written: the MMU's
 * own hit test): memory.fill / memory.copy, or an element loop when the
 * destination overlaps the source ahead of it (the CPU copies element by
 * element forward, so the pattern repeats: families/string.ts fastMovs).
 * Nothing can fault there, so no partial state is ever visible. Any other
 * case (eCX = 0 aside) runs the whole execution through the call-out to the
 * handler, which does the same iterations with per-element faults and
 * restart state (SDM vol. 2, REP), then returns to the loop.
 */
import { DF } from '../../../runtime/state/eflags.js';
import { ECX, EDI, EFLAGS, EIP, ES, ESI, READ_MASK, SEG_BASE, SEG_HI, SEG_LO, SEG_WHI, SEG_WLO, TLB, WRITE_MASK } from '../../../runtime/state/layout.js';
import { TLB_VALID } from '../../../runtime/mmu.js';
import { REP_CAP, STR_CMPS, STR_LODS, STR_MOVS, STR_SCAS, STR_STOS } from '../../../runtime/isa/string.js';
import type { Rec } from '../../../runtime/records.js';
import { EXIT_IMPURE } from '../chain.js';
import type { Fn, X } from '../ir.js';
import { emitter } from '../registry.js';
import { read, write } from './mem.js';
import { setLazyN } from './flags.js';


/**
 * Set by compile.ts emitModule for the module being emitted (one at a time per thread):
 * JitOptions.inlineScas (false: SCAS through the call-out, to measure it).
 */
export const stringOptions = { scas: true, repCmp: false };

/** Step of eSI/eDI: -n when DF is set, else n. */
function step(f: Fn, n: number): X {
  const m = f.m;
  return m.select(m.i32.and(f.ld(EFLAGS), f.c(DF)), f.c(-n), f.c(n));
}

/** One MOVS / STOS / LODS / SCAS element (no REP), 32-bit addressing. */
function single(f: Fn, r: Rec): X | null {
  const m = f.m, n = r.osz, d = f.local(), off = f.local(), v = f.local();
  const out: X[] = [f.set(d, step(f, n))];
  switch (r.strop) {
    case STR_MOVS: {
      // The handler checks the destination's bounds before it reads the source (families/string.ts
      // once32): anything but both accesses hitting inline runs the handler, so faults come in its order.
      const off2 = f.local(), nn = f.local(), sl = f.local(), se = f.local(), dl = f.local(), de = f.local();
      f.stored = true;
      out.push(
        f.set(off, f.reg(ESI)), f.set(off2, f.reg(EDI)), f.set(nn, f.c(n)),
        m.if(m.i32.and(runOk(f, ES, true, off2, nn, dl, de), runOk(f, r.seg, false, off, nn, sl, se)),
          f.block([
            store(f, n, hostOf(f, dl, de), load(f, n, hostOf(f, sl, se))),
            f.setReg(ESI, m.i32.add(f.get(off), f.get(d))),
            f.setReg(EDI, m.i32.add(f.get(off2), f.get(d))),
          ]),
          m.drop(f.callout(r))),
      );
      break;
    }
    case STR_STOS:
      f.stored = true;
      out.push(f.set(off, f.reg(EDI)), write(f, r, ES, off, n, f.regN(n, 0)), f.setReg(EDI, m.i32.add(f.get(off), f.get(d))));
      break;
    case STR_LODS:
      out.push(f.set(off, f.reg(ESI)), read(f, r, r.seg, off, n, v), f.setRegN(n, 0, f.get(v)), f.setReg(ESI, m.i32.add(f.get(off), f.get(d))));
      break;
    case STR_SCAS: {
      if (!stringOptions.scas) return null;
      // ES always (no override), the read first (it may fault), then eDI and the flags (a = eAX, b = the element).
      const a = f.local(), res = f.local();
      out.push(
        f.set(off, f.reg(EDI)), read(f, r, ES, off, n, v),
        f.set(a, f.regN(n, 0)), f.set(res, m.i32.sub(f.get(a), f.get(v))),
        f.setReg(EDI, m.i32.add(f.get(off), f.get(d))),
        setLazyN(f, { kind: 'sub', a, b: v, r: res }, n),
      );
      break;
    }
    default:
      return null;
  }
  return f.block(out);
}

/**
 * Whether `len` bytes at seg:`off` (a local) are inside the bounds
 * (read or write) and, from linear address `lin`, inside one page whose
 * TLB entry (into `ent`) allows the access; sets `lin`.
 */
function runOk(f: Fn, seg: number, writeAcc: boolean, off: number, len: number, lin: number, ent: number): X {
  const m = f.m, o = f.get(off), end = m.i32.add(o, m.i32.sub(f.get(len), f.c(1)));
  const lo = writeAcc ? SEG_WLO : SEG_LO, hi = writeAcc ? SEG_WHI : SEG_HI;
  return m.i32.and(
    m.i32.and(m.i32.ge_u(o, f.ld(lo + 4 * seg)), m.i32.and(m.i32.ge_u(end, o), m.i32.le_u(end, f.ld(hi + 4 * seg)))),
    m.i32.and(
      m.i32.le_u(m.i32.add(m.i32.and(f.tee(lin, m.i32.add(f.ld(SEG_BASE + 4 * seg), o)), f.c(0xfff)), f.get(len)), f.c(0x1000)),
      m.i32.eq(m.i32.and(f.tee(ent, m.i32.load(TLB, 4, m.i32.shl(m.i32.shr_u(f.get(lin), f.c(12)), f.c(2)))), f.ld(writeAcc ? WRITE_MASK : READ_MASK)),
        f.c(TLB_VALID))));
}

const hostOf = (f: Fn, lin: number, ent: number): X => f.m.i32.xor(f.m.i32.and(f.get(ent), f.c(~0xfff)), f.get(lin));

function store(f: Fn, n: number, ptr: X, v: X): X {
  const m = f.m;
  return n === 4 ? m.i32.store(0, 1, ptr, v) : n === 2 ? m.i32.store16(0, 1, ptr, v) : m.i32.store8(0, 1, ptr, v);
}
function load(f: Fn, n: number, ptr: X): X {
  const m = f.m;
  return n === 4 ? m.i32.load(0, 1, ptr) : n === 2 ? m.i32.load16_u(0, 1, ptr) : m.i32.load8_u(0, 1, ptr);
}

/** `for (i = 0; i < len; i += n) body(i)` (len > 0). */
function forEach(f: Fn, n: number, len: number, body: (i: number) => X): X {
  const m = f.m, i = f.local(), label = `rep${i}`;
  return f.block([
    f.set(i, f.c(0)),
    m.loop(label, f.block([body(i), f.set(i, m.i32.add(f.get(i), f.c(n))), m.br(label, m.i32.lt_u(f.get(i), f.get(len)))])),
  ]);
}

function repeated(f: Fn, r: Rec): X | null {
  if (r.strop !== STR_MOVS && r.strop !== STR_STOS) return null;
  const m = f.m, n = r.osz, movs = r.strop === STR_MOVS;
  const k = f.local(), len = f.local(), di = f.local(), dl = f.local(), de = f.local(), hd = f.local();
  const si = f.local(), sl = f.local(), se = f.local(), hs = f.local();
  const cx = (): X => f.reg(ECX);
  // k = min(eCX, REP_CAP) (unsigned), len = k * n.
  const setK = f.set(k, m.select(m.i32.le_u(cx(), f.c(REP_CAP)), cx(), f.c(REP_CAP)));
  let ok = m.i32.and(m.i32.eqz(m.i32.and(f.ld(EFLAGS), f.c(DF))),
    runOk(f, ES, true, di, len, dl, de));
  if (movs) ok = m.i32.and(ok, runOk(f, r.seg, false, si, len, sl, se));
  const work: X[] = [f.set(hd, hostOf(f, dl, de))];
  if (movs) {
    work.push(
      f.set(hs, hostOf(f, sl, se)),
      m.if(m.i32.and(m.i32.gt_u(f.get(hd), f.get(hs)), m.i32.lt_u(f.get(hd), m.i32.add(f.get(hs), f.get(len)))),
        // The destination overlaps the source ahead of it: element by element, forward.
        forEach(f, n, len, (i) => store(f, n, m.i32.add(f.get(hd), f.get(i)), load(f, n, m.i32.add(f.get(hs), f.get(i))))),
        m.memory.copy(f.get(hd), f.get(hs), f.get(len))),
      f.setReg(ESI, m.i32.add(f.get(si), f.get(len))),
    );
  } else {
    const v = f.local(), b = f.local();
    // A value whose bytes are all equal (zero above all: clear_page, memset 0) is a byte fill.
    const splat = n === 4 ? m.i32.mul(f.get(b), f.c(0x01010101)) : n === 2 ? m.i32.mul(f.get(b), f.c(0x0101)) : f.get(b);
    work.push(
      f.set(v, f.regN(n, 0)),
      f.set(b, m.i32.and(f.get(v), f.c(0xff))),
      n === 1 ? m.memory.fill(f.get(hd), f.get(b), f.get(len))
        : m.if(m.i32.eq(splat, f.get(v)), m.memory.fill(f.get(hd), f.get(b), f.get(len)),
          forEach(f, n, len, (i) => store(f, n, m.i32.add(f.get(hd), f.get(i)), f.get(v)))),
    );
  }
  work.push(
    f.setReg(EDI, m.i32.add(f.get(di), f.get(len))),
    f.setReg(ECX, m.i32.sub(cx(), f.get(k))),
    f.st(EIP, m.select(cx(), f.eipAt(r.off), f.eipAt(r.next))),
  );
  // The slow arm: the handler runs this execution (faults, restarts, DF = 1, page crossings); EIP is written.
  const slow = f.block([m.drop(f.callout(r)), f.leave(r.idx + 1, EXIT_IMPURE)]);
  f.flags = null;
  return f.block([
    setK,
    m.if(m.i32.eqz(f.get(k)),
      f.st(EIP, f.eipAt(r.next)),
      f.block([
        f.set(len, m.i32.mul(f.get(k), f.c(n))),
        f.set(di, f.reg(EDI)),
        ...(movs ? [f.set(si, f.reg(ESI))] : []),
        m.if(ok, f.block(work), slow),
      ])),
  ]);
}

/**
 * REPE / REPNE CMPS and SCAS (JitOptions.inlineRepCmp): as the handler does one execution
 * (families/string.ts `repeated`: k = min(eCX, REP_CAP) elements at most, stopping after the
 * first element whose compare meets the condition), when DF = 0 and the kk = min(k, elements
 * left in each operand's page) elements lie inside the segments' read bounds and inside pages
 * the TLB says are readable RAM: a compare loop over them. If it stops (the condition, or all
 * k done) the registers, the lazy flags (the last compare: K_SUB, as CMP) and EIP are written;
 * if it ran out of page first nothing was written (reads only) and the slow arm runs the
 * whole execution through the handler, then leaves (its per-element faults, page crossings).
 * Before this, the call-out made the block impure (facts.ts isPureCallout: a REP string
 * instruction writes EIP), so every execution returned to the loop: the kernel's early setup
 * runs ~94 K REPE CMPSB executions of ~1 element each and ~15 K REPNE SCASB (strlen, ~11).
 */
function repeatedCmp(f: Fn, r: Rec): X | null {
  if (!stringOptions.repCmp) return null;
  const m = f.m, n = r.osz, cmps = r.strop === STR_CMPS, stopEq = r.rep === 2, sh = n === 4 ? 2 : n === 2 ? 1 : 0;
  const k = f.local(), kk = f.local(), room = f.local(), len = f.local(), i = f.local(), stop = f.local();
  const di = f.local(), dl = f.local(), de = f.local(), pd = f.local();
  const si = f.local(), sl = f.local(), se = f.local(), ps = f.local();
  const a = f.local(), b = f.local(), res = f.local();
  const cx = (): X => f.reg(ECX);
  /** Whole elements from seg:off to the end of its page. */
  const roomOf = (seg: number, off: number): X =>
    m.i32.shr_u(m.i32.sub(f.c(0x1000), m.i32.and(m.i32.add(f.ld(SEG_BASE + 4 * seg), f.get(off)), f.c(0xfff))), f.c(sh));
  const minInto = (dst: number, x: number, y: number): X => f.set(dst, m.select(m.i32.le_u(f.get(x), f.get(y)), f.get(x), f.get(y)));
  const setup: X[] = [
    f.set(di, f.reg(EDI)),
    f.set(room, roomOf(ES, di)), minInto(kk, k, room),
  ];
  if (cmps) setup.push(f.set(si, f.reg(ESI)), f.set(room, roomOf(r.seg, si)), minInto(kk, kk, room));
  setup.push(f.set(len, m.i32.shl(f.get(kk), f.c(sh))));
  let ok = m.i32.and(m.i32.eqz(m.i32.and(f.ld(EFLAGS), f.c(DF))), m.i32.and(m.i32.ne(f.get(kk), f.c(0)), runOk(f, ES, false, di, len, dl, de)));
  if (cmps) ok = m.i32.and(ok, runOk(f, r.seg, false, si, len, sl, se));
  const label = `repc${i}`;
  const body: X[] = [f.set(b, load(f, n, f.get(pd)))];
  if (cmps) body.unshift(f.set(a, load(f, n, f.get(ps))));
  body.push(
    f.set(res, m.i32.sub(f.get(a), f.get(b))),
    f.set(i, m.i32.add(f.get(i), f.c(1))),
    f.set(pd, m.i32.add(f.get(pd), f.c(n))),
    ...(cmps ? [f.set(ps, m.i32.add(f.get(ps), f.c(n)))] : []),
    // Go on while the compare does not stop it and elements are left in the pages.
    m.br(label, m.i32.and(stopEq ? m.i32.ne(f.get(res), f.c(0)) : m.i32.eqz(f.get(res)), m.i32.lt_u(f.get(i), f.get(kk)))),
  );
  const scan: X[] = [
    f.set(pd, hostOf(f, dl, de)),
    ...(cmps ? [f.set(ps, hostOf(f, sl, se))] : [f.set(a, f.regN(n, 0))]),
    f.set(i, f.c(0)),
    m.loop(label, f.block(body)),
    f.set(stop, stopEq ? m.i32.eqz(f.get(res)) : m.i32.ne(f.get(res), f.c(0))),
  ];
  const done = f.block([
    ...(cmps ? [f.setReg(ESI, m.i32.add(f.get(si), m.i32.shl(f.get(i), f.c(sh))))] : []),
    f.setReg(EDI, m.i32.add(f.get(di), m.i32.shl(f.get(i), f.c(sh)))),
    f.setReg(ECX, m.i32.sub(cx(), f.get(i))),
    setLazyN(f, { kind: 'sub', a, b, r: res }, n),
    // EIP stays on the instruction only when it neither stopped nor finished eCX (REP_CAP reached).
    f.st(EIP, m.select(f.get(stop), f.eipAt(r.next), m.select(cx(), f.eipAt(r.off), f.eipAt(r.next)))),
  ]);
  // The slow arm: the handler runs this execution (faults, restarts, DF = 1, page crossings); EIP is written.
  const slow = (): X => f.block([m.drop(f.callout(r)), f.leave(r.idx + 1, EXIT_IMPURE)]);
  const out = f.block([
    f.set(k, m.select(m.i32.le_u(cx(), f.c(REP_CAP)), cx(), f.c(REP_CAP))),
    m.if(m.i32.eqz(f.get(k)),
      f.st(EIP, f.eipAt(r.next)),
      f.block([
        ...setup,
        m.if(ok,
          f.block([...scan, m.if(m.i32.or(f.get(stop), m.i32.eq(f.get(i), f.get(k))), done, slow())]),
          slow()),
      ])),
  ]);
  f.flags = null;
  return out;
}

emitter('string', (f, r) => {
  if (r.asz !== 4) return null;
  if (r.rep !== 0) return r.strop === STR_CMPS || r.strop === STR_SCAS ? repeatedCmp(f, r) : repeated(f, r);
  return r.strop === STR_CMPS ? null : single(f, r);
});
