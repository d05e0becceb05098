/**
 * What the main thread allocates, and which optimised functions V8 throws
 * away, over one window of a deterministic boot's instructions [A, B): boots
 * the default guest to A, then over the window
 *   - samples allocations with V8's sampling heap profiler, garbage included
 *     (includeObjectsCollectedByMinorGC/MajorGC: a plain heap snapshot or
 *     --heap-prof shows only what survives), and prints the top allocation
 *     sites by bytes, each with its two callers;
 *   - with --deopts, turns on --trace-deopt (stdout) for the window only and
 *     prints a mark `@@ <instructions>` every --step instructions, so deopts
 *     can be placed in the boot (count them with grep 'bailout (kind').
 *
 *   node --v8-pool-size=1 --max-semi-space-size=4 dist/bench/window-trace.js [--from 2.3e9] [--to 2.5e9] [--top 25] [--deopts] [--step 5e7]
 *        [--append "console=ttyS0 bench=1"] [--promoted]
 *
 * Run it under the settings the boot runs with (src/host-tuning.ts): V8's JIT
 * timing depends on them. The sampling (every 16 KiB) slows the window down.
 * Session 11: the kernel-init burst (2.3-2.5 G) allocated ~190 MB, ~40 MB of
 * it records (long-lived), much of the rest heap numbers and iterator results
 * of functions running in baseline code after a deopt.
 */
import { Session } from 'node:inspector/promises';
import { writeSync } from 'node:fs';
import v8 from 'node:v8';
import { Machine } from '../src/vm.js';

const args = process.argv.slice(2);
const opt = (name: string, def: string): string => { const i = args.indexOf(`--${name}`); return i >= 0 && i + 1 < args.length ? args[i + 1] : def; };
const from = Number(opt('from', '2.3e9')), to = Number(opt('to', '2.5e9')), top = Number(opt('top', '25'));
const deopts = args.includes('--deopts'), step = Number(opt('step', '5e7'));
// --append CMDLINE: another guest command line (e.g. "console=ttyS0 bench=1" for the workload's windows).
// --promoted: leave out what a scavenge collected (only what reached old space or was still live: the
// old generation's growth, docs/jit-plan.md "Memory", eleventh pass).
const cmdline = args.includes('--append') ? opt('append', '') : undefined;
const promoted = args.includes('--promoted');

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: ProfileNode[];
}

const m = await Machine.create({ clock: 'deterministic', ...(cmdline !== undefined ? { cmdline } : {}) });
await m.run({ instructions: from });
const session = new Session();
session.connect();
await session.post('HeapProfiler.startSampling', { samplingInterval: 16384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: !promoted });
if (deopts) v8.setFlagsFromString('--trace-deopt');
const t0 = performance.now();
for (let at = from; at < to; at += step) {
  if (deopts) writeSync(1, `@@ ${at}\n`);
  await m.run({ instructions: Math.min(step, to - at) });
}
if (deopts) v8.setFlagsFromString('--no-trace-deopt');
const wallS = (performance.now() - t0) / 1e3;
const { profile } = await session.post('HeapProfiler.stopSampling') as unknown as { profile: { head: ProfileNode } };

const root = new URL('..', import.meta.url).href;
const name = (n: ProfileNode): string => {
  const f = n.callFrame;
  return `${f.functionName || '(anonymous)'} ${f.url.replace(root, '')}${f.url ? `:${f.lineNumber + 1}` : ''}`;
};
const bySite = new Map<string, number>(), byChain = new Map<string, number>();
let total = 0;
const walk = (n: ProfileNode, stack: string[]): void => {
  const here = [...stack, name(n)];
  if (n.selfSize > 0) {
    total += n.selfSize;
    bySite.set(here[here.length - 1], (bySite.get(here[here.length - 1]) ?? 0) + n.selfSize);
    const chain = here.slice(-3).reverse().join(' < ');
    byChain.set(chain, (byChain.get(chain) ?? 0) + n.selfSize);
  }
  for (const c of n.children) walk(c, here);
};
walk(profile.head, []);
const mb = (b: number): string => (b / 1e6).toFixed(1).padStart(6);
const print = (title: string, map: Map<string, number>): void => {
  writeSync(1, `${title}\n`);
  for (const [k, v] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) writeSync(1, `${mb(v)} MB  ${k}\n`);
};
writeSync(1, `window ${from}-${to} instructions: ${wallS.toFixed(1)} s wall, ${mb(total)} MB allocated (sampled, ${promoted ? 'what scavenges collected left out' : 'garbage included'})\n`);
print('by allocating function:', bySite);
print('by allocating function < caller < caller:', byChain);
process.exit(0);
