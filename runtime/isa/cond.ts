/**
 * Conditional instructions: Jcc, LOOP/LOOPE/LOOPNE, JCXZ/JECXZ (near
 * branches the superblock runs through, E_COND), SETcc, CMOVcc and FCMOVcc.
 * Their condition is `rec.cc` (runtime/isa/cc.ts), from iced-x86's
 * `conditionCode` except for FCMOVcc, named here.
 * Interpreter: families/branch.ts (branches), families/cond.ts (SETcc,
 * CMOVcc), families/fpu/compare.ts (FCMOVcc).
 */
import { Mnemonic } from '../iced.js';
import { CC_A, CC_AE, CC_B, CC_BE, CC_E, CC_NE, CC_NP, CC_P } from './cc.js';
import { E_COND, E_NONE, row, type IsaRow } from './types.js';

const JCC = [
  Mnemonic.Jo, Mnemonic.Jno, Mnemonic.Jb, Mnemonic.Jae, Mnemonic.Je, Mnemonic.Jne, Mnemonic.Jbe, Mnemonic.Ja,
  Mnemonic.Js, Mnemonic.Jns, Mnemonic.Jp, Mnemonic.Jnp, Mnemonic.Jl, Mnemonic.Jge, Mnemonic.Jle, Mnemonic.Jg,
];
const SETCC = [
  Mnemonic.Seto, Mnemonic.Setno, Mnemonic.Setb, Mnemonic.Setae, Mnemonic.Sete, Mnemonic.Setne, Mnemonic.Setbe, Mnemonic.Seta,
  Mnemonic.Sets, Mnemonic.Setns, Mnemonic.Setp, Mnemonic.Setnp, Mnemonic.Setl, Mnemonic.Setge, Mnemonic.Setle, Mnemonic.Setg,
];
const CMOVCC = [
  Mnemonic.Cmovo, Mnemonic.Cmovno, Mnemonic.Cmovb, Mnemonic.Cmovae, Mnemonic.Cmove, Mnemonic.Cmovne, Mnemonic.Cmovbe, Mnemonic.Cmova,
  Mnemonic.Cmovs, Mnemonic.Cmovns, Mnemonic.Cmovp, Mnemonic.Cmovnp, Mnemonic.Cmovl, Mnemonic.Cmovge, Mnemonic.Cmovle, Mnemonic.Cmovg,
];
/** FCMOVcc tests CF, ZF, CF|ZF or PF (SDM vol. 2, FCMOVcc): the same conditions as B E BE P and their negations. */
const FCMOVCC: [Mnemonic, number][] = [
  [Mnemonic.Fcmovb, CC_B], [Mnemonic.Fcmove, CC_E], [Mnemonic.Fcmovbe, CC_BE], [Mnemonic.Fcmovu, CC_P],
  [Mnemonic.Fcmovnb, CC_AE], [Mnemonic.Fcmovne, CC_NE], [Mnemonic.Fcmovnbe, CC_A], [Mnemonic.Fcmovnu, CC_NP],
];

export const COND_ROWS: readonly IsaRow[] = [
  // A near branch may #GP on its target (CS limit) when taken.
  row({ m: JCC, interp: 'jcc', jit: 'inline:jcc', cc: 'iced', ends: E_COND, flags: 'none' }),
  row({ m: [Mnemonic.Loop, Mnemonic.Loope, Mnemonic.Loopne], interp: 'loop', jit: 'inline:loop', cc: 'iced', ends: E_COND, flags: 'none' }),
  row({ m: [Mnemonic.Jcxz], interp: 'jcxz', asz: 2, ends: E_COND, flags: 'none' }),
  row({ m: [Mnemonic.Jecxz], interp: 'jcxz', jit: 'inline:loop', asz: 4, ends: E_COND, flags: 'none' }),
  row({ m: SETCC, interp: 'setcc', jit: 'inline:setcc', cc: 'iced', ends: E_NONE, faults: 'mem', flags: 'none' }),
  row({ m: CMOVCC, interp: 'cmovcc', jit: 'inline:cmovcc', cc: 'iced', ends: E_NONE, faults: 'mem', flags: 'none' }),
  ...FCMOVCC.map(([m, cc]) => row({ m: [m], interp: 'fcmovcc', cc, ends: E_NONE, flags: 'none' })),
];
