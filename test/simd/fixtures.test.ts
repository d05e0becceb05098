/**
 * Real-CPU MMX/SSE fixtures (test/fixtures/sse/*.json, recorded by
 * test/fixtures/sse-gen on the host CPU) replayed on every engine with the
 * pentium4 model: CR4.OSFXSR/OSXMMEXCPT set, FXRSTOR the recorded state,
 * run the instruction, FXSAVE, compare x87/MMX registers (with TOP and the
 * abridged tags), XMM0-7, MXCSR, ECX and the memory window, or the fault.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { runSnippets, type SnippetOptions } from '../../src/snippet.js';
import { TEST_ENGINES } from '../helpers/engines.js';
import { hexBytes } from '../helpers/asm.js';

interface SseCase { asm: string; c: string; ecx: number; si: string; mi: string; o?: 'UD' | 'GP' | 'XM'; ecxo?: number; so?: string; mo?: string; fl?: number; mxo?: number }

// (clear of the code area runSnippets lays the cases' code out in, 0x1000-0x5000)
const IMG = 0x22000, OUT = 0x22400, MEM = 0x30000;
const VECTOR = { UD: 6, GP: 13, XM: 19 } as const;

const le32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];

/** The compared part of an FXSAVE image (first 288 bytes): FCW FSW, abridged tag, MXCSR, ST/MM 0-7 (10 bytes each), XMM0-7. */
function fields(img: Uint8Array): string {
  const h = (a: number, b: number) => Buffer.from(img.subarray(a, b)).toString('hex');
  const st: string[] = [];
  for (let i = 0; i < 8; i++) st.push(h(32 + 16 * i, 32 + 16 * i + 10));
  return `fcw ${h(0, 2)} fsw ${h(2, 4)} ftw ${h(4, 5)} mxcsr ${h(24, 28)}\nst ${st.join(' ')}\nxmm ${h(160, 288)}`;
}

function load(file: string): SseCase[] {
  return (JSON.parse(readFileSync(new URL(`../../../test/fixtures/sse/${file}`, import.meta.url), 'utf8')) as { cases: SseCase[] }).cases;
}

for (const engine of TEST_ENGINES) {
  describe(`SSE/MMX real-CPU fixtures [${engine}]`, () => {
    for (const file of ['int.json', 'float.json']) {
    const cases = load(file);
    it(`${file}: ${cases.length} cases`, () => {
      const bad: string[] = [];
      const opts = cases.map((k): SnippetOptions => {
        const code = hexBytes(
          '0f20e0', '0d00060000', '0f22e0',              // mov eax, cr4; or eax, 0x600; mov cr4, eax
          '0fae0d', Buffer.from(le32(IMG)).toString('hex'), // fxrstor [IMG]
          'b9', Buffer.from(le32(k.ecx)).toString('hex'),  // mov ecx, imm32
          'b8', Buffer.from(le32(MEM)).toString('hex'),    // mov eax, MEM
          k.c,
          '0fae05', Buffer.from(le32(OUT)).toString('hex'), // fxsave [OUT]
          'f4');
        const img = new Uint8Array(512);
        img.set(hexBytes(k.si));
        return { engine, cpu: 'pentium4', code, memory: [{ addr: IMG, bytes: img }, { addr: MEM, bytes: hexBytes(k.mi) }] };
      });
      // runSnippets: on the JIT the distinct codes of a batch are compiled together before the first
      // runs (one module each cost a worker round trip); judged right after each run.
      runSnippets(opts, (r, i) => {
        const k = cases[i]!;
        // the JIT leg tests the translated code: every block compiled before it first runs
        if (engine === 'jit' && r.compiled !== r.instructions) { bad.push(`${k.asm} (${k.c}): ran ${r.instructions - r.compiled} of ${r.instructions} instructions interpreted`); return; }
        if (k.o) {
          if (r.stop !== 'exception' || r.exception?.vector !== VECTOR[k.o]) bad.push(`${k.asm} (${k.c}): expected #${k.o}, got ${r.stop} ${r.exception?.name ?? ''}`);
          // #XM: the flags the instruction set (MXCSR of the host's signal frame); the rest of the state is unchanged.
          else if (k.mxo !== undefined && r.mxcsr !== k.mxo) bad.push(`${k.asm} (${k.c}) si=${k.si}: #XM with MXCSR ${r.mxcsr.toString(16)}, want ${k.mxo.toString(16)}`);
          return;
        }
        if (r.stop !== 'hlt') { bad.push(`${k.asm} (${k.c}): ${r.stop} ${r.exception?.name ?? ''}`); return; }
        const got = fields(r.readMemory(OUT, 288)), want = fields(hexBytes(k.so!));
        const mem = Buffer.from(r.readMemory(MEM, 64)).toString('hex');
        const flags = k.fl === undefined ? undefined : r.eflags & 0x8d5;
        if (got !== want || mem !== k.mo || r.regs.ecx !== k.ecxo || flags !== k.fl) {
          bad.push(`${k.asm} (${k.c}) si=${k.si}\n want ${want.replace(/\n/g, '\n      ')} ecx ${k.ecxo} mem ${k.mo} fl ${k.fl}\n  got ${got.replace(/\n/g, '\n      ')} ecx ${r.regs.ecx} mem ${mem} fl ${flags}`);
        }
      });
      const names = [...new Set(bad.map((b) => b.split(' (')[0]))];
      expect(bad.slice(0, 3).join('\n\n') + (bad.length ? `\n... ${bad.length} differences in: ${names.join(', ')}` : '')).to.equal('');
    });
    }
  });
}
