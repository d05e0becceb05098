/**
 * Dirty-page tracking (runtime/mmu.ts TLB_TRACK + PhysicalMemory.dirty),
 * what live migration rests on: while the default guest boots, every RAM
 * page whose bytes changed during a round is in that round's log, on both
 * engines (the JIT's inline stores test WRITE_MASK from the state block,
 * the interpreter's the MMU's; REP MOVS/STOS fast paths, page-walk A/D
 * updates and device writes all count). The log must also be selective
 * (far from every page), or migration would gain nothing.
 */
import { expect } from 'chai';
import { Pc } from '../../src/pc.js';
import { DEFAULT_CMDLINE, DEFAULT_INITRD, DEFAULT_KERNEL } from '../../src/commands/guest-options.js';
import { readFileSync } from 'node:fs';
import { RAM_BASE } from '../../runtime/state/layout.js';
import { TEST_ENGINES } from '../helpers/engines.js';

function runTo(pc: Pc, n: number): void {
  while (pc.executed < n) {
    if (pc.step(n - pc.executed) < 0) throw new Error(`guest ended: ${JSON.stringify(pc.exitReason)}`);
  }
}

for (const engine of TEST_ENGINES) {
  describe(`dirty-page log [${engine}]`, function () {
    this.timeout(10 * 60 * 1000);
    it('logs every page written during a round of the booting guest, and few others', () => {
      const pc = new Pc({ memoryMiB: 48, engine, clock: 'deterministic' });
      pc.bootLinux(readFileSync(DEFAULT_KERNEL), DEFAULT_KERNEL, DEFAULT_CMDLINE, readFileSync(DEFAULT_INITRD), DEFAULT_INITRD);
      const phys = pc.cpu.phys, pages = phys.ramSize >>> 12;
      const ram = () => new Uint8Array(phys.buffer, RAM_BASE, phys.ramSize).slice();
      runTo(pc, 3_000_000);
      let total = 0;
      // Rounds at several stages of the boot (decompression, early kernel, paging on).
      for (const until of [6_000_000, 12_000_000, 20_000_000, 30_000_000]) {
        const log = new Uint8Array(pages);
        pc.cpu.mmu.setDirtyLog(log);
        const before = ram();
        runTo(pc, until);
        const after = ram();
        let changed = 0, logged = 0;
        const missed: number[] = [];
        for (let p = 0; p < pages; p++) {
          if (log[p]) logged++;
          const a = before.subarray(p << 12, (p + 1) << 12), b = after.subarray(p << 12, (p + 1) << 12);
          if (!Buffer.from(a.buffer, a.byteOffset, 4096).equals(Buffer.from(b.buffer, b.byteOffset, 4096))) {
            changed++;
            if (!log[p]) missed.push(p);
          }
        }
        expect(missed, `round to ${until}: changed pages missing from the log`).to.deep.equal([]);
        expect(logged, `round to ${until}: ${logged} logged of ${pages}`).to.be.below(pages / 2);
        total += changed;
      }
      expect(total).to.be.above(50);
      pc.cpu.mmu.setDirtyLog(null);
      // Tracking off: no page is logged and writes take the fast path again.
      runTo(pc, 31_000_000);
      expect(phys.dirty).to.equal(null);
    });
  });
}
