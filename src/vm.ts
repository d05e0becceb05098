/**
 * The library API: `import { Machine } from 'jitvisor'`. A Machine is one
 * virtual PC with its guest: create it (booting a kernel through the Linux
 * boot protocol) or restore it from a snapshot, run it, pause and resume
 * it, snapshot it to bytes or a file, restore another state into it, type
 * on its serial console and listen to it. `jitvisor run` is built on it.
 *
 * Runs are cooperative: the machine runs in slices on the Node event loop
 * (src/pc.ts), so every method may be called while it runs (from a
 * keyboard handler, a socket); state is captured and swapped between
 * slices, never in the middle of an instruction.
 *
 * Events: 'output' (Buffer: bytes the guest wrote to COM1), 'exit' (PcExit).
 */
import { SlicePacer } from './pacing.js';
import { EventEmitter } from 'node:events';
import { readBytes } from './read-bytes.js';
import { MAX_RESTARTS, prestartCompileWorker } from '../translator/jit/worker-client.js';
import { readFile } from 'node:fs/promises';
import { Pc, type PcExit } from './pc.js';
import type { EngineName } from './machine.js';
import type { ClockMode } from './clock.js';
import type { CpuModelName } from '../runtime/cpu-model.js';
import type { JitOptions } from '../translator/jit/engine.js';
import { DEFAULT_CMDLINE, DEFAULT_INITRD, DEFAULT_KERNEL, DEFAULT_MEMORY_MIB } from './commands/guest-options.js';
import { apply, capture, decode, encode, identify, stateHash, type Decoded, type MachineIdentity, type SnapshotConfig } from './snapshot/machine-state.js';
import { SnapshotError } from './snapshot/format.js';
import { writeFileAtomic } from './snapshot/files.js';
import { migrate, type MigrateOptions, type MigrationReport } from './migration/source.js';
import { listenIncoming, type Incoming, type IncomingOptions, type IncomingStats } from './migration/destination.js';
import { MigrationError, PROTOCOL_VERSION } from './migration/protocol.js';
import { version } from './version.js';

export type { PcExit } from './pc.js';
export type { EngineName } from './machine.js';
export type { ClockMode } from './clock.js';
export type { CpuModelName } from '../runtime/cpu-model.js';
export type { SnapshotConfig, FileIdentity } from './snapshot/machine-state.js';
export { SnapshotError } from './snapshot/format.js';
export { MigrationError } from './migration/protocol.js';
export type { MigrateOptions, MigrationReport, RoundReport } from './migration/source.js';
export type { Incoming, IncomingOptions, IncomingStats } from './migration/destination.js';

export interface MachineOptions {
  /** Kernel image: a path, or its bytes (default: Debian's kernel in guests/). */
  kernel?: string | Uint8Array;
  /** How messages and snapshots name a kernel given as bytes. */
  kernelName?: string;
  /** Initial ramdisk: a path or bytes; default guests/initramfs.cpio.gz with the default kernel, none otherwise; null: none. */
  initrd?: string | Uint8Array | null;
  initrdName?: string;
  /** Kernel command line (default "console=ttyS0"). */
  cmdline?: string;
  /** Guest RAM in MiB (default 128). */
  memoryMiB?: number;
  /** Execution engine (default 'jit'). */
  engine?: EngineName;
  /** Processor model (default 'pentium2'). */
  cpu?: CpuModelName;
  /** 'realtime' (default) or 'deterministic' (guest time counts instructions: runs repeat exactly). */
  clock?: ClockMode;
  /** JIT tiering (engine 'jit'). */
  jit?: JitOptions;
  /** Bytes the guest writes to the 0xE9 debug console. */
  onDebugOutput?: (byte: number) => void;
}

/** How a snapshot is brought back: by default with the engine and clock mode it was saved with. */
export interface RestoreOptions {
  engine?: EngineName;
  clock?: ClockMode;
  jit?: JitOptions;
  onDebugOutput?: (byte: number) => void;
}

export type MachineState = 'ready' | 'running' | 'paused' | 'exited';

export interface MachineStatus {
  /** ready: created, not run yet; running; paused (pause(), or an instruction limit reached); exited (see `exit`). */
  state: MachineState;
  exit: PcExit | null;
  /** Guest instructions retired since power-on (across snapshots). */
  instructions: number;
  /** Guest instructions this Machine object ran. */
  executed: number;
  /** Guest time since power-on, ns. */
  virtualNs: number;
  /** The CPU is halted waiting for an interrupt (an idle guest). */
  halted: boolean;
  engine: EngineName;
  clock: ClockMode;
  cpu: CpuModelName;
  memoryMiB: number;
  kernel: string | null;
  cmdline: string;
  /** Set once the machine was live-migrated away (it then ends 'stopped'): where to. */
  migratedTo: string | null;
}

export interface SnapshotSaved {
  file: string;
  /** File size. */
  bytes: number;
  /** How long the guest was stopped for the copy (the rest of the save runs beside it). */
  pauseMs: number;
  /** From the request to the file renamed into place. */
  totalMs: number;
  instructions: number;
}

const VERSION = version();

function input(v: string | Uint8Array, name: string | undefined, what: string): { bytes: Uint8Array; name: string } {
  if (typeof v !== 'string') return { bytes: v, name: name ?? `(${what} bytes)` };
  try {
    return { bytes: readBytes(v), name: name ?? v };
  } catch (e) {
    throw new Error(`cannot read ${what} '${v}': ${(e as Error).message}`);
  }
}

/** Read a snapshot given as a path or as bytes. */
async function snapshotBytes(src: string | Uint8Array): Promise<{ bytes: Uint8Array; name: string }> {
  if (typeof src !== 'string') return { bytes: src, name: '(bytes)' };
  try {
    return { bytes: await readFile(src), name: src };
  } catch (e) {
    throw new SnapshotError(`cannot read snapshot '${src}': ${(e as Error).message.replace(/^[A-Z]+: /, '')}`);
  }
}

/** Check a snapshot (file or bytes) and return its configuration without restoring it. */
export async function inspectSnapshot(src: string | Uint8Array): Promise<Decoded> {
  const { bytes, name } = await snapshotBytes(src);
  return decode(bytes, name);
}

export class Machine extends EventEmitter {
  private pc: Pc;
  private identity: MachineIdentity;
  /** The kernel's Linux boot protocol version ("2.15"), when this machine booted one (create); null after a restore. */
  bootProtocol: string | null = null;
  private readonly engine: EngineName;
  private readonly clockMode: ClockMode;
  private state: MachineState = 'ready';
  private exitInfo: PcExit | null = null;
  private out: number[] = [];
  /** Instructions run by machines this one replaced (restore in place). */
  private executedBefore = 0;
  private pauseRequested = false;
  private pauseWaiters: (() => void)[] = [];
  private resumeSignal: (() => void) | null = null;
  private readonly pacer = new SlicePacer();
  private loop: Promise<PcExit> | null = null;

  private constructor(private readonly pcOpts: { engine: EngineName; clock: ClockMode; jit?: JitOptions; onDebugOutput?: (b: number) => void },
    identity: MachineIdentity, memoryMiB: number, cpu: CpuModelName | undefined) {
    super();
    this.engine = pcOpts.engine;
    this.clockMode = pcOpts.clock;
    this.identity = identity;
    this.pc = this.newPc(memoryMiB, cpu);
  }

  private newPc(memoryMiB: number, cpu: CpuModelName | undefined): Pc {
    const pc = new Pc({
      memoryMiB, engine: this.engine, clock: this.clockMode, ...(cpu ? { cpu } : {}), ...(this.pcOpts.jit ? { jit: this.pcOpts.jit } : {}),
      onSerialOutput: (b) => { this.out.push(b); },
      ...(this.pcOpts.onDebugOutput ? { onDebugOutput: this.pcOpts.onDebugOutput } : {}),
    });
    const jit = pc.machine.jit;
    if (jit !== null) {
      jit.onWorkerFailure = (why, restart) => {
        this.emit('warning', restart === null
          ? `the JIT's compile worker failed (${why}): compiling stopped, the guest goes on in the interpreter`
          : `the JIT's compile worker died (${why}): restarted (${restart} of ${MAX_RESTARTS}), its compiles in flight are sent again`);
      };
    }
    return pc;
  }

  /**
   * A machine with the kernel loaded and ready to run (not running: call
   * run()). Throws on a missing or malformed kernel / initrd.
   */
  static create(opts: MachineOptions = {}): Machine {
    // The compile worker loads binaryen while the kernel and initrd are read and hashed (the JIT
    // engine would start it only after them); ended after a while if the machine is not made.
    if ((opts.engine ?? 'jit') === 'jit') prestartCompileWorker();
    const kernel = input(opts.kernel ?? DEFAULT_KERNEL, opts.kernelName, 'kernel');
    const initrdSrc = opts.initrd === undefined ? (opts.kernel === undefined ? DEFAULT_INITRD : null) : opts.initrd;
    const initrd = initrdSrc === null ? null : input(initrdSrc, opts.initrdName, 'initrd');
    const cmdline = opts.cmdline ?? DEFAULT_CMDLINE;
    const engine = opts.engine ?? 'jit';
    const m = new Machine({ engine, clock: opts.clock ?? 'realtime', ...(opts.jit ? { jit: opts.jit } : {}), ...(opts.onDebugOutput ? { onDebugOutput: opts.onDebugOutput } : {}) },
      { kernel: identify(kernel.name, kernel.bytes), initrd: initrd ? identify(initrd.name, initrd.bytes) : null, cmdline, engine },
      opts.memoryMiB ?? DEFAULT_MEMORY_MIB, opts.cpu);
    m.bootProtocol = m.pc.bootLinux(kernel.bytes, kernel.name, cmdline, initrd?.bytes, initrd?.name).protocol;
    return m;
  }

  /** A machine in the state a snapshot (a file path or its bytes) holds, paused: call run() to go on. */
  static async restore(snapshot: string | Uint8Array, opts: RestoreOptions = {}): Promise<Machine> {
    const d = await inspectSnapshot(snapshot);
    const c = d.config;
    const engine = opts.engine ?? c.engine;
    const m = new Machine({ engine, clock: opts.clock ?? c.clock, ...(opts.jit ? { jit: opts.jit } : {}), ...(opts.onDebugOutput ? { onDebugOutput: opts.onDebugOutput } : {}) },
      { kernel: c.kernel, initrd: c.initrd, cmdline: c.cmdline, engine }, c.memoryMiB, c.cpu);
    await apply(d, m.pc);
    m.state = 'paused';
    return m;
  }

  /** The configuration a snapshot records (see SnapshotConfig). */
  static async snapshotInfo(snapshot: string | Uint8Array): Promise<SnapshotConfig> {
    return (await inspectSnapshot(snapshot)).config;
  }

  // ---- running ----

  /**
   * Run until the guest ends (powers off, resets, triple-faults), stop() is
   * called, or `instructions` more instructions have retired: then the
   * machine is paused and run() may be called again. Resolves with how the
   * run ended. pause()/resume() in between do not end it.
   */
  run(opts: { instructions?: number } = {}): Promise<PcExit> {
    if (this.loop) return Promise.reject(new Error('the machine is already running'));
    if (this.state === 'exited') return Promise.reject(new Error(`the machine has ended (${this.exitInfo?.kind})`));
    const limit = opts.instructions ?? Infinity;
    this.state = 'running';
    this.loop = this.runLoop(limit).finally(() => { this.loop = null; });
    return this.loop;
  }

  /** Alias of run(). */
  start(opts: { instructions?: number } = {}): Promise<PcExit> { return this.run(opts); }

  private get executedTotal(): number { return this.executedBefore + this.pc.executed; }

  private async runLoop(limit: number): Promise<PcExit> {
    const start = this.executedTotal;
    this.pc.clock.rebase();
    this.pacer.reset();
    for (;;) {
      if (this.pauseRequested && !this.pc.exitReason) await this.parked();
      const pc = this.pc;
      const done = this.executedTotal - start;
      if (done >= limit && !pc.exitReason) {
        this.state = 'paused';
        return { kind: 'limit' };
      }
      const sleep = pc.step(limit - done);
      this.flushOutput();
      if (sleep < 0) {
        const exit = pc.exitReason!;
        this.state = 'exited';
        this.exitInfo = exit;
        this.pc.machine.jit?.release();
        this.emit('exit', exit);
        return exit;
      }
      const wait = this.pacer.pace(sleep);
      if (wait) await wait;
    }
  }

  /** Between slices, while a pause is requested: wait for resume() / stop(). */
  private async parked(): Promise<void> {
    this.state = 'paused';
    for (const w of this.pauseWaiters.splice(0)) w();
    await new Promise<void>((resolve) => { this.resumeSignal = resolve; });
    this.resumeSignal = null;
    this.state = 'running';
    this.pc.clock.rebase(); // the guest does not see the time it was paused (realtime clock)
  }

  private flushOutput(): void {
    if (this.out.length === 0) return;
    const chunk = Buffer.from(this.out);
    this.out = [];
    this.emit('output', chunk);
  }

  /** Stop running (between slices) until resume(). Resolves once the guest is stopped. */
  pause(): Promise<void> {
    if (this.state !== 'running') return Promise.resolve();
    this.pauseRequested = true;
    this.pacer.wake();
    return new Promise<void>((resolve) => this.pauseWaiters.push(resolve));
  }

  resume(): void {
    this.pauseRequested = false;
    if (this.resumeSignal) {
      this.state = 'running'; // the loop wakes on its next turn of the event loop
      this.resumeSignal();
    }
  }

  /** End the machine: a running run() resolves with { kind: 'stopped' }. */
  stop(): void {
    if (this.state === 'exited') return;
    this.pc.stop();
    if (this.loop) {
      this.pauseRequested = false;
      this.resumeSignal?.();
      this.pacer.wake();
    } else {
      this.state = 'exited';
      this.exitInfo = { kind: 'stopped' };
      this.pc.machine.jit?.release();
      this.emit('exit', this.exitInfo);
    }
  }

  /** Resolves when a run in progress has ended (at once if none). */
  async settled(): Promise<void> {
    if (this.loop) await this.loop.catch(() => {});
  }

  /** Type on the guest's serial console (COM1). */
  sendInput(bytes: Uint8Array | string): void {
    this.pc.serialInput(bytes);
    this.pacer.wake();
  }

  status(): MachineStatus {
    const pc = this.pc, cpu = pc.cpu;
    return {
      state: this.state, exit: this.exitInfo, instructions: cpu.icountNumber(), executed: this.executedTotal,
      virtualNs: pc.clock.nowNs(), halted: cpu.halted, engine: this.engine, clock: this.clockMode, cpu: cpu.model.name,
      memoryMiB: cpu.phys.ramSize / 1048576, kernel: this.identity.kernel?.name ?? null, cmdline: this.identity.cmdline,
      migratedTo: this.migratedTo,
    };
  }

  /**
   * The JIT's counters (translator/jit/counters.ts: every numeric field, read
   * generically) with the instructions run and run in compiled code; null on
   * the interpreter.
   */
  jitCounters(): Record<string, number> | null {
    const jit = this.pc.machine.jit;
    if (!jit) return null;
    const out: Record<string, number> = { executed: this.pc.executed, compiled: this.pc.compiled };
    for (const [k, v] of Object.entries(jit.counters)) if (typeof v === 'number') out[k] = v;
    return out;
  }

  /** The JIT counters' one-line summary (translator/jit/counters.ts), null on the interpreter. */
  jitSummary(): string | null {
    return this.pc.machine.jit?.counters.summary() ?? null;
  }

  /** SHA-256 of guest RAM and CPU state (src/snapshot/machine-state.ts stateHash). */
  stateHash(): string { return stateHash(this.pc); }

  // ---- snapshots ----

  /** The whole machine as snapshot bytes. The guest stops only while its state is copied. */
  async snapshot(): Promise<Buffer> {
    return encode(capture(this.pc, this.identity, VERSION));
  }

  /**
   * Save a snapshot to `file`: written to a temporary name beside it,
   * fsynced, then renamed over it, so a failed save leaves an existing
   * file as it was.
   */
  async saveSnapshot(file: string): Promise<SnapshotSaved> {
    const t0 = performance.now();
    const c = capture(this.pc, this.identity, VERSION);
    const t1 = performance.now();
    const bytes = await encode(c);
    await writeFileAtomic(file, bytes);
    return { file, bytes: bytes.length, pauseMs: t1 - t0, totalMs: performance.now() - t0, instructions: c.config.instructions };
  }

  /**
   * Replace this machine's state with a snapshot's (a path or bytes),
   * keeping this machine's engine and clock mode. A running machine goes on
   * running from the restored state; a machine that had ended is paused in it.
   * A snapshot that cannot be used throws and changes nothing.
   */
  async restore(snapshot: string | Uint8Array): Promise<SnapshotConfig> {
    if (this.migrating) throw new Error('cannot restore a snapshot into a machine being migrated');
    const d = await inspectSnapshot(snapshot);
    const c = d.config;
    const pc = this.newPc(c.memoryMiB, c.cpu);
    await apply(d, pc);
    // Swap between slices (this runs on the event loop, never inside step()).
    this.executedBefore += this.pc.executed;
    this.pc.machine.jit?.release();
    this.pc = pc;
    this.identity = { kernel: c.kernel, initrd: c.initrd, cmdline: c.cmdline, engine: this.engine };
    if (this.state === 'exited' || this.state === 'ready') { this.state = 'paused'; this.exitInfo = null; }
    this.pacer.wake();
    return c;
  }

  // ---- live migration (src/migration/) ----

  private migrating = false;
  private migratedTo: string | null = null;
  /** How this machine arrived, when it came by live migration. */
  incomingStats: IncomingStats | null = null;

  /**
   * Live-migrate this machine to a destination waiting with
   * Machine.listenIncoming / `jitvisor run --incoming` at `target`
   * (tcp:HOST:PORT or unix:PATH). RAM is copied while the guest runs,
   * then the guest is paused for the last dirty pages and the CPU, device
   * and clock state; once the destination has it all, this machine ends
   * ('stopped', status().migratedTo set) and the guest runs there.
   * Rejects with a MigrationError when the migration fails: the machine
   * then goes on as before (running if it was).
   */
  async migrate(target: string, opts: MigrateOptions = {}): Promise<MigrationReport> {
    if (this.migrating) throw new MigrationError('a migration of this machine is already in progress');
    this.migrating = true;
    try {
      const pc = this.pc;
      return await migrate({
        pc,
        hello: () => ({
          protocol: PROTOCOL_VERSION, jitvisor: VERSION, memoryMiB: pc.cpu.phys.ramSize / 1048576, cpu: pc.cpu.model.name as CpuModelName,
          clock: this.clockMode, engine: this.engine, kernel: this.identity.kernel, initrd: this.identity.initrd, cmdline: this.identity.cmdline,
          instructions: pc.cpu.icountNumber(),
        }),
        captureState: () => capture(pc, this.identity, VERSION, { ram: false }),
        running: () => this.state === 'running',
        ended: () => this.state === 'exited' || pc.exitReason !== null,
        pause: () => this.pause(),
        resume: () => this.resume(),
        handOver: (to) => { this.migratedTo = to; this.stop(); },
      }, target, opts);
    } finally {
      this.migrating = false;
    }
  }

  /**
   * Wait for a machine sent by migrate() at `address` (tcp:HOST:PORT, port
   * 0 picks one, or unix:PATH). Resolves once listening; its `result`
   * resolves with the machine, paused (call run() to go on), or rejects
   * with a MigrationError. Engine and clock default to the source's.
   */
  static async listenIncoming(address: string, opts: RestoreOptions & IncomingOptions = {}): Promise<Incoming<Machine>> {
    return listenIncoming<Machine>(address, (h) => {
      const engine = opts.engine ?? h.engine;
      const m = new Machine({ engine, clock: opts.clock ?? h.clock, ...(opts.jit ? { jit: opts.jit } : {}), ...(opts.onDebugOutput ? { onDebugOutput: opts.onDebugOutput } : {}) },
        { kernel: h.kernel, initrd: h.initrd, cmdline: h.cmdline, engine }, h.memoryMiB, h.cpu);
      return {
        pc: m.pc,
        result: (stats) => { m.state = 'paused'; m.incomingStats = stats; return m; },
      };
    }, opts);
  }

  /** listenIncoming(address).result: the migrated machine, paused. */
  static async incoming(address: string, opts: RestoreOptions & IncomingOptions = {}): Promise<Machine> {
    return (await Machine.listenIncoming(address, opts)).result;
  }
}
