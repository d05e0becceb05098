import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hexBytes } from './helpers/asm.js';
import { MAX_INSTRUCTION_COUNT, parseMaxInstructions } from '../src/commands/options.js';
import { DEFAULT_GUEST_MIN_MEMORY_MIB, MIN_MEMORY_MIB, MAX_MEMORY_MIB, parseMemory } from '../src/commands/guest-options.js';

const BIN = fileURLToPath(new URL('../../bin/jitvisor.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'jitvisor-cli-'));
function file(name: string, hex: string): string {
  const p = join(dir, name);
  writeFileSync(p, hexBytes(hex));
  return p;
}
function jvIn(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
const jv = (...args: string[]) => jvIn(process.cwd(), ...args);
/** A usage error: status 2, one line on stderr that points at the command's --help. */
function usageError(r: { code: number | null; err: string }, command: string, text: string): void {
  expect(r.code, r.err).to.equal(2);
  expect(r.err.endsWith('\n') && r.err.indexOf('\n') === r.err.length - 1, `one line: ${JSON.stringify(r.err)}`).to.equal(true);
  expect(r.err).to.contain(text);
  expect(r.err).to.contain(`(see: jitvisor ${command ? command + ' ' : ''}--help)`);
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
  it('--cpu picks the processor model (CPUID leaf 1), and an unknown model is a usage error', () => {
    // cpuid; hlt   with EAX = 1
    const p = file('cpuid.bin', '0fa2 f4');
    const p2 = JSON.parse(jv('exec', p, '--set', 'eax=1', '--json').out);
    const p4 = JSON.parse(jv('exec', p, '--set', 'eax=1', '--cpu', 'pentium4', '--json').out);
    expect(p2.eax >>> 8 & 0xf, 'pentium2 family').to.equal(6);
    expect(p4.eax >>> 8 & 0xf, 'pentium4 family').to.equal(15);
    expect(p2.edx & (1 << 26), 'pentium2 has no SSE2').to.equal(0);
    expect(p4.edx & (1 << 26), 'pentium4 has SSE2').to.not.equal(0);
    usageError(jv('exec', p, '--cpu', 'pentium9'), 'exec', "--cpu must be pentium2 or pentium4, not 'pentium9'");
    usageError(jv('run', '--cpu', '486'), 'run', "--cpu must be pentium2 or pentium4, not '486'");
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
  it('rejects bad options and files with one line that points at exec --help, status 2', () => {
    usageError(jv('exec'), 'exec', 'exec needs a FILE of machine code');
    usageError(jv('exec', loop, loop), 'exec', `unexpected argument '${loop}'`);
    usageError(jv('exec', loop, '--frobnicate'), 'exec', "unknown option '--frobnicate'");
    usageError(jv('exec', loop, '--mode', 'long'), 'exec', '--mode must be real or protected32');
    usageError(jv('exec', loop, '--mode'), 'exec', 'option --mode needs a value');
    usageError(jv('exec', loop, '--json=yes'), 'exec', 'option --json takes no value');
    usageError(jv('exec', loop, '--org', '1', '--org', '2'), 'exec', 'option --org given more than once');
    usageError(jv('exec', loop, '--set', 'eip=5'), 'exec', "unknown register 'eip'");
    usageError(jv('exec', loop, '--org', 'zz'), 'exec', "'zz' is not a number");
    usageError(jv('exec', join(dir, 'nope.bin')), 'exec', 'cannot read');
    usageError(jv('exec', file('empty.bin', '')), 'exec', 'is empty');
    usageError(jv('bogus'), '', "unknown command 'bogus'");
    usageError(jv('--bogus'), '', "unknown option '--bogus'");
  });
  it('shows file names as typed', () => {
    mkdirSync(join(dir, 'sub'), { recursive: true });
    usageError(jvIn(dir, 'exec', './sub/../nope.bin'), 'exec', "cannot read file './sub/../nope.bin': no such file or directory");
    usageError(jvIn(dir, 'exec', 'empty.bin'), 'exec', "'empty.bin' is empty");
  });
  it('--max-instructions takes 0 (no limit) to 2^53 and refuses negatives and fractions', () => {
    // Above 2^32 is accepted (and the program halts long before).
    expect(JSON.parse(jv('exec', loop, '--json', '--max-instructions', '5000000000').out).stop).to.equal('hlt');
    expect(JSON.parse(jv('exec', loop, '--json', '--max-instructions', String(2 ** 53)).out).stop).to.equal('hlt');
    expect(JSON.parse(jv('exec', loop, '--json', '--max-instructions', '0').out).stop).to.equal('hlt');
    usageError(jv('exec', loop, '--max-instructions', String(2 ** 53 + 2)), 'exec', 'is more than the largest allowed, 9007199254740992');
    usageError(jv('exec', loop, '--max-instructions=-1'), 'exec', "--max-instructions: '-1' is negative");
    usageError(jv('exec', loop, '--max-instructions', '-1'), 'exec', 'option --max-instructions needs a value');
    usageError(jv('exec', loop, '--max-instructions', '1.5'), 'exec', "'1.5' is not a whole number");
    expect(parseMaxInstructions('0', 100)).to.equal(Infinity);
    expect(parseMaxInstructions(undefined, 100)).to.equal(100);
    expect(parseMaxInstructions('0x10', 100)).to.equal(16);
    expect(parseMaxInstructions(String(MAX_INSTRUCTION_COUNT), 100)).to.equal(2 ** 53);
  });
  it('--engine jit runs the same program to the same state', () => {
    const r = jv('exec', loop, '--engine', 'jit', '--json');
    expect(r.code, r.err).to.equal(0);
    expect(JSON.parse(r.out)).to.include({ eax: 60, ecx: 0, esp: 0x8000, eip: 0x1010, stop: 'hlt' });
  });
});

describe('jitvisor run (CLI)', () => {
  const bad = file('bad-kernel.img', '00'.repeat(8192));
  it('names the file as typed and the problem for a malformed kernel, and rejects bad options', () => {
    usageError(jv('run', '--kernel', bad), 'run', `${bad}: no boot-sector signature`);
    usageError(jvIn(dir, 'run', '--kernel', 'bad-kernel.img'), 'run', 'jitvisor run: bad-kernel.img: no boot-sector signature');
    usageError(jvIn(dir, 'run', '--kernel', 'missing.img'), 'run', "cannot read kernel 'missing.img'");
    usageError(jvIn(dir, 'run', '--kernel', 'bad-kernel.img', '--initrd', 'sub/rd.img'), 'run', "cannot read initrd 'sub/rd.img'");
    usageError(jv('run', '--clock', 'fast'), 'run', '--clock must be realtime or deterministic');
    usageError(jv('run', '--bogus'), 'run', "unknown option '--bogus'");
    usageError(jv('run', 'extra'), 'run', "unexpected argument 'extra'");
  });
  it('--memory: whole MiB in the machine\'s range; the default guest\'s floor is said', () => {
    usageError(jv('run', '--memory', '1.5'), 'run', "--memory: '1.5' is not a whole number of MiB; give 2 to 3584");
    usageError(jv('run', '--memory', '1'), 'run', '--memory must be 2 to 3584 MiB, not 1');
    usageError(jv('run', '--memory', '3585'), 'run', '--memory must be 2 to 3584 MiB');
    usageError(jv('run', '--memory', 'lots'), 'run', "--memory: 'lots' is not a number");
    usageError(jv('run', '--memory', String(DEFAULT_GUEST_MIN_MEMORY_MIB - 1)), 'run', `the default guest needs at least ${DEFAULT_GUEST_MIN_MEMORY_MIB} MiB`);
    // Another kernel may use less: the loader then says what it needs.
    usageError(jv('run', '--kernel', bad, '--memory', '2'), 'run', 'no boot-sector signature');
    expect([parseMemory('2'), parseMemory('0x20'), parseMemory(undefined)]).to.deep.equal([2, 32, 128]);
    expect([MIN_MEMORY_MIB, MAX_MEMORY_MIB]).to.deep.equal([2, 3584]);
    // The README says the same limits as the CLI.
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(readme).to.contain(`${MIN_MEMORY_MIB}–${MAX_MEMORY_MIB} MiB`);
    expect(readme).to.contain(`needs at least ${DEFAULT_GUEST_MIN_MEMORY_MIB} MiB`);
  });
  it('accepts --max-instructions above 2^32', () => {
    // Parsing passes; the kernel check that follows is what stops it.
    usageError(jv('run', '--kernel', bad, '--max-instructions', '6700000000'), 'run', 'no boot-sector signature');
    usageError(jv('run', '--max-instructions=-1'), 'run', "'-1' is negative");
  });
  it('--engine jit reports the share of instructions run in compiled code', () => {
    const r = jv('run', '--engine', 'jit', '--clock', 'deterministic', '--max-instructions', '2000000');
    expect(r.code).to.equal(5);
    expect(r.err).to.match(/--max-instructions reached \(2000000 instructions in [\d.]+ s; JIT: [\d.]+% of them in compiled code, \d+ blocks in \d+ modules/);
  });
  it('passes a full-screen guest\'s ANSI bytes through to a terminal and gives the cursor back at the end', function () {
    // Needs a pseudo-terminal: util-linux `script` provides one.
    if (spawnSync('script', ['--version']).status !== 0) this.skip();
    const memtest = fileURLToPath(new URL('../../guests/memtest86+ia32.bin', import.meta.url));
    const cmd = [process.execPath, BIN, 'run', '--kernel', memtest, '--append', 'console=ttyS0,115200', '--memory', '32',
      '--clock', 'deterministic', '--max-instructions', '80000000'].map((a) => `'${a}'`).join(' ');
    const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'latin1', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(r.status, r.stdout).to.equal(5);
    // memtest86+ clears the screen and hides the cursor first; both arrive as sent, then jitvisor restores the terminal.
    expect(r.stdout).to.match(/\x1b\[2J\x1b\[\?25l[^]*\x1b\[0m\x1b\[\?25h\r\r?\njitvisor: --max-instructions reached/);
  });
  it('stops at --max-instructions with exit status 5', () => {
    const r = jv('run', '--clock', 'deterministic', '--max-instructions', '200000');
    expect(r.code).to.equal(5);
    expect(r.err).to.contain('--max-instructions reached (200000 instructions');
  });
});

describe('jitvisor (help and --version)', () => {
  it('--version prints the package version', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const r = jv(flag);
      expect(r.code).to.equal(0);
      expect(r.out).to.equal(`jitvisor ${pkg.version}\n`);
    }
  });
  it('lists the commands, and each command\'s --help lists its options', () => {
    const top = jv('help');
    expect(top.code).to.equal(0);
    expect(top.out).to.match(/^ {2}run /m).and.match(/^ {2}exec /m);
    expect(jv().code).to.equal(2);
    const run = jv('run', '--help');
    expect(run.code).to.equal(0);
    for (const o of ['--kernel FILE', '--initrd FILE', '--append', '--memory MiB', '--engine', '--clock', '--max-instructions N', '--debugcon', '0 = no limit']) expect(run.out).to.contain(o);
    expect(run.out).to.contain(`the default guest needs ${DEFAULT_GUEST_MIN_MEMORY_MIB} or more`);
    expect(jv('help', 'run').out).to.equal(run.out);
    const exec = jv('exec', '-h');
    expect(exec.code).to.equal(0);
    for (const o of ['--mode', '--org ADDR', '--set REG=VALUE', '--max-instructions N', '0 = no limit', '--json']) expect(exec.out).to.contain(o);
    usageError(jv('help', 'frob'), '', "unknown command 'frob'");
  });
});
