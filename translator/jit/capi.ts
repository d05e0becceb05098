/**
 * The hottest IR constructors, through binaryen's C API (which binaryen.js
 * exports as `_Binaryen*` functions of its wasm build) instead of the
 * binaryen.js wrappers, and a per-module cache of constant nodes.
 *
 * Why (bench/emit.ts, docs/jit-plan.md "Compile cost"): every binaryen.js
 * `i32.const` saves the wasm stack, allocates a Literal on it, makes the
 * literal, makes the Const and restores the stack (five JS -> wasm calls and
 * a closure); loads and stores wrap their call in the same stack
 * save/restore. A block's code is mostly state-block loads and stores at
 * constant offsets and small constants, so `i32.const` alone was 11% of
 * emitModule.
 *
 * Constant nodes are shared: the same Const node appears wherever its value
 * is used in the module. binaryen's binary writer walks the tree and emits
 * each use (the bytes are the same as with one node per use); the generated
 * IR already shares nodes elsewhere and is never run through binaryen
 * passes, which assume a tree (docs/jit-plan.md "binaryen passes").
 */
import binaryen, { binaryenMemory } from './binaryen.js';

type X = binaryen.ExpressionRef;

/** The part of binaryen.js's C API used here (exported by the library, absent from its .d.ts). */
interface CApi {
  _malloc(bytes: number): number;
  _BinaryenSizeofLiteral(): number;
  /** Writes the Literal at `out` (a struct returned through a pointer). */
  _BinaryenLiteralInt32(out: number, v: number): void;
  _BinaryenConst(module: number, literal: number): X;
  _BinaryenConstSetValueI32(x: X, v: number): void;
  _BinaryenLoad(module: number, bytes: number, signed: number, offset: number, align: number, type: binaryen.Type, ptr: X, memory: number): X;
  _BinaryenStore(module: number, bytes: number, offset: number, align: number, ptr: X, value: X, type: binaryen.Type, memory: number): X;
  _BinaryenLocalGet(module: number, index: number, type: binaryen.Type): X;
  _BinaryenLocalSet(module: number, index: number, value: X): X;
  _BinaryenExpressionGetId(x: X): number;
  _BinaryenBinaryId(): number;
  _BinaryenBinaryGetOp(x: X): number;
  _BinaryenBinaryGetLeft(x: X): X;
  _BinaryenBinaryGetRight(x: X): X;
  _BinaryenUnaryId(): number;
  _BinaryenUnaryGetOp(x: X): number;
  _BinaryenUnaryGetValue(x: X): X;
  _BinaryenStoreGetPtr(x: X): X;
  _BinaryenStoreGetValue(x: X): X;
  _BinaryenLoadGetPtr(x: X): X;
  _BinaryenSelectGetIfTrue(x: X): X;
  _BinaryenSelectGetIfFalse(x: X): X;
  _BinaryenSelectGetCondition(x: X): X;
  _BinaryenLocalSetGetValue(x: X): X;
  _BinaryenLocalGetGetIndex(x: X): number;
  _BinaryenDropGetValue(x: X): X;
  _BinaryenBlockGetName(x: X): number;
  _BinaryenBlockGetNumChildren(x: X): number;
  _BinaryenBlockGetChildAt(x: X, i: number): X;
  _BinaryenBlockSetChildAt(x: X, i: number, c: X): void;
}

const api = binaryen as unknown as CApi;
for (const f of ['_malloc', '_BinaryenSizeofLiteral', '_BinaryenLiteralInt32', '_BinaryenConst', '_BinaryenLoad', '_BinaryenStore', '_BinaryenLocalGet', '_BinaryenLocalSet',
  '_BinaryenExpressionGetId', '_BinaryenBinaryId', '_BinaryenBinaryGetOp', '_BinaryenBinaryGetLeft', '_BinaryenBinaryGetRight', '_BinaryenUnaryId',
  '_BinaryenUnaryGetOp', '_BinaryenUnaryGetValue', '_BinaryenStoreGetPtr', '_BinaryenStoreGetValue', '_BinaryenLoadGetPtr',
  '_BinaryenSelectGetIfTrue', '_BinaryenSelectGetIfFalse', '_BinaryenSelectGetCondition',
  '_BinaryenLocalSetGetValue', '_BinaryenLocalGetGetIndex', '_BinaryenDropGetValue', '_BinaryenBlockGetName', '_BinaryenBlockGetNumChildren', '_BinaryenBlockGetChildAt', '_BinaryenBlockSetChildAt', '_BinaryenConstSetValueI32'] as const) {
  if (typeof api[f] !== 'function') throw new Error(`translator/jit/capi.ts: binaryen.js no longer exports ${f}`);
}
// Held here: binaryen.js's module object has ~2,100 properties, so V8 keeps it a dictionary (a hash lookup per access).
const { _BinaryenLiteralInt32: literalInt32, _BinaryenConst: makeConst, _BinaryenLoad: makeLoad, _BinaryenStore: makeStore,
  _BinaryenLocalGet: localGet, _BinaryenLocalSet: localSet } = api;
const I32 = binaryen.i32, I64 = binaryen.i64;
const BINARY_ID = api._BinaryenBinaryId(), UNARY_ID = api._BinaryenUnaryId();
const { StoreId: STORE_ID, LoadId: LOAD_ID, LocalSetId: LOCAL_SET_ID, LocalGetId: LOCAL_GET_ID, DropId: DROP_ID, BlockId: BLOCK_ID, ConstId: CONST_ID, SelectId: SELECT_ID } = binaryen;

/** An i32 comparison's operator, operands (binaryen's Binary node), or null for any other node. */
export function binaryParts(x: X): [op: number, left: X, right: X] | null {
  if (api._BinaryenExpressionGetId(x) !== BINARY_ID) return null;
  return [api._BinaryenBinaryGetOp(x), api._BinaryenBinaryGetLeft(x), api._BinaryenBinaryGetRight(x)];
}
/**
 * Whether `x` is a tree of at most `budget` Const, LocalGet, Unary, Binary, Select and Load nodes
 * (Fn.owedFlags). Such a tree writes nothing and holds no block, so nothing rewrites it in place later
 * (Fn.dropDeadRegs and the appendChild sites change blocks only; a page group's mask load, whose offset
 * finishGroup may change, is in a TLB test, never in a flag value): it can be placed in several parents,
 * and binaryen's binary writer walks it at each place, writing the same bytes that a copy would give (a
 * Load there reads again where it is placed, as the copy's did).
 */
export function pureValue(x: X, budget = 32): boolean {
  return pureNodes(x, budget) >= 0;
}
/** `budget` less the nodes of `x` when it is a pure tree (pureValue) that fits, else -1. */
function pureNodes(x: X, budget: number): number {
  if (--budget < 0) return -1;
  const id = api._BinaryenExpressionGetId(x);
  if (id === CONST_ID || id === LOCAL_GET_ID) return budget;
  if (id === UNARY_ID) return pureNodes(api._BinaryenUnaryGetValue(x), budget);
  if (id === LOAD_ID) return pureNodes(api._BinaryenLoadGetPtr(x), budget);
  if (id === BINARY_ID) {
    const left = pureNodes(api._BinaryenBinaryGetLeft(x), budget);
    return left < 0 ? -1 : pureNodes(api._BinaryenBinaryGetRight(x), left);
  }
  if (id !== SELECT_ID) return -1;
  const t = pureNodes(api._BinaryenSelectGetIfTrue(x), budget);
  const f = t < 0 ? -1 : pureNodes(api._BinaryenSelectGetIfFalse(x), t);
  return f < 0 ? -1 : pureNodes(api._BinaryenSelectGetCondition(x), f);
}
/** A Unary node's operator and operand, or null for any other node. */
export function unaryParts(x: X): [op: number, value: X] | null {
  if (api._BinaryenExpressionGetId(x) !== UNARY_ID) return null;
  return [api._BinaryenUnaryGetOp(x), api._BinaryenUnaryGetValue(x)];
}
/** The local a local.get node reads, or -1 for any other node (Fn.slowAfter: binaryen.getExpressionInfo builds an object). */
export function localGetIndex(x: X): number {
  return api._BinaryenExpressionGetId(x) === LOCAL_GET_ID ? api._BinaryenLocalGetGetIndex(x) : -1;
}
const NONE: readonly X[] = [];
/** A Store node's value operand. */
export function storeValue(x: X): X {
  return api._BinaryenStoreGetValue(x);
}
/** A local.set/tee node's value operand. */
export function localSetValue(x: X): X {
  return api._BinaryenLocalSetGetValue(x);
}
/** Replace child `i` of Block `b` (Fn.dropDeadRegs: a dead register store becomes its local.set in place). */
export function setChildAt(b: X, i: number, c: X): void {
  api._BinaryenBlockSetChildAt(b, i, c);
}
/**
 * The operands a node evaluates whenever it is evaluated, in order: a
 * store's address and value, a load's address, a local.set/tee's value, a
 * drop's, a unary or binary node's, the children of an unnamed block (no
 * branch can leave it early). Any other node (if, loop, named block, call...):
 * none. Fn.fwdTop walks a record's top level with it.
 */
export function topOperands(x: X): readonly X[] {
  const id = api._BinaryenExpressionGetId(x);
  if (id === STORE_ID) return [api._BinaryenStoreGetPtr(x), api._BinaryenStoreGetValue(x)];
  if (id === LOCAL_SET_ID) return [api._BinaryenLocalSetGetValue(x)];
  if (id === LOAD_ID) return [api._BinaryenLoadGetPtr(x)];
  if (id === BINARY_ID) return [api._BinaryenBinaryGetLeft(x), api._BinaryenBinaryGetRight(x)];
  if (id === UNARY_ID) return [api._BinaryenUnaryGetValue(x)];
  if (id === DROP_ID) return [api._BinaryenDropGetValue(x)];
  if (id === BLOCK_ID && api._BinaryenBlockGetName(x) === 0) {
    const n = api._BinaryenBlockGetNumChildren(x), out: X[] = [];
    for (let k = 0; k < n; k++) out.push(api._BinaryenBlockGetChildAt(x, k));
    return out;
  }
  return NONE;
}
/** Give an i32 Const node made by `m.i32.const` (its own node, never ModuleIR's shared ones) the value `v`. */
export function setConstI32(x: X, v: number): void {
  api._BinaryenConstSetValueI32(x, v);
}
/** The last child of an unnamed block, or null for any other node (or an empty block): compile.ts endsWith. */
export function lastOfUnnamed(x: X): X | null {
  if (api._BinaryenExpressionGetId(x) !== BLOCK_ID || api._BinaryenBlockGetName(x) !== 0) return null;
  const n = api._BinaryenBlockGetNumChildren(x);
  return n === 0 ? null : api._BinaryenBlockGetChildAt(x, n - 1);
}
/** One Literal's room in binaryen's heap, for the whole process (the worker is one thread; the Const copies it). */
const LITERAL = api._malloc(api._BinaryenSizeofLiteral());

/** A module's cached nodes and direct constructors (one per binaryen.Module: `irOf`). */
export class ModuleIR {
  private readonly ptr: number;
  private readonly consts = new Map<number, X>();
  /** The cached constants' values by node (constant folding at emit time: Fn.add, Fn.not, Fn.if). */
  private readonly values = new Map<X, number>();
  constructor(private readonly m: binaryen.Module) {
    this.ptr = (m as unknown as { ptr: number }).ptr;
  }
  /** i32.const v (shared node). */
  i32(v: number): X {
    v |= 0;
    let x = this.consts.get(v);
    if (x === undefined) {
      literalInt32(LITERAL, v);
      x = makeConst(this.ptr, LITERAL);
      this.consts.set(v, x);
      this.values.set(x, v);
    }
    return x;
  }
  /** The value of `x` when it is a constant made by i32() (the only way generated code makes i32 constants), else undefined. */
  valueOf(x: X): number | undefined {
    return this.values.get(x);
  }
  /** i32.load offset=off (i32.const 0): binaryen.js `i32.load(off, 4, i32.const(0))`. */
  load(off: number): X {
    return makeLoad(this.ptr, 4, 1, off, 4, I32, this.i32(0), 0);
  }
  /** i32.store offset=off (i32.const 0) v: binaryen.js `i32.store(off, 4, i32.const(0), v)`. */
  store(off: number, v: X): X {
    return makeStore(this.ptr, 4, off, 4, this.i32(0), v, I32, 0);
  }
  /**
   * i64.const (hi << 32 | lo) (shared node, like i32()): binaryen.js's own
   * constructor, a handful of values per module (two constant words stored at once: Fn.st2).
   */
  i64(lo: number, hi: number): X {
    const key = `${lo | 0},${hi | 0}`;
    let x = this.consts64.get(key);
    if (x === undefined) {
      x = this.m.i64.const((BigInt(hi | 0) << 32n) | BigInt(lo >>> 0));
      this.consts64.set(key, x);
    }
    return x;
  }
  private readonly consts64 = new Map<string, X>();
  /** i64.store offset=off (i32.const 0) v, 8-byte aligned (`off` must be). */
  store64(off: number, v: X): X {
    return makeStore(this.ptr, 8, off, 8, this.i32(0), v, I64, 0);
  }
  /** local.get l (i32): binaryen.js `local.get(l, i32)`. */
  get(l: number): X {
    return localGet(this.ptr, l, I32);
  }
  /** local.set l v: binaryen.js `local.set(l, v)`. */
  set(l: number, v: X): X {
    return localSet(this.ptr, l, v);
  }
}

const modules = new WeakMap<binaryen.Module, ModuleIR>();
/** The module's ModuleIR (made on first use). */
export function irOf(m: binaryen.Module): ModuleIR {
  let r = modules.get(m);
  if (r === undefined) {
    r = new ModuleIR(m);
    modules.set(m, r);
  }
  return r;
}

/**
 * binaryen.js's constructors the code generator calls most, replaced on a
 * module by direct C API calls (bench/emit.ts counted ~410 binaryen.js
 * calls a block: block 63, binary operators ~250, br 37, call 13, ...).
 *
 * Why: binaryen.js wraps every constructor that passes a name or an array
 * in `O(() => ...)` (a closure, a stackSave and a stackRestore call into
 * the wasm), encodes the name onto the wasm stack each time and copies the
 * array there (a stackAlloc call); and it reads the C function and the
 * operator code (`A._BinaryenBinary`, `A.AndInt32`) from its module object,
 * which has ~2,100 properties: a dictionary lookup each. Here the names are
 * encoded once into binaryen's heap (binaryen copies a name when it interns
 * it, as binaryen.js's stack copies show), the arrays are written into one
 * reused buffer there, and the functions and operator codes are constants.
 * Same C calls with the same arguments: the same IR, the same bytes
 * (bench/emit.ts sha256; test/jit/capi-fast.test.ts compares both ways).
 *
 * Needs binaryen's memory (binaryen.ts `binaryenMemory`, the direct build):
 * without it the module keeps binaryen.js's constructors.
 */
interface FastApi {
  _free(p: number): void;
  _BinaryenBinary(module: number, op: number, left: X, right: X): X;
  _BinaryenUnary(module: number, op: number, value: X): X;
  _BinaryenBlock(module: number, name: number, children: number, n: number, type: binaryen.Type): X;
  _BinaryenBreak(module: number, name: number, cond: X, value: X): X;
  _BinaryenLoop(module: number, name: number, body: X): X;
  _BinaryenCall(module: number, name: number, operands: number, n: number, type: binaryen.Type): X;
  _BinaryenReturnCall(module: number, name: number, operands: number, n: number, type: binaryen.Type): X;
  _BinaryenGlobalGet(module: number, name: number, type: binaryen.Type): X;
  _BinaryenGlobalSet(module: number, name: number, value: X): X;
}
const fast = binaryen as unknown as FastApi & Record<string, unknown>;
const { _BinaryenBinary: cBinary, _BinaryenUnary: cUnary, _BinaryenBlock: cBlock, _BinaryenBreak: cBreak, _BinaryenLoop: cLoop, _BinaryenCall: cCall,
  _BinaryenReturnCall: cReturnCall, _BinaryenGlobalGet: cGlobalGet, _BinaryenGlobalSet: cGlobalSet } = fast;
const NONE_TYPE = binaryen.none;

/** Names as C strings in binaryen's heap, kept (a bounded set: labels, function and global names). */
const cNames = new Map<string, number>();
/** Past this many names the cache is freed and started again (names with ever-growing numbers stay bounded). */
const MAX_NAMES = 8192;
let heapU8: Uint8Array = new Uint8Array(0);
let heapU32: Uint32Array = new Uint32Array(0);
/** The views again after binaryen's memory grew (growing detaches the old buffer: length 0). */
function views(): void {
  const buf = binaryenMemory!.buffer;
  heapU8 = new Uint8Array(buf);
  heapU32 = new Uint32Array(buf);
}
function cName(s: string | null | undefined): number {
  if (!s) return 0; // binaryen.js: k(name) is 0 for null and ''
  let p = cNames.get(s);
  if (p === undefined) {
    if (cNames.size >= MAX_NAMES) {
      for (const q of cNames.values()) fast._free(q);
      cNames.clear();
    }
    const bytes = new TextEncoder().encode(s);
    p = api._malloc(bytes.length + 1);
    if (heapU8.length === 0 || heapU8.buffer !== binaryenMemory!.buffer) views();
    heapU8.set(bytes, p);
    heapU8[p + bytes.length] = 0;
    cNames.set(s, p);
  }
  return p;
}
/** One reused array buffer in binaryen's heap (binaryen copies the children/operands it is given). */
let arrPtr = 0, arrCap = 0;
function cArray(xs: readonly X[]): number {
  const n = xs.length;
  if (n > arrCap) {
    if (arrPtr !== 0) fast._free(arrPtr);
    arrCap = Math.max(64, n * 2);
    arrPtr = api._malloc(arrCap * 4);
  }
  if (heapU32.length === 0 || heapU32.buffer !== binaryenMemory!.buffer) views();
  const at = arrPtr >>> 2;
  for (let i = 0; i < n; i++) heapU32[at + i] = xs[i]!;
  return arrPtr;
}

/** [group, member, C operator code, binary?]: binaryen.js members that are exactly one Binary/Unary call (read from the first module's sources). */
let opPlan: [group: string, name: string, op: number, binary: boolean][] | null = null;
const GROUPS = ['i32', 'i64', 'f32', 'f64'] as const;
const BINARY_SRC = /^function\(([\w$]+),([\w$]+)\)\{return ([\w$]+)\._BinaryenBinary\(([\w$]+),\3\.([\w$]+),\1,\2\)\}$/;
const UNARY_SRC = /^function\(([\w$]+)\)\{return ([\w$]+)\._BinaryenUnary\(([\w$]+),\2\.([\w$]+),\1\)\}$/;
/**
 * binaryen.js's loads and stores: `load(offset, align, ptr, name)` is `preserveStack(() => _BinaryenLoad(module,
 * bytes, signed, offset, align, type, ptr, strToStack(name)))`, a store likewise. The arrow is made per call, so
 * V8 optimised those arrows again after each of the worker's full GCs (i32.load 11, f64.load 10, f64.store 9
 * times a boot: bench/opt-trace.ts). Captures: bytes, signed (`!0`/`!1`), type name; bytes and type for stores.
 */
const LOAD_SRC = /^function\(([\w$]+),([\w$]+),([\w$]+),([\w$]+)\)\{return [\w$]+\(\(\)=>([\w$]+)\._BinaryenLoad\([\w$]+,(\d+),(!0|!1),\1,\2,\5\.(i32|i64|f32|f64),\3,[\w$]+\(\4\)\)\)\}$/;
const STORE_SRC = /^function\(([\w$]+),([\w$]+),([\w$]+),([\w$]+),([\w$]+)\)\{return [\w$]+\(\(\)=>([\w$]+)\._BinaryenStore\([\w$]+,(\d+),\1,\2,\3,\4,\6\.(i32|i64|f32|f64),[\w$]+\(\5\)\)\)\}$/;
/** [group, member, bytes, signed (loads; -1 for a store), value type]: the loads and stores found so (the first module's sources). */
let memPlan: [group: string, name: string, bytes: number, signed: number, type: binaryen.Type][] | null = null;
function planMem(m: binaryen.Module): NonNullable<typeof memPlan> {
  const out: NonNullable<typeof memPlan> = [];
  const mm = m as unknown as Record<string, Record<string, unknown>>;
  for (const g of GROUPS) {
    for (const [name, f] of Object.entries(mm[g] ?? {})) {
      if (typeof f !== 'function') continue;
      const src = f.toString();
      const l = LOAD_SRC.exec(src), st = l === null ? STORE_SRC.exec(src) : null;
      if (l !== null) out.push([g, name, Number(l[6]), l[7] === '!0' ? 1 : 0, binaryen[l[8] as 'i32']]);
      else if (st !== null) out.push([g, name, Number(st[7]), -1, binaryen[st[8] as 'i32']]);
    }
  }
  return out;
}
function plan(m: binaryen.Module): NonNullable<typeof opPlan> {
  const out: NonNullable<typeof opPlan> = [];
  const mm = m as unknown as Record<string, Record<string, unknown>>;
  for (const g of GROUPS) {
    for (const [name, f] of Object.entries(mm[g] ?? {})) {
      if (typeof f !== 'function') continue;
      const src = f.toString();
      const b = BINARY_SRC.exec(src), u = b === null ? UNARY_SRC.exec(src) : null;
      const opName = b?.[5] ?? u?.[4];
      const op = opName === undefined ? undefined : fast[opName];
      if (typeof op === 'number') out.push([g, name, op, b !== null]);
    }
  }
  return out;
}

/** Give module `m` the direct constructors (above), when binaryen's memory is at hand. */
export function speedUp(m: binaryen.Module): void {
  if (binaryenMemory === null) return;
  const ptr = (m as unknown as { ptr: number }).ptr;
  const mm = m as unknown as Record<string, unknown>;
  opPlan ??= plan(m);
  for (const [g, name, op, bin] of opPlan) {
    (mm[g] as Record<string, unknown>)[name] = bin ? (a: X, b: X): X => cBinary(ptr, op, a, b) : (a: X): X => cUnary(ptr, op, a);
  }
  // i32.const: binaryen.js's is preserveStack(() => ...) around a stack-allocated literal, an arrow per call
  // (re-optimised 10-12 times a boot like the loads'); the literal buffer here is ModuleIR's. Not cached per
  // value as ModuleIR.i32 is: its valueOf() must keep seeing only its own constants (Fn.st2's compact stores).
  (mm.i32 as Record<string, unknown>).const = (v: number): X => {
    literalInt32(LITERAL, v);
    return makeConst(ptr, LITERAL);
  };
  memPlan ??= planMem(m);
  for (const [g, name, bytes, signed, type] of memPlan) {
    const group = mm[g] as Record<string, unknown>;
    const slow = group[name] as (...a: unknown[]) => X;
    // A memory name (never given by the JIT) goes the library's way: it is encoded on binaryen's stack.
    group[name] = signed >= 0
      ? (offset: number, align: number, p: X, mem?: string): X => mem ? slow(offset, align, p, mem) : makeLoad(ptr, bytes, signed, offset, align, type, p, 0)
      : (offset: number, align: number, p: X, v: X, mem?: string): X => mem ? slow(offset, align, p, v, mem) : makeStore(ptr, bytes, offset, align, p, v, type, 0);
  }
  mm.block = (name: string | null, children: readonly X[], type?: binaryen.Type): X =>
    cBlock(ptr, cName(name), cArray(children), children.length, type === undefined ? NONE_TYPE : type);
  mm.br = (name: string, cond?: X, value?: X): X => cBreak(ptr, cName(name), cond ?? 0, value ?? 0);
  mm.loop = (name: string | null, body: X): X => cLoop(ptr, cName(name), body);
  mm.call = (name: string, operands: readonly X[], type: binaryen.Type): X => cCall(ptr, cName(name), cArray(operands), operands.length, type);
  mm.return_call = (name: string, operands: readonly X[], type: binaryen.Type): X => cReturnCall(ptr, cName(name), cArray(operands), operands.length, type);
  const global = mm.global as Record<string, unknown>;
  global.get = (name: string, type: binaryen.Type): X => cGlobalGet(ptr, cName(name), type);
  global.set = (name: string, value: X): X => cGlobalSet(ptr, cName(name), value);
}
