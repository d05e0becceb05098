/**
 * The figures `jitvisor profile` reports, gathered once from the profiler
 * (translator/jit/profiler.ts), the JIT's counters and the front end's, as
 * one plain JSON-able object: the text report, --json and the HTML page
 * all render this.
 *
 * JIT counters are read generically (every own field of JitCounters), so
 * counters added later (cache hits and misses, evictions, exits by reason)
 * are reported without a change here: numeric fields as they are, objects
 * and Maps of numbers as "by reason" tables, grouped by their names.
 */
import type { Profiler, BlockProfile } from '../../translator/jit/profiler.js';
import type { DisasmLine } from '../../translator/jit/disasm.js';
import { EXIT_REASONS } from '../../translator/jit/chain.js';
import { SEND_REASONS } from '../../translator/jit/batching.js';

export interface Dist {
  count: number;
  total: number;
  min: number;
  median: number;
  p90: number;
  max: number;
  mean: number;
  /** Bins [lo, hi) on a 1-2-5 scale (1, 2, 5, 10, 20, 50...; values below 1 in [0, 1)). */
  bins: { lo: number; hi: number; count: number }[];
}

export interface HotBlock {
  rank: number;
  eip: number;
  csBase: number;
  phys: number;
  code32: boolean;
  /** False once the block was invalidated (its code was written). */
  valid: boolean;
  compiled: boolean;
  records: number;
  entries: number;
  jitEntries: number;
  instructions: number;
  jitInstructions: number;
  /** Of all instructions of the run. */
  share: number;
  wasmBytes: number;
  inline: number;
  callouts: number;
  compileUs: number;
  disasm: DisasmLine[];
}

export type CounterValue = number | Record<string, number>;

export interface ProfileData {
  guest: { kernel: string; initrd: string | null; cmdline: string; memoryMiB: number; cpu: string; clock: string; jitThreshold: number };
  run: { end: string; instructions: number; translated: number; interpreted: number; wallMs: number; cpuMs: number; mips: number };
  cache: {
    blocksSeen: number;
    blocksCompiled: number;
    modules: number;
    /** Blocks still valid at the end. */
    liveBlocks: number;
    compileMs: number;
    instructionsPerBlock: Dist;
    wasmBytesPerBlock: Dist;
    compileUsPerBlock: Dist;
    compileMsPerModule: Dist;
    recordsInline: number;
    recordsCallout: number;
  };
  /** Every JIT counter by name (JitCounters' own fields). */
  counters: Record<string, CounterValue>;
  /** The decode front end's counters (blocks decoded, invalidations...). */
  frontEnd: Record<string, number>;
  timeline: { ms: number; instructions: number; translated: number }[];
  hottest: HotBlock[];
}

export function dist(values: number[]): Dist {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  const n = v.length;
  const total = v.reduce((a, b) => a + b, 0);
  const at = (q: number): number => (n === 0 ? 0 : v[Math.min(n - 1, Math.floor(q * n))]!);
  const bins: Dist['bins'] = [];
  for (const x of v) {
    const [lo, hi] = bin125(x);
    const last = bins[bins.length - 1];
    if (last && last.lo === lo) last.count++; else bins.push({ lo, hi, count: 1 });
  }
  return { count: n, total, min: n ? v[0]! : 0, median: at(0.5), p90: at(0.9), max: n ? v[n - 1]! : 0, mean: n ? total / n : 0, bins };
}

/** The 1-2-5 bin holding `x`. */
function bin125(x: number): [number, number] {
  if (x < 1) return [0, 1];
  const e = 10 ** Math.floor(Math.log10(x)), m = x / e;
  return m < 2 ? [e, 2 * e] : m < 5 ? [2 * e, 5 * e] : [5 * e, 10 * e];
}

/** JitCounters (or any counters object) as plain data: numbers, and objects/Maps of numbers. */
export function readCounters(c: object): Record<string, CounterValue> {
  const out: Record<string, CounterValue> = {};
  for (const [k, v] of Object.entries(c)) {
    if (typeof v === 'number') out[k] = v;
    else if (typeof v === 'bigint') out[k] = Number(v);
    else if (v instanceof Map) {
      const o: Record<string, number> = {};
      for (const [mk, mv] of v) if (typeof mv === 'number') o[String(mk)] = mv;
      out[k] = o;
    } else if (Array.isArray(v)) {
      const o: Record<string, number> = {};
      v.forEach((x, i) => { if (typeof x === 'number') o[String(i)] = x; });
      out[k] = o;
    } else if (v !== null && typeof v === 'object') {
      const o: Record<string, number> = {};
      for (const [ok, ov] of Object.entries(v as Record<string, unknown>)) if (typeof ov === 'number') o[ok] = ov;
      out[k] = o;
    }
  }
  return out;
}

/**
 * The JIT's counters (JitCounters) as the report shows them: readCounters'
 * fields, with the structured ones named: `chainedTransfers` (chain.ts),
 * `exitsByReason` (returns from compiled code to the loop, by chain.ts
 * EXIT_REASONS), and from the front end its lookups, kills by reason and
 * evictions (its other figures have their own line).
 */
export function jitCounters(c: object, frontEnd: object | null): Record<string, CounterValue> {
  const out = readCounters(c);
  delete out.frontEnd;
  delete out.chained;
  delete out.exits;
  // Batches by why they went (batching.ts SEND_REASONS), named; the partial batches' work histogram is bench material.
  delete out.partialWorkLog2;
  for (const k of ['sentBy', 'blocksSentBy'] as const) {
    const v = (c as Partial<Record<typeof k, number[]>>)[k];
    if (v === undefined) continue;
    const by: Record<string, number> = {};
    SEND_REASONS.forEach((r, j) => { by[r] = v[j] ?? 0; });
    out[k] = by;
  }
  const o = c as { chained?: { n: number }; exits?: number[] };
  if (o.chained !== undefined) out.chainedTransfers = o.chained.n;
  if (o.exits !== undefined) {
    const by: Record<string, number> = {};
    EXIT_REASONS.forEach((r, k) => { by[r] = o.exits![k] ?? 0; });
    out.exitsByReason = by;
  }
  if (frontEnd !== null) {
    const f = readCounters(frontEnd) as Record<string, number>;
    out.frontEndLookups = { lookups: f.lookups ?? 0, 'jump-cache hits': f.jcHits ?? 0, 'map hits': f.mapHits ?? 0, 'misses (decoded)': f.blocksDecoded ?? 0 };
    out.frontEndKills = { smc: f.killedSmc ?? 0, mapping: f.killedMapping ?? 0, flush: f.killedFlush ?? 0 };
    out.frontEndEvictions = { passes: f.evictions ?? 0, blocks: f.evicted ?? 0 };
  }
  return out;
}

export interface ProfileInputs {
  profiler: Profiler;
  counters: object;
  frontEnd: object;
  guest: ProfileData['guest'];
  end: string;
  instructions: number;
  translated: number;
  wallMs: number;
  cpuMs: number;
  timeline: ProfileData['timeline'];
  top: number;
}

function hot(p: BlockProfile, rank: number, total: number, profiler: Profiler): HotBlock {
  const b = p.block;
  return {
    rank, eip: p.eip >>> 0, csBase: p.csBase >>> 0, phys: b.phys, code32: b.code32, valid: b.valid, compiled: p.compiled,
    records: b.recs.length, entries: p.entries, jitEntries: p.jitEntries, instructions: p.insns, jitInstructions: p.jitInsns,
    share: total ? p.insns / total : 0, wasmBytes: p.wasmBytes, inline: p.inline, callouts: p.callouts, compileUs: p.compileUs,
    disasm: profiler.disassemble(p),
  };
}

export function buildProfile(i: ProfileInputs): ProfileData {
  const all = [...i.profiler.blocks.values()];
  const compiled = all.filter((p) => p.compiled);
  const mods = i.profiler.modules;
  const counters = jitCounters(i.counters, i.frontEnd);
  const num = (k: string): number => (typeof counters[k] === 'number' ? counters[k] as number : 0);
  return {
    guest: i.guest,
    run: {
      end: i.end, instructions: i.instructions, translated: i.translated, interpreted: i.instructions - i.translated,
      wallMs: i.wallMs, cpuMs: i.cpuMs, mips: i.wallMs > 0 ? i.instructions / i.wallMs / 1000 : 0,
    },
    cache: {
      blocksSeen: all.length,
      blocksCompiled: compiled.length,
      modules: mods.length,
      liveBlocks: all.filter((p) => p.block.valid).length,
      compileMs: mods.reduce((a, m) => a + m.ms, 0),
      instructionsPerBlock: dist(compiled.map((p) => p.block.recs.length)),
      wasmBytesPerBlock: dist(compiled.map((p) => p.wasmBytes)),
      compileUsPerBlock: dist(compiled.map((p) => p.compileUs)),
      compileMsPerModule: dist(mods.map((m) => m.ms)),
      recordsInline: num('recordsInline'),
      recordsCallout: num('recordsCallout'),
    },
    counters,
    frontEnd: readCounters(i.frontEnd) as Record<string, number>,
    timeline: i.timeline,
    hottest: i.profiler.hottest(i.top).map((p, k) => hot(p, k + 1, i.instructions, i.profiler)),
  };
}

/** Counters the report shows in its own sections (the rest are listed under their names). */
export const KNOWN_COUNTERS = new Set(['blocksCompiled', 'modulesCompiled', 'compileMs', 'recordsInline', 'recordsCallout', 'moduleBytes', 'droppedInvalid']);

/** Group the other counters by what their names say (hits/misses, invalidations, evictions, exits). */
export function counterGroups(counters: Record<string, CounterValue>): { title: string; entries: [string, CounterValue][] }[] {
  const groups: { title: string; test: RegExp; entries: [string, CounterValue][] }[] = [
    { title: 'cache hits and misses', test: /hit|miss|lookup/i, entries: [] },
    { title: 'invalidations', test: /invalid|kill|smc/i, entries: [] },
    { title: 'evictions', test: /evict|flush|capacity/i, entries: [] },
    { title: 'chaining and returns to the loop', test: /exit|chain|link/i, entries: [] },
    { title: 'other JIT counters', test: /./, entries: [] },
  ];
  for (const [k, v] of Object.entries(counters)) {
    if (KNOWN_COUNTERS.has(k) && k !== 'droppedInvalid') continue;
    groups.find((g) => g.test.test(k))!.entries.push([k, v]);
  }
  return groups.map(({ title, entries }) => ({ title, entries }));
}

/** camelCase -> words. */
export function words(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
}
