/**
 * The compile worker warms binaryen up before its first request
 * (translator/jit/warm-binaryen.ts): the warm-up's modules are valid wasm of
 * the expected shape, a started worker has run it (its stats say how many
 * modules), and JITVISOR_WARM=0 skips it. Timing is not tested here
 * (docs/jit-plan.md "Start-up, session 17" has the measurements).
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { WARM_FUNCTIONS, WARM_MODULES, warmBinaryen } from '../../translator/jit/warm-binaryen.js';

const CHILD = fileURLToPath(new URL('../helpers/worker-young-child.js', import.meta.url));

function warmedInChild(env: NodeJS.ProcessEnv): number | null {
  const out = execFileSync(process.execPath, [CHILD], { encoding: 'utf8', env });
  return (JSON.parse(out.trim().split('\n').pop()!) as { warmed: number | null }).warmed;
}

describe('compile worker binaryen warm-up', function () {
  this.timeout(120_000);

  it('emits valid modules, each with its functions exported', () => {
    const mods = warmBinaryen(2, 3);
    expect(mods).to.have.length(2);
    for (const bytes of mods) {
      expect(WebAssembly.validate(bytes as Uint8Array<ArrayBuffer>)).to.equal(true);
      const exports = WebAssembly.Module.exports(new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>));
      expect(exports.map((e) => e.name)).to.deep.equal(['w0', 'w1', 'w2']);
    }
  });

  it('runs in a started worker before its first request, and not with JITVISOR_WARM=0', () => {
    const env = { ...process.env };
    delete env.JITVISOR_WARM;
    expect(warmedInChild(env)).to.equal(WARM_MODULES);
    expect(warmedInChild({ ...env, JITVISOR_WARM: '0' })).to.equal(0);
    expect(WARM_FUNCTIONS).to.be.greaterThan(0);
  });
});
