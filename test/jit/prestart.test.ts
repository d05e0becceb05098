/**
 * The compile worker started ahead of the machine (src/prestart.ts,
 * translator/jit/worker-client.ts prestartCompileWorker): which command
 * lines start it, that the machine's JIT then uses that worker (no second
 * one), that one no JIT takes up is ended, and that the interpreter never
 * starts one. Each case runs in its own process (test/helpers/prestart-child.ts):
 * the worker belongs to the thread, and this one's is shared by other tests.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runsJit } from '../../src/prestart.js';
import { TEST_ENGINES } from '../helpers/engines.js';

const CHILD = fileURLToPath(new URL('../helpers/prestart-child.js', import.meta.url));

interface Status { started: number; exited: number; running: boolean; adopted: boolean }
interface ChildResult {
  prestarted: boolean; atPrestart: Status; afterMachine: Status; end: Status;
  compiled: number; modules: number; instructions: number;
}

function child(engine: string, argv: string[], unadoptedMs?: number, makeAfterMs = 0, waitMs = 0): ChildResult {
  const out = execFileSync(process.execPath, [CHILD, engine, JSON.stringify(argv), String(unadoptedMs ?? 15_000), String(makeAfterMs), String(waitMs)], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!) as ChildResult;
}

describe('compile worker prestart', function () {
  this.timeout(120_000);

  it('starts for command lines that run a JIT on this thread, and for no other', () => {
    const yes = [['run'], ['run', '--engine', 'jit'], ['run', '--engine=jit'], ['run', '--restore', 's.snap', '--engine', 'jit'],
      ['exec', '90f4'], ['profile', '--top', '3'], ['compare'], ['compare', '--at', '1000']];
    const no = [[], ['help'], ['--version'], ['run', '--engine', 'interpreter'], ['run', '--engine=interpreter'], ['run', '--engine', 'bogus'],
      ['run', '--restore', 's.snap'], ['run', '--incoming', 'tcp:127.0.0.1:4444'], ['run', '--help'], ['profile', '-h'],
      ['exec', '--engine', 'interpreter', '90f4'], ['fleet', '--vms', '4'], ['monitor', 'unix:/tmp/x', 'status'], ['snapshot', 'f']];
    for (const a of yes) expect(runsJit(a), a.join(' ')).to.equal(true);
    for (const a of no) expect(runsJit(a), a.join(' ')).to.equal(false);
  });

  for (const engine of TEST_ENGINES) {
    it(`${engine}: the command line's engine decides; a JIT uses the prestarted worker, the interpreter starts none`, () => {
      const r = child(engine, ['run', '--engine', engine]);
      expect(r.instructions, 'the loop ran to its HLT').to.equal(1 + 2 * 20000 + 1);
      if (engine === 'jit') {
        expect(r.prestarted).to.equal(true);
        expect(r.atPrestart).to.deep.include({ started: 1, running: true, adopted: false });
        // The engine connected at construction (it warms the worker): the same worker, now adopted.
        expect(r.afterMachine).to.deep.include({ started: 1, running: true, adopted: true });
        expect(r.modules, 'modules compiled by the worker').to.be.above(0);
        expect(r.compiled, 'instructions run compiled').to.be.above(0);
        expect(r.end).to.deep.include({ started: 1, exited: 0, running: true });
      } else {
        expect(r.prestarted).to.equal(false);
        expect(r.end).to.deep.include({ started: 0, exited: 0, running: false });
        expect(r.compiled).to.equal(0);
      }
    });
  }

  for (const engine of TEST_ENGINES) {
    it(`${engine}: Machine.create starts the worker before it reads the kernel only for the JIT`, () => {
      const r = child(`create:${engine}`, []);
      expect(r.prestarted, 'no command line here').to.equal(false);
      // The kernel could not be read: no machine, so nothing adopted the worker Machine.create started.
      if (engine === 'jit') expect(r.afterMachine).to.deep.include({ started: 1, running: true, adopted: false });
      else expect(r.afterMachine).to.deep.include({ started: 0, running: false });
    });
  }

  it('a prestarted worker that no JIT takes up is ended', () => {
    const r = child('none', ['run'], 200, 0, 1500);
    expect(r.prestarted).to.equal(true);
    expect(r.atPrestart).to.deep.include({ started: 1, running: true });
    expect(r.end).to.deep.include({ started: 1, exited: 1, running: false });
  });

  it('one taken up is not ended when the prestart timeout passes', () => {
    // The JIT connects before the 300 ms timeout; the status is read well after it.
    const r = child('jit', ['run'], 300, 0, 1500);
    expect(r.afterMachine).to.deep.include({ started: 1, adopted: true });
    expect(r.end).to.deep.include({ started: 1, exited: 0, running: true });
  });

  it('a JIT made after an unadopted worker was ended starts a new one', () => {
    const r = child('jit', ['run'], 100, 1500);
    expect(r.afterMachine).to.deep.include({ started: 2, exited: 1, running: true, adopted: true });
    expect(r.modules).to.be.above(0);
    expect(r.end).to.deep.include({ started: 2, exited: 1, running: true });
  });
});
