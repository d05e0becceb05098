/**
 * CPU models: what a machine's processor says it is (CPUID leaves), which
 * CR4 bits it accepts, and which SIMD instruction sets it executes. One
 * table, read by CPUID (families/misc.ts), MOV to CR4 (families/system.ts),
 * reset (cpu.ts: EDX = the signature) and the MMX/SSE entry checks
 * (runtime/simd/state.ts: an instruction of a set the model lacks is #UD).
 *
 * - pentium2: the historical model of this emulator (family 6 model 3
 *   "Klamath"): no MMX, no FXSR, no SSE. The default.
 * - pentium4: a 32-bit Pentium 4 "Prescott" (family 15 model 3): MMX, FXSR,
 *   SSE, SSE2, SSE3, CLFLUSH; no PAE, APIC, MTRR, MCE, VME, DE (this emulator
 *   does not implement them, so they are not advertised), no MONITOR/MWAIT.
 */

/** SIMD instruction sets (bit mask in `CpuModel.simd`). */
export const SIMD_MMX = 1, SIMD_SSE = 2, SIMD_SSE2 = 4, SIMD_SSE3 = 8, SIMD_FXSR = 16, SIMD_CLFSH = 32;

/** CR4 bits. */
export const CR4_TSD = 0x4, CR4_PSE = 0x10, CR4_PGE = 0x80, CR4_PCE = 0x100, CR4_OSFXSR = 0x200, CR4_OSXMMEXCPT = 0x400;

export type CpuModelName = 'pentium2' | 'pentium4';
export const CPU_MODEL_NAMES: readonly CpuModelName[] = ['pentium2', 'pentium4'];
export const DEFAULT_CPU_MODEL: CpuModelName = 'pentium2';

export interface CpuModel {
  readonly name: CpuModelName;
  /** Leaf 1 EAX (type, family, model, stepping); also EDX after reset. */
  readonly signature: number;
  readonly maxLeaf: number;
  /** Highest extended leaf (0 when the model has none). */
  readonly maxExtLeaf: number;
  /** Leaf 1 EBX, ECX, EDX. */
  readonly leaf1: readonly [number, number, number];
  /** Leaf 2 (cache and TLB descriptors). */
  readonly leaf2: readonly [number, number, number, number];
  /** Brand string for leaves 0x80000002-4 (48 bytes, NUL padded). */
  readonly brand: string;
  /** CR4 bits MOV to CR4 accepts (the others are reserved: #GP(0)). */
  readonly cr4: number;
  /** SIMD_* sets this model executes. */
  readonly simd: number;
  /** IA32_MISC_ENABLE (MSR 0x1A0) after reset, or null: the MSR does not exist (#GP). */
  readonly miscEnable: number | null;
}

// Leaf 1 EDX bits, shared by both models (what the emulator implements).
const FPU = 1 << 0, PSE = 1 << 3, TSC = 1 << 4, MSR = 1 << 5, CX8 = 1 << 8, SEP = 1 << 11, PGE = 1 << 13, CMOV = 1 << 15;
const CLFSH = 1 << 19, MMX = 1 << 23, FXSR = 1 << 24, SSE = 1 << 25, SSE2 = 1 << 26;
const ECX_SSE3 = 1 << 0;
/** The base the emulator implements (see families/misc.ts for what each bit covers). */
export const BASE_FEATURES = FPU | PSE | TSC | MSR | CX8 | SEP | PGE | CMOV;

const PENTIUM2: CpuModel = {
  name: 'pentium2',
  signature: 0x0633,
  maxLeaf: 2,
  maxExtLeaf: 0,
  leaf1: [0, 0, BASE_FEATURES],
  // 01: count; 01 ITLB 4K; 02 ITLB 4M; 03 DTLB 4K | 43 L2 512K; 08 L1I 16K; 04 DTLB 4M; 0C L1D 16K
  leaf2: [0x03020101, 0, 0, 0x0c040843],
  brand: '',
  cr4: CR4_TSD | CR4_PSE | CR4_PGE | CR4_PCE,
  simd: 0,
  miscEnable: null,
};

const PENTIUM4: CpuModel = {
  name: 'pentium4',
  signature: 0x0f34, // family 15, model 3, stepping 4 (Prescott)
  maxLeaf: 2,
  maxExtLeaf: 0x80000004,
  // EBX: CLFLUSH line size 8 (x 8 = 64 bytes) in bits 15..8, one logical processor, APIC ID 0.
  leaf1: [0x00010800, ECX_SSE3, BASE_FEATURES | CLFSH | MMX | FXSR | SSE | SSE2],
  // 01: count; 50 ITLB 64; 5B DTLB 64; 60 L1D 16K 8-way 64B | 40 no L3; 70 trace cache 12K uops; 7C L2 1M 8-way 64B
  leaf2: [0x605b5001, 0, 0, 0x007c7040],
  brand: 'Intel(R) Pentium(R) 4 CPU 3.00GHz',
  cr4: CR4_TSD | CR4_PSE | CR4_PGE | CR4_PCE | CR4_OSFXSR | CR4_OSXMMEXCPT,
  simd: SIMD_MMX | SIMD_SSE | SIMD_SSE2 | SIMD_SSE3 | SIMD_FXSR | SIMD_CLFSH,
  // Fast strings enabled (bit 0), BTS (bit 11) and PEBS (bit 12) unavailable: Linux reads it
  // on family 15 (early_init_intel) and would log an unchecked-MSR error without it.
  miscEnable: 0x1801,
};

const MODELS: Record<CpuModelName, CpuModel> = { pentium2: PENTIUM2, pentium4: PENTIUM4 };

/** The model called `name`; a clear error for an unknown name. */
export function cpuModel(name: string = DEFAULT_CPU_MODEL): CpuModel {
  const m = (MODELS as Record<string, CpuModel | undefined>)[name];
  if (!m) throw new RangeError(`unknown CPU model '${name}' (known: ${CPU_MODEL_NAMES.join(', ')})`);
  return m;
}

/** Four little-endian dwords of the brand string, leaf 0x80000002 + i. */
function brandDwords(brand: string, i: number): [number, number, number, number] {
  const out: [number, number, number, number] = [0, 0, 0, 0];
  for (let k = 0; k < 16; k++) {
    const c = brand.charCodeAt(16 * i + k);
    if (c === c) out[k >> 2] |= (c & 0xff) << (8 * (k & 3));
  }
  return out;
}

/** CPUID results [EAX, EBX, ECX, EDX] for input EAX = leaf on model `m`. */
export function cpuidLeaf(m: CpuModel, leaf: number): [number, number, number, number] {
  leaf >>>= 0;
  // SDM vol. 2, CPUID: an input above the maximum basic or extended leaf returns the
  // data of the highest basic leaf. A model without extended leaves thus answers
  // 0x80000000 with its leaf-2 data too (EAX < 0x80000000: "no extended leaves").
  const ext = leaf >= 0x80000000;
  if ((!ext && leaf > m.maxLeaf) || (ext && leaf > m.maxExtLeaf)) leaf = m.maxLeaf;
  switch (leaf) {
    case 0: return [m.maxLeaf, 0x756e6547, 0x6c65746e, 0x49656e69]; // "Genu" "ntel" "ineI"
    case 1: return [m.signature, m.leaf1[0], m.leaf1[1], m.leaf1[2]];
    case 2: return [m.leaf2[0], m.leaf2[1], m.leaf2[2], m.leaf2[3]];
    case 0x80000000: return [m.maxExtLeaf, 0, 0, 0];
    case 0x80000001: return [0, 0, 0, 0]; // no NX, no long mode: a 32-bit part
    case 0x80000002: case 0x80000003: case 0x80000004: return brandDwords(m.brand, leaf - 0x80000002);
    default: return [0, 0, 0, 0];
  }
}
