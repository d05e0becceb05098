/**
 * src/host-tuning.ts names how node is started for a run; the places that
 * start it (bin/jitvisor.js's shebang, `npm start`, bench/boot-runner.ts)
 * must say the same, and a process started through the shebang must have
 * them.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { TUNED_ENV, TUNED_NODE_FLAGS, isTuned, tunedShebang } from '../src/host-tuning.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(ROOT, 'bin', 'jitvisor.js');

describe('host tuning (how node is started for a run)', () => {
  it('bin/jitvisor.js\'s shebang and npm start carry src/host-tuning.ts\'s settings', () => {
    assert.equal(readFileSync(BIN, 'utf8').split('\n')[0], tunedShebang());
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const env = Object.entries(TUNED_ENV).map(([k, v]) => `${k}=${v}`).join(' ');
    assert.equal(pkg.scripts.start, `${env} node ${TUNED_NODE_FLAGS.join(' ')} bin/jitvisor.js run`);
  });

  it('isTuned tells a process started with them from one started without', () => {
    assert.equal(isTuned({ ...TUNED_ENV }, [...TUNED_NODE_FLAGS]), true);
    assert.equal(isTuned({}, [...TUNED_NODE_FLAGS]), false);
    assert.equal(isTuned({ ...TUNED_ENV }, []), false);
    assert.equal(isTuned({ ...TUNED_ENV, MALLOC_ARENA_MAX: '8' }, [...TUNED_NODE_FLAGS]), false);
  });

  it('a process started through the shebang has them (the kernel runs env -S)', () => {
    // A script with bin/jitvisor.js's first line, run as an executable: it reports its own settings.
    const probe = `${tunedShebang()}\nconst { isTuned } = await import(${JSON.stringify(new URL('../src/host-tuning.js', import.meta.url).href)});\nprocess.stdout.write(String(isTuned()));\n`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', `
      import { writeFileSync, chmodSync, mkdtempSync, rmSync } from 'node:fs';
      import { tmpdir } from 'node:os';
      import { join } from 'node:path';
      import { execFileSync } from 'node:child_process';
      const d = mkdtempSync(join(tmpdir(), 'jv-tuning-'));
      const f = join(d, 'probe.mjs');
      writeFileSync(f, ${JSON.stringify(probe)});
      chmodSync(f, 0o755);
      try { process.stdout.write(execFileSync(f, { encoding: 'utf8', env: { PATH: process.env.PATH } })); } finally { rmSync(d, { recursive: true }); }
    `], { encoding: 'utf8' });
    assert.equal(out, 'true');
  });
});
