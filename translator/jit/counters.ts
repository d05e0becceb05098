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

  summary(): string {
    const per = this.blocksCompiled ? (this.compileMs * 1000) / this.blocksCompiled : 0;
    const share = this.recordsInline + this.recordsCallout;
    return `${this.blocksCompiled} blocks in ${this.modulesCompiled} modules, ${this.compileMs.toFixed(0)} ms (${per.toFixed(0)} us/block), ` +
      `${share ? ((100 * this.recordsInline) / share).toFixed(1) : '0'}% of records inline`;
  }
}
