/**
 * Condition codes: the one numbering every reader uses (`rec.cc`, testCC,
 * condSub/condLogic in runtime/flags.ts, the JIT). It is the low nibble of
 * the Jcc/SETcc/CMOVcc opcodes: O NO B AE E NE BE A S NS P NP L GE LE G.
 * Records get it from iced-x86's `conditionCode` through `ccFromIced`, the
 * only mapping; FCMOVcc (which iced gives no condition code) names its own
 * in runtime/isa/cond.ts.
 */
import { ConditionCode } from '../iced.js';

export const CC_O = 0, CC_NO = 1, CC_B = 2, CC_AE = 3, CC_E = 4, CC_NE = 5, CC_BE = 6, CC_A = 7;
export const CC_S = 8, CC_NS = 9, CC_P = 10, CC_NP = 11, CC_L = 12, CC_GE = 13, CC_LE = 14, CC_G = 15;
/** The instruction has no condition (LOOP, JCXZ, everything that is not conditional). */
export const CC_NONE = -1;

export const CC_NAMES = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'] as const;

const FROM_ICED: readonly number[] = (() => {
  const t: number[] = [];
  t[ConditionCode.None] = CC_NONE;
  t[ConditionCode.o] = CC_O; t[ConditionCode.no] = CC_NO; t[ConditionCode.b] = CC_B; t[ConditionCode.ae] = CC_AE;
  t[ConditionCode.e] = CC_E; t[ConditionCode.ne] = CC_NE; t[ConditionCode.be] = CC_BE; t[ConditionCode.a] = CC_A;
  t[ConditionCode.s] = CC_S; t[ConditionCode.ns] = CC_NS; t[ConditionCode.p] = CC_P; t[ConditionCode.np] = CC_NP;
  t[ConditionCode.l] = CC_L; t[ConditionCode.ge] = CC_GE; t[ConditionCode.le] = CC_LE; t[ConditionCode.g] = CC_G;
  return t;
})();

/** Our condition code for iced-x86's ConditionCode (CC_NONE for None). */
export function ccFromIced(c: ConditionCode): number {
  const v = FROM_ICED[c];
  if (v === undefined) throw new Error(`unknown iced ConditionCode ${c}`);
  return v;
}
