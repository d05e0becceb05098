/**
 * Profiles of the JIT: the translation-cache profiler behind `jitvisor
 * profile` (Profiler, below), and a per-form histogram of executed guest
 * instructions, from the blocks'
 * hit counts (each hit counted for every record of the block, so records
 * after a taken mid-block exit are over-counted; invalidated blocks are
 * gone). Used to choose what the JIT inlines (bench/histogram.ts).
 */
import binaryen from 'binaryen';
import { Mnemonic } from 'iced-x86';
import type { Block, Rec } from '../../runtime/records.js';
import { Fn } from './ir.js';
import { emitterFor } from './registry.js';
import './codegen/index.js';
import type { Cpu } from '../../runtime/cpu.js';
import { CS, SEG_BASE, w } from '../../runtime/state/layout.js';
import type { Jit } from './engine.js';
import { blockBytes, disassemble, type DisasmLine } from './disasm.js';

const KIND = ['-', 'r', 'm', 'i', 'sreg', 'creg', 'dreg', 'rel', 'far', 'str', 'st'];

/** A record's form: mnemonic, operand kinds, operand size. */
export function formOf(r: Rec): string {
  const ops = [r.k0, r.k1, r.k2].filter((k) => k !== 0).map((k) => KIND[k] ?? String(k)).join(',');
  return `${Mnemonic[r.mnemonic] ?? r.mnemonic} ${ops}${r.rep ? ' rep' : ''} o${r.osz}`;
}

export interface FormCount { form: string; count: number; inline: boolean }

/** Would the JIT generate this record inline (given no tracked flags before it)? */
function inlineNow(m: binaryen.Module, r: Rec, code32: boolean): boolean {
  const e = emitterFor(r);
  if (!e) return false;
  const f = new Fn(m, code32, 0);
  // Jcc after an inline flag producer is inline; assume the common case (a tracked CMP).
  f.flags = { kind: 'sub', a: f.local(), b: f.local(), r: f.local() };
  return e(f, r, r.idx === r.idx) !== null;
}

export function histogram(blocks: Iterable<Block>): FormCount[] {
  const counts = new Map<string, FormCount>();
  const m = new binaryen.Module();
  try {
    for (const b of blocks) {
      if (b.hits === 0) continue;
      for (const r of b.recs) {
        const form = formOf(r);
        let c = counts.get(form);
        if (!c) { c = { form, count: 0, inline: inlineNow(m, r, b.code32) }; counts.set(form, c); }
        c.count += b.hits;
      }
    }
  } finally {
    m.dispose();
  }
  return [...counts.values()].sort((a, b) => b.count - a.count);
}

// ---- the translation-cache profiler (`jitvisor profile`) ----------------------


/** What the profiler knows about one block (live or dead). */
export interface BlockProfile {
  block: Block;
  /** EIP and CS base at its first run (a block is keyed by physical address; other mappings may run it too). */
  eip: number;
  csBase: number;
  /** Its records' bytes at its first run (the code may be overwritten later). */
  bytes: Uint8Array[];
  /** Times the dispatcher ran it, and how many of those ran its compiled code. */
  entries: number;
  jitEntries: number;
  /** Guest instructions retired in it (a compiled block looping on itself counts every pass), and of those by compiled code. */
  insns: number;
  jitInsns: number;
  compiled: boolean;
  /** Its wasm function body in bytes, records inline / through call-outs (compiled blocks). */
  wasmBytes: number;
  inline: number;
  callouts: number;
  /** Its share of its module's compile time, µs (module time / blocks in the module). */
  compileUs: number;
}

export interface ModuleProfile { ms: number; blocks: number; bytes: number }

/**
 * Attaches to a machine's JIT and records, per block, the instructions each
 * engine ran in it (through the loop's BlockSource.ran hook) and, per
 * compiled module, its compile time, blocks and sizes (Jit.onCompiled).
 * The per-block counts add up to the loop's totals (RunResult.executed and
 * .compiled) by construction: the hook is told every retired instruction.
 *
 * NOTE (chaining): instructions that compiled code runs in *other* blocks
 * without returning to the loop (chaining inside wasm, once it exists) are
 * counted to the block the loop entered.
 */
export class Profiler {
  readonly blocks = new Map<Block, BlockProfile>();
  readonly modules: ModuleProfile[] = [];

  constructor(private readonly cpu: Cpu, jit: Jit) {
    jit.ran = (b, n, compiled) => {
      let p = this.blocks.get(b);
      if (p === undefined) p = this.add(b);
      if (p.entries === 0) this.firstRun(p);
      p.entries++;
      p.insns += n;
      if (compiled) { p.jitEntries++; p.jitInsns += n; }
    };
    jit.onCompiled = (blocks, batch, ms) => {
      this.modules.push({ ms, blocks: blocks.length, bytes: batch.bytes });
      blocks.forEach((b, j) => {
        const p = this.blocks.get(b) ?? this.add(b);
        const info = batch.blocks[j];
        p.compiled = true;
        p.wasmBytes = info?.bytes ?? 0;
        p.callouts = info?.callouts.length ?? 0;
        p.inline = b.recs.length - p.callouts;
        p.compileUs = (ms * 1000) / blocks.length;
      });
    };
  }

  /** Where the block runs and its bytes, taken at its first run (the loop has set cpu.blockEip; it may have been compiled before). */
  private firstRun(p: BlockProfile): void {
    p.eip = this.cpu.blockEip;
    p.csBase = this.cpu.s[w(SEG_BASE) + CS]!;
    p.bytes = blockBytes(this.cpu.phys, p.block);
  }

  private add(b: Block): BlockProfile {
    const p: BlockProfile = {
      block: b, eip: 0, csBase: 0, bytes: [],
      entries: 0, jitEntries: 0, insns: 0, jitInsns: 0, compiled: false, wasmBytes: 0, inline: 0, callouts: 0, compileUs: 0,
    };
    this.blocks.set(b, p);
    return p;
  }

  /** The `n` blocks that retired the most instructions. */
  hottest(n: number): BlockProfile[] {
    return [...this.blocks.values()].sort((a, b) => b.insns - a.insns || b.entries - a.entries).slice(0, n);
  }

  disassemble(p: BlockProfile): DisasmLine[] {
    return disassemble(p.block, p.bytes, p.eip);
  }
}
