/** Segment-register moves: MOV Sreg, PUSH/POP Sreg, LDS/LES/LFS/LGS/LSS. */
import { Mnemonic } from '../../iced.js';
import type { Cpu } from '../../cpu.js';
import type { Rec } from '../../records.js';
import { OP_MEM, OP_REG, OP_SREG, T_TRAP } from '../../records.js';
import { CS, INT_SHADOW, SHADOW_SS, SS, w } from '../../state/layout.js';

const W_SHADOW = w(INT_SHADOW);
import { loadSegment } from '../../segments.js';
import { raiseUD } from '../../exceptions.js';
import { def } from '../table.js';
import { ea, readMem, setReg, writeMem } from '../operands.js';

/** MOV r/m, Sreg: a 32-bit register destination gets the selector zero-extended. */
export function movFromSreg(cpu: Cpu, r: Rec): void {
  const v = cpu.segSel(r.r1);
  if (r.k0 === OP_REG) setReg(cpu, r.osz, r.r0, v);
  else writeMem(cpu, 2, ea(cpu, r), v);
}
/** MOV Sreg, r/m16. Loading CS this way is #UD. */
export function movToSreg(cpu: Cpu, r: Rec): void {
  const v = r.k1 === OP_REG ? cpu.r16[r.r1 & ~1] & 0xffff : readMem(cpu, 2, ea(cpu, r));
  loadSegment(cpu, r.r0, v);
  if (r.r0 === SS) cpu.s[W_SHADOW] = SHADOW_SS;
}
/** Register index for a 16-bit read of any general register record index (size 2 or 4 view). */
function fixSrc(r: Rec): void {
  if (r.k1 === OP_REG && r.s1 === 4) r.r1 = r.r1 * 2;
}

export function movSregFactory(r: Rec): ((cpu: Cpu, r: Rec) => void) | null {
  if (r.k1 === OP_SREG && (r.k0 === OP_REG || r.k0 === OP_MEM)) {
    if (r.k0 === OP_REG) r.osz = r.s0;
    return movFromSreg;
  }
  if (r.k0 === OP_SREG) {
    if (r.r0 === CS) return () => raiseUD();
    fixSrc(r);
    // MOV SS inhibits interrupts for one instruction and may change the stack size: end the block.
    r.term = T_TRAP;
    return movToSreg;
  }
  return null;
}

function pushSreg(cpu: Cpu, r: Rec): void {
  const v = cpu.segSel(r.r0);
  // A 32-bit push of a segment register writes 16 bits on P6 (the upper half is unchanged); ESP moves by 4.
  if (r.osz === 4) {
    const sp = cpu.stack32 ? (cpu.sp - 4) | 0 : (cpu.sp - 4) & 0xffff;
    const a = cpu.lin(SS, sp, 4);
    cpu.mmu.checkWrite(a, 4);
    cpu.addSp(-4);
    cpu.mmu.write16(a, v);
  } else cpu.push16(v);
}
function popSreg(cpu: Cpu, r: Rec): void {
  const v = r.osz === 4 ? cpu.peek32(0) & 0xffff : cpu.peek16(0);
  loadSegment(cpu, r.r0, v);
  cpu.addSp(r.osz);
  if (r.r0 === SS) cpu.s[W_SHADOW] = SHADOW_SS;
}
export function pushSregFactory(r: Rec) {
  return pushSreg;
}
export function popSregFactory(r: Rec) {
  if (r.r0 === CS) return null;
  r.term = T_TRAP;
  return popSreg;
}

// LDS/LES/LFS/LGS/LSS r, m16:16/m16:32: offset then selector.
function loadFar(cpu: Cpu, r: Rec): void {
  const a = ea(cpu, r);
  const off = readMem(cpu, r.osz, a);
  const sel = readMem(cpu, 2, (a + r.osz) | 0);
  loadSegment(cpu, r.sub, sel);
  setReg(cpu, r.osz, r.r0, off);
}
const LXS: [Mnemonic, number][] = [[Mnemonic.Lds, 3], [Mnemonic.Les, 0], [Mnemonic.Lfs, 4], [Mnemonic.Lgs, 5], [Mnemonic.Lss, 2]];
for (const [m, seg] of LXS) {
  def(m, (r) => {
    if (r.k1 !== OP_MEM) return null;
    r.sub = seg;
    if (seg === SS) r.term = T_TRAP;
    return loadFar;
  });
}
