/**
 * The front end's size bound (translator/frontend/blocks.ts evict()): an
 * eviction pass drops the blocks that did not run since the previous pass,
 * except those with compiled code, which go only when the pass cannot reach
 * its low-water mark without them, and after the interpreted blocks that ran
 * fewer than COMPILED_USE times (losing a compiled block costs a decode, a
 * warm-up interpreted and a compile, not just a decode). Use is counted
 * from the last recency mark: the previous pass, or mark(), which
 * maintain() runs once between passes when the cache passes MARK_AT of the
 * bound (without it a pass measured use since the previous pass, billions of
 * instructions back on the boot, and the first pass knew nothing and dropped
 * the oldest blocks, compiled ones included).
 */
import { expect } from 'chai';
import { Machine } from '../../src/machine.js';
import { runSnippet } from '../../src/snippet.js';
import { TEST_ENGINES } from '../helpers/engines.js';
import { BLOCK_EXIT, NO_EVICT_MARK, type Rec } from '../../runtime/records.js';
import type { Cpu } from '../../runtime/cpu.js';
import { GC_GARBAGE, MARK_AT, WARM_LOW_WATER } from '../../translator/frontend/blocks.js';

/** mov ecx, n; L: add eax, ecx; dec ecx; jnz L; hlt. Blocks: 0x1000 (runs once), 0x1005 (L: hot, compiled under the JIT). */
function loop(n: number): Uint8Array {
  return new Uint8Array([0xb9, n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24, 0x01, 0xc8, 0x49, 0x75, 0xfb, 0xf4]);
}

/**
 * Four blocks of two, two, two and one records: `mov eax, next; jmp eax` at 0x1000, 0x1010 and 0x1020
 * (an indirect JMP ends a block), `hlt` at 0x1030.
 */
function jumps(): Uint8Array {
  const code = new Uint8Array(0x31).fill(0x90);
  for (const at of [0x00, 0x10, 0x20]) code.set([0xb8, at + 0x10, 0x10, 0, 0, 0xff, 0xe0], at);
  code[0x30] = 0xf4;
  return code;
}
const JUMPS = [0x1000, 0x1010, 0x1020, 0x1030];

for (const engine of TEST_ENGINES) {
  describe(`front end eviction passes [${engine}]`, () => {
    it('an idle block with compiled code outlives a pass that reaches its low-water mark without it', () => {
      const m = new Machine({ memoryMiB: 2, engine, jit: { threshold: 10, sync: true, batch: 1 }, frontEnd: { maxRecords: 1000, gcAfterEvict: false } });
      const r = runSnippet({ engine, machine: m, code: loop(1000) });
      expect(r.stop).to.equal('hlt');
      const fe = m.frontEnd;
      const head = fe.peek(0x1000, true), body = fe.peek(0x1005, true);
      expect(head !== undefined && body !== undefined, 'both blocks decoded').to.equal(true);
      expect(body!.jit !== null, 'L compiled').to.equal(engine === 'jit');
      fe.evict(); // first pass: marks every block (all new since the last pass: nothing evicted)
      expect([fe.peek(0x1000, true), fe.peek(0x1005, true)]).to.deep.equal([head, body]);
      fe.evict(); // neither ran since: the interpreted one goes, the compiled one stays (9 records << 750)
      expect(fe.peek(0x1000, true), 'idle interpreted block').to.equal(undefined);
      expect(fe.peek(0x1005, true), 'idle compiled block').to.equal(engine === 'jit' ? body : undefined);
      // The bound still holds: with room for none, it goes too.
      fe.maxRecords = 1;
      fe.evict();
      expect(fe.peek(0x1005, true)).to.equal(undefined);
      expect(fe.stats.liveRecords).to.equal(0);
    });

    it('when one must go, an idle compiled block ranks after an interpreted one that ran a few times', () => {
      const m = new Machine({ memoryMiB: 2, engine, jit: { threshold: 10, sync: true, batch: 1 }, frontEnd: { maxRecords: 1000, gcAfterEvict: false } });
      runSnippet({ engine, machine: m, code: loop(1000) });
      const fe = m.frontEnd;
      const head = fe.peek(0x1000, true)!, body = fe.peek(0x1005, true)!;
      expect([head.recs.length, body.recs.length]).to.deep.equal([5, 4]);
      fe.evict(); // marks both
      head.hits += 3; // the interpreted block ran 3 times since, the compiled one not at all
      fe.maxRecords = 8; // low-water mark 6 of the 9 records: one block must go
      fe.evict();
      const left = [fe.peek(0x1000, true), fe.peek(0x1005, true)];
      // Interpreter: L is idle, so it goes. JIT: L is compiled, so the head goes instead.
      expect(left).to.deep.equal(engine === 'jit' ? [undefined, body] : [head, undefined]);
    });
    for (const recycle of [true, false]) {
      it(`an evicted block's records are ${recycle ? '' : 'not '}decoded into again (recycle: ${recycle})`, () => {
        const m = new Machine({ memoryMiB: 2, engine, jit: { threshold: 10, sync: true, batch: 1 }, frontEnd: { maxRecords: 1000, gcAfterEvict: false, recycle } });
        expect(runSnippet({ engine, machine: m, code: loop(1000) }).regs.eax).to.equal(500500);
        const fe = m.frontEnd;
        const head = fe.peek(0x1000, true)!;
        const own: Rec[] = head.recs.slice();
        fe.evict();
        fe.evict(); // the head did not run since: it goes
        expect(fe.peek(0x1000, true)).to.equal(undefined);
        expect(head.valid).to.equal(false);
        // Its array now only stops a block (the same length), its own records are spare.
        expect(head.recs.length).to.equal(own.length);
        if (recycle) {
          expect(head.recs.every((r) => !own.includes(r))).to.equal(true);
          expect(() => head.recs[0]!.exec(m.cpu as Cpu, head.recs[0]!)).to.throw().that.equals(BLOCK_EXIT);
        } else expect(head.recs).to.deep.equal(own);
        // Another program at the same place: decoded into the head's old records (or new ones), and right.
        const r = runSnippet({ engine, machine: m, code: loop(7) });
        expect(r.regs.eax).to.equal(28);
        const again = fe.peek(0x1000, true)!;
        expect(again !== head && again.valid).to.equal(true);
        expect(again.recs.some((x) => own.includes(x)), 'old records reused').to.equal(recycle);
        expect(fe.stats.recycled > 0).to.equal(recycle);
      });
    }

    for (const lowWater of [WARM_LOW_WATER, undefined]) {
      it(`a pass drops every idle interpreted block, but blocks that ran only down to ${lowWater ?? 'EVICT_LOW_WATER'} of the bound`, () => {
        // Threshold out of reach: the blocks stay interpreted on both engines (this is about the front end's ranking).
        const m = new Machine({ memoryMiB: 2, engine, jit: { threshold: 1e9, sync: true }, frontEnd: { maxRecords: 1000, gcAfterEvict: false, lowWater } });
        expect(runSnippet({ engine, machine: m, code: jumps() }).stop).to.equal('hlt');
        const fe = m.frontEnd;
        const [a, b, c, d] = JUMPS.map((p) => fe.peek(p, true)!);
        expect([a!.recs.length, b!.recs.length, c!.recs.length, d!.recs.length]).to.deep.equal([2, 2, 2, 1]);
        fe.evict(); // marks every block (all new: nothing goes)
        b!.hits += 1; c!.hits += 2; // since the mark B and C ran, A and D did not
        // 7 records over a bound of 5: the idle A and D go whatever the level (4 left). WARM_LOW_WATER (7/8) of 5 is
        // 4.375: B and C stay; at EVICT_LOW_WATER (3/4: 3.75, the default) the least used of them, B, goes too.
        fe.maxRecords = 5;
        fe.evict();
        expect(JUMPS.map((p) => fe.peek(p, true))).to.deep.equal(lowWater === WARM_LOW_WATER ? [undefined, b, c, undefined] : [undefined, undefined, c, undefined]);
      });
    }

    it('with gcGarbage, a pass collects garbage only once the records it left to the GC reach that fraction of the bound', () => {
      const m = new Machine({ memoryMiB: 2, engine, jit: { threshold: 1e9, sync: true }, frontEnd: { maxRecords: 1000, gcGarbage: GC_GARBAGE } });
      runSnippet({ engine, machine: m, code: jumps() });
      const fe = m.frontEnd;
      fe.evict();
      fe.evict(); // none ran since the first pass: all 7 records go, and all fit the spare records (a quarter of the bound)
      expect(JUMPS.map((p) => fe.peek(p, true))).to.deep.equal([undefined, undefined, undefined, undefined]);
      expect([fe.stats.evictions, fe.stats.collections]).to.deep.equal([2, 0]);
      // The same code again, decoded into those 7 spare records; now with room for 2 spare records (a bound of 8):
      // a pass leaves 5 to the GC, past GC_GARBAGE of the bound (1), and collects.
      runSnippet({ engine, machine: m, code: jumps() });
      expect(fe.stats.recycled).to.equal(7);
      fe.maxRecords = 8;
      expect(5).to.be.at.least(8 * GC_GARBAGE);
      fe.evict();
      fe.evict();
      expect([fe.stats.evictions, fe.stats.collections, fe.stats.liveRecords]).to.deep.equal([4, 1, 0]);
    });

    it('maintain() marks recency once the cache passes MARK_AT of the bound: the next pass keeps the old block that ran since', () => {
      // Threshold out of reach: both blocks stay interpreted on both engines (this is about the front end's ranking).
      const m = new Machine({ memoryMiB: 2, engine, jit: { threshold: 1e9, sync: true }, frontEnd: { maxRecords: 1000, gcAfterEvict: false, markAt: MARK_AT } });
      runSnippet({ engine, machine: m, code: loop(100) });
      const fe = m.frontEnd;
      const head = fe.peek(0x1000, true)!, body = fe.peek(0x1005, true)!;
      expect([head.recs.length, body.recs.length, head.jit, body.jit]).to.deep.equal([5, 4, null, null]);
      expect(9).to.be.above(MARK_AT * 10).and.at.most(MARK_AT * 11); // 9 records pass MARK_AT of a bound of 10, not of 11
      fe.maxRecords = 11;
      fe.maintain(); // 9 of 11: under MARK_AT, nothing happens
      expect([head.evictMark, body.evictMark]).to.deep.equal([NO_EVICT_MARK, NO_EVICT_MARK]);
      fe.maxRecords = 10;
      fe.maintain(); // 9 of 10: above MARK_AT, under the bound: marked, nothing evicted
      expect([head.evictMark, body.evictMark]).to.deep.equal([head.hits, body.hits]);
      expect(fe.stats.evictions).to.equal(0);
      head.hits += 3; // the older block runs again, the newer (the loop) does not
      fe.maxRecords = 8; // low-water mark 6 of the 9 records: one block must go
      fe.evict();
      // Ranked by use since the mark, the idle loop goes. Unmarked, every block counted as unknown and the
      // oldest (the head) went first.
      expect([fe.peek(0x1000, true), fe.peek(0x1005, true)]).to.deep.equal([head, undefined]);
    });

    it('compactAfterEvict: each pass is followed by a compacting collection; the guest runs the same (off by default)', () => {
      const run = (compactAfterEvict?: boolean) => {
        const m = new Machine({ memoryMiB: 2, engine, jit: { threshold: 10, sync: true, batch: 1 }, frontEnd: { maxRecords: 1000, ...(compactAfterEvict === undefined ? {} : { compactAfterEvict }) } });
        const r = runSnippet({ engine, machine: m, code: loop(1000) });
        const fe = m.frontEnd;
        fe.evict();
        fe.evict();
        return { stop: r.stop, eax: r.regs.eax, passes: fe.stats.evictions, compactions: fe.stats.compactions };
      };
      const on = run(true), off = run(false), dflt = run();
      expect(on.passes).to.equal(2);
      expect(on.compactions, 'compacting collections').to.equal(on.passes);
      expect([off.compactions, dflt.compactions]).to.deep.equal([0, 0]);
      expect({ ...on, compactions: 0 }).to.deep.equal({ ...off, compactions: 0 });
    });

    it('youngFreeze: the young generation is frozen at the first slice after that many passes, not before; off by default', () => {
      const run = (youngFreeze?: number) => {
        const m = new Machine({ memoryMiB: 2, engine, jit: { threshold: 10, sync: true, batch: 1 }, frontEnd: { maxRecords: 1000, ...(youngFreeze === undefined ? {} : { youngFreeze }) } });
        const r = runSnippet({ engine, machine: m, code: loop(1000) });
        const fe = m.frontEnd;
        const before = fe.stats.youngFrozenAt;
        fe.evict();
        fe.maintain();
        const after = fe.stats.youngFrozenAt;
        fe.releaseYoung(); // the flag is process-wide: the other tests run with V8's growth
        return { stop: r.stop, eax: r.regs.eax, before, after };
      };
      const on = run(1), dflt = run();
      expect(on.before, 'not frozen before the pass').to.be.below(0);
      expect(on.after, 'frozen at the slice after it (its instruction count)').to.be.at.least(0);
      expect([dflt.before, dflt.after]).to.satisfy((v: number[]) => v.every((x) => x < 0));
      expect({ ...on, before: 0, after: 0 }).to.deep.equal({ ...dflt, before: 0, after: 0 });
    });
  });
}
