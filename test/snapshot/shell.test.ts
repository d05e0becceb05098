/**
 * Snapshots of the default guest at its shell: one deterministic boot (on
 * the JIT) to the busybox prompt, saved there. Then, on each engine:
 * - determinism with console traffic: restore, type a command, run N
 *   instructions and save; restore that in a new process and run on to M;
 *   the console output and the state hash equal one run from the shell
 *   snapshot to M;
 * - `jitvisor run --restore` brings the guest back at its prompt, and a
 *   command typed after the restore is answered.
 * Slow: the boot takes minutes (README "Booting"); everything after it is quick.
 */
import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TEST_ENGINES } from '../helpers/engines.js';
import { child } from './run-child.js';

const BIN = fileURLToPath(new URL('../../../bin/jitvisor.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'jitvisor-shell-'));
const shellSnap = join(dir, 'shell.snap');
const N = 4_000_000, M = 10_000_000;
const TYPED = 'echo $((6*7))\n';

describe('snapshots of the default guest at its shell', function () {
  this.timeout(30 * 60 * 1000);

  before(() => {
    const r = child({ engine: 'jit', boot: true, until: 'GUEST-BOOT-OK[^]*/ # ', save: shellSnap });
    expect(r.exit).to.equal('matched');
    expect(r.serial).to.contain('GUEST-BOOT-OK');
  });

  for (const engine of TEST_ENGINES) {
    it(`[${engine}] restore, type, save at +${N / 1e6} M; restore in a new process to +${M / 1e6} M = one run to +${M / 1e6} M`, () => {
      const mid = join(dir, `mid-${engine}.snap`);
      const a = child({ engine, restore: shellSnap, input: TYPED, instructions: N, save: mid });
      const b = child({ engine, restore: mid, instructions: M - N });
      const c = child({ engine, restore: shellSnap, input: TYPED, instructions: M });
      expect(b.instructions).to.equal(c.instructions);
      expect(a.serial + b.serial).to.equal(c.serial);
      expect(b.hash).to.equal(c.hash);
      // The command ran within the window: the console shows its answer.
      expect(c.serial).to.match(/\r?\n42\r?\n/);
    });

    it(`[${engine}] jitvisor run --restore: the guest answers a command typed after the restore`, async () => {
      const clock = engine === 'interpreter' ? ['--clock', 'realtime'] : []; // a deterministic snapshot resumes in either mode
      const p = spawn(process.execPath, [BIN, 'run', '--restore', shellSnap, '--engine', engine, ...clock], { stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '', err = '';
      p.stderr.on('data', (d: Buffer) => { err += d.toString(); });
      const exited = new Promise<number | null>((resolve) => p.on('exit', (code) => resolve(code)));
      await new Promise<void>((resolve, reject) => {
        p.stdout.on('data', (d: Buffer) => {
          out += d.toString('latin1');
          if (/\r?\n42\r?\n/.test(out)) resolve();
        });
        p.on('exit', () => reject(new Error(`exited early: ${err}\n${out}`)));
        setTimeout(() => p.stdin.write(TYPED), 200);
      });
      p.kill('SIGTERM');
      expect(await exited).to.equal(0);
      expect(err).to.match(/jitvisor: resuming .*shell\.snap/);
      expect(out).to.not.contain('Linux version'); // resumed, not rebooted
    });
  }

  it('Ctrl-A s at the console saves a snapshot while the guest runs; Ctrl-A x quits', async function () {
    // The escape keys work on a terminal only: util-linux `script` gives jitvisor a pseudo-terminal.
    if (spawnSync('script', ['--version']).status !== 0) this.skip();
    const saved = join(dir, 'ctrl-a-s.snap');
    const cmd = [process.execPath, BIN, 'run', '--restore', shellSnap, '--snapshot-file', saved].map((a) => `'${a}'`).join(' ');
    const p = spawn('script', ['-qec', cmd, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    const exited = new Promise<number | null>((resolve) => p.on('exit', (code) => resolve(code)));
    const wait = (re: RegExp) => new Promise<void>((resolve, reject) => {
      const check = () => { if (re.test(out)) { p.stdout.off('data', on); resolve(); } };
      const on = (d: Buffer) => { out += d.toString('latin1'); check(); };
      p.stdout.on('data', on);
      p.once('exit', () => reject(new Error(`exited early: ${out}`)));
      check();
    });
    await wait(/resuming/);
    p.stdin.write('\x01s');
    await wait(/snapshot saved to \S*ctrl-a-s\.snap: [\d.]+ MiB, guest stopped \d+ ms/);
    p.stdin.write('\x01x');
    expect(await exited).to.equal(0);
    expect(existsSync(saved)).to.equal(true);
    const info = spawnSync(process.execPath, [BIN, 'snapshot', 'info', saved], { encoding: 'utf8' });
    expect(info.status, info.stderr).to.equal(0);
    expect(info.stdout).to.contain('checksum ok');
  });
});
