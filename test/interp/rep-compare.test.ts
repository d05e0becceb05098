/**
 * REPE / REPNE CMPS and SCAS: the handler's run-at-a-time path (families/string.ts
 * fastCmp, `stringTuning.repCmpFast`) against its element-at-a-time loop, which
 * the real-CPU fixtures (test/fixtures/cpu/string.json) check. Random runs of
 * all sizes, both directions, both conditions, across page boundaries and past
 * REP_CAP, in 32-bit code, real mode (16-bit SI/DI wrapping) and with a missing
 * page in the middle (#PF with the registers of the last completed element):
 * registers, flags, EIP, instruction counts and exceptions must be identical.
 */
import { expect } from 'chai';
import { runSnippet, type SnippetResult } from '../../src/snippet.js';
import { TEST_ENGINES } from '../helpers/engines.js';
import { hexBytes } from '../helpers/asm.js';
import { pageTables, withPaging } from '../helpers/paging.js';
import { Rng } from '../fixtures/rng.js';
import { stringTuning } from '../../runtime/interp/families/string.js';

const DF = 0x400;
/** Opcode bytes: prefix (f3 REPE, f2 REPNE), operand size (66 or none), a6/a7 CMPS, ae/af SCAS. */
function opcode(rep: 'f3' | 'f2', cmps: boolean, n: 1 | 2 | 4, real = false): string {
  return rep + (n === (real ? 4 : 2) ? '66' : '') + (cmps ? (n === 1 ? 'a6' : 'a7') : n === 1 ? 'ae' : 'af');
}

interface Case { code: Uint8Array; regs: Record<string, number>; eflags: number; memory: { addr: number; bytes: Uint8Array }[]; mode: 'real' | 'protected32' }

function summary(r: SnippetResult): unknown {
  return { stop: r.stop, exception: r.exception === undefined ? null : { vector: r.exception.vector, eip: r.exception.eip, errorCode: r.exception.errorCode },
    regs: r.regs, eip: r.eip, eflags: r.eflags, instructions: r.instructions };
}

/** Two buffers that agree except at a few places (REPE stops there) or differ except at a few (REPNE). */
function buffers(g: Rng, len: number, rep: 'f3' | 'f2', fill: number): [Uint8Array, Uint8Array] {
  const a = Uint8Array.from({ length: len }, () => (g.chance(0.5) ? fill : g.int(256)));
  const b = Uint8Array.from(a);
  if (rep === 'f2') for (let i = 0; i < len; i++) b[i] = a[i]! ^ (1 + g.int(255));
  const spots = g.int(4);
  for (let j = 0; j < spots; j++) { const i = g.int(len); b[i] = rep === 'f3' ? a[i]! ^ (1 + g.int(255)) : a[i]!; }
  return [a, b];
}

function randomCase(g: Rng, mode: 'real' | 'protected32', paging: boolean): Case {
  const rep = g.chance(0.5) ? 'f3' : 'f2', cmps = g.chance(0.5), n = ([1, 2, 4] as const)[g.int(3)]!;
  const down = g.chance(0.3);
  const len = 64 + g.int(mode === 'real' ? 3000 : 9000);
  const fill = g.int(256);
  const [a, b] = buffers(g, len, rep, fill);
  // Up to a few elements past the run (zero memory: REPE SCAS / CMPS may run on there), past REP_CAP for bytes.
  const count = g.int(len / n + 8);
  const eax = ((fill * 0x01010101) ^ (g.chance(0.3) ? g.u32() : 0)) >>> 0;
  if (mode === 'real') {
    // DS = ES = 0x1000 (linear 0x10000: the wrap stays clear of the IVT and the code); offsets near
    // the 64 KiB end sometimes: SI/DI wrap (16-bit addressing). Elements never straddle the wrap
    // (that is #GP, and the IVT is empty).
    const si = g.chance(0.3) ? 0x10000 - n * g.int(60) : 0x4000 + n * g.int(0x40);
    const di = g.chance(0.3) ? 0x10000 - n * g.int(60) : 0x8000 + n * g.int(0x40);
    const memory: { addr: number; bytes: Uint8Array }[] = [];
    // Place a at si, b at di (wrapping at 64 KiB: both halves).
    const place = (at: number, v: Uint8Array): void => {
      const base = down ? at - v.length + n : at;
      for (let i = 0; i < v.length; i++) memory.push({ addr: 0x10000 + ((base + i) & 0xffff), bytes: v.subarray(i, i + 1) });
    };
    if (cmps) place(si, a);
    place(di, b);
    // mov ax, 0x1000; mov ds, ax; mov es, ax; mov eax, imm32; the string instruction; hlt.
    const imm = [0, 8, 16, 24].map((sh) => ((eax >>> sh) & 0xff).toString(16).padStart(2, '0')).join('');
    const code = hexBytes('b80010 8ed8 8ec0 66b8' + imm + opcode(rep, cmps, n, true), 'f4');
    return { code, regs: { ecx: count & 0xffff, esi: si & 0xffff, edi: di & 0xffff }, eflags: down ? DF : 0, memory: coalesce(memory), mode };
  }
  const si = 0x40000 + g.int(0x2000), di = 0x60000 + g.int(0x2000);
  const sBase = down ? si - len + n : si, dBase = down ? di - len + n : di;
  const memory: { addr: number; bytes: Uint8Array }[] = [{ addr: dBase, bytes: b }];
  if (cmps) memory.push({ addr: sBase, bytes: a });
  let code = hexBytes(opcode(rep, cmps, n), 'f4');
  if (paging) {
    // A page of one operand's run missing: #PF at the element that reaches it.
    const inDst = !cmps || g.chance(0.5), lo = inDst ? dBase : sBase;
    const page = ((lo + g.int(len)) & ~0xfff) >>> 0;
    memory.push(...pageTables({ notPresent: [page] }));
    code = withPaging(code);
  }
  return { code, regs: { eax, ecx: count, esi: si, edi: di }, eflags: down ? DF : 0, memory, mode };
}

/** Byte-at-a-time pieces merged into runs. */
function coalesce(pieces: { addr: number; bytes: Uint8Array }[]): { addr: number; bytes: Uint8Array }[] {
  const mem = new Map<number, number>();
  for (const p of pieces) for (let i = 0; i < p.bytes.length; i++) mem.set(p.addr + i, p.bytes[i]!);
  const keys = [...mem.keys()].sort((x, y) => x - y), out: { addr: number; bytes: Uint8Array }[] = [];
  let i = 0;
  while (i < keys.length) {
    let j = i;
    while (j + 1 < keys.length && keys[j + 1] === keys[j]! + 1) j++;
    out.push({ addr: keys[i]!, bytes: Uint8Array.from(keys.slice(i, j + 1), (k) => mem.get(k)!) });
    i = j + 1;
  }
  return out;
}

function runBoth(engine: 'interpreter' | 'jit', c: Case): [unknown, unknown] {
  const saved = stringTuning.repCmpFast;
  try {
    const out: unknown[] = [];
    for (const fast of [false, true]) {
      stringTuning.repCmpFast = fast;
      out.push(summary(runSnippet({ engine, code: c.code, regs: c.regs, eflags: c.eflags, memory: c.memory, mode: c.mode })));
    }
    return [out[0], out[1]];
  } finally {
    stringTuning.repCmpFast = saved;
  }
}

for (const engine of TEST_ENGINES) {
  describe(`REPE / REPNE CMPS and SCAS a page-run at a time, as element by element [${engine}]`, () => {
    it('32-bit code: random runs across pages and past REP_CAP, both directions and conditions', () => {
      const g = new Rng(0x5ca5);
      for (let t = 0; t < 60; t++) {
        const c = randomCase(g, 'protected32', false);
        const [slow, fast] = runBoth(engine, c);
        expect(fast, `case ${t}: ${JSON.stringify(c.regs)} eflags ${c.eflags}`).to.deep.equal(slow);
        expect((slow as { stop: string }).stop).to.equal('hlt');
      }
    });
    it('real mode: 16-bit CX/SI/DI, wrapping at 64 KiB', () => {
      const g = new Rng(0x16b1);
      for (let t = 0; t < 30; t++) {
        const c = randomCase(g, 'real', false);
        const [slow, fast] = runBoth(engine, c);
        expect(fast, `case ${t}: ${JSON.stringify(c.regs)} eflags ${c.eflags}`).to.deep.equal(slow);
        expect((slow as { stop: string }).stop).to.equal('hlt');
      }
    });
    it('a missing page in the middle of a run: the same #PF and registers', () => {
      const g = new Rng(0x9f);
      let faults = 0;
      for (let t = 0; t < 30; t++) {
        const c = randomCase(g, 'protected32', true);
        const [slow, fast] = runBoth(engine, c);
        expect(fast, `case ${t}: ${JSON.stringify(c.regs)} eflags ${c.eflags}`).to.deep.equal(slow);
        if ((slow as { stop: string }).stop === 'exception') faults++;
      }
      expect(faults, 'cases that reached the missing page').to.be.at.least(5);
    });
  });
}
