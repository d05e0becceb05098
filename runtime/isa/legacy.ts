/**
 * Families not yet described fact by fact: their rows name the mnemonics
 * (so every instruction this CPU has is listed here or in a sibling file),
 * and the interpreter still binds them per mnemonic with `def()` in
 * runtime/interp/families/<family>.ts, where the factory picks the form,
 * may set `rec.sub` and sets `term` (E_HANDLER). Moving a family out of
 * here means: give its rows typed facts, an `interp` binder name and real
 * `ends`, and make its factory read the facts instead of setting them.
 */
import { Mnemonic as M } from 'iced-x86';
import { BY_MNEMONIC, E_HANDLER, row, type FlagEffect, type IsaRow } from './types.js';

function legacy(m: M[], flags: FlagEffect = 'handler'): IsaRow {
  return row({ m, interp: BY_MNEMONIC, ends: E_HANDLER, flags });
}

export const LEGACY_ROWS: readonly IsaRow[] = [
  // families/mov.ts (MOV to/from segment, control and debug registers included)
  legacy([M.Mov, M.Movsx, M.Movzx, M.Lea, M.Xchg, M.Nop, M.Pause], 'none'),
  // families/stack.ts
  legacy([M.Push, M.Pop], 'none'),
  // families/segment.ts
  legacy([M.Lds, M.Les, M.Lfs, M.Lgs, M.Lss], 'none'),
  // families/system.ts
  legacy([M.Hlt, M.Clts, M.Invd, M.Wbinvd, M.Invlpg, M.Lmsw, M.Smsw], 'none'),
  // families/far.ts
  legacy([M.Retf, M.Int, M.Int1, M.Int3, M.Into, M.Iret, M.Iretd], 'eager'),
  // families/muldiv.ts
  legacy([M.Mul, M.Imul, M.Div, M.Idiv]),
  // families/bcd.ts
  legacy([M.Aaa, M.Aas, M.Aam, M.Aad, M.Daa, M.Das]),
  // families/bits.ts
  legacy([M.Bt, M.Bts, M.Btr, M.Btc, M.Bsf, M.Bsr, M.Bswap]),
  // families/flagops.ts
  legacy([M.Clc, M.Stc, M.Cmc, M.Cld, M.Std, M.Cli, M.Sti, M.Lahf, M.Sahf, M.Salc, M.Pushf, M.Pushfd, M.Popf, M.Popfd,
    M.Cbw, M.Cwde, M.Cwd, M.Cdq]),
  // families/atomic.ts
  legacy([M.Xadd, M.Cmpxchg, M.Cmpxchg8b]),
  // families/misc.ts
  legacy([M.Cpuid, M.Rdtsc, M.Xlatb, M.Bound, M.Enter, M.Leave, M.Pusha, M.Pushad, M.Popa, M.Popad, M.Wait, M.Reservednop], 'none'),
  // families/io.ts
  legacy([M.In, M.Out, M.Insb, M.Insw, M.Insd, M.Outsb, M.Outsw, M.Outsd], 'none'),
  // families/desctables.ts
  legacy([M.Lgdt, M.Lidt, M.Sgdt, M.Sidt, M.Lldt, M.Sldt, M.Ltr, M.Str, M.Lar, M.Lsl, M.Verr, M.Verw, M.Arpl]),
  // families/msr.ts
  legacy([M.Rdmsr, M.Wrmsr, M.Rdpmc, M.Sysenter, M.Sysexit]),
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
