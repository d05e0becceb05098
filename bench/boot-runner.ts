/**
 * Child process for bench/boot.ts: boots the guest on one emulator and
 * reports. Not meant to be run by hand (but it can be):
 *
 *   node dist/bench/boot-runner.js jitvisor --engine interpreter --clock deterministic \
 *        --kernel K --initrd I --append "console=ttyS0" [--memory 128] [--until GUEST-BOOT-OK]
 *        [--untuned] [--jit-threshold N] [--jit-batch N] [--jit-direct 0] [--jit-indirect 0|1] [--jit-pages 0|1] [--jit-modules 0|1] [--jit-global 0] [--jit-neighbours 1] [--jit JSON] [--max-records N] [--front JSON] [--heap-stats] [--no-prestart]
 *        [--timeline MS] [--stop-at N] [--until-console]
 *   node dist/bench/boot-runner.js v86 [--no-jit] --bios-dir DIR --kernel K --initrd I \
 *        --append "console=ttyS0" [--memory 128] [--until GUEST-BOOT-OK] [--timeline MS] [--until-console]
 *
 * The guest's serial output (COM1) goes to stdout, raw, as with
 * `jitvisor run` and QEMU -nographic. When file descriptor 3 is open (the
 * bench opens it as a pipe) one JSON object per line goes there:
 *   {"ev":"t0", ...}        just before the emulator is constructed (files already in memory)
 *   {"ev":"marker","name":"GUEST-BOOT-OK","ms":..,"cpuMs":..,"executed":..,"jit":{..},"frontEnd":{..}}
 *                           when a line starting with GUEST- completes on the serial port
 *   {"ev":"exit", ...}      when the guest ended (jitvisor: how; v86: never)
 * jitvisor only, for start-up timelines (bench/start-timeline.ts): `at` is ms since the process
 * started (performance.now()), `mainMs` the main thread's CPU ms (/proc schedstat, not 10 ms ticks):
 *   {"ev":"run", ...}       (--timeline) just before the first guest instruction
 *   {"ev":"tick", ...}      (--timeline MS) every MS ms: executed, CPU, modules attached, interpreted
 *   {"ev":"module", ...}    (--timeline) each compiled module as it is attached: its blocks, executed,
 *                           workMs (the worker's emit + compile), latencyMs (from its request's send)
 * --stop-at N ends the run after N guest instructions (its exit event then says "limit").
 * Both emulators, for bench/v86-start.ts (a like-for-like start against v86):
 *   {"ev":"script", ...}    this script's first line ran (`at`: Node's own start before it)
 *   {"ev":"t0", origin}     also carries performance.timeOrigin (epoch ms), so a parent can place
 *                           the process's start against its spawn
 *   {"ev":"console", ...}   (--timeline) the line "printk: console [ttyS0] enabled" completed;
 *                           --until-console exits there
 *   ticks carry `eip` (jitvisor: EIP; v86: its linear instruction pointer): the bench finds the
 *   kernel's 32-bit entry (v86 runs SeaBIOS and the real-mode setup first; jitvisor starts there)
 *   and the decompressor's end (EIP in the kernel's mapping, >= 0xc0000000) from them.
 * v86 with --timeline: `run` when it emits emulator-started, ticks with its instruction counter
 * (a u32 in v86, unwrapped here; counted by v86's own rules, so only differences compare).
 * `ms` counts from t0; `cpuMs` is the whole process's CPU time so far (process.cpuUsage:
 * user + system, all threads, Node start-up included, like /proc/<pid>/stat for QEMU), `mainCpuMs`
 * the main thread's alone (Linux; the guest's thread, without the compile worker and V8's helpers);
 * `executed` is jitvisor's retired guest instructions at that point.
 * With --until NAME the process exits as soon as that marker is seen.
 * jitvisor runs with the settings `jitvisor run` starts node with (src/host-tuning.ts: malloc
 * arenas, V8's thread pool); when this process was started without them it starts itself again
 * with them and waits; --untuned runs as started (to measure what they change).
 */
import { readFileSync, writeSync, fstatSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TUNED_ENV, TUNED_NODE_FLAGS, isTuned } from '../src/host-tuning.js';
import { readBytes } from '../src/read-bytes.js';
import { mainThreadNs } from './thread-cpu.js';

const args = process.argv.slice(2);
const kind = args.shift();
const scriptAt = performance.now();   // Node's start-up before this module ran (bench/v86-start.ts)
function opt(name: string, def?: string): string {
  const i = args.indexOf(`--${name}`);
  if (i >= 0 && i + 1 < args.length) return args[i + 1];
  if (def === undefined) { process.stderr.write(`boot-runner: missing --${name}\n`); process.exit(2); }
  return def;
}
const flag = (name: string) => args.includes(`--${name}`);

let fd3 = false;
try { fstatSync(3); fd3 = true; } catch { /* not opened by a parent: events go nowhere */ }

// jitvisor is measured as `jitvisor run` runs (src/host-tuning.ts: settings read only at process start).
// Started by hand without them, run again with them (this process only waits); --untuned: as started.
if (kind === 'jitvisor' && !flag('untuned') && !isTuned()) {
  const r = spawnSync(process.execPath, [...process.execArgv, ...TUNED_NODE_FLAGS, fileURLToPath(import.meta.url), kind, ...args], {
    stdio: ['inherit', 'inherit', 'inherit', fd3 ? 3 : 'ignore'], env: { ...process.env, ...TUNED_ENV },
  });
  process.exit(r.status ?? 1);
}
function event(o: Record<string, unknown>): void {
  if (fd3) writeSync(3, JSON.stringify(o) + '\n');
}
event({ ev: 'script', at: scriptAt, mainMs: mainThreadNs() / 1e6 });
/** --timeline: the moment the kernel's console comes on (its first serial line), with `now()`'s fields. */
const CONSOLE_LINE = /printk: console \[ttyS0\] enabled/;
let timelineNow: (() => Record<string, number>) | null = null;

// Views, not copies (src/read-bytes.ts): as `jitvisor run` reads them. Held only until the emulator
// has them (takeImages): `jitvisor run` keeps no reference to its files after the boot loader copied
// them into guest RAM, so their 6.8 MB go with the next collection; kept here, they added ~6.5 MiB
// to every peak RSS this runner reported (docs/jit-plan.md "Memory", sixth pass).
let images: { kernel: Uint8Array; initrd: Uint8Array } | null = { kernel: readBytes(opt('kernel')), initrd: readBytes(opt('initrd')) };
function takeImages(): { kernel: Uint8Array; initrd: Uint8Array } {
  if (images === null) throw new Error('boot-runner: the boot images were already handed over');
  const i = images;
  images = null;
  return i;
}
const cmdline = opt('append', 'console=ttyS0');
const memoryMiB = Number(opt('memory', '128'));
const until = opt('until', '');

let t0 = 0;
let executed: () => number | undefined = () => undefined;
/** jitvisor's JIT counters (share of instructions run compiled, blocks, compile time), when the engine is the JIT. */
let jitInfo: () => Record<string, unknown> | undefined = () => undefined;
/** The decode front end's counters (translator/frontend/blocks.ts FrontEndStats): decoded, decoded again, evicted, live records. */
let frontEndInfo: () => Record<string, unknown> | undefined = () => undefined;
let onUntil: () => void = () => process.exit(0);

/**
 * The main thread's CPU time, ms (Linux: /proc/thread-self/stat utime + stime, in clock ticks of
 * 10 ms); -1 elsewhere. process.cpuUsage() also counts the compile worker and V8's background
 * threads, which on a loaded machine hide what the main thread (the guest) spent.
 */
function mainThreadCpuMs(): number {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'latin1');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * 10; // fields 14 and 15 of proc(5), counted from field 3
  } catch {
    return -1;
  }
}

// Serial bytes: raw to stdout, a line at a time, and split into lines to spot the markers. Each
// line is written when its newline is (mid-slice): serial-timeline stamps lines as they reach its
// pipe, and a 50 ms timer (which runs only between slices) stamped the kernel's "Run /init" line
// after ~1.4 M instructions of user space had run (session 18, tail18).
let out: number[] = [];
let line: number[] = [];
const flush = () => { if (out.length) { try { writeSync(1, Buffer.from(out)); } catch { /* parent gone */ } out = []; } };
function serialByte(b: number): void {
  out.push(b);
  if (out.length >= 4096) flush();
  if (b === 0x0a) {
    const text = Buffer.from(line).toString('latin1').replace(/\r/g, '');
    line = [];
    if (timelineNow !== null && CONSOLE_LINE.test(text)) {
      event({ ev: 'console', ...timelineNow() });
      if (flag('until-console')) { flush(); onUntil(); }
    }
    if (!text.startsWith('GUEST-')) flush();
    else {
      const name = text.split(' ')[0];
      const ms = performance.now() - t0;
      const c = process.cpuUsage();
      // The event first, then the line: when the bench sees the line on stdout, the event is already in its pipe.
      event({ ev: 'marker', name, line: text, ms, cpuMs: (c.user + c.system) / 1000, mainCpuMs: mainThreadCpuMs(), executed: executed(), jit: jitInfo(), frontEnd: frontEndInfo(), rssMiB: process.memoryUsage.rss() / 1048576, ...memory() });
      flush();
      if (name === until) onUntil();
    }
  } else if (line.length < 4096) line.push(b);
}
setInterval(flush, 50).unref();

/**
 * --heap-stats: at each marker, where the memory is (the main thread's V8 heap by space, the compile
 * worker's heap, process.memoryUsage, /proc's VmHWM), then the same after a full GC of the main thread
 * (its live heap). Off by default: asking the worker waits for it, and the GC costs time.
 */
let memory: () => Record<string, unknown> = () => ({});
if (flag('heap-stats')) {
  const v8 = await import('node:v8');
  const { workerStats } = await import('../translator/jit/worker-client.js');
  const { collectGarbage } = await import('../translator/frontend/gc.js');
  const mib = (n: number): number => Math.round(n / 10485.76) / 100;
  const heap = (): Record<string, unknown> => {
    const h = v8.getHeapStatistics();
    const c = v8.getHeapCodeStatistics();
    const spaces: Record<string, [number, number]> = {};
    for (const sp of v8.getHeapSpaceStatistics()) spaces[sp.space_name.replace('_space', '')] = [mib(sp.space_used_size), mib(sp.physical_space_size)];
    const mu = process.memoryUsage();
    return {
      used: mib(h.used_heap_size), total: mib(h.total_heap_size), physical: mib(h.total_physical_size), malloced: mib(h.malloced_memory),
      external: mib(mu.external), arrayBuffers: mib(mu.arrayBuffers), code: mib(c.code_and_metadata_size), bytecode: mib(c.bytecode_and_metadata_size),
      externalSources: mib(c.external_script_source_size), spaces,
    };
  };
  memory = () => {
    const status = readFileSync('/proc/self/status', 'latin1');
    const kB = (k: string): number => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
    const main = heap();
    const worker = workerStats();
    collectGarbage();
    return { hwmMiB: kB('VmHWM') / 1024, main, worker, mainAfterGc: heap() };
  };
}

function begin(): void {
  t0 = performance.now();
  event({ ev: 't0', kind, pid: process.pid, node: process.version, at: t0, origin: performance.timeOrigin, mainMs: mainThreadNs() / 1e6 });
}

if (kind === 'jitvisor') {
  const engine = opt('engine', 'interpreter') as 'interpreter' | 'jit';
  // As bin/jitvisor.js does: the compile worker loads binaryen while the machine's modules are imported
  // (src/prestart.ts). --no-prestart: started by the engine, after the imports (the earlier behaviour).
  if (engine === 'jit' && !flag('no-prestart')) (await import('../translator/jit/worker-client.js')).prestartCompileWorker();
  const { Pc } = await import('../src/pc.js');
  const clock = opt('clock', 'deterministic') as 'realtime' | 'deterministic';
  begin();
  // Tuning knobs for measurements (bench/README.md): JIT threshold and batch, the front end's record bound.
  const num = (name: string): number | undefined => (args.includes(`--${name}`) ? Number(opt(name)) : undefined);
  const pc = new Pc({
    memoryMiB, engine, clock, onSerialOutput: serialByte,
    jit: {
      threshold: num('jit-threshold'), batch: num('jit-batch'),
      // --jit-direct 0: no direct transfers (translator/jit/chain.ts); --jit-neighbours 1: same-page neighbour batching (engine.ts).
      ...(num('jit-direct') === 0 ? { direct: false } : {}), ...(num('jit-neighbours') === 1 ? { neighbours: true } : {}),
      // --jit-indirect 0|1 / --jit-pages 0|1: RET/indirect or cross-page transfers through the module's dispatcher (chain.ts; default off).
      ...(num('jit-indirect') !== undefined ? { indirect: num('jit-indirect') === 1 } : {}), ...(num('jit-pages') !== undefined ? { pages: num('jit-pages') === 1 } : {}),
      // --jit-modules 0|1: cross-module slots (chain.ts; default off).
      ...(num('jit-modules') !== undefined ? { modules: num('jit-modules') === 1 } : {}),
      // --jit-global 0: no global dispatch cache (translator/jit/xcache.ts).
      ...(num('jit-global') === 0 ? { global: false } : {}),
      // --jit JSON: more JitOptions (e.g. '{"pageGroups":true}'), over the flags above.
      ...(args.includes('--jit') ? JSON.parse(opt('jit', '{}')) as Record<string, unknown> : {}),
    },
    // --front JSON: more FrontEndOptions (e.g. '{"gcAfterEvict":false}', '{"recycle":false}', '{"compactAfterEvict":true}'), over --max-records.
    frontEnd: { maxRecords: num('max-records'), ...(args.includes('--front') ? JSON.parse(opt('front', '{}')) as Record<string, unknown> : {}) },
  });
  executed = () => pc.executed;
  frontEndInfo = () => ({ ...pc.machine.frontEnd.stats });
  jitInfo = () => (pc.machine.jit ? { compiled: pc.compiled, ...pc.machine.jit.counters, summary: pc.machine.jit.counters.summary() } : undefined);
  onUntil = () => pc.stop();
  if (flag('until-console')) onUntil = () => { flush(); event({ ev: 'exit', how: 'console', ...timelineNow?.() }); process.exit(0); };
  // In a function of its own, so that no variable of this (suspended) block keeps the images.
  ((): void => { const { kernel, initrd } = takeImages(); pc.bootLinux(kernel, 'linux-686.bzImage', cmdline, initrd, 'initramfs.cpio.gz'); })();
  const now = (): Record<string, number> => {
    const c = process.cpuUsage();
    return { at: performance.now(), mainMs: mainThreadNs() / 1e6, cpuMs: (c.user + c.system) / 1000, executed: pc.executed, eip: pc.cpu.eip };
  };
  const every = num('timeline');
  if (every !== undefined) {
    timelineNow = now;
    const jit = pc.machine.jit;
    const interpreted = (): number => (jit ? jit.counters.interpreted.reduce((a, b) => a + b, 0) : 0);
    // workMs: the worker's emit + compile of this module; latencyMs: since its request was sent (the
    // engine's counter is a sum, so the difference from the previous module's).
    let latency = 0;
    if (jit) jit.onCompiled = (blocks, _batch, ms) => {
      const l = jit.counters.latencyMs;
      event({ ev: 'module', ...now(), blocks: blocks.length, workMs: ms, latencyMs: l - latency });
      latency = l;
    };
    setInterval(() => event({ ev: 'tick', ...now(), modules: jit?.counters.modulesCompiled ?? 0, interpreted: interpreted() }), every).unref();
    event({ ev: 'run', ...now() });
  }
  const exit = await pc.run(num('stop-at') ?? Infinity);
  flush();
  const c = process.cpuUsage();
  // The JIT's counters too: a run cut at --stop-at (bench/README.md) shows its transfers up to there.
  event({ ev: 'exit', how: exit.kind, ms: performance.now() - t0, cpuMs: (c.user + c.system) / 1000, mainCpuMs: mainThreadCpuMs(), executed: pc.executed, ...(every !== undefined ? now() : {}), jit: jitInfo() });
  process.exit(0);
} else if (kind === 'v86') {
  const biosDir = opt('bios-dir');
  const bios = new Uint8Array(readFileSync(join(biosDir, 'seabios.bin')));
  const vgaBios = new Uint8Array(readFileSync(join(biosDir, 'vgabios-stdvga.bin')));
  const require = createRequire(import.meta.url);
  const v86Dir = join(require.resolve('v86/package.json'), '..');
  const spec = 'v86';   // a variable, so the bench builds even without the package
  interface V86Cpu { instruction_counter: Uint32Array; instruction_pointer: Int32Array }
  const { V86 } = await import(spec) as { V86: new (o: Record<string, unknown>) => { add_listener(ev: string, f: (b: number) => void): void; v86?: { cpu: V86Cpu } } };
  const buf = (u: Uint8Array) => ({ buffer: u.buffer.slice(u.byteOffset, u.byteOffset + u.byteLength) });
  begin();
  // v86 is given copies (buf); the files' own buffers go as with jitvisor.
  const given = ((): { bzimage: ReturnType<typeof buf>; initrd: ReturnType<typeof buf> } => {
    const { kernel, initrd } = takeImages();
    return { bzimage: buf(kernel), initrd: buf(initrd) };
  })();
  const emulator = new V86({
    wasm_path: join(v86Dir, 'build', 'v86.wasm'),
    memory_size: memoryMiB * 1024 * 1024,
    bios: buf(bios),
    vga_bios: buf(vgaBios),
    bzimage: given.bzimage,
    initrd: given.initrd,
    cmdline,
    autostart: true,
    disable_jit: flag('no-jit'),
    disable_keyboard: true,
    disable_mouse: true,
    disable_speaker: true,
  });
  emulator.add_listener('serial0-output-byte', serialByte);
  onUntil = () => { flush(); process.exit(0); };
  const every = args.includes('--timeline') ? Number(opt('timeline')) : undefined;
  if (every !== undefined) {
    // v86's counter is a u32: unwrapped across ticks (it cannot run 4 G instructions between two).
    let high = 0, last = 0;
    const now = (): Record<string, number> => {
      const cpu = emulator.v86?.cpu;
      const raw = cpu ? cpu.instruction_counter[0]! >>> 0 : 0;
      if (raw < last) high += 2 ** 32;
      last = raw;
      const c = process.cpuUsage();
      return { at: performance.now(), mainMs: mainThreadNs() / 1e6, cpuMs: (c.user + c.system) / 1000, executed: high + raw, eip: cpu ? cpu.instruction_pointer[0]! >>> 0 : 0 };
    };
    timelineNow = now;
    emulator.add_listener('emulator-started', () => {
      event({ ev: 'run', ...now() });
      setInterval(() => event({ ev: 'tick', ...now() }), every).unref();
    });
    if (flag('until-console')) onUntil = () => { flush(); event({ ev: 'exit', how: 'console', ...now() }); process.exit(0); };
  }
} else {
  process.stderr.write(`boot-runner: unknown emulator '${kind}' (jitvisor or v86)\n`);
  process.exit(2);
}
