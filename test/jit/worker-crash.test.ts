/**
 * A compile worker that dies (translator/jit/worker-client.ts): it is
 * restarted, at most MAX_RESTARTS times per thread; every client sharing it
 * drops its requests in flight (each once: no request is lost silently or
 * answered twice) and sends their blocks again; each death is reported
 * (Jit.onWorkerFailure, which `jitvisor run` prints through src/vm.ts's
 * 'warning'); past the bound the guest goes on interpreted, the JIT summary
 * leading with it. A worker dying under a synchronous wait does not hang it.
 * The crashes run in processes of their own (test/helpers/worker-crash-child.ts,
 * worker-sync-crash-child.ts): the worker and its restarts are per thread.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('../helpers/worker-crash-child.js', import.meta.url));
const SYNC_CHILD = fileURLToPath(new URL('../helpers/worker-sync-crash-child.js', import.meta.url));

interface Count { sent: number; modules: number; dropped: number; requeued: number; restarts: number }
interface Out {
  raw: { first: number; second: number; answers: number[]; lost: number[]; lostAgain: number[]; deaths: { why: string; restart: number | null; dropped: number }[]; inFlight: number };
  modulesBefore: number; afterRestart: { a: Count; b: Count }; afterDrop: { a: Count; b: Count }; end: { a: Count; b: Count };
  reports: { a: [string, number | null][]; b: [string, number | null][] }; failure: string | null; summary: string;
  runs: { instructions: number; compiled: number }[];
  status: { started: number; died: number };
}

const lastLine = (s: string): string => s.trim().split('\n').pop()!;

describe('the compile worker dies (JIT engine)', function () {
  this.timeout(180_000);
  let out: Out;
  before(() => {
    out = JSON.parse(lastLine(execFileSync(process.execPath, [CHILD], { encoding: 'utf8' }))) as Out;
  });

  it('an answer posted before the death is delivered, the request after it dropped once', () => {
    expect(out.raw.answers).to.deep.equal([out.raw.first]);
    expect(out.raw.lost).to.deep.equal([out.raw.second]);
    expect(out.raw.lostAgain).to.deep.equal([]);
    expect(out.raw.inFlight).to.equal(0);
    expect(out.raw.deaths).to.deep.equal([{ why: 'exited with code 70', restart: 1, dropped: 1 }]);
  });

  it('is restarted: every machine sharing it is told, and compiles again', () => {
    expect(out.modulesBefore).to.be.greaterThan(0);
    expect(out.reports.a.slice(0, 2)).to.deep.equal([['exited with code 1', 2], ['exited with code 70', 3]]);
    expect(out.reports.b).to.deep.equal(out.reports.a);
    expect(out.afterRestart.a.modules).to.be.greaterThan(out.modulesBefore);
    expect(out.runs[2]!.compiled).to.be.greaterThan(0);
    expect(out.runs[3]!.compiled).to.be.greaterThan(0);
  });

  it('requests in flight are dropped, their blocks sent again and compiled; none answered twice or lost', () => {
    for (const m of ['a', 'b'] as const) {
      const d = out.afterDrop[m];
      expect(d.dropped, m).to.be.at.least(1);
      expect(d.requeued, m).to.be.at.least(1);
      expect(d.restarts, m).to.equal(2);
      // Every request sent was answered (a module) or dropped, exactly once.
      expect(d.sent, m).to.equal(d.modules + d.dropped);
      expect(out.end[m].sent, m).to.equal(out.end[m].modules + out.end[m].dropped);
    }
    // The loop that ran interpreted while its request died, then again: compiled by the third worker.
    expect(out.runs[4]!.compiled).to.equal(0);
    expect(out.runs[6]!.compiled).to.be.greaterThan(0);
    expect(out.runs[7]!.compiled).to.be.greaterThan(0);
  });

  it('past MAX_RESTARTS it is final: reported once, leads the JIT summary, nothing compiled after', () => {
    expect(out.reports.a).to.have.length(3);
    expect(out.reports.a[2]).to.deep.equal(['exited with code 1', null]);
    expect(out.failure).to.equal('exited with code 1');
    expect(out.summary).to.match(/^COMPILE WORKER FAILED \(exited with code 1\): compiling stopped; compile worker restarted 2 times/);
    expect(out.end.a.modules).to.equal(out.afterDrop.a.modules);
    expect(out.runs[8]!.compiled).to.equal(0);
    expect(out.runs[9]!.compiled).to.equal(0);
    expect(out.status).to.include({ started: 4, died: 4 });
  });

  it('the guest goes on to the same results', () => {
    // mov + k nops + N x (dec, jnz) + hlt
    const want = [[20000, 0], [20000, 0], [30000, 1], [30000, 1], [40000, 2], [40000, 2], [40000, 2], [40000, 2], [50000, 3], [50000, 3]];
    expect(out.runs.map((r) => r.instructions)).to.deep.equal(want.map(([n, k]) => 2 * n! + k! + 2));
  });
});

describe('the compile worker dies under a synchronous wait (JIT engine, threshold 0)', function () {
  // Without a way out the wait never returns: the child is killed at 60 s and this fails.
  this.timeout(90_000);
  it('the run goes on: the death is seen through the exit word and through /proc, the block compiled by a restarted worker', () => {
    const out = JSON.parse(lastLine(execFileSync(process.execPath, [SYNC_CHILD], { encoding: 'utf8', timeout: 60_000 }))) as {
      runs: { instructions: number; compiled: number; stop: string }[]; reports: [string, number | null][]; dropped: number; requeued: number; sent: number; modules: number;
    };
    expect(out.runs.map((r) => r.stop)).to.deep.equal(['hlt', 'hlt']);
    expect(out.runs.map((r) => r.instructions)).to.deep.equal([2 * 1000 + 2, 2 * 1000 + 3]);
    // Every block compiled before its first run, the one whose request died too (queued again, sent to the new worker).
    for (const r of out.runs) expect(r.compiled).to.equal(r.instructions);
    expect(out.requeued).to.equal(2);
    expect(out.reports).to.deep.equal([
      ['its thread exited under a synchronous wait', 1],
      ['its thread ended under a synchronous wait (gone from /proc)', 2],
    ]);
    expect(out.dropped).to.equal(2);
    expect(out.sent).to.equal(out.modules + out.dropped);
  });
});
