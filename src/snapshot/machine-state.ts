/**
 * What a snapshot holds, taken from a Pc and put back into one:
 *
 *   CONF  the machine's configuration and identity (JSON): RAM size, CPU
 *         model, clock mode and engine it ran with, kernel / initrd names,
 *         sizes and SHA-256, command line; when and by which jitvisor it
 *         was saved, the instruction count and virtual time
 *   CPU   the CPU state block, raw (registers, lazy flags, segment caches,
 *         control and debug registers, x87, SIMD: runtime/state/layout.ts,
 *         [0, STATE_END))
 *   CPUX  the CPU object's fields outside the state block (JSON, versioned)
 *   DEVS  every device's own versioned state (devices/*: saveState)
 *   CLCK  the virtual clock (src/clock.ts: save)
 *   RAM   guest RAM, zero pages skipped (src/snapshot/ram.ts), compressed
 *
 * Not saved, and rebuilt after a restore: the translation cache (decoded
 * blocks, compiled wasm, the front end's self-modifying-code heuristic),
 * the TLB and the code-page map (derived from the page tables and the
 * cache), the breakpoint watches (derived from DR0-DR7).
 */
import { createHash } from 'node:crypto';
import type { Pc } from '../pc.js';
import { ENGINES, type EngineName } from '../machine.js';
import type { ClockMode, ClockState } from '../clock.js';
import { CLOCK_MODES, CLOCK_STATE_VERSION } from '../clock.js';
import { CPU_MODEL_NAMES, type CpuModelName } from '../../runtime/cpu-model.js';
import { EFLAGS, ENGINE_SCRATCH, LAZY_OP, RAM_BASE, STATE_END } from '../../runtime/state/layout.js';
import { materialize } from '../../runtime/flags.js';
import { updateDebug } from '../../runtime/debug.js';
import { fpuOf } from '../../runtime/fpu/state.js';
import { StateError, StateReader, type SavedState } from '../../devices/device-state.js';
import { assemble, disassemble, SnapshotError, type Section } from './format.js';
import { decodeSection, decodeSectionSync, encodeSection, DEFAULT_CODEC, SMALL_CODEC, type CodecChoice } from './codec.js';
import { applyRam, captureRam, emptyRam, ramSectionPages } from './ram.js';
import { Codec } from './format.js';

/** A file the machine was booted from, as the snapshot remembers it. */
export interface FileIdentity { name: string; bytes: number; sha256: string }

export interface SnapshotConfig {
  memoryMiB: number;
  cpu: CpuModelName;
  /** The engine it ran on (a restore may use the other). */
  engine: EngineName;
  /** The clock mode it ran in (a restore may choose the other). */
  clock: ClockMode;
  kernel: FileIdentity | null;
  initrd: FileIdentity | null;
  cmdline: string;
  /** jitvisor version that wrote it. */
  jitvisor: string;
  /** ISO time of the save (host clock). */
  savedAt: string;
  /** Retired instructions since power-on. */
  instructions: number;
  /** Virtual time since power-on, ns. */
  virtualNs: number;
  ram: { pages: number; storedPages: number };
}

/** The parts of a config the machine itself supplies; the rest (identity) come from its creator. */
export type MachineIdentity = Pick<SnapshotConfig, 'kernel' | 'initrd' | 'cmdline' | 'engine'>;

export function identify(name: string, bytes: Uint8Array): FileIdentity {
  return { name, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
}

const CPUX_VERSION = 1;

/** A machine copied out synchronously; encode() compresses it (async, the machine may run meanwhile). */
export interface Capture {
  config: SnapshotConfig;
  stateBlock: Buffer;
  cpuExtra: SavedState;
  devices: SavedState;
  clock: ClockState;
  ram: Buffer;
}

/**
 * Copy the whole machine out (between run slices). `ram: false` leaves RAM
 * out (an empty RAM section: apply() then writes no page), for live
 * migration, which sends RAM on its own (src/migration/).
 */
export function capture(pc: Pc, who: MachineIdentity, version: string, opts: { ram?: boolean } = {}): Capture {
  const cpu = pc.cpu;
  if (cpu.pendingStop) throw new Error('cannot snapshot a machine with a pending snippet stop');
  const ram = opts.ram === false ? emptyRam(cpu.phys) : captureRam(cpu.phys);
  const stateBlock = Buffer.from(cpu.phys.u8.slice(0, STATE_END));
  const cpuExtra: SavedState = {
    v: CPUX_VERSION,
    halted: cpu.halted,
    miscEnable: cpu.miscEnable,
    tscAdjust: cpu.tscAdjust.toString(),
    ferr: fpuOf(cpu).ferrAsserted,
    watchHits: cpu.mmu.watchHits,
  };
  const clock = pc.clock.save();
  return {
    config: {
      memoryMiB: cpu.phys.ramSize / 1048576, cpu: cpu.model.name as CpuModelName, engine: who.engine, clock: pc.clock.mode,
      kernel: who.kernel, initrd: who.initrd, cmdline: who.cmdline, jitvisor: version, savedAt: new Date().toISOString(),
      instructions: cpu.icountNumber(), virtualNs: clock.nowNs, ram: { pages: ram.pageCount, storedPages: ram.storedPages },
    },
    stateBlock, cpuExtra, devices: pc.devices.saveState(), clock, ram: ram.raw,
  };
}

const json = (o: unknown): Buffer => Buffer.from(JSON.stringify(o), 'utf8');

/** Encode a capture as a snapshot file's bytes. */
/** Encode a capture; `devsCodec` stored (live migration's STATE: no trip through the thread pool while the guest is paused). */
export async function encode(c: Capture, ramCodec: CodecChoice = DEFAULT_CODEC, devsCodec: CodecChoice = SMALL_CODEC): Promise<Buffer> {
  const stored = { codec: Codec.Stored };
  const sections: Section[] = await Promise.all([
    encodeSection('CONF', json(c.config), stored),
    encodeSection('CPU ', c.stateBlock, stored),
    encodeSection('CPUX', json(c.cpuExtra), stored),
    encodeSection('DEVS', json(c.devices), devsCodec),
    encodeSection('CLCK', json(c.clock), stored),
    encodeSection('RAM ', c.ram, ramCodec),
  ]);
  return assemble(sections);
}

/** A checked snapshot: its configuration, and the rest still encoded. */
export interface Decoded {
  name: string;
  config: SnapshotConfig;
  sections: Map<string, Section>;
}

function need(sections: Map<string, Section>, tag: string, name: string): Section {
  const s = sections.get(tag);
  if (!s) throw new SnapshotError(`snapshot '${name}': corrupted: no '${tag.trim()}' section`);
  return s;
}

function parseJson(s: Section, name: string): unknown {
  try {
    return JSON.parse(decodeSectionSync(s, name).toString('utf8'));
  } catch (e) {
    if (e instanceof SnapshotError) throw e;
    throw new SnapshotError(`snapshot '${name}': corrupted section '${s.tag.trim()}': not JSON`);
  }
}

function checkConfig(o: unknown, name: string): SnapshotConfig {
  const bad = (what: string): never => { throw new SnapshotError(`snapshot '${name}': bad configuration: ${what}`); };
  if (typeof o !== 'object' || o === null) bad('not an object');
  const c = o as Record<string, unknown>;
  if (typeof c.memoryMiB !== 'number' || !Number.isInteger(c.memoryMiB) || c.memoryMiB < 1 || c.memoryMiB > 3584) bad(`memory ${String(c.memoryMiB)} MiB`);
  if (!(CPU_MODEL_NAMES as readonly unknown[]).includes(c.cpu)) bad(`CPU model '${String(c.cpu)}' unknown to this jitvisor`);
  if (!(CLOCK_MODES as readonly unknown[]).includes(c.clock)) bad(`clock mode '${String(c.clock)}'`);
  if (!(ENGINES as readonly unknown[]).includes(c.engine)) bad(`engine '${String(c.engine)}'`);
  if (typeof c.cmdline !== 'string') bad('no command line');
  if (typeof c.instructions !== 'number') bad('no instruction count');
  return c as unknown as SnapshotConfig;
}

/** Check a snapshot file's container and configuration (cheap: RAM is not decoded). */
export function decode(file: Uint8Array, name: string): Decoded {
  const sections = disassemble(file, name);
  const config = checkConfig(parseJson(need(sections, 'CONF', name), name), name);
  for (const tag of ['CPU ', 'CPUX', 'DEVS', 'CLCK', 'RAM ']) need(sections, tag, name);
  return { name, config, sections };
}

/** The RAM section's page counts, decoding it (for `snapshot info`). */
export async function ramPages(d: Decoded): Promise<{ pageCount: number; storedPages: number }> {
  return ramSectionPages(await decodeSection(need(d.sections, 'RAM ', d.name), d.name), d.name);
}

/** The engine scratch words of the state block: meaningless between run slices, cleared on restore and left out of state hashes. */


/**
 * Put a decoded snapshot into `pc`, a machine freshly built with the
 * snapshot's memory size and CPU model (nothing run, no kernel loaded).
 */
export async function apply(d: Decoded, pc: Pc): Promise<void> {
  const { name, sections } = d;
  const cpu = pc.cpu;
  if (cpu.phys.ramSize !== d.config.memoryMiB * 1048576) throw new Error('apply: the machine has another RAM size than the snapshot');
  const ram = await decodeSection(need(sections, 'RAM ', name), name);
  const block = decodeSectionSync(need(sections, 'CPU ', name), name);
  if (block.length !== STATE_END) throw new SnapshotError(`snapshot '${name}': CPU state block is ${block.length} bytes, this jitvisor's is ${STATE_END}`);
  const cpuExtra = parseJson(need(sections, 'CPUX', name), name);
  const devices = parseJson(need(sections, 'DEVS', name), name);
  const clock = parseJson(need(sections, 'CLCK', name), name) as ClockState;
  try {
    const r = new StateReader(cpuExtra, 'CPU', CPUX_VERSION);
    const clk = new StateReader(clock, 'clock', CLOCK_STATE_VERSION);
    clk.num('nowNs', 0, Number.MAX_SAFE_INTEGER); clk.num('nsPerInstruction', 0, 1e9);
    applyRam(ram, cpu.phys, name);
    cpu.phys.u8.set(block, 0);
    for (const [, off, bytes] of ENGINE_SCRATCH) cpu.s.fill(0, off >>> 2, (off + bytes) >>> 2);
    cpu.halted = r.bool('halted');
    cpu.miscEnable = r.int('miscEnable', -0x80000000, 0xffffffff);
    const tsc = (r.sub('tscAdjust'));
    if (typeof tsc !== 'string' || !/^-?[0-9]+$/.test(tsc)) throw new StateError(`CPU: saved 'tscAdjust' is not an integer`);
    cpu.tscAdjust = BigInt(tsc);
    fpuOf(cpu).restoreFerr(r.bool('ferr'));
    pc.devices.loadState(devices);
    // Derived state: privilege masks, TLB, breakpoint watches, the A20 line into the MMU.
    cpu.setCpl(cpu.cpl);
    cpu.refreshCodeCtx();
    cpu.mmu.flush(true);
    updateDebug(cpu);
    cpu.mmu.watchHits = r.int('watchHits', 0, 15);
    cpu.mmu.setA20(pc.devices.a20.enabled);
    pc.clock.load(clock);
  } catch (e) {
    if (e instanceof StateError) throw new SnapshotError(`snapshot '${name}': ${e.message}`);
    throw e;
  }
}

/**
 * SHA-256 of the architectural state: guest RAM and the CPU state block
 * (minus the engine scratch words), plus the CPU fields outside it. Two
 * machines with the same hash run on identically (deterministic clock).
 *
 * The flags are hashed as the guest sees them: EFLAGS materialised and the
 * lazy words (LAZY_RES..LAZY_OP) zeroed, in the copy. EFLAGS' bits under
 * LAZY_MASK are stale and never read; which stale value they hold depends on
 * which engine ran the flag producers before the pending one (seen in
 * session 15: the same guest state held EFLAGS 0x200886 after the
 * interpreter and 0x200087 after compiled code, LAZY_MASK 0x8d5 covering
 * both differing bits, OF and CF), and so on when the compile worker's
 * answers arrived.
 */
export function stateHash(pc: Pc): string {
  const cpu = pc.cpu;
  const copy = cpu.phys.u8.slice(0, STATE_END);
  const words = new Int32Array(copy.buffer, 0, STATE_END >>> 2);
  words[EFLAGS >>> 2] = materialize(words);
  copy.fill(0, EFLAGS + 4, LAZY_OP + 4);
  const block = Buffer.from(copy.buffer, 0, STATE_END);
  for (const [, off, bytes] of ENGINE_SCRATCH) block.fill(0, off, off + bytes);
  return createHash('sha256')
    .update(block)
    .update(JSON.stringify({ halted: cpu.halted, miscEnable: cpu.miscEnable, tscAdjust: cpu.tscAdjust.toString(), ferr: fpuOf(cpu).ferrAsserted }))
    .update(Buffer.from(cpu.phys.buffer, RAM_BASE, cpu.phys.ramSize))
    .digest('hex');
}
