/**
 * System-CPU guest programs (test/system/*.asm, assembled to the committed
 * .bin files by test/system/build.sh): bare-metal programs that start in real
 * mode like a boot loader, enter protected mode themselves and exercise
 * interrupts, paging, privilege levels, virtual-8086 mode, task switches and
 * the descriptor-table instructions. Each reports (tag, value) pairs on I/O
 * port 0xE0 and halts with EAX = 0x600DF00D; the expected sequences below
 * follow the Intel SDM (sections cited in the .asm files).
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { runSnippet, type SnippetResult } from '../src/snippet.js';
import { TEST_ENGINES } from './helpers/engines.js';
import type { EngineName } from '../src/snippet.js';

const LOGPORT = 0xe0;
const DONE_MAGIC = 0x600df00d;
const ORG = 0x1000;

function program(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`../../test/system/${name}.bin`, import.meta.url)));
}

const tagName = (v: number): string => String.fromCharCode(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24);
const hex = (v: number): string => `0x${(v >>> 0).toString(16)}`;

interface Run { res: SnippetResult; log: string[] }

/** Run a program from real mode; the log is "TAG=0xvalue" per pair. */
function runProgram(engine: EngineName, name: string, maxInstructions = 2_000_000): Run {
  const words: number[] = [];
  const res = runSnippet({
    engine,
    mode: 'real',
    code: program(name),
    org: ORG,
    maxInstructions,
    ports: [{
      port: LOGPORT,
      handler: {
        read: () => 0xffffffff,
        write: (_port, size, value) => { if (size === 4) words.push(value >>> 0); },
      },
    }],
  });
  const log: string[] = [];
  for (let i = 0; i < words.length; i += 2) log.push(`${tagName(words[i]).trimEnd()}=${i + 1 < words.length ? hex(words[i + 1]) : '?'}`);
  return { res, log };
}

/** Expected pairs as "TAG=value"; values are numbers. */
const E = (pairs: [string, number][]): string[] => pairs.map(([t, v]) => `${t}=${hex(v)}`);

function expectDone({ res, log }: Run, expected: string[]): void {
  expect(log, 'log').to.deep.equal(expected);
  const why = res.exception ? `${res.exception.name} at ${hex(res.exception.eip)}: ${res.exception.reason ?? ''}` : res.stop;
  expect(res.stop, why).to.equal('hlt');
  expect(hex(res.regs.eax), 'EAX at HLT').to.equal(hex(DONE_MAGIC));
}

for (const engine of TEST_ENGINES) {
  describe(`system-CPU guest programs [${engine}]`, () => {
    it('pmode: real -> protected -> real mode', () => {
      const r = runProgram(engine, 'pmode');
      expectDone(r, E([
        ['CR0R', 0x60000010], ['CSR', 0], ['RES0', 0], ['SEGA', 0x12345678],
        ['RGPF', 1], ['RGIP', 0],
        ['CR0P', 0x1], ['CSP', 0x08], ['OLDD', 1], ['GSBA', 0x12345678], ['GSSL', 0x48],
        ['CS16', 0x38], ['CS32', 0x08],
        ['CR0B', 0x60000010], ['CSB', 0], ['SEGB', 0x12345678], ['UNRL', 0xcafebabe], ['FSSL', 0x10],
        ['INT8', 0x8080], ['DONE', 0],
      ]));
    });
  });
}
