/**
 * Lazy arithmetic flags. A flag-producing instruction records its kind, size,
 * operands and result in the state block (LAZY_*) and marks which of the six
 * status flags are lazy (LAZY_MASK); a flag is computed only when something
 * reads it. Flags an instruction sets eagerly are written to EFLAGS and
 * dropped from LAZY_MASK. The same encoding is what generated code writes.
 */
import { EFLAGS, LAZY_A, LAZY_B, LAZY_MASK, LAZY_OP, LAZY_RES, w } from './state/layout.js';
import { AF, ARITH, CF, OF, PF, SF, ZF } from './state/eflags.js';

/** Lazy operation kinds; LAZY_OP = kind << 2 | size code (0: 8, 1: 16, 2: 32 bits). */
export const K_ADD = 0;
export const K_ADC = 1;   // add with carry-in 1 (carry-in 0 is recorded as K_ADD)
export const K_SUB = 2;
export const K_SBB = 3;   // subtract with borrow-in 1
export const K_LOGIC = 4; // CF = OF = AF = 0
export const K_INC = 5;   // CF not lazy (preserved)
export const K_DEC = 6;
/** Only SF/ZF/PF come from the result; the others were set eagerly. */
export const K_RESULT = 7;

export const SZ8 = 0, SZ16 = 1, SZ32 = 2;
/** Size code for an operand size in bytes (1, 2, 4). */
export const szCode = (bytes: number): number => (bytes === 4 ? SZ32 : bytes === 2 ? SZ16 : SZ8);

const W_EFLAGS = w(EFLAGS), W_OP = w(LAZY_OP), W_RES = w(LAZY_RES), W_A = w(LAZY_A), W_B = w(LAZY_B), W_MASK = w(LAZY_MASK);
export { W_EFLAGS, W_OP, W_RES, W_A, W_B, W_MASK };

const MASKS = [0xff, 0xffff, -1];
const SIGNS = [0x80, 0x8000, 0x80000000 | 0];

/** PF for each low-byte value: set when the number of 1 bits is even. */
export const PARITY = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  let b = i, n = 0;
  while (b) { n += b & 1; b >>= 1; }
  PARITY[i] = n & 1 ? 0 : PF;
}

/** Record an operation whose six flags are all lazy. */
export function setLazy(s: Int32Array, op: number, res: number, a: number, b: number): void {
  s[W_OP] = op;
  s[W_RES] = res;
  s[W_A] = a;
  s[W_B] = b;
  s[W_MASK] = ARITH;
}

/**
 * How CF and OF come from the lazy state, per kind: the one description of
 * the lazy flags both engines follow (lazyCF/lazyOF below; the JIT emits
 * the same rules in wasm, translator/jit/codegen/flags.ts addFlagHelpers).
 * CF compares the operands masked to the operation's size, unsigned; OF
 * tests the size's sign bit of (a ^ r) & (b ^ r) (add) or (a ^ b) & (a ^ r)
 * (subtract). INC/DEC carry b = 1; K_INC/K_DEC never have CF lazy.
 */
export const CF_NONE = 0, CF_RES_LT_A = 1, CF_RES_LE_A = 2, CF_A_LT_B = 3, CF_A_LE_B = 4;
export const OF_NONE = 0, OF_ADD = 1, OF_SUB = 2;
/** CF_* rule by kind (K_ADD ... K_RESULT). */
export const CF_RULE: Readonly<Uint8Array> = Uint8Array.of(CF_RES_LT_A, CF_RES_LE_A, CF_A_LT_B, CF_A_LE_B, CF_NONE, CF_NONE, CF_NONE, CF_NONE);
/** OF_* rule by kind. */
export const OF_RULE: Readonly<Uint8Array> = Uint8Array.of(OF_ADD, OF_ADD, OF_SUB, OF_SUB, OF_NONE, OF_ADD, OF_SUB, OF_NONE);

function lazyCF(s: Int32Array): number {
  const op = s[W_OP], m = MASKS[op & 3];
  const a = (s[W_A] & m) >>> 0;
  switch (CF_RULE[(op >> 2) & 7]) {
    case CF_RES_LT_A: return ((s[W_RES] & m) >>> 0) < a ? CF : 0;
    case CF_RES_LE_A: return ((s[W_RES] & m) >>> 0) <= a ? CF : 0;
    case CF_A_LT_B: return a < ((s[W_B] & m) >>> 0) ? CF : 0;
    case CF_A_LE_B: return a <= ((s[W_B] & m) >>> 0) ? CF : 0;
    default: return 0;
  }
}

function lazyOF(s: Int32Array): number {
  const op = s[W_OP], sign = SIGNS[op & 3];
  const a = s[W_A], b = s[W_B], r = s[W_RES];
  switch (OF_RULE[(op >> 2) & 7]) {
    case OF_ADD: return ((a ^ r) & (b ^ r) & sign) !== 0 ? OF : 0;
    case OF_SUB: return ((a ^ b) & (a ^ r) & sign) !== 0 ? OF : 0;
    default: return 0;
  }
}

function lazyAF(s: Int32Array): number {
  const k = s[W_OP] >> 2;
  if (k === K_LOGIC || k === K_RESULT) return 0;
  return (s[W_A] ^ s[W_B] ^ s[W_RES]) & AF;
}

/** Compute every lazy flag into EFLAGS; returns the full EFLAGS value. */
export function materialize(s: Int32Array): number {
  const lm = s[W_MASK];
  let f = s[W_EFLAGS];
  if (lm === 0) return f;
  const op = s[W_OP], r = s[W_RES];
  let v = 0;
  if (lm & CF) v |= lazyCF(s);
  if (lm & PF) v |= PARITY[r & 0xff];
  if (lm & AF) v |= lazyAF(s);
  if (lm & ZF) v |= (r & MASKS[op & 3]) === 0 ? ZF : 0;
  if (lm & SF) v |= (r & SIGNS[op & 3]) !== 0 ? SF : 0;
  if (lm & OF) v |= lazyOF(s);
  f = (f & ~lm) | v;
  s[W_EFLAGS] = f;
  s[W_MASK] = 0;
  return f;
}

/** Replace the flags in `which` with `value` bits (eager write), keeping the rest. */
export function setFlags(s: Int32Array, which: number, value: number): void {
  // Flags that stay lazy keep reading LAZY_*; only the overwritten ones become eager.
  s[W_MASK] &= ~which;
  s[W_EFLAGS] = (s[W_EFLAGS] & ~which) | (value & which);
}

export function getCF(s: Int32Array): number { return s[W_MASK] & CF ? lazyCF(s) : s[W_EFLAGS] & CF; }
export function getZF(s: Int32Array): boolean {
  return s[W_MASK] & ZF ? (s[W_RES] & MASKS[s[W_OP] & 3]) === 0 : (s[W_EFLAGS] & ZF) !== 0;
}
export function getSF(s: Int32Array): boolean {
  return s[W_MASK] & SF ? (s[W_RES] & SIGNS[s[W_OP] & 3]) !== 0 : (s[W_EFLAGS] & SF) !== 0;
}
export function getOF(s: Int32Array): boolean { return (s[W_MASK] & OF ? lazyOF(s) : s[W_EFLAGS] & OF) !== 0; }
export function getPF(s: Int32Array): boolean { return (s[W_MASK] & PF ? PARITY[s[W_RES] & 0xff] : s[W_EFLAGS] & PF) !== 0; }
export function getAF(s: Int32Array): boolean { return (s[W_MASK] & AF ? lazyAF(s) : s[W_EFLAGS] & AF) !== 0; }

/**
 * Condition codes in encoding order (the low nibble of Jcc/SETcc/CMOVcc):
 * O NO B AE E NE BE A S NS P NP L GE LE G.
 */
export function testCC(s: Int32Array, cc: number): boolean {
  let r: boolean;
  switch (cc >> 1) {
    case 0: r = getOF(s); break;
    case 1: r = getCF(s) !== 0; break;
    case 2: r = getZF(s); break;
    case 3: r = getCF(s) !== 0 || getZF(s); break;
    case 4: r = getSF(s); break;
    case 5: r = getPF(s); break;
    case 6: r = getSF(s) !== getOF(s); break;
    default: r = getZF(s) || getSF(s) !== getOF(s); break;
  }
  return (cc & 1) !== 0 ? !r : r;
}

/**
 * Condition codes straight from the operands of the last operation, without
 * going through the lazy flags (dispatch fast paths and fused branches).
 */
/** Condition cc after r = a - b (32-bit). */
export function condSub(cc: number, a: number, b: number, r: number): boolean {
  switch (cc) {
    case 0: return ((a ^ b) & (a ^ r)) < 0;
    case 1: return ((a ^ b) & (a ^ r)) >= 0;
    case 2: return (a >>> 0) < (b >>> 0);
    case 3: return (a >>> 0) >= (b >>> 0);
    case 4: return a === b;
    case 5: return a !== b;
    case 6: return (a >>> 0) <= (b >>> 0);
    case 7: return (a >>> 0) > (b >>> 0);
    case 8: return r < 0;
    case 9: return r >= 0;
    case 10: return PARITY[r & 0xff] !== 0;
    case 11: return PARITY[r & 0xff] === 0;
    case 12: return a < b;
    case 13: return a >= b;
    case 14: return a <= b;
    default: return a > b;
  }
}

/** Condition cc after a logic result r (CF = OF = 0). */
export function condLogic(cc: number, r: number): boolean {
  switch (cc) {
    case 0: case 2: return false;
    case 1: case 3: return true;
    case 4: case 6: return r === 0;
    case 5: case 7: return r !== 0;
    case 8: case 12: return r < 0;
    case 9: case 13: return r >= 0;
    case 10: return PARITY[r & 0xff] !== 0;
    case 11: return PARITY[r & 0xff] === 0;
    case 14: return r <= 0;
    default: return r > 0;
  }
}

/** Preserve CF across an operation that leaves it alone (INC/DEC): make it eager first. */
export function pinCF(s: Int32Array): void {
  if (s[W_MASK] & CF) {
    s[W_EFLAGS] = (s[W_EFLAGS] & ~CF) | lazyCF(s);
  }
}
