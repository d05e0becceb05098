/**
 * Block-boundary traces for `jitvisor compare --every STEP --trace`: while
 * both engines run from one checkpoint to the next, each records, at every
 * block boundary its execution loop sees (Cpu.onBoundary), the instruction
 * count, EIP, ESP and a hash of the general registers, EIP and EFLAGS. The
 * interpreter sees every boundary; the JIT only those where compiled code
 * returned to the loop (direct transfers and self-loops stay in wasm). When
 * the checkpoint differs, the first JIT boundary whose state the interpreter
 * did not have at the same instruction count brackets the difference
 * between two boundaries: one compiled run (or one interpreted block) of the
 * JIT, whose start is the last boundary both agree on. That is how the
 * bench=1 difference (an interrupt held by STI came late after a direct
 * transfer) was found by hand; this does it in one pass.
 */
import type { Cpu } from '../../runtime/cpu.js';
import type { Pc } from '../pc.js';
import { EIP, REGS, w } from '../../runtime/state/layout.js';
import { blockBytes, disassemble } from '../../translator/jit/disasm.js';
import { hex8, int } from '../report/profile-text.js';

const W_EIP = w(EIP), W_REGS = w(REGS);

/** Boundaries of one checkpoint interval, in growable typed arrays (16 bytes each). */
export class BoundaryTrace {
  n = 0;
  private ic = new Float64Array(1 << 16);
  private eip = new Int32Array(1 << 16);
  private esp = new Int32Array(1 << 16);
  private hash = new Int32Array(1 << 16);

  /** The hook for Cpu.onBoundary. */
  readonly record = (cpu: Cpu): void => {
    if (this.n === this.ic.length) this.grow();
    const s = cpu.s, k = this.n++;
    this.ic[k] = cpu.icountNumber();
    this.eip[k] = s[W_EIP]!;
    this.esp[k] = s[W_REGS + 4]!;
    // FNV-1a over the words: equal states hash equal; a collision would only hide a difference here.
    let h = 0x811c9dc5 | 0;
    for (let i = 0; i < 8; i++) h = Math.imul(h ^ s[W_REGS + i]!, 0x01000193);
    h = Math.imul(h ^ s[W_EIP]!, 0x01000193);
    this.hash[k] = Math.imul(h ^ cpu.getEflags(), 0x01000193);
  };

  clear(): void { this.n = 0; }

  private grow(): void {
    const m = this.ic.length * 2;
    const g = <T extends Float64Array | Int32Array>(a: T, make: (n: number) => T): T => { const b = make(m); b.set(a); return b; };
    this.ic = g(this.ic, (n) => new Float64Array(n));
    this.eip = g(this.eip, (n) => new Int32Array(n));
    this.esp = g(this.esp, (n) => new Int32Array(n));
    this.hash = g(this.hash, (n) => new Int32Array(n));
  }

  at(k: number): Boundary { return { at: this.ic[k]!, eip: this.eip[k]! >>> 0, esp: this.esp[k]! >>> 0, hash: this.hash[k]! }; }

  /** Index of the first boundary at instruction count `ic` or later (counts never decrease). */
  lowerBound(ic: number): number {
    let lo = 0, hi = this.n;
    while (lo < hi) { const mid = (lo + hi) >>> 1; if (this.ic[mid]! < ic) lo = mid + 1; else hi = mid; }
    return lo;
  }
}

export interface Boundary { at: number; eip: number; esp: number; hash: number }

export interface BoundaryDifference {
  /** The JIT's last boundary the interpreter also had, state and all (null: none in this interval). */
  lastSame: Boundary | null;
  /** The JIT's first boundary whose state the interpreter did not have at that instruction count. */
  jit: Boundary;
  /** The interpreter's boundaries from lastSame to jit.at (at most MAX_SHOWN). */
  interpreter: Boundary[];
  /** How many of them there were. */
  interpreterCount: number;
}

const MAX_SHOWN = 24;
const MAX_SHOWN_RECORDS = 64;

/** Where the JIT's trace first leaves the interpreter's (null: every JIT boundary matched one). */
export function firstBoundaryDifference(interp: BoundaryTrace, jit: BoundaryTrace): BoundaryDifference | null {
  let lastSame: Boundary | null = null;
  for (let k = 0; k < jit.n; k++) {
    const b = jit.at(k);
    // The same count can be seen more than once (a fault or interrupt delivered with nothing retired).
    let same = false;
    for (let i = interp.lowerBound(b.at); i < interp.n; i++) {
      const a = interp.at(i);
      if (a.at !== b.at) break;
      if (a.hash === b.hash && a.eip === b.eip && a.esp === b.esp) { same = true; break; }
    }
    if (same) { lastSame = b; continue; }
    const from = lastSame === null ? 0 : interp.lowerBound(lastSame.at);
    const to = interp.lowerBound(b.at + 1);
    const shown: Boundary[] = [];
    for (let i = from; i < to && shown.length < MAX_SHOWN; i++) shown.push(interp.at(i));
    return { lastSame, jit: b, interpreter: shown, interpreterCount: to - from };
  }
  return null;
}

/** The report: both engines' boundaries around the difference, and the JIT's block at the last agreed boundary. */
export function boundaryText(d: BoundaryDifference, jitPc: Pc): string {
  const out: string[] = ['', 'block boundaries (--trace):'];
  const line = (who: string, b: Boundary, note = ''): string =>
    `  ${who.padEnd(12)} ${int(b.at).padStart(16)}  eip ${hex8(b.eip)}  esp ${hex8(b.esp)}${note}`;
  if (d.lastSame === null) out.push('  no JIT boundary in this interval matched the interpreter\'s');
  else out.push(line('both', d.lastSame, '  (the last boundary where the states agree)'));
  out.push(line('JIT', d.jit, `  (its next: ${int(d.jit.at - (d.lastSame?.at ?? d.jit.at))} instructions later, ` +
    'state not the interpreter\'s there)'));
  out.push(`  the interpreter's boundaries from there to ${int(d.jit.at)} (${int(d.interpreterCount)}):`);
  for (const b of d.interpreter) out.push(line('  interpreter', b));
  if (d.interpreterCount > d.interpreter.length) out.push('    ...');
  if (d.lastSame !== null) {
    // The block the JIT ran from the last agreed boundary (through the JIT machine's current mapping).
    const cpu = jitPc.cpu, fe = jitPc.machine.frontEnd;
    let phys = -1;
    try { phys = cpu.mmu.probe(d.lastSame.eip); } catch { phys = -1; }
    const blk = phys >= 0 ? fe.peek(phys, true) ?? fe.peek(phys, false) : undefined;
    if (blk === undefined || !blk.valid) out.push(`  (the JIT's block at ${hex8(d.lastSame.eip)} is no longer decoded)`);
    else {
      out.push(`  the JIT's block at ${hex8(d.lastSame.eip)} (physical ${hex8(phys)}, ${blk.jit !== null ? 'compiled' : 'interpreted'}; ` +
        'a compiled run may go on into other blocks):');
      // Records run in order until an exit: the first ones cover what ran (a superblock can be hundreds long).
      const lines = disassemble(blk, blockBytes(cpu.phys, blk), d.lastSame.eip);
      const shown = Math.min(lines.length, Math.max(8, d.jit.at - d.lastSame.at + 2), MAX_SHOWN_RECORDS);
      for (const l of lines.slice(0, shown)) out.push(`    ${hex8(l.eip)}  ${l.bytes.padEnd(20)} ${l.text}`);
      if (lines.length > shown) out.push(`    ... (${lines.length - shown} more)`);
    }
  }
  return out.join('\n') + '\n';
}
