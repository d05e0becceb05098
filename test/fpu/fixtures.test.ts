/**
 * Replays the real-CPU x87 vectors in test/fixtures/fpu/*.json (recorded by
 * test/fixtures/fpu-gen/generate.ts on the host CPU, format in its README)
 * through the emulator, once per engine. One `it` per family and engine; a
 * failing family reports how many cases failed and the first few.
 *
 * Each case runs as: set CR0.NE with MOV CR0 (so a pending exception is #MF, as the host
 * reports it: SIGFPE); FRSTOR the input state from 0x20000; the instruction
 * (memory operand at 0x20400); FNSAVE to 0x20200; HLT.
 *
 * Environment knobs (optional):
 *   FPU_FIXTURES=arith,trans   only these families
 *   FPU_FIXTURES_MAX=500       at most this many cases per family (evenly sampled)
 */
import { expect } from 'chai';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runSnippets } from '../../src/snippet.js';
import type { EngineName, SnippetOptions, SnippetResult } from '../../src/snippet.js';
import { TEST_ENGINES } from '../helpers/engines.js';

interface FpuState { cw: number; sw: number; tw: number; st: string[] }
export interface FpuCase {
  asm: string; c: string;
  i: FpuState; f: number; a: number; mi?: string;
  o: FpuState | 'MF' | 'UD';
  fo?: number; ao?: number; mo?: string;
  swm?: number; u?: number; u64?: number; mx?: [number, number][];
}
interface FpuFixture { family: string; host: string; cases: FpuCase[] }

const STATE_IN = 0x20000, STATE_OUT = 0x20200, WIN = 0x20400;
// mov ecx, 0x60000031 (the snippet's CR0 plus NE; no flags touched); mov cr0, ecx; frstor [0x20000]
const PROLOGUE = [0xb9, 0x31, 0x00, 0x00, 0x60, 0x0f, 0x22, 0xc1, 0xdd, 0x25, 0x00, 0x00, 0x02, 0x00];
// fnsave [0x20200]; hlt
const EPILOGUE = [0xdd, 0x35, 0x00, 0x02, 0x02, 0x00, 0xf4];
const MAX_REPORTED = 8;

function fixtureDir(): string {
  for (const rel of ['../../../test/fixtures/fpu/', '../fixtures/fpu/']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(dir)) return dir;
  }
  throw new Error('test/fixtures/fpu not found');
}
function loadFixtures(): FpuFixture[] {
  const dir = fixtureDir();
  const only = process.env['FPU_FIXTURES']?.split(',').filter(Boolean);
  return readdirSync(dir).filter((f) => f.endsWith('.json') && !f.endsWith('.allow.json')).sort()
    .map((f) => JSON.parse(readFileSync(dir + f, 'utf8')) as FpuFixture)
    .filter((fx) => !only || only.includes(fx.family));
}

const fromHex = (h: string): number[] => Array.from({ length: h.length / 2 }, (_, i) => parseInt(h.slice(2 * i, 2 * i + 2), 16));
const toHex = (a: ArrayLike<number>): string => Array.from(a, (x) => x.toString(16).padStart(2, '0')).join('');
const h16 = (v: number): string => v.toString(16).padStart(4, '0');

function x80Bytes(h: string): number[] {
  const se = parseInt(h.slice(0, 4), 16), m = BigInt('0x' + h.slice(4));
  const out: number[] = [];
  for (let i = 0; i < 8; i++) out.push(Number((m >> BigInt(8 * i)) & 0xffn));
  out.push(se & 0xff, se >> 8);
  return out;
}
function x80Hex(b: Uint8Array, o: number): string {
  let m = 0n;
  for (let i = 7; i >= 0; i--) m = (m << 8n) | BigInt(b[o + i]!);
  return h16(b[o + 8]! | (b[o + 9]! << 8)) + m.toString(16).padStart(16, '0');
}
/** An 80-bit hex value as a JS number (nearest), or null for NaN / unsupported encodings. */
function x80Number(h: string): number | null {
  const se = parseInt(h.slice(0, 4), 16), m = BigInt('0x' + h.slice(4));
  const e = se & 0x7fff, neg = (se & 0x8000) !== 0;
  if (e === 0x7fff) return m === 1n << 63n ? (neg ? -Infinity : Infinity) : null;
  if (m === 0n) return neg ? -0 : 0;
  // m * 2^(e - 16383 - 63), rounded once through a decimal-free path
  const E = (e === 0 ? 1 : e) - 16383 - 63;
  const nb = m.toString(2).length;
  const sh = nb - 53;
  let mm = sh > 0 ? m >> BigInt(sh) : m << BigInt(-sh);
  if (sh > 0) {
    const rem = m - (mm << BigInt(sh)), half = 1n << BigInt(sh - 1);
    if (rem > half || (rem === half && (mm & 1n))) mm += 1n;
  }
  const v = Number(mm) * 2 ** (E + Math.max(sh, 0) + Math.min(sh, 0));
  return neg ? -v : v;
}

/** Distance of two finite 80-bit values in units of the first one's 64-bit ulp, or null (NaN, infinity, other sign). */
export function ulps64(want: string, got: string): number | null {
  const sa = parseInt(want.slice(0, 4), 16), sb = parseInt(got.slice(0, 4), 16);
  if ((sa & 0x8000) !== (sb & 0x8000) || (sa & 0x7fff) === 0x7fff || (sb & 0x7fff) === 0x7fff) return null;
  const va = (e: number, m: bigint, q: number) => m << BigInt((e === 0 ? 1 : e) - q);
  const ea = sa & 0x7fff, eb = sb & 0x7fff;
  const q = Math.min(ea === 0 ? 1 : ea, eb === 0 ? 1 : eb);
  const a = va(ea, BigInt('0x' + want.slice(4)), q), b = va(eb, BigInt('0x' + got.slice(4)), q);
  const d = a > b ? a - b : b - a;
  return Number(d >> BigInt((ea === 0 ? 1 : ea) - q));
}

function stateImage(s: FpuState): Uint8Array {
  const b = new Uint8Array(108);
  const put = (o: number, v: number) => { b[o] = v & 0xff; b[o + 1] = (v >> 8) & 0xff; b[o + 2] = 0xff; b[o + 3] = 0xff; };
  put(0, s.cw); put(4, s.sw); put(8, s.tw);
  for (let i = 0; i < 8; i++) b.set(x80Bytes(s.st[i]!), 28 + 10 * i);
  return b;
}

function describeState(s: FpuState): string {
  const top = (s.sw >> 11) & 7;
  const regs = s.st.map((h, i) => (((s.tw >> (2 * ((top + i) & 7))) & 3) === 3 ? '-' : h)).join(' ');
  return `cw=${h16(s.cw)} sw=${h16(s.sw)} tw=${h16(s.tw)} st=[${regs}]`;
}

/** The snippet of one case (placed by the batch runner, runSnippets). */
export function fpuCaseOptions(c: FpuCase, engine: EngineName, cpu?: 'pentium4'): SnippetOptions {
  const code = [...PROLOGUE, ...fromHex(c.c), ...EPILOGUE];
  const memory = [{ addr: STATE_IN, bytes: stateImage(c.i) }];
  if (c.mi) memory.push({ addr: WIN, bytes: Uint8Array.from(fromHex(c.mi)) });
  const opts: SnippetOptions = { code: Uint8Array.from(code), mode: 'protected32', regs: { eax: c.a }, eflags: c.f, engine, memory, maxInstructions: 1000 };
  if (cpu !== undefined) opts.cpu = cpu;
  return opts;
}

/** Judges one case's run (or what it threw); returns a description of the mismatch, or null when it passes. */
export function judgeFpuCase(c: FpuCase, engine: EngineName, res: SnippetResult | Error): string | null {
  if (res instanceof Error) return `threw ${res.message}`;
  // The JIT leg tests the translated code: every block is compiled before it first runs (threshold 0).
  if (engine === 'jit' && res.compiled !== res.instructions) return `ran ${res.instructions - res.compiled} of ${res.instructions} instructions interpreted`;
  const insnEip = res.org + PROLOGUE.length;
  const problems: string[] = [];
  if (c.o === 'MF' || c.o === 'UD') {
    const vec = c.o === 'MF' ? 16 : 6;
    if (res.stop !== 'exception' || res.exception?.vector !== vec || res.exception.eip !== insnEip) {
      problems.push(`expected ${c.o} at ${insnEip.toString(16)}, got ${res.stop} ${res.exception ? res.exception.name + ' at ' + res.exception.eip.toString(16) : ''}`);
    }
    return problems.length ? problems.join('\n      ') : null;
  }
  if (res.stop !== 'hlt') {
    return `stop: expected hlt, got ${res.stop}${res.exception ? ` ${res.exception.name} at ${res.exception.eip.toString(16)}` : ''}`;
  }
  const out = res.readMemory(STATE_OUT, 108);
  const rd16 = (o: number) => out[o]! | (out[o + 1]! << 8);
  const exp = c.o;
  const cw = rd16(0), sw = rd16(4), tw = rd16(8);
  const swm = c.swm ?? 0xffff;
  if (cw !== exp.cw) problems.push(`cw exp ${h16(exp.cw)} got ${h16(cw)}`);
  if ((sw & swm) !== (exp.sw & swm)) problems.push(`sw exp ${h16(exp.sw)} got ${h16(sw)} (mask ${h16(swm)})`);
  if (tw !== exp.tw) problems.push(`tw exp ${h16(exp.tw)} got ${h16(tw)}`);
  const top = (exp.sw >> 11) & 7;
  for (let i = 0; i < 8; i++) {
    if (((exp.tw >> (2 * ((top + i) & 7))) & 3) === 3) continue;
    const want = exp.st[i]!, got = x80Hex(out, 28 + 10 * i);
    if (want === got) continue;
    if (c.u64) {
      const d = ulps64(want, got);
      if (d !== null && d <= c.u64) continue;
      problems.push(`st${i} exp ${want} got ${got}: ${d === null ? 'not comparable' : d + ' ulp64'} > ${c.u64}`);
      continue;
    }
    if (c.u) {
      const a = x80Number(want), b = x80Number(got);
      if (a !== null && b !== null && isFinite(a) && a !== 0) {
        const ulp = 2 ** (Math.floor(Math.log2(Math.abs(a))) - 52);
        if (Math.abs(a - b) <= c.u * ulp) continue;
        problems.push(`st${i} exp ${want} (${a}) got ${got} (${b}): ${(Math.abs(a - b) / ulp).toFixed(1)} ulp > ${c.u}`);
        continue;
      }
    }
    problems.push(`st${i} exp ${want} got ${got}`);
  }
  if (c.mo !== undefined) {
    const want = fromHex(c.mo), got = res.readMemory(WIN, want.length);
    const skip = new Set<number>();
    for (const [o, n] of c.mx ?? []) for (let k = o; k < o + n; k++) skip.add(k);
    const bad: number[] = [];
    for (let k = 0; k < want.length; k++) if (!skip.has(k) && want[k] !== got[k]) bad.push(k);
    if (bad.length) problems.push(`memory differs at +${bad.slice(0, 6).join(',+')}: exp ${c.mo.slice(0, 64)} got ${toHex(got).slice(0, 64)}`);
  }
  if (c.fo !== undefined && ((res.eflags & 0x8d5) | 2) !== c.fo) problems.push(`eflags exp ${c.fo.toString(16)} got ${((res.eflags & 0x8d5) | 2).toString(16)}`);
  if (c.ao !== undefined && res.regs.eax !== c.ao) problems.push(`eax exp ${c.ao.toString(16)} got ${res.regs.eax.toString(16)}`);
  return problems.length ? problems.join('\n      ') : null;
}

/**
 * The transcendental family is compared bit for bit, C1 included, except for
 * the cases in `<family>.allow.json` (docs/fpu.md, "Transcendentals"): those
 * within 1 ulp of the 64-bit significand without C1 ('value') or exactly
 * without C1 ('c1'). An allow-listed case that matches exactly fails the test,
 * so the list only shrinks.
 */
interface Allow { i: number; asm: string; st0: string }
function allowList(family: string): Map<number, 'value' | 'c1'> | null {
  const f = fixtureDir() + family + '.allow.json';
  if (!existsSync(f)) return null;
  const a = JSON.parse(readFileSync(f, 'utf8')) as { value: Allow[]; c1: Allow[] };
  const m = new Map<number, 'value' | 'c1'>();
  for (const e of a.value) m.set(e.i, 'value');
  for (const e of a.c1) m.set(e.i, 'c1');
  return m;
}
function strictCase(c: FpuCase, allow: 'value' | 'c1' | undefined): FpuCase {
  if (allow === 'value') return c;
  if (allow === 'c1') return { ...c, u64: undefined };
  return { ...c, u64: undefined, swm: 0xffff };
}

const fixtures = loadFixtures();
const maxCases = Number(process.env['FPU_FIXTURES_MAX'] ?? 0);

for (const engine of TEST_ENGINES) {
  describe(`x87 real-CPU fixtures [${engine}]`, function () {
    // Thousands of snippets, each compiled (JIT: through the compile worker) before it runs:
    // minutes on a loaded 2-core machine, past mocha's default.
    this.timeout(10 * 60_000);
    for (const fx of fixtures) {
      const all = fx.cases;
      it(`${fx.family} (${all.length} cases)`, () => {
        // the x80 families (recorded with FISTTP, an SSE3 instruction) run on the pentium4 model
        const cpu = fx.family.startsWith('x80') ? 'pentium4' as const : undefined;
        let cases = all;
        if (maxCases > 0 && cases.length > maxCases) {
          const step = cases.length / maxCases;
          cases = Array.from({ length: maxCases }, (_, k) => all[Math.floor(k * step)]!);
        }
        const failures: string[] = [];
        let failed = 0;
        const allow = fx.family === 'x80trans' ? allowList(fx.family) : null;
        if (fx.family === 'x80trans') expect(allow, 'x80trans.allow.json').to.not.equal(null);
        const raw = fx.family === 'x80trans' ? JSON.parse(readFileSync(fixtureDir() + 'x80trans.allow.json', 'utf8')) as { value: Allow[]; c1: Allow[] } : null;
        for (const e of raw ? [...raw.value, ...raw.c1] : []) {
          const c = all[e.i];
          expect(c && c.asm === e.asm && c.i.st[0] === e.st0, `allow-list entry ${e.i} (${e.asm} ${e.st0}) names another case`).to.equal(true);
        }
        // runSnippets: on the JIT the distinct codes of a batch are compiled together before the first
        // runs (one module each cost a worker round trip); each case's code still runs compiled.
        const index = new Map(all.map((c, i) => [c, i] as const));
        const judge = (c: FpuCase, res: SnippetResult | Error): string | null => {
          const a = allow?.get(index.get(c)!);
          let why = judgeFpuCase(allow ? strictCase(c, a) : c, engine, res);
          if (why === null && a !== undefined && judgeFpuCase(strictCase(c, undefined), engine, res) === null) {
            why = `allow-listed (${a}) but matches the hardware exactly: remove it from x80trans.allow.json`;
          }
          return why;
        };
        const opts = cases.map((c) => fpuCaseOptions(c, engine, cpu));
        let verdicts: (string | null)[];
        try {
          verdicts = runSnippets(opts, (res, k) => judge(cases[k]!, res));
        } catch {
          // pin a throw on its case
          verdicts = cases.map((c, k) => {
            try { return runSnippets([opts[k]!], (res) => judge(c, res))[0]!; } catch (e) { return judge(c, e as Error); }
          });
        }
        cases.forEach((c, k) => {
          const why = verdicts[k]!;
          if (why === null) return;
          failed++;
          if (failures.length < MAX_REPORTED) {
            failures.push(`  ${c.asm}  [${c.c}]\n      in: ${describeState(c.i)} fl=${c.f.toString(16)}${c.mi ? ' mem=' + c.mi.slice(0, 40) : ''}\n`
              + (typeof c.o === 'object' ? `      out: ${describeState(c.o)}\n` : '') + `      ${why}`);
          }
        });
        expect(failed, `${failed} of ${cases.length} ${fx.family} cases failed on ${engine}:\n${failures.join('\n')}`).to.equal(0);
      });
    }
  });
}
