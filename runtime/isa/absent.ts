/**
 * What no CPU model has (runtime/cpu-model.ts): a Code the decoder can
 * produce that no row describes must fall under one of these rules, and
 * raises #UD. MMX/SSE/SSE2/SSE3 Codes that have rows (runtime/isa/simd.ts)
 * exist on the models with those sets and are #UD on the others at run time
 * (runtime/simd/state.ts); those sets are not in PRESENT_FEATURES because
 * not every Code of them has a row (MONITOR/MWAIT: #UD everywhere). The table test
 * (test/isa/table.test.ts) checks that every Code valid in 16/32-bit code
 * has a row or is absent by these rules, so a missing instruction is a
 * decision written here, not an oversight.
 */
import { CpuidFeature, EncodingKind, Mnemonic } from '../iced.js';

/** Only legacy-encoded instructions exist on this CPU (no VEX, EVEX, XOP, 3DNow!, MVEX). */
export const PRESENT_ENCODINGS: readonly EncodingKind[] = [EncodingKind.Legacy];

/**
 * CPUID features every Code of which has a row. A Code needing any other
 * feature (SSSE3 and later, VMX, CET, Cyrix/Centaur extensions...) is #UD
 * unless a row implements it (the MMX/SSE rows, FXSAVE/FXRSTOR).
 */
export const PRESENT_FEATURES: readonly CpuidFeature[] = [
  CpuidFeature.INTEL8086, CpuidFeature.INTEL8086_ONLY, CpuidFeature.INTEL186, CpuidFeature.INTEL286,
  CpuidFeature.INTEL286_ONLY, CpuidFeature.INTEL386, CpuidFeature.INTEL386_ONLY, CpuidFeature.INTEL486,
  CpuidFeature.FPU, CpuidFeature.FPU287, CpuidFeature.FPU387, CpuidFeature.CPUID, CpuidFeature.TSC,
  CpuidFeature.MSR, CpuidFeature.CX8, CpuidFeature.SEP, CpuidFeature.CMOV, CpuidFeature.MULTIBYTENOP,
  CpuidFeature.PAUSE, CpuidFeature.FXSR,
];

/** Instructions of present features that still have no row, each with the reason. */
export const ABSENT_MNEMONICS: ReadonlyMap<Mnemonic, string> = new Map([
  [Mnemonic.Ud0, 'raises #UD by definition'],
  [Mnemonic.Ud1, 'raises #UD by definition'],
  [Mnemonic.Ud2, 'raises #UD by definition'],
]);
