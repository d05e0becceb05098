/**
 * Guest programs (test/programs/*.asm, assembled to the committed .bin files
 * by test/programs/build.sh) run to HLT on every engine. The 32-bit
 * user-mode programs are checked against what the host CPU did with the same
 * bytes at the same addresses (test/programs/expected/*.txt, recorded by
 * native-run.c); the real-mode and port-I/O programs, which a user process
 * cannot run, against expectations computed here.
 */
import { expect } from 'chai';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { REG_NAMES, runSnippet, type SnippetResult } from '../src/snippet.js';
import type { PortHandler } from '../runtime/io.js';
import { TEST_ENGINES } from './helpers/engines.js';

function programDir(): string {
  // compiled to dist/test/programs.test.js; the programs stay in the source tree
  for (const rel of ['../../test/programs/', './programs/']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(dir + 'build.sh')) return dir;
  }
  throw new Error('test/programs not found');
}
const DIR = programDir();
const program = (name: string): Uint8Array => new Uint8Array(readFileSync(`${DIR}${name}.bin`));
const hex = (a: ArrayLike<number>): string => Buffer.from(Uint8Array.from(a)).toString('hex');

/** CF PF AF ZF SF OF DF: the flags compared with the host (it adds IF and RF). */
const FLAG_MASK = 0xcd5;

interface Native { regs: Record<string, number>; eflags: number; eip: number; mem: { addr: number; hex: string }[] }

function parseNative(text: string): Native {
  const out: Native = { regs: {}, eflags: 0, eip: 0, mem: [] };
  for (const line of text.split('\n')) {
    const m = /^(\w+)=([0-9a-f]+)$/.exec(line);
    if (m) {
      const v = parseInt(m[2], 16) >>> 0;
      if (m[1] === 'eflags') out.eflags = v; else if (m[1] === 'eip') out.eip = v; else out.regs[m[1]] = v;
      continue;
    }
    const mm = /^mem ([0-9a-f]+) ([0-9a-f]*)$/.exec(line);
    if (mm) out.mem.push({ addr: parseInt(mm[1], 16), hex: mm[2] });
  }
  return out;
}

const nativePrograms = readdirSync(`${DIR}expected`).filter((f) => f.endsWith('.txt')).map((f) => f.slice(0, -4)).sort();

function checkAgainstNative(r: SnippetResult, exp: Native): void {
  expect(r.stop, r.exception ? `${r.exception.name} at ${r.exception.eip.toString(16)}` : r.stop).to.equal('hlt');
  for (const name of REG_NAMES) expect(r.regs[name] >>> 0, name).to.equal(exp.regs[name]);
  expect(r.eip, 'eip (after the HLT)').to.equal(exp.eip + 1);
  expect((r.eflags & FLAG_MASK).toString(16), 'eflags').to.equal((exp.eflags & FLAG_MASK).toString(16));
  for (const { addr, hex: h } of exp.mem) {
    expect(hex(r.readMemory(addr, h.length / 2)), `memory at 0x${addr.toString(16)}`).to.equal(h);
  }
}

/** Debug console (0xE9: collects bytes and words) and a counter device (0x80: reads 1, 2, 3...). */
class Devices implements PortHandler {
  text = '';
  words: number[] = [];
  private n = 0;
  read(port: number, size: 1 | 2 | 4): number {
    if (port !== 0x80) return size === 4 ? -1 : (1 << (8 * size)) - 1;
    const v = ++this.n;
    return size === 1 ? v & 0xff : size === 2 ? v & 0xffff : v;
  }
  write(port: number, size: 1 | 2 | 4, value: number): void {
    if (port !== 0xe9) return;
    if (size === 1) this.text += String.fromCharCode(value & 0xff); else this.words.push(value);
  }
}

describe('guest programs', () => {
  it('the native expectations cover the 32-bit user-mode programs', () => {
    expect(nativePrograms).to.deep.equal(['checksum', 'recursion', 'sort', 'strings']);
  });

  for (const engine of TEST_ENGINES) {
    describe(`[${engine}]`, () => {
      for (const name of nativePrograms) {
        it(`${name}: same final state as the host CPU`, () => {
          const exp = parseNative(readFileSync(`${DIR}expected/${name}.txt`, 'utf8'));
          const r = runSnippet({ engine, code: program(name), maxInstructions: 20_000_000 });
          checkAgainstNative(r, exp);
        });
      }

      it('realmode: segments, INT n into IVT handlers, IRET with a status flag, far CALL', () => {
        const r = runSnippet({ engine, mode: 'real', code: program('realmode'), eflags: 0x202, maxInstructions: 1_000_000 });
        expect(r.stop, r.exception?.name).to.equal('hlt');
        const b = Array.from({ length: 256 }, (_, i) => (3 + 7 * i) & 0xff);
        expect(hex(r.readMemory(0x2000, 256))).to.equal(hex(b));
        expect(hex(r.readMemory(0x3010, 256))).to.equal(hex(b));
        let ax = 1;
        for (let i = 0; i < 5; i++) ax = (ax * 3 + 2) & 0xffff;
        const sum = b.reduce((x, y) => x + y, 0) & 0xffff;
        const far = ((b[0] | (b[1] << 8)) + (b[16] | (b[17] << 8))) & 0xffff;
        const le16 = (v: number) => [v & 0xff, v >> 8];
        expect(Array.from(r.readMemory(0x2100, 8))).to.deep.equal([...le16(ax), ...le16(sum), sum > 0x7fff ? 1 : 0, 0, ...le16(far)]);
        expect(r.regs.eax & 0xffff).to.equal(0x0700); // SS
        expect(r.regs.ebx & 0xffff).to.equal(0x1000); // SP back at the top
        expect(r.regs.ecx & 0xffff).to.equal(0);      // CS
        expect(r.eflags & 0x200).to.equal(0x200);     // IF survived the handlers
      });

      it('ioport: IN/OUT and REP INSD/OUTSB with a console and a counter device', () => {
        const dev = new Devices();
        const r = runSnippet({ engine, code: program('ioport'), ports: [{ port: 0x80, handler: dev }, { port: 0xe9, handler: dev }] });
        expect(r.stop, r.exception?.name).to.equal('hlt');
        const total = (32 * 33) / 2; // 16 INs then 16 INSDs: 1..32
        expect(dev.text).to.equal(`jitvisor port I/O\n${total}\n${String.fromCharCode(33)}`);
        expect(dev.words).to.deep.equal([34]);
        expect(r.regs.ebx).to.equal(total);
        expect(Array.from(r.readMemory(0x20000, 8))).to.deep.equal([17, 0, 0, 0, 18, 0, 0, 0]);
      });
    });
  }
});
