/**
 * jitvisor as a library: `import { Machine } from 'jitvisor'` (README,
 * "Library API"). Everything exported here is the public, typed surface.
 */
export { Machine, inspectSnapshot, SnapshotError } from './vm.js';
export type {
  MachineOptions, RestoreOptions, MachineState, MachineStatus, SnapshotSaved,
  PcExit, EngineName, ClockMode, CpuModelName, SnapshotConfig, FileIdentity,
} from './vm.js';
export { SaveError } from './snapshot/files.js';
export { MigrationError } from './vm.js';
export type { MigrateOptions, MigrationReport, RoundReport, Incoming, IncomingOptions, IncomingStats } from './vm.js';
export { Fleet, FleetError } from './fleet/fleet.js';
export type { VmSpec, VmInfo, VmState, VmStatus } from './fleet/fleet.js';
