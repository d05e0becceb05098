/**
 * A fleet VM's warnings reach the fleet (src/fleet/worker.ts forwards the
 * machine's 'warning', fleet.ts emits it with the VM's name and keeps it in
 * VmInfo.warnings, which the management interface's list/status show): here
 * its JIT's compile worker dies on every request (JITVISOR_TEST_FAULT=
 * worker-exit in that VM's thread only), is restarted three times, then
 * compiling stops; the guest keeps answering, interpreted.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Fleet } from '../../src/index.js';
import { ECHO, tinyKernel } from '../helpers/fleet-harness.js';

describe('fleet: a VM\'s JIT warnings reach the fleet', function () {
  this.timeout(180_000);
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'jitvisor-fleet-warn-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('each death of its compile worker is a fleet warning named for the VM, kept in its info; the guest goes on', async () => {
    const kernel = join(dir, 'echo.bzImage');
    writeFileSync(kernel, tinyKernel(ECHO));
    const fleet = new Fleet();
    const heard: [string, string][] = [];
    fleet.on('warning', (name: string, text: string) => heard.push([name, text]));
    const out: Buffer[] = [];
    fleet.on('output', (_: string, b: Buffer) => out.push(b));
    try {
      // A worker thread takes a copy of process.env when it is made (synchronously, in start()): the fault is that VM's only.
      process.env.JITVISOR_TEST_FAULT = 'worker-exit';
      const started = fleet.start({ name: 'w', kernel, initrd: null, memoryMiB: 4, engine: 'jit', clock: 'deterministic' });
      delete process.env.JITVISOR_TEST_FAULT;
      await started;
      const t0 = Date.now();
      while (!heard.some(([, t]) => /compiling stopped/.test(t))) {
        if (Date.now() - t0 > 150_000) throw new Error(`no final warning in 150 s; heard ${JSON.stringify(heard)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(heard.map(([n]) => n)).to.deep.equal(['w', 'w', 'w', 'w']);
      expect(heard.slice(0, 3).map(([, t]) => /restarted \((\d) of 3\)/.exec(t)?.[1])).to.deep.equal(['1', '2', '3']);
      expect(heard[3]![1]).to.match(/^the JIT's compile worker failed \(exited with code 70\): compiling stopped/);
      expect(fleet.list()[0]!.warnings).to.deep.equal(heard.map(([, t]) => t));
      fleet.send('w', 'still here\n');
      const t1 = Date.now();
      while (!Buffer.concat(out).toString('latin1').includes('STILL HERE\n')) {
        if (Date.now() - t1 > 60_000) throw new Error('the guest did not answer');
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      delete process.env.JITVISOR_TEST_FAULT;
      await fleet.close();
    }
  });
});
