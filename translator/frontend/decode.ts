/**
 * One iced-x86 Instruction -> one record. Runs once per instruction per
 * physical address (decode once): nothing here is on the execution hot path.
 */
import { Code, FlowControl, Instruction, InstructionInfoFactory, MemorySize, MemorySizeExt, Mnemonic, OpAccess, OpKind } from '../../runtime/iced.js';
import { SEG_WRITE } from '../../runtime/state/layout.js';
import { NO_REG, OP_FAR, OP_IMM, OP_MEM, OP_REL, OP_STR, Rec, T_BRANCH } from '../../runtime/records.js';
import { bindHandler } from '../../runtime/interp/table.js';
import { isaRow } from '../../runtime/isa/index.js';
import { applyFacts, CC_FROM_ICED, rowFacts, type RowFacts } from '../../runtime/isa/apply.js';
import { ccFromIced } from '../../runtime/isa/cc.js';
import { gprNumber, isImmediate, isStringMem, regInfo, segNumber, setOperand, toEflags } from './operands.js';

/** Byte size of an iced MemorySize, cached (MemorySizeExt crosses into wasm); -1: not asked yet. */
const memSizeCache = new Int32Array(1024).fill(-1);
function memBytes(ms: MemorySize): number {
  let v = memSizeCache[ms]!;
  if (v < 0) { v = MemorySizeExt.size(ms); memSizeCache[ms] = v; }
  return v;
}

const infoFactory = new InstructionInfoFactory();
/**
 * The last InstructionInfo, freed (its wasm side is gone): kept so its map (iced-x86's wrapper after
 * its pointer was set) outlives full GCs. None is alive between calls, and each eviction pass's full GC
 * freed the map and deoptimised writesMemory ("weak objects", twice a boot: bench/opt-trace.ts), as
 * FrontEnd.spentDecoder does for the Decoder.
 */
let spentInfo: ReturnType<InstructionInfoFactory['info']> | null = null;
/** Per Code and operand index (code * 4 + i): does the instruction write that memory operand? 0 unknown, 1 no, 2 yes. */
const writesCache = new Uint8Array(8192 * 4);
/**
 * Whether the instruction writes its memory operand `i` (iced-x86's operand
 * access; conditional writes count: CMPXCHG, ARPL write a read-only segment
 * #GP(0) whatever the comparison, SDM vol. 2). Decides the segment bounds
 * its access is checked against (Rec.bnd).
 */
function writesMemory(insn: Instruction, i: number): boolean {
  const key = insn.code * 4 + i;
  const known = writesCache[key]!;
  if (known !== 0) return known === 2;
  const info = infoFactory.info(insn);
  const a = info.opAccess(i);
  info.free();
  spentInfo = info;
  const v = a === OpAccess.Write || a === OpAccess.CondWrite || a === OpAccess.ReadWrite || a === OpAccess.ReadCondWrite;
  writesCache[key] = v ? 2 : 1;
  return v;
}

/**
 * Legacy prefixes before the opcode: which of 0x66 / 0x67 are present (bits 0, 1), whether a
 * 0xF2 / 0xF3 (bit 2) or a LOCK 0xF0 (bit 3) is: without those bytes iced-x86 cannot report a
 * REP/REPNE or LOCK prefix, so fillRecord asks it (a wasm call per getter) only when one is there.
 */
function scanPrefixes(bytes: Uint8Array, at: number, len: number): number {
  let flags = 0;
  for (let i = at; i < at + len; i++) {
    const b = bytes[i];
    if (b === 0x66) flags |= 1;
    else if (b === 0x67) flags |= 2;
    else if (b === 0xf2 || b === 0xf3) flags |= 4;
    else if (b === 0xf0) flags |= 8;
    else if (b === 0x2e || b === 0x36 || b === 0x3e || b === 0x26 || b === 0x64 || b === 0x65) continue;
    else break;
  }
  return flags;
}

/**
 * Per Code, what iced-x86 answers the same for every instruction of that Code (its tables are
 * indexed by Code), asked once: the mnemonic (-1: not asked yet), the flow control, and the
 * record's packed flag lanes (Rec.flagLanes: flagsRead / flagsWritten). The flags only for Codes
 * with no immediate operand: iced-x86 derives a shift or rotate by an immediate's flags from the
 * count (0: none, 1: OF too), so those are asked per instruction.
 */
const mnemonicOf = new Int32Array(8192).fill(-1);
const flowOf = new Int32Array(8192).fill(-1);
const flagWordOf = new Int32Array(8192).fill(-1);

/**
 * Whether a Code's flags read / written may depend on its immediate: iced-x86's rflags_info
 * looks at the count only for the shifts and rotates by an immediate (its ImpliedAccess
 * Shift_Ib_* cases); every other Code's flags come from its table row. Codes with an immediate
 * that are not these cache their flag word like the rest (before: asked per instruction, two
 * wasm getters and the lane packing for every MOV/ADD/CMP/PUSH with an immediate, ~30 % of
 * fillRecord's own time in bench/decode's profile). bench/decode --check compares the records.
 */
/** Settable for bench/decode A/B: flagWordAll caches the flag word of Codes with an immediate too (off by default: see FrontEnd.seqDecode). */
export const decodeTuning = { flagWordAll: false };
function flagsByCount(mnemonic: number): boolean {
  return mnemonic === Mnemonic.Rol || mnemonic === Mnemonic.Ror || mnemonic === Mnemonic.Rcl || mnemonic === Mnemonic.Rcr ||
    mnemonic === Mnemonic.Shl || mnemonic === Mnemonic.Sal || mnemonic === Mnemonic.Shr || mnemonic === Mnemonic.Sar ||
    mnemonic === Mnemonic.Shld || mnemonic === Mnemonic.Shrd;
}

/**
 * Per Code: its row's facts (null: no row, #UD), read once per Code (see runtime/isa/apply.ts).
 * Allocated at its full size (iced-x86's Code values are < 8192): an empty array filled at
 * scattered indices goes to dictionary elements, a hash lookup per instruction (perf of
 * bench/decode: KeyedLoadIC_Megamorphic under factsOf).
 */
const factsCache: (RowFacts | null | undefined)[] = new Array<RowFacts | null | undefined>(8192).fill(undefined);
function factsOf(code: Code, mnemonic: number): RowFacts | null {
  let f = factsCache[code];
  if (f === undefined) {
    const row = isaRow(code, mnemonic);
    f = row === null ? null : rowFacts(row);
    factsCache[code] = f;
  }
  return f;
}

/** Scale factor (1, 2, 4, 8) -> shift. */
const SCALE_SHIFT: readonly number[] = [0, 0, 1, 1, 2, 2, 2, 2, 3];

function opKind(insn: Instruction, i: number): OpKind {
  return i === 0 ? insn.op0Kind : i === 1 ? insn.op1Kind : i === 2 ? insn.op2Kind : insn.op3Kind;
}
function opRegister(insn: Instruction, i: number): number {
  return i === 0 ? insn.op0Register : i === 1 ? insn.op1Register : i === 2 ? insn.op2Register : insn.op3Register;
}

function immediateOf(insn: Instruction, k: OpKind): number {
  switch (k) {
    case OpKind.Immediate8: return insn.immediate8;
    case OpKind.Immediate8_2nd: return insn.immediate8_2nd;
    case OpKind.Immediate16: return insn.immediate16;
    case OpKind.Immediate32: return insn.immediate32 | 0;
    case OpKind.Immediate8to16: return (insn.immediate8to16 << 16) >> 16;
    case OpKind.Immediate8to32: return insn.immediate8to32 | 0;
    default: return 0;
  }
}

/**
 * Fill `r` from `insn` (decoded at byte `at` of `bytes`, in code of the given
 * default size) and bind its interpreter handler. Returns false for bytes
 * that are not a valid instruction (the record then raises #UD).
 */
export function fillRecord(r: Rec, insn: Instruction, bytes: Uint8Array, at: number, code32: boolean): void {
  const code = insn.code;
  r.code = code;
  let mnemonic = mnemonicOf[code]!;
  if (mnemonic < 0) { mnemonic = insn.mnemonic; mnemonicOf[code] = mnemonic; }
  r.mnemonic = mnemonic;
  const len = insn.length;
  r.len = len;
  const pf = scanPrefixes(bytes, at, len);
  r.osz = code32 !== ((pf & 1) !== 0) ? 4 : 2;
  r.asz = code32 !== ((pf & 2) !== 0) ? 4 : 2;
  r.rep = (pf & 4) === 0 ? 0 : insn.hasRepnePrefix ? 2 : insn.hasRepePrefix || insn.hasRepPrefix ? 1 : 0;
  r.lock = (pf & 8) !== 0 && insn.hasLockPrefix;
  const flagWord = flagWordOf[code]!;
  if (flagWord >= 0) r.flagLanes = flagWord;
  else {
    r.flagsRead = toEflags(insn.rflagsRead);
    r.flagsWritten = toEflags(insn.rflagsModified);
  }
  const wg = r.flagLanes;
  let flow = flowOf[code]!;
  if (flow < 0) { flow = insn.flowControl; flowOf[code] = flow; }
  r.term = flow === FlowControl.Next ? 0 : T_BRANCH;
  if (code === Code.INVALID) { bindHandler(r); return; }

  let immCount = 0;
  const n = Math.min(insn.opCount, 3);
  for (let i = 0; i < n; i++) {
    const k = opKind(insn, i);
    if (k === OpKind.Register) {
      const ri = regInfo(opRegister(insn, i));
      setOperand(r, i, ri.kind, ri.index, ri.size);
    } else if (k === OpKind.Memory) {
      setOperand(r, i, OP_MEM, 0, 0);
      r.seg = segNumber(insn.memorySegment);
      r.bnd = writesMemory(insn, i) ? r.seg + SEG_WRITE : r.seg;
      r.base = gprNumber(insn.memoryBase);
      // XLAT's index is AL (not an addressing register): its handler adds it.
      r.index = code === Code.Xlat_m8 ? NO_REG : gprNumber(insn.memoryIndex);
      r.scale = SCALE_SHIFT[insn.memoryIndexScale]!;
      // `| 0`: an int32 the field keeps as a small integer. Number(BigInt) alone comes out of
      // optimized code as a double, which turned `disp` into a boxed double field in every
      // record (16 bytes and an allocation each; docs/jit-plan.md "Memory", fifth pass).
      // No displacement bytes: 0, without the getter's BigInts (the wasm i64 result, then
      // asIntN: allocations that die young, for every [reg] / [reg+reg*s] operand). The signed
      // getter: `memoryDisplacementU64` makes a third (asUintN); the low 32 bits are the same.
      r.disp = insn.memoryDisplSize === 0 ? 0 : Number(BigInt.asIntN(32, insn.memoryDisplacement)) | 0;
      r.msz = memBytes(insn.memorySize);
      if (r.base === -2 || r.index === -2) { r.code = Code.INVALID; bindHandler(r); return; }
    } else if (isImmediate(k)) {
      setOperand(r, i, OP_IMM, 0, 0);
      if (immCount++ === 0) r.imm = immediateOf(insn, k); else r.imm2 = immediateOf(insn, k);
    } else if (k === OpKind.NearBranch32) {
      setOperand(r, i, OP_REL, 0, 0);
      r.imm = (insn.nearBranch32 - insn.nextIP32) | 0;
    } else if (k === OpKind.NearBranch16) {
      setOperand(r, i, OP_REL, 0, 0);
      r.imm = ((insn.nearBranch16 - insn.nextIP16) << 16) >> 16;
    } else if (k === OpKind.FarBranch16 || k === OpKind.FarBranch32) {
      setOperand(r, i, OP_FAR, 0, 0);
      r.imm = k === OpKind.FarBranch32 ? insn.farBranch32 | 0 : insn.farBranch16;
      r.imm2 = insn.farBranchSelector;
    } else if (isStringMem(k)) {
      setOperand(r, i, OP_STR, 0, 0);
      // DS:(E)SI sources and MASKMOVQ/MASKMOVDQU's DS:(E)DI honour a segment override.
      if (k === OpKind.MemorySegSI || k === OpKind.MemorySegESI || k === OpKind.MemorySegDI || k === OpKind.MemorySegEDI) r.seg = segNumber(insn.memorySegment);
      r.asz = k === OpKind.MemorySegSI || k === OpKind.MemorySegDI || k === OpKind.MemoryESDI ? 2 : 4;
      r.msz = memBytes(insn.memorySize);
    }
  }
  // Operand size: the first explicit operand's, where it has one of 1/2/4 bytes.
  if (r.k0 === OP_MEM || r.k0 === OP_STR) {
    if (r.msz === 1 || r.msz === 2 || r.msz === 4) r.osz = r.msz;
  } else if (r.s0 === 1 || r.s0 === 2 || r.s0 === 4) {
    if (r.k0 === 1 /* OP_REG */) r.osz = r.s0;
  }
  void NO_REG; void OP_FAR;
  if (flagWord < 0 && (immCount === 0 || (decodeTuning.flagWordAll && !flagsByCount(mnemonic)))) flagWordOf[code] = wg;
  // The table's typed facts (ALU op, condition, ...) and how it ends a block.
  const f = factsOf(code, mnemonic);
  if (f !== null) applyFacts(r, f, f.ccFrom === CC_FROM_ICED ? ccFromIced(insn.conditionCode) : f.cc);
  bindHandler(r);
}
