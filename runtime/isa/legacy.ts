/**
 * Families not yet described fact by fact: their rows name the mnemonics
 * (so every instruction this CPU has is listed here or in a sibling file),
 * and the interpreter still binds them per mnemonic with `def()` in
 * runtime/interp/families/<family>.ts, where the factory picks the form and
 * may set `rec.sub`. How each ends a block is the row's `ends` (rows split by
 * Code where forms differ: MOV to a segment, control or debug register and
 * POP of a segment register end it with T_TRAP). Some factories still set
 * the same `term` themselves (families/segment.ts, the MOV CRn/DRn forms in
 * families/system.ts); the table test checks they agree. Moving a family
 * out of here means: give its rows typed facts and an `interp` binder name,
 * and make its factory read the facts instead of setting them.
 */
import { Code as C, Mnemonic as M } from 'iced-x86';
import { BY_MNEMONIC, E_BRANCH, E_NONE, E_STOP, E_TRAP, row, type End, type FlagEffect, type IsaRow } from './types.js';

function legacy(m: M[], flags: FlagEffect = 'handler', ends: End = E_NONE, osz?: 2 | 4): IsaRow {
  return row({ m, interp: BY_MNEMONIC, ends, flags, ...(osz === undefined ? {} : { osz }) });
}
/** Some Codes of one mnemonic. */
function forms(m: M, codes: C[], flags: FlagEffect, ends: End): IsaRow {
  return row({ m: [m], codes, interp: BY_MNEMONIC, ends, flags });
}

/** Loading SS (interrupt shadow, stack size), another segment, CR0-4 or DR0-7 changes what the next instructions mean. */
const MOV_TRAP = [C.Mov_Sreg_rm16, C.Mov_Sreg_r32m16, C.Mov_cr_r32, C.Mov_dr_r32];
const MOV_PLAIN = [C.Mov_rm8_r8, C.Mov_rm16_r16, C.Mov_rm32_r32, C.Mov_r8_rm8, C.Mov_r16_rm16, C.Mov_r32_rm32,
  C.Mov_rm16_Sreg, C.Mov_r32m16_Sreg, C.Mov_AL_moffs8, C.Mov_AX_moffs16, C.Mov_EAX_moffs32, C.Mov_moffs8_AL,
  C.Mov_moffs16_AX, C.Mov_moffs32_EAX, C.Mov_r8_imm8, C.Mov_r16_imm16, C.Mov_r32_imm32, C.Mov_rm8_imm8,
  C.Mov_rm16_imm16, C.Mov_rm32_imm32, C.Mov_r32_cr, C.Mov_r32_dr];
const POP_SREG = [C.Popw_ES, C.Popd_ES, C.Popw_SS, C.Popd_SS, C.Popw_DS, C.Popd_DS, C.Popw_FS, C.Popd_FS, C.Popw_GS, C.Popd_GS];
const POP_PLAIN = [C.Pop_r16, C.Pop_r32, C.Pop_rm16, C.Pop_rm32, C.Popw_CS];

export const LEGACY_ROWS: readonly IsaRow[] = [
  // families/mov.ts (MOV to/from segment, control and debug registers included)
  forms(M.Mov, MOV_PLAIN, 'none', E_NONE),
  forms(M.Mov, MOV_TRAP, 'none', E_TRAP), // MOV CR0 may switch modes; MOV DRn: breakpoints
  legacy([M.Movsx, M.Movzx, M.Lea, M.Xchg, M.Nop, M.Pause], 'none'),
  // families/stack.ts (segment registers: families/segment.ts)
  legacy([M.Push], 'none'),
  forms(M.Pop, POP_PLAIN, 'none', E_NONE),
  forms(M.Pop, POP_SREG, 'none', E_TRAP),
  // families/segment.ts
  legacy([M.Lds, M.Les, M.Lfs, M.Lgs], 'none'),
  legacy([M.Lss], 'none', E_TRAP),
  // families/system.ts
  legacy([M.Hlt], 'none', E_STOP),
  legacy([M.Clts, M.Lmsw, M.Invlpg], 'none', E_TRAP), // paging / FPU state the next instructions depend on
  legacy([M.Invd, M.Wbinvd, M.Smsw], 'none'),
  // families/far.ts
  legacy([M.Retf, M.Int, M.Int1, M.Int3, M.Into], 'eager', E_BRANCH),
  legacy([M.Iret], 'eager', E_BRANCH, 2),
  legacy([M.Iretd], 'eager', E_BRANCH, 4),
  // families/muldiv.ts
  legacy([M.Mul, M.Imul, M.Div, M.Idiv]),
  // families/bcd.ts
  legacy([M.Aaa, M.Aas, M.Aam, M.Aad, M.Daa, M.Das]),
  // families/bits.ts
  legacy([M.Bt, M.Bts, M.Btr, M.Btc, M.Bsf, M.Bsr, M.Bswap]),
  // families/flagops.ts
  legacy([M.Clc, M.Stc, M.Cmc, M.Cld, M.Std, M.Cli, M.Lahf, M.Sahf, M.Salc, M.Pushf, M.Pushfd, M.Cbw, M.Cwde, M.Cwd, M.Cdq]),
  legacy([M.Sti, M.Popf, M.Popfd], 'eager', E_TRAP), // IF / TF may change: interrupts and single-step at the next boundary
  // families/atomic.ts
  legacy([M.Xadd, M.Cmpxchg, M.Cmpxchg8b]),
  // families/misc.ts
  legacy([M.Cpuid, M.Rdtsc, M.Xlatb, M.Bound, M.Enter, M.Leave, M.Pusha, M.Pushad, M.Popa, M.Popad, M.Wait, M.Reservednop], 'none'),
  // families/io.ts
  // Device side effects (an interrupt raised by a write) are seen before the next instruction.
  legacy([M.In, M.Out], 'none', E_TRAP),
  legacy([M.Insb, M.Insw, M.Insd, M.Outsb, M.Outsw, M.Outsd], 'none', E_BRANCH),
  // families/desctables.ts
  legacy([M.Lgdt, M.Lidt, M.Lldt, M.Ltr], 'none', E_TRAP),
  legacy([M.Sgdt, M.Sidt, M.Sldt, M.Str, M.Lar, M.Lsl, M.Verr, M.Verw, M.Arpl]),
  // families/msr.ts
  legacy([M.Rdmsr, M.Rdpmc], 'none'),
  legacy([M.Wrmsr], 'none', E_TRAP),
  legacy([M.Sysenter, M.Sysexit], 'eager', E_BRANCH),
  // families/fpu/load-store.ts
  legacy([M.Fld, M.Fst, M.Fstp, M.Fstpnce, M.Fild, M.Fist, M.Fistp, M.Fbld, M.Fbstp,
    M.Fld1, M.Fldl2t, M.Fldl2e, M.Fldpi, M.Fldlg2, M.Fldln2, M.Fldz], 'none'),
  // families/fpu/arith.ts
  legacy([M.Fadd, M.Faddp, M.Fiadd, M.Fsub, M.Fsubp, M.Fisub, M.Fsubr, M.Fsubrp, M.Fisubr, M.Fmul, M.Fmulp, M.Fimul,
    M.Fdiv, M.Fdivp, M.Fidiv, M.Fdivr, M.Fdivrp, M.Fidivr, M.Fabs, M.Fchs, M.Fprem, M.Fprem1, M.Frndint, M.Fscale,
    M.Fsqrt, M.Fxtract], 'none'),
  // families/fpu/transcendental.ts
  legacy([M.F2xm1, M.Fyl2x, M.Fyl2xp1, M.Fptan, M.Fpatan, M.Fsin, M.Fcos, M.Fsincos], 'none'),
  // families/fpu/compare.ts (FCMOVcc: runtime/isa/cond.ts)
  legacy([M.Fcom, M.Fcomp, M.Fcompp, M.Fucom, M.Fucomp, M.Fucompp, M.Ficom, M.Ficomp, M.Ftst, M.Fxam], 'none'),
  legacy([M.Fcomi, M.Fcomip, M.Fucomi, M.Fucomip], 'eager'),
  // families/fpu/control.ts
  legacy([M.Fincstp, M.Fdecstp, M.Ffree, M.Ffreep, M.Fxch, M.Fldcw, M.Fnstcw, M.Fnstsw, M.Fnclex, M.Fninit, M.Fnop,
    M.Fneni, M.Fndisi, M.Fnsetpm, M.Fldenv, M.Fnstenv, M.Frstor, M.Fnsave, M.Fxsave, M.Fxrstor], 'none'),
];
