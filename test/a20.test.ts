/**
 * The A20 gate on a whole PC (test/system/a20.asm): port 0x92 and the
 * i8042's output port drive the CPU's A20M#; with the gate off, physical
 * address bit 20 is 0 for data, instruction fetches and page walks, in real
 * and protected mode. The expected log is what QEMU gives for the same
 * program (test/system/qemu/run.sh a20).
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { Pc } from '../src/pc.js';
import { IDTR_BASE, IDTR_LIMIT, w } from '../runtime/state/layout.js';
import { TEST_ENGINES } from './helpers/engines.js';

const hex = (v: number): string => `0x${(v >>> 0).toString(16)}`;
const tagName = (v: number): string => String.fromCharCode(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24).trimEnd();

for (const engine of TEST_ENGINES) {
  describe(`A20 gate [${engine}]`, () => {
    it('port 0x92 and the i8042 output port mask address bit 20 when off', async () => {
      const pc = new Pc({ memoryMiB: 4, engine, clock: 'deterministic' });
      const cpu = pc.cpu;
      cpu.phys.load(0x1000, new Uint8Array(readFileSync(new URL('../../test/system/a20.bin', import.meta.url))));
      // Enter the program the way src/snippet.ts does in real mode: segments 0, SP 0x8000.
      for (let i = 0; i < 6; i++) cpu.setSegReal(i, 0);
      cpu.s[w(IDTR_BASE)] = 0; cpu.s[w(IDTR_LIMIT)] = 0x3ff;
      cpu.r32[4] = 0x8000;
      cpu.eip = 0x1000;
      const words: number[] = [];
      cpu.io.register(0xe0, 1, { read: () => 0xffffffff, write: (_p, size, v) => { if (size === 4) words.push(v >>> 0); } });
      const exit = await pc.run(1_000_000);
      const log: string[] = [];
      for (let i = 0; i + 1 < words.length; i += 2) log.push(`${tagName(words[i])}=${hex(words[i + 1])}`);
      expect(log).to.deep.equal([
        '92IN=0x2', 'KBIN=0x2', 'ON1=0x11111111', 'ON2=0x22222222', 'FON=0x111', '92OF=0x0', 'OFF1=0x11111111',
        'OFF2=0x33333333', 'FOFF=0xc0', 'ON3=0x22222222', 'K1OF=0x33333333', 'K1ON=0x22222222', 'KDOF=0x33333333',
        'KDON=0x22222222', 'PMOF=0x33333333', 'PMLO=0x44444444', 'PGOF=0x8effffb8', 'PGON=0x0', 'DONE=0x0',
      ]);
      expect(exit.kind).to.equal('halted');
    });
  });
}
