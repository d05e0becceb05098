/**
 * The in-guest test suite (test/guest/README.md): boots Debian's kernel, the
 * default guest's, with test/guest/initramfs.cpio.xz (busybox + three static
 * i386 builds of test/guest/src/*.c + a test /init) in deterministic mode,
 * and compares what the programs print between GUEST-SUITE-BEGIN and
 * GUEST-SUITE-END with test/guest/expected.txt (recorded on the same kernel
 * and initramfs under qemu-system-i386), exactly, one `it` per program run.
 * A second boot per engine, `--cpu pentium4` with `gsuite=sse`, runs the SSE
 * build (-msse2 -mfpmath=sse -msse3) and prints /proc/cpuinfo's flags line,
 * compared with test/guest/expected-sse.txt.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TEST_ENGINES } from './helpers/engines.js';

const BIN = fileURLToPath(new URL('../../bin/jitvisor.js', import.meta.url));
const GUEST_DIR = fileURLToPath(new URL('../../test/guest/', import.meta.url));
const INITRD = GUEST_DIR + 'initramfs.cpio.xz';
/**
 * The kernel is the unmodified default guest; the command line only trims
 * work: `quiet` keeps kernel messages (e.g. about a deliberately crashing
 * child) out of the compared output, and `cryptomgr.notests` skips the
 * crypto self-tests (about 3 G of the boot's 6.7 G instructions, in lib/mpi;
 * test/boot.test.ts still runs them). record.sh uses the same line.
 */
const APPEND = 'console=ttyS0 quiet cryptomgr.notests';

/** Output sections keyed by their "== group -Ox" (or "-sse") header line, each with its lines up to and including "== exit N". */
export function sections(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let cur: string[] | null = null;
  for (const line of text.split('\n')) {
    if (/^== \S+ -(O\d|sse)$/.test(line)) { cur = []; out.set(line, cur); continue; }
    if (cur) cur.push(line);
  }
  return out;
}

/** The console text between the markers, with the serial line's CR LF made LF. */
export function suiteOutput(consoleText: string): string | null {
  const t = consoleText.replace(/\r/g, '');
  const b = t.indexOf('GUEST-SUITE-BEGIN\n'), e = t.indexOf('GUEST-SUITE-END\n');
  if (b < 0 || e < b) return null;
  return t.slice(b + 'GUEST-SUITE-BEGIN\n'.length, e);
}

/** The two boots: the default CPU with every group of both builds, and the pentium4 model with the SSE build's groups. */
const BOOTS = [
  { name: '', cpu: [] as string[], append: APPEND, expected: 'expected.txt' },
  { name: ' with --cpu pentium4, SSE build', cpu: ['--cpu', 'pentium4'], append: `${APPEND} gsuite=sse`, expected: 'expected-sse.txt' },
];

for (const boot of BOOTS) {
  const expected = sections(readFileSync(GUEST_DIR + boot.expected, 'utf8'));
  for (const engine of TEST_ENGINES) {
    describe(`in-guest test suite on Debian's kernel${boot.name} [${engine}]`, function () {
      this.timeout(25 * 60 * 1000);
      let got: Map<string, string[]> | null = null;
      let failure = '';

      before(async function () {
        this.timeout(25 * 60 * 1000);
        const child = spawn(process.execPath, [BIN, 'run', '--clock', 'deterministic', '--engine', engine, ...boot.cpu, '--initrd', INITRD, '--append', boot.append],
          { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '', err = '';
        child.stdout.on('data', (d: Buffer) => { out += d.toString('latin1'); });
        child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
        const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
        const text = suiteOutput(out);
        if (code !== 0 || text === null) {
          failure = `jitvisor exited ${code}; suite output ${text === null ? 'incomplete' : 'complete'}.\nconsole tail:\n${out.slice(-3000)}\nstderr tail:\n${err.slice(-2000)}`;
          if (text === null) return;
        }
        got = sections(text ?? '');
      });

      it('runs to GUEST-SUITE-END and powers off (exit status 0)', () => {
        expect(failure, failure).to.equal('');
      });
      it('prints no section that is not expected', () => {
        expect(got, 'no suite output').to.not.equal(null);
        expect([...(got?.keys() ?? [])]).to.deep.equal([...expected.keys()]);
      });
      for (const [header, lines] of expected) {
        it(`${header.slice(3)} prints exactly what it prints on Debian's kernel in QEMU`, () => {
          expect(got, 'no suite output').to.not.equal(null);
          const mine = got?.get(header);
          expect(mine, `section "${header}" missing`).to.not.equal(undefined);
          expect(mine?.join('\n')).to.equal(lines.join('\n'));
        });
      }
    });
  }
}
