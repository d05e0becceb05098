/**
 * Bit test and scan: BT BTS BTR BTC, BSF BSR, BSWAP.
 *
 * BTx (SDM vol. 2, BT): CF = the selected bit; ZF is unaffected and OF/SF/AF/PF
 * are undefined: the real CPU leaves all of them unchanged, so only CF is
 * written (eagerly) and the rest stay as they were (lazy or not).
 * Register bit offsets on a memory operand are signed and address outside the
 * operand: ea + (offset SAR 5) * 4 for 32 bits, ea + (offset SAR 4) * 2 for 16
 * bits (the sum wraps to the address size); immediate offsets and register
 * destinations take the offset modulo the operand size.
 *
 * BSF/BSR: source 0 -> ZF=1 and the destination is unchanged (what Intel and
 * AMD CPUs do); flags on the host CPU: CF=OF=SF=AF=0, PF from the result (the
 * bit index, or 0 for a zero source), ZF = (source == 0).
 *
 * BSWAP r16 is undefined in the SDM; the real CPU (checked natively) zeroes
 * the 16-bit register.
 */
import { Code, Mnemonic } from '../../iced.js';
import type { Cpu } from '../../cpu.js';
import type { Rec } from '../../records.js';
import { OP_IMM, OP_MEM, OP_REG } from '../../records.js';
import { K_LOGIC, setFlags, setLazy, SZ32 } from '../../flags.js';
import { CF, ZF } from '../../state/eflags.js';
import { SEG_BASE, w } from '../../state/layout.js';
import { def } from '../table.js';
import { ea, getReg, offset, readMem, readMemW, setReg, writeMem } from '../operands.js';

const W_SEG_BASE = w(SEG_BASE);
const BT = 0, BTS = 1, BTR = 2, BTC = 3;

/** New value of the tested operand for sub-op `op` (BT returns it unchanged). */
function modify(op: number, v: number, mask: number): number {
  return op === BTS ? v | mask : op === BTR ? v & ~mask : op === BTC ? v ^ mask : v;
}

// Register destination, register offset: the hot 32-bit forms first.
function bt32RR(cpu: Cpu, r: Rec): void {
  const R = cpu.r32;
  setFlags(cpu.s, CF, (R[r.r0] >>> (R[r.r1] & 31)) & 1);
}
function btx32RR(cpu: Cpu, r: Rec): void {
  const R = cpu.r32, v = R[r.r0], b = R[r.r1] & 31;
  setFlags(cpu.s, CF, (v >>> b) & 1);
  R[r.r0] = modify(r.sub, v, 1 << b);
}
function btxRX(cpu: Cpu, r: Rec): void {
  const n = r.osz, bits = n * 8 - 1;
  const b = (r.k1 === OP_IMM ? r.imm : getReg(cpu, n, r.r1)) & bits;
  const v = getReg(cpu, n, r.r0);
  setFlags(cpu.s, CF, (v >>> b) & 1);
  if (r.sub !== BT) setReg(cpu, n, r.r0, modify(r.sub, v, 1 << b));
}

/** Memory destination, immediate offset: the operand itself, offset modulo its size. */
function btxMI(cpu: Cpu, r: Rec): void {
  const n = r.osz, b = r.imm & (n * 8 - 1), a = ea(cpu, r);
  if (r.sub === BT) { setFlags(cpu.s, CF, (readMem(cpu, n, a) >>> b) & 1); return; }
  const v = readMemW(cpu, n, a);
  writeMem(cpu, n, a, modify(r.sub, v, 1 << b));
  setFlags(cpu.s, CF, (v >>> b) & 1);
}

/** Memory destination, register offset: a signed bit string starting at the operand. */
function btxMR(cpu: Cpu, r: Rec): void {
  const n = r.osz;
  let off: number, b: number;
  if (n === 4) {
    const o = cpu.r32[r.r1];
    off = (o >> 5) << 2; b = o & 31;
  } else {
    const o = (cpu.r16[r.r1] << 16) >> 16;
    off = (o >> 4) << 1; b = o & 15;
  }
  let e = offset(cpu, r) + off;
  e = r.asz === 2 ? e & 0xffff : e | 0;
  const a = r.sub === BT ? cpu.linc(r.seg, e, n) : cpu.lincW(r.seg, e, n);
  if (r.sub === BT) { setFlags(cpu.s, CF, (readMem(cpu, n, a) >>> b) & 1); return; }
  const v = readMemW(cpu, n, a);
  writeMem(cpu, n, a, modify(r.sub, v, 1 << b));
  setFlags(cpu.s, CF, (v >>> b) & 1);
}

function btFactory(op: number) {
  return (r: Rec) => {
    r.sub = op;
    if (r.osz === 1) return null;
    if (r.k0 === OP_REG) {
      if (r.k1 === OP_REG && r.osz === 4) return op === BT ? bt32RR : btx32RR;
      if (r.k1 === OP_REG || r.k1 === OP_IMM) return btxRX;
    } else if (r.k0 === OP_MEM) {
      if (r.k1 === OP_IMM) return btxMI;
      if (r.k1 === OP_REG) return btxMR;
    }
    return null;
  };
}
def(Mnemonic.Bt, btFactory(BT));
def(Mnemonic.Bts, btFactory(BTS));
def(Mnemonic.Btr, btFactory(BTR));
def(Mnemonic.Btc, btFactory(BTC));

// ---- BSF BSR ----------------------------------------------------------------

function scan(cpu: Cpu, r: Rec, src: number): void {
  const s = cpu.s, n = r.osz;
  src = n === 4 ? src : src & 0xffff;
  if (src === 0) { setLazy(s, (K_LOGIC << 2) | SZ32, 0, 0, 0); return; }
  const idx = r.sub === 0 ? 31 - Math.clz32(src & -src) : 31 - Math.clz32(src);
  setReg(cpu, n, r.r0, idx);
  setLazy(s, (K_LOGIC << 2) | SZ32, idx, 0, 0);
  setFlags(s, ZF, 0);
}
function scanR(cpu: Cpu, r: Rec): void { scan(cpu, r, getReg(cpu, r.osz, r.r1)); }
function scanM(cpu: Cpu, r: Rec): void { scan(cpu, r, readMem(cpu, r.osz, ea(cpu, r))); }
function scanFactory(sub: number) {
  return (r: Rec) => {
    r.sub = sub;
    if (r.k0 !== OP_REG || r.osz === 1) return null;
    return r.k1 === OP_REG ? scanR : r.k1 === OP_MEM ? scanM : null;
  };
}
def(Mnemonic.Bsf, scanFactory(0));
def(Mnemonic.Bsr, scanFactory(1));

// ---- BSWAP ------------------------------------------------------------------

function bswap32(cpu: Cpu, r: Rec): void {
  const v = cpu.r32[r.r0];
  cpu.r32[r.r0] = (v >>> 24) | ((v >>> 8) & 0xff00) | ((v & 0xff00) << 8) | (v << 24);
}
function bswap16(cpu: Cpu, r: Rec): void { cpu.r16[r.r0] = 0; }
def(Mnemonic.Bswap, (r) => {
  if (r.k0 !== OP_REG) return null;
  if (r.code === Code.Bswap_r32) return bswap32;
  if (r.code === Code.Bswap_r16) return bswap16;
  return null;
});
