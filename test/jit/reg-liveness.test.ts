/**
 * Dead register stores (translator/jit/reg-liveness.ts, JitOptions.deadRegs):
 * which stores `deadStores` drops given what each record's emitter did, and,
 * on every engine, that the registers stay exact wherever they can be
 * observed: at a fault between a dropped store's record and its overwrite's
 * (the store must stay), at a fault after the overwrite, after a
 * conditional write (CMOVcc: not an overwrite), a narrow write, and at the
 * block's end. The JIT runs with deadRegs on (the default) and off.
 */
import { expect } from 'chai';
import { deadStores, ev, EV_LOAD as LD, EV_OBSERVE as OB, EV_STORE as ST, RC_LOAD, RC_NONE, RC_PURE, type RegClass } from '../../translator/jit/reg-liveness.js';
import { Machine } from '../../src/machine.js';
import { runSnippet, type SnippetResult } from '../../src/snippet.js';
import { hexBytes } from '../helpers/asm.js';
import { TEST_ENGINES } from '../helpers/engines.js';
import { pageTables, withPaging } from '../helpers/paging.js';

const EBX = 3;
const st = (reg: number, top = true): number => ev(ST, reg, top);
const ld = (reg: number): number => ev(LD, reg);
const ob = ev(OB);
/** deadStores on per-record event lists; the answer per record (indices into its own list). */
function dead(classes: RegClass[], events: number[][]): number[][] {
  const starts: number[] = [], flat: number[] = [];
  for (const e of events) { starts.push(flat.length); flat.push(...e); }
  const out: number[][] = events.map(() => []);
  for (const k of deadStores(classes, flat, starts)) {
    let i = 0;
    while (i + 1 < starts.length && starts[i + 1]! <= k) i++;
    out[i]!.push(k - starts[i]!);
  }
  return out;
}

describe('dead register stores: which stores deadStores drops (reg-liveness.ts)', () => {
  const cases: [what: string, classes: RegClass[], events: number[][], want: number[][]][] = [
    ['mov ebx, ebp; shr ebx, 11 (read from the local)', [RC_PURE, RC_PURE], [[st(EBX)], [st(EBX)]], [[0], []]],
    ['the overwrite reads the state: kept', [RC_PURE, RC_PURE], [[st(EBX)], [ld(EBX), st(EBX)]], [[], []]],
    ['a record in between may fault (an observer): kept', [RC_PURE, RC_LOAD, RC_PURE], [[st(EBX)], [ob, st(2)], [st(EBX)]], [[], [], []]],
    ['a record in between not passable: kept', [RC_PURE, RC_NONE, RC_PURE], [[st(EBX)], [], [st(EBX)]], [[], [], []]],
    ['a load into the register (its fault comes before its store) is dropped', [RC_LOAD, RC_PURE], [[ob, st(EBX)], [st(EBX)]], [[1], []]],
    ['an observer after the store in its own record: kept', [RC_PURE, RC_PURE], [[st(EBX), ob], [st(EBX)]], [[], []]],
    ['the overwrite may fault (RC_LOAD): kept', [RC_PURE, RC_LOAD], [[st(EBX)], [ob, st(EBX)]], [[], []]],
    ['a conditional overwrite (not top level): kept', [RC_PURE, RC_PURE], [[st(EBX)], [st(EBX, false)]], [[], []]],
    ['a conditional store in the record: kept', [RC_PURE, RC_PURE], [[st(EBX, false)], [st(EBX)]], [[], []]],
    ['a chain: all but the last dropped', [RC_PURE, RC_PURE, RC_PURE], [[st(EBX)], [st(EBX)], [st(EBX)]], [[0], [0], []]],
    ['other registers in between do not matter', [RC_PURE, RC_PURE, RC_PURE], [[st(EBX)], [ld(1), st(2)], [st(EBX)]], [[0], [], []]],
    ['a read of the register from the state in between: kept', [RC_PURE, RC_PURE, RC_PURE], [[st(EBX)], [ld(EBX), st(2)], [st(EBX)]], [[], [], []]],
    ['the last write of the block: kept', [RC_PURE], [[st(EBX)]], [[]]],
  ];
  for (const [what, classes, events, want] of cases) it(what, () => expect(dead(classes, events)).to.deep.equal(want));
});

for (const engine of TEST_ENGINES) {
  for (const deadRegs of engine === 'jit' ? [true, false] : [undefined]) {
    describe(`registers stay exact where they can be observed [${engine}${deadRegs === undefined ? '' : `, deadRegs ${String(deadRegs)}`}]`, () => {
      const machine = engine === 'jit' ? new Machine({ memoryMiB: 2, engine: 'jit', jit: { threshold: 0, deadRegs } }) : undefined;
      const on = machine === undefined ? {} : { machine };
      const why = (r: SnippetResult): string => `stop ${r.stop} ${r.exception?.name ?? ''} ${r.exception?.reason ?? ''}`;
      const REGS = { ebx: 0x1111, ebp: 0x12345678 };

      it('#PF between a store and its overwrite: the state has the first store', () => {
        // mov ebx, ebp; mov edx, [0x30000] (not present); mov ebx, 5; hlt
        const r = runSnippet({ engine, ...on, code: withPaging(hexBytes('89eb 8b1500000300 bb05000000 f4')), memory: pageTables({ notPresent: [0x30000] }), regs: REGS });
        expect(r.exception, why(r)).to.deep.include({ vector: 14 });
        expect(r.regs.ebx.toString(16)).to.equal('12345678');
      });

      it('#PF after the overwrite: the state has the overwrite', () => {
        // mov ebx, ebp; shr ebx, 0xb; mov edx, [0x30000] (not present); hlt
        const r = runSnippet({ engine, ...on, code: withPaging(hexBytes('89eb c1eb0b 8b1500000300 f4')), memory: pageTables({ notPresent: [0x30000] }), regs: REGS });
        expect(r.exception, why(r)).to.deep.include({ vector: 14 });
        expect(r.regs.ebx).to.equal(0x12345678 >>> 11);
      });

      it('#DE between a store and its overwrite', () => {
        // mov ebx, ebp; div ecx (ecx = 0); mov ebx, 5; hlt
        const r = runSnippet({ engine, ...on, code: hexBytes('89eb f7f1 bb05000000 f4'), regs: { ...REGS, ecx: 0, edx: 0 } });
        expect(r.exception, why(r)).to.deep.include({ vector: 0 });
        expect(r.regs.ebx.toString(16)).to.equal('12345678');
      });

      it('a chain of overwrites, a narrow write, a not-taken CMOVcc and the block end', () => {
        // mov ebx, ebp; shr ebx, 0xb; and ebx, 0xff; mov bl, 7; mov ecx, 1; xor eax, eax; cmovne ecx, ebp (ZF set: kept 1); hlt
        const r = runSnippet({ engine, ...on, code: hexBytes('89eb c1eb0b 81e3ff000000 b307 b901000000 31c0 0f45cd f4'), regs: REGS });
        expect(r.stop, why(r)).to.equal('hlt');
        expect([r.regs.ebx, r.regs.ecx]).to.deep.equal([7, 1]);
      });

      it('a load into the register, then its overwrite, then a fault', () => {
        // mov esi, 0x20000; mov ebx, [esi] (0x21); add ebx, ebx; mov edx, [0x30000] (not present); hlt
        const memory = [...pageTables({ notPresent: [0x30000] }), { addr: 0x20000, bytes: new Uint8Array([0x21, 0, 0, 0]) }];
        const r = runSnippet({ engine, ...on, code: withPaging(hexBytes('be00000200 8b1e 01db 8b1500000300 f4')), memory, regs: REGS });
        expect(r.exception, why(r)).to.deep.include({ vector: 14 });
        expect(r.regs.ebx).to.equal(0x42);
      });
    });
  }
}

describe('dead register stores are dropped (JIT counters)', () => {
  it('mov ebx, ebp; shr ebx, 0xb drops the first store; off: none', () => {
    const count = (deadRegs: boolean): number => {
      const machine = new Machine({ memoryMiB: 2, engine: 'jit', jit: { threshold: 0, deadRegs } });
      const r = runSnippet({ engine: 'jit', machine, code: hexBytes('89eb c1eb0b 83e307 f4'), regs: { ebp: 0x12345678 } });
      expect(r.regs.ebx).to.equal((0x12345678 >>> 11) & 7);
      return machine.jit!.counters.deadRegStores;
    };
    expect(count(true)).to.be.at.least(2);
    expect(count(false)).to.equal(0);
  });
});
