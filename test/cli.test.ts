import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hexBytes } from './helpers/asm.js';

const BIN = fileURLToPath(new URL('../../bin/jitvisor.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'jitvisor-cli-'));
function file(name: string, hex: string): string {
  const p = join(dir, name);
  writeFileSync(p, hexBytes(hex));
  return p;
}
function jv(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('jitvisor exec (CLI)', () => {
  const loop = file('loop.bin', 'b805000000 b90a000000 01c8 49 75fb f4');

  it('runs to HLT and prints registers', () => {
    const r = jv('exec', loop);
    expect(r.code).to.equal(0);
    expect(r.out).to.match(/eax=0x0000003c/);
    expect(r.out).to.match(/eip=0x00001010/);
  });
  it('--json prints one object with unsigned lower-case registers', () => {
    const r = jv('exec', loop, '--json', '--set', 'ebx=0xdeadbeef', '--set', 'esi=-1');
    expect(r.code).to.equal(0);
    const o = JSON.parse(r.out);
    expect(o).to.include({ eax: 60, ecx: 0, ebx: 0xdeadbeef, esi: 0xffffffff, esp: 0x8000, eip: 0x1010, stop: 'hlt' });
    expect(o.eflags & 0x40).to.equal(0x40); // ZF from the last DEC
  });
  it('honours --org and --mode real', () => {
    // mov ax, cs; mov bx, 0x1234; hlt   (16-bit)
    const p = file('real.bin', '8cc8 bb3412 f4');
    const r = jv('exec', p, '--mode', 'real', '--org', '0x7c00', '--json');
    expect(r.code).to.equal(0);
    const o = JSON.parse(r.out);
    expect(o.ebx).to.equal(0x1234);
    expect(o.eip).to.equal(0x7c06);
  });
  it('sets eflags with --set eflags=', () => {
    // adc eax, 0; hlt  with CF=1 in
    const p = file('adc.bin', '83d000 f4');
    const o = JSON.parse(jv('exec', p, '--set', 'eflags=0x3', '--json').out);
    expect(o.eax).to.equal(1);
  });
  it('reports an unhandled guest exception with its address and exits non-zero', () => {
    const p = file('ud.bin', '90 90 0f0b');
    const r = jv('exec', p);
    expect(r.code).to.equal(1);
    expect(r.err).to.contain('#UD at 0x00001002');
  });
  it('reports #DE from a divide by zero', () => {
    const p = file('de.bin', '31c9 f7f1 f4'); // xor ecx,ecx; div ecx
    const r = jv('exec', p);
    expect(r.code).to.equal(1);
    expect(r.err).to.contain('#DE at 0x00001002');
  });
  it('stops at --max-instructions with a message', () => {
    const r = jv('exec', file('spin.bin', 'ebfe'), '--max-instructions', '500');
    expect(r.code).to.equal(1);
    expect(r.err).to.contain('stopped after 500 instructions');
  });
  it('rejects bad options and files with a clear message and status 2', () => {
    expect(jv('exec').code).to.equal(2);
    const unk = jv('exec', loop, '--frobnicate');
    expect(unk.code).to.equal(2);
    expect(unk.err).to.contain("unknown option '--frobnicate'");
    expect(jv('exec', loop, '--mode', 'long').err).to.contain('--mode must be real or protected32');
    expect(jv('exec', loop, '--set', 'eip=5').err).to.contain("unknown register 'eip'");
    expect(jv('exec', loop, '--org', 'zz').err).to.contain("'zz' is not a number");
    const missing = jv('exec', join(dir, 'nope.bin'));
    expect(missing.code).to.equal(2);
    expect(missing.err).to.contain('cannot read');
    expect(jv('exec', file('empty.bin', '')).err).to.contain('is empty');
    expect(jv('bogus').code).to.equal(2);
  });
  it('--engine jit runs the same program to the same state', () => {
    const r = jv('exec', loop, '--engine', 'jit', '--json');
    expect(r.code, r.err).to.equal(0);
    expect(JSON.parse(r.out)).to.include({ eax: 60, ecx: 0, esp: 0x8000, eip: 0x1010, stop: 'hlt' });
  });
});

describe('jitvisor run (CLI errors)', () => {
  it('names the file and the problem for a malformed kernel, and rejects bad options', () => {
    const bad = file('bad-kernel.img', '00'.repeat(8192));
    const r = jv('run', '--kernel', bad);
    expect(r.code).to.equal(2);
    expect(r.err).to.contain('bad-kernel.img: no boot-sector signature');
    expect(jv('run', '--kernel', join(dir, 'missing.img')).err).to.contain("cannot read kernel");
    expect(jv('run', '--clock', 'fast').err).to.contain('--clock must be realtime or deterministic');
    expect(jv('run', '--memory', '8').err).to.contain('--memory must be between 16 and 3584 MiB');
    expect(jv('run', '--bogus').code).to.equal(2);
  });
  it('--engine jit reports the share of instructions run in compiled code', () => {
    const r = jv('run', '--engine', 'jit', '--clock', 'deterministic', '--max-instructions', '2000000');
    expect(r.code).to.equal(5);
    expect(r.err).to.match(/--max-instructions reached \(2000000 instructions in [\d.]+ s; JIT: [\d.]+% of them in compiled code, \d+ blocks in \d+ modules/);
  });
  it('stops at --max-instructions with exit status 5', () => {
    const r = jv('run', '--clock', 'deterministic', '--max-instructions', '200000');
    expect(r.code).to.equal(5);
    expect(r.err).to.contain('--max-instructions reached (200000 instructions');
  });
});
