/**
 * `jitvisor profile` and `jitvisor compare` on the command line, on a short
 * deterministic window of the default guest's boot (its decompressor): the
 * figures add up, the engines end in the same state, the lockstep finds no
 * divergence, and finds the TEST-ONLY injected ADC fault
 * (JITVISOR_TEST_FAULT=adc-carry, translator/jit/test-faults.ts) at an ADC;
 * checkpoints (--at/--every) find it too, between two checkpoints;
 * bad options are one-line usage errors.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/jitvisor.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'jitvisor-profile-'));

function jv(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 64 << 20 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
function usageError(r: { code: number | null; err: string }, command: string, text: string): void {
  expect(r.code, r.err).to.equal(2);
  expect(r.err.trimEnd().split('\n'), r.err).to.have.length(1);
  expect(r.err).to.contain(text);
  expect(r.err).to.contain(`(see: jitvisor ${command} --help)`);
}

describe('jitvisor profile and compare (CLI, a window of the default guest\'s boot)', function () {
  this.timeout(600_000);

  it('profile --json: instructions by engine add up; blocks, compile times and hottest blocks are there', () => {
    const r = jv(['profile', '--clock', 'deterministic', '--max-instructions', '2000000', '--jit-threshold', '0', '--json']);
    expect(r.code, r.err).to.equal(0);
    expect(r.err).to.contain('jitvisor profile: booting');
    const p = JSON.parse(r.out);
    expect(p.run.instructions).to.equal(2_000_000);
    expect(p.run.translated + p.run.interpreted).to.equal(p.run.instructions);
    expect(p.run.translated).to.be.greaterThan(0.9 * p.run.instructions); // threshold 0: compiled before its first run
    expect(p.guest.jitThreshold).to.equal(0);
    expect(p.cache.blocksCompiled).to.equal(p.counters.blocksCompiled - p.counters.staleAtAttach); // stale: killed while compiling, no code
    expect(p.cache.modules).to.equal(p.counters.modulesCompiled);
    expect(p.cache.compileUsPerBlock.count).to.equal(p.cache.blocksCompiled);
    expect(p.hottest.length).to.be.greaterThan(0);
    const top = p.hottest[0];
    expect(top.disasm).to.have.length(top.records);
    expect(top.instructions).to.be.at.least(p.hottest[p.hottest.length - 1].instructions);
  });

  it('profile --report writes a self-contained page; the text report goes to stdout', () => {
    const file = join(dir, 'out.html');
    // Threshold 0 (synchronous compiles): at the default threshold the compile worker's first answer may come
    // after this short window ends, and the page would have no compiled blocks to chart. 3 M instructions: the
    // first slice, where the ~250 synchronous compiles happen, does not yield to the timeline's sampler.
    const r = jv(['profile', '--clock', 'deterministic', '--max-instructions', '3000000', '--jit-threshold', '0', '--top', '3', '--report', file]);
    expect(r.code, r.err).to.equal(0);
    expect(r.out).to.contain('Instructions by engine');
    expect(r.out).to.contain('Hottest blocks');
    const html = readFileSync(file, 'utf8');
    expect(html).to.match(/^<!DOCTYPE html>/);
    expect(html.match(/<svg/g)).to.have.length(3);
    expect(html).to.not.match(/(src|href)\s*=|url\(/i);
  });

  it('compare: the same instructions and end state (registers, RAM) on both engines', () => {
    const r = jv(['compare', '--max-instructions', '2000000', '--json']);
    expect(r.code, r.err).to.equal(0);
    const c = JSON.parse(r.out);
    expect(c.interpreter.instructions).to.equal(2_000_000);
    expect(c.jit.instructions).to.equal(2_000_000);
    expect(c.sameEndState).to.equal(true);
    expect(c.interpreter.state.ramSha256).to.equal(c.jit.state.ramSha256);
    expect(c.speedup).to.be.greaterThan(0);
  });

  it('compare --lockstep: no divergence; with the injected ADC fault, stops at an ADC', () => {
    let r = jv(['compare', '--lockstep', '--jit-threshold', '0', '--max-instructions', '1000000']);
    expect(r.code, r.out + r.err).to.equal(0);
    expect(r.out).to.contain('0 divergences');
    r = jv(['compare', '--lockstep', '--jit-threshold', '0', '--max-instructions', '1000000'], { JITVISOR_TEST_FAULT: 'adc-carry' });
    expect(r.code, r.out + r.err).to.equal(3);
    expect(r.out).to.contain('DIVERGENCE');
    expect(r.out).to.match(/first differing instruction: [0-9a-f]{8}  adc /);
    expect(r.out).to.match(/^ > [0-9a-f]{8}  [0-9a-f]+ +adc /m);
    expect(r.out).to.contain('generated wasm (text format)');
    expect(r.out).to.contain('(module');
  });

  it('compare --at/--every: both engines in one process compared at checkpoints; a broken translation is bisected', () => {
    let r = jv(['compare', '--every', '100000', '--at', '300000', '--json']);
    expect(r.code, r.out + r.err).to.equal(0);
    const c = JSON.parse(r.out);
    expect(c.checkpoints).to.deep.equal([100_000, 200_000, 300_000].map((at) => ({ at, same: true })));
    expect(c.firstDifference).to.equal(null);
    // The injected ADC fault: the boot's first ADC runs after ~248 k instructions (compiled before its first run).
    r = jv(['compare', '--from', '210000', '--every', '10000', '--at', '300000', '--jit-threshold', '0'], { JITVISOR_TEST_FAULT: 'adc-carry' });
    expect(r.code, r.out + r.err).to.equal(3);
    expect(r.out).to.match(/^ +240,000 {2}same$/m);
    expect(r.out).to.contain('first difference at 250,000 instructions; the same at 240,000');
    expect(r.out).to.match(/^ {2}eflags +[0-9a-f]{8} +[0-9a-f]{8}$/m);
    expect(r.out).to.contain('narrow it: jitvisor compare [the same guest options] --from 241000 --every 1000 --at 250000 --jit-threshold 0');
    expect(r.out).to.not.contain('260,000');
  });

  it('compare --save-same then --restore: the next pass starts at the last checkpoint where the engines agreed', () => {
    const snap = join(dir, 'same.snap');
    let r = jv(['compare', '--from', '200000', '--every', '20000', '--at', '300000', '--jit-threshold', '0', '--save-same', snap], { JITVISOR_TEST_FAULT: 'adc-carry' });
    expect(r.code, r.out + r.err).to.equal(3);
    expect(r.out).to.contain('first difference at 260,000 instructions; the same at 240,000');
    expect(r.out).to.contain(`narrow it: jitvisor compare --restore ${snap} --from 242000 --every 2000 --at 260000 --jit-threshold 0`);
    // The snapshot holds the machine at 240,000 (the interpreter's, equal to the JIT's there).
    const info = jv(['snapshot', 'info', snap, '--json']);
    expect(info.code, info.err).to.equal(0);
    expect(JSON.parse(info.out).config.instructions).to.equal(240_000);
    // From it, both engines agree until the injected ADC fault, at the same place as from the boot.
    r = jv(['compare', '--restore', snap, '--every', '1000', '--at', '260000', '--jit-threshold', '0'], { JITVISOR_TEST_FAULT: 'adc-carry' });
    expect(r.code, r.out + r.err).to.equal(3);
    expect(r.out).to.contain(`jitvisor compare: snapshot ${snap} (240,000 instructions in)`);
    expect(r.out).to.match(/^ +241,000 {2}same$/m);
    expect(r.out).to.match(/first difference at 2[45]\d,000 instructions; the same at 2[45]\d,000/);
    // --trace: the block boundaries of both engines bracket the broken translation (a compiled run with the ADC).
    r = jv(['compare', '--restore', snap, '--every', '5000', '--at', '260000', '--jit-threshold', '0', '--trace'], { JITVISOR_TEST_FAULT: 'adc-carry' });
    expect(r.code, r.out + r.err).to.equal(3);
    expect(r.out).to.contain('block boundaries (--trace):');
    const both = /^ {2}both +([\d,]+) {2}eip ([0-9a-f]{8}) .*the last boundary where the states agree/m.exec(r.out);
    expect(both, r.out).to.not.equal(null);
    expect(r.out).to.match(/^ {2}JIT +[\d,]+ {2}eip [0-9a-f]{8} .*state not the interpreter's there/m);
    expect(r.out).to.contain(`the JIT's block at ${both![2]} (physical`);
    expect(r.out).to.match(/^ {4}[0-9a-f]{8} {2}[0-9a-f]+ +adc /m);
    // Without the fault the restored engines agree at every checkpoint.
    r = jv(['compare', '--restore', snap, '--every', '10000', '--at', '300000', '--json']);
    expect(r.code, r.out + r.err).to.equal(0);
    expect(JSON.parse(r.out).checkpoints.map((c: { at: number }) => c.at)).to.deep.equal([250_000, 260_000, 270_000, 280_000, 290_000, 300_000]);
    usageError(jv(['compare', '--restore', snap]), 'compare', '--restore goes with --at or --every');
    usageError(jv(['compare', '--trace']), 'compare', '--trace goes with --every');
    usageError(jv(['compare', '--every', '30000000', '--trace']), 'compare', '--trace records every block boundary');
    usageError(jv(['compare', '--restore', snap, '--at', '300000', '--memory', '64']), 'compare', '--memory cannot be combined with --restore');
    usageError(jv(['compare', '--restore', snap, '--at', '100000']), 'compare', "is not after the snapshot's instruction 240000");
    usageError(jv(['compare', '--restore', join(dir, 'none.snap'), '--at', '100000']), 'compare', 'no such file');
  });

  it('bad options are usage errors', () => {
    usageError(jv(['compare', '--from', '10', '--at', '20']), 'compare', '--from goes with --every');
    usageError(jv(['compare', '--at', '20', '--lockstep']), 'compare', 'use one or the other');
    usageError(jv(['compare', '--at', '20', '--max-instructions', '30']), 'compare', '--at N already stops at instruction N');
    usageError(jv(['compare', '--every', '0']), 'compare', '--every must be at least 1');
    usageError(jv(['profile', '--engine', 'interpreter']), 'profile', 'profile runs the JIT');
    usageError(jv(['profile', '--top', 'many']), 'profile', "--top: 'many' is not a number");
    usageError(jv(['profile', '--jit-threshold', '-1']), 'profile', '--jit-threshold');
    usageError(jv(['compare', '--clock', 'realtime']), 'compare', 'compare needs the deterministic clock');
    usageError(jv(['compare', '--engine', 'jit']), 'compare', "unknown option '--engine'");
    usageError(jv(['compare', '--lockstep-runs', '3']), 'compare', '--lockstep-runs goes with --lockstep');
    usageError(jv(['compare', '--lockstep', '--lockstep-runs', '0']), 'compare', '--lockstep-runs must be at least 1');
  });
});
