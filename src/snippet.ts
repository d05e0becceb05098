/**
 * The snippet runner: load raw machine code into a fresh machine, set
 * registers, run until HLT (or a cap), report the final state. Used by
 * `jitvisor exec` and by the CPU tests (fixtures, guest programs).
 */

export type Mode = 'real' | 'protected32';
export type EngineName = 'interpreter' | 'jit';
export const REG_NAMES = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'] as const;
export type RegName = (typeof REG_NAMES)[number];

export interface SnippetOptions {
  /** Raw machine code, loaded at `org`. */
  code: Uint8Array;
  mode?: Mode;                 // default 'protected32'
  org?: number;                // default 0x1000
  /** Initial general registers (unsigned or signed 32-bit values). ESP defaults to 0x8000. */
  regs?: Partial<Record<RegName, number>>;
  /** Initial EFLAGS (bit 1 is always set; IF etc. taken as given). Default 0x2. */
  eflags?: number;
  engine?: EngineName;         // default 'interpreter'
  /** Processor model (runtime/cpu-model.ts), default pentium2. */
  cpu?: CpuModelName;
  maxInstructions?: number;    // default 100_000_000
  /** Extra memory contents to load before running. */
  memory?: { addr: number; bytes: Uint8Array }[];
  /** I/O port devices attached for this run only: `count` ports (default 1) from `port`. */
  ports?: { port: number; count?: number; handler: PortHandler }[];
  /** Run on this machine instead of the shared one of the engine (its own cache bounds, JIT options; the profiler and the lockstep checker attach to one). */
  machine?: Machine;
  /** Run in slices of this many instructions, calling `onSlice` between them (default: one slice). */
  slice?: number;
  onSlice?: (m: Machine) => void;
}

export interface GuestExceptionInfo {
  vector: number;              // 0 = #DE, 6 = #UD, 13 = #GP, ...
  name: string;                // '#DE', '#UD', ...
  errorCode?: number;
  eip: number;                 // EIP of the faulting instruction
  /** Why the run stopped on it ("#GP with no IDT loaded", "triple fault: ..."). */
  reason?: string;
  /** The processor shut down (triple fault, SDM vol. 3, 6.15 #DF): a PC would reset. */
  tripleFault?: boolean;
}

export interface SnippetResult {
  stop: 'hlt' | 'exception' | 'limit';
  exception?: GuestExceptionInfo;
  regs: Record<RegName, number>;  // unsigned 32-bit
  eip: number;                    // unsigned
  eflags: number;                 // unsigned, all flags materialized
  mxcsr: number;                  // SSE control/status register (models with SSE; 0x1F80 otherwise)
  instructions: number;           // guest instructions retired
  /** Of `instructions`, those retired by compiled code (JIT; 0 on the interpreter). */
  compiled: number;
  /** Where the code ran (the given org; runSnippets: the address it placed the code at). */
  org: number;
  /** What the decode front end did during this run (blocks decoded and killed...). */
  frontEnd: FrontEndStats;
  /** JIT: transfers between compiled blocks that stayed inside wasm (translator/jit/chain.ts); 0 on the interpreter. */
  chained: number;
  /** JIT: direct transfers into a same-page block of the same module (translator/jit/chain.ts); 0 on the interpreter. */
  direct: number;
  /** Read guest physical memory after the run. */
  readMemory(addr: number, len: number): Uint8Array;
}

import { Machine } from './machine.js';
import type { Cpu } from '../runtime/cpu.js';
import type { RunResult } from '../runtime/interp/loop.js';
import { cpuModel, type CpuModelName } from '../runtime/cpu-model.js';
import { RAM_BASE, CS, CR0, GDTR_BASE, GDTR_LIMIT, IDTR_BASE, IDTR_LIMIT, MXCSR, w } from '../runtime/state/layout.js';
import { decode as decodeDescriptor } from '../runtime/segments.js';
import { vectorName } from '../runtime/exceptions.js';
import type { PortHandler } from '../runtime/io.js';
import { samePage, type FrontEndStats } from '../translator/frontend/blocks.js';
import { OP_REL, type Block } from '../runtime/records.js';

/** Flat GDT the protected-mode snippets start with (at 0x500): selectors 0x08 code32, 0x10 data32, 0x18 code16, 0x20 data16. */
export const SNIPPET_GDT_BASE = 0x500;
const GDT: [number, number][] = [
  [0, 0],
  [0x0000ffff, 0x00cf9b00], // 0x08: code, 32-bit, base 0, 4 GiB
  [0x0000ffff, 0x00cf9300], // 0x10: data, 32-bit, base 0, 4 GiB
  [0x0000ffff, 0x00009b00], // 0x18: code, 16-bit, base 0, 64 KiB
  [0x0000ffff, 0x00009300], // 0x20: data, 16-bit, base 0, 64 KiB
];

/**
 * Flat 32-bit protected mode at CPL 0, as snippets run in it: the GDT above at
 * SNIPPET_GDT_BASE (null, 4 GiB code 0x08, 4 GiB data 0x10), loaded segment
 * caches, no IDT (IDTR limit 0: a fault is a triple fault unless the caller
 * sets one), CR0 = PE with caches disabled as at reset. Registers, EFLAGS and
 * EIP are the caller's.
 */
export function enterFlatProtected(cpu: Cpu): void {
  const phys = cpu.phys, s = cpu.s;
  GDT.forEach(([lo, hi], i) => { phys.write32(SNIPPET_GDT_BASE + i * 8, lo); phys.write32(SNIPPET_GDT_BASE + i * 8 + 4, hi); });
  s[w(GDTR_BASE)] = SNIPPET_GDT_BASE;
  s[w(GDTR_LIMIT)] = GDT.length * 8 - 1;
  s[w(IDTR_BASE)] = 0;
  s[w(IDTR_LIMIT)] = 0;
  s[w(CR0)] = 0x60000011;
  const code = decodeDescriptor(GDT[1]![0], GDT[1]![1]), data = decodeDescriptor(GDT[2]![0], GDT[2]![1]);
  for (let i = 0; i < 6; i++) {
    if (i === CS) cpu.setSegCache(i, 0x08, code.base, code.limit, code.flags);
    else cpu.setSegCache(i, 0x10, data.base, data.limit, data.flags);
  }
  cpu.setCpl(0);
}
const SNIPPET_RAM_MIB = 2;
export const DEFAULT_ORG = 0x1000;
export const DEFAULT_ESP = 0x8000;
export const DEFAULT_MAX_INSTRUCTIONS = 100_000_000;

/** Machines are reused across snippets (a fresh 2 MiB machine per case would dominate fixture replay). */
const machines = new Map<EngineName, Machine>();

function machineFor(engine: EngineName): Machine {
  let m = machines.get(engine);
  if (!m) {
    // Snippets are short: the JIT compiles every block before it first runs (threshold 0),
    // so what runs (and what the engine-level tests check) is the translated code.
    m = new Machine({ memoryMiB: SNIPPET_RAM_MIB, engine, jit: { threshold: 0 } });
    machines.set(engine, m);
  }
  return m;
}

export function runSnippet(opts: SnippetOptions): SnippetResult {
  const org = opts.org ?? DEFAULT_ORG;
  const engine = opts.engine ?? 'interpreter';
  const m = opts.machine ?? machineFor(engine);
  if (org < 0 || org + opts.code.length > 0x100000) {
    throw new RangeError(`code of ${opts.code.length} bytes at 0x${org.toString(16)} does not fit below 1 MiB`);
  }
  return runOn(m, opts, org, org, opts.code);
}

/**
 * Reset the CPU of `m` for a snippet of `opts` and load `image` (the code) at
 * `at`, keeping the blocks of unchanged code (see runSnippet). `pages`
 * (runSnippets): the pages of the loaded image, as pageImages() made them;
 * while memory still holds them (the snippet before did not write its
 * code), they stand for the copy of the code pages taken otherwise.
 */
function prepare(m: Machine, opts: SnippetOptions, at: number, image: Uint8Array, pages?: ReadonlyMap<number, Uint8Array>): void {
  const cpu = m.cpu, phys = cpu.phys;
  const model = cpuModel(opts.cpu);
  // Records bind the model's handlers when decoded (a Code the model lacks is #UD): another model starts afresh.
  const images = model !== cpu.model ? null
    : pages !== undefined && [...pages].every(([p, bytes]) => samePage(phys.u8, RAM_BASE + p * 4096, bytes)) ? pages
      : m.frontEnd.codePageImages();
  cpu.model = model;
  cpu.reset();
  if (images === null) m.frontEnd.flushAll();
  phys.u8.fill(0, phys.buffer.byteLength - phys.ramSize, phys.buffer.byteLength);
  cpu.stopOnNullVector = true;
  phys.load(at, image);
  for (const { addr, bytes } of opts.memory ?? []) phys.load(addr, bytes);
  // Blocks whose bytes are what they were keep their compiled code: fixture sweeps run one
  // instruction on thousands of inputs, and compiling it once per case dominated their JIT leg.
  if (images !== null) m.frontEnd.keepUnchanged(images, at, at + image.length);

  const s = cpu.s;
  if ((opts.mode ?? 'protected32') === 'real') {
    for (let i = 0; i < 6; i++) cpu.setSegReal(i, 0);
    s[w(IDTR_BASE)] = 0;
    s[w(IDTR_LIMIT)] = 0x3ff;
  } else {
    enterFlatProtected(cpu);
  }
}

/** Run the snippet `opts` at `org` on `m`, with `image` (holding its code) loaded at `at`. */
function runOn(m: Machine, opts: SnippetOptions, org: number, at: number, image: Uint8Array, pages?: ReadonlyMap<number, Uint8Array>): SnippetResult {
  const cpu = m.cpu, phys = cpu.phys;
  prepare(m, opts, at, image, pages);
  const before = { ...m.frontEnd.stats };
  REG_NAMES.forEach((name, i) => { cpu.r32[i] = opts.regs?.[name] ?? (name === 'esp' ? DEFAULT_ESP : 0); });
  cpu.setEflags((opts.eflags ?? 0x2) | 0x2, 0x3f7fd7);
  cpu.eip = org;
  cpu.halted = false;

  const ports = opts.ports ?? [];
  for (const p of ports) cpu.io.register(p.port, p.count ?? 1, p.handler);
  const chainedBefore = m.jit?.counters.chained.n ?? 0;
  const directBefore = m.jit?.counters.direct.n ?? 0;
  let res;
  try {
    res = runSlices(m, opts.maxInstructions ?? DEFAULT_MAX_INSTRUCTIONS, opts.slice, opts.onSlice);
  } finally {
    for (const p of ports) cpu.io.unregister(p.port, p.count ?? 1);
  }
  const regs = {} as Record<RegName, number>;
  REG_NAMES.forEach((name, i) => { regs[name] = cpu.r32[i] >>> 0; });
  const out: SnippetResult = {
    stop: res.reason === 'hlt' ? 'hlt' : res.reason === 'unhandled' ? 'exception' : 'limit',
    regs,
    eip: cpu.eip,
    eflags: cpu.getEflags(),
    mxcsr: cpu.s[w(MXCSR)] >>> 0,
    instructions: res.executed,
    compiled: res.compiled,
    org,
    frontEnd: statsSince(before, m.frontEnd.stats),
    chained: (m.jit?.counters.chained.n ?? 0) - chainedBefore,
    direct: (m.jit?.counters.direct.n ?? 0) - directBefore,
    readMemory: (addr, len) => phys.dump(addr, len),
  };
  if (res.unhandled) {
    const u = res.unhandled;
    out.exception = {
      vector: u.vector, name: vectorName(u.vector), eip: u.eip >>> 0,
      ...(u.errorCode >= 0 ? { errorCode: u.errorCode } : {}),
      reason: u.reason,
      ...(u.tripleFault ? { tripleFault: true } : {}),
    };
    out.eip = u.eip >>> 0;
  }
  return out;
}

/** Where runSnippets places the code of a batch (below the default stack at 0x8000, clear of the GDT at 0x500). */
export const BATCH_BASE = DEFAULT_ORG;
export const BATCH_END = 0x5000;
/** Code slots are aligned to this (an instruction of one snippet never shares a 16-byte line with the next). */
const BATCH_ALIGN = 16;

/**
 * Runs many snippets on the engine's shared machine (or `machine`), each as
 * runSnippet would, and returns what `judge` made of each result, in order;
 * `judge` is called right after the snippet ran (its readMemory() reads
 * that run's memory only then). It places the code
 * itself: the distinct codes of the list (equal bytes share one copy) are
 * laid out side by side from BATCH_BASE, as many as fit below BATCH_END, and
 * every snippet runs at its code's address (SnippetResult.org; `org` must not
 * be given, and the code must be position-independent: relative branches
 * are). All the codes of such a group stay loaded while its snippets run, so
 * on the JIT their blocks are compiled together, a few modules for the whole
 * group, before the first of them runs. Each snippet's code is still
 * compiled before it runs (threshold 0); what batching saves is the compile
 * round trip per module (~5 ms: binaryen, then V8, through the worker),
 * which, with one module per snippet, made most of the real-CPU fixtures'
 * JIT leg. Results and faults are those of runSnippet at that org. The
 * snippets share engine, machine, mode and CPU model; their `memory` must
 * not overlap the code area [BATCH_BASE, BATCH_END).
 */
export function runSnippets<T>(list: readonly SnippetOptions[], judge: (res: SnippetResult, k: number) => T): T[] {
  const out: T[] = new Array<T>(list.length);
  if (list.length === 0) return out;
  const first = list[0]!;
  const engine = first.engine ?? 'interpreter';
  const m = first.machine ?? machineFor(engine);
  const mode = first.mode ?? 'protected32';
  // Distinct codes, in order of first use, with the snippets that run each.
  const codes = new Map<string, { code: Uint8Array; users: number[] }>();
  list.forEach((o, k) => {
    if ((o.engine ?? 'interpreter') !== engine || (o.machine ?? null) !== (first.machine ?? null) ||
      (o.mode ?? 'protected32') !== mode || (o.cpu ?? null) !== (first.cpu ?? null)) {
      throw new RangeError(`runSnippets: snippet ${k} differs from the first in engine, machine, mode or cpu`);
    }
    if (o.org !== undefined) throw new RangeError(`runSnippets: snippet ${k} gives an org (the batch places the code itself)`);
    if (o.code.length > BATCH_END - BATCH_BASE) throw new RangeError(`runSnippets: snippet ${k}'s code (${o.code.length} bytes) exceeds the batch area`);
    for (const { addr, bytes } of o.memory ?? []) {
      if (addr < BATCH_END && addr + bytes.length > BATCH_BASE) {
        throw new RangeError(`runSnippets: snippet ${k}'s memory at 0x${addr.toString(16)} overlaps the code area 0x${BATCH_BASE.toString(16)}-0x${BATCH_END.toString(16)}`);
      }
    }
    const key = Buffer.from(o.code.buffer, o.code.byteOffset, o.code.byteLength).toString('latin1');
    const c = codes.get(key);
    if (c === undefined) codes.set(key, { code: o.code, users: [k] });
    else c.users.push(k);
  });
  const all = [...codes.values()];
  for (let i = 0; i < all.length;) {
    // The next group: as many codes as fit the area.
    const group: { code: Uint8Array; users: number[]; at: number }[] = [];
    let at = BATCH_BASE;
    for (; i < all.length && at + all[i]!.code.length <= BATCH_END; i++) {
      group.push({ ...all[i]!, at });
      at += Math.ceil(Math.max(1, all[i]!.code.length) / BATCH_ALIGN) * BATCH_ALIGN;
    }
    // Whole pages (zeros past the last code, as the zeroed RAM has): keepUnchanged then keeps an
    // unchanged page's blocks without comparing each block's bytes.
    const image = new Uint8Array(Math.ceil((at - BATCH_BASE) / 4096) * 4096);
    for (const g of group) image.set(g.code, g.at - BATCH_BASE);
    const pages = pageImages(BATCH_BASE, image);
    if (m.jit !== null) precompile(m, first, image, group);
    for (const g of group) {
      for (const k of g.users) {
        const res = runOn(m, list[k]!, g.at, BATCH_BASE, image, pages);
        out[k] = judge(res, k);
        // The machine goes on to the next snippet: a later read would see its memory.
        res.readMemory = () => { throw new Error('runSnippets: readMemory() after the batch went on (read it in `judge`)'); };
      }
    }
  }
  return out;
}

/** The pages of RAM holding `image` at `at` (page-aligned) once it is loaded into zeroed memory. */
function pageImages(at: number, image: Uint8Array): Map<number, Uint8Array> {
  const out = new Map<number, Uint8Array>();
  for (let off = 0; off < image.length; off += 4096) {
    const page = new Uint8Array(4096);
    page.set(image.subarray(off, off + 4096));
    out.set((at + off) >>> 12, page);
  }
  return out;
}

/**
 * Compile the blocks of every code of a batch group, together (see aheadBlocks).
 * Blocks found only when they run are compiled then, alone, as with runSnippet.
 */
function precompile(m: Machine, opts: SnippetOptions, image: Uint8Array, group: readonly { code: Uint8Array; at: number }[]): void {
  // The state the snippets run in (segments: the JIT compiles for the bounds flat now).
  prepare(m, opts, BATCH_BASE, image);
  const code32 = (opts.mode ?? 'protected32') !== 'real';
  const blocks: Block[] = [];
  for (const { code, at } of group) blocks.push(...aheadBlocks(m, at, at, at + code.length, code32));
  m.jit!.compileNow(blocks);
}

/** Most blocks aheadBlocks decodes for one snippet. */
const AHEAD_MAX = 4096;

/**
 * The blocks the code in [`from`, `to`) may run, starting at `start`, decoded
 * ahead of the run (physical = linear: the snippets' flat start): each
 * block's fall-through and, in 32-bit code, its relative branches' targets,
 * while they stay in the range. It decodes what the
 * front end would when the run gets there (a block is its start address and
 * bytes), perhaps more: a path never taken, code the snippet never reaches
 * with this code size. Each is compiled, never run, there.
 */
function aheadBlocks(m: Machine, start: number, from: number, to: number, code32: boolean): Block[] {
  const seen = new Set<number>([start]), work = [start], out: Block[] = [];
  const add = (a: number): void => {
    if (a >= from && a < to && !seen.has(a) && seen.size < AHEAD_MAX) { seen.add(a); work.push(a); }
  };
  for (let a = work.pop(); a !== undefined; a = work.pop()) {
    const b = m.frontEnd.get(a, a, code32);
    out.push(b);
    // Exits: a relative branch's target (a conditional one inside the block goes on in it when not
    // taken; a folded JMP is no exit), and the fall-through after the last record.
    if (code32) for (const r of b.recs) if (r.k0 === OP_REL && !r.folded) add(b.phys + r.next + r.imm);
    const last = b.recs[b.recs.length - 1];
    if (last !== undefined) add(b.phys + last.next);
  }
  return out;
}

function runSlices(m: Machine, max: number, slice = Infinity, onSlice?: (m: Machine) => void): RunResult {
  let executed = 0, compiled = 0;
  for (;;) {
    const r = m.run(Math.min(slice, max - executed));
    executed += r.executed;
    compiled += r.compiled;
    if (r.reason !== 'budget' || executed >= max) return { ...r, executed, compiled };
    onSlice?.(m);
  }
}

function statsSince(before: FrontEndStats, now: FrontEndStats): FrontEndStats {
  const d = { ...now };
  for (const k of Object.keys(d) as (keyof FrontEndStats)[]) d[k] -= before[k];
  return d;
}
