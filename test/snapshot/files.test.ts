/**
 * Snapshot files: a real snapshot of the default guest (deterministic,
 * interpreter, 2 M instructions into the boot), then damaged copies of it
 * (truncated at several points, bytes flipped, foreign magic, a newer
 * format version with a valid checksum) are refused cleanly by the library,
 * by `jitvisor snapshot info` and by `jitvisor run --restore`, with a
 * message that names the file and the problem; and a save that fails
 * midway leaves the file it was replacing as it was.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Machine, SnapshotError } from '../../src/index.js';
import { FORMAT_VERSION, HEADER_BYTES, OLDEST_VERSION, TRAILER_BYTES } from '../../src/snapshot/format.js';

const BIN = fileURLToPath(new URL('../../../bin/jitvisor.js', import.meta.url));
const CHILD = fileURLToPath(new URL('./child.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'jitvisor-snap-'));
const jv = (...args: string[]) => {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: dir, input: '' });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

describe('snapshot files: good, bad, and safely written', function () {
  this.timeout(10 * 60 * 1000);
  let good: Buffer;
  const goodFile = join(dir, 'good.snap');

  before(async () => {
    const m = Machine.create({ clock: 'deterministic', engine: 'interpreter', memoryMiB: 64 });
    await m.run({ instructions: 2_000_000 });
    const r = await m.saveSnapshot(goodFile);
    m.stop();
    good = readFileSync(goodFile);
    expect(r.bytes).to.equal(good.length);
  });

  it('a good one is described by `jitvisor snapshot info`', () => {
    const r = jv('snapshot', 'info', goodFile);
    expect(r.code, r.err).to.equal(0);
    expect(r.out).to.contain(`snapshot ${goodFile}: jitvisor snapshot format ${FORMAT_VERSION}`);
    expect(r.out).to.contain('checksum ok');
    expect(r.out).to.match(/machine: +64 MiB RAM, pentium2; ran on the interpreter engine, deterministic clock/);
    expect(r.out).to.match(/kernel: +\S*linux-686\.bzImage/);
    expect(r.out).to.contain('after 2,000,000 instructions');
    const j = JSON.parse(jv('snapshot', 'info', goodFile, '--json').out) as { config: { instructions: number; memoryMiB: number }; ram: { pageCount: number; storedPages: number } };
    expect(j.config.instructions).to.equal(2_000_000);
    expect(j.ram.pageCount).to.equal(64 * 256);
    expect(j.ram.storedPages).to.be.greaterThan(0).and.lessThan(j.ram.pageCount);
  });

  /**
   * A damaged copy must be refused with `problem` in the message: by the
   * library, and (`cli`, one case of each kind: a process start costs
   * seconds on a loaded machine) by `jitvisor snapshot info`.
   */
  async function refused(name: string, bytes: Uint8Array, problem: RegExp, cli = false): Promise<void> {
    const f = join(dir, name);
    writeFileSync(f, bytes);
    let err: unknown = null;
    try { await Machine.restore(f); } catch (e) { err = e; }
    expect(err, name).to.be.instanceOf(SnapshotError);
    expect((err as Error).message).to.contain(`snapshot '${f}'`).and.match(problem);
    if (!cli) return;
    const info = jv('snapshot', 'info', f);
    expect(info.code, `${name}: ${info.err}`).to.equal(2);
    expect(info.err).to.match(/^jitvisor snapshot: snapshot '.*': /).and.contain(f).and.match(problem);
    expect(info.err.trim().split('\n')).to.have.length(1); // one line, no stack trace
    expect(info.out).to.equal('');
  }

  it('refuses truncated files, at several points', async () => {
    for (const at of [0, 5, 8, HEADER_BYTES - 1, HEADER_BYTES, HEADER_BYTES + 30, 5000, good.length >> 1, good.length - TRAILER_BYTES, good.length - 1]) {
      await refused(`trunc-${at}.snap`, good.subarray(0, at), at < 8 ? /truncated|not a jitvisor snapshot/ : /truncated/, at === 5000);
    }
  });

  it('refuses files with a flipped byte (checksum), wherever it is', async () => {
    for (const at of [9, 12, HEADER_BYTES + 2, HEADER_BYTES + 40, 3000, good.length >> 1, good.length - TRAILER_BYTES - 1, good.length - 5]) {
      const b = Buffer.from(good);
      b[at] ^= 0x5a;
      await refused(`flip-${at}.snap`, b, /corrupted: checksum mismatch/, at === 3000);
    }
    // A flipped byte in the recorded length: it no longer matches the file.
    const b = Buffer.from(good);
    b[16] ^= 1;
    await refused('flip-length.snap', b, /truncated|corrupted/);
  });

  it('refuses a foreign file (wrong magic), empty or not', async () => {
    const b = Buffer.from(good);
    b.write('NOTASNAP', 0, 'latin1');
    await refused('foreign.snap', b, /not a jitvisor snapshot \(wrong magic number\)/, true);
    await refused('text.snap', Buffer.from('hello, this is a text file\n'), /not a jitvisor snapshot/);
    await refused('kernel.snap', readFileSync(fileURLToPath(new URL('../../../guests/linux-686.bzImage', import.meta.url))).subarray(0, 65536), /not a jitvisor snapshot/);
  });

  it('refuses a newer format version (checksum intact), saying so', async () => {
    const b = Buffer.from(good);
    b.writeUInt32LE(FORMAT_VERSION + 1, 8);
    createHash('sha256').update(b.subarray(0, b.length - TRAILER_BYTES)).digest().copy(b, b.length - TRAILER_BYTES);
    await refused('newer.snap', b, new RegExp(`format version ${FORMAT_VERSION + 1}, newer than this jitvisor reads \\(version ${FORMAT_VERSION}\\)`), true);
  });

  it('refuses an older format version (checksum intact), saying so: its state block has another layout', async () => {
    const b = Buffer.from(good);
    b.writeUInt32LE(OLDEST_VERSION - 1, 8);
    createHash('sha256').update(b.subarray(0, b.length - TRAILER_BYTES)).digest().copy(b, b.length - TRAILER_BYTES);
    await refused('older.snap', b, new RegExp(`format version ${OLDEST_VERSION - 1}, older than this jitvisor reads \\(versions ${OLDEST_VERSION}-${FORMAT_VERSION}: the CPU state block's layout changed\\)`), true);
  });

  it('`jitvisor run --restore` refuses them too (exit status 2, one line), and a missing file', () => {
    const r = jv('run', '--restore', join(dir, 'trunc-5000.snap'));
    expect(r.code).to.equal(2);
    expect(r.err).to.match(/^jitvisor run: snapshot '.*trunc-5000\.snap': truncated: 5000 of \d+ bytes\n$/);
    const m = jv('run', '--restore', join(dir, 'missing.snap'));
    expect(m.code).to.equal(2);
    expect(m.err).to.match(/^jitvisor run: cannot read snapshot '.*missing\.snap': .*no such file/i);
    const u = jv('run', '--restore', goodFile, '--memory', '64');
    expect(u.code).to.equal(2);
    expect(u.err).to.contain('--memory cannot be combined with --restore');
  });

  it('a save that fails midway leaves the file it replaces as it was', () => {
    const target = join(dir, 'keep.snap');
    writeFileSync(target, good);
    // The child restores the good snapshot, runs a little and saves over `target`,
    // with the file-size limit (ulimit -f, 512-byte blocks) far below a snapshot's size.
    const args = JSON.stringify({ engine: 'interpreter', restore: goodFile, instructions: 100_000, save: target });
    const r = spawnSync('sh', ['-c', `ulimit -f 200; exec "${process.execPath}" "${CHILD}" '${args}'`], { encoding: 'utf8' });
    expect(r.status, `the save must have failed: ${r.stdout} ${r.stderr}`).to.not.equal(0);
    expect(readFileSync(target).equals(good)).to.equal(true);
    // Nothing half-written under the target's name; the temporary file is removed when the process survives the error.
    expect(readdirSync(dir).filter((n) => n.startsWith('keep.snap'))).to.deep.equal(['keep.snap']);
  });

  it('a save into a directory that does not exist fails with a message naming the file', async () => {
    const m = await Machine.restore(goodFile);
    const f = join(dir, 'no', 'such', 'dir', 'x.snap');
    let err: unknown = null;
    try { await m.saveSnapshot(f); } catch (e) { err = e; }
    expect((err as Error).message).to.contain(`cannot save snapshot '${f}'`);
    expect(existsSync(f)).to.equal(false);
    m.stop();
  });
});
