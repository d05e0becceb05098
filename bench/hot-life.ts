/**
 * What the blocks that go hot in a window do once their code arrives: is
 * compiling them worth it? SNAP restored (`--jit`), every block that goes hot
 * in its first WINDOW instructions is followed (the JIT's hot() and
 * onCompiled hooks, as bench/wait-trace.ts): its instructions at hot, at
 * attach, at the window's end and after END instructions in all (Block.insns
 * plus what its code retired through transfers, Block.jitInsns). Prints, for
 * the blocks compiled, histograms of the instructions they retired after
 * their code arrived (to the window's end and to END) and of their total
 * runs (instructions / records), and the instructions they ran `waiting`.
 * Not a timing benchmark (hooks; latency depends on the load).
 *
 *   node dist/bench/hot-life.js SNAP WINDOW END [--jit JSON]
 */
import { Machine } from '../src/vm.js';
import type { Block } from '../runtime/records.js';
import type { Jit, JitOptions } from '../translator/jit/engine.js';

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => { const i = args.indexOf(`--${name}`); return i >= 0 && i + 1 < args.length ? args[i + 1] : undefined; };
const [snap, windowArg, endArg] = args;
if (snap === undefined || windowArg === undefined || endArg === undefined) {
  process.stderr.write('usage: hot-life SNAP WINDOW END [--jit JSON]\n');
  process.exit(2);
}
const window = Number(windowArg), end = Number(endArg);
const m = await Machine.restore(snap, { jit: JSON.parse(opt('jit') ?? '{}') as JitOptions });
const jit = (m as unknown as { pc: { machine: { jit: Jit | null } } }).pc.machine.jit;
if (jit === null) { process.stderr.write('hot-life: the machine has no JIT\n'); process.exit(2); }

interface Life { recs: number; hot: number; att: number; win: number; fin: number; }
const lives = new Map<Block, Life>();
const retired = (b: Block): number => b.insns + (b.jitInsns === null ? 0 : b.jitInsns.value as number);
let inWindow = true;
const hot = jit.hot.bind(jit);
jit.hot = (b: Block): void => {
  if (inWindow && !lives.has(b)) lives.set(b, { recs: b.recs.length, hot: retired(b), att: -1, win: -1, fin: -1 });
  hot(b);
};
jit.onCompiled = (blocks): void => {
  for (const b of blocks) { const l = lives.get(b); if (l !== undefined && l.att < 0) l.att = retired(b); }
};
await m.run({ instructions: window });
inWindow = false;
for (const [b, l] of lives) l.win = retired(b);
if (end > window) await m.run({ instructions: end - window });
for (const [b, l] of lives) l.fin = retired(b);

const compiled = [...lives.values()].filter((l) => l.att >= 0);
const M = (n: number): string => (n / 1e6).toFixed(2) + 'M';
const histogram = (title: string, edges: number[], key: (l: Life) => number, sum: (l: Life) => number): void => {
  console.log(title);
  for (let i = 0; i + 1 < edges.length; i++) {
    const sel = compiled.filter((l) => key(l) >= edges[i]! && key(l) < edges[i + 1]!);
    console.log(`  [${edges[i]!.toExponential(0)}, ${edges[i + 1]!.toExponential(0)}): ${sel.length} blocks, ${M(sel.reduce((a, l) => a + sum(l), 0))}`);
  }
};
console.log(`went hot in the window: ${lives.size}, compiled: ${compiled.length}; executed ${m.status().instructions}`);
const after = [0, 1, 100, 1e3, 1e4, 1e5, 1e6, 1e7, Infinity];
histogram('instructions retired after the code arrived, to the end: blocks, sum', after, (l) => l.fin - l.att, (l) => l.fin - l.att);
histogram('... to the end of the window: blocks, sum', after, (l) => l.win - l.att, (l) => l.win - l.att);
histogram('total runs (instructions / records) to the end: blocks, their instructions', [0, 50, 100, 200, 500, 1e3, 1e4, Infinity],
  (l) => l.fin / Math.max(1, l.recs), (l) => l.fin);
console.log(`instructions run between hot and the code's arrival (waiting): ${M(compiled.reduce((a, l) => a + l.att - l.hot, 0))}`);
process.exit(0);
