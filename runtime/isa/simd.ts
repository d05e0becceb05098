/**
 * MMX, SSE, SSE2 and SSE3 rows (runtime/interp/families/simd/). Each
 * mnemonic has its own binder `simd-<mnemonic>`; forms on MM registers and
 * on XMM registers share it (the binder picks by operand kind). Whether the
 * machine's CPU model has the set is checked when the instruction runs
 * (runtime/simd/state.ts: sseEnter / mmxEnter, #UD otherwise), so decoded
 * blocks do not depend on the model. Every row leaves EFLAGS alone and may
 * fault in any form (#UD, #NM, #MF, #XM besides its memory operand).
 */
import { Code as C, Mnemonic as M } from '../iced.js';
import { E_NONE, row, type IsaRow } from './types.js';

/** One row per mnemonic, binder simd-<mnemonic>. */
function simd(ms: M[]): IsaRow[] {
  return ms.map((m) => row({ m: [m], interp: `simd-${M[m].toLowerCase()}`, ends: E_NONE, flags: 'none' }));
}
function shared(m: M[], interp: string): IsaRow {
  return row({ m, interp, ends: E_NONE, flags: 'none' });
}

export const SIMD_ROWS: readonly IsaRow[] = [
  // families/simd/int.ts: lane arithmetic, compares, logic, unpack, pack, shuffles, shifts
  ...simd([M.Paddb, M.Paddw, M.Paddd, M.Paddq, M.Psubb, M.Psubw, M.Psubd, M.Psubq, M.Paddsb, M.Paddsw, M.Psubsb, M.Psubsw,
    M.Paddusb, M.Paddusw, M.Psubusb, M.Psubusw, M.Pcmpeqb, M.Pcmpeqw, M.Pcmpeqd, M.Pcmpgtb, M.Pcmpgtw, M.Pcmpgtd,
    M.Pavgb, M.Pavgw, M.Pminub, M.Pmaxub, M.Pminsw, M.Pmaxsw, M.Pmullw, M.Pmulhw, M.Pmulhuw, M.Pmuludq, M.Pmaddwd,
    M.Psadbw, M.Pand, M.Andps, M.Andpd, M.Pandn, M.Andnps, M.Andnpd, M.Por, M.Orps, M.Orpd, M.Pxor, M.Xorps, M.Xorpd,
    M.Punpcklbw, M.Punpcklwd, M.Punpckldq, M.Punpcklqdq, M.Punpckhbw, M.Punpckhwd, M.Punpckhdq, M.Punpckhqdq,
    M.Unpcklps, M.Unpckhps, M.Unpcklpd, M.Unpckhpd, M.Packsswb, M.Packuswb, M.Packssdw, M.Shufps, M.Shufpd,
    M.Pshufd, M.Pshufw, M.Pshuflw, M.Pshufhw, M.Psllw, M.Pslld, M.Psllq, M.Psrlw, M.Psrld, M.Psrlq, M.Psraw, M.Psrad,
    M.Pslldq, M.Psrldq, M.Pmovmskb, M.Movmskps, M.Movmskpd, M.Pextrw, M.Pinsrw]),
  // families/simd/float.ts
  ...simd([M.Addps, M.Addpd, M.Addss, M.Addsd, M.Subps, M.Subpd, M.Subss, M.Subsd, M.Mulps, M.Mulpd, M.Mulss, M.Mulsd,
    M.Divps, M.Divpd, M.Divss, M.Divsd, M.Sqrtps, M.Sqrtpd, M.Sqrtss, M.Sqrtsd, M.Minps, M.Minpd, M.Minss, M.Minsd,
    M.Maxps, M.Maxpd, M.Maxss, M.Maxsd, M.Cmpps, M.Cmppd, M.Cmpss, M.Addsubps, M.Addsubpd, M.Haddps, M.Haddpd,
    M.Hsubps, M.Hsubpd]),
  row({ m: [M.Cmpsd], codes: [C.Cmpsd_xmm_xmmm64_imm8], interp: 'simd-cmpsd', ends: E_NONE, flags: 'none' }),
  ...[M.Comiss, M.Ucomiss, M.Comisd, M.Ucomisd].map((m) => row({ m: [m], interp: `simd-${M[m].toLowerCase()}`, ends: E_NONE, flags: 'eager' })),
  // families/simd/convert.ts
  ...simd([M.Cvtsi2ss, M.Cvtsi2sd, M.Cvtss2si, M.Cvttss2si, M.Cvtsd2si, M.Cvttsd2si, M.Cvtss2sd, M.Cvtsd2ss, M.Cvtps2pd,
    M.Cvtpd2ps, M.Cvtdq2ps, M.Cvtps2dq, M.Cvttps2dq, M.Cvtdq2pd, M.Cvtpd2dq, M.Cvttpd2dq, M.Cvtpi2ps, M.Cvtps2pi,
    M.Cvttps2pi, M.Cvtpi2pd, M.Cvtpd2pi, M.Cvttpd2pi]),
  // families/simd/move.ts
  ...simd([M.Movd, M.Movq, M.Movdqa, M.Movaps, M.Movapd, M.Movntdq, M.Movntps, M.Movntpd, M.Movdqu, M.Movups, M.Movupd,
    M.Lddqu, M.Movss, M.Movlps, M.Movlpd, M.Movhps, M.Movhpd, M.Movhlps, M.Movlhps, M.Movq2dq, M.Movdq2q, M.Movntq,
    M.Movddup, M.Movshdup, M.Movsldup, M.Movnti, M.Emms, M.Ldmxcsr, M.Stmxcsr, M.Clflush]),
  row({ m: [M.Movsd], codes: [C.Movsd_xmm_xmmm64, C.Movsd_xmmm64_xmm], interp: 'simd-movsd', ends: E_NONE, flags: 'none' }),
  shared([M.Maskmovq, M.Maskmovdqu], 'simd-maskmov'),
  shared([M.Sfence, M.Lfence, M.Mfence], 'simd-fence'),
  // PREFETCHh (0F 18 /0-/3) is in the hint-NOP space: a NOP on every model (runtime/isa/legacy.ts).
];
