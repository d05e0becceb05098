/**
 * The compile worker's binaryen warm-up (translator/jit/warm-binaryen.ts,
 * opt-in): the warm-up's modules are valid wasm of the expected shape, a
 * worker started with JITVISOR_WARM=1 has run it before any request (its
 * stats say how many modules), and by default it does not. Timing is not tested here
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

  it('runs in a worker started with JITVISOR_WARM=1, before any request; not by default', () => {
    const env = { ...process.env };
    delete env.JITVISOR_WARM;
    expect(warmedInChild({ ...env, JITVISOR_WARM: '1' })).to.equal(WARM_MODULES);
    expect(warmedInChild(env)).to.equal(0);
    expect(WARM_FUNCTIONS).to.be.greaterThan(0);
  });
});
