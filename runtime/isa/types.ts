/**
 * The shape of the instruction table (runtime/isa/): one row describes a set
 * of iced-x86 Codes (the Codes of its mnemonics that exist in 16/32-bit code,
 * or the `codes` it lists) once, for every reader: the front end stores the
 * row's typed facts in the record and reads how it ends a block; the
 * interpreter binds a handler by the row's `interp` name; the JIT picks an
 * emitter (or a call-out to that handler) by the row's `jit` name.
 * Only plain data lives here (iced enums, numbers, strings): no handlers.
 */
import type { Code, Mnemonic } from 'iced-x86';

/**
 * How an instruction ends a block (the record's `ends`; `term` is what the
 * front end made of it for one particular block).
 */
export const E_NONE = 0;    // falls through
export const E_BRANCH = 1;  // writes EIP itself: the block ends after it (T_BRANCH)
/** Conditional near branch (Jcc, LOOPcc, JCXZ): mid-block it becomes T_COND and the superblock goes on. */
export const E_COND = 2;
/** Direct near JMP/CALL: T_BRANCH, or folded (the block continues at the target) in 32-bit code within the page. */
export const E_FOLD = 3;
export const E_TRAP = 4;    // changes state that affects decoding or interrupts: the block ends after it (T_TRAP)
export const E_STOP = 5;    // leaves the execution loop (HLT: T_STOP)
/** T_BRANCH with a REP/REPNE prefix (the handler loops and writes EIP), falls through without. */
export const E_REP = 6;
/**
 * Not described in the table yet: the interpreter's binder sets `term` by
 * form (families still bound by mnemonic, see runtime/isa/legacy.ts).
 */
export const E_HANDLER = 7;
/**
 * Never a table row's: a RET the front end put right after a CALL rel32
 * whose target held a lone RET (0xC3) when the block was decoded, so the
 * block goes on at the CALL's return address (translator/frontend/blocks.ts
 * "paired RET"). Its own EIP (the CALL's target, anywhere in the address
 * space) is in `disp` and its fall-through (the CALL's next) in `imm`:
 * runtime/records.ts Rec.off / Rec.next read them there.
 */
export const E_PAIRED = 8;
/**
 * Never a table row's: the `mov r32, [esp]` of a PIC thunk
 * (`__x86.get_pc_thunk.*`: mov r32, [esp]; ret) the front end put right
 * after a CALL rel32 to it, before the thunk's RET (paired, E_PAIRED): the
 * block goes on at the CALL's return address with all three instructions
 * (translator/frontend/blocks.ts "paired thunk"). Its operands are the real
 * ones (disp 0); its own EIP (the CALL's target, anywhere) is in `imm`,
 * which MOV r32, r/m32 does not use: Rec.off / Rec.next read it there.
 */
export const E_THUNK = 9;
export type End = typeof E_NONE | typeof E_BRANCH | typeof E_COND | typeof E_FOLD | typeof E_TRAP | typeof E_STOP | typeof E_REP | typeof E_HANDLER
  | typeof E_PAIRED | typeof E_THUNK;
export const END_NAMES = ['none', 'branch', 'cond', 'fold', 'trap', 'stop', 'rep', 'handler', 'paired', 'thunk'] as const;

/** Whether executing it may raise an exception (the JIT must then make state precise first). */
export type Faults =
  | 'never'   // register/immediate forms of plain arithmetic
  | 'mem'     // only through its memory operand (#PF, #GP/#SS on limits): never when it has none
  | 'yes';    // may fault in any form (#DE, #GP on a branch target, privilege, x87 #NM/#MF, ...)

/**
 * The flag state it leaves (runtime/flags.ts): the lazy kind it records, or
 * how else it treats the six status flags.
 */
export type FlagEffect =
  | 'none'      // leaves the flags alone
  | 'add' | 'adc' | 'sub' | 'sbb' | 'logic' | 'inc' | 'dec'  // lazy K_ADD/K_ADC/K_SUB/K_SBB/K_LOGIC/K_INC/K_DEC (ADC/SBB record K_ADD/K_SUB when the carry-in is 0)
  | 'result'    // K_RESULT: some flags eager, the others lazy from the result (shifts: CF/OF/AF eager; count 0 leaves all alone)
  | 'rotate'    // CF/OF eager, the rest untouched; count 0 leaves all alone
  | 'eager'     // writes some flags eagerly (setFlags / materialize)
  | 'handler';  // not described yet (bound by mnemonic)

/**
 * How the JIT runs it: `callout` = generated code hands the record to its
 * interpreter handler (`rec.exec`); `inline:<emitter>` = the JIT's emitter
 * registered under that name generates it inline; `helper:<name>` = generated
 * code calls a runtime helper of that name (not the whole handler); `ud` =
 * the instruction raises #UD (not on this CPU).
 */
export type JitHow = 'callout' | 'ud' | `inline:${string}` | `helper:${string}`;

/** The interpreter binder name for families still bound per mnemonic by `def()` (runtime/interp/table.ts). */
export const BY_MNEMONIC = 'by-mnemonic';

/** Where a condition code comes from: iced-x86's `conditionCode` of the instruction, or a fixed CC_* (runtime/isa/cc.ts). */
export type CcSource = 'iced' | number;

export interface IsaRow {
  /** Mnemonics described (their Codes that exist in 16/32-bit code, narrowed by `codes`). */
  readonly m: readonly Mnemonic[];
  /** Only these Codes of the mnemonics (others with the same mnemonic belong to another row, or to none: #UD). */
  readonly codes?: readonly Code[];
  /** Interpreter binder (runtime/interp: `bind(name, ...)`), or BY_MNEMONIC. */
  readonly interp: string;
  readonly jit: JitHow;
  readonly ends: End;
  readonly faults: Faults;
  readonly flags: FlagEffect;
  // ---- typed facts the front end stores in the record -------------------------------
  /** ALU operation (runtime/isa/alu.ts ALU_*) -> `rec.alu`. */
  readonly alu?: number;
  /** Shift/rotate kind (runtime/isa/shift.ts SH_*) -> `rec.shift`. */
  readonly shift?: number;
  /** String operation (runtime/isa/string.ts STR_*) -> `rec.strop`. */
  readonly strop?: number;
  /** Condition code -> `rec.cc` (CC_NONE when absent). */
  readonly cc?: CcSource;
  /** Fixed operand size in bytes -> `rec.osz` (string instructions: the mnemonic says it). */
  readonly osz?: 1 | 2 | 4;
  /** Fixed address size in bytes -> `rec.asz` (JCXZ / JECXZ name their counter). */
  readonly asz?: 2 | 4;
}

/** Row defaults: most instructions are plain, call out to the interpreter in the JIT. */
export function row(r: Omit<IsaRow, 'jit' | 'faults' | 'flags'> & Partial<Pick<IsaRow, 'jit' | 'faults' | 'flags'>>): IsaRow {
  return { jit: 'callout', faults: 'yes', flags: 'handler', ...r };
}
