/**
 * REPE / REPNE CMPS and SCAS compiled inline (codegen/string.ts repeatedCmp,
 * JitOptions.inlineRepCmp) against the interpreter: random runs (sizes,
 * directions, conditions, page crossings, counts past REP_CAP), each run
 * several times in a loop so the block is compiled (threshold 1, synchronous),
 * the registers, flags, EIP and instruction count folded into EBX after every
 * pass. The inline code must end each execution exactly where the handler
 * does (REP_CAP, the stop condition) and leave the same state.
 */
import { expect } from 'chai';
import { runSnippet, type SnippetResult } from '../../src/snippet.js';
import { Machine } from '../../src/machine.js';
import { hexBytes } from '../helpers/asm.js';
import { Rng } from '../fixtures/rng.js';
import { XFER_RET_OTHER } from '../../translator/jit/chain.js';

const le32 = (v: number): string => [0, 8, 16, 24].map((s) => ((v >>> s) & 0xff).toString(16).padStart(2, '0')).join('');

interface Case { code: Uint8Array; memory: { addr: number; bytes: Uint8Array }[] }

function randomCase(g: Rng): Case {
  const rep = g.chance(0.5) ? 'f3' : 'f2', cmps = g.chance(0.5), n = ([1, 2, 4] as const)[g.int(3)]!;
  const down = g.chance(0.25), len = 16 + g.int(g.chance(0.3) ? 9000 : 300);
  const fill = g.int(256);
  const a = Uint8Array.from({ length: len }, () => (g.chance(0.6) ? fill : g.int(256)));
  const b = Uint8Array.from(a);
  if (rep === 'f2') for (let i = 0; i < len; i++) if (!g.chance(0.02)) b[i] = a[i]! ^ (1 + g.int(255));
  if (rep === 'f3') for (let j = g.int(3); j > 0; j--) { const i = g.int(len); b[i] = a[i]! ^ (1 + g.int(255)); }
  const si = 0x40000 + g.int(0x2000), di = 0x60000 + g.int(0x2000);
  const sBase = down ? si - len + n : si, dBase = down ? di - len + n : di;
  const count = g.int(len / n + 8), eax = ((fill * 0x01010101) ^ (g.chance(0.3) ? g.u32() : 0)) >>> 0;
  const op = rep + (n === 2 ? '66' : '') + (cmps ? (n === 1 ? 'a6' : 'a7') : n === 1 ? 'ae' : 'af');
  // L: cld/std; mov esi, si; mov edi, di; mov ecx, count; mov eax, eax0; REP op;
  //    pushfd; pop edx; add ebx, edx; add ebx, ecx; add ebx, esi; add ebx, edi; dec ebp; jnz L; hlt
  const body = (down ? 'fd' : 'fc') + 'be' + le32(si) + 'bf' + le32(di) + 'b9' + le32(count) + 'b8' + le32(eax) + op
    + '9c5a' + '01d3' + '01cb' + '01f3' + '01fb' + '4d';
  const bodyLen = body.length / 2 + 2;
  const code = hexBytes(body + '75' + ((256 - bodyLen) & 0xff).toString(16).padStart(2, '0'), 'f4');
  const memory = [{ addr: dBase, bytes: b }];
  if (cmps) memory.push({ addr: sBase, bytes: a });
  return { code, memory };
}

function run(c: Case, engine: 'interpreter' | 'jit', inlineRepCmp: boolean): SnippetResult {
  const machine = new Machine({ memoryMiB: 2, engine, jit: { threshold: 1, batch: 1, sync: true, inlineRepCmp } });
  return runSnippet({ engine, machine, code: c.code, memory: c.memory, regs: { ebp: 4, ebx: 0 } });
}
const summary = (r: SnippetResult): unknown => ({ stop: r.stop, regs: r.regs, eip: r.eip, eflags: r.eflags, instructions: r.instructions });

describe('REPE / REPNE CMPS and SCAS inline (JitOptions.inlineRepCmp) as the interpreter', () => {
  it('random runs, each looped until compiled: the same registers, flags and instruction counts', () => {
    const g = new Rng(0xc3b5);
    let compiled = 0;
    for (let t = 0; t < 40; t++) {
      const c = randomCase(g);
      const want = run(c, 'interpreter', true), got = run(c, 'jit', true), off = run(c, 'jit', false);
      expect(want.stop).to.equal('hlt');
      expect(summary(got), `case ${t}`).to.deep.equal(summary(want));
      expect(summary(off), `case ${t} (inlineRepCmp off)`).to.deep.equal(summary(want));
      compiled += got.compiled;
    }
    expect(compiled).to.be.greaterThan(0);
  });
  it('the strcmp-style REPE CMPSB loop stays inside wasm (no return to the loop per execution)', () => {
    // L: mov esi, 0x3000; mov edi, 0x3100; mov ecx, 12; repe cmpsb; dec ebp; jnz L; hlt: 200 passes whose REPE CMPSB
    // stops at the first byte. Returns to the loop ("ret-other") counted in the machine's transfers.
    const body = 'be00300000' + 'bf00310000' + 'b90c000000' + 'f3a6' + '4d';
    const bodyLen = body.length / 2 + 2;
    const code = hexBytes(body + '75' + ((256 - bodyLen) & 0xff).toString(16).padStart(2, '0'), 'f4');
    const memory = [{ addr: 0x3000, bytes: hexBytes('41424344') }, { addr: 0x3100, bytes: hexBytes('61626364') }];
    const res = (inline: boolean): { r: SnippetResult; exits: number } => {
      const machine = new Machine({ memoryMiB: 2, engine: 'jit', jit: { threshold: 1, batch: 1, sync: true, inlineRepCmp: inline } });
      const r = runSnippet({ engine: 'jit', machine, code, memory, regs: { ebp: 200 } });
      return { r, exits: machine.jit!.counters.xfers[XFER_RET_OTHER]! };
    };
    const on = res(true), off = res(false);
    expect(summary(on.r)).to.deep.equal(summary(off.r));
    expect(on.r.regs).to.deep.include({ ecx: 11, esi: 0x3001, edi: 0x3101, ebp: 0 });
    expect(on.r.compiled).to.be.greaterThan(800);
    // Off: every pass returns to the loop after the impure call-out; on: the blocks chain.
    expect(on.exits, 'returns to the loop, inline').to.be.at.most(2);
    expect(off.exits, 'returns to the loop, call-out').to.be.at.least(200);
  });
});
