/**
 * Which instruction forms the default guest executes, and whether the JIT
 * generates them inline; and, on the JIT, how much of a window of guest
 * execution ran in compiled code. Boots the kernel in deterministic mode
 * (both engines then run the same instruction stream), skips to the start
 * of a window, and measures the window:
 *
 *   node dist/bench/histogram.js [--engine interpreter|jit] [--bench] [--skip N] [--window N]
 *                                [--top K] [--json FILE]
 *
 *   --bench    cmdline "console=ttyS0 bench=1"; the window starts `--skip`
 *              instructions after the serial line GUEST-BENCH-START (else at
 *              instruction `--skip` of the boot, cmdline "console=ttyS0")
 *   --window   instructions measured (default 2e9; stops early when the guest ends)
 *   --engine   interpreter (default): exact per-record counts (each record's
 *              handler wrapped), the per-form histogram with the share the JIT
 *              would run inline (each block walked as compile.ts walks it);
 *              jit: the JIT's counters over the window (share of instructions
 *              retired by compiled code, blocks compiled / killed) and the
 *              hottest blocks that ran without compiled code, by hit count
 *
 * Results are kept in bench/results/histogram-*.txt.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Pc } from '../src/pc.js';
import { RecordCounter, formOf } from '../translator/jit/profile.js';
import type { Block } from '../runtime/records.js';

const guests = fileURLToPath(new URL('../../guests/', import.meta.url));
const args = process.argv.slice(2);
const opt = (name: string, def: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1]! : def;
};
const engine = opt('engine', 'interpreter');
if (engine !== 'interpreter' && engine !== 'jit') { console.error('--engine: interpreter or jit'); process.exit(2); }
const bench = args.includes('--bench');
const skip = Number(opt('skip', '0')), window = Number(opt('window', '2e9')), top = Number(opt('top', '60'));
const jsonOut = opt('json', '');
if (!(skip >= 0) || !(window > 0)) { console.error('--skip / --window: instruction counts'); process.exit(2); }

let line = '', started = !bench;
const pc = new Pc({
  memoryMiB: 128, engine, clock: 'deterministic',
  onSerialOutput: (b) => {
    if (b !== 0x0a) { if (line.length < 200) line += String.fromCharCode(b); return; }
    if (line.startsWith('GUEST-BENCH-START')) started = true;
    line = '';
  },
});
const fe = pc.machine.frontEnd, jit = pc.machine.jit;
const counter = engine === 'interpreter' ? new RecordCounter() : null;
const get = fe.get.bind(fe);
/** Blocks fetched by the loop (the JIT engine: to find the hot ones that ran interpreted). */
const fetched = new Set<Block>();
fe.get = (phys, lin, code32) => {
  const b = get(phys, lin, code32);
  if (counter) counter.watch(b); else fetched.add(b);
  return b;
};
pc.bootLinux(new Uint8Array(readFileSync(guests + 'linux-686.bzImage')), 'linux-686.bzImage', bench ? 'console=ttyS0 bench=1' : 'console=ttyS0',
  new Uint8Array(readFileSync(guests + 'initramfs.cpio.gz')), 'initramfs.cpio.gz');

/** Run until `done()` or the guest ends; false when it ended. */
function runUntil(done: () => boolean): boolean {
  while (!done()) if (pc.step(Infinity) < 0) return false;
  return true;
}
const t0 = performance.now();
if (!runUntil(() => started)) { console.error('the guest ended before GUEST-BENCH-START'); process.exit(1); }
const startAt = pc.executed + skip;
const limit = (): boolean => pc.executed >= startAt;
while (!limit()) if (pc.step(startAt - pc.executed) < 0) { console.error('the guest ended before the window'); process.exit(1); }

// ---- the window
const c0 = { ...(jit?.counters ?? {}) } as Record<string, number>;
const s0 = { ...fe.stats };
const e0 = pc.executed, k0 = pc.compiled;
counter?.reset();
const hits0 = new Map<Block, number>();
for (const b of fetched) hits0.set(b, b.hits);
fetched.clear();
for (const b of hits0.keys()) fetched.add(b);
const tw = performance.now(), cpu0 = process.cpuUsage();
const endAt = e0 + window;
let ended = false;
while (pc.executed < endAt) if (pc.step(endAt - pc.executed) < 0) { ended = true; break; }
const ms = performance.now() - tw, cpu = process.cpuUsage(cpu0), cpuMs = (cpu.user + cpu.system) / 1000;
const ran = pc.executed - e0;

const out: string[] = [];
const where = bench ? `GUEST-BENCH-START + ${skip}` : `boot instruction ${skip}`;
out.push(`# node dist/bench/histogram.js ${args.join(' ')}`);
out.push(`# window: ${ran} instructions from ${where} (absolute ${e0}), engine ${engine}, ${(ms / 1000).toFixed(1)} s wall, ${(cpuMs / 1000).toFixed(1)} s CPU (${(ran / cpuMs / 1000).toFixed(1)} M instr per CPU s), boot+skip ${((tw - t0) / 1000).toFixed(1)} s${ended ? ', the guest ended' : ''}`);
out.push(`# front end in the window: ${fe.stats.blocksDecoded - s0.blocksDecoded} blocks decoded, ${fe.stats.blocksKilled - s0.blocksKilled} killed in ${fe.stats.invalidations - s0.invalidations} invalidations, ${fe.stats.smcPages - s0.smcPages} pages put in SMC mode`);
const json: Record<string, unknown> = { args, engine, bench, skip, window: ran, startAbsolute: e0, ms, cpuMs };
if (jit) {
  const c = jit.counters as unknown as Record<string, number>;
  const d = (k: string): number => (c[k] ?? 0) - (c0[k] ?? 0);
  const compiled = pc.compiled - k0;
  out.push(`# JIT in the window: ${((100 * compiled) / Math.max(1, ran)).toFixed(1)}% of instructions retired by compiled code; ` +
    `${d('blocksCompiled')} blocks compiled in ${d('modulesCompiled')} modules (${d('compileMs').toFixed(0)} ms), ${d('droppedInvalid')} dropped (invalid before compiling), ` +
    `records compiled inline ${d('recordsInline')} / call-out ${d('recordsCallout')}`);
  out.push(`# hottest blocks that ran in the window without compiled code (hits in the window, lin, records, why):`);
  const cold = [...fetched].filter((b) => b.jit === null).map((b) => ({ b, h: b.hits - (hits0.get(b) ?? 0) }))
    .filter((x) => x.h > 0).sort((x, y) => y.h - x.h).slice(0, top);
  for (const { b, h } of cold) {
    const why = !b.valid ? 'killed' : b.hits < (jit.hotAt ?? 0) ? `not hot (${b.hits} hits)` : 'hot, not compiled yet';
    out.push(`${String(h).padStart(10)}  phys ${b.phys.toString(16).padStart(8, '0')}  ${String(b.recs.length).padStart(3)} recs  ${why}  ${b.recs.slice(0, 4).map(formOf).join('; ')}`);
  }
  const hot = [...fetched].map((b) => ({ b, h: b.hits - (hits0.get(b) ?? 0) })).filter((x) => x.h > 0);
  const total = hot.reduce((a, x) => a + x.h, 0), withJit = hot.filter((x) => x.b.jit !== null).reduce((a, x) => a + x.h, 0);
  out.push(`# block entries in the window: ${total}, of blocks that have compiled code now: ${((100 * withJit) / Math.max(1, total)).toFixed(1)}%`);
  json.jit = { compiled, counters: Object.fromEntries(Object.keys(c).map((k) => [k, d(k)])) };
}
if (counter) {
  const h = counter.forms();
  const total = h.reduce((a, c) => a + c.count, 0);
  let acc = 0;
  const inl = h.reduce((a, c) => a + c.inline, 0);
  out.push(`# ${total} record executions counted; inline share (each block walked as compile.ts does): ${((100 * inl) / Math.max(1, total)).toFixed(1)}%`);
  out.push(`#  share   cum.  inline%  form`);
  for (const c of h.slice(0, top)) {
    acc += c.count;
    out.push(`${((100 * c.count) / total).toFixed(2).padStart(6)}% ${((100 * acc) / total).toFixed(1).padStart(5)}%  ${((100 * c.inline) / c.count).toFixed(0).padStart(5)}%  ${c.form}`);
  }
  json.forms = h;
  json.total = total;
}
console.log(out.join('\n'));
if (jsonOut) writeFileSync(jsonOut, JSON.stringify(json, null, 1));
process.exit(0);
