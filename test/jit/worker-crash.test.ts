/**
 * A compile worker that dies: the machine goes on (interpreted), gets the
 * same results, and says so once (Jit.onWorkerFailure, which `jitvisor run`
 * prints through src/vm.ts's 'warning'; the JIT summary leads with it).
 * The crash runs in its own process (test/helpers/worker-crash-child.ts).
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('../helpers/worker-crash-child.js', import.meta.url));

interface Out {
  modulesBefore: number; modulesAfter: number; reports: string[]; failure: string | null; summary: string;
  runs: { instructions: number; compiled: number }[];
}

describe('the compile worker dies (JIT engine)', function () {
  this.timeout(120_000);
  let out: Out;
  before(() => {
    out = JSON.parse(execFileSync(process.execPath, [CHILD], { encoding: 'utf8' }).trim().split('\n').pop()!) as Out;
  });

  it('compiled before the crash, nothing after it', () => {
    expect(out.modulesBefore).to.be.greaterThan(0);
    expect(out.modulesAfter).to.equal(out.modulesBefore);
    expect(out.runs[1]!.compiled).to.equal(0);
    expect(out.runs[2]!.compiled).to.equal(0);
  });

  it('is reported once, with the reason, and leads the JIT summary', () => {
    expect(out.reports).to.have.length(1);
    expect(out.reports[0]).to.match(/exited with code/);
    expect(out.failure).to.equal(out.reports[0]);
    expect(out.summary).to.match(/^COMPILE WORKER FAILED \(exited with code/);
  });

  it('the guest goes on interpreted to the same results', () => {
    // mov + k nops + N x (dec, jnz) + hlt
    expect(out.runs.map((r) => r.instructions)).to.deep.equal([[20000, 0], [30000, 1], [40000, 2]].map(([n, k]) => 2 * n! + k! + 2));
  });
});
