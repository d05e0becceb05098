/**
 * A block's flat-segment assumptions (CODE_CTX: flat bounds, zero bases)
 * come from its own context, when it went hot (Block.jitFlat), not from the
 * state when its batch happens to be sent. Here a loop reading through FS
 * goes hot while FS has a non-zero base (a kernel's per-CPU segment), and
 * its batch is completed and sent by another loop running while FS's base
 * is 0 (user mode's). Taken from the state at send time, the first loop
 * would assume FS's base 0, fail its entry guard every time it runs in its
 * own context, and never run compiled.
 */
import { expect } from 'chai';
import { Machine } from '../../src/machine.js';
import { flatAt } from '../helpers/flat-machine.js';
import { hexBytes } from '../helpers/asm.js';
import { TEST_ENGINES } from '../helpers/engines.js';
import { CS, FS, SS } from '../../runtime/state/layout.js';
import { EXIT_GUARD } from '../../translator/jit/chain.js';
import { INTERP_REASONS } from '../../runtime/records.js';

// K (0x1000): mov ecx, 8; L: mov eax, fs:[esi]; add ebx, eax; dec ecx; jnz L; hlt
const K = hexBytes('b908000000648b0601c34975f8f4');
// U (0x1100): mov ecx, 8; L: add edx, 3; dec ecx; jnz L; hlt
const U = hexBytes('b90800000083c2034975faf4');
const FS_BASE = 0x20000;

describe('flat-segment assumptions come from the block\'s own context', () => {
  for (const engine of TEST_ENGINES) {
    it(`a loop through FS (base ${FS_BASE.toString(16)}) sent in a batch completed while FS's base is 0 [${engine}]`, () => {
      const m = new Machine({ memoryMiB: 2, engine, jit: { threshold: 2, batch: 2, sync: true } });
      m.cpu.reset();
      m.cpu.phys.load(0x1000, K);
      m.cpu.phys.load(0x1100, U);
      m.cpu.phys.write32(FS_BASE + 0x10, 5);
      flatAt(m, 0x1000);
      m.cpu.stopOnNullVector = true;
      const fs = (base: number): void => m.cpu.setSegCache(FS, 0x10, base, 0xffffffff, 0xcf9300);
      const runAt = (eip: number): void => {
        m.cpu.eip = eip;
        m.cpu.halted = false;
        const r = m.run(10_000);
        expect(r.reason, `run at ${eip.toString(16)}`).to.equal('hlt');
      };
      m.cpu.r32[6] = 0x10; // ESI
      m.cpu.r32[2] = 0; m.cpu.r32[3] = 0;
      fs(FS_BASE);
      runAt(0x1000);       // K's loop goes hot here (queued, the batch not full)
      fs(0);
      runAt(0x1100);       // U's loop completes the batch: sent while FS's base is 0
      fs(FS_BASE);
      for (let i = 0; i < 4; i++) runAt(0x1000); // K's loop in its own context again
      expect(m.cpu.r32[3], 'EBX').to.equal(5 * 8 * 5);
      expect(m.cpu.r32[2], 'EDX').to.equal(8 * 3);
      if (engine === 'jit') {
        const c = m.jit!.counters;
        expect(c.blocksCompiled, 'both loops compiled').to.be.at.least(2);
        expect(c.exits[EXIT_GUARD], 'entries that failed the flat-segment guard').to.equal(0);
      }
    });
  }

  for (const engine of TEST_ENGINES) {
    it(`a loop compiled while FS's base was 0 is compiled again once it keeps running with another base [${engine}]`, () => {
      // The bench=1 workload's case: user code that went hot in a process with FS base 0 and then ran, for
      // good, with FS base != 0 failed its entry guard on every run (10.7 M instructions interpreted).
      const m = new Machine({ memoryMiB: 2, engine, jit: { threshold: 2, batch: 1, sync: true, guardRecompile: 16 } });
      m.cpu.reset();
      m.cpu.phys.load(0x1000, K);
      m.cpu.phys.write32(0x10, 7);
      m.cpu.phys.write32(FS_BASE + 0x10, 5);
      flatAt(m, 0x1000);
      m.cpu.stopOnNullVector = true;
      const fs = (base: number): void => m.cpu.setSegCache(FS, 0x10, base, 0xffffffff, 0xcf9300);
      const runK = (): void => {
        m.cpu.eip = 0x1000;
        m.cpu.halted = false;
        expect(m.run(10_000).reason).to.equal('hlt');
      };
      m.cpu.r32[6] = 0x10; // ESI
      m.cpu.r32[3] = 0;
      fs(0);
      runK(); // the loop goes hot and is compiled assuming FS's base 0
      expect(m.cpu.r32[3], 'EBX').to.equal(7 * 8);
      fs(FS_BASE);
      const guardFails = (): number => m.jit?.counters.exits[EXIT_GUARD] ?? 0;
      for (let i = 0; i < 40; i++) runK();
      const after40 = guardFails();
      for (let i = 0; i < 10; i++) runK();
      expect(m.cpu.r32[3], 'EBX').to.equal(7 * 8 + 50 * 5 * 8);
      if (engine === 'jit') {
        const c = m.jit!.counters;
        expect(c.guardRecompiles, 'compiled again once').to.equal(1);
        expect(after40, 'failed entries before it was compiled again').to.be.within(1, 16 * 8);
        expect(guardFails(), 'failed entries after it was compiled again').to.equal(after40);
        expect(c.interpreted[INTERP_REASONS.indexOf('guard')], 'instructions interpreted for failed guards').to.be.below(16 * 8 * 4);
      }
    });
  }

  for (const engine of TEST_ENGINES) {
    it(`a loop that runs mostly where its guard holds keeps its code [${engine}]`, () => {
      const m = new Machine({ memoryMiB: 2, engine, jit: { threshold: 2, batch: 1, sync: true, guardRecompile: 16 } });
      m.cpu.reset();
      m.cpu.phys.load(0x1000, K);
      m.cpu.phys.write32(0x10, 7);
      m.cpu.phys.write32(FS_BASE + 0x10, 5);
      flatAt(m, 0x1000);
      m.cpu.stopOnNullVector = true;
      const fs = (base: number): void => m.cpu.setSegCache(FS, 0x10, base, 0xffffffff, 0xcf9300);
      const runK = (): void => {
        m.cpu.eip = 0x1000;
        m.cpu.halted = false;
        expect(m.run(10_000).reason).to.equal('hlt');
      };
      m.cpu.r32[6] = 0x10; // ESI
      m.cpu.r32[3] = 0;
      fs(0);
      runK();
      // Four runs where FS's base is 0 for each one where it is not: its failures are a fifth of its runs.
      for (let i = 0; i < 40; i++) {
        for (let k = 0; k < 4; k++) runK();
        fs(FS_BASE); runK(); fs(0);
      }
      expect(m.cpu.r32[3], 'EBX').to.equal(7 * 8 + 40 * (4 * 7 + 5) * 8);
      if (engine === 'jit') expect(m.jit!.counters.guardRecompiles, 'kept its code').to.equal(0);
    });
  }

  for (const engine of TEST_ENGINES) {
    it(`a PUSH compiled with a 32-bit stack runs as a 16-bit one once SS is 16-bit [${engine}]`, () => {
      // push eax; mov ecx, esp; hlt
      const m = new Machine({ memoryMiB: 2, engine, jit: { threshold: 0 } });
      const cpu = m.cpu;
      cpu.reset();
      cpu.phys.load(0x1000, hexBytes('5089e1f4'));
      flatAt(m, 0x1000);
      cpu.stopOnNullVector = true;
      cpu.r32[0] = 0x11111111;
      expect(m.run(100).reason).to.equal('hlt');
      expect(cpu.r32[1]).to.equal(0x7ffc);
      expect(cpu.phys.read32(0x7ffc)).to.equal(0x11111111);
      // SS: 16-bit (B = 0) but 4 GiB (G = 1), so its bounds stay flat and only STACK32 differs: the push
      // uses SP and keeps ESP's upper half (SDM vol. 1, 6.2.3).
      cpu.setSegCache(SS, 0x10, 0, 0xffffffff, 0x809300);
      cpu.r32[4] = 0x12346000;
      cpu.r32[0] = 0x22222222;
      cpu.halted = false;
      cpu.eip = 0x1000;
      expect(m.run(100).reason).to.equal('hlt');
      expect(cpu.r32[1] >>> 0).to.equal(0x12345ffc);
      expect(cpu.phys.read32(0x5ffc)).to.equal(0x22222222);
    });
  }

  for (const engine of TEST_ENGINES) {
    it(`a JMP r32 compiled with a 4 GiB CS still raises #GP(0) past a smaller CS limit [${engine}]`, () => {
      // mov eax, 0x1012; jmp eax; ...; 0x1012: hlt
      const m = new Machine({ memoryMiB: 2, engine, jit: { threshold: 0 } });
      const cpu = m.cpu;
      cpu.reset();
      cpu.phys.load(0x1000, hexBytes('b812100000ffe0' + '90'.repeat(11) + 'f4'));
      flatAt(m, 0x1000);
      cpu.stopOnNullVector = true;
      expect(m.run(100).reason).to.equal('hlt');
      expect(cpu.eip).to.equal(0x1013);
      cpu.setSegCache(CS, 0x08, 0, 0x1011, 0x409b00);   // CS limit 0x1011: the target is past it
      cpu.halted = false;
      cpu.eip = 0x1000;
      const r = m.run(100);
      expect(r.reason).to.equal('unhandled');
      expect(r.unhandled?.vector, '#GP').to.equal(13);
      expect(cpu.eip).to.equal(0x1005);
    });
  }
});
