/**
 * Many VMs in one process: `new Fleet()` (the library API; `jitvisor
 * fleet` is built on it). Each VM runs in its own worker_threads worker
 * (worker.ts) with its own JS heap, event loop and guest RAM, so:
 *  - a guest that crashes, triple-faults or spins does not disturb the
 *    others: a triple fault or power-off ends that VM's thread only; an
 *    exception in the host code running it ends that thread only ('failed');
 *    a guest spinning in a loop keeps one thread busy while the others run
 *    on the other cores (the run loop yields between slices, so even a
 *    spinning VM answers status and stop);
 *  - a stopped VM's thread ends, and its heap and guest RAM are freed with it.
 * Each VM has a name, its serial console (a log file and/or listeners:
 * attach()), a status (from its thread, or how it ended).
 *
 * Events: 'output' (name, Buffer), 'exit' (name, VmInfo), 'warning' (name,
 * text: its machine's warnings, e.g. its JIT's compile worker died, and its
 * console log's write errors; also kept in VmInfo.warnings).
 */
import { EventEmitter } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { MachineStatus, PcExit } from '../vm.js';
import type { FromWorker, ToWorker, VmSpec } from './messages.js';

export type { VmSpec } from './messages.js';

export type VmState = 'starting' | 'running' | 'exited' | 'failed';

export interface VmInfo {
  name: string;
  state: VmState;
  /** How the guest ended (state 'exited'). */
  exit: PcExit | null;
  /** Why the VM failed (state 'failed'): its machine could not be built, or its thread died. */
  error: string | null;
  /** The worker thread's id while it lives, else null. */
  threadId: number | null;
  /** The console log file, if any. */
  log: string | null;
  startedAt: string;
  /** The machine's status when it was last seen (ready, a status() call, its end). */
  last: MachineStatus | null;
  /** Its warnings so far, oldest first (the last MAX_WARNINGS): what `jitvisor run` would have printed. */
  warnings: string[];
}

export interface VmStatus extends VmInfo {
  /** Memory of the whole process as that VM's thread saw it (RSS is per process, not per thread). */
  memory: { rss: number; heapUsed: number } | null;
}

/** A fleet's or a VM's problem (bad name, unknown VM, ...). */
export class FleetError extends Error {}

const NAME = /^[A-Za-z0-9._-]{1,64}$/;
const STOP_GRACE_MS = 5000;
/** Warnings kept per VM (VmInfo.warnings). */
export const MAX_WARNINGS = 20;

class Vm {
  info: VmInfo;
  worker: Worker | null;
  logStream: WriteStream | null = null;
  listeners = new Set<(b: Buffer) => void>();
  statusWaiters = new Map<number, (s: { status: MachineStatus; memory: { rss: number; heapUsed: number } }) => void>();
  ended: Promise<void>;
  private endResolve!: () => void;

  constructor(readonly spec: VmSpec, worker: Worker) {
    this.worker = worker;
    this.info = { name: spec.name, state: 'starting', exit: null, error: null, threadId: worker.threadId, log: spec.log ?? null, startedAt: new Date().toISOString(), last: null, warnings: [] };
    this.ended = new Promise<void>((r) => { this.endResolve = r; });
  }

  post(m: ToWorker): void { this.worker?.postMessage(m); }

  warn(text: string): void { this.info = { ...this.info, warnings: [...this.info.warnings, text].slice(-MAX_WARNINGS) }; }

  finish(state: 'exited' | 'failed', detail: { exit?: PcExit; error?: string; status?: MachineStatus }): boolean {
    if (this.info.state === 'exited' || this.info.state === 'failed') return false;
    this.info = { ...this.info, state, exit: detail.exit ?? null, error: detail.error ?? null, threadId: null, last: detail.status ?? this.info.last };
    this.worker = null;
    this.logStream?.end();
    this.logStream = null;
    for (const w of this.statusWaiters.values()) w({ status: this.info.last!, memory: { rss: 0, heapUsed: 0 } });
    this.statusWaiters.clear();
    this.endResolve();
    return true;
  }
}

export class Fleet extends EventEmitter {
  private readonly vms = new Map<string, Vm>();
  private nextId = 1;

  /**
   * Start a VM in its own worker thread. Resolves once its machine is built
   * (kernel loaded or snapshot restored) and running; rejects with the
   * reason if it could not be (bad file, bad option), leaving no thread.
   */
  async start(spec: VmSpec): Promise<VmInfo> {
    if (!NAME.test(spec.name)) throw new FleetError(`bad VM name '${spec.name}': use 1 to 64 letters, digits, '.', '_' or '-'`);
    const old = this.vms.get(spec.name);
    if (old && (old.info.state === 'starting' || old.info.state === 'running')) throw new FleetError(`a VM named '${spec.name}' is already running`);
    const worker = new Worker(new URL('./worker.js', import.meta.url), {
      workerData: spec,
      stdout: false, stderr: false,
      ...(spec.heapLimitMiB !== undefined ? { resourceLimits: { maxOldGenerationSizeMb: spec.heapLimitMiB } } : {}),
    });
    const vm = new Vm(spec, worker);
    this.vms.set(spec.name, vm);
    if (spec.log) {
      vm.logStream = createWriteStream(spec.log, { flags: 'a' });
      vm.logStream.on('error', (e) => this.warning(vm, `console log ${spec.log}: ${e.message}`));
    }
    const ready = new Promise<VmInfo>((resolve, reject) => {
      worker.on('message', (m: FromWorker) => {
        switch (m.type) {
          case 'ready':
            vm.info = { ...vm.info, state: 'running', last: m.status };
            resolve({ ...vm.info });
            break;
          case 'failed':
            if (vm.finish('failed', { error: m.message })) this.emit('exit', spec.name, { ...vm.info });
            reject(new FleetError(`VM '${spec.name}': ${m.message}`));
            break;
          case 'output': {
            const b = Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength);
            vm.logStream?.write(b);
            for (const l of vm.listeners) l(b);
            this.emit('output', spec.name, b);
            break;
          }
          case 'warning':
            this.warning(vm, m.message);
            break;
          case 'status': {
            const w = vm.statusWaiters.get(m.id);
            vm.statusWaiters.delete(m.id);
            vm.info = { ...vm.info, last: m.status };
            w?.({ status: m.status, memory: m.memory });
            break;
          }
          case 'exit':
            if (vm.finish('exited', { exit: m.exit, status: m.status })) this.emit('exit', spec.name, { ...vm.info });
            break;
        }
      });
      worker.on('error', (e) => {
        // The VM's host code threw (or ran out of its heap): that thread is gone, nothing else.
        if (vm.finish('failed', { error: `its thread failed: ${e.message}` })) this.emit('exit', spec.name, { ...vm.info });
        reject(new FleetError(`VM '${spec.name}': ${e.message}`));
      });
      worker.on('exit', (code) => {
        if (vm.finish('failed', { error: `its thread ended (exit code ${code}) without a report` })) this.emit('exit', spec.name, { ...vm.info });
        reject(new FleetError(`VM '${spec.name}': its thread ended before the machine was ready`));
      });
    });
    return ready;
  }

  private warning(vm: Vm, text: string): void {
    vm.warn(text);
    this.emit('warning', vm.spec.name, text);
  }

  private vm(name: string): Vm {
    const vm = this.vms.get(name);
    if (!vm) throw new FleetError(`no VM named '${name}'${this.vms.size ? ` (VMs: ${[...this.vms.keys()].join(', ')})` : ''}`);
    return vm;
  }

  /** Every VM, live or ended, in start order. */
  list(): VmInfo[] {
    return [...this.vms.values()].map((v) => ({ ...v.info }));
  }

  /** A VM's info with its machine's current status, asked of its thread (or as it ended). */
  async status(name: string, timeoutMs = 10_000): Promise<VmStatus> {
    const vm = this.vm(name);
    if (!vm.worker || vm.info.state !== 'running') return { ...vm.info, memory: null };
    const id = this.nextId++;
    const r = await new Promise<{ status: MachineStatus; memory: { rss: number; heapUsed: number } } | null>((resolve) => {
      const t = setTimeout(() => { vm.statusWaiters.delete(id); resolve(null); }, timeoutMs);
      vm.statusWaiters.set(id, (s) => { clearTimeout(t); resolve(s); });
      vm.post({ type: 'status', id });
    });
    if (r === null) throw new FleetError(`VM '${name}' did not answer in ${timeoutMs / 1000} s`);
    return { ...vm.info, memory: vm.info.state === 'running' ? r.memory : null };
  }

  /** Type on a VM's serial console. */
  send(name: string, input: string | Uint8Array): void {
    const vm = this.vm(name);
    if (vm.info.state !== 'running') throw new FleetError(`VM '${name}' is not running (${vm.info.state})`);
    vm.post({ type: 'input', data: typeof input === 'string' ? new TextEncoder().encode(input) : input });
  }

  /** Listen to a VM's serial console; returns the function that detaches. */
  attach(name: string, listener: (b: Buffer) => void): () => void {
    const vm = this.vm(name);
    vm.listeners.add(listener);
    return () => { vm.listeners.delete(listener); };
  }

  pause(name: string): void { this.vm(name).post({ type: 'pause' }); }
  resume(name: string): void { this.vm(name).post({ type: 'resume' }); }

  /**
   * Stop a VM: its guest is stopped between slices and its thread ends
   * (freeing its memory); a thread that does not end within a few seconds
   * is terminated. Resolves with how it ended.
   */
  async stop(name: string): Promise<VmInfo> {
    const vm = this.vm(name);
    const w = vm.worker;
    if (w) {
      vm.post({ type: 'stop' });
      const t = setTimeout(() => { void w.terminate(); }, STOP_GRACE_MS);
      await vm.ended;
      clearTimeout(t);
      await new Promise<void>((r) => { if (w.threadId === -1) r(); else w.once('exit', () => r()); });
    }
    return { ...vm.info };
  }

  /** Forget an ended VM (stop it first if it runs). */
  async remove(name: string): Promise<void> {
    await this.stop(name);
    this.vms.delete(name);
  }

  /** Resolves when a VM has ended. */
  async ended(name: string): Promise<VmInfo> {
    const vm = this.vm(name);
    await vm.ended;
    return { ...vm.info };
  }

  /** Stop every VM. */
  async close(): Promise<void> {
    await Promise.all([...this.vms.keys()].map((n) => this.stop(n)));
  }
}
