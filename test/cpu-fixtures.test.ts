/**
 * Replays the real-CPU test vectors in test/fixtures/cpu/*.json (recorded by
 * test/fixtures/gen/generate.ts on the host CPU) through the emulator, once per
 * engine. One `it` per family and engine; a failing family reports how many
 * cases failed and the first few, with inputs, expected and actual values.
 *
 * Environment knobs (optional):
 *   CPU_FIXTURES=alu,shift   only these families
 *   CPU_FIXTURES_MAX=1000    at most this many cases per family (evenly sampled)
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runSnippets } from '../src/snippet.js';
import type { EngineName, RegName, SnippetOptions, SnippetResult } from '../src/snippet.js';
import { TEST_ENGINES } from './helpers/engines.js';

/** Fixture format, see test/fixtures/gen/README.md. */
export interface CpuCase {
  asm: string;
  c: string;                     // instruction bytes, hex
  i: number[];                   // eax ecx edx ebx ebp esi edi eflags
  o: number[] | 'DE' | 'UD';     // same layout, or the exception raised
  m: number;                     // EFLAGS bits to compare
  rm?: number[];                 // indices into i/o of registers whose result is undefined
  mi?: string;                   // memory at 0x20000 before (hex)
  mo?: string;                   // ... and after
}
export interface CpuFixture { family: string; host: string; generator: string; cases: CpuCase[] }

const MEM_ADDR = 0x20000;
const REGS: RegName[] = ['eax', 'ecx', 'edx', 'ebx', 'ebp', 'esi', 'edi'];
const VECTORS: Record<string, number> = { DE: 0, UD: 6 };
const MAX_REPORTED = 10;

function fixtureDir(): string {
  // compiled to dist/test/cpu-fixtures.test.js; the fixtures stay in the source tree
  for (const rel of ['../../test/fixtures/cpu/', './fixtures/cpu/']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(dir)) return dir;
  }
  throw new Error('test/fixtures/cpu not found');
}

export function loadCpuFixtures(): CpuFixture[] {
  const dir = fixtureDir();
  const only = process.env['CPU_FIXTURES']?.split(',').filter(Boolean);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(dir + f, 'utf8')) as CpuFixture)
    .filter((fx) => !only || only.includes(fx.family));
}

const fromHex = (h: string): Uint8Array => {
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return out;
};
const toHex = (a: ArrayLike<number>): string => Array.from(a, (x) => x.toString(16).padStart(2, '0')).join('');
const h32 = (v: number): string => (v >>> 0).toString(16).padStart(8, '0');
const FLAG_NAMES: [number, string][] = [[0x1, 'CF'], [0x4, 'PF'], [0x10, 'AF'], [0x40, 'ZF'], [0x80, 'SF'], [0x400, 'DF'], [0x800, 'OF']];
const flagNames = (m: number): string => FLAG_NAMES.filter(([b]) => m & b).map(([, n]) => n).join(',') || '-';

/** The snippet of one case: its code plus HLT, placed by the batch runner (runSnippets). */
export function caseOptions(c: CpuCase, engine: EngineName): SnippetOptions {
  const code = fromHex(c.c);
  const full = new Uint8Array(code.length + 1);
  full.set(code);
  full[code.length] = 0xf4; // HLT
  const regs: Partial<Record<RegName, number>> = {};
  REGS.forEach((r, j) => { regs[r] = c.i[j]!; });
  const opts: SnippetOptions = { code: full, mode: 'protected32', regs, eflags: c.i[7]!, engine, maxInstructions: 10_000 };
  if (c.mi) opts.memory = [{ addr: MEM_ADDR, bytes: fromHex(c.mi) }];
  return opts;
}

/** Judges one case's run (`res`, or what it threw); returns a description of the mismatch, or null when it passes. */
export function judgeCase(c: CpuCase, engine: EngineName, res: SnippetResult | Error): string | null {
  if (res instanceof Error) return `threw ${res.stack?.split('\n').slice(0, 2).join(' ') ?? String(res)}`;
  const problems: string[] = [];
  const fault = typeof c.o === 'string' ? c.o : null;
  // expected registers: the outputs, or (precise exceptions) the inputs unchanged
  const expRegs = fault ? c.i : (c.o as number[]);
  if (fault) {
    const vec = VECTORS[fault];
    if (res.stop !== 'exception' || res.exception?.vector !== vec) {
      problems.push(`stop: expected exception #${fault} (vector ${vec}), got ${res.stop}${res.exception ? ` ${res.exception.name} (vector ${res.exception.vector})` : ''}`);
    } else if (res.exception.eip >>> 0 !== res.org) {
      // the faulting instruction is the first one, at the address the code was placed at
      problems.push(`exception eip: expected ${h32(res.org)}, got ${h32(res.exception.eip)}`);
    }
  } else if (res.stop !== 'hlt') {
    problems.push(`stop: expected hlt, got ${res.stop}${res.exception ? ` ${res.exception.name} at ${h32(res.exception.eip)}` : ''}`);
  }
  const regDiffs: string[] = [];
  REGS.forEach((r, j) => {
    if (c.rm?.includes(j)) return;
    const want = expRegs[j]! >>> 0, got = res.regs[r] >>> 0;
    if (want !== got) regDiffs.push(`${r} exp ${h32(want)} got ${h32(got)}`);
  });
  if (regDiffs.length) problems.push(regDiffs.join(', '));
  const wantFl = expRegs[7]! >>> 0, gotFl = res.eflags >>> 0;
  const flDiff = (wantFl ^ gotFl) & c.m;
  if (flDiff) problems.push(`eflags exp ${h32(wantFl)} got ${h32(gotFl)} (m=${c.m.toString(16)}; differ: ${flagNames(flDiff)})`);
  // The JIT leg tests the translated code: every block is compiled before it first runs (threshold 0).
  if (engine === 'jit' && res.compiled !== res.instructions) {
    problems.push(`ran ${res.instructions - res.compiled} of ${res.instructions} instructions interpreted`);
  }
  if (c.mi) {
    const want = fault ? c.mi : c.mo!;
    const got = toHex(res.readMemory(MEM_ADDR, want.length / 2));
    if (got !== want) problems.push(`memory @20000\n        exp ${want}\n        got ${got}`);
  }
  if (!problems.length) return null;
  const ins = REGS.map((r, j) => `${r}=${h32(c.i[j]!)}`).join(' ') + ` fl=${h32(c.i[7]!)}[${flagNames(c.i[7]!)}]`;
  const mem = c.mi ? `\n      mem in ${c.mi}` : '';
  return `${c.asm}  [${c.c}]\n      in: ${ins}${mem}\n      ${problems.join('\n      ')}`;
}

/**
 * Runs the cases in batches (runSnippets: on the JIT, the distinct codes of a
 * batch are compiled together before the first runs; each case's code is
 * still compiled before it runs). A batch that throws is run again case by
 * case, so the throw is pinned on its case. Returns, per case, null or what failed.
 */
export function checkCases(cases: readonly CpuCase[], engine: EngineName): (string | null)[] {
  const opts = cases.map((c) => caseOptions(c, engine));
  try {
    return runSnippets(opts, (res, k) => judgeCase(cases[k]!, engine, res));
  } catch {
    return cases.map((c, k) => {
      try { return runSnippets([opts[k]!], (res) => judgeCase(c, engine, res))[0]!; } catch (e) { return judgeCase(c, engine, e as Error); }
    });
  }
}

describe('CPU fixtures (recorded on real hardware)', function () {
  const fixtures = loadCpuFixtures();
  const maxPer = Number(process.env['CPU_FIXTURES_MAX'] ?? 0);
  for (const engine of TEST_ENGINES) {
    describe(engine, function () {
      for (const fx of fixtures) {
        it(`${fx.family} (${fx.cases.length} cases)`, function () {
          let cases = fx.cases;
          if (maxPer > 0 && cases.length > maxPer) {
            const step = cases.length / maxPer;
            cases = Array.from({ length: maxPer }, (_, k) => fx.cases[Math.floor(k * step)]!);
          }
          const failures: string[] = [];
          let failed = 0;
          for (const msg of checkCases(cases, engine)) {
            if (msg === null) continue;
            failed++;
            if (failures.length < MAX_REPORTED) failures.push(msg);
          }
          if (failed) {
            throw new Error(`${fx.family}/${engine}: ${failed} of ${cases.length} cases failed; first ${failures.length}:\n  ` +
              failures.join('\n  '));
          }
        });
      }
    });
  }
});
