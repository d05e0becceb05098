/**
 * `jitvisor compare`: the same guest on the interpreter and on the JIT in
 * the deterministic clock mode (so both retire the same instructions and
 * take the same interrupts), side by side; with --lockstep, every compiled
 * block run checked against the interpreter (translator/jit/lockstep.ts).
 */
import { UsageError, stringValue, type Command, type OptionValues } from './command.js';
import { FIXED_BY_SNAPSHOT, GUEST_OPTIONS, parseGuestOptions, type GuestConfig } from './guest-options.js';
import { parseCount } from './options.js';
import { THRESHOLD_OPTION, UNTIL_OPTION, describeEnd, lastLine, parseThreshold, parseUntil, runSession, type SessionResult } from './session.js';
import type { EngineName } from '../machine.js';
// Types only: lockstep.ts compiles on the main thread (binaryen), loaded by --lockstep alone (below).
import type { Lockstep, DivergenceReport, LockstepStats } from '../../translator/jit/lockstep.js';
import { endState, registerDiffs, type EndState } from './guest-state.js';
import { inspectSnapshot } from '../vm.js';
import { SnapshotError } from '../snapshot/format.js';
import type { Decoded } from '../snapshot/machine-state.js';
import { MAX_TRACE_STEP } from './compare-checkpoints.js';
import { giga, hex8, int, pct } from '../report/profile-text.js';

/**
 * JIT threshold of --lockstep: every block is compiled after its first run
 * (interpreted, not compared), 64 blocks a module. Threshold 0 (each block
 * compiled alone before its first run) makes one wasm module per block: on a
 * whole boot (~37,000 blocks) V8 ran out of wasm code space ("Commit wasm
 * code space Allocation failed") after 10 minutes, each module taking its
 * own memory mappings.
 */
export const LOCKSTEP_THRESHOLD = 1;

/** Exit status when the engines differ (end state, or a lockstep divergence). */
export const EXIT_DIFFER = 3;

export const compareCommand: Command = {
  name: 'compare',
  summary: 'run a guest on the interpreter and on the JIT and compare speed and end state (--lockstep: block by block)',
  synopsis: '[options]',
  description:
    'Boots the same guest (same guest options as `jitvisor run`; default: the Debian kernel, until\n' +
    'GUEST-BOOT-OK) twice in the deterministic clock mode, on the interpreter and on the JIT, and\n' +
    'prints guest instructions, wall time, M instructions/s, the speedup, and whether both ended in\n' +
    'the same state (registers and a SHA-256 of guest RAM).\n' +
    '--lockstep instead runs the guest once on the JIT, compiling every block after its first run,\n' +
    'and replays each compiled block run in the interpreter from the same start state, comparing\n' +
    'registers, flags (materialised EFLAGS), faults and the memory it stored. It stops at the first\n' +
    'difference and shows the block disassembled, its generated wasm, and the differing state.\n' +
    '--at N / --every STEP run both engines in this process to the same instruction counts and compare\n' +
    'registers and guest RAM page by page there, stopping at the first checkpoint where they differ.',
  options: [
    ...GUEST_OPTIONS.filter((o) => o.name !== 'engine').map((o) => (o.name === 'clock'
      ? { ...o, arg: 'deterministic', help: 'deterministic (the default and only choice: both engines must take\ninterrupts at the same instruction)' } : o)),
    UNTIL_OPTION,
    { ...THRESHOLD_OPTION, help: `${THRESHOLD_OPTION.help}\n(with --lockstep the default is ${LOCKSTEP_THRESHOLD}: compiled after one run, in batches)` },
    { name: 'lockstep', type: 'boolean', help: 'check the JIT against the interpreter block run by block run' },
    { name: 'lockstep-runs', type: 'string', arg: 'N', help: 'with --lockstep: check each block\'s first N compiled runs only (default: all)' },
    { name: 'at', type: 'string', arg: 'N', help: 'compare the two engines\' registers and guest RAM at exactly instruction N (both run in this\nprocess; the console does not stop it unless --until is given)' },
    { name: 'every', type: 'string', arg: 'STEP', help: 'compare them every STEP instructions (to --at N, the guest\'s end or --until) and stop at the\nfirst checkpoint where they differ: registers and RAM pages that differ, the last one the same' },
    { name: 'from', type: 'string', arg: 'N', help: 'with --every: the first checkpoint (default STEP), to narrow a difference down' },
    { name: 'restore', type: 'string', arg: 'FILE', help: 'with --at/--every: start both engines from snapshot FILE (saved in the deterministic clock, e.g.\nby --save-same) instead of booting; counts stay those of the whole run' },
    { name: 'trace', type: 'boolean', help: `with --every STEP (at most ${MAX_TRACE_STEP.toLocaleString('en-US')}): record both engines' block boundaries between\ncheckpoints and, at a difference, show the first boundary where the JIT's state left the interpreter's` },
    { name: 'save-same', type: 'string', arg: 'FILE', help: 'with --at/--every: after each checkpoint where the engines agree, save the machine to FILE\n(replaced each time), so the next, narrower pass can --restore it' },
    { name: 'json', type: 'boolean', help: 'print the result as one JSON object' },
  ],
  epilogue: 'The clock is always deterministic (--clock realtime is refused).\n' +
    `Exit status: 0 same end state / no divergence; ${EXIT_DIFFER} the engines differ; 1 host error; 2 bad option or file.`,
  positionals: { min: 0, max: 0, name: '' },
  run: compare,
};

async function compare(values: OptionValues): Promise<number> {
  const restoreFile = stringValue(values, 'restore'), saveSame = stringValue(values, 'save-same');
  const checkpointMode = values.at !== undefined || values.every !== undefined;
  if (values.trace === true && values.every === undefined && values.at === undefined) throw new UsageError('--trace goes with --every (checkpoints)');
  if ((restoreFile !== undefined || saveSame !== undefined) && !checkpointMode) {
    throw new UsageError(`--${restoreFile !== undefined ? 'restore' : 'save-same'} goes with --at or --every (checkpoints)`);
  }
  let restore: { file: string; decoded: Decoded } | undefined;
  let g: GuestConfig;
  if (restoreFile !== undefined) {
    for (const o of FIXED_BY_SNAPSHOT) if (values[o] !== undefined) throw new UsageError(`--${o} cannot be combined with --restore (the snapshot fixes it)`);
    if (values.clock !== undefined && values.clock !== 'deterministic') throw new UsageError('compare needs the deterministic clock (both engines must take interrupts at the same instruction); leave out --clock');
    let decoded: Decoded;
    try {
      decoded = await inspectSnapshot(restoreFile);
    } catch (e) {
      if (e instanceof SnapshotError) throw new UsageError(e.message);
      if (e instanceof Error && 'code' in e && e.code === 'ENOENT') throw new UsageError(`--restore: no such file '${restoreFile}'`);
      throw e;
    }
    const c = decoded.config;
    if (c.clock !== 'deterministic') throw new UsageError(`snapshot '${restoreFile}' was saved in the ${c.clock} clock: compare needs one saved in the deterministic clock (both engines must take interrupts at the same instruction)`);
    restore = { file: restoreFile, decoded };
    const maxText = stringValue(values, 'max-instructions');
    g = {
      kernel: { path: restoreFile, shown: restoreFile, bytes: new Uint8Array(0) }, cmdline: c.cmdline ?? '', memoryMiB: c.memoryMiB, engine: 'interpreter',
      cpu: c.cpu, clock: 'deterministic', defaultGuest: false,
      maxInstructions: maxText === undefined ? Infinity : parseCount(maxText, '--max-instructions', Number.MAX_SAFE_INTEGER) || Infinity,
    };
  } else g = parseGuestOptions(values.clock === undefined ? { ...values, clock: 'deterministic' } : values);
  if (g.clock !== 'deterministic') throw new UsageError('compare needs the deterministic clock (both engines must take interrupts at the same instruction); leave out --clock');
  const until = parseUntil(values, g);
  const threshold = parseThreshold(values);
  const runsText = stringValue(values, 'lockstep-runs');
  if (runsText !== undefined && values.lockstep !== true) throw new UsageError('--lockstep-runs goes with --lockstep');
  const runs = runsText === undefined ? undefined : parseCount(runsText, '--lockstep-runs', Number.MAX_SAFE_INTEGER);
  if (runs === 0) throw new UsageError('--lockstep-runs must be at least 1');
  const atText = stringValue(values, 'at'), everyText = stringValue(values, 'every'), fromText = stringValue(values, 'from');
  if (atText !== undefined || everyText !== undefined || fromText !== undefined) {
    if (values.lockstep === true) throw new UsageError('--at, --every and --from compare states at checkpoints; --lockstep checks every block run: use one or the other');
    if (fromText !== undefined && everyText === undefined) throw new UsageError('--from goes with --every');
    if (atText !== undefined && Number.isFinite(g.maxInstructions)) throw new UsageError('--at N already stops at instruction N: leave out --max-instructions');
    const at = atText === undefined ? undefined : parseCount(atText, '--at', Number.MAX_SAFE_INTEGER);
    const every = everyText === undefined ? undefined : parseCount(everyText, '--every', Number.MAX_SAFE_INTEGER);
    const from = fromText === undefined ? 0 : parseCount(fromText, '--from', Number.MAX_SAFE_INTEGER);
    if (at === 0) throw new UsageError('--at must be at least 1');
    if (every === 0) throw new UsageError('--every must be at least 1');
    if (values.trace === true && (every ?? at!) > MAX_TRACE_STEP) {
      throw new UsageError(`--trace records every block boundary: use it with --every STEP of at most ${MAX_TRACE_STEP}`);
    }
    const last = at ?? g.maxInstructions;
    if (from > last) throw new UsageError(`--from ${from} is past the last checkpoint (${last})`);
    if (restore !== undefined && from > 0 && from <= restore.decoded.config.instructions) {
      throw new UsageError(`--from ${from} is not after the snapshot's instruction ${restore.decoded.config.instructions}`);
    }
    if (restore !== undefined && last <= restore.decoded.config.instructions) {
      throw new UsageError(`the last checkpoint (${last}) is not after the snapshot's instruction ${restore.decoded.config.instructions}`);
    }
    const { checkpoints } = await import('./compare-checkpoints.js');
    return checkpoints(g, {
      // From a snapshot the first checkpoint is a step past it, unless --from says.
      from: from === 0 && restore !== undefined && every !== undefined ? restore.decoded.config.instructions + every : from,
      step: every ?? at!, last, threshold, json: values.json === true,
      ...(restore !== undefined ? { restore } : {}), ...(saveSame !== undefined ? { saveSame } : {}), trace: values.trace === true,
      // At an instruction count the console does not end the run, unless asked to.
      until: at !== undefined && stringValue(values, 'until') === undefined ? null : until,
    });
  }
  return values.lockstep === true
    ? lockstep(g, until, threshold ?? LOCKSTEP_THRESHOLD, runs, values.json === true)
    : sideBySide(g, until, threshold, values.json === true);
}

// ---- side by side ----------------------------------------------------------------

interface EngineRun { engine: EngineName; instructions: number; translated: number; wallMs: number; cpuMs: number; mips: number; end: string; state: EndState }

async function runOne(g: GuestConfig, engine: EngineName, until: string | null, max: number, threshold: number | undefined, label: string): Promise<EngineRun> {
  process.stderr.write(`jitvisor compare: ${label}: booting ${g.kernel.shown} on the ${engine === 'jit' ? 'JIT' : 'interpreter'}\n`);
  const res: SessionResult = await runSession(g, {
    engine, clock: 'deterministic', until, maxInstructions: max,
    ...(engine === 'jit' && threshold !== undefined ? { jit: { threshold } } : {}),
    progress: (pc, ms, tail) => `jitvisor compare: ${label}: ${giga(pc.executed)} instructions${Number.isFinite(max) ? ` of ${giga(max)}` : ''}, ${(ms / 1000).toFixed(0)} s; console: ${lastLine(tail)}`,
  });
  if (res.end.kind === 'interrupted') throw new Interrupted();
  const pc = res.pc;
  return {
    engine, instructions: pc.executed, translated: pc.compiled, wallMs: res.wallMs, cpuMs: res.cpuMs,
    mips: res.wallMs > 0 ? pc.executed / res.wallMs / 1000 : 0, end: describeEnd(res.end, until), state: endState(pc),
  };
}

class Interrupted extends Error {}

async function sideBySide(g: GuestConfig, until: string | null, threshold: number | undefined, json: boolean): Promise<number> {
  let a: EngineRun, b: EngineRun;
  try {
    a = await runOne(g, 'interpreter', until, g.maxInstructions, undefined, '1/2 interpreter');
    // The JIT run stops at the very instruction the interpreter run stopped at.
    b = await runOne(g, 'jit', until, a.instructions, threshold, '2/2 JIT');
  } catch (e) {
    if (e instanceof Interrupted) { process.stderr.write('jitvisor compare: interrupted\n'); return 130; }
    throw e;
  }
  const regDiffs = registerDiffs(a.state.regs, b.state.regs);
  const same = a.instructions === b.instructions && regDiffs.length === 0 && a.state.ramSha256 === b.state.ramSha256;
  if (json) {
    process.stdout.write(JSON.stringify({ guest: { kernel: g.kernel.shown, cmdline: g.cmdline, memoryMiB: g.memoryMiB }, interpreter: a, jit: b, speedup: b.wallMs > 0 ? a.wallMs / b.wallMs : 0, cpuSpeedup: b.cpuMs > 0 ? a.cpuMs / b.cpuMs : 0, sameEndState: same, differingRegisters: regDiffs }) + '\n');
    return same ? 0 : EXIT_DIFFER;
  }
  const rows: [string, string, string][] = [
    ['guest instructions', int(a.instructions), int(b.instructions)],
    ['  of them translated', '-', `${int(b.translated)} (${pct(b.translated, b.instructions)})`],
    ['wall time', `${(a.wallMs / 1000).toFixed(2)} s`, `${(b.wallMs / 1000).toFixed(2)} s`],
    ['CPU time', `${(a.cpuMs / 1000).toFixed(2)} s`, `${(b.cpuMs / 1000).toFixed(2)} s`],
    ['M instructions/s', a.mips.toFixed(1), b.mips.toFixed(1)],
    ['speedup (wall)', '1.00x', `${(b.wallMs > 0 ? a.wallMs / b.wallMs : 0).toFixed(2)}x`],
    // On a shared host the wall times follow the other load: the CPU time ratio (all threads, the compile worker's too) is steadier.
    ['speedup (CPU time)', '1.00x', `${(b.cpuMs > 0 ? a.cpuMs / b.cpuMs : 0).toFixed(2)}x`],
    ['ended', a.end, b.end],
    ['EIP, EFLAGS', `${hex8(a.state.regs.eip!)} ${hex8(a.state.regs.eflags!)}`, `${hex8(b.state.regs.eip!)} ${hex8(b.state.regs.eflags!)}`],
    ['registers (SHA-256)', a.state.stateSha256.slice(0, 16), b.state.stateSha256.slice(0, 16)],
    ['guest RAM (SHA-256)', a.state.ramSha256.slice(0, 16), b.state.ramSha256.slice(0, 16)],
  ];
  const w0 = Math.max(...rows.map((r) => r[0].length)), w1 = Math.max(11, ...rows.map((r) => r[1].length));
  const out = [`jitvisor compare: ${g.kernel.shown}, "${g.cmdline}", ${g.memoryMiB} MiB, deterministic clock`, '',
    `${''.padEnd(w0)}  ${'interpreter'.padEnd(w1)}  JIT`, ...rows.map(([k, x, y]) => `${k.padEnd(w0)}  ${x.padEnd(w1)}  ${y}`), ''];
  if (same) out.push('same end state: yes (general, segment and control registers, EIP, EFLAGS, all of guest RAM)');
  else {
    out.push('same end state: NO');
    if (a.instructions !== b.instructions) out.push(`  instructions differ: ${int(a.instructions)} vs ${int(b.instructions)}`);
    for (const k of regDiffs) out.push(`  ${k.padEnd(8)} ${hex8(a.state.regs[k]!)}  ${hex8(b.state.regs[k]!)}`);
    if (a.state.ramSha256 !== b.state.ramSha256) out.push('  guest RAM differs (run --lockstep to find the first block that differs)');
  }
  process.stdout.write(out.join('\n') + '\n');
  return same ? 0 : EXIT_DIFFER;
}

// ---- lockstep --------------------------------------------------------------------------

async function lockstep(g: GuestConfig, until: string | null, threshold: number, runs: number | undefined, json: boolean): Promise<number> {
  const { Lockstep, LockstepDivergence } = await import('../../translator/jit/lockstep.js');
  let ls: Lockstep | null = null;
  process.stderr.write(`jitvisor compare --lockstep: booting ${g.kernel.shown} on the JIT (threshold ${threshold}), every ${runs === undefined ? '' : `block's first ${runs} `}compiled block run${runs === undefined ? '' : 's'} checked against the interpreter\n`);
  let res: SessionResult;
  try {
    res = await runSession(g, {
      engine: 'jit', clock: 'deterministic', until, maxInstructions: g.maxInstructions,
      // Chaining off: each compiled run is one block, the unit the checker wraps and replays (lockstep.ts).
      // Synchronous compiles: a block's code is there when its batch fills, not whenever the worker answers
      // (which in a short window may be never: the worker loads binaryen for 1-3 s).
      jit: { threshold, chain: false, direct: false, sync: true },
      attach: (pc) => { ls = new Lockstep(pc.cpu, pc.machine.frontEnd, pc.machine.jit!, runs === undefined ? {} : { runsPerBlock: runs }); },
      progress: (pc, ms, tail) => {
        const st = ls!.stats;
        return `jitvisor compare --lockstep: ${giga(pc.executed)} instructions${Number.isFinite(g.maxInstructions) ? ` of ${giga(g.maxInstructions)}` : ''}, ` +
          `${pct(st.instructionsCompared, pc.executed)} compared (${int(st.runsCompared)} block runs), 0 divergences, ${(ms / 1000).toFixed(0)} s; console: ${lastLine(tail)}`;
      },
    });
  } catch (e) {
    if (!(e instanceof LockstepDivergence)) throw e;
    if (json) process.stdout.write(JSON.stringify({ divergence: e.report, stats: ls!.stats }) + '\n');
    else process.stdout.write(divergenceText(e.report, ls!.stats));
    return EXIT_DIFFER;
  }
  const st: LockstepStats = ls!.stats, pc = res.pc;
  const end = describeEnd(res.end, until);
  if (json) {
    process.stdout.write(JSON.stringify({ end, instructions: pc.executed, divergences: 0, stats: st }) + '\n');
    return res.end.kind === 'interrupted' ? 130 : 0;
  }
  const total = pc.executed;
  process.stdout.write([
    `jitvisor compare --lockstep: ${g.kernel.shown}, "${g.cmdline}": ${end} after ${int(total)} instructions (${(res.wallMs / 1000).toFixed(1)} s); 0 divergences`,
    `  compared:          ${int(st.instructionsCompared).padStart(16)} instructions (${pct(st.instructionsCompared, total)}) in ${int(st.runsCompared)} compiled block runs of ${int(st.blocksCompared)} blocks; ${int(st.faultsCompared)} of the runs ended in a guest fault`,
    `  not compared:      ${int(st.impureInstructions).padStart(16)} impure instructions (I/O, system state, TSC, HLT...) run once, by the interpreter`,
    `                     ${int(st.instructionsInterpreted).padStart(16)} instructions the loop ran in the interpreter (budget splits, single-step)`,
    `                     ${int(st.smcInstructions).padStart(16)} instructions in ${int(st.smcRuns)} runs that invalidated their own block (self-modifying code)`,
    ...(st.uncheckedRuns ? [`                     ${int(st.uncheckedInstructions).padStart(16)} instructions in ${int(st.uncheckedRuns)} runs past --lockstep-runs`] : []),
    `  budget:            ${int(st.budgetChecks).padStart(16)} compiled runs (replayed or not) retired at most the budget the loop gave them`,
    ...(st.mmioStores ? [`  warning: ${int(st.mmioStores)} MMIO stores in checked blocks (they happened twice)`] : []),
    '',
  ].join('\n'));
  return res.end.kind === 'interrupted' ? 130 : 0;
}

export function divergenceText(r: DivergenceReport, st: LockstepStats): string {
  const out: string[] = [];
  const at = (e: number): string => (r.code32 ? hex8(e) : `${(r.csBase >>> 4).toString(16)}:${(e & 0xffff).toString(16).padStart(4, '0')}`);
  out.push(`jitvisor compare --lockstep: DIVERGENCE in the block at ${at(r.eip)} (CS base ${hex8(r.csBase)}, physical ${hex8(r.phys)}, ${r.code32 ? 32 : 16}-bit), ` +
    `after ${int(r.icount)} instructions (${int(st.runsCompared)} block runs compared before it)`);
  if (r.overran) {
    out.push(`the compiled run retired ${r.retired.jit} instructions, more than its budget of ${r.budget} (the instructions left before the next ` +
      'device event: an interrupt would be taken late)');
  }
  const c = r.culprit >= 0 ? r.disasm[r.culprit] : undefined;
  out.push(c
    ? `first differing instruction: ${at(c.eip)}  ${c.text}  (record ${r.culprit} of the block: its prefix of ${r.culprit + 1} records, compiled alone, already ${r.overran ? 'overruns its budget' : 'differs'})`
    : `first differing instruction: not isolated (${r.start.length === 0 ? 'a run past --lockstep-runs: not replayed' : 'every prefix of the block agrees; the difference needs the whole block, e.g. its loop back to its start'})`);
  out.push('', 'guest block:');
  for (const l of r.disasm) out.push(`${l.idx === r.culprit ? ' >' : '  '} ${at(l.eip)}  ${l.bytes.padEnd(20)} ${l.text}`);
  out.push('', `state after the ${r.culprit >= 0 ? 'prefix' : 'block'} run          JIT                    interpreter`);
  if (!r.state.some((d) => d.what === 'instructions retired')) out.push(`  ${'instructions retired'.padEnd(26)} ${String(r.retired.jit).padEnd(22)} ${r.retired.interp}`);
  if (r.faults.jit !== null || r.faults.interp !== null) out.push(`  ${'guest fault'.padEnd(26)} ${(r.faults.jit ?? 'none').padEnd(22)} ${r.faults.interp ?? 'none'}`);
  for (const d of r.state) out.push(`  ${d.what.padEnd(26)} ${d.jit.padEnd(22)} ${d.interp}`);
  if (r.memory.length) {
    out.push('', 'memory stored (physical address: before -> JIT / interpreter):');
    for (const m of r.memory.slice(0, 64)) out.push(`  ${hex8(m.addr)}: ${m.before.toString(16).padStart(2, '0')} -> ${m.jit.toString(16).padStart(2, '0')} / ${m.interp.toString(16).padStart(2, '0')}`);
    if (r.memory.length > 64) out.push(`  ... ${r.memory.length - 64} more bytes`);
  }
  if (r.start.length) out.push('', `start state: ${r.start.map((d) => `${d.what}=${d.jit.slice(2)}`).join(' ')}`);
  out.push('', r.culprit >= 0
    ? `generated wasm (text format) of the block's first ${r.culprit + 1} records compiled alone, the run that differs:`
    : 'generated wasm (text format) of the block compiled alone:', r.wasm.trimEnd(), '');
  return out.join('\n');
}
