/**
 * Decode once: guest bytes at a physical address become a block of records,
 * cached until a write to one of its pages invalidates it. One Instruction
 * object is reused for every decode; each Decoder is freed after its block.
 */
import { Decoder, DecoderOptions, DecoderError, Instruction } from 'iced-x86';
import type { Cpu } from '../../runtime/cpu.js';
import { Block, Rec, T_COND, T_NONE, killBlock, type BlockSource } from '../../runtime/records.js';
import { bindHandler, ud } from '../../runtime/interp/table.js';
import { fusePairs } from '../../runtime/interp/fused.js';
import { fillRecord } from './decode.js';
import { TLB_VALID } from '../../runtime/mmu.js';
import { BLOCK_DEAD, RAM_BASE, w } from '../../runtime/state/layout.js';

const W_DEAD = w(BLOCK_DEAD);
import '../../runtime/interp/families/index.js';

/**
 * A Pentium II ignores an F3 prefix on 0F BC / 0F BD: they are BSF / BSR, not
 * TZCNT / LZCNT (compilers emit `rep bsf` as a TZCNT that still works on old CPUs).
 */
const DECODER_OPTIONS = DecoderOptions.NoMPFX_0FBC | DecoderOptions.NoMPFX_0FBD;

/** Most instructions in one block (long blocks amortise dispatch; the budget can still stop mid-block). */
export const MAX_BLOCK_INSNS = 256;
const JUMP_CACHE = 1 << 14;

export interface FrontEndStats { blocksDecoded: number; insnsDecoded: number; invalidations: number }

export class FrontEnd implements BlockSource {
  private readonly insn = new Instruction();
  private readonly blocks = new Map<number, Block>();
  private readonly byPage = new Map<number, Block[]>();
  private readonly jc: (Block | undefined)[] = new Array(JUMP_CACHE).fill(undefined);
  private readonly scratch = new Uint8Array(4096 + 16);
  readonly stats: FrontEndStats = { blocksDecoded: 0, insnsDecoded: 0, invalidations: 0 };

  constructor(private readonly cpu: Cpu) {
    cpu.mmu.onCodeWrite = (page) => this.invalidatePage(page);
  }

  get(phys: number, lin: number, code32: boolean): Block {
    const slot = (phys ^ (phys >>> 14)) & (JUMP_CACHE - 1);
    const b = this.jc[slot];
    if (b !== undefined && b.phys === phys && b.code32 === code32 && (b.pages.length === 1 || this.sameTail(b, lin))) return b;
    const key = phys * 2 + (code32 ? 1 : 0);
    let block = this.blocks.get(key);
    if (block !== undefined && block.pages.length > 1 && !this.sameTail(block, lin)) {
      // Its last instruction's tail came through another mapping of the next
      // linear page (another address space): those bytes are not this code.
      this.retire(block);
      block = undefined;
    }
    if (!block) {
      block = this.decode(phys, lin, code32);
      this.blocks.set(key, block);
    }
    this.jc[slot] = block;
    return block;
  }

  /**
   * A block whose last instruction straddles into the next page is keyed by
   * its first physical page, but its tail bytes came through the linear
   * mapping of the next page at decode time: it is only this code while
   * that mapping still leads to the same physical page.
   */
  private sameTail(b: Block, lin: number): boolean {
    const next = ((lin & ~0xfff) + 4096) | 0;
    const mmu = this.cpu.mmu, e = mmu.tlb[next >>> 12];
    const p = (e & mmu.readMask) === TLB_VALID ? (((e & ~0xfff) ^ next) >>> 0) - RAM_BASE : mmu.probe(next);
    return p >= 0 && p >>> 12 === b.pages[1];
  }

  /** Drop one block (not a page): kill it and unlist it from its pages. */
  private retire(b: Block): void {
    this.cpu.s[W_DEAD] = 1;
    killBlock(b);
    this.blocks.delete(b.phys * 2 + (b.code32 ? 1 : 0));
    const slot = (b.phys ^ (b.phys >>> 14)) & (JUMP_CACHE - 1);
    if (this.jc[slot] === b) this.jc[slot] = undefined;
    for (const page of b.pages) this.unlist(page, b);
  }

  /** Remove `b` from page `page`'s list; a page left without blocks is no longer a code page. */
  private unlist(page: number, b: Block): void {
    const list = this.byPage.get(page);
    if (!list) return;
    const i = list.indexOf(b);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) {
      this.byPage.delete(page);
      this.cpu.phys.codePages[page] = 0;
      this.cpu.mmu.setCodeFlag(page, false);
    }
  }

  /**
   * Decode the block at `phys`. Blocks are superblocks: a conditional branch
   * that is not taken continues the block (T_COND records), and in 32-bit
   * code a direct JMP/CALL whose target lies in the same page continues it at
   * the target (folded). Offsets stay relative to the block start, so a
   * record's EIP is always block EIP + off. A block ends at any other control
   * transfer or trapping instruction, at the page end, at a target already in
   * the block, or at MAX_BLOCK_INSNS.
   */
  private decode(phys: number, lin: number, code32: boolean): Block {
    const pm = this.cpu.phys;
    const start = phys & 0xfff, pageBase = phys - start;
    const buf = this.scratch;
    // The whole page (folded jumps may go backwards), plus up to 15 bytes of the
    // next linear page for an instruction that straddles into it.
    for (let i = 0; i < 4096; i++) buf[i] = pm.read8(pageBase + i);
    let avail = 4096;
    // A probe, not a translation: a look-ahead into a not-present page must not write CR2.
    const nextPhys = this.cpu.mmu.probe((lin - start + 4096) | 0);
    if (nextPhys >= 0) {
      for (let i = 0; i < 15; i++) buf[4096 + i] = pm.read8(nextPhys + i);
      avail = 4096 + 15;
    }
    const bytes = buf.subarray(0, avail);
    const dec = new Decoder(code32 ? 32 : 16, bytes, DECODER_OPTIONS);
    const recs: Rec[] = [];
    const insn = this.insn;
    const seen = new Set<number>();
    let pos = start, straddles = false, length = 0;
    try {
      while (pos < 4096 && recs.length < MAX_BLOCK_INSNS && !seen.has(pos)) {
        seen.add(pos);
        dec.position = pos;
        dec.ip = 0n;
        dec.decodeOut(insn);
        if (dec.lastError === DecoderError.NoMoreBytes) {
          // The instruction runs into a page we cannot fetch: fault on it when it is first in line.
          if (recs.length === 0) this.cpu.mmu.translate((lin - start + 4096) | 0, false);
          break;
        }
        const r = new Rec(ud);
        r.off = pos - start;
        r.idx = recs.length;
        fillRecord(r, insn, bytes, pos, code32);
        const end = pos + r.len;
        r.next = end - start;
        recs.push(r);
        length += r.len;
        this.stats.insnsDecoded++;
        if (end > 4096) { straddles = true; break; }
        if (r.term === T_NONE) { pos = end; continue; }
        if (r.midExec !== null) {
          // Conditional branch: the block goes on along the not-taken path.
          r.exec = r.midExec;
          r.term = T_COND;
          pos = end;
          continue;
        }
        if (r.foldExec !== null && code32) {
          const target = end + r.imm;
          if (target >= 0 && target < 4096 && !seen.has(target)) {
            r.exec = r.foldExec;
            r.term = T_NONE;
            r.folded = true;
            pos = target;
            continue;
          }
        }
        break;
      }
    } finally {
      dec.free();
    }
    // The last record must leave EIP right: undo mid-block forms there.
    const last = recs[recs.length - 1];
    if (last !== undefined && (last.term === T_COND || last.folded)) {
      bindHandler(last);
      last.folded = false;
    }
    fusePairs(recs);
    const page = phys >>> 12;
    const pages = straddles && nextPhys >= 0 ? [page, nextPhys >>> 12] : [page];
    const block = new Block(phys, code32, recs, length, pages);
    for (const p of pages) this.attach(p, block);
    this.stats.blocksDecoded++;
    return block;
  }

  private attach(page: number, block: Block): void {
    let list = this.byPage.get(page);
    if (!list) {
      list = [];
      this.byPage.set(page, list);
      this.cpu.phys.codePages[page] = 1;
      this.cpu.mmu.setCodeFlag(page, true);
    }
    list.push(block);
  }

  /** A write hit physical page `page`: drop every block decoded from it. */
  invalidatePage(page: number): void {
    const list = this.byPage.get(page);
    this.byPage.delete(page);
    this.cpu.phys.codePages[page] = 0;
    this.cpu.mmu.setCodeFlag(page, false);
    if (!list) return;
    this.stats.invalidations++;
    // Compiled code checks this after anything that may write code (see BLOCK_DEAD).
    this.cpu.s[W_DEAD] = 1;
    for (const b of list) {
      if (!b.valid) continue;
      killBlock(b);
      this.blocks.delete(b.phys * 2 + (b.code32 ? 1 : 0));
      const slot = (b.phys ^ (b.phys >>> 14)) & (JUMP_CACHE - 1);
      if (this.jc[slot] === b) this.jc[slot] = undefined;
      // A block straddling two pages is also listed under the other page: unlist it there.
      for (const other of b.pages) if (other !== page) this.unlist(other, b);
    }
  }

  /** Every cached (valid) block: profiles read their hit counts. */
  liveBlocks(): IterableIterator<Block> { return this.blocks.values(); }

  /** Drop everything (tests, mode resets). */
  flushAll(): void {
    for (const page of this.byPage.keys()) this.invalidatePage(page);
  }
}
