/**
 * A compacting collection (translator/frontend/gc.ts `compact`, run after an
 * eviction pass's own with FrontEndOptions.compactAfterEvict): old-space
 * pages left half live are emptied and freed, which V8's regular heuristics
 * do not do;
 * and the mode ends with the call (a later plain collection leaves such
 * pages alone again). Measured in a child process, on a heap of its own.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('../helpers/gc-compact-child.js', import.meta.url));

describe('compacting collection (gc.ts)', function () {
  this.timeout(120_000);

  it('frees half-live old-space pages that a plain collection keeps, and only in that call', () => {
    const r = JSON.parse(execFileSync(process.execPath, ['--max-semi-space-size=4', CHILD], { encoding: 'utf8' }).trim().split('\n').pop()!) as
      { plain: number; compacted: number; plainAgain1: number; plainAgain2: number };
    // ~24 MiB live in ~48 MiB of pages: compaction moves up to 6 MB a collection into fresh pages and frees the rest.
    expect(r.compacted, JSON.stringify(r)).to.be.below(r.plain - 4);
    expect(r.plainAgain2, JSON.stringify(r)).to.be.above(r.plainAgain1 - 2);
  });
});
