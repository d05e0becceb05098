/**
 * String instructions: MOVS CMPS SCAS LODS STOS (byte/word/dword) with
 * REP / REPE / REPNE. INS/OUTS live with the I/O family.
 *
 * Addressing: the address size (r.asz) picks SI/DI/CX (16) or ESI/EDI/ECX
 * (32); the source is seg:eSI (r.seg, overridable), the destination is
 * always ES:eDI (a segment override does not apply to it); DF decides the
 * direction.
 *
 * REP: a repeated instruction ends its block (T_BRANCH) and its handler runs
 * the iterations itself. Registers are committed after every iteration, so a
 * fault in iteration k leaves eSI/eDI/eCX as after k-1 iterations and the
 * loop reports it at the instruction: exactly what the CPU does (SDM vol. 2,
 * REP: "the instruction can be restarted"). One handler call runs at most
 * REP_CAP iterations; if eCX is still non-zero then, EIP stays on the
 * instruction so the loop comes back to it (bounded interrupt latency).
 * REP (F3) and REPNE (F2) both repeat MOVS/LODS/STOS unconditionally; on
 * CMPS/SCAS, F3 is REPE (stop when ZF=0) and F2 is REPNE (stop when ZF=1).
 *
 * Fast path: REP MOVS / REP STOS copy or fill a run of elements at a time
 * straight in guest RAM while both pages hit the software TLB with the
 * access allowed (a code page, a read-only/clean page or MMIO misses the TLB
 * check and takes one element through the MMU slow path, which faults,
 * invalidates code or sets the dirty bit exactly as a single access would),
 * going up (DF=0) or down (DF=1: the kernel's decompressor stub moves the
 * 5.7 MB compressed kernel up with `std; rep movsd` before anything else;
 * element by element that was ~0.2-0.3 s of the boot's cold start).
 */
import type { Cpu } from '../../cpu.js';
import type { Rec } from '../../records.js';
import { getZF, K_SUB, setLazy, szCode } from '../../flags.js';
import { DF } from '../../state/eflags.js';
import { EIP, ES, w } from '../../state/layout.js';
import { TLB_VALID } from '../../mmu.js';
import { bind } from '../table.js';
import { REP_CAP, STR_CMPS as CMPS, STR_LODS as LODS, STR_MOVS as MOVS, STR_SCAS as SCAS, STR_STOS as STOS } from '../../isa/string.js';
import { getReg, readMem, setReg, writeMem } from '../operands.js';
import { nextEip, thisEip } from '../control.js';
import { W_EFLAGS } from '../../flags.js';

const W_EIP = w(EIP);
/** Most iterations one call of a REP handler runs before it lets the loop check for interrupts (runtime/isa/string.ts). */
export { REP_CAP };

// Register indices: r32 ECX/ESI/EDI; r16 CX/SI/DI (index 2*i).
const ECX = 1, ESI = 6, EDI = 7, CX = 2, SI = 12, DI = 14;

/**
 * One iteration of string op `op` (operand size n, step d = +-n), with the
 * pointer registers of address size 4 or 2. Every access that can fault comes
 * before any register write.
 */
function once32(cpu: Cpu, r: Rec, op: number, n: number, d: number): void {
  const R = cpu.r32, s = cpu.s;
  switch (op) {
    case MOVS: {
      const si = R[ESI], di = R[EDI];
      writeMem(cpu, n, cpu.lincW(ES, di, n), readMem(cpu, n, cpu.linc(r.seg, si, n)));
      R[ESI] = si + d; R[EDI] = di + d;
      return;
    }
    case STOS: {
      const di = R[EDI];
      writeMem(cpu, n, cpu.lincW(ES, di, n), getReg(cpu, n, 0));
      R[EDI] = di + d;
      return;
    }
    case LODS: {
      const si = R[ESI];
      setReg(cpu, n, 0, readMem(cpu, n, cpu.linc(r.seg, si, n)));
      R[ESI] = si + d;
      return;
    }
    case CMPS: {
      const si = R[ESI], di = R[EDI];
      const a = readMem(cpu, n, cpu.linc(r.seg, si, n));
      const b = readMem(cpu, n, cpu.linc(ES, di, n));
      setLazy(s, (K_SUB << 2) | szCode(n), (a - b) | 0, a, b);
      R[ESI] = si + d; R[EDI] = di + d;
      return;
    }
    default: { // SCAS
      const di = R[EDI];
      const b = readMem(cpu, n, cpu.linc(ES, di, n)), a = getReg(cpu, n, 0);
      setLazy(s, (K_SUB << 2) | szCode(n), (a - b) | 0, a, b);
      R[EDI] = di + d;
    }
  }
}
function once16(cpu: Cpu, r: Rec, op: number, n: number, d: number): void {
  const H = cpu.r16, s = cpu.s; // Uint16Array: SI/DI wrap at 64 KiB by themselves
  switch (op) {
    case MOVS: {
      const si = H[SI], di = H[DI];
      writeMem(cpu, n, cpu.lincW(ES, di, n), readMem(cpu, n, cpu.linc(r.seg, si, n)));
      H[SI] = si + d; H[DI] = di + d;
      return;
    }
    case STOS: {
      const di = H[DI];
      writeMem(cpu, n, cpu.lincW(ES, di, n), getReg(cpu, n, 0));
      H[DI] = di + d;
      return;
    }
    case LODS: {
      const si = H[SI];
      setReg(cpu, n, 0, readMem(cpu, n, cpu.linc(r.seg, si, n)));
      H[SI] = si + d;
      return;
    }
    case CMPS: {
      const si = H[SI], di = H[DI];
      const a = readMem(cpu, n, cpu.linc(r.seg, si, n));
      const b = readMem(cpu, n, cpu.linc(ES, di, n));
      setLazy(s, (K_SUB << 2) | szCode(n), (a - b) | 0, a, b);
      H[SI] = si + d; H[DI] = di + d;
      return;
    }
    default: { // SCAS
      const di = H[DI];
      const b = readMem(cpu, n, cpu.linc(ES, di, n)), a = getReg(cpu, n, 0);
      setLazy(s, (K_SUB << 2) | szCode(n), (a - b) | 0, a, b);
      H[DI] = di + d;
    }
  }
}

/** Single (unrepeated) string instruction. */
function single(cpu: Cpu, r: Rec): void {
  const n = r.osz, d = cpu.s[W_EFLAGS] & DF ? -n : n;
  if (r.asz === 4) once32(cpu, r, r.strop, n, d); else once16(cpu, r, r.strop, n, d);
}

// ---- fast paths ---------------------------------------------------------------------

/**
 * REP STOS: fill up to `max` elements at ES:eDI within one page, in RAM that
 * the TLB says is writable without side effects. Returns the elements done
 * (0: take the slow path for one element).
 */
function fastStos(cpu: Cpu, r: Rec, n: number, max: number): number {
  const m = cpu.mmu, a32 = r.asz === 4;
  const di = a32 ? cpu.r32[EDI] : cpu.r16[DI];
  const lin = cpu.lincW(ES, di, n);
  const e = m.tlb[lin >>> 12];
  if ((e & m.writeMask) !== TLB_VALID) return 0;
  let k = ((0x1000 - (lin & 0xfff)) / n) | 0;
  if (!a32) k = Math.min(k, ((0x10000 - di) / n) | 0);
  k = Math.min(k, cpu.segRoomW(ES, di, n));
  if (k > max) k = max;
  if (k <= 0) return 0;
  const host = ((e & ~0xfff) ^ lin) >>> 0, len = k * n, u8 = m.u8, v = cpu.r32[0];
  if (n === 1) u8.fill(v & 0xff, host, host + len);
  else {
    if (n === 4) m.dv.setInt32(host, v, true); else m.dv.setUint16(host, v, true);
    for (let done = n; done < len;) {
      const c = Math.min(done, len - done);
      u8.copyWithin(host + done, host, host + c);
      done += c;
    }
  }
  if (a32) cpu.r32[EDI] = di + len; else cpu.r16[DI] = di + len;
  return k;
}

/** REP MOVS: copy up to `max` elements from seg:eSI to ES:eDI within one source and one destination page. */
function fastMovs(cpu: Cpu, r: Rec, n: number, max: number): number {
  const m = cpu.mmu, s = cpu.s, a32 = r.asz === 4;
  const si = a32 ? cpu.r32[ESI] : cpu.r16[SI], di = a32 ? cpu.r32[EDI] : cpu.r16[DI];
  const src = cpu.linc(r.seg, si, n), dst = cpu.lincW(ES, di, n);
  const es = m.tlb[src >>> 12], ed = m.tlb[dst >>> 12];
  if ((es & m.readMask) !== TLB_VALID || (ed & m.writeMask) !== TLB_VALID) return 0;
  let k = Math.min(((0x1000 - (src & 0xfff)) / n) | 0, ((0x1000 - (dst & 0xfff)) / n) | 0);
  if (!a32) k = Math.min(k, ((0x10000 - si) / n) | 0, ((0x10000 - di) / n) | 0);
  k = Math.min(k, cpu.segRoom(r.seg, si, n), cpu.segRoomW(ES, di, n));
  if (k > max) k = max;
  if (k <= 0) return 0;
  const hs = ((es & ~0xfff) ^ src) >>> 0, hd = ((ed & ~0xfff) ^ dst) >>> 0, len = k * n, u8 = m.u8;
  if (hd > hs && hd < hs + len) {
    // Destination overlaps the source ahead of it: element by element, as the CPU does
    // (the pattern repeats); each element is read whole before it is written.
    if (n === 1) for (let i = 0; i < len; i++) u8[hd + i] = u8[hs + i];
    else if (n === 2) for (let i = 0; i < len; i += 2) m.dv.setUint16(hd + i, m.dv.getUint16(hs + i, true), true);
    else for (let i = 0; i < len; i += 4) m.dv.setInt32(hd + i, m.dv.getInt32(hs + i, true), true);
  } else {
    u8.copyWithin(hd, hs, hs + len); // no overlap, or the destination below: same as a forward copy
  }
  if (a32) { cpu.r32[ESI] = si + len; cpu.r32[EDI] = di + len; } else { cpu.r16[SI] = si + len; cpu.r16[DI] = di + len; }
  return k;
}

/**
 * Elements of a run going down (DF = 1) from linear address `lin` that stay
 * in its page: 0 when the first element straddles the page's end (the slow
 * path takes that one).
 */
function pageRoomDown(lin: number, n: number): number {
  const o = lin & 0xfff;
  return o + n > 0x1000 ? 0 : ((o / n) | 0) + 1;
}

/** fastStos going down (DF = 1): the elements at eDI, eDI - n, ... within one page. */
function fastStosDown(cpu: Cpu, r: Rec, n: number, max: number): number {
  const m = cpu.mmu, a32 = r.asz === 4;
  const di = a32 ? cpu.r32[EDI] : cpu.r16[DI];
  const lin = cpu.lincW(ES, di, n);
  const e = m.tlb[lin >>> 12];
  if ((e & m.writeMask) !== TLB_VALID) return 0;
  // (16-bit addressing: DI is at most 0xFFFF and the bound at least 0, so DI does not wrap below 0 either.)
  let k = Math.min(pageRoomDown(lin, n), cpu.segRoomDownW(ES, di, n));
  if (k > max) k = max;
  if (k <= 0) return 0;
  const len = k * n, host = (((e & ~0xfff) ^ lin) >>> 0) + n - len, u8 = m.u8, v = cpu.r32[0];
  // The lowest element first, then the same pattern upward (every element holds the same value).
  if (n === 1) u8.fill(v & 0xff, host, host + len);
  else {
    if (n === 4) m.dv.setInt32(host, v, true); else m.dv.setUint16(host, v, true);
    for (let done = n; done < len;) {
      const c = Math.min(done, len - done);
      u8.copyWithin(host + done, host, host + c);
      done += c;
    }
  }
  if (a32) cpu.r32[EDI] = di - len; else cpu.r16[DI] = di - len;
  return k;
}

/** fastMovs going down (DF = 1): the elements at eSI, eSI - n, ... to eDI, eDI - n, ... within one page each. */
function fastMovsDown(cpu: Cpu, r: Rec, n: number, max: number): number {
  const m = cpu.mmu, a32 = r.asz === 4;
  const si = a32 ? cpu.r32[ESI] : cpu.r16[SI], di = a32 ? cpu.r32[EDI] : cpu.r16[DI];
  const src = cpu.linc(r.seg, si, n), dst = cpu.lincW(ES, di, n);
  const es = m.tlb[src >>> 12], ed = m.tlb[dst >>> 12];
  if ((es & m.readMask) !== TLB_VALID || (ed & m.writeMask) !== TLB_VALID) return 0;
  let k = Math.min(pageRoomDown(src, n), pageRoomDown(dst, n), cpu.segRoomDown(r.seg, si, n), cpu.segRoomDownW(ES, di, n));
  if (k > max) k = max;
  if (k <= 0) return 0;
  const len = k * n, u8 = m.u8;
  // The runs' lowest bytes: the k-th element's (the last copied).
  const hs = (((es & ~0xfff) ^ src) >>> 0) + n - len, hd = (((ed & ~0xfff) ^ dst) >>> 0) + n - len;
  if (hd < hs && hd + len > hs) {
    // Destination overlaps the source below it: element by element from the top, as the CPU does
    // (the pattern repeats); each element is read whole before it is written.
    if (n === 1) for (let i = len - 1; i >= 0; i--) u8[hd + i] = u8[hs + i];
    else if (n === 2) for (let i = len - 2; i >= 0; i -= 2) m.dv.setUint16(hd + i, m.dv.getUint16(hs + i, true), true);
    else for (let i = len - 4; i >= 0; i -= 4) m.dv.setInt32(hd + i, m.dv.getInt32(hs + i, true), true);
  } else {
    u8.copyWithin(hd, hs, hs + len); // no overlap, or the destination above: same as a copy from the top down
  }
  if (a32) { cpu.r32[ESI] = si - len; cpu.r32[EDI] = di - len; } else { cpu.r16[SI] = si - len; cpu.r16[DI] = di - len; }
  return k;
}

/**
 * Settable (JitOptions.repCmpFast sets it; bench A/B): REPE/REPNE CMPS and SCAS compare a run
 * of elements inside one page at a time (fastCmp) instead of one handler iteration each.
 * Off by default: faster per execution in a micro-bench, not resolved at the boot's level under
 * load (docs/jit-plan.md "Measured (session 19, fresh19)").
 */
export const stringTuning = { repCmpFast: false };

/**
 * REPE / REPNE CMPS or SCAS: compare up to `max` elements (`cond` 1: REPE, stop at the first
 * difference; 2: REPNE, stop at the first equal pair) while every element of the run lies
 * inside one page (each operand's) that the TLB says is readable RAM (MMIO, a missing page,
 * a data breakpoint: TLB_SLOW / not valid, the slow path takes the element), and inside the
 * segments' bounds. Going up or down (DF). Returns the elements done, the stopping one
 * included (0: take the slow path for one element); eSI/eDI move past them and the lazy
 * flags are the last compare's, exactly as after that many once32/once16 iterations (reads
 * are side-effect free, so nothing is visible if a later element would have stopped it).
 * The kernel's early setup runs ~99 K REPE CMPSB and 82 K REPNE SCASB elements
 * (docs/jit-plan.md "Measured (session 19, fresh19)").
 */
function fastCmp(cpu: Cpu, r: Rec, cmps: boolean, n: number, max: number, down: boolean, cond: number): number {
  const m = cpu.mmu, a32 = r.asz === 4;
  let k = max, hs = 0, si = 0;
  if (cmps) {
    si = a32 ? cpu.r32[ESI] : cpu.r16[SI];
    // The source first, as once32 reads it first (a #GP at the destination then comes after a read
    // that cannot fault here, same as the slow path).
    const src = cpu.linc(r.seg, si, n), es = m.tlb[src >>> 12];
    if ((es & m.readMask) !== TLB_VALID) return 0;
    if (down) k = Math.min(k, pageRoomDown(src, n), cpu.segRoomDown(r.seg, si, n));
    else {
      k = Math.min(k, ((0x1000 - (src & 0xfff)) / n) | 0, cpu.segRoom(r.seg, si, n));
      if (!a32) k = Math.min(k, ((0x10000 - si) / n) | 0);
    }
    hs = ((es & ~0xfff) ^ src) >>> 0;
  }
  const di = a32 ? cpu.r32[EDI] : cpu.r16[DI];
  const dst = cpu.linc(ES, di, n), ed = m.tlb[dst >>> 12];
  if ((ed & m.readMask) !== TLB_VALID) return 0;
  if (down) k = Math.min(k, pageRoomDown(dst, n), cpu.segRoomDown(ES, di, n));
  else {
    k = Math.min(k, ((0x1000 - (dst & 0xfff)) / n) | 0, cpu.segRoom(ES, di, n));
    if (!a32) k = Math.min(k, ((0x10000 - di) / n) | 0);
  }
  if (k <= 0) return 0;
  // Host addresses of the first element; the others are d bytes apart inside the same page.
  let ps = hs, pd = ((ed & ~0xfff) ^ dst) >>> 0;
  const d = down ? -n : n, u8 = m.u8, dv = m.dv, stopEq = cond === 2;
  const acc = cmps ? 0 : getReg(cpu, n, 0);
  let a = 0, b = 0, res = 0, i = 0;
  for (;;) {
    if (n === 1) { a = cmps ? u8[ps]! : acc; b = u8[pd]!; }
    else if (n === 2) { a = cmps ? dv.getUint16(ps, true) : acc; b = dv.getUint16(pd, true); }
    else { a = cmps ? dv.getInt32(ps, true) : acc; b = dv.getInt32(pd, true); }
    res = (a - b) | 0;
    i++;
    if ((res === 0) === stopEq || i === k) break;
    ps += d; pd += d;
  }
  setLazy(cpu.s, (K_SUB << 2) | szCode(n), res, a, b);
  const len = i * d;
  if (a32) { cpu.r32[EDI] = di + len; if (cmps) cpu.r32[ESI] = si + len; }
  else { cpu.r16[DI] = di + len; if (cmps) cpu.r16[SI] = si + len; }
  return i;
}

// ---- REP -----------------------------------------------------------------------

function repeated(cpu: Cpu, r: Rec): void {
  const s = cpu.s, op = r.strop, n = r.osz, a32 = r.asz === 4;
  const down = (s[W_EFLAGS] & DF) !== 0, d = down ? -n : n;
  let left = a32 ? cpu.r32[ECX] >>> 0 : cpu.r16[CX];
  // REPE / REPNE only condition CMPS and SCAS; on the others F2 repeats like F3.
  const cond = op === CMPS || op === SCAS ? r.rep : 0;
  const fast = op === MOVS || op === STOS;
  const fastC = cond !== 0 && stringTuning.repCmpFast;
  let budget = REP_CAP;
  while (left !== 0 && budget !== 0) {
    // The first element of an execution element by element: most of the kernel's REPE CMPSB stop
    // there (~1.06 elements an execution), where fastCmp's set-up costs more than it saves.
    if (fastC && budget !== REP_CAP) {
      const k = fastCmp(cpu, r, op === CMPS, n, Math.min(left, budget), down, cond);
      if (k > 0) {
        left -= k; budget -= k;
        if (a32) cpu.r32[ECX] = left; else cpu.r16[CX] = left;
        if (getZF(s) === (cond === 2)) { left = 0; break; }
        continue;
      }
    } else if (fast) {
      const max = Math.min(left, budget);
      const k = down ? (op === STOS ? fastStosDown(cpu, r, n, max) : fastMovsDown(cpu, r, n, max))
        : op === STOS ? fastStos(cpu, r, n, max) : fastMovs(cpu, r, n, max);
      if (k > 0) {
        left -= k; budget -= k;
        if (a32) cpu.r32[ECX] = left; else cpu.r16[CX] = left;
        continue;
      }
    }
    if (a32) once32(cpu, r, op, n, d); else once16(cpu, r, op, n, d);
    left--; budget--;
    if (a32) cpu.r32[ECX] = left; else cpu.r16[CX] = left;
    if (cond !== 0 && getZF(s) === (cond === 2)) { left = 0; break; }
    // A data breakpoint hit: the #DB trap comes after this iteration, EIP still at the
    // REP instruction (SDM vol. 3, 17.3.1.2). Watched pages never take the fast paths.
    if (cpu.mmu.watchHits !== 0) break;
  }
  s[W_EIP] = left === 0 ? nextEip(cpu, r) : thisEip(cpu, r);
}

/**
 * Binder 'string': the rows (runtime/isa/string.ts) give the op (`strop`),
 * the element size (`osz`) and T_BRANCH when repeated (E_REP).
 */
bind('string', (r) => (r.rep !== 0 ? repeated : single));
