/**
 * The main thread's side of compiled modules: instantiate a module made by
 * compile.ts `emitModule` with the runtime helpers generated code imports
 * (the call-outs bound to the records' interpreter handlers by index) and
 * attach each block's function. Kept apart from compile.ts so that the main
 * thread does not load binaryen (~65 MB of RSS): code generation runs in
 * the compile worker (worker.ts).
 */
import { BLOCK_EXIT, EXIT, Rec, type Block } from '../../runtime/records.js';
import type { Cpu } from '../../runtime/cpu.js';
import { CAP, directGlobals, externalImports, ModuleSlots, SLOT_LINK, SLOT_TABLE, type ChainTable } from './chain.js';
import type { EmittedModule } from './compile.js';
import { XJUMP } from './xcache.js';

/**
 * Instantiate a module made by emitModule from `blocks` (the main thread's
 * records, in the same order) and attach block j's function as its `jit`
 * when `attach(j)` says so (the compile worker's blocks may have died
 * meanwhile). With `chain` (the module was emitted with chaining: its blocks
 * have ids firstId, firstId + 1, ..., `sites` link slots), the module imports its epoch's table and each
 * attached block becomes reachable from link slots (chain.ts).
 */
export function instantiate(cpu: Cpu, mod: WebAssembly.Module, blocks: readonly Block[], names: readonly string[],
  attach: (j: number) => boolean = () => true, chain: { table: ChainTable; tbl: WebAssembly.Table | null; firstId: number; direct?: boolean } | null = null,
  sites = 0, perBlock: EmittedModule['blocks'] = [], keep: (j: number) => boolean = () => false, externals: readonly Block[] = []): WebAssembly.Instance {
  const table: Rec[] = [];
  // Loops, not blocks.forEach with arrows: an arrow made per call keeps its optimised code only while
  // one lives, so V8 optimised these again after each full GC (7-8 times a boot, bench/opt-trace.ts).
  for (let j = 0; j < blocks.length; j++) {
    const b = blocks[j]!;
    if (attach(j)) {
      // Compiled again (its old code was evicted): the old instance never runs its records again. Unless
      // `keep(j)`: its old copy stays enterable (a regroup, engine.ts) and calls out through the old table.
      if (!keep(j)) releaseCallouts(b);
      calloutSlots.set(b, { table, base: table.length });
    }
    for (const r of b.recs) table.push(attach(j) ? r : DEAD);
  }
  const env = imports(cpu, table);
  if (chain !== null && chain.tbl !== null) env.tbl = chain.tbl;
  // The global dispatch cache's jump (xcache.ts): imported by modules emitted with it (ignored by the others).
  const global = chain !== null && chain.tbl === null ? chain.table.global : null;
  if (global !== null) env[XJUMP] = global.jump;
  // External targets (EmitOptions.externals): each one's code and alive global as they are now; one that lost its
  // code since the batch was sent is entered never (a dead global; the stub is not called).
  const x: Record<string, WebAssembly.ImportValue> = {};
  externals.forEach((b, i) => {
    const [e, a] = externalImports(i);
    const live = b.jit !== null && b.jitAlive !== null;
    x[e] = live ? b.jit! : deadStub;
    x[a] = live ? b.jitAlive! : new WebAssembly.Global({ value: 'i32', mutable: true }, 0);
  });
  const inst = new WebAssembly.Instance(mod, externals.length > 0 ? { env, x } : { env });
  // Without a shared table the sites are cross-module slots (chain.ts), linked through the module's own table.
  const slots = chain !== null && chain.tbl === null && sites > 0
    ? new ModuleSlots(chain.table, inst.exports[SLOT_LINK] as (site: number, host: number, recs: number, id: number) => void, inst.exports[SLOT_TABLE] as WebAssembly.Table, sites)
    : null;
  const link = chain === null || slots !== null || global !== null ? null : linker(inst, sites, chain.firstId);
  // The loop's link protocol (LINK_EXIT, runtime/interp/loop.ts): block `to` ran right after exit `site` of a block of
  // this module missed; XCACHE_SITE: an exit with no slot that missed the global cache.
  const exitLink = slots === null && global === null ? null : (site: number, to: Block): void => {
    if (slots !== null && site >= 0) slots.link(site, to);
    if (global !== null && global.fill !== 'attach') global.add(to);
  };
  for (let j = 0; j < blocks.length; j++) {
    const b = blocks[j]!;
    if (!attach(j)) continue;
    const fn = inst.exports[names[j]] as (budget: number) => number;
    b.jit = fn;
    // The id the code was emitted with (it names itself in CUR_BLOCK); set only now, so the loop
    // never links a slot to a block whose code has not arrived (runtime/interp/loop.ts).
    if (chain !== null) {
      b.jitId = chain.firstId + j;
      // A slot of a block that died since its exit is not filled (nothing would empty it).
      b.link = exitLink !== null ? (site, _lin, _gen, to) => { if (b.jitAlive !== null) exitLink(site, to); } : link;
      chain.table.attach(b, fn, chain.tbl);
    }
    if (chain?.direct === true) {
      // Direct transfers from its module's blocks may enter it from now on (chain.ts killed clears it).
      const [a, k] = directGlobals(j);
      b.jitAlive = inst.exports[a] as WebAssembly.Global;
      b.jitAlive.value = 1;
      b.jitInsns = inst.exports[k] as WebAssembly.Global;
    }
    // Every block an exit may enter goes in the global cache when it arrives (xcache.ts: a fill policy to measure).
    if (global !== null && global.fill !== 'exit') global.add(b);
    const own = perBlock[j]?.slots;
    if (slots !== null && own !== undefined) chain!.table.slotsOf.set(b, { mod: slots, first: own[0], count: own[1] });
  }
  return inst;
}

/**
 * Release of dead blocks' records (memory; docs/jit-plan.md "Memory"): an
 * instance lives while any of its blocks has its code, and its call-out
 * table named every record of every block of the module, so one live block
 * kept the records of up to 255 dead ones. A dead block's records only throw
 * BLOCK_EXIT (records.ts killBlock), so its entries are replaced with one
 * shared record that does exactly that, and its own records can go.
 */
const DEAD = new Rec(() => { throw BLOCK_EXIT; });
/** An external target that died before its importer's attach (its alive global is 0: never called). */
const deadStub = (): number => 0;
const calloutSlots = new WeakMap<Block, { table: Rec[]; base: number }>();

/** Block `b` was killed (after records.ts killBlock): its call-out table entries stop naming its records. */
export function releaseCallouts(b: Block): void {
  const at = calloutSlots.get(b);
  if (at === undefined) return;
  calloutSlots.delete(b);
  at.table.fill(DEAD, at.base, at.base + b.recs.length);
}

/** The call-out table of the instance holding `b`'s code, while `b` is alive (tests). */
export function calloutTableOf(b: Block): readonly Rec[] | null {
  return calloutSlots.get(b)?.table ?? null;
}

/** The setter of a module's link slots (Block.link): the module's exported `link` (compile.ts addLinkFunction). */
function linker(inst: WebAssembly.Instance, nSites: number, firstId: number): (site: number, lin: number, gen: number, to: Block) => void {
  if (nSites === 0) return () => {};
  const set = inst.exports.link as (site: number, lin: number, gen: number, id: number) => void;
  const epoch = Math.floor(firstId / CAP);
  // Slots hold an index in this module's table: a successor in another epoch's table is not linked.
  return (site, lin, gen, to) => { if (Math.floor(to.jitId / CAP) === epoch) set(site, lin, gen, to.jitId % CAP); };
}

/** The runtime helpers generated code calls; a guest fault escapes them as an exception (FAULT_REC names the record). */
function imports(cpu: Cpu, table: Rec[]): Record<string, WebAssembly.ImportValue> {
  const mmu = cpu.mmu;
  return {
    mem: cpu.phys.memory,
    interp: (k: number): number => {
      const r = table[k]!;
      return (r.plain ?? r.exec)(cpu, r) === EXIT ? 1 : 0;
    },
    rd: (seg: number, off: number, size: number): number => {
      const lin = cpu.linc(seg, off, size);
      return size === 4 ? mmu.read32(lin) : size === 2 ? mmu.read16(lin) : mmu.read8(lin);
    },
    rdw: (seg: number, off: number, size: number): number => {
      const lin = cpu.lincW(seg, off, size);
      return size === 4 ? mmu.readW32(lin) : size === 2 ? mmu.readW16(lin) : mmu.readW8(lin);
    },
    wr: (seg: number, off: number, size: number, v: number): void => {
      const lin = cpu.lincW(seg, off, size);
      if (size === 4) mmu.write32(lin, v); else if (size === 2) mmu.write16(lin, v); else mmu.write8(lin, v);
    },
  };
}
