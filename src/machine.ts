/**
 * A machine: CPU + memory + the decode front end + an engine. The CLI and
 * the tests build machines through this module.
 */
import { Cpu } from '../runtime/cpu.js';
import { cpuModel, type CpuModelName } from '../runtime/cpu-model.js';
import { FrontEnd } from '../translator/frontend/blocks.js';
import { run, type RunResult } from '../runtime/interp/loop.js';

export type EngineName = 'interpreter' | 'jit';
export const ENGINES: readonly EngineName[] = ['interpreter', 'jit'];

export class EngineUnavailable extends Error {}

export interface MachineOptions {
  memoryMiB?: number;   // default 128
  engine?: EngineName;  // default interpreter
  /** Processor model (runtime/cpu-model.ts), default pentium2. */
  cpu?: CpuModelName;
}

export class Machine {
  readonly cpu: Cpu;
  readonly frontEnd: FrontEnd;
  readonly engine: EngineName;

  constructor(opts: MachineOptions = {}) {
    const mib = opts.memoryMiB ?? 128;
    this.engine = opts.engine ?? 'interpreter';
    if (this.engine === 'jit') throw new EngineUnavailable('the JIT engine is not available yet (use --engine interpreter)');
    this.cpu = new Cpu(mib * 1024 * 1024, cpuModel(opts.cpu));
    this.frontEnd = new FrontEnd(this.cpu);
  }

  /** Run up to `budget` guest instructions. */
  run(budget: number): RunResult {
    this.frontEnd.maintain();
    return run(this.cpu, this.frontEnd, budget);
  }
}
