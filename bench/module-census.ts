/**
 * How dense the live compiled modules are: boots the default guest in this
 * process (deterministic clock) and, at each instruction count given, after
 * two full collections, prints the JIT's live modules (translator/jit/cache.ts),
 * how many of the blocks compiled into each are still attached (by share), the
 * wire bytes of the sparse ones, and how many WebAssembly instances are alive
 * (a FinalizationRegistry on each): instances beyond the cache's modules are
 * held by something else (docs/jit-plan.md "Issue 8, tenth pass").
 *
 *   node --expose-gc dist/bench/module-census.js [--at 3000000000,6683291401] [--append "console=ttyS0"]
 *        [--jit JSON] [--sparse 0.25]
 */
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';

const { values: o } = parseArgs({
  options: {
    at: { type: 'string', default: '3000000000,6000000000,6683291401' },
    append: { type: 'string', default: 'console=ttyS0' },
    jit: { type: 'string', default: '{}' },
    sparse: { type: 'string', default: '0.25' },
  },
});

// Counted before the JIT's modules load: every instance made from here on.
const Instance = WebAssembly.Instance;
let made = 0, freed = 0;
const registry = new FinalizationRegistry<number>(() => { freed++; });
const Counted = function (this: unknown, mod: WebAssembly.Module, imports?: WebAssembly.Imports): WebAssembly.Instance {
  const inst = new Instance(mod, imports);
  made++;
  registry.register(inst, 0);
  return inst;
} as unknown as typeof WebAssembly.Instance;
Counted.prototype = Instance.prototype;
(WebAssembly as { Instance: typeof WebAssembly.Instance }).Instance = Counted;

const { Machine } = await import('../src/vm.js');
type Jit = import('../translator/jit/engine.js').Jit;
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');
const status = (k: string): number => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(readFileSync('/proc/self/status', 'latin1'))?.[1] ?? 0) / 1024;
const sparse = Number(o.sparse);
const m = Machine.create({ clock: 'deterministic', cmdline: o.append, jit: JSON.parse(o.jit) as object });
let done = 0;
for (const at of o.at.split(',').map(Number)) {
  await m.run({ instructions: at - done });
  done = at;
  // Two collections a task apart: finalizers of the first run before the count.
  for (let k = 0; k < 2; k++) { gc(); await new Promise((r) => setTimeout(r, 50)); }
  const jit = (m as unknown as { pc: { machine: { jit: Jit | null } } }).pc.machine.jit!;
  const mods = jit.cache.census();
  const hist = [0, 0, 0, 0, 0];
  let blocks = 0, live = 0, bytes = 0, sn = 0, sLive = 0, sBytes = 0;
  for (const x of mods) {
    blocks += x.blocks; live += x.live; bytes += x.bytes;
    hist[Math.min(4, Math.floor((x.live / x.blocks) * 5))]!++;
    if (x.live < sparse * x.blocks) { sn++; sLive += x.live; sBytes += x.bytes; }
  }
  const c = jit.counters, MB = (n: number): string => (n / 1e6).toFixed(2);
  console.log(`@${at}: instances made ${made}, alive ${made - freed}; cache ${mods.length} modules, ${live} of ${blocks} blocks attached, ` +
    `${MB(bytes)} MB wire bytes; modules by attached share 0-20/20-40/40-60/60-80/80-100 %: ${hist.join('/')}; ` +
    `under ${sparse * 100} %: ${sn} modules, ${sLive} blocks, ${MB(sBytes)} MB; compiled ${c.blocksCompiled} blocks in ${c.modulesCompiled} modules ` +
    `(${MB(c.moduleBytes)} MB), repacked ${c.repackedModules}; RSS ${status('VmRSS').toFixed(1)} MiB, VmHWM ${status('VmHWM').toFixed(1)}`);
}
process.exit(0);
