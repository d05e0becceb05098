/**
 * Per-form histogram of the records executed from a snapshot on the
 * interpreter (exact counts, translator/jit/profile.ts RecordCounter), with
 * the share the JIT generates inline; `--x87` keeps only the x87 forms:
 *
 *   node dist/bench/x87-histogram.js SNAPSHOT [--skip N] [--window N] [--top K] [--x87]
 *   node dist/bench/x87-histogram.js SNAPSHOT --handlers [--skip N] [--window N] [--jit JSON]
 *
 * `--handlers`: on the JIT (JitOptions from --jit), how many times the x87
 * records' interpreter handlers ran in the window, per mnemonic: the call-outs
 * (fallbacks of the inline forms included) plus the records of blocks run
 * interpreted; compare with the interpreter's counts above.
 *
 * Used to pick the x87 forms inlined by translator/jit/codegen/x87.ts (the
 * awk phase, /work/snaps/ph-awk.snap).
 */
import { Machine } from '../src/vm.js';
import { Mnemonic } from '../runtime/iced.js';
import { RecordCounter, formOf } from '../translator/jit/profile.js';
import type { Block, Handler } from '../runtime/records.js';
import type { JitOptions } from '../translator/jit/engine.js';

const args = process.argv.slice(2);
const snap = args.shift();
if (snap === undefined) { process.stderr.write('usage: x87-histogram SNAPSHOT [--skip N] [--window N] [--top K] [--x87]\n'); process.exit(2); }
const num = (name: string, def: number): number => { const i = args.indexOf(`--${name}`); return i >= 0 && i + 1 < args.length ? Number(args[i + 1]) : def; };
const skip = num('skip', 0), window = num('window', 2e8), top = num('top', 60);
const x87 = args.includes('--x87');
if (args.includes('--handlers')) {
  const ji = args.indexOf('--jit');
  const jit = ji >= 0 ? JSON.parse(args[ji + 1]!) as JitOptions : {};
  const mj = await Machine.restore(snap, { engine: 'jit', jit });
  const fej = (mj as unknown as { pc: { machine: { frontEnd: { get: (p: number, l: number, c: boolean) => Block } } } }).pc.machine.frontEnd;
  const counts = new Map<string, number>();
  const seen = new WeakSet<Block>();
  const getj = fej.get.bind(fej);
  fej.get = (phys, lin, code32) => {
    const b = getj(phys, lin, code32);
    if (!seen.has(b)) {
      seen.add(b);
      for (const r of b.recs) {
        const name = Mnemonic[r.mnemonic] ?? '';
        if (!/^F/.test(name) || /^Fxsave|^Fxrstor/.test(name)) continue;
        const form = formOf(r);
        const wrap = (h: Handler): Handler => (cpu, rec) => { counts.set(form, (counts.get(form) ?? 0) + 1); return h(cpu, rec); };
        r.exec = wrap(r.exec);
        if (r.plain) r.plain = wrap(r.plain);
      }
    }
    return b;
  };
  if (skip > 0) await mj.run({ instructions: skip });
  counts.clear();
  await mj.run({ instructions: window });
  const rows = [...counts.entries()].sort((a, b) => b[1] - a[1]);
  const tot = rows.reduce((a, [, n]) => a + n, 0);
  process.stdout.write(`window ${window} on the JIT ${JSON.stringify(jit)}: x87 handler runs ${tot}\n`);
  for (const [form, n] of rows.slice(0, top)) process.stdout.write(`${form.padEnd(28)} ${String(n).padStart(11)}\n`);
  process.exit(0);
}
const m = await Machine.restore(snap, { engine: 'interpreter' });
const fe = (m as unknown as { pc: { machine: { frontEnd: { get: (p: number, l: number, c: boolean) => Block } } } }).pc.machine.frontEnd;
const counter = new RecordCounter();
const get = fe.get.bind(fe);
fe.get = (phys, lin, code32) => { const b = get(phys, lin, code32); counter.watch(b); return b; };
if (skip > 0) await m.run({ instructions: skip });
counter.reset();
await m.run({ instructions: window });
const forms = counter.forms();
const isX87 = (f: string): boolean => /^F/.test(f) && !/^(Fxsave|Fxrstor)/.test(f);
const total = forms.reduce((a, f) => a + f.count, 0);
const xs = forms.filter((f) => isX87(f.form));
const xTotal = xs.reduce((a, f) => a + f.count, 0);
process.stdout.write(`window ${window}: ${total} records counted, x87 ${xTotal} (${(100 * xTotal / total).toFixed(1)} %)\n`);
let cum = 0;
for (const f of (x87 ? xs : forms).slice(0, top)) {
  cum += f.count;
  process.stdout.write(`${f.form.padEnd(28)} ${String(f.count).padStart(11)} ${(100 * f.count / total).toFixed(2).padStart(6)} %  inline ${(100 * f.inline / f.count).toFixed(0).padStart(3)} %  cum ${(100 * cum / (x87 ? xTotal : total)).toFixed(1)} %\n`);
}
process.exit(0);
