/** `jitvisor profile` on the terminal: the ProfileData as text. */
import { counterGroups, words, type CounterValue, type Dist, type ProfileData } from './profile-data.js';

export const int = (n: number): string => Math.round(n).toLocaleString('en-US');
export const pct = (a: number, b: number): string => (b > 0 ? `${((100 * a) / b).toFixed(1)}%` : '-');
export const hex8 = (v: number): string => (v >>> 0).toString(16).padStart(8, '0');
export function giga(n: number): string {
  return n >= 1e9 ? `${(n / 1e9).toFixed(2)} G` : n >= 1e6 ? `${(n / 1e6).toFixed(1)} M` : n >= 1e4 ? `${(n / 1e3).toFixed(1)} k` : String(n);
}

function distLine(d: Dist, unit: string, digits = 0): string {
  if (d.count === 0) return 'none';
  const f = (x: number): string => x.toFixed(digits);
  return `median ${f(d.median)}${unit}, mean ${d.mean.toFixed(1)}${unit}, 90% <= ${f(d.p90)}${unit}, min ${f(d.min)}${unit}, max ${f(d.max)}${unit} (${int(d.count)})`;
}

/** A histogram as bars, one line per power-of-two bin. */
export function bars(d: Dist, unit: string, width = 40): string[] {
  const peak = Math.max(1, ...d.bins.map((b) => b.count));
  const label = (x: number): string => (x >= 1e6 ? `${x / 1e6}M` : x >= 1000 ? `${x / 1000}k` : String(x));
  return d.bins.map((b) => {
    const n = Math.max(b.count > 0 ? 1 : 0, Math.round((width * b.count) / peak));
    return `    ${`${label(b.lo)}-${label(b.hi)}${unit}`.padStart(16)} ${'#'.repeat(n).padEnd(width)} ${int(b.count)}`;
  });
}

function counterText(v: CounterValue): string {
  if (typeof v === 'number') return Number.isInteger(v) ? int(v) : v.toFixed(1);
  const e = Object.entries(v).sort((a, b) => b[1] - a[1]);
  return e.length === 0 ? '(none)' : e.map(([k, n]) => `${k} ${int(n)}`).join(', ');
}

export function profileText(p: ProfileData): string {
  const r = p.run, c = p.cache, out: string[] = [];
  out.push(`jitvisor profile: ${p.guest.kernel}${p.guest.initrd ? ` + ${p.guest.initrd}` : ''}, "${p.guest.cmdline}", ${p.guest.memoryMiB} MiB, ${p.guest.cpu}, ${p.guest.clock} clock, JIT threshold ${p.guest.jitThreshold}`);
  out.push(`run: ${r.end}; ${int(r.instructions)} guest instructions in ${(r.wallMs / 1000).toFixed(1)} s wall, ${(r.cpuMs / 1000).toFixed(1)} s CPU (${r.mips.toFixed(1)} M instructions/s)`);
  out.push('');
  out.push('Instructions by engine');
  out.push(`  translated (compiled code)  ${int(r.translated).padStart(16)}  ${pct(r.translated, r.instructions).padStart(6)}`);
  out.push(`  interpreted                 ${int(r.interpreted).padStart(16)}  ${pct(r.interpreted, r.instructions).padStart(6)}`);
  out.push(`  total                       ${int(r.instructions).padStart(16)}`);
  out.push('');
  out.push('Translation cache');
  out.push(`  blocks run ${int(c.blocksSeen)} (${int(c.liveBlocks)} still valid); compiled ${int(c.blocksCompiled)} in ${int(c.modules)} modules`);
  out.push(`  guest instructions per compiled block: ${distLine(c.instructionsPerBlock, '')}`);
  out.push(`  wasm bytes per compiled block (function body): ${distLine(c.wasmBytesPerBlock, ' B')}`);
  out.push(`  records inline ${int(c.recordsInline)}, through call-outs ${int(c.recordsCallout)} (${pct(c.recordsInline, c.recordsInline + c.recordsCallout)} inline)`);
  out.push(`  compile time ${int(c.compileMs)} ms total; per module: ${distLine(c.compileMsPerModule, ' ms', 1)}`);
  out.push(`  compile time per block (its module's time / its blocks): ${distLine(c.compileUsPerBlock, ' us')}`);
  out.push(...bars(c.compileUsPerBlock, ' us'));
  const fe = p.frontEnd;
  // invalidations counts kill events of every reason (a store into decoded code, a mapping change, a flush, an eviction pass).
  out.push(`  blocks killed (front end): ${int(fe.blocksKilled ?? 0)} in ${int(fe.invalidations ?? 0)} kill events (smc ${int(fe.killedSmc ?? 0)}, ` +
    `mapping ${int(fe.killedMapping ?? 0)}, flush ${int(fe.killedFlush ?? 0)}, evicted ${int(fe.evicted ?? 0)}); ` +
    `${int(fe.codeWritesIgnored ?? 0)} stores to code pages changed no code; pages put in SMC mode ${int(fe.smcPages ?? 0)}; ` +
    `blocks decoded ${int(fe.blocksDecoded ?? 0)}`);
  for (const g of counterGroups(p.counters)) {
    if (g.entries.length === 0) {
      if (g.title !== 'other JIT counters') out.push(`  ${g.title}: not counted by this JIT yet`);
      continue;
    }
    out.push(`  ${g.title}: ${g.entries.map(([k, v]) => `${words(k)} ${counterText(v)}`).join('; ')}`);
  }
  out.push('');
  out.push(`Hottest blocks (by guest instructions retired in them)`);
  for (const h of p.hottest) {
    out.push(`#${h.rank}  ${h.code32 ? '' : `${(h.csBase >>> 4).toString(16)}:`}${hex8(h.eip)} (physical ${hex8(h.phys)}, ${h.code32 ? '32' : '16'}-bit)  ` +
      `${int(h.instructions)} instructions (${(100 * h.share).toFixed(1)}% of all), ${int(h.entries)} entries, ` +
      `${h.compiled ? `compiled: ${pct(h.jitInstructions, h.instructions)} of its instructions, ${int(h.wasmBytes)} B wasm, ${h.inline} inline / ${h.callouts} call-outs` : 'not compiled'}` +
      `${h.valid ? '' : ' [invalidated]'}`);
    for (const l of h.disasm) out.push(`      ${hex8(l.eip)}  ${l.bytes.padEnd(20)} ${l.text}`);
  }
  return out.join('\n') + '\n';
}
