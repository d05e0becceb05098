/**
 * What this CPU model (a Pentium II without MMX, runtime/interp/families/misc.ts
 * CPUID) does not have: a Code the decoder can produce that no row describes
 * must fall under one of these rules, and raises #UD. The table test
 * (test/isa/table.test.ts) checks that every Code valid in 16/32-bit code
 * has a row or is absent by these rules, so a missing instruction is a
 * decision written here, not an oversight.
 */
import { CpuidFeature, EncodingKind, Mnemonic } from 'iced-x86';

/** Only legacy-encoded instructions exist on this CPU (no VEX, EVEX, XOP, 3DNow!, MVEX). */
export const PRESENT_ENCODINGS: readonly EncodingKind[] = [EncodingKind.Legacy];

/**
 * CPUID features this CPU has. A Code needing any other feature (MMX, SSE*,
 * VMX, CET, Cyrix/Centaur extensions, later additions...) is not on this
 * CPU, unless a row implements it anyway (FXSAVE/FXRSTOR: present, not advertised).
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
