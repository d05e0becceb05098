/**
 * Indirect and cross-page transfers between compiled blocks
 * (translator/jit/chain.ts "Indirect and cross-page transfers"): a RET,
 * RET imm16, JMP/CALL r/m32, or a static exit into another page, continues
 * inside wasm into a block of the same module through the module's
 * dispatcher, guarded by the target page's TLB entry, the target's alive
 * global and the budget. Each case runs on every engine with the same
 * expectations; on the JIT the machine compiles hot blocks (threshold 2)
 * and flushes its queue between slices, so the loop's blocks land in one
 * module, and the case checks that transfers did go through the dispatcher.
 *
 * Machine code assembled with nasm (`bits 32`, the org given); listings in
 * the comments.
 */
import { expect } from 'chai';
import { runSnippet } from '../../src/snippet.js';
import { Machine } from '../../src/machine.js';
import { hexBytes } from '../helpers/asm.js';
import { flatWithTimerGate } from '../helpers/flat-machine.js';
import { TEST_ENGINES } from '../helpers/engines.js';
import { remappedTables } from '../helpers/paging.js';
import type { EngineName } from '../../src/machine.js';
import { XFER_GLOBAL, XFER_INDIRECT, XFER_MODULE, XFER_PAGE } from '../../translator/jit/chain.js';
import { decode as decodeDescriptor } from '../../runtime/segments.js';
import { CR0, CS, GDTR_BASE, GDTR_LIMIT, IDTR_BASE, IDTR_LIMIT, w } from '../../runtime/state/layout.js';
import type { InterruptSource } from '../../runtime/irq.js';
import { why, mem, CALLRET, CALLRET_F, CALLRET_INSNS, callRetRegs, PATCH, PATCH_F, REMAP, REMAP_INSNS } from '../helpers/transfer-programs.js';

const ORG = 0x1000;


/**
 * A jump table, CALL r32, CALL m32, RET and RET imm16 in one page:
 *   mov ecx, 400; xor ebx, ebx; mov esi, tbl
 *   L (0x100c): mov eax, ecx; and eax, 3; jmp [esi + eax*4]
 *   c0: add ebx, 1; jmp next        c1: add ebx, 100; jmp next
 *   c2: mov edx, fn; call edx; jmp next
 *   c3: call [esi + 16]
 *   next: dec ecx; jnz L; hlt
 *   fn: add ebx, 10000; ret         fn2: add ebp, 1; ret 0
 *   tbl (0x103c): dd c0, c1, c2, c3, fn2
 */
const TABLE = 'b99001000031dbbe3c10000089c883e003ff248683c301eb1183c364eb0cba2e100000ffd2eb03ff56104975dff481c310270000c383c501c200009014100000191000001e1000002710000035100000';
/** 3 + 100 x (L 3 + next 2) x 4 + c0 2 + c1 2 + c2 5 (mov, call, fn 2, jmp) + c3 3 (call, fn2 2) + hlt */
const TABLE_INSNS = 3 + 100 * (4 * 5 + 2 + 2 + 5 + 3) + 1;



/**
 * A timer loop (0x1000, F at 0x3000, the handler at 0x1100):
 *   xor eax, eax; xor edi, edi; sti
 *   spin (0x1005): add eax, 1; call 0x3000; cmp edi, 5; jb spin; hlt
 *   F: add ebx, 1; ret        handler: inc edi; iretd
 */
const TIMER = '31c031fffb83c001e8f31f000083ff0572f3f4';
const TIMER_F = '83c301c3';
const TIMER_HANDLER = '47cf';

/**
 * The JIT's two shapes: hot blocks compiled together (one module) at the next
 * slice boundary, where transfers go through the module's dispatcher; or
 * one module per block, where every transfer goes through a cross-module
 * slot the loop fills. The interpreter: its own machine.
 */
type Shape = 'one module' | 'a module per block';
const SHAPES: readonly Shape[] = ['one module', 'a module per block'];
let shape: Shape = 'one module';
function machineFor(engine: EngineName): Machine | undefined {
  if (engine !== 'jit') return undefined;
  // The module's own dispatcher and cross-module slots (off by default), before the global cache (globalFirst: false; the cache would take these transfers)
  // and without far direct transfers or successor hints (they would take the static exits into another page and the RETs: far.test.ts).
  return new Machine({ memoryMiB: 2, engine: 'jit', jit: { threshold: 2, batch: shape === 'one module' ? 64 : 1, sync: true, chain: false, direct: true, indirect: true, pages: true, modules: true, globalFirst: false, farDirect: false, hints: false } });
}
const sliced = { slice: 60, onSlice: (m: Machine): void => m.jit?.flush() };

for (const engine of TEST_ENGINES) for (const sh of engine === 'jit' ? SHAPES : SHAPES.slice(0, 1)) {
  describe(`indirect and cross-page transfers between compiled blocks [${engine}${engine === 'jit' ? `, ${sh}` : ''}]`, () => {
    beforeEach(() => { shape = sh; });
    /**
     * On the JIT: at least `ind` RET/indirect and `page` cross-page transfers went through the dispatcher
     * (one module), or at least their sum through cross-module slots (a module per block).
     */
    const dispatched = (m: Machine | undefined, ind: number, page: number): void => {
      if (m === undefined) return;
      const x = m.jit!.counters.xfers;
      if (shape === 'a module per block') {
        // (Through its slot or, when the slot names another block, the global dispatch cache: xcache.ts.)
        expect(x[XFER_MODULE] + x[XFER_GLOBAL], 'transfers through cross-module slots and the global cache').to.be.at.least(ind + page);
        return;
      }
      expect(x[XFER_INDIRECT], 'RET / indirect transfers that stayed in wasm').to.be.at.least(ind);
      expect(x[XFER_PAGE], 'cross-page transfers that stayed in wasm').to.be.at.least(page);
    };

    it('a call into another page and the RET into the compiled caller: state and count are the interpreter\'s', () => {
      const m = machineFor(engine);
      const r = runSnippet({ engine, machine: m, code: hexBytes(CALLRET), memory: [mem(0x3000, CALLRET_F)], ...sliced });
      expect(r.stop, why(r)).to.equal('hlt');
      expect(r.instructions).to.equal(CALLRET_INSNS);
      expect(r.regs).to.deep.include({ ...callRetRegs(), ecx: 0, esp: 0x8000 });
      dispatched(m, 200, 200);
    });

    it('a jump table, CALL r32, CALL m32, RET and RET imm16 within one page', () => {
      const m = machineFor(engine);
      const r = runSnippet({ engine, machine: m, code: hexBytes(TABLE), ...sliced });
      expect(r.stop, why(r)).to.equal('hlt');
      expect(r.instructions).to.equal(TABLE_INSNS);
      expect(r.regs).to.deep.include({ ebx: 100 * (1 + 100 + 10000), ebp: 100, ecx: 0, esp: 0x8000 });
      dispatched(m, 500, 0);
    });

    it('a RET target rewritten by a store is not entered through the dispatcher: the new code runs', () => {
      const m = machineFor(engine);
      const r = runSnippet({ engine, machine: m, code: hexBytes(PATCH), memory: [mem(0x3000, PATCH_F)], ...sliced });
      expect(r.stop, why(r)).to.equal('hlt');
      // ECX 90..65 add 0, 64..33 add 64, 32..1 add 32.
      expect(r.regs).to.deep.include({ eax: 64 * 32 + 32 * 32, edx: 180, ecx: 0 });
      // 3 + 90 x (test, jnz, call, F 2, P 3) + the two patching stores + hlt
      expect(r.instructions).to.equal(3 + 90 * 8 + 2 + 1);
      expect(r.frontEnd.blocksKilled).to.be.at.least(2);
      if (m !== undefined) {
        // P was compiled in F's module and killed while F's RET could reach it.
        expect(m.jit!.counters.invalidatedBlocks, 'compiled blocks killed by the patches').to.be.at.least(1);
        // (Until the first patch, at ECX = 64: later P's are compiled in modules of their own.)
        dispatched(m, 10, 10);
      }
    });

    it('a static call into another page follows the page\'s current mapping after MOV CR3 and INVLPG', () => {
      const m = machineFor(engine);
      const fn = (v: number): Uint8Array => { const p = new Uint8Array(4096).fill(0xf4); p.set(hexBytes(`b80${v}000000c3`)); return p; };
      const r = runSnippet({
        engine, machine: m, code: hexBytes(REMAP), ...sliced,
        memory: [
          ...remappedTables(0x10000, 0x11000, {}),
          ...remappedTables(0x12000, 0x13000, { 0x60000: 0x71000 }),
          { addr: 0x60000, bytes: fn(1) }, { addr: 0x71000, bytes: fn(2) }, { addr: 0x72000, bytes: fn(4) },
        ],
      });
      expect(r.stop, why(r)).to.equal('hlt');
      expect(r.regs.ebx).to.equal(10 * 3 * (1 + 2 + 4));
      expect(r.instructions).to.equal(REMAP_INSNS);
      // Each do3 pass: the first call after a CR3 write or INVLPG misses the TLB (the loop walks), the next two hit.
      dispatched(m, 30, 30);
    });

    it('budgets that end inside runs of RET and cross-page transfers stop exactly on them', () => {
      const m = machineFor(engine) ?? new Machine({ memoryMiB: 2, engine });
      // The first slices run interpreted and compile (flushing the queue between them); the later ones transfer.
      let total = runSnippet({ engine, machine: m, code: hexBytes(CALLRET), memory: [mem(0x3000, CALLRET_F)], slice: 20, onSlice: (x) => x.jit?.flush(), maxInstructions: 40 }).instructions;
      m.jit?.flush();
      const budgets = [7, 13, 50, 1, 2, 3, 97, 200, 11, 5, 4];
      const seen: number[] = [];
      for (const b of budgets) {
        const x = m.run(b);
        expect(x.reason).to.equal('budget');
        seen.push(x.executed);
        total += x.executed;
      }
      expect(seen, 'each slice stops exactly at its budget').to.deep.equal(budgets);
      const end = m.run(100_000);
      expect(end.reason).to.equal('hlt');
      total += end.executed;
      expect(total).to.equal(CALLRET_INSNS);
      const want = callRetRegs();
      expect([m.cpu.r32[0], m.cpu.r32[3]]).to.deep.equal([want.eax, want.ebx]);
      if (engine === 'jit') dispatched(m, 50, 50);
    });

    it('a timer due at an instruction count interrupts there, whatever ran compiled in between', () => {
      const { m, ticks } = timerMachine(engine);
      // The loop the machine runs (src/pc.ts step): slices end at the next device event, the timer's deadline.
      const PERIOD = 997;
      let due = PERIOD;
      const line = { due: () => m.cpu.icountNumber() >= due };
      m.cpu.intr = {
        pending: line.due,
        acknowledge: () => { ticks.push(m.cpu.icountNumber()); due += PERIOD; return 0x20; },
      } satisfies InterruptSource;
      let reason = 'budget';
      for (let k = 0; k < 100 && reason === 'budget'; k++) {
        reason = m.run(Math.max(1, due - m.cpu.icountNumber())).reason;
        m.jit?.flush();
      }
      expect(reason).to.equal('hlt');
      expect(ticks, 'each tick taken exactly at its deadline').to.deep.equal([1, 2, 3, 4, 5].map((k) => k * PERIOD));
      // 3 + spins x (add, call, F 2, cmp, jb) + 5 x handler (inc, iretd) + hlt, the last spin leaving by jb not taken.
      const spins = m.cpu.r32[0];
      expect(m.cpu.icountNumber()).to.equal(3 + spins * 6 + 5 * 2 + 1);
      expect(m.cpu.r32[3], 'F ran once per spin').to.equal(spins);
      // The fifth deadline falls in (or right before) a spin, which then runs to its CMP and leaves: one more than the whole spins before it.
      expect(spins).to.equal(Math.floor((5 * PERIOD - 3 - 4 * 2) / 6) + 1);
      if (engine === 'jit') dispatched(m, 100, 100);
    });
  });
}

/** A flat protected-mode machine with an IDT gate for vector 0x20 to the TIMER program's handler. */
function timerMachine(engine: EngineName): { m: Machine; ticks: number[] } {
  const m = machineFor(engine) ?? new Machine({ memoryMiB: 2, engine });
  const cpu = m.cpu, phys = cpu.phys;
  cpu.reset();
  phys.load(ORG, hexBytes(TIMER));
  phys.load(0x3000, hexBytes(TIMER_F));
  phys.load(0x1100, hexBytes(TIMER_HANDLER));
  flatWithTimerGate(m, ORG, 0x1100);
  return { m, ticks: [] };
}
