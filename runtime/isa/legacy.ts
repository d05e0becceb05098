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
import { Code as C, Mnemonic as M } from '../iced.js';
import { BY_MNEMONIC, E_BRANCH, E_NONE, E_STOP, E_TRAP, row, type End, type Faults, type FlagEffect, type IsaRow, type JitHow } from './types.js';

interface Facts { flags?: FlagEffect; ends?: End; faults?: Faults; osz?: 2 | 4; jit?: JitHow }

function legacy(m: M[], f: Facts = {}): IsaRow {
  return row({ m, interp: BY_MNEMONIC, ends: E_NONE, ...f });
}
/** Some Codes of one mnemonic. */
function forms(m: M, codes: C[], f: Facts = {}): IsaRow {
  return row({ m: [m], codes, interp: BY_MNEMONIC, ends: E_NONE, ...f });
}

/** Loading SS (interrupt shadow, stack size), another segment, CR0-4 or DR0-7 changes what the next instructions mean. */
const MOV_TRAP = [C.Mov_Sreg_rm16, C.Mov_Sreg_r32m16, C.Mov_cr_r32, C.Mov_dr_r32];
/** Reading a segment register (no trap). */
const MOV_FROM_SREG = [C.Mov_rm16_Sreg, C.Mov_r32m16_Sreg];
const MOV_PLAIN = [C.Mov_rm8_r8, C.Mov_rm16_r16, C.Mov_rm32_r32, C.Mov_r8_rm8, C.Mov_r16_rm16, C.Mov_r32_rm32,
  C.Mov_AL_moffs8, C.Mov_AX_moffs16, C.Mov_EAX_moffs32, C.Mov_moffs8_AL,
  C.Mov_moffs16_AX, C.Mov_moffs32_EAX, C.Mov_r8_imm8, C.Mov_r16_imm16, C.Mov_r32_imm32, C.Mov_rm8_imm8,
  C.Mov_rm16_imm16, C.Mov_rm32_imm32];
/** Reading CRn / DRn: #GP at CPL > 0. */
const MOV_FROM_CTRL = [C.Mov_r32_cr, C.Mov_r32_dr];
const POP_SREG = [C.Popw_ES, C.Popd_ES, C.Popw_SS, C.Popd_SS, C.Popw_DS, C.Popd_DS, C.Popw_FS, C.Popd_FS, C.Popw_GS, C.Popd_GS];
const POP_PLAIN = [C.Pop_r16, C.Pop_r32, C.Pop_rm16, C.Pop_rm32, C.Popw_CS];

const X87: Facts = { flags: 'none' }; // x87 instructions may fault in every form (#NM, #MF), and leave EFLAGS alone

export const LEGACY_ROWS: readonly IsaRow[] = [
  // families/mov.ts (MOV to/from segment, control and debug registers included)
  forms(M.Mov, MOV_PLAIN, { flags: 'none', faults: 'mem', jit: 'inline:mov' }),
  forms(M.Mov, MOV_FROM_SREG, { flags: 'none', faults: 'mem' }),
  forms(M.Mov, MOV_FROM_CTRL, { flags: 'none' }),
  forms(M.Mov, MOV_TRAP, { flags: 'none', ends: E_TRAP }), // MOV CR0 may switch modes; MOV DRn: breakpoints
  legacy([M.Movsx], { flags: 'none', faults: 'mem', jit: 'inline:movsx' }),
  legacy([M.Movzx], { flags: 'none', faults: 'mem', jit: 'inline:movzx' }),
  legacy([M.Xchg], { flags: 'none', faults: 'mem', jit: 'inline:xchg' }),
  legacy([M.Lea], { flags: 'none', faults: 'never', jit: 'inline:lea' }),
  legacy([M.Nop], { flags: 'none', faults: 'never', jit: 'inline:nop' }),
  legacy([M.Pause], { flags: 'none', faults: 'never', jit: 'inline:nop' }), // a spin-loop hint: the interpreter's handler is a NOP
  // families/stack.ts (segment registers: families/segment.ts)
  legacy([M.Push], { flags: 'none', jit: 'inline:push' }),
  forms(M.Pop, POP_PLAIN, { flags: 'none', jit: 'inline:pop' }),
  forms(M.Pop, POP_SREG, { flags: 'none', ends: E_TRAP }),
  // families/segment.ts
  legacy([M.Lds, M.Les, M.Lfs, M.Lgs], { flags: 'none' }),
  legacy([M.Lss], { flags: 'none', ends: E_TRAP }),
  // families/system.ts
  legacy([M.Hlt], { flags: 'none', ends: E_STOP }),
  legacy([M.Clts, M.Lmsw, M.Invlpg], { flags: 'none', ends: E_TRAP }), // paging / FPU state the next instructions depend on
  legacy([M.Invd, M.Wbinvd, M.Smsw], { flags: 'none' }),
  // families/far.ts
  legacy([M.Retf, M.Int, M.Int1, M.Int3, M.Into], { flags: 'eager', ends: E_BRANCH }),
  legacy([M.Iret], { flags: 'eager', ends: E_BRANCH, osz: 2 }),
  legacy([M.Iretd], { flags: 'eager', ends: E_BRANCH, osz: 4 }),
  // families/muldiv.ts: MUL/IMUL CF/OF/ZF/AF eager, SF/PF lazy from the result; DIV/IDIV leave the flags (and may #DE)
  legacy([M.Mul], { flags: 'result', faults: 'mem', jit: 'inline:mul' }),
  legacy([M.Imul], { flags: 'result', faults: 'mem', jit: 'inline:imul' }),
  legacy([M.Div], { flags: 'none', jit: 'inline:div' }),
  legacy([M.Idiv], { flags: 'none', jit: 'inline:idiv' }),
  // families/bcd.ts
  legacy([M.Aaa, M.Aas, M.Daa, M.Das], { flags: 'eager', faults: 'never' }),
  legacy([M.Aad], { flags: 'add', faults: 'never' }),
  legacy([M.Aam], { flags: 'eager' }), // AAM 0: #DE
  // families/bits.ts
  legacy([M.Bt, M.Bts, M.Btr, M.Btc], { flags: 'eager', faults: 'mem', jit: 'inline:bt' }),
  legacy([M.Bsf, M.Bsr], { flags: 'eager', faults: 'mem', jit: 'inline:bitscan' }),
  legacy([M.Bswap], { flags: 'none', faults: 'never', jit: 'inline:bswap' }),
  // families/flagops.ts
  legacy([M.Clc, M.Stc, M.Cmc, M.Cld, M.Std], { flags: 'eager', faults: 'never', jit: 'inline:flagbit' }),
  legacy([M.Lahf, M.Sahf, M.Salc], { flags: 'eager', faults: 'never' }),
  legacy([M.Cbw, M.Cwde, M.Cwd, M.Cdq], { flags: 'none', faults: 'never', jit: 'inline:convert' }),
  legacy([M.Cli], { flags: 'eager' }), // #GP when IOPL < CPL
  legacy([M.Pushf, M.Pushfd], { flags: 'none' }),
  legacy([M.Sti, M.Popf, M.Popfd], { flags: 'eager', ends: E_TRAP }), // IF / TF may change: interrupts and single-step at the next boundary
  // families/atomic.ts
  legacy([M.Xadd], { flags: 'add', faults: 'mem', jit: 'inline:xadd' }),
  legacy([M.Cmpxchg], { flags: 'sub', faults: 'mem', jit: 'inline:cmpxchg' }),
  legacy([M.Cmpxchg8b], { flags: 'eager', faults: 'mem' }),
  // families/misc.ts
  legacy([M.Leave], { flags: 'none', jit: 'inline:leave' }),
  legacy([M.Rdtsc], { flags: 'none', jit: 'inline:rdtsc' }), // the TSC's time line is in the state block (Cpu.readTsc)
  legacy([M.Cpuid, M.Xlatb, M.Bound, M.Enter, M.Pusha, M.Pushad, M.Popa, M.Popad, M.Wait], { flags: 'none' }),
  // The hint-NOP space 0F 18-0F 1F under the names later CPUs gave it (PREFETCHh,
  // PREFETCHIT0/1, CLDEMOTE, RDSSPD, ENDBR32/64): NOPs here, the operand never accessed.
  legacy([M.Reservednop, M.Prefetchnta, M.Prefetcht0, M.Prefetcht1, M.Prefetcht2, M.Prefetchit0, M.Prefetchit1,
    M.Cldemote, M.Rdsspd, M.Endbr32, M.Endbr64], { flags: 'none', faults: 'never' }),
  // families/io.ts
  // Device side effects (an interrupt raised by a write) are seen before the next instruction.
  legacy([M.In, M.Out], { flags: 'none', ends: E_TRAP }),
  legacy([M.Insb, M.Insw, M.Insd, M.Outsb, M.Outsw, M.Outsd], { flags: 'none', ends: E_BRANCH }),
  // families/desctables.ts
  legacy([M.Lgdt, M.Lidt, M.Lldt, M.Ltr], { flags: 'none', ends: E_TRAP }),
  legacy([M.Sgdt, M.Sidt, M.Sldt, M.Str], { flags: 'none' }),
  legacy([M.Lar, M.Lsl, M.Verr, M.Verw, M.Arpl], { flags: 'eager' }), // ZF
  // families/msr.ts
  legacy([M.Rdmsr, M.Rdpmc], { flags: 'none' }),
  legacy([M.Wrmsr], { flags: 'none', ends: E_TRAP }),
  legacy([M.Sysenter, M.Sysexit], { flags: 'eager', ends: E_BRANCH }),
  // families/fpu/load-store.ts
  // FLD FST FSTP (m32fp m64fp ST(i)), FILD, FIST(P) m16/m32, FLDZ, FLD1: common cases inline (translator/jit/codegen/x87.ts), the rest call out
  legacy([M.Fld, M.Fst, M.Fstp, M.Fild, M.Fist, M.Fistp, M.Fld1, M.Fldz], { ...X87, jit: 'inline:x87' }),
  legacy([M.Fstpnce, M.Fisttp, M.Fbld, M.Fbstp, M.Fldl2t, M.Fldl2e, M.Fldpi, M.Fldlg2, M.Fldln2], X87),
  // families/fpu/arith.ts
  // exact sums inline (codegen/x87.ts)
  legacy([M.Fadd, M.Faddp, M.Fiadd, M.Fsub, M.Fsubp, M.Fisub, M.Fsubr, M.Fsubrp, M.Fisubr], { ...X87, jit: 'inline:x87' }),
  legacy([M.Fmul, M.Fmulp, M.Fimul,
    M.Fdiv, M.Fdivp, M.Fidiv, M.Fdivr, M.Fdivrp, M.Fidivr, M.Fabs, M.Fchs, M.Fprem, M.Fprem1, M.Frndint, M.Fscale,
    M.Fsqrt, M.Fxtract], X87),
  // families/fpu/transcendental.ts
  legacy([M.F2xm1, M.Fyl2x, M.Fyl2xp1, M.Fptan, M.Fpatan, M.Fsin, M.Fcos, M.Fsincos], X87),
  // families/fpu/compare.ts (FCMOVcc: runtime/isa/cond.ts)
  legacy([M.Fcom, M.Fcomp, M.Fcompp, M.Fucom, M.Fucomp, M.Fucompp, M.Ftst], { ...X87, jit: 'inline:x87' }), // register forms inline (codegen/x87.ts)
  legacy([M.Ficom, M.Ficomp, M.Fxam], X87),
  legacy([M.Fcomi, M.Fcomip, M.Fucomi, M.Fucomip], { flags: 'eager' }),
  // families/fpu/control.ts
  legacy([M.Fxch, M.Fnstsw, M.Fldcw, M.Fnstcw], { ...X87, jit: 'inline:x87' }), // FXCH, FNSTSW AX, FLDCW, FNSTCW inline (codegen/x87.ts)
  legacy([M.Fincstp, M.Fdecstp, M.Ffree, M.Ffreep, M.Fnclex, M.Fninit, M.Fnop,
    M.Fneni, M.Fndisi, M.Fnsetpm, M.Fldenv, M.Fnstenv, M.Frstor, M.Fnsave, M.Fxsave, M.Fxrstor], X87),
];
