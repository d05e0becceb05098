/**
 * The compile worker's young generation stays small whatever semi-space
 * size the process was started with (translator/jit/worker-client.ts
 * WORKER_SEMI_MB): V8's `--max-semi-space-size` overrides the worker's
 * resourceLimits, and the tuned host settings pass 4 MiB for the main
 * thread (the worker's new space then held 8 MiB for ~0.4 used at the
 * boot's peak). V8's heap bound counts the young generation's bound (3
 * semi-spaces), so it tells which one the worker got; the main thread's
 * own bound must not move.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startSemiSpaceFlag } from '../../translator/jit/worker-client.js';

const CHILD = fileURLToPath(new URL('../helpers/worker-young-child.js', import.meta.url));

interface Limits { worker: number | null; mainBefore: number; mainAfter: number }

function child(semiMb: number): Limits {
  const out = execFileSync(process.execPath, [`--max-semi-space-size=${semiMb}`, CHILD], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!) as Limits;
}

describe('compile worker young generation', function () {
  this.timeout(120_000);

  it('is the same whether the process was started with 1 or 8 MiB semi-spaces; the main thread keeps its own', () => {
    const small = child(1), big = child(8);
    expect(small.worker).to.be.a('number');
    expect(big.worker, 'worker heap bound (MiB) with 8 MiB semi-spaces in the process').to.equal(small.worker);
    // The main thread's bound: 3 x 7 MiB more young generation with 8 than with 1, before and after the worker started.
    expect(big.mainBefore - small.mainBefore).to.equal(21);
    expect([small.mainAfter, big.mainAfter]).to.deep.equal([small.mainBefore, big.mainBefore]);
  });

  it('puts back the flag the process was started with', () => {
    expect(startSemiSpaceFlag(['--max-semi-space-size=4'])).to.equal('--max-semi-space-size=4');
    expect(startSemiSpaceFlag(['--foo', '--max_semi_space_size', '16'])).to.equal('--max-semi-space-size=16');
    expect(startSemiSpaceFlag(['--v8-pool-size=1'])).to.equal('--max-semi-space-size=0');
  });
});
