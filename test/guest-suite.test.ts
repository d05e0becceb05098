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
 *
 * Each boot runs the kernel once, on the JIT, in this process (the Machine
 * API): it pauses the machine as soon as GUEST-SUITE-BEGIN is on the console,
 * saves a snapshot there, then lets it run the suite to the end (the [jit]
 * results). The [interpreter] results come from `jitvisor run --restore` of
 * that snapshot with `--engine interpreter`: the programs run on the
 * interpreter from the same point, and the kernel is not booted on the
 * interpreter a second time (test/boot.test.ts does that). The clock is
 * deterministic, so the guest's path does not depend on where the host paused
 * it; the console text before the pause is kept and put in front.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Machine } from '../src/vm.js';
import type { PcExit } from '../src/pc.js';
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
  { name: '', cpu: 'pentium2' as const, append: APPEND, expected: 'expected.txt' },
  { name: ' with --cpu pentium4, SSE build', cpu: 'pentium4' as const, append: `${APPEND} gsuite=sse`, expected: 'expected-sse.txt' },
];
type Boot = (typeof BOOTS)[number];

interface SuiteStart {
  /** Snapshot saved with the suite about to run (just after GUEST-SUITE-BEGIN). */
  snapshot: string;
  /** Console text up to that point. */
  prefix: string;
  /** The JIT machine, paused there, and its run (it goes on after resume()). */
  machine: Machine;
  run: Promise<PcExit>;
}
const tmp = mkdtempSync(join(tmpdir(), 'jitvisor-gsuite-'));
const starts = new Map<Boot, Promise<SuiteStart>>();
after(async () => {
  // A machine whose [jit] leg did not run (TEST_ENGINES without jit, or --grep) is still paused.
  for (const p of starts.values()) await p.then((s) => { s.machine.stop(); return s.run; }, () => undefined);
  rmSync(tmp, { recursive: true, force: true });
});

/** Boots `boot` on the JIT (once per boot, shared by both engines' legs) up to GUEST-SUITE-BEGIN and saves a snapshot there. */
function suiteStart(boot: Boot): Promise<SuiteStart> {
  let p = starts.get(boot);
  if (!p) {
    p = (async () => {
      const machine = Machine.create({ engine: 'jit', clock: 'deterministic', cpu: boot.cpu, initrd: INITRD, cmdline: boot.append });
      let prefix = '';
      let pausing = false;
      let paused = (): void => undefined;
      const pausedP = new Promise<null>((resolve) => { paused = () => resolve(null); });
      // 'output' is emitted between slices: the pause stops the guest before the next one.
      const onOutput = (b: Buffer): void => {
        prefix += b.toString('latin1');
        if (!pausing && prefix.includes('GUEST-SUITE-BEGIN')) { pausing = true; void machine.pause().then(paused); }
      };
      machine.on('output', onOutput);
      const run = machine.run();
      const ended = await Promise.race([run, pausedP]);
      machine.off('output', onOutput);
      if (ended !== null) throw new Error(`the boot ended (${ended.kind}) before GUEST-SUITE-BEGIN; console tail:\n${prefix.slice(-3000)}`);
      const snapshot = join(tmp, `suite-${boot.cpu}.snap`);
      await machine.saveSnapshot(snapshot);
      return { snapshot, prefix, machine, run };
    })();
    starts.set(boot, p);
  }
  return p;
}

/** The [jit] leg: the paused machine runs the suite to the end. */
async function jitLeg(boot: Boot): Promise<{ ok: boolean; out: string; detail: string }> {
  const s = await suiteStart(boot);
  let out = s.prefix;
  s.machine.on('output', (b: Buffer) => { out += b.toString('latin1'); });
  s.machine.resume();
  const exit = await s.run;
  return { ok: exit.kind === 'halted', out, detail: `the machine ended: ${exit.kind}` };
}

/** The [interpreter] leg: `jitvisor run --restore` of the snapshot with --engine interpreter. */
async function restoredLeg(boot: Boot, engine: string): Promise<{ ok: boolean; out: string; detail: string }> {
  const s = await suiteStart(boot);
  const child = spawn(process.execPath, [BIN, 'run', '--restore', s.snapshot, '--engine', engine], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = s.prefix, err = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString('latin1'); });
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  return { ok: code === 0, out, detail: `jitvisor exited ${code}; stderr tail:\n${err.slice(-2000)}` };
}

for (const boot of BOOTS) {
  const expected = sections(readFileSync(GUEST_DIR + boot.expected, 'utf8'));
  for (const engine of TEST_ENGINES) {
    describe(`in-guest test suite on Debian's kernel${boot.name} [${engine}]`, function () {
      this.timeout(25 * 60 * 1000);
      let got: Map<string, string[]> | null = null;
      let failure = '';

      before(async function () {
        this.timeout(25 * 60 * 1000);
        const r = engine === 'jit' ? await jitLeg(boot) : await restoredLeg(boot, engine);
        const text = suiteOutput(r.out);
        if (!r.ok || text === null) {
          failure = `${r.detail}; suite output ${text === null ? 'incomplete' : 'complete'}.\nconsole tail:\n${r.out.slice(-3000)}`;
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
