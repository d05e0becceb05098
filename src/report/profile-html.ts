/**
 * `jitvisor profile --report FILE.html`: the ProfileData as one
 * self-contained page (inline CSS and SVG, no scripts, no external assets):
 * headline figures, instructions executed over time by engine, the
 * compile-time histogram, the hottest blocks as bars, the counters, and
 * each hot block's disassembly.
 */
import { counterGroups, words, type CounterValue, type Dist, type ProfileData } from './profile-data.js';
import { giga, hex8, int, pct } from './profile-text.js';

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const TRANSLATED = '#2f6fb3', INTERPRETED = '#e08a1e', BAR = '#5b8c5a', SHARE = '#1d2430';

/** A "nice" axis for values up to `v`: a 1-2-5 step giving about `ticks` intervals, and the maximum. */
function niceMax(v: number, ticks = 5): { max: number; step: number } {
  if (v <= 0) return { max: 1, step: 0.25 };
  const raw = v / ticks, e = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * e).find((x) => x >= raw)!;
  return { max: Math.ceil(v / step - 1e-9) * step, step };
}
/** A duration in µs, in µs or ms. */
const usText = (us: number): string => (us >= 1e6 ? `${(us / 1e6).toFixed(2)} s` : us >= 1000 ? `${(us / 1000).toFixed(1)} ms` : `${us.toFixed(0)} µs`);
const fmtTick = (v: number): string => (Math.abs(v) >= 1000 ? int(v) : Number.isInteger(v) ? String(v) : v.toFixed(v < 1 ? 2 : 1));

/** Instructions per second over time, stacked by engine (from cumulative samples). */
function timelineSvg(p: ProfileData): string {
  const W = 960, H = 300, L = 70, R = 75, T = 20, B = 45;
  const pts = p.timeline.filter((s, i, a) => i === 0 || s.ms > a[i - 1]!.ms);
  if (pts.length < 2) return '<p class="note">The run was too short for a timeline (fewer than two samples, 200 ms apart).</p>';
  const rows: { t0: number; t1: number; tr: number; it: number }[] = [];
  let prev = { ms: 0, instructions: 0, translated: 0 };
  for (const s of pts) {
    const dt = (s.ms - prev.ms) / 1000;
    if (dt <= 0) continue;
    const tr = (s.translated - prev.translated) / dt / 1e6, all = (s.instructions - prev.instructions) / dt / 1e6;
    rows.push({ t0: prev.ms / 1000, t1: s.ms / 1000, tr, it: Math.max(0, all - tr) });
    prev = s;
  }
  // At most ~150 columns: samples (200 ms apart) are merged into equal slices of the run, so spikes average out.
  const tMax = rows[rows.length - 1]!.t1;
  const cols = Math.min(150, rows.length), width = tMax / cols;
  const merged: typeof rows = [];
  for (let c = 0; c < cols; c++) merged.push({ t0: c * width, t1: (c + 1) * width, tr: 0, it: 0 });
  for (const r of rows) {
    // Spread each sample's instructions over the columns it overlaps.
    for (let c = Math.floor(r.t0 / width); c < cols && c * width < r.t1; c++) {
      const m = merged[c]!, ov = Math.min(r.t1, m.t1) - Math.max(r.t0, m.t0);
      if (ov > 0) { m.tr += (r.tr * ov) / width; m.it += (r.it * ov) / width; }
    }
  }
  rows.splice(0, rows.length, ...merged);
  const { max, step } = niceMax(Math.max(...rows.map((r) => r.tr + r.it)));
  const x = (t: number): number => L + ((W - L - R) * t) / tMax;
  const y = (v: number): number => T + (H - T - B) * (1 - v / max);
  const area = (f: (r: (typeof rows)[0]) => [number, number]): string => {
    const top = rows.flatMap((r) => { const [, hi] = f(r); return [`${x(r.t0).toFixed(1)},${y(hi).toFixed(1)}`, `${x(r.t1).toFixed(1)},${y(hi).toFixed(1)}`]; });
    const bot = rows.slice().reverse().flatMap((r) => { const [lo] = f(r); return [`${x(r.t1).toFixed(1)},${y(lo).toFixed(1)}`, `${x(r.t0).toFixed(1)},${y(lo).toFixed(1)}`]; });
    return [...top, ...bot].join(' ');
  };
  const grid: string[] = [];
  for (let v = 0; v <= max + 1e-9; v += step) {
    grid.push(`<line x1="${L}" x2="${W - R}" y1="${y(v)}" y2="${y(v)}" class="grid"/><text x="${L - 8}" y="${y(v) + 4}" text-anchor="end">${fmtTick(v)}</text>`);
  }
  // Right axis: the share of all instructions so far that ran translated (from the cumulative samples).
  const yp = (f: number): number => T + (H - T - B) * (1 - f);
  for (let q = 0; q <= 100; q += 25) grid.push(`<text x="${W - R + 8}" y="${yp(q / 100) + 4}" class="share">${q}%</text>`);
  const share = pts.filter((s) => s.instructions > 0).map((s) => `${x(s.ms / 1000).toFixed(1)},${yp(s.translated / s.instructions).toFixed(1)}`).join(' ');
  const ts = niceMax(tMax, 8);
  for (let t = 0; t <= tMax + 1e-9; t += ts.step) grid.push(`<text x="${x(t)}" y="${H - B + 18}" text-anchor="middle">${fmtTick(t)}</text>`);
  return `<svg viewBox="0 0 ${W} ${H}" class="chart" role="img" aria-label="instructions per second by engine">
${grid.join('\n')}
<polygon points="${area((r) => [0, r.tr])}" fill="${TRANSLATED}" opacity="0.85"/>
<polygon points="${area((r) => [r.tr, r.tr + r.it])}" fill="${INTERPRETED}" opacity="0.85"/>
<polyline points="${share}" fill="none" stroke="${SHARE}" stroke-width="2"/>
<line x1="${L}" x2="${L}" y1="${T}" y2="${H - B}" class="axis"/><line x1="${L}" x2="${W - R}" y1="${H - B}" y2="${H - B}" class="axis"/>
<line x1="${W - R}" x2="${W - R}" y1="${T}" y2="${H - B}" class="axis"/>
<text x="${(L + W - R) / 2}" y="${H - 6}" text-anchor="middle" class="label">wall time since start, s</text>
<text transform="translate(16 ${(T + H - B) / 2}) rotate(-90)" text-anchor="middle" class="label">M guest instructions/s</text>
<text transform="translate(${W - 14} ${(T + H - B) / 2}) rotate(90)" text-anchor="middle" class="label">translated so far</text>
</svg>`;
}

/** Vertical bars of a power-of-two histogram. */
function histSvg(d: Dist, unit: string, what: string): string {
  if (d.count === 0) return '<p class="note">No blocks were compiled.</p>';
  const W = 960, H = 280, L = 70, R = 20, T = 20, B = 55;
  const n = d.bins.length, bw = (W - L - R) / n;
  const { max, step } = niceMax(Math.max(...d.bins.map((b) => b.count)));
  const y = (v: number): number => T + (H - T - B) * (1 - v / max);
  const label = (v: number): string => (v >= 1e6 ? `${v / 1e6}M` : v >= 1000 ? `${v / 1000}k` : v < 1 ? v.toFixed(2) : String(v));
  // Bins are 1-2-5 steps. Times in µs: once a bin reaches 1 ms, every bin is labelled in ms (the unit is in
  // the axis title), so that labels stay short enough not to run into each other.
  const time = unit.startsWith('µs'), inMs = time && d.bins[d.bins.length - 1]!.hi > 1000;
  const range = (b: { lo: number; hi: number }): string => (inMs ? `${b.lo / 1000}–${b.hi / 1000}` : `${label(b.lo)}–${label(b.hi)}`);
  const out: string[] = [];
  for (let v = 0; v <= max + 1e-9; v += step) out.push(`<line x1="${L}" x2="${W - R}" y1="${y(v)}" y2="${y(v)}" class="grid"/><text x="${L - 8}" y="${y(v) + 4}" text-anchor="end">${fmtTick(v)}</text>`);
  d.bins.forEach((b, i) => {
    const x0 = L + i * bw + 3;
    out.push(`<rect x="${x0}" y="${y(b.count)}" width="${bw - 6}" height="${y(0) - y(b.count)}" fill="${BAR}"><title>${range(b)} ${inMs ? 'ms' : esc(unit)}: ${int(b.count)} ${esc(what)}</title></rect>`);
    out.push(`<text x="${x0 + (bw - 6) / 2}" y="${y(b.count) - 5}" text-anchor="middle" class="small">${int(b.count)}</text>`);
    out.push(`<text x="${x0 + (bw - 6) / 2}" y="${H - B + 18}" text-anchor="middle">${esc(range(b))}</text>`);
  });
  return `<svg viewBox="0 0 ${W} ${H}" class="chart" role="img" aria-label="${esc(what)}">
${out.join('\n')}
<line x1="${L}" x2="${L}" y1="${T}" y2="${H - B}" class="axis"/><line x1="${L}" x2="${W - R}" y1="${H - B}" y2="${H - B}" class="axis"/>
<text x="${(L + W - R) / 2}" y="${H - 8}" text-anchor="middle" class="label">${esc(time ? `compile time per block, ${inMs ? 'ms' : 'µs'}` : unit)}</text>
<text transform="translate(16 ${(T + H - B) / 2}) rotate(-90)" text-anchor="middle" class="label">${esc(what)}</text>
</svg>`;
}

/** Horizontal bars: the hottest blocks' instructions, split by engine, with their length and entries in columns. */
function hotSvg(p: ProfileData): string {
  const hs = p.hottest;
  if (hs.length === 0) return '<p class="note">No blocks ran.</p>';
  const W = 960, row = 30, T = 34, L = 330, R = 150, H = T + row * hs.length + 10;
  const max = Math.max(...hs.map((h) => h.instructions), 1);
  const x = (v: number): number => L + ((W - L - R) * v) / max;
  const head = `<text x="8" y="20" class="head">block (EIP)</text><text x="215" y="20" text-anchor="end" class="head">length</text>` +
    `<text x="${L - 12}" y="20" text-anchor="end" class="head">entries</text><text x="${L}" y="20" class="head">guest instructions retired in it (share of the run)</text>` +
    `<line x1="8" x2="${W - 8}" y1="28" y2="28" class="grid"/>`;
  const copies = new Map<string, number>();
  const out = hs.map((h, i) => {
    const y0 = T + i * row;
    const at = `${h.code32 ? '' : `${(h.csBase >>> 4).toString(16)}:`}${hex8(h.eip)}`;
    // Another block at the same EIP (decoded again after its code was killed, or another mapping): numbered.
    const copy = (copies.get(at) ?? 0) + 1;
    copies.set(at, copy);
    const name = `#${h.rank} ${at}${copy > 1 ? ` (${copy})` : ''}${h.valid ? '' : ' †'}`;
    return `<text x="8" y="${y0 + 19}" class="mono">${esc(name)}</text>` +
      `<text x="215" y="${y0 + 19}" text-anchor="end" class="small">${h.records} instr.</text>` +
      `<text x="${L - 12}" y="${y0 + 19}" text-anchor="end" class="small">${esc(giga(h.entries))}</text>
<rect x="${L}" y="${y0 + 4}" width="${Math.max(0, x(h.jitInstructions) - L)}" height="${row - 10}" fill="${TRANSLATED}"><title>${int(h.jitInstructions)} translated</title></rect>
<rect x="${x(h.jitInstructions)}" y="${y0 + 4}" width="${Math.max(0, x(h.instructions) - x(h.jitInstructions))}" height="${row - 10}" fill="${INTERPRETED}"><title>${int(h.instructions - h.jitInstructions)} interpreted</title></rect>
<text x="${x(h.instructions) + 6}" y="${y0 + 19}">${giga(h.instructions)} (${(100 * h.share).toFixed(1)}%)</text>`;
  });
  return `<svg viewBox="0 0 ${W} ${H}" class="chart" role="img" aria-label="hottest blocks">${head}\n${out.join('\n')}</svg>`;
}

/** A counter's value: times (names ending in Ms) with their unit; "by reason" tables on one line, largest first. */
function counterCell(name: string, v: CounterValue): string {
  if (typeof v === 'number') {
    if (/Ms$/.test(name)) return v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(1)} ms`;
    return Number.isInteger(v) ? int(v) : v.toFixed(1);
  }
  const e = Object.entries(v).sort((a, b) => b[1] - a[1]);
  return e.length === 0 ? '(none)' : e.map(([k, n]) => `${esc(k)} <b>${int(n)}</b>`).join(' &middot; ');
}
/** Counters whose names alone do not say what they measure (counters.ts). */
const COUNTER_NAMES: Record<string, string> = {
  workerEmitMs: 'worker: binaryen (module bytes), total', workerCompileMs: 'worker: V8 compile, total',
  instantiateMs: 'main thread: instantiate and attach, total', latencyMs: 'batch sent to code attached, total wall time',
  batchesSent: 'batches sent to the worker', staleAtAttach: 'compiled blocks already dead at attach',
  workerStops: 'idle worker ended (memory)', workerDropped: 'requests dropped (their worker died)', workerRequeued: 'their blocks queued again', droppedInvalid: 'hot blocks dead before compiling',
  frontEndLookups: 'front end lookups', frontEndKills: 'blocks killed by the front end, by reason', frontEndEvictions: 'front end evictions',
};
/** A counter's name in words, without the unit its value now carries. */
const counterName = (k: string): string => esc(COUNTER_NAMES[k] ?? words(k.replace(/Ms$/, '')));

export function profileHtml(p: ProfileData): string {
  const r = p.run, c = p.cache, fe = p.frontEnd;
  const tiles: [string, string][] = [
    ['guest instructions', giga(r.instructions)],
    ['run translated', pct(r.translated, r.instructions)],
    ['wall time', `${(r.wallMs / 1000).toFixed(1)} s`],
    ['M instructions/s', r.mips.toFixed(1)],
    ['blocks compiled', int(c.blocksCompiled)],
    ['compile time', `${(c.compileMs / 1000).toFixed(2)} s`],
  ];
  const rows: [string, string][] = [
    ['instructions translated / interpreted', `${int(r.translated)} / ${int(r.interpreted)} (total ${int(r.instructions)})`],
    ['blocks run (still valid)', `${int(c.blocksSeen)} (${int(c.liveBlocks)})`],
    ['blocks compiled, modules', `${int(c.blocksCompiled)} in ${int(c.modules)} modules`],
    ['guest instructions per compiled block', `median ${c.instructionsPerBlock.median}, mean ${c.instructionsPerBlock.mean.toFixed(1)}, max ${c.instructionsPerBlock.max}`],
    ['wasm bytes per compiled block', `median ${int(c.wasmBytesPerBlock.median)}, mean ${int(c.wasmBytesPerBlock.mean)}, max ${int(c.wasmBytesPerBlock.max)}`],
    ['records inline / call-outs', `${int(c.recordsInline)} / ${int(c.recordsCallout)} (${pct(c.recordsInline, c.recordsInline + c.recordsCallout)} inline)`],
    ['compile time per module', `median ${usText(1000 * c.compileMsPerModule.median)}, max ${usText(1000 * c.compileMsPerModule.max)}`],
    // invalidations counts kill events of every reason (a store into decoded code, a mapping change, a flush, an eviction pass).
    ['blocks killed (front end)', `${int(fe.blocksKilled ?? 0)} in ${int(fe.invalidations ?? 0)} kill events (by reason below); ${int(fe.smcPages ?? 0)} pages put in SMC mode`],
  ];
  // The JIT's other counters, under a heading per group (a row with an empty value is a heading).
  for (const g of counterGroups(p.counters)) {
    const title = g.title === 'other JIT counters' ? 'compile worker and other JIT counters' : g.title;
    if (g.entries.length === 0) { if (g.title !== 'other JIT counters') rows.push([title, '<span class="note">not counted by this JIT yet</span>']); continue; }
    rows.push([title[0]!.toUpperCase() + title.slice(1), '']);
    for (const [k, v] of g.entries) rows.push([counterName(k), counterCell(k, v)]);
    if (g.title.startsWith('chaining') && p.counters.chainedTransfers === 0) rows.push(['', '<span class="note">jitvisor profile runs with chaining off (exact per-block counts): chained transfers and these exits (counted by chained code) are 0</span>']);
  }
  const blocks = p.hottest.map((h) => `<details${h.rank <= 3 ? ' open' : ''}><summary><b>#${h.rank}</b> <code>${h.code32 ? '' : `${(h.csBase >>> 4).toString(16)}:`}${hex8(h.eip)}</code>
 — ${int(h.instructions)} instructions (${(100 * h.share).toFixed(1)}%), ${int(h.entries)} entries,
 ${h.compiled ? `compiled (${pct(h.jitInstructions, h.instructions)} of its instructions; ${int(h.wasmBytes)} B wasm; ${h.inline} inline, ${h.callouts} call-outs)` : 'not compiled'}${h.valid ? '' : ' — invalidated'}</summary>
<pre>${h.disasm.map((l) => `<span class="addr">${hex8(l.eip)}</span>  <span class="bytes">${l.bytes.padEnd(20)}</span> ${esc(l.text)}`).join('\n')}</pre></details>`).join('\n');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>jitvisor profile: ${esc(p.guest.kernel)}</title>
<style>
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #1d2430; background: #f6f7f9; margin: 0; }
main { max-width: 1000px; margin: 0 auto; padding: 24px 20px 48px; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 32px 0 8px; border-bottom: 1px solid #d5d9e0; padding-bottom: 4px; }
.sub { color: #525c6b; margin: 0 0 16px; }
.tiles { display: grid; grid-template-columns: repeat(6, 1fr); gap: 10px; }
.tile { background: #fff; border: 1px solid #d5d9e0; border-radius: 8px; padding: 10px 12px; }
.tile .v { font-size: 22px; font-weight: 650; } .tile .k { color: #525c6b; font-size: 13px; }
.chart { width: 100%; height: auto; background: #fff; border: 1px solid #d5d9e0; border-radius: 8px; }
.chart text { font-size: 13px; fill: #364152; } .chart .small { font-size: 12px; } .chart .label { font-size: 14px; fill: #1d2430; }
.chart .mono, code, pre { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; }
.chart .grid { stroke: #e6e9ee; } .chart .head { font-size: 12px; fill: #6b7585; } .chart .share { font-size: 12px; fill: #1d2430; } .chart .axis { stroke: #6b7585; }
.legend { margin: 6px 0; color: #364152; } .ln { display: inline-block; width: 16px; height: 2px; vertical-align: 4px; margin: 0 4px 0 12px; } .sw { display: inline-block; width: 12px; height: 12px; border-radius: 2px; vertical-align: -1px; margin: 0 4px 0 12px; }
table { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid #d5d9e0; }
td { padding: 5px 10px; border-top: 1px solid #eceff3; vertical-align: top; } td:first-child { color: #525c6b; width: 40%; }
tr.group td { color: #1d2430; font-weight: 650; background: #f0f2f5; padding-top: 8px; }
details { background: #fff; border: 1px solid #d5d9e0; border-radius: 8px; margin: 8px 0; padding: 8px 12px; }
summary { cursor: pointer; } pre { margin: 8px 0 0; font-size: 13px; overflow-x: auto; }
.addr { color: #2f6fb3; } .bytes { color: #8a93a1; } .note { color: #6b7585; }
</style></head>
<body><main>
<h1>jitvisor profile</h1>
<p class="sub">${esc(p.guest.kernel)}${p.guest.initrd ? ` + ${esc(p.guest.initrd)}` : ''}, <code>${esc(p.guest.cmdline)}</code>, ${p.guest.memoryMiB} MiB, ${esc(p.guest.cpu)}, ${esc(p.guest.clock)} clock, JIT threshold ${p.guest.jitThreshold}. Run ended: ${esc(r.end)}.</p>
<div class="tiles">${tiles.map(([k, v]) => `<div class="tile"><div class="v">${esc(v)}</div><div class="k">${esc(k)}</div></div>`).join('')}</div>
<h2>Guest instructions executed over time, by engine</h2>
<div class="legend"><span class="sw" style="background:${TRANSLATED}"></span>translated (compiled code): ${giga(r.translated)} instructions, ${pct(r.translated, r.instructions)}` +
`<span class="sw" style="background:${INTERPRETED}"></span>interpreted: ${giga(r.interpreted)}, ${pct(r.interpreted, r.instructions)}` +
`<span class="ln" style="background:${SHARE}"></span>share translated so far (right axis)</div>
${timelineSvg(p)}
<h2>Compile time per block</h2>
<p class="note">Each module's compile time (binaryen + WebAssembly.Module) shared out over its blocks; ${int(c.blocksCompiled)} blocks, ${(c.compileMs / 1000).toFixed(2)} s in all, median ${usText(c.compileUsPerBlock.median)} a block.</p>
${histSvg(c.compileUsPerBlock, 'µs per block', 'blocks')}
<h2>Hottest blocks</h2>
<p class="note">By guest instructions retired in the block; entries: times the loop ran it (a block that loops on itself in wasm is one entry for all its passes). (2), (3): other blocks at the same EIP (decoded again after the first was killed, or another physical page); †: not live at the end (killed: its code was written or unmapped, or evicted by the cache bound). Disassembly below.</p>
<div class="legend"><span class="sw" style="background:${TRANSLATED}"></span>run translated<span class="sw" style="background:${INTERPRETED}"></span>run interpreted</div>
${hotSvg(p)}
<h2>Translation cache</h2>
<table>${rows.map(([k, v]) => (v === '' ? `<tr class="group"><td colspan="2">${k}</td></tr>` : `<tr><td>${k}</td><td>${v}</td></tr>`)).join('\n')}</table>
<h2>Hottest blocks, disassembled</h2>
${blocks}
</main></body></html>
`;
}
