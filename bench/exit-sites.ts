/**
 * Global-cache transfers per exit site (source block, target block), from a
 * snapshot: the window runs with `{"global": false}` on top of the given
 * JitOptions, so that every exit the global dispatch cache would take
 * returns to the loop instead, and the loop's `ran` hook attributes each
 * such return to (exit kind, source block, target block). Prints the counts
 * per 1e9 instructions by class (thunk calls and RETs, static / indirect,
 * same or other module, same or other page, whether the source's successor
 * hints named the target when it was sent), each indirect site's coverage by
 * its top 1/2/4/8 targets, and the top source sites (docs/jit-plan.md,
 * "Measured (session 14, xmod14)").
 *
 *   node dist/bench/exit-sites.js SNAPSHOT WARMUP WINDOW [JITJSON] [--top N] [--fe JSON]
 */
import { Machine } from '../src/vm.js';
import type { Jit, JitOptions } from '../translator/jit/engine.js';
import type { Cpu } from '../runtime/cpu.js';
import type { Block } from '../runtime/records.js';
import type { FrontEnd } from '../translator/frontend/blocks.js';
import { XFER_NAMES, XFER_RET_STATIC, XFER_RET_IND, XFER_RET_OTHER, xferAt } from '../translator/jit/chain.js';
import { ICOUNT, CUR_BLOCK, RAM_BASE } from '../runtime/state/layout.js';

const args = process.argv.slice(2);
const [snap, warmS, winS] = args;
if (snap === undefined || warmS === undefined || winS === undefined) {
  process.stderr.write('usage: exit-sites SNAPSHOT WARMUP WINDOW [JITJSON] [--top N] [--fe JSON]\n');
  process.exit(2);
}
const warm = Number(warmS), win = Number(winS);
const opt = (name: string): string | undefined => { const i = args.indexOf(`--${name}`); return i >= 0 && i + 1 < args.length ? args[i + 1] : undefined; };
const jitOpts = JSON.parse(args[3] !== undefined && !args[3].startsWith('--') ? args[3] : '{}') as JitOptions;
const topN = Number(opt('top') ?? 25);
const m = await Machine.restore(snap, { jit: { ...jitOpts, global: false } });
const mach = (m as unknown as { pc: { machine: { jit: Jit; cpu: Cpu; frontEnd: FrontEnd } } }).pc.machine;
Object.assign(mach.frontEnd, JSON.parse(opt('fe') ?? '{}') as Partial<FrontEnd>);
const jit = mach.jit, cpu = mach.cpu;
// The successor hints a block is sent with (pack.ts: its successor cache when its batch goes).
const sentHints = new WeakMap<Block, (number | undefined)[]>();
const j = jit as unknown as { send: (blocks: Block[], prio: boolean) => number };
const send = j.send.bind(jit);
j.send = (blocks, prio) => { for (const b of blocks) sentHints.set(b, [b.chainBlock0?.phys, b.chainBlock1?.phys]); return send(blocks, prio); };
await m.run({ instructions: warm });
const jc = jit.counters;
const x0 = [...jc.xfers], d0 = jc.direct.n;
type Kind = 'static' | 'ind' | 'other';
interface Edge { n: number; src: Block; dst: Block; kind: Kind; srcMod: object | undefined; dstMod: object | undefined }
const edges = new Map<string, Edge>();
let pending: { kind: Kind; src: Block; ic: number } | null = null;
const s = cpu.s, W = [XFER_RET_STATIC, XFER_RET_IND, XFER_RET_OTHER].map((k) => xferAt(k) >> 2);
let last = W.map((k) => s[k]!);
jit.ran = (b: Block, _n: number, compiled: boolean): void => {
  const ic = cpu.f64[ICOUNT >> 3]!;
  if (pending !== null && ic !== pending.ic) {
    const key = `${pending.kind} ${pending.src.phys} ${b.phys}`;
    let e = edges.get(key);
    if (e === undefined) edges.set(key, e = { n: 0, src: pending.src, dst: b, kind: pending.kind, srcMod: jit.cache.moduleOf(pending.src), dstMod: jit.cache.moduleOf(b) });
    e.n++;
    pending = null;
  }
  if (!compiled) return;
  const now = W.map((k) => s[k]!);
  let kind = -1;
  for (let i = 0; i < 3; i++) { if (now[i]! < last[i]!) last[i] = 0; if (now[i]! > last[i]!) kind = i; }
  last = now;
  if (kind >= 0) pending = { kind: (['static', 'ind', 'other'] as const)[kind]!, src: cpu.jitBlocks[s[CUR_BLOCK >> 2]!] ?? b, ic };
};
await m.run({ instructions: win });
jit.ran = undefined;
const per = 1e9 / win, M = (n: number): string => (n * per / 1e6).toFixed(2);
const mem = new Uint8Array(cpu.phys.memory.buffer);
const modNo = new Map<object, number>();
const mod = (o: object | undefined): string => { if (o === undefined) return '-'; if (!modNo.has(o)) modNo.set(o, modNo.size + 1); return `m${modNo.get(o)}`; };
/** The last record's opcode, roughly (a paired RET's is its C3: its block ends at its fall-through). */
const op = (b: Block): string => {
  let p = RAM_BASE + b.phys + b.recs[b.recs.length - 1]!.off;
  while ([0x66, 0x67, 0xf2, 0xf3, 0x2e, 0x3e, 0x26, 0x36, 0x64, 0x65].includes(mem[p]!)) p++;
  const o = mem[p]!, r = (mem[p + 1]! >> 3) & 7;
  if (o === 0xc3 || o === 0xc2) return 'ret';
  if (o === 0xe8) return 'call';
  if (o === 0xe9 || o === 0xeb) return 'jmp';
  if ((o >= 0x70 && o <= 0x7f) || (o === 0x0f && mem[p + 1]! >= 0x80 && mem[p + 1]! <= 0x8f)) return 'jcc';
  return o === 0xff ? (r === 2 ? 'call*' : r === 4 ? 'jmp*' : `ff/${r}`) : `x${o.toString(16)}`;
};
const thunk = (b: Block): boolean => { const a = RAM_BASE + b.phys; return mem[a] === 0x8b && (mem[a + 1]! & 0xc7) === 0x04 && mem[a + 2] === 0x24 && mem[a + 3] === 0xc3; };
const all = [...edges.values()];
const classes = new Map<string, number>();
for (const e of all) {
  const same = e.srcMod !== undefined && e.srcMod === e.dstMod;
  const page = e.src.phys >>> 12 === e.dst.phys >>> 12 ? 'samepage' : 'otherpage';
  const hinted = sentHints.get(e.src)?.includes(e.dst.phys) === true;
  const k = e.kind === 'other' ? 'other (after an impure call-out)'
    : e.dst.jit === null ? `${e.kind} target not compiled`
      : e.kind === 'static' && thunk(e.dst) ? 'static thunk call'
        : e.kind === 'ind' && thunk(e.src) ? `ind thunk RET ${same ? 'samemod' : 'othermod'}`
          : e.kind === 'static' ? `static ${op(e.src)} ${same ? 'samemod' : 'othermod'} ${page}`
            : `ind ${op(e.src)} ${same ? 'samemod' : 'othermod'}${hinted ? ' hinted-when-sent' : ''}`;
  classes.set(k, (classes.get(k) ?? 0) + e.n);
}
const total = all.reduce((a, e) => a + e.n, 0);
const xs = Object.fromEntries(jc.xfers.map((v, i) => [XFER_NAMES[i] ?? String(i), M(v - (x0[i] ?? 0))]).filter(([, v]) => v !== '0.00'));
process.stdout.write(JSON.stringify({ snap, warm, win, jit: jitOpts, perBillionM: { attributed: M(total), xfers: xs, direct: M(jc.direct.n - d0) } }) + '\n');
process.stdout.write('classes (M per 1e9):\n');
for (const [k, n] of [...classes].sort((a, b) => b[1] - a[1])) process.stdout.write(`  ${M(n).padStart(7)} ${k}\n`);
const bySrc = new Map<string, { kind: Kind; src: Block; t: Edge[] }>();
for (const e of all) {
  if (e.kind === 'other') continue;
  const k = `${e.kind} ${e.src.phys}`;
  let v = bySrc.get(k);
  if (v === undefined) bySrc.set(k, v = { kind: e.kind, src: e.src, t: [] });
  v.t.push(e);
}
const cover = [0, 0, 0, 0];
let indirect = 0;
for (const v of bySrc.values()) {
  if (v.kind !== 'ind') continue;
  const ns = v.t.map((e) => e.n).sort((a, b) => b - a);
  indirect += ns.reduce((a, b) => a + b, 0);
  [1, 2, 4, 8].forEach((c, i) => { cover[i]! += ns.slice(0, c).reduce((a, b) => a + b, 0); });
}
process.stdout.write(`indirect sites, covered by each site's top 1/2/4/8 targets (M per 1e9): ${cover.map(M).join(' / ')} of ${M(indirect)}\n`);
const srcs = [...bySrc.values()].map((v) => ({ ...v, n: v.t.reduce((a, e) => a + e.n, 0) })).sort((a, b) => b.n - a.n);
process.stdout.write(`top ${topN} source sites:\n`);
for (const v of srcs.slice(0, topN)) {
  const t = v.t.sort((a, b) => b.n - a.n);
  process.stdout.write(`  ${M(v.n).padStart(6)} ${v.kind} ${v.src.phys.toString(16)} ${op(v.src)} ${mod(jit.cache.moduleOf(v.src))} recs=${v.src.recs.length} targets=${t.length}` +
    ` hints ${(sentHints.get(v.src) ?? []).map((x) => x?.toString(16) ?? '-').join(',')} -> ` +
    t.slice(0, 4).map((e) => `${e.dst.phys.toString(16)}:${mod(e.dstMod)}:${M(e.n)}${thunk(e.dst) ? ':thunk' : ''}`).join(' ') + '\n');
}
process.exit(0);
