/**
 * The shapes V8 sees stay put (docs/jit-plan.md "Stable JS, session 14"):
 * a Block whose instruction count passes 2^31 keeps its map (runtime/records.ts
 * Block.insns starts as a double), and code optimised on a Block field or a
 * settled counter is not deoptimised when another object first writes that
 * field again (SHAPED, runtime/settle-fields.ts). Checked with V8's natives
 * (--allow-natives-syntax, set at run time: it only affects code parsed after
 * it, here the `new Function` bodies), not with timings.
 */
import { expect } from 'chai';
import v8 from 'node:v8';
import { Block, killBlock } from '../../runtime/records.js';
import { settleFields } from '../../runtime/settle-fields.js';
import { caught } from '../../runtime/interp/loop.js';
import { Machine } from '../../src/machine.js';
import { Pic8259 } from '../../devices/pic8259.js';

v8.setFlagsFromString('--allow-natives-syntax');
const sameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;
const status = new Function('f', 'return %GetOptimizationStatus(f)') as (f: () => unknown) => number;
/** V8's OptimizationStatus bits (src/runtime/runtime.h): kOptimized, kTurboFanned. */
const OPTIMIZED = 1 << 4, TURBOFANNED = 1 << 6;
const optimise = new Function('f', '%PrepareFunctionForOptimization(f); f(); f(); %OptimizeFunctionOnNextCall(f); f();') as (f: () => unknown) => void;
const turbofanned = (f: () => unknown): boolean => (status(f) & (OPTIMIZED | TURBOFANNED)) === (OPTIMIZED | TURBOFANNED);

// (The constness cases come first: a representation change makes a new map, which may not keep constness.)
describe('V8 shapes: maps and field constness that hold through a boot', () => {
  it("code optimised on a Block's `valid` stays optimised when another block is first killed", () => {
    // (A closure over one constant object: TurboFan folds its const fields, depending on them staying const.)
    const f = ((): (() => number) => { const k = new Block(0x4000, true, [], 1, [4]); return () => (k.valid ? 1 : 2); })();
    optimise(f);
    expect(turbofanned(f), 'optimised').to.equal(true);
    killBlock(new Block(0x5000, true, [], 1, [5]));
    expect(turbofanned(f), 'still optimised after killBlock').to.equal(true);
  });

  it("code optimised on a settled counter stays optimised when another object's counter is first bumped", () => {
    const make = (): { hits: number; seen: boolean } => settleFields({ hits: 0, seen: false });
    const f = ((): (() => number) => { const k = make(); return () => k.hits + (k.seen ? 1 : 0); })();
    optimise(f);
    expect(turbofanned(f), 'optimised').to.equal(true);
    const other = make();
    other.hits++;
    other.seen = true;
    expect(turbofanned(f), 'still optimised after the first bump').to.equal(true);
  });

  it("code optimised on the loop's fault tally (loop.ts `caught`) stays optimised when a count stored there is a double", () => {
    // What compiled code retired before a fault is a difference of ICOUNT doubles: stored into small-integer
    // fields it changed the object's map and deoptimised `run` in the boot's user space (session 15).
    // The loop writes both at every fault (`thrown`): mutable, not const, by the time anything is optimised on them.
    caught.executed = 1; caught.executed = 0; caught.compiled = 1; caught.compiled = 0;
    const f = (): number => caught.executed + caught.compiled;
    optimise(f);
    expect(turbofanned(f), 'optimised').to.equal(true);
    caught.executed = 2 ** 31 + 0.5;
    caught.compiled = 0.5;
    expect(f()).to.equal(2 ** 31 + 1);
    expect(turbofanned(f), 'still optimised after a double count').to.equal(true);
    caught.executed = 0;
    caught.compiled = 0;
  });

  it("code optimised on a PIC's pending() stays optimised when another PIC first raises INTR", () => {
    // The loop asks pending() at every block boundary; INTR first changes ~2.386 G into the boot (the
    // kernel's first unmasked IRQ), which threw away `run`'s optimised code while `intr` was const
    // (session 18, early18).
    const f = ((): (() => number) => { const k = new Pic8259(); return () => (k.pending() ? 1 : 2); })();
    optimise(f);
    expect(turbofanned(f), 'optimised').to.equal(true);
    const other = new Pic8259();
    other.biosDefaults();
    other.write(0x21, 1, 0xfa); // unmask IRQ0 (the cascade stays unmasked)
    other.setIrq(0, true);
    expect(other.pending(), 'the other PIC raised INTR').to.equal(true);
    expect(turbofanned(f), 'still optimised after the first INTR').to.equal(true);
    expect(f()).to.equal(2);
  });

  it("a new front end's SMC-calm warm-up (warmCalm) leaves nothing behind", () => {
    const m = new Machine({ memoryMiB: 1, engine: 'interpreter' });
    const fe = m.frontEnd as unknown as { watched: Set<unknown>; byPage: Map<number, unknown> };
    expect(fe.watched.size, 'no page watched').to.equal(0);
    expect(fe.byPage.size, 'no code page').to.equal(0);
    const st = m.frontEnd.stats;
    expect([st.invalidations, st.blocksKilled, st.killedFlush, st.liveBlocks, st.liveRecords]).to.deep.equal([0, 0, 0, 0, 0]);
    expect(m.cpu.phys.codePages[0], 'page 0 not flagged as code').to.equal(0);
  });

  it('settleFields leaves every value as it was', () => {
    const o = settleFields({ a: 0, b: -0, c: 2 ** 40, d: true, e: 'x', f: null as object | null });
    expect(o).to.deep.equal({ a: 0, b: -0, c: 2 ** 40, d: true, e: 'x', f: null });
    expect(Object.is(o.b, -0)).to.equal(true);
  });

  it('a Block keeps its map when its instruction count passes 2^31 (no double field made mid-boot)', () => {
    const before = new Block(0x1000, true, [], 1, [1]);
    const hot = new Block(0x2000, true, [], 1, [2]);
    hot.insns += 2 ** 31 + 5;
    const after = new Block(0x3000, true, [], 1, [3]);
    expect(sameMap(before, after), 'a block made before and one made after').to.equal(true);
    expect(sameMap(hot, after)).to.equal(true);
  });

  it("the front end's spare-record and dying-block lists hold objects' elements kind from the start", () => {
    // `[]` is PACKED_SMI_ELEMENTS until an object is pushed: a new map then, and the loop's optimised `run`
    // (get() reads spare.length) and Machine.run (maintain() reads dying.length) were thrown away at the
    // first eviction (session 17, burst17).
    for (const engine of ['interpreter', 'jit'] as const) {
      const m = new Machine({ memoryMiB: 1, engine });
      const fe = m.frontEnd as unknown as { spare: unknown[]; dying: unknown[] };
      const objects: unknown[] = [{}];
      expect(sameMap(fe.spare, objects), `${engine}: spare`).to.equal(true);
      expect(sameMap(fe.dying, objects), `${engine}: dying`).to.equal(true);
      expect(fe.spare.length + fe.dying.length).to.equal(0);
      m.jit?.release();
    }
  });
});
