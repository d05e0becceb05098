import { EXIT_REASONS } from './chain.js';

/** JIT counters: cheap enough to stay on (plain number fields, bumped per batch or per compiled-block run). */
export class JitCounters {
  blocksCompiled = 0;
  modulesCompiled = 0;
  /** Total compile time (binaryen + V8), ms. */
  compileMs = 0;
  recordsInline = 0;
  recordsCallout = 0;
  moduleBytes = 0;
  /** Blocks that became hot but were invalid by the time their batch compiled. */
  droppedInvalid = 0;
  /** Transfers from a compiled block into its successor inside wasm (chain.ts), read between slices. */
  readonly chained = { n: 0 };
  /** Returns from compiled code to the loop, by reason (chain.ts EXIT_REASONS order). */
  readonly exits: number[] = EXIT_REASONS.map(() => 0);

  summary(): string {
    const per = this.blocksCompiled ? (this.compileMs * 1000) / this.blocksCompiled : 0;
    const share = this.recordsInline + this.recordsCallout;
    return `${this.blocksCompiled} blocks in ${this.modulesCompiled} modules, ${this.compileMs.toFixed(0)} ms (${per.toFixed(0)} us/block), ` +
      `${share ? ((100 * this.recordsInline) / share).toFixed(1) : '0'}% of records inline, ` +
      `${this.chained.n} chained transfers, returns to the loop: ${EXIT_REASONS.map((r, k) => `${r} ${this.exits[k]}`).join(', ')}`;
  }
}
