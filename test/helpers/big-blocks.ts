// One copy of the compile worker tests' slow-to-emit blocks (priority.test.ts, warm-cold.test.ts): big enough that requests queue.
import { expect } from 'chai';
import { Machine } from '../../src/machine.js';
import { runSnippet } from '../../src/snippet.js';
import type { Block } from '../../runtime/records.js';

/** 300 x (add eax, imm32; jz +0), hlt: three blocks of up to 256 records (slow enough to emit that requests queue). */
export function bigBlocks(): Block[] {
  const code: number[] = [];
  for (let i = 0; i < 300; i++) code.push(0x05, i & 0xff, 1, 0, 0, 0x74, 0x00);
  code.push(0xf4);
  const m = new Machine({ memoryMiB: 2, engine: 'jit', jit: { threshold: 0 } });
  const got: Block[] = [];
  m.jit!.onCompiled = (blocks) => { got.push(...blocks); };
  const r = runSnippet({ engine: 'jit', machine: m, code: new Uint8Array(code) });
  expect(r.stop).to.equal('hlt');
  return got;
}
