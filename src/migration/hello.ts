/**
 * The HELLO message: what the destination needs to build an empty machine
 * of the same shape before any RAM arrives, checked on receipt.
 */
import type { ClockMode } from '../clock.js';
import { CLOCK_MODES } from '../clock.js';
import type { EngineName } from '../machine.js';
import { ENGINES } from '../machine.js';
import { CPU_MODEL_NAMES, type CpuModelName } from '../../runtime/cpu-model.js';
import type { FileIdentity } from '../snapshot/machine-state.js';
import { MigrationError, PROTOCOL_VERSION } from './protocol.js';

export interface Hello {
  protocol: number;
  /** jitvisor version of the source (informational). */
  jitvisor: string;
  memoryMiB: number;
  cpu: CpuModelName;
  clock: ClockMode;
  engine: EngineName;
  kernel: FileIdentity | null;
  initrd: FileIdentity | null;
  cmdline: string;
  /** Retired instructions when the migration began (informational). */
  instructions: number;
}

export function checkHello(o: Record<string, unknown>): Hello {
  const bad = (what: string): never => { throw new MigrationError(`bad HELLO message: ${what}`); };
  if (o.protocol !== PROTOCOL_VERSION) bad(`protocol ${String(o.protocol)}, this jitvisor speaks ${PROTOCOL_VERSION}`);
  if (typeof o.memoryMiB !== 'number' || !Number.isInteger(o.memoryMiB) || o.memoryMiB < 1 || o.memoryMiB > 3584) bad(`memory ${String(o.memoryMiB)} MiB`);
  if (!(CPU_MODEL_NAMES as readonly unknown[]).includes(o.cpu)) bad(`CPU model '${String(o.cpu)}' unknown to this jitvisor`);
  if (!(CLOCK_MODES as readonly unknown[]).includes(o.clock)) bad(`clock mode '${String(o.clock)}'`);
  if (!(ENGINES as readonly unknown[]).includes(o.engine)) bad(`engine '${String(o.engine)}'`);
  if (typeof o.cmdline !== 'string') bad('no command line');
  return o as unknown as Hello;
}
