/**
 * What a fleet's main thread and a VM's worker thread say to each other
 * (postMessage, structured clone).
 */
import type { MachineStatus, PcExit, EngineName, ClockMode, CpuModelName } from '../vm.js';

/** One VM of a fleet: what to run. */
export interface VmSpec {
  /** Unique in the fleet: letters, digits, '.', '_', '-' (1 to 64). */
  name: string;
  /** Kernel image path (default: the Debian kernel in guests/, with its initramfs). */
  kernel?: string;
  /** Initial ramdisk path; null: none (default: the default guest's with the default kernel). */
  initrd?: string | null;
  cmdline?: string;
  memoryMiB?: number;
  engine?: EngineName;
  cpu?: CpuModelName;
  clock?: ClockMode;
  /** Resume this snapshot file instead of booting (kernel, initrd, cmdline, memory, cpu come from it). */
  restore?: string;
  /** Stop the guest after this many instructions (default: no limit). */
  maxInstructions?: number;
  /** Append the serial console to this file (default: not logged; attach() still sees it). */
  log?: string | null;
  /** Cap on the worker's JS heap in MiB (guest RAM is outside it); past it the worker, alone, is ended. */
  heapLimitMiB?: number;
}

export type ToWorker =
  | { type: 'input'; data: Uint8Array }
  | { type: 'status'; id: number }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop' };

export type FromWorker =
  | { type: 'ready'; status: MachineStatus }
  | { type: 'failed'; message: string }
  | { type: 'output'; data: Uint8Array }
  /** The machine's 'warning' (src/vm.ts: its JIT's compile worker died, restarted or for good). */
  | { type: 'warning'; message: string }
  | { type: 'status'; id: number; status: MachineStatus; memory: { rss: number; heapUsed: number } }
  | { type: 'exit'; exit: PcExit; status: MachineStatus };
