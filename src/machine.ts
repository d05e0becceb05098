/**
 * A machine: CPU + memory + the decode front end + an engine. The CLI and
 * the tests build machines through this module.
 */
import { Cpu } from '../runtime/cpu.js';
import { cpuModel, type CpuModelName } from '../runtime/cpu-model.js';
import { FrontEnd, type FrontEndOptions } from '../translator/frontend/blocks.js';
import { run, type RunResult } from '../runtime/interp/loop.js';
import { Jit, type JitOptions } from '../translator/jit/engine.js';
import type { BlockSource } from '../runtime/records.js';

export type EngineName = 'interpreter' | 'jit';
export const ENGINES: readonly EngineName[] = ['interpreter', 'jit'];

export class EngineUnavailable extends Error {}

export interface MachineOptions {
  memoryMiB?: number;   // default 128
  engine?: EngineName;  // default interpreter
  /** Processor model (runtime/cpu-model.ts), default pentium2. */
  cpu?: CpuModelName;
  /** JIT tiering (engine 'jit'); threshold 0 compiles every block before it first runs. */
  jit?: JitOptions;
  /** The decode front end's cache bound. */
  frontEnd?: FrontEndOptions;
}

export class Machine {
  readonly cpu: Cpu;
  readonly frontEnd: FrontEnd;
  readonly engine: EngineName;
  /** The JIT (engine 'jit'), null for the interpreter. */
  readonly jit: Jit | null;
  private readonly source: BlockSource;

  constructor(opts: MachineOptions = {}) {
    const mib = opts.memoryMiB ?? 128;
    this.engine = opts.engine ?? 'interpreter';
    this.cpu = new Cpu(mib * 1024 * 1024, cpuModel(opts.cpu));
    this.frontEnd = new FrontEnd(this.cpu, opts.frontEnd);
    this.jit = this.engine === 'jit' ? new Jit(this.cpu, this.frontEnd, opts.jit) : null;
    this.source = this.jit ?? this.frontEnd;
  }

  /** Run up to `budget` guest instructions (`wholeBlocks`: up to the end of the block the budget ends in, see loop.ts). */
  run(budget: number, wholeBlocks = false): RunResult {
    this.frontEnd.maintain();
    const r = run(this.cpu, this.source, budget, wholeBlocks);
    this.jit?.sliceEnd();
    return r;
  }
}
