/**
 * The whole stack on the default guest: `jitvisor run` boots Debian's stock
 * kernel + busybox initramfs in deterministic mode with the serial console on
 * a pipe, reaches GUEST-BOOT-OK, and a command typed at the shell answers.
 * Slow on the interpreter (about two minutes): see README "Booting".
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TEST_ENGINES } from './helpers/engines.js';

const BIN = fileURLToPath(new URL('../../bin/jitvisor.js', import.meta.url));

for (const engine of TEST_ENGINES) {
  describe(`boot Debian's kernel to a shell [${engine}]`, function () {
    this.timeout(15 * 60 * 1000);
    it('prints GUEST-BOOT-OK and answers `echo $((6*7))` typed at the shell', async () => {
      const child = spawn(process.execPath, [BIN, 'run', '--clock', 'deterministic', '--engine', engine], { stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '', err = '';
      let typed = false;
      const done = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const answered = new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString('latin1');
          if (!typed && out.includes('GUEST-BOOT-OK') && /\/ # /.test(out.slice(out.indexOf('GUEST-BOOT-OK')))) {
            typed = true;
            child.stdin.write('echo $((6*7))\n');
          }
          if (typed && /\r?\n42\r?\n/.test(out.slice(out.lastIndexOf('echo $((6*7))')))) resolve();
        });
        child.on('exit', () => reject(new Error(`jitvisor exited early.\nstdout tail:\n${out.slice(-2000)}\nstderr:\n${err}`)));
      });
      child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
      try {
        await answered;
      } finally {
        child.kill('SIGTERM');
      }
      const code = await done;
      expect(out).to.contain('Linux version 6.1.0-50-686');
      expect(out).to.contain('GUEST-BOOT-OK');
      expect(err).to.match(/jitvisor: booting \S*linux-686\.bzImage/);
      // SIGTERM stops the machine cleanly (exit status 0, "stopped").
      expect(code).to.equal(0);
      expect(err).to.match(/stopped after \d+ instructions/);
    });
  });
}
