/**
 * The young-generation freeze (translator/frontend/gc.ts YoungFreeze,
 * FrontEndOptions.youngFreeze; docs/jit-plan.md "Memory", eleventh pass): in a
 * process started with the tuned 4 MiB semi-spaces (src/host-tuning.ts), a burst
 * of long-lived allocation grows V8's young generation from 1 to 8 MiB (both
 * semi-spaces); frozen, it stays at its starting size, and released it grows again.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startGrowthFactorFlag } from '../../translator/frontend/gc.js';

const CHILD = fileURLToPath(new URL('../helpers/young-freeze-child.js', import.meta.url));

function child(mode: string): { largest: number; after: number } {
  const out = execFileSync(process.execPath, ['--max-semi-space-size=4', CHILD, mode], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!) as { largest: number; after: number };
}

describe('young-generation freeze', function () {
  this.timeout(120_000);

  it('holds the young generation at its size through a burst of long-lived allocation, and lets it grow once released', () => {
    const free = child('free'), frozen = child('freeze');
    expect(free.largest, 'young generation without the freeze (MiB)').to.equal(8);
    expect(frozen.largest, 'young generation frozen (MiB)').to.be.at.most(2);
    expect(frozen.after, 'after the release (MiB)').to.equal(8);
  });

  it('puts back the growth factor the process was started with', () => {
    expect(startGrowthFactorFlag([])).to.equal('--semi-space-growth-factor=2');
    expect(startGrowthFactorFlag(['--semi-space-growth-factor=4'])).to.equal('--semi-space-growth-factor=4');
    expect(startGrowthFactorFlag(['--semi_space_growth_factor', '3'])).to.equal('--semi-space-growth-factor=3');
  });
});
