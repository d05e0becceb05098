/**
 * The main thread's side of compiled modules: instantiate a module made by
 * compile.ts `emitModule` with the runtime helpers generated code imports
 * (the call-outs bound to the records' interpreter handlers by index) and
 * attach each block's function. Kept apart from compile.ts so that the main
 * thread does not load binaryen (~65 MB of RSS): code generation runs in
 * the compile worker (worker.ts).
 */
import { EXIT, type Block, type Rec } from '../../runtime/records.js';
import type { Cpu } from '../../runtime/cpu.js';
import { getCF, pinCF } from '../../runtime/flags.js';

/**
 * Instantiate a module made by emitModule from `blocks` (the main thread's
 * records, in the same order) and attach block j's function as its `jit`
 * when `attach(j)` says so (the compile worker's blocks may have died meanwhile).
 */
export function instantiate(cpu: Cpu, mod: WebAssembly.Module, blocks: readonly Block[], names: readonly string[],
  attach: (j: number) => boolean = () => true): WebAssembly.Instance {
  const table: Rec[] = [];
  for (const b of blocks) for (const r of b.recs) table.push(r);
  const inst = new WebAssembly.Instance(mod, { env: imports(cpu, table) });
  blocks.forEach((b, j) => { if (attach(j)) b.jit = inst.exports[names[j]] as (budget: number) => number; });
  return inst;
}

/** The runtime helpers generated code calls; a guest fault escapes them as an exception (FAULT_REC names the record). */
function imports(cpu: Cpu, table: Rec[]): Record<string, WebAssembly.ImportValue> {
  const mmu = cpu.mmu;
  return {
    mem: cpu.phys.memory,
    pincf: (): void => pinCF(cpu.s),
    getcf: (): number => getCF(cpu.s),
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
