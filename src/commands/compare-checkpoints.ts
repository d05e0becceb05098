/**
 * `jitvisor compare --at N` / `--every STEP`: the interpreter and the JIT
 * in this one process, in the deterministic clock, each run to the same
 * instruction counts (checkpoints) in turn; at each checkpoint their
 * registers and all of guest RAM (page by page) are compared. It stops at
 * the first checkpoint where they differ and says which registers and RAM
 * pages differ, and the last checkpoint where they were the same, so the
 * step can be narrowed there (`--from`). This is how the compare finding
 * (a JIT self-loop overran its budget and the timer IRQ came late, README)
 * was bisected by hand; the side-by-side run only says the end states differ.
 */
import { basename } from 'node:path';
import type { Pc, PcExit } from '../pc.js';
import type { GuestConfig } from './guest-options.js';
import { bootGuest, guestPc, lastLine, type BootedGuest, type SessionEnd, describeEnd } from './session.js';
import { apply, capture, encode, identify, type Decoded, type MachineIdentity } from '../snapshot/machine-state.js';
import { writeFileAtomic } from '../snapshot/files.js';
import { version } from '../version.js';
import { BoundaryTrace, boundaryText, firstBoundaryDifference, type BoundaryDifference } from './boundary-trace.js';
import { guestRam, ramDiffs, registerDiffs, registers, type PageDiff } from './guest-state.js';
import { giga, hex8, int } from '../report/profile-text.js';

export interface CheckpointOptions {
  /** First checkpoint (0: the first is at `step`). */
  from: number;
  /** Distance between checkpoints. */
  step: number;
  /** Last checkpoint (Infinity: until the guest ends or prints `until`). */
  last: number;
  until: string | null;
  threshold: number | undefined;
  json: boolean;
  /**
   * Both engines start from this snapshot instead of booting `g` (`--restore`; saved in the
   * deterministic clock): narrowing a difference far into a run then costs only the window.
   */
  restore?: { file: string; decoded: Decoded };
  /** After each checkpoint where the engines agree, the interpreter's machine is saved here (`--save-same`). */
  saveSame?: string;
  /** Record both engines' block boundaries between checkpoints and locate a difference between two of them (`--trace`). */
  trace?: boolean;
}

/** Largest checkpoint step --trace accepts: a boundary costs 16 bytes, and blocks average a few instructions. */
export const MAX_TRACE_STEP = 20_000_000;

export interface CheckpointDifference {
  at: number;
  lastSame: number | null;
  /** Instructions each engine retired (they differ only when one run ended early). */
  instructions: { interpreter: number; jit: number };
  registers: { name: string; interpreter: number; jit: number }[];
  ramPages: PageDiff[];
  /** With --trace: the first block boundary where the JIT's state left the interpreter's (null: none found). */
  boundaries?: BoundaryDifference | null;
}

/** Run `pc` until it has retired `target` instructions or ended; yields to the event loop now and then (Ctrl-C, progress). */
async function runTo(pc: Pc, target: number, interrupted: () => boolean): Promise<PcExit | 'idle' | null> {
  let t = performance.now();
  while (pc.executed < target) {
    if (interrupted()) return null;
    const sleep = pc.step(target - pc.executed);
    if (sleep < 0) return pc.exitReason!;
    // Deterministic clock: a halted CPU with no device event ahead waits for host input, which these runs never get.
    if (sleep > 0) return 'idle';
    if (performance.now() - t > 50) { await new Promise<void>((r) => setImmediate(r)); t = performance.now(); }
  }
  return pc.exitReason;
}

export async function checkpoints(g: GuestConfig, o: CheckpointOptions): Promise<number> {
  const jitOpts = o.threshold !== undefined ? { jit: { threshold: o.threshold } } : {};
  let interp: BootedGuest, jit: BootedGuest;
  if (o.restore !== undefined) {
    const c = o.restore.decoded.config;
    const start = async (b: BootedGuest): Promise<BootedGuest> => {
      await apply(o.restore!.decoded, b.pc);
      // Instruction counts (checkpoints, --from, --at) stay those of the whole run.
      b.pc.executed = c.instructions;
      return b;
    };
    interp = await start(guestPc(c, { engine: 'interpreter', clock: 'deterministic', until: o.until }));
    jit = await start(guestPc(c, { engine: 'jit', clock: 'deterministic', until: null, ...jitOpts }));
  } else {
    interp = bootGuest(g, { engine: 'interpreter', clock: 'deterministic', until: o.until });
    jit = bootGuest(g, { engine: 'jit', clock: 'deterministic', until: null, ...jitOpts });
  }
  const traces = o.trace === true ? { interp: new BoundaryTrace(), jit: new BoundaryTrace() } : null;
  if (traces !== null) { interp.pc.cpu.onBoundary = traces.interp.record; jit.pc.cpu.onBoundary = traces.jit.record; }
  const identity: MachineIdentity = o.restore !== undefined
    ? { kernel: o.restore.decoded.config.kernel, initrd: o.restore.decoded.config.initrd, cmdline: g.cmdline, engine: 'interpreter' }
    : {
      kernel: identify(basename(g.kernel.path), g.kernel.bytes), initrd: g.initrd ? identify(basename(g.initrd.path), g.initrd.bytes) : null,
      cmdline: g.cmdline, engine: 'interpreter',
    };
  let interrupted = false;
  const onSignal = (): void => { interrupted = true; };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const t0 = performance.now();
  let phase = '';
  const progress = setInterval(() => {
    process.stderr.write(`jitvisor compare: ${phase}: interpreter at ${giga(interp.pc.executed)}, JIT at ${giga(jit.pc.executed)} instructions, ` +
      `${((performance.now() - t0) / 1000).toFixed(0)} s; console: ${lastLine(interp.tail())}\n`);
  }, 10_000);
  const from = o.restore !== undefined ? `snapshot ${o.restore.file} (${int(o.restore.decoded.config.instructions)} instructions in)` : g.kernel.shown;
  const header = `jitvisor compare: ${from}, "${g.cmdline}", ${g.memoryMiB} MiB, deterministic clock; ` +
    (o.last === o.step && o.from === 0 ? `the state at instruction ${int(o.last)}` : `checkpoints every ${int(o.step)} instructions` +
      `${o.from > 0 ? ` from ${int(o.from)}` : ''}${Number.isFinite(o.last) ? ` to ${int(o.last)}` : ''}`);
  if (!o.json) process.stdout.write(header + '\n');
  const seen: { at: number; same: boolean }[] = [];
  let lastSame: number | null = null, diff: CheckpointDifference | null = null, end: SessionEnd | 'idle' | null = null;
  try {
    let target = o.from > 0 ? o.from : o.step;
    for (;;) {
      if (target > o.last) target = o.last;
      phase = `to ${int(target)}`;
      const ea = await runTo(interp.pc, target, () => interrupted);
      if (interrupted) { end = { kind: 'interrupted' }; break; }
      // The JIT stops where the interpreter did (its --until, or its end).
      const at = interp.pc.executed;
      const eb = await runTo(jit.pc, at, () => interrupted);
      if (interrupted) { end = { kind: 'interrupted' }; break; }
      const d = compareAt(interp, jit, at, lastSame);
      if (d !== null && traces !== null) d.boundaries = firstBoundaryDifference(traces.interp, traces.jit);
      traces?.interp.clear();
      traces?.jit.clear();
      seen.push({ at, same: d === null });
      if (!o.json) process.stdout.write(`  ${int(at).padStart(16)}  ${d === null ? 'same' : 'DIFFERENT'}\n`);
      if (d !== null) { diff = d; break; }
      lastSame = at;
      if (o.saveSame !== undefined) {
        phase = `saving ${o.saveSame}`;
        await writeFileAtomic(o.saveSame, await encode(capture(interp.pc, identity, version())));
        if (!o.json) process.stdout.write(`  ${''.padStart(16)}  saved to ${o.saveSame}\n`);
      }
      if (ea !== null) { end = ea === 'idle' ? 'idle' : interp.sawUntil() && ea.kind === 'stopped' ? { kind: 'until' } : ea; break; }
      if (eb !== null && eb !== 'idle') { end = eb; break; }
      if (at >= o.last) { end = { kind: 'limit' }; break; }
      target = at + o.step;
    }
  } finally {
    clearInterval(progress);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const endText = end === null ? 'a difference' : end === 'idle' ? 'the guest idles (halted, no device event ahead)'
    : end.kind === 'limit' ? `the last checkpoint, ${int(o.last)}` : describeEnd(end, o.until);
  if (o.json) {
    process.stdout.write(JSON.stringify({ guest: { kernel: g.kernel.shown, cmdline: g.cmdline, memoryMiB: g.memoryMiB }, checkpoints: seen, end: endText, firstDifference: diff }) + '\n');
  } else if (diff === null) {
    process.stdout.write(`same registers and RAM at all ${seen.length} checkpoint${seen.length === 1 ? '' : 's'}; ended: ${endText}\n`);
  } else {
    process.stdout.write(differenceText(diff, o));
    if (diff.boundaries !== undefined) {
      process.stdout.write(diff.boundaries === null
        ? '\nblock boundaries (--trace): every JIT boundary matched the interpreter\'s; the difference is inside the last compiled run\n'
        : boundaryText(diff.boundaries, jit.pc));
    }
  }
  if (end !== null && typeof end === 'object' && end.kind === 'interrupted') return 130;
  return diff === null ? 0 : 3;
}

function compareAt(a: BootedGuest, b: BootedGuest, at: number, lastSame: number | null): CheckpointDifference | null {
  const ra = registers(a.pc), rb = registers(b.pc);
  const regs = registerDiffs(ra, rb).map((name) => ({ name, interpreter: ra[name]!, jit: rb[name]! }));
  const pages = ramDiffs(guestRam(a.pc), guestRam(b.pc));
  if (regs.length === 0 && pages.length === 0 && a.pc.executed === b.pc.executed) return null;
  return { at, lastSame, instructions: { interpreter: a.pc.executed, jit: b.pc.executed }, registers: regs, ramPages: pages };
}

function differenceText(d: CheckpointDifference, o: CheckpointOptions): string {
  const out = ['', `first difference at ${int(d.at)} instructions; ${d.lastSame === null ? 'no earlier checkpoint' : `the same at ${int(d.lastSame)}`}`];
  if (d.instructions.interpreter !== d.instructions.jit) out.push(`  instructions retired: interpreter ${int(d.instructions.interpreter)}, JIT ${int(d.instructions.jit)}`);
  if (d.registers.length === 0) out.push('  registers: the same');
  else {
    out.push(`  ${'register'.padEnd(10)} ${'interpreter'.padEnd(10)}  JIT`);
    for (const r of d.registers) out.push(`  ${r.name.padEnd(10)} ${hex8(r.interpreter).padEnd(10)}  ${hex8(r.jit)}`);
  }
  if (d.ramPages.length === 0) out.push('  guest RAM: the same');
  else {
    const bytes = d.ramPages.reduce((n, p) => n + p.bytes, 0);
    out.push(`  guest RAM: ${int(bytes)} bytes differ in ${d.ramPages.length} pages: ` +
      d.ramPages.slice(0, 12).map((p) => `${hex8(p.addr)} (${p.bytes})`).join(', ') + (d.ramPages.length > 12 ? ', ...' : ''));
  }
  const lo = d.lastSame ?? 0;
  if (d.at - lo > 1 && d.instructions.interpreter === d.instructions.jit) {
    const step = Math.max(1, Math.floor((d.at - lo) / 10));
    const saved = o.saveSame !== undefined && d.lastSame !== null;
    out.push('', `narrow it: jitvisor compare ${saved ? `--restore ${o.saveSame}` : o.restore !== undefined ? `--restore ${o.restore.file}` : '[the same guest options]'}` +
      `${lo > 0 ? ` --from ${lo + step}` : ''} --every ${step} --at ${d.at}` +
      `${o.threshold !== undefined ? ` --jit-threshold ${o.threshold}` : ''}`);
    if (saved) out.push(`  (${o.saveSame} holds the state at ${int(lo)}: both engines start there)`);
  }
  out.push('');
  return out.join('\n');
}
