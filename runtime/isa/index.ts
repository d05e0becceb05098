/**
 * The instruction table: every instruction this CPU model has is one row in
 * the files of this folder (one per family), keyed by iced-x86 Mnemonic and
 * narrowed by Code where one mnemonic names several instructions. Readers:
 * translator/frontend (facts into the record, how it ends a block), the
 * interpreter (runtime/interp/table.ts binds `interp`), the JIT (`jit`).
 * A Code no row claims raises #UD (what is absent and why: absent.ts).
 */
import type { Code, Mnemonic } from 'iced-x86';
import type { IsaRow, JitHow } from './types.js';
import { ALU_ROWS } from './alu.js';
import { BRANCH_ROWS } from './branch.js';
import { COND_ROWS } from './cond.js';
import { SHIFT_ROWS } from './shift.js';
import { STRING_ROWS } from './string.js';
import { LEGACY_ROWS } from './legacy.js';
import { SIMD_ROWS } from './simd.js';

export const ISA_ROWS: readonly IsaRow[] = [...ALU_ROWS, ...BRANCH_ROWS, ...COND_ROWS, ...SHIFT_ROWS, ...STRING_ROWS, ...LEGACY_ROWS, ...SIMD_ROWS];

const byMnemonic: (IsaRow[] | undefined)[] = [];
for (const r of ISA_ROWS) {
  for (const m of r.m) {
    const list = byMnemonic[m] ?? (byMnemonic[m] = []);
    if (list.some((o) => o.codes === undefined || r.codes === undefined || o.codes.some((c) => r.codes!.includes(c)))) {
      throw new Error(`runtime/isa: two rows describe the same Codes of mnemonic ${m}`);
    }
    list.push(r);
  }
}

const byCode: (IsaRow | null | undefined)[] = [];

/** The row describing `code` (whose iced mnemonic is `mnemonic`), or null: not on this CPU (#UD). */
export function isaRow(code: Code, mnemonic: Mnemonic): IsaRow | null {
  let r = byCode[code];
  if (r === undefined) {
    r = null;
    for (const x of byMnemonic[mnemonic] ?? []) {
      if (x.codes === undefined || x.codes.includes(code)) { r = x; break; }
    }
    byCode[code] = r;
  }
  return r;
}

/** How the JIT runs `code`: its row's answer, or 'ud' (not on this CPU). */
export function jitHow(code: Code, mnemonic: Mnemonic): JitHow {
  return isaRow(code, mnemonic)?.jit ?? 'ud';
}

/** Every mnemonic some row describes. */
export function describedMnemonics(): Mnemonic[] {
  const out: Mnemonic[] = [];
  byMnemonic.forEach((l, m) => { if (l) out.push(m); });
  return out;
}

export * from './types.js';
