/**
 * What an idle guest costs the host: the default guest sits at its shell
 * prompt (`/ # `), and over an idle window this prints the process CPU (all
 * threads, and the main thread alone), guest instructions and guest time,
 * and the deltas of the front end's counters (blocks decoded, killed by
 * reason, evicted, decoded again), of the JIT's (blocks compiled,
 * interpreted instructions by reason, returns to the loop) and, with
 * --trace, which blocks were decoded in the window and how often.
 *
 *   node dist/bench/idle.js [--engine jit|interpreter] [--clock realtime|deterministic]
 *        [--snapshot FILE] [--warm S] [--idle S] [--windows N] [--trace N] [--top N] [--json]
 *        [--log FILE] [--cmd 'shell command']... [--save FILE]
 *   node dist/bench/idle.js --v86 [--warm S] [--idle S] [--windows N]   (v86 idle at the same prompt)
 *
 * Without --snapshot it boots the default guest (128 MiB) with the given
 * clock until the shell prompt; with --snapshot it restores FILE (e.g. made
 * by bench/shell-snapshot.ts) with the given engine and clock. Then it lets
 * the guest idle --warm seconds (default 5) and measures --windows windows
 * (default 1) of --idle seconds (default 20) each. With the deterministic
 * clock an idle guest never sleeps (halts skip to the next timer event), so
 * the host runs flat out: compare per guest second there.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { Machine } from '../src/vm.js';
import { INTERP_REASONS } from '../runtime/records.js';
import { EXIT_REASONS } from '../translator/jit/chain.js';
import { insnsOf, type Block } from '../runtime/records.js';
import type { Pc } from '../src/pc.js';

const args = process.argv.slice(2);
const opt = (name: string, def: string): string => { const i = args.indexOf(`--${name}`); return i >= 0 && i + 1 < args.length ? args[i + 1]! : def; };
const engine = opt('engine', 'jit') as 'jit' | 'interpreter';
const clock = opt('clock', 'realtime') as 'realtime' | 'deterministic';
const snapshot = opt('snapshot', '');
const warmS = Number(opt('warm', '5')), idleS = Number(opt('idle', '20')), windows = Number(opt('windows', '1'));
const traceTop = Number(opt('trace', '0'));
const topN = Number(opt('top', '0'));
const saveTo = opt('save', ''), logTo = opt('log', ''), cmds = args.flatMap((a, i) => (a === '--cmd' ? [args[i + 1]!] : []));
const json = args.includes('--json');
const log = (s: string): void => { process.stderr.write(s + '\n'); };

function mainThreadCpuMs(): number {
  const stat = readFileSync('/proc/thread-self/stat', 'latin1');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const t0 = performance.now();

// --v86: the same idle window on v86 (started as bench/boot-runner.ts starts it), process CPU only.
if (args.includes('--v86')) {
  const { createRequire } = await import('node:module');
  const { join } = await import('node:path');
  const dir = new URL('../../guests/', import.meta.url).pathname;
  const file = (f: string): { buffer: ArrayBuffer } => { const u = readFileSync(join(dir, f)); return { buffer: u.buffer.slice(u.byteOffset, u.byteOffset + u.byteLength) }; };
  const v86Dir = join(createRequire(import.meta.url).resolve('v86/package.json'), '..');
  const spec = 'v86';
  const { V86 } = await import(spec) as { V86: new (o: Record<string, unknown>) => { add_listener(ev: string, f: (b: number) => void): void; destroy(): void } };
  const emulator = new V86({
    wasm_path: join(v86Dir, 'build', 'v86.wasm'), memory_size: 128 << 20, bios: file('seabios.bin'), vga_bios: file('vgabios-stdvga.bin'),
    bzimage: file('linux-686.bzImage'), initrd: file('initramfs.cpio.gz'), cmdline: 'console=ttyS0', autostart: true,
    disable_keyboard: true, disable_mouse: true, disable_speaker: true,
  });
  let text = '';
  emulator.add_listener('serial0-output-byte', (b: number) => { text += String.fromCharCode(b); });
  while (!(text.includes('GUEST-BOOT-OK') && text.slice(text.indexOf('GUEST-BOOT-OK')).includes('/ # '))) await sleep(100);
  log(`v86 at the shell after ${((performance.now() - t0) / 1000).toFixed(1)} s; idling ${warmS} s first`);
  await sleep(warmS * 1000);
  for (let w = 0; w < windows; w++) {
    const c0 = process.cpuUsage(), m0 = mainThreadCpuMs(), w0 = performance.now();
    await sleep(idleS * 1000);
    const c = process.cpuUsage(c0), ms = performance.now() - w0;
    const r = { engine: 'v86', window: w, wallS: +(ms / 1000).toFixed(2), cpuPct: +((100 * (c.user + c.system) / 1000) / ms).toFixed(1), mainCpuPct: +((100 * (mainThreadCpuMs() - m0)) / ms).toFixed(1) };
    if (json) process.stdout.write(JSON.stringify(r) + '\n');
    else log(`window ${w}: ${r.wallS} s wall, process CPU ${r.cpuPct} %, main thread ${r.mainCpuPct} %`);
  }
  process.exit(0);
}

// --max-modules N: the compiled-code bound (translator/jit/cache.ts), to try others.
const maxModules = Number(opt('max-modules', '0'));
const jitOpts = maxModules ? { jit: { limits: { maxModules, maxBlocks: 32_768 } } } : {};
const m = snapshot ? await Machine.restore(snapshot, { engine, clock, ...jitOpts }) : Machine.create({ engine, clock, memoryMiB: 128, ...jitOpts });
let out = '';
m.on('output', (b: Buffer) => { out += b.toString('latin1'); if (logTo) appendFileSync(logTo, b); });
const run = m.run();
if (snapshot) {
  m.sendInput('\n');
  while (!out.includes('/ # ')) await sleep(50);
} else {
  // The prompt may be followed by the shell's terminal queries (escape sequences): not anchored at the end.
  while (!(out.includes('GUEST-BOOT-OK') && out.slice(out.indexOf('GUEST-BOOT-OK')).includes('/ # '))) {
    if (m.status().state === 'exited') throw new Error(`the guest ended: ${JSON.stringify(m.status().exit)}`);
    await sleep(100);
  }
}
for (const c of cmds) {
  const from = out.length;
  m.sendInput(c + '\n');
  while (!out.slice(from).includes('/ # ')) await sleep(50);
  log(`$ ${c}\n${out.slice(from)}`);
}
log(`at the shell after ${((performance.now() - t0) / 1000).toFixed(1)} s (${engine}, ${clock}${snapshot ? `, from ${snapshot}` : ''}); idling ${warmS} s first`);
await sleep(warmS * 1000);
if (saveTo) { const r = await m.saveSnapshot(saveTo); log(`saved ${saveTo} (${(r.bytes / 1048576).toFixed(1)} MiB)`); }

// The Pc is private to Machine: a bench reads its engine's counters anyway (as bench/phase-pair.ts does).
const pc = (m as unknown as { pc: Pc }).pc;
const fe = pc.machine.frontEnd;
const jit = pc.machine.jit;

/** Blocks decoded in the window, by address (--trace): wrap the front end's get() to see misses. */
const decodedAt = new Map<string, number>();
if (traceTop > 0) {
  const orig = fe.get.bind(fe);
  fe.get = (phys: number, lin: number, code32: boolean): Block => {
    const before = fe.stats.blocksDecoded;
    const b = orig(phys, lin, code32);
    if (fe.stats.blocksDecoded !== before) {
      const k = `${(lin >>> 0).toString(16)} phys ${phys.toString(16)} len ${b.recs.length}${b.again ? ' again' : ''}`;
      decodedAt.set(k, (decodedAt.get(k) ?? 0) + 1);
    }
    return b;
  };
}

/** Slices (Pc.step calls), those that ran the CPU, host time inside them: what the idle loop does per second. */
const steps = { n: 0, ran: 0, ms: 0 };
{
  const orig = pc.step.bind(pc);
  pc.step = (budgetLeft?: number): number => {
    const t = performance.now(), e = pc.executed;
    const r = orig(budgetLeft);
    steps.n++;
    if (pc.executed !== e) steps.ran++;
    steps.ms += performance.now() - t;
    return r;
  };
}

type Snap = { wall: number; cpu: number; main: number; insns: number; vns: number; fe: Record<string, number>; jit: Record<string, number>; interp: number[]; exits: number[]; steps: { n: number; ran: number; ms: number } };
function snap(): Snap {
  const c = process.cpuUsage();
  const st = m.status();
  return {
    wall: performance.now(), cpu: (c.user + c.system) / 1000, main: mainThreadCpuMs(), insns: st.instructions, vns: st.virtualNs,
    fe: { ...fe.stats } as unknown as Record<string, number>, jit: m.jitCounters() ?? {},
    interp: jit ? [...jit.counters.interpreted] : [], exits: jit ? [...jit.counters.exits] : [], steps: { ...steps },
  };
}
function diff(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const o: Record<string, number> = {};
  for (const k of Object.keys(b)) { const d = b[k]! - (a[k] ?? 0); if (d !== 0 && !k.startsWith('live')) o[k] = Math.round(d * 100) / 100; }
  for (const k of Object.keys(b)) if (k.startsWith('live')) o[k] = b[k]!;
  return o;
}

/** Instructions retired per live block (--top): the window's hottest code. */
function insnsByBlock(): Map<Block, number> {
  const o = new Map<Block, number>();
  for (const b of fe.liveBlocks()) o.set(b, insnsOf(b));
  return o;
}

const results: Record<string, unknown>[] = [];
for (let w = 0; w < windows; w++) {
  decodedAt.clear();
  const before = topN ? insnsByBlock() : null;
  const a = snap();
  await sleep(idleS * 1000);
  const b = snap();
  const ranCompiled = before ? [...insnsByBlock()].filter(([blk, n]) => blk.jit !== null && n > (before.get(blk) ?? 0)).length : 0;
  const top: string[] = [];
  if (before) {
    const d = [...insnsByBlock()].map(([blk, n]) => [blk, n - (before.get(blk) ?? 0)] as const).filter(([, n]) => n > 0).sort((x, y) => y[1] - x[1]);
    for (const [blk, n] of d.slice(0, topN)) top.push(`${n} insns: ${blk.phys.toString(16)} len ${blk.recs.length} hits ${blk.hits}${blk.jit ? ' compiled' : ''}`);
  }
  const s = (b.wall - a.wall) / 1000;
  const interp: Record<string, number> = {}, exits: Record<string, number> = {};
  INTERP_REASONS.forEach((r, k) => { const d = b.interp[k]! - a.interp[k]!; if (d) interp[r] = d; });
  EXIT_REASONS.forEach((r, k) => { const d = b.exits[k]! - a.exits[k]!; if (d) exits[r] = d; });
  const r = {
    engine, clock, window: w, wallS: +s.toFixed(2),
    cpuPct: +((100 * (b.cpu - a.cpu)) / (b.wall - a.wall)).toFixed(1),
    mainCpuPct: +((100 * (b.main - a.main)) / (b.wall - a.wall)).toFixed(1),
    insnsPerS: Math.round((b.insns - a.insns) / s), guestS: +((b.vns - a.vns) / 1e9).toFixed(2),
    insnsPerGuestS: Math.round((b.insns - a.insns) / ((b.vns - a.vns) / 1e9)),
    frontEnd: diff(a.fe, b.fe), jit: diff(a.jit, b.jit), interpreted: interp, exits,
    modules: jit ? jit.cache.moduleCount : 0, compiledBlocks: jit ? jit.cache.blockCount : 0, ranCompiled,
    stepsPerS: Math.round((b.steps.n - a.steps.n) / s), runsPerS: Math.round((b.steps.ran - a.steps.ran) / s),
    stepMsPerS: +((b.steps.ms - a.steps.ms) / s).toFixed(1),
    decoded: [...decodedAt].sort((x, y) => y[1] - x[1]).slice(0, traceTop),
  };
  results.push(r);
  if (json) process.stdout.write(JSON.stringify(r) + '\n');
  else {
    log(`window ${w}: ${r.wallS} s wall, process CPU ${r.cpuPct} %, main thread ${r.mainCpuPct} %, ${r.insnsPerS} insns/s, ${r.guestS} guest s (${r.insnsPerGuestS} insns per guest s)`);
    if (jit) log(`  code cache at the end: ${r.modules} modules, ${r.compiledBlocks} blocks${topN ? `; ${ranCompiled} compiled blocks ran in the window` : ''}`);
    log(`  slices: ${r.stepsPerS}/s, ${r.runsPerS}/s ran the CPU, ${r.stepMsPerS} ms/s inside them`);
    log(`  front end: ${JSON.stringify(r.frontEnd)}`);
    if (jit) log(`  jit: ${JSON.stringify(r.jit)}\n  interpreted: ${JSON.stringify(interp)}\n  exits: ${JSON.stringify(exits)}`);
    for (const [k, n] of r.decoded) log(`  decoded ${n}x: ${k}`);
    for (const t of top) log(`  top: ${t}`);
  }
}
m.stop();
await run;
process.exit(0);
