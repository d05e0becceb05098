/**
 * The README's library example, run as written: the first ```js block of
 * the "Library API" section is saved inside the package (so that
 * `import ... from 'jitvisor'` resolves to this checkout through
 * package.json "exports") and run with node in a scratch directory.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

describe('README: the library API example', function () {
  this.timeout(10 * 60 * 1000);
  it('runs and prints what its comment says', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### Library API'));
    const m = /```js\n([^]*?)```/.exec(section);
    expect(m, 'a ```js block in the Library API section').to.not.equal(null);
    const code = m![1];
    expect(code).to.contain("from 'jitvisor'");
    const script = join(ROOT, 'dist', `readme-example-${process.pid}.mjs`);
    const cwd = mkdtempSync(join(tmpdir(), 'jitvisor-readme-'));
    writeFileSync(script, code);
    let out: string;
    try {
      out = execFileSync(process.execPath, [script], { cwd, encoding: 'latin1', maxBuffer: 64 << 20 });
    } finally {
      rmSync(script, { force: true });
    }
    expect(out.trimEnd().split('\n').pop()).to.equal('15000000 true');
    expect(existsSync(join(cwd, 'guest.snap'))).to.equal(true);
    expect(readFileSync(join(cwd, 'guest.snap')).subarray(0, 8).toString('latin1')).to.equal('JITVSNAP');
  });
});
