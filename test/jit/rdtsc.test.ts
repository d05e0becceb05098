/**
 * RDTSC reads the same value on every engine: compiled code computes the
 * TSC inline from the time line in the state block (layout.ts TSC_*,
 * Cpu.readTsc), at the exact instruction count, inside a block that loops on
 * itself in wasm and inside blocks entered by direct transfers. Checked
 * against the formula from an instruction count worked out by hand, with a
 * fractional rate (so the floor matters) and a TSC adjust (WRMSR 0x10).
 */
import { expect } from 'chai';
import { Machine } from '../../src/machine.js';
import { runSnippet, type EngineName } from '../../src/snippet.js';
import { hexBytes } from '../helpers/asm.js';
import { TEST_ENGINES } from '../helpers/engines.js';

const DATA = 0x20000;

/**
 *   1000 mov ecx, 100; mov edi, DATA
 *   100a L: rdtsc; mov [edi], eax; mov [edi+4], edx; add edi, 8; dec ecx; jnz L   ; loops on itself
 *   1017 hlt
 * RDTSC of pass j runs after 2 + 6j instructions.
 */
const SELF = hexBytes('b964000000bf000002000f318907895704' + '83c708' + '4975f3' + 'f4');

/**
 *   1000 mov ecx, 60; mov edi, DATA; xor ebx, ebx
 *   100c L: add ebx, ecx; test cl, 1; jz even
 *   1013    rdtsc; mov [edi], eax; add edi, 4; jmp next (folded)
 *   101c even: rdtsc; mov [edi], eax; add edi, 4
 *   1023 next: dec ecx; jnz L; hlt (1026)
 * Three blocks in one page joined by direct transfers (the same shape as test/jit/direct.test.ts LOOP).
 */
const JOINED = hexBytes('b93c000000bf0000020031db01cbf6c1017409' + '0f31890783c704eb07' + '0f31890783c704' + '4975e6f4');

/** Instructions before the RDTSC of each pass of JOINED: 3 before the loop; a pass is L (3), then 4 (odd ECX, with the JMP) or 3, then next (2). */
function joinedCounts(): number[] {
  const out: number[] = [];
  let n = 3;
  for (let ecx = 60; ecx > 0; ecx--) {
    out.push(n + 3);
    n += 3 + (ecx & 1 ? 4 : 3) + 2;
  }
  return out;
}

function machineFor(engine: EngineName, direct: boolean): Machine {
  return new Machine({ memoryMiB: 2, engine, jit: direct ? { threshold: 2, batch: 64, sync: true, chain: false, direct: true } : { threshold: 0 } });
}

const BASE = 12.25, ANCHOR = 3, RATE = 0.37;

for (const engine of TEST_ENGINES) {
  describe(`RDTSC [${engine}]`, () => {
    for (const [name, code, counts, width, direct] of [
      ['in a block that loops on itself', SELF, Array.from({ length: 100 }, (_, j) => 2 + 6 * j), 8, false],
      ['in blocks joined by direct transfers', JOINED, joinedCounts(), 4, true],
    ] as const) {
      it(`${name}: the value at the exact instruction count, on a fractional time line with an adjust`, () => {
        const machine = machineFor(engine, direct);
        const cpu = machine.cpu;
        const r = runSnippet({
          engine, machine, code, memory: [{ addr: DATA, bytes: new Uint8Array(1024) }],
          slice: direct ? 50 : 1_000_000,
          onSlice: (m) => { m.jit?.flush(); },
        });
        expect(cpu.readTsc()).to.equal(BigInt(r.instructions)); // the CPU's own time line: instructions retired
        expect(r.stop).to.equal('hlt');
        const mem = r.readMemory(DATA, counts.length * width);
        const dv = new DataView(mem.buffer, mem.byteOffset);
        const got = counts.map((_, j) => (width === 8 ? dv.getBigUint64(8 * j, true) : BigInt(dv.getUint32(4 * j, true))));
        const want = counts.map((k) => (width === 8 ? BigInt(k) : BigInt(k) & 0xffffffffn));
        expect(got).to.deep.equal(want);
        if (engine === 'jit' && direct) expect(r.direct).to.be.greaterThan(0);
      });
    }

    it('on a fractional time line with a TSC adjust (what the clock publishes): floor and adjust as Cpu.readTsc', () => {
      const machine = machineFor(engine, false);
      machine.cpu.setTscLine(BASE, ANCHOR, RATE);
      // WRMSR 0x10 sets the adjust; then the loop of SELF reads the TSC 100 times.
      //   mov ecx, 0x10; mov eax, lo; mov edx, hi; wrmsr  (4 instructions), then SELF's body
      const target = (1n << 40n) + 5n;
      const lo = Number(target & 0xffffffffn), hi = Number(target >> 32n);
      const le = (v: number): string => [0, 8, 16, 24].map((s) => ((v >>> s) & 0xff).toString(16).padStart(2, '0')).join('');
      const pre = hexBytes(`b910000000b8${le(lo)}ba${le(hi)}0f30`);
      const code = new Uint8Array([...pre, ...SELF]);
      const r = runSnippet({ engine, machine, code, memory: [{ addr: DATA, bytes: new Uint8Array(1024) }] });
      expect(r.stop).to.equal('hlt');
      expect(machine.cpu.tscAdjust > (1n << 39n)).to.equal(true);
      const mem = r.readMemory(DATA, 800);
      const dv = new DataView(mem.buffer, mem.byteOffset);
      for (let j = 0; j < 100; j++) {
        const k = 4 + 2 + 6 * j;
        const want = BigInt.asUintN(64, BigInt(Math.floor(BASE + (k - ANCHOR) * RATE)) + machine.cpu.tscAdjust);
        expect(dv.getBigUint64(8 * j, true), `pass ${j}`).to.equal(want);
      }
    });
  });
}
