/**
 * Decimal adjust: DAA DAS AAA AAS AAM AAD (Intel SDM vol. 2A; the pseudo-code
 * is followed exactly: DAA/DAS test the *original* AL and CF, DAS keeps the
 * borrow of its low-nibble step in CF, AAA/AAS adjust the whole of AX).
 *
 * Flags the SDM leaves undefined follow the real CPU (Intel family 6, checked
 * with test/fixtures/gen/runner.c):
 *  - DAA/DAS: OF = 0.
 *  - AAA/AAS: SF/ZF/PF from the final AL (so SF = 0), OF = 0.
 *  - AAM: CF = AF = OF = 0.
 *  - AAD: all six flags as for the 8-bit ADD AL + (AH * base), recorded lazily.
 * AAM with base 0 raises #DE with nothing changed.
 */
import { Mnemonic } from '../../iced.js';
import type { Cpu } from '../../cpu.js';
import type { Rec } from '../../records.js';
import { K_ADD, PARITY, getAF, getCF, setFlags, setLazy } from '../../flags.js';
import { AF, ARITH, CF, SF, ZF } from '../../state/eflags.js';
import { raiseDE } from '../../exceptions.js';
import { def } from '../table.js';

const AL = 0, AH = 1, AX = 0; // r8 / r16 indices

/** SF, ZF, PF of an 8-bit value. */
const szp8 = (v: number): number => (v & SF) | (v === 0 ? ZF : 0) | PARITY[v];

function daa(cpu: Cpu): void {
  const s = cpu.s, al = cpu.r8[AL], cf = getCF(s);
  let v = al, f = 0;
  if ((al & 0x0f) > 9 || getAF(s)) { v = (al + 6) & 0xff; f = AF; }
  if (al > 0x99 || cf) { v = (v + 0x60) & 0xff; f |= CF; }
  cpu.r8[AL] = v;
  setFlags(s, ARITH, f | szp8(v)); // OF = 0
}
function das(cpu: Cpu): void {
  const s = cpu.s, al = cpu.r8[AL], cf = getCF(s);
  let v = al, f = 0;
  if ((al & 0x0f) > 9 || getAF(s)) { v = (al - 6) & 0xff; f = AF | (cf || al < 6 ? CF : 0); }
  if (al > 0x99 || cf) { v = (v - 0x60) & 0xff; f |= CF; }
  cpu.r8[AL] = v;
  setFlags(s, ARITH, f | szp8(v)); // OF = 0
}
function aaa(cpu: Cpu): void {
  const s = cpu.s, R16 = cpu.r16;
  let ax = R16[AX], f = 0;
  if ((ax & 0x0f) > 9 || getAF(s)) { ax = ax + 0x106; f = AF | CF; }
  ax &= 0xff0f;
  R16[AX] = ax;
  setFlags(s, ARITH, f | szp8(ax & 0xff));
}
function aas(cpu: Cpu): void {
  const s = cpu.s, R16 = cpu.r16;
  let ax = R16[AX], f = 0;
  if ((ax & 0x0f) > 9 || getAF(s)) { ax = ax - 6 - 0x100; f = AF | CF; }
  ax &= 0xff0f;
  R16[AX] = ax;
  setFlags(s, ARITH, f | szp8(ax & 0xff));
}
function aam(cpu: Cpu, r: Rec): void {
  const base = r.imm & 0xff;
  if (base === 0) raiseDE();
  const al = cpu.r8[AL], lo = al % base;
  cpu.r8[AH] = (al - lo) / base;
  cpu.r8[AL] = lo;
  setFlags(cpu.s, ARITH, szp8(lo)); // CF = AF = OF = 0
}
function aad(cpu: Cpu, r: Rec): void {
  const al = cpu.r8[AL], prod = (cpu.r8[AH] * (r.imm & 0xff)) & 0xff, v = (al + prod) & 0xff;
  cpu.r16[AX] = v;
  setLazy(cpu.s, K_ADD << 2, v, al, prod);
}

def(Mnemonic.Daa, () => daa);
def(Mnemonic.Das, () => das);
def(Mnemonic.Aaa, () => aaa);
def(Mnemonic.Aas, () => aas);
def(Mnemonic.Aam, () => aam);
def(Mnemonic.Aad, () => aad);
