/**
 * The x87 FPU instructions (state and numerics in runtime/fpu/, semantics
 * notes and what differs from an 80-bit x87 in docs/fpu.md).
 *
 * Record fields used by this family: `sub` = operation (/digit order for the
 * arithmetic group: 0 ADD 1 MUL 4 SUB 5 SUBR 6 DIV 7 DIVR, + 8 for the
 * popping forms; compares: bit 0 = pop once, bit 1 = pop twice, bit 2 =
 * unordered form) | source kind << 4 (memory forms); `imm2` = the 11-bit FOP
 * recorded in the FPU state. A LOCK prefix is #UD for every x87 mnemonic.
 *
 * Every handler starts with fpuEnter (waiting instructions: #NM when
 * CR0.EM/TS, then a pending unmasked exception is #MF or FERR#) or
 * fpuEnterNoWait (FNINIT FNCLEX FNSTSW FNSTCW FNSTENV FNSAVE FXSAVE
 * FXRSTOR). Memory is read, or the first write made (a store that crosses
 * a page is checked up front), before any FPU state changes, so a #PF/#GP
 * leaves the x87 untouched. WAIT/FWAIT lives in
 * families/misc.ts (runtime/fpu/state.ts exports fpuWait for it).
 *
 * Files: common.ts (FOP and pointers, memory sources, `fdef`), convert.ts
 * (store formats), load-store.ts, arith.ts, transcendental.ts, compare.ts,
 * control.ts (stack, control word, environment, FSAVE/FXSAVE).
 */
import './load-store.js';
import './arith.js';
import './transcendental.js';
import './compare.js';
import './control.js';
