/**
 * The lockstep checker (translator/jit/lockstep.ts, `jitvisor compare
 * --lockstep`): guest programs run with every compiled block run replayed
 * in the interpreter end with no divergence and exactly the state of a
 * plain JIT run; a deliberately broken translation (the TEST-ONLY fault
 * injection of translator/jit/test-faults.ts: inline ADC adds the inverted
 * carry) is caught at that very instruction.
 *
 * Programs assembled with nasm (`bits 32`, `org 0x1000`), listings in the comments.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { Machine } from '../../src/machine.js';
import { runSnippet, type SnippetOptions, type SnippetResult } from '../../src/snippet.js';
import { Lockstep, LockstepDivergence, type LockstepStats } from '../../translator/jit/lockstep.js';
import type { Handler } from '../../runtime/records.js';
import { testFaults } from '../../translator/jit/test-faults.js';
import { hexBytes } from '../helpers/asm.js';
import { ADC_LOOP } from '../helpers/adc-loop.js';
import { flatAt } from '../helpers/flat-machine.js';
import { FS } from '../../runtime/state/layout.js';
import { pageTables, withPaging } from '../helpers/paging.js';


/**
 *   1000 mov eax, 5; 1005 xor edx, edx; 1007 xor ecx, ecx; 1009 mov ebx, 0x1017
 *   100e div ecx                    ; #DE in the middle of a compiled block
 *   1010 mov esi, 3; 1015 jmp ebx; 1017 hlt
 */
const DIV_ZERO = hexBytes('b80500000031d231c9bb17100000f7f1be03000000ffe3f4');

const program = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(`../../../test/programs/${name}.bin`, import.meta.url)));

interface Checked { res: SnippetResult; stats: LockstepStats }

function lockstep(opts: Omit<SnippetOptions, 'machine' | 'engine'>): Checked {
  const machine = new Machine({ memoryMiB: 2, engine: 'jit', jit: { threshold: 0, chain: false, direct: false } });
  const ls = new Lockstep(machine.cpu, machine.frontEnd, machine.jit!);
  const res = runSnippet({ ...opts, engine: 'jit', machine });
  return { res, stats: ls.stats };
}

function expectSameAsPlain(opts: Omit<SnippetOptions, 'machine' | 'engine'>, c: Checked): void {
  const plain = runSnippet({ ...opts, engine: 'jit' });
  expect(c.res.stop).to.equal(plain.stop);
  expect(c.res.regs).to.deep.equal(plain.regs);
  expect([c.res.eip, c.res.eflags, c.res.instructions]).to.deep.equal([plain.eip, plain.eflags, plain.instructions]);
  expect(c.res.exception).to.deep.equal(plain.exception);
  expect(Array.from(c.res.readMemory(0x10000, 0x1000))).to.deep.equal(Array.from(plain.readMemory(0x10000, 0x1000)));
  // Every instruction is accounted for: compared, interpreted, or in a run that could not be replayed.
  const s = c.stats;
  expect(s.instructionsCompared + s.impureInstructions + s.instructionsInterpreted + s.smcInstructions + s.uncheckedInstructions).to.equal(c.res.instructions);
}

describe('lockstep: JIT vs interpreter, block run by block run', () => {
  afterEach(() => { testFaults.adcCarry = false; });

  it('a self-loop reading RDTSC (inline: a function of the state block) is compared, not stopped at', () => {
    // mov ecx, 100; mov edi, 0x10000; L: rdtsc; mov [edi], eax; mov [edi+4], edx; add edi, 8; dec ecx; jnz L; hlt
    const opts = { code: hexBytes('b964000000bf000001000f31890789570483c7084975f3f4') };
    const c = lockstep(opts);
    expect(c.res.stop).to.equal('hlt');
    expectSameAsPlain(opts, c);
    expect(c.stats.instructionsCompared).to.equal(2 + 600);
    expect(c.stats.impureInstructions).to.equal(1); // the HLT
  });

  it('the ADC loop: no divergence, the loop block compared, state as without lockstep', () => {
    const c = lockstep({ code: ADC_LOOP });
    expect(c.res.stop).to.equal('hlt');
    expect(c.res.regs.edx).to.equal(56);
    expect(c.stats.instructionsCompared).to.equal(406); // all but the HLT (impure: run once, interpreted)
    expect(c.stats.impureInstructions).to.equal(1);
    expectSameAsPlain({ code: ADC_LOOP }, c);
  });

  it('catches a broken ADC translation (test-only fault injection) and names that instruction', () => {
    testFaults.adcCarry = true;
    let report: LockstepDivergence['report'] | null = null;
    try {
      lockstep({ code: ADC_LOOP });
    } catch (e) {
      if (!(e instanceof LockstepDivergence)) throw e;
      report = e.report;
    }
    expect(report, 'a divergence').to.not.equal(null);
    const r = report!;
    expect(r.eip).to.equal(0x1000);
    expect(r.culprit).to.equal(4);
    expect(r.disasm[r.culprit]).to.deep.include({ eip: 0x100e, text: 'adc edx, 0' });
    // The first pass: ADD 0 + 0x90000000 leaves CF = 0; the broken ADC adds 1.
    expect(r.state).to.deep.include({ what: 'EDX', jit: '0x00000001', interp: '0x00000000' });
    expect(r.wasm).to.match(/\(func/);
  });

  it('REP BSF (F3 0F BC: BSF on this CPU, inline) is compared, not stopped at', () => {
    // mov ecx, 10; L: mov edx, ecx; rep bsf edx, edx; add eax, edx; dec ecx; jnz L; hlt
    // (the boot's bitmap search; the lockstep once took the prefix for a REP string loop: a false divergence)
    const opts = { code: hexBytes('b90a00000089caf30fbcd201d04975f5f4'), regs: { eax: 0 } };
    const c = lockstep(opts);
    expect(c.res.stop).to.equal('hlt');
    expectSameAsPlain(opts, c);
    expect(c.res.regs.eax).to.equal([10, 9, 8, 7, 6, 5, 4, 3, 2, 1].reduce((a, v) => a + Math.log2(v & -v), 0));
    expect(c.stats.impureInstructions).to.equal(1); // the HLT
  });

  it('PAUSE and inline x87 forms (run inline by the JIT) are compared, not stopped at', () => {
    // mov ecx, 5; L: pause; fld1; fadd st0, st0; fstp dword [0x10000]; dec ecx; jnz L; hlt
    const opts = { code: hexBytes('b905000000f390d9e8d8c0d91d000001004975f1f4') };
    const c = lockstep(opts);
    expect(c.res.stop).to.equal('hlt');
    expectSameAsPlain(opts, c);
    expect(Array.from(c.res.readMemory(0x10000, 4))).to.deep.equal([0, 0, 0, 0x40]); // 2.0f
    expect(c.stats.impureInstructions).to.equal(1); // the HLT
  });

  it('a failed entry guard (a block compiled with FS base 0 run with another base) is no divergence', () => {
    // mov ecx, 8; L: mov eax, fs:[esi]; add ebx, eax; dec ecx; jnz L; hlt
    const m = new Machine({ memoryMiB: 2, engine: 'jit', jit: { threshold: 0, chain: false, direct: false } });
    const ls = new Lockstep(m.cpu, m.frontEnd, m.jit!);
    m.cpu.reset();
    m.cpu.phys.load(0x1000, hexBytes('b908000000648b0601c34975f8f4'));
    m.cpu.phys.write32(0x20010, 5);
    flatAt(m, 0x1000);
    m.cpu.stopOnNullVector = true;
    m.cpu.r32[6] = 0x10; // ESI
    for (const base of [0, 0x20000]) {
      m.cpu.setSegCache(FS, 0x10, base, 0xffffffff, 0xcf9300);
      m.cpu.eip = 0x1000;
      m.cpu.halted = false;
      expect(m.run(10_000).reason).to.equal('hlt'); // a divergence would throw
    }
    expect(m.cpu.r32[3], 'EBX').to.equal(8 * 5);
    // (The guard's failure count in JIT_EXITS is rolled back with the JIT's run: the interpreter's end state stays.)
    expect(ls.stats.runsCompared).to.be.greaterThan(0);
  });

  it('a #DE in the middle of a compiled block: the fault and the state before it compared', () => {
    const c = lockstep({ code: DIV_ZERO, regs: { esi: 7 } });
    expect(c.res.exception).to.deep.include({ vector: 0, eip: 0x100e });
    expect(c.stats.faultsCompared).to.equal(1);
    expectSameAsPlain({ code: DIV_ZERO, regs: { esi: 7 } }, c);
  });

  it('a record decoded into again (a dead block\'s, reclaimed) is guarded again when its new block compiles', () => {
    // in al, 0x80 (I/O: impure, run once, by the interpreter); hlt
    const code = hexBytes('e480f4');
    const machine = new Machine({ memoryMiB: 2, engine: 'jit', jit: { threshold: 0, chain: false, direct: false } });
    const ls = new Lockstep(machine.cpu, machine.frontEnd, machine.jit!);
    runSnippet({ code, engine: 'jit', machine });
    expect(ls.stats.impureInstructions, 'IN and HLT, each run once by the interpreter').to.equal(2);
    const b = machine.frontEnd.peek(0x1000, true);
    expect(b?.jit ?? null, 'the IN block compiled').to.not.equal(null);
    const r = b!.recs[0]!;
    // What reclaim + decode leave in a record the lockstep guarded before: a fresh handler (Rec.reset).
    const fresh: Handler = () => undefined;
    r.exec = fresh;
    machine.jit!.onCompiled!([b!], { bytes: 0, inline: 0, callouts: 1, blocks: [] }, 0);
    expect(r.exec, 'the new handler wrapped (the run stops before it)').to.not.equal(fresh);
  });

  it('self-modifying code: a loop that rewrites its next instruction', () => {
    // mov ecx, 5; xor eax, eax; L: mov [patch+2], cl; patch: add eax, 0; dec ecx; jnz L; hlt
    const code = hexBytes('b90500000031c0880d0f10000083c0004975f4f4');
    const c = lockstep({ code });
    expect(c.res.regs.eax).to.equal(15);
    expectSameAsPlain({ code }, c);
  });

  it('paging: no false divergence from page walks (accessed bits) the compiled run does not do', () => {
    // After the paging prefix (code at 0x1017):
    //   mov dword [0x11004], 0x1003   ; the code page's PTE again with A clear, no INVLPG (the TLB keeps its entry)
    //   mov ebx, 0x1028; jmp ebx; 1028: mov eax, 1; mov ebx, 0x1034; jmp ebx; 1034: hlt
    // Replaying the block at 0x1028 must not fetch it again through a page walk (which would set A).
    const opts = { code: withPaging(hexBytes('c7050410010003100000bb28100000ffe3b801000000bb34100000ffe3f4')), memory: pageTables() };
    const c = lockstep(opts);
    expect(c.res.stop).to.equal('hlt');
    expect(Array.from(c.res.readMemory(0x11004, 4))).to.deep.equal([0x03, 0x10, 0, 0]);
    expect(c.stats.runsCompared).to.be.greaterThan(2);
    expectSameAsPlain(opts, c);
  });

  /** mov ecx, 3; L: mov eax, 1; dec ecx; jnz L; inc edx (x4); hlt: L's block loops on itself in wasm (ir.ts loopBack). */
  const SELF_LOOP = hexBytes('b903000000b8010000004975f842424242f4');

  it('the budget: a self-loop whose last pass falls through stops at the budget (every compiled run checked against it)', () => {
    // 12 instructions: 4 to L's block, which gets a budget of 8 = its length: one pass loops, the next falls through
    // the JNZ and runs on; the run must stop after 2 of the INCs. Before the fix in ir.ts loopBack (another pass
    // needs budget for the whole block, not just the loop) the JIT retired 11 here: a divergence.
    const opts = { code: SELF_LOOP, maxInstructions: 12 };
    const c = lockstep(opts);
    expect(c.res.stop).to.equal('limit');
    expect(c.res.instructions).to.equal(12);
    expect(c.res.regs.edx).to.equal(2);
    expect(c.stats.budgetChecks).to.be.greaterThan(0);
    expectSameAsPlain(opts, c);
  });

  it('a compiled run that retires more than its budget is a divergence, checked or past --lockstep-runs', () => {
    //   1000 mov ebx, 2
    //   1005 O: mov ecx, 3
    //   100a L: mov eax, 1; 100f dec ecx; 1010 jnz L; 1012 dec ebx; 1013 jnz O; 1015 hlt
    // L's block loops on itself. Runs: 5 to L, L's first run 8 (2 passes, out through JNZ O), O's block 4,
    // then L's second run with a budget of 8 (25 in all): honest code takes one pass (another needs 6) and stops.
    const code = hexBytes('bb02000000b903000000b8010000004975f84b75f0f4');
    for (const runsPerBlock of [undefined, 1]) {
      // Compiled code told a larger budget than the loop gave it stands for a JIT that overruns its budget:
      // L's second run then runs on to the HLT, 9 instructions (the lockstep stops a checked run before the HLT:
      // 8 and the HLT, which would run next).
      // innerLoop off: L's loop must be its own block's self-loop, not an inner loop of the first block (JitOptions.innerLoop).
      const machine = new Machine({ memoryMiB: 2, engine: 'jit', jit: { threshold: 0, chain: false, direct: false, innerLoop: false } });
      const jit = machine.jit!;
      const ls = new Lockstep(machine.cpu, machine.frontEnd, jit, runsPerBlock === undefined ? {} : { runsPerBlock });
      const wrap = jit.onCompiled!;
      jit.onCompiled = (blocks, batch, ms) => {
        for (const b of blocks) {
          const fn = b.jit;
          if (fn !== null) b.jit = (budget: number) => fn(budget + 100);
        }
        wrap(blocks, batch, ms);
      };
      let report: LockstepDivergence['report'] | null = null;
      try {
        runSnippet({ code, engine: 'jit', machine, maxInstructions: 25 });
      } catch (e) {
        if (!(e instanceof LockstepDivergence)) throw e;
        report = e.report;
      }
      const what = `runsPerBlock ${runsPerBlock}`;
      expect(report, `a divergence (${what})`).to.not.equal(null);
      const r = report!;
      expect([r.overran, r.eip, r.budget, r.icount], what).to.deep.equal([true, 0x100a, 8, 17]);
      expect(r.state[0], what).to.deep.equal({ what: 'instructions retired', jit: '9 (budget 8)', interp: 'at most 8' });
      expect(r.culprit, what).to.equal(-1); // the prefixes compiled alone are honest: not isolated
      // Compared: the first block's run, L's first and O's; with --lockstep-runs 1 L's second run is not replayed, only budget-checked.
      expect([ls.stats.runsCompared, ls.stats.uncheckedRuns], what).to.deep.equal([3, runsPerBlock === undefined ? 0 : 1]);
    }
  });

  for (const name of ['checksum', 'sort', 'strings', 'recursion']) {
    it(`test/programs/${name}: no divergence, the same end state as a plain JIT run`, () => {
      const c = lockstep({ code: program(name) });
      expect(c.res.stop).to.equal('hlt');
      expect(c.stats.runsCompared).to.be.greaterThan(0);
      expectSameAsPlain({ code: program(name) }, c);
    });
  }

  it('--lockstep-runs: a block is checked for its first N runs only', () => {
    // innerLoop off: with it the checksum's loops stay inside blocks that each run once (no second run to leave unchecked).
    const machine = new Machine({ memoryMiB: 2, engine: 'jit', jit: { threshold: 0, chain: false, direct: false, innerLoop: false } });
    const ls = new Lockstep(machine.cpu, machine.frontEnd, machine.jit!, { runsPerBlock: 1 });
    const res = runSnippet({ code: program('checksum'), engine: 'jit', machine });
    expect(res.stop).to.equal('hlt');
    expect(ls.stats.uncheckedRuns).to.be.greaterThan(0);
    expect(ls.stats.runsCompared).to.equal(ls.stats.blocksCompared);
    const st = ls.stats;
    expect(st.instructionsCompared + st.impureInstructions + st.instructionsInterpreted + st.smcInstructions + st.uncheckedInstructions).to.equal(res.instructions);
  });
});
