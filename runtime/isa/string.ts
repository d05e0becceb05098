/**
 * String instructions MOVS CMPS SCAS LODS STOS (`rec.strop`), each mnemonic
 * one Code with its element size (`rec.osz`). With REP/REPNE the handler runs
 * the iterations and writes EIP (E_REP). INS/OUTS: the I/O family (legacy rows).
 * Interpreter: runtime/interp/families/string.ts.
 */
import { Code, Mnemonic } from '../iced.js';
import { E_REP, row, type IsaRow } from './types.js';

export const STR_MOVS = 0, STR_CMPS = 1, STR_SCAS = 2, STR_LODS = 3, STR_STOS = 4;
/** Most iterations one execution of a REP string instruction runs (families/string.ts; the JIT does the same count). */
export const REP_CAP = 4096;
/** Not a string instruction (the record's default). */
export const STR_NONE = -1;

function str(m: Mnemonic, code: Code, strop: number, osz: 1 | 2 | 4): IsaRow {
  // The SSE2 MOVSD/CMPSD share the mnemonic: other Codes are not this row.
  // MOVS/STOS/LODS/SCAS inline with 32-bit addressing (translator/jit/codegen/string.ts; REP MOVS/STOS: a fast
  // path, else the call-out; REP SCAS: the call-out). JitOptions.inlineScas false: SCAS a call-out.
  // REPE/REPNE CMPS inline too (unrepeated CMPS: the emitter declines, a call-out).
  const jit = strop === STR_MOVS || strop === STR_STOS || strop === STR_LODS || strop === STR_SCAS || strop === STR_CMPS ? 'inline:string' : 'callout';
  return row({ m: [m], codes: [code], interp: 'string', jit, strop, osz, ends: E_REP, flags: strop === STR_CMPS || strop === STR_SCAS ? 'sub' : 'none' });
}

export const STRING_ROWS: readonly IsaRow[] = [
  str(Mnemonic.Movsb, Code.Movsb_m8_m8, STR_MOVS, 1),
  str(Mnemonic.Movsw, Code.Movsw_m16_m16, STR_MOVS, 2),
  str(Mnemonic.Movsd, Code.Movsd_m32_m32, STR_MOVS, 4),
  str(Mnemonic.Cmpsb, Code.Cmpsb_m8_m8, STR_CMPS, 1),
  str(Mnemonic.Cmpsw, Code.Cmpsw_m16_m16, STR_CMPS, 2),
  str(Mnemonic.Cmpsd, Code.Cmpsd_m32_m32, STR_CMPS, 4),
  str(Mnemonic.Scasb, Code.Scasb_AL_m8, STR_SCAS, 1),
  str(Mnemonic.Scasw, Code.Scasw_AX_m16, STR_SCAS, 2),
  str(Mnemonic.Scasd, Code.Scasd_EAX_m32, STR_SCAS, 4),
  str(Mnemonic.Lodsb, Code.Lodsb_AL_m8, STR_LODS, 1),
  str(Mnemonic.Lodsw, Code.Lodsw_AX_m16, STR_LODS, 2),
  str(Mnemonic.Lodsd, Code.Lodsd_EAX_m32, STR_LODS, 4),
  str(Mnemonic.Stosb, Code.Stosb_m8_AL, STR_STOS, 1),
  str(Mnemonic.Stosw, Code.Stosw_m16_AX, STR_STOS, 2),
  str(Mnemonic.Stosd, Code.Stosd_m32_EAX, STR_STOS, 4),
];
