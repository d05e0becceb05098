/**
 * Guest blocks as text: each record's bytes decoded again by iced-x86 and
 * printed with its formatter (Intel syntax, nasm flavour), with the guest
 * EIP and the instruction bytes. Used by `jitvisor profile` (hottest blocks)
 * and `jitvisor compare --lockstep` (the diverging block).
 */
import { Decoder, Formatter, FormatterSyntax } from '../../runtime/iced.js';
import type { Block } from '../../runtime/records.js';
import { E_PAIRED, E_THUNK } from '../../runtime/isa/types.js';
import type { PhysicalMemory } from '../../runtime/memory.js';
import { DECODER_OPTIONS } from '../frontend/blocks.js';

export interface DisasmLine {
  /** EIP of the instruction (block EIP + record offset; 16-bit code wraps at 64 KiB). */
  eip: number;
  /** Index of the record in its block. */
  idx: number;
  bytes: string;
  text: string;
}

/** The bytes of each of a block's records, read now from guest RAM (the block's own bytes while it is valid). */
export function blockBytes(phys: PhysicalMemory, b: Block): Uint8Array[] {
  // A paired RET's byte is at its CALL's target, maybe in another page: it was a lone RET (C3) when decoded;
  // a paired thunk's MOV was `mov r32, [esp]` (8B /r 24; the register is its r0).
  return b.recs.map((r) => (r.ends === E_PAIRED ? Uint8Array.of(0xc3) : r.ends === E_THUNK ? Uint8Array.of(0x8b, 0x04 | (r.r0 << 3), 0x24)
    : phys.dump(b.phys + r.off, r.len)));
}

let formatter: Formatter | null = null;
function fmt(): Formatter {
  if (formatter === null) {
    formatter = new Formatter(FormatterSyntax.Nasm);
    formatter.spaceAfterOperandSeparator = true;
    formatter.hexPrefix = '0x';
    formatter.hexSuffix = '';
    formatter.uppercaseHex = false;
  }
  return formatter;
}

/** Disassemble a block from its records' bytes (`bytes[i]` for record i), at block EIP `eip`. */
export function disassemble(b: Block, bytes: readonly Uint8Array[], eip: number): DisasmLine[] {
  const out: DisasmLine[] = [];
  const f = fmt();
  for (const r of b.recs) {
    const code = bytes[r.idx] ?? new Uint8Array(0);
    const at = b.code32 ? (eip + r.off) >>> 0 : (eip + r.off) & 0xffff;
    let text = '(no bytes)';
    if (code.length > 0) {
      const dec = new Decoder(b.code32 ? 32 : 16, code, DECODER_OPTIONS);
      try {
        dec.ip = BigInt(at);
        const insn = dec.decode();
        try { text = f.format(insn); } finally { insn.free(); }
      } finally {
        dec.free();
      }
    }
    out.push({ eip: at, idx: r.idx, bytes: Buffer.from(code).toString('hex'), text });
  }
  return out;
}
