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
