/**
 * A second unmodified guest: `jitvisor run` boots Debian's memtest86+ 6.10
 * with 32 MiB in deterministic mode, its ANSI screen on the serial console
 * is read through a screen model, and its first tests (address tests, the
 * first with caching off) must complete with 0 errors. A full pass is too
 * long for `npm test` on the interpreter: `npm run test:memtest`
 * (bench/memtest.ts) runs one. `nopause` skips memtest's 3 s start-up menu.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TEST_ENGINES } from './helpers/engines.js';
import { SerialScreen } from '../src/serial-screen.js';
import { readMemtestStatus, type MemtestStatus } from '../guests/memtest-screen.js';

const BIN = fileURLToPath(new URL('../../bin/jitvisor.js', import.meta.url));
const MEMTEST = fileURLToPath(new URL('../../guests/memtest86+ia32.bin', import.meta.url));
/**
 * Until the screen shows test #3 or later: tests #0 (walking ones, caching
 * off) and #2 (own address + window) are done (#1 is off by default).
 * memtest redraws the serial screen on a timer (guest time), so not every
 * test shows up on it; the error count is cumulative.
 */
const UNTIL_TEST = 3;

for (const engine of TEST_ENGINES) {
  describe(`memtest86+ 6.10, 32 MiB [${engine}]`, function () {
    this.timeout(10 * 60 * 1000);
    it(`passes its first tests (until test #${UNTIL_TEST} starts) with 0 errors`, async () => {
      const child = spawn(process.execPath, [BIN, 'run', '--kernel', MEMTEST, '--append', 'console=ttyS0,115200 nopause',
        '--memory', '32', '--clock', 'deterministic', '--engine', engine], { stdio: ['pipe', 'pipe', 'pipe'] });
      const screen = new SerialScreen();
      let err = '';
      const seen: string[] = [];
      const done = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const reached = new Promise<MemtestStatus>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          // A chunk may hold several screen updates (the pipe coalesces writes): look after each escape sequence.
          for (let i = 0; i < d.length;) {
            let j = d.indexOf(0x1b, i + 1);
            if (j < 0) j = d.length;
            screen.write(d.subarray(i, j));
            i = j;
            const st = readMemtestStatus((n) => screen.line(n));
            if (st?.test && !seen.includes(`#${st.test.number} ${st.test.name}`)) seen.push(`#${st.test.number} ${st.test.name}`);
            if (st && (st.errors > 0 || (st.test?.number ?? 0) >= UNTIL_TEST)) { resolve(st); return; }
          }
        });
        child.on('exit', () => reject(new Error(`jitvisor exited early.\nscreen:\n${screen.text()}\nstderr:\n${err}`)));
      });
      child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
      let st: MemtestStatus;
      try {
        st = await reached;
      } finally {
        child.kill('SIGTERM');
      }
      expect(await done).to.equal(0);
      expect(st.errors, screen.text()).to.equal(0);
      expect(st.passes).to.equal(0);
      expect(seen[0]).to.equal('#0 Address test, walking ones, no cache');
      expect(st.test?.number).to.be.at.least(UNTIL_TEST);
      expect(screen.line(6)).to.match(/^Memory  :\s+32MB/);
      expect(err).to.contain('Linux boot protocol 2.12');
    });
  });
}
