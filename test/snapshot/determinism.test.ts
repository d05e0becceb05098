/**
 * Determinism across a snapshot, early in the default guest's boot (no
 * boot to a shell needed; test/snapshot/shell.test.ts repeats it at the
 * shell with console traffic): run to instruction N and save, restore in a
 * new process and run to M; the console output and the hash of RAM and
 * CPU state equal those of one uninterrupted run to M. Every run is its own
 * process (test/snapshot/child.ts), on each engine.
 */
import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_ENGINES } from '../helpers/engines.js';
import { child } from './run-child.js';

const dir = mkdtempSync(join(tmpdir(), 'jitvisor-det-'));

const N = 12_000_000, M = 20_000_000;

for (const engine of TEST_ENGINES) {
  describe(`snapshot determinism, early boot [${engine}]`, function () {
    this.timeout(10 * 60 * 1000);
    it(`boot to ${N}, save; restore in a new process, run to ${M} = one run to ${M}`, () => {
      const file = join(dir, `early-${engine}.snap`);
      const a = child({ engine, boot: true, memoryMiB: 64, instructions: N, save: file });
      expect(a.exit).to.equal('limit');
      expect(a.instructions).to.equal(N);
      const b = child({ engine, restore: file, instructions: M - N });
      const c = child({ engine, boot: true, memoryMiB: 64, instructions: M });
      expect(b.instructions).to.equal(M);
      expect(c.instructions).to.equal(M);
      expect(b.hash).to.equal(c.hash);
      expect(a.serial + b.serial).to.equal(c.serial);
      // And the state did change between N and M (the hash is not vacuous).
      expect(a.hash).to.not.equal(c.hash);
    });
  });
}
