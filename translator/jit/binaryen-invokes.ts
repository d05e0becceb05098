/**
 * binaryen.js's C++ exception trampolines made wasm-to-wasm calls.
 *
 * binaryen.js is built with Emscripten's JS-side C++ exceptions: every call
 * inside binaryen that may throw past a destructor is an import call to an
 * `invoke_*` JS function, which saves the wasm stack pointer (a call back
 * into the wasm), looks the callee up in the function table and calls it
 * (a JS -> wasm call through V8's generic wrapper) in a try/catch. The
 * binary writer does this per byte it appends (a `push_back`), so on the
 * compile worker ~25% of emitBinary's time was these crossings
 * (docs/jit-plan.md "Compile cost").
 *
 * Here each `invoke_*` import is given a function of a small helper wasm
 * module instead: it calls the same table entry with `call_indirect`, so
 * the trampoline is a wasm -> wasm call with no JS in between. Its table is
 * a copy of binaryen's, filled lazily (an entry is copied from binaryen's
 * table the first time it is called through).
 *
 * The rewritten module also exports `__jitvisorMemory()`: binaryen's
 * WebAssembly.Memory (binaryen.ts `binaryenMemory`), so capi.ts can pass
 * arrays and names to the C API from its own buffers.
 *
 * What changes: nothing while no C++ exception is thrown. A thrown one is
 * no longer caught inside binaryen (no destructors, no catch blocks run): it
 * leaves through the binaryen.js API call as a JS exception. binaryen does
 * not use exceptions in the paths the JIT runs (building IR and writing the
 * binary; it never parses text or validates here), so a throw there is a bug
 * either way; the compile worker reports it as that module's error.
 */

/** A wasm value type byte (i32 0x7f, i64 0x7e, f32 0x7d, f64 0x7c, v128 0x7b, funcref 0x70, externref 0x6f). */
type ValType = number;
interface FuncType { params: ValType[]; results: ValType[] }

const VALTYPES = new Set([0x7f, 0x7e, 0x7d, 0x7c, 0x7b, 0x70, 0x6f]);

/** A minimal reader of the sections before the code: types and imports. */
class Reader {
  p = 0;
  constructor(private readonly b: Uint8Array) {}
  byte(): number {
    if (this.p >= this.b.length) throw new Error('truncated');
    return this.b[this.p++]!;
  }
  u32(): number {
    let v = 0, shift = 0, c: number;
    do { c = this.byte(); v += (c & 0x7f) * 2 ** shift; shift += 7; } while (c & 0x80);
    return v;
  }
  name(): string {
    const n = this.u32();
    const s = new TextDecoder().decode(this.b.subarray(this.p, this.p + n));
    this.p += n;
    return s;
  }
  limits(): void {
    const flags = this.byte();
    this.u32();
    if (flags & 1) this.u32();
  }
}

/**
 * The function imports of module `from` in the wasm `wasm`: name -> its type. Null when the
 * module has a type or import this reader does not know (then nothing is rewritten).
 */
export function functionImports(wasm: Uint8Array, from: string): Map<string, FuncType> | null {
  try {
    const r = new Reader(wasm);
    r.p = 8;
    const types: FuncType[] = [];
    const out = new Map<string, FuncType>();
    while (r.p < wasm.length) {
      const id = r.byte(), size = r.u32(), end = r.p + size;
      if (id === 1) {
        for (let n = r.u32(); n > 0; n--) {
          if (r.byte() !== 0x60) return null; // rec groups, structs...: not this reader's
          const vals = (): ValType[] => {
            const v: ValType[] = [];
            for (let k = r.u32(); k > 0; k--) { const t = r.byte(); if (!VALTYPES.has(t)) throw new Error('type'); v.push(t); }
            return v;
          };
          const params = vals();
          types.push({ params, results: vals() });
        }
      } else if (id === 2) {
        for (let n = r.u32(); n > 0; n--) {
          const mod = r.name(), field = r.name(), kind = r.byte();
          if (kind === 0) {
            const t = types[r.u32()];
            if (t === undefined) return null;
            if (mod === from) out.set(field, t);
          } else if (kind === 1) { r.byte(); r.limits(); }
          else if (kind === 2) r.limits();
          else if (kind === 3) { r.byte(); r.byte(); }
          else if (kind === 4) { r.byte(); r.u32(); }
          else return null;
        }
        return out;
      } else if (id !== 0 && id > 2) return out; // past the imports: none
      r.p = end;
    }
    return out;
  } catch {
    return null;
  }
}

function u32(v: number): number[] {
  const out: number[] = [];
  do { let c = v & 0x7f; v >>>= 7; if (v !== 0) c |= 0x80; out.push(c); } while (v !== 0);
  return out;
}
function str(s: string): number[] {
  const b = [...new TextEncoder().encode(s)];
  return [...u32(b.length), ...b];
}
function section(id: number, items: number[][]): number[] {
  const body = [...u32(items.length), ...items.flat()];
  return [id, ...u32(body.length), ...body];
}
function functype(t: FuncType): number[] {
  return [0x60, ...u32(t.params.length), ...t.params, ...u32(t.results.length), ...t.results];
}

/**
 * The helper module: imports `j.fill` (i32 -> nothing: copy entry i of binaryen's table into
 * `j.t` and set byte i of `j.m`), the table `j.t` and the memory `j.m` (a byte per table entry,
 * 1 when copied; as large as binaryen's table: an index past it traps); exports, for each `invoke_*`-shaped import (index, args...) ->
 * results, a function of that type calling entry `index` of `j.t` with the args.
 */
export function invokeHelper(invokes: ReadonlyMap<string, FuncType>): Uint8Array {
  const list = [...invokes];
  const types: number[][] = [functype({ params: [0x7f], results: [] })];
  for (const [, t] of list) types.push(functype(t), functype({ params: t.params.slice(1), results: t.results }));
  const imports = [
    [...str('j'), ...str('fill'), 0x00, 0x00],
    [...str('j'), ...str('t'), 0x01, 0x70, 0x00, 0x00],
    [...str('j'), ...str('m'), 0x02, 0x00, 0x01],
  ];
  const funcs = list.map((_, i) => u32(1 + 2 * i));
  const exports = list.map(([name], i) => [...str(name), 0x00, ...u32(1 + i)]);
  const code = list.map(([, t], i) => {
    const body = [
      0x00, // no locals
      // Not copied yet (byte `index` of j.m is 0): fill it. A byte, not table.get + ref.is_null:
      // table.get is a builtin call in V8 11.3 (2 % of a cold replay's samples).
      0x20, 0x00, 0x2d, 0x00, 0x00, 0x45, 0x04, 0x40, 0x20, 0x00, 0x10, 0x00, 0x0b,
      ...t.params.slice(1).flatMap((_, k) => [0x20, ...u32(k + 1)]),
      0x20, 0x00, 0x11, ...u32(2 + 2 * i), 0x00,
      0x0b,
    ];
    return [...u32(body.length), ...body];
  });
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, types), ...section(2, imports), ...section(3, funcs), ...section(7, exports), ...section(10, code),
  ]);
}

/**
 * Emscripten's invoke trampoline, minified:
 * `function Aj(r,G,t){var j=R();try{l(r)(G,t)}catch(F){if(i(j),!(F instanceof Q))throw F;a(1,0)}}`
 * (those returning i64 end `return a(1,0),0n}}`).
 * Captures: name, index parameter, saved stack, stackSave, getter, caught, stackRestore, class, setThrew.
 */
const INVOKE = /function ([\w$]+)\(([\w$]+)(?:,[\w$]+)*\)\{var ([\w$]+)=([\w$]+)\(\);try\{(?:return )?([\w$]+)\(\2\)\([\w$,]*\)\}catch\(([\w$]+)\)\{if\(([\w$]+)\(\3\),!\(\6 instanceof ([\w$]+)\)\)throw \6;(?:return )?([\w$]+)\(1,0\)(?:,0n?)?\}\}/g;
/** The imports handed to the instantiation: `var G={a:Z6},t=A.instantiateWasm`. Captures: imports, module name, object. */
const IMPORTS = /var ([\w$]+)=\{([\w$]+):([\w$]+)\},([\w$]+)=([\w$]+)\.instantiateWasm/g;

/**
 * The source with its invoke trampolines replaced by the helper's functions (see above), given
 * the wasm's bytes and the name of the function-table variable (binaryen.ts GETTER's `table`);
 * null when a pattern is not there exactly as expected.
 */
export function directInvokes(source: string, wasm: Uint8Array, table: string): string | null {
  const invokes = [...source.matchAll(INVOKE)];
  const at = [...source.matchAll(IMPORTS)];
  if (invokes.length === 0 || at.length !== 1) return null;
  const [head, , mod, obj] = at[0]!;
  const imports = functionImports(wasm, mod!);
  if (imports === null) return null;
  // Every import whose type could be a trampoline's (an i32 index first): the helper has one each,
  // and at run time only the imports whose value is one of the trampolines (by identity) take it.
  const shaped = new Map([...imports].filter(([, t]) => t.params[0] === 0x7f));
  if (shaped.size === 0) return null;
  // Where the table variable is assigned from the instance's exports (once): the helper's source.
  const set = new RegExp(`([,;{])(${table.replace(/\$/g, '\\$')}=([\\w$]+)\\.[\\w$]+)(?=[,;}])`, 'g');
  const sets = [...source.matchAll(set)];
  if (sets.length !== 1) return null;
  const bytes = Buffer.from(invokeHelper(shaped)).toString('base64');
  const names = invokes.map((m) => m[1]!).join(',');
  const helper = `function __jitvisorInvokes(imp,fns){var s=null,t=new WebAssembly.Table({element:"anyfunc",initial:0}),b=new WebAssembly.Memory({initial:1}),`
    + `h=new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(${JSON.stringify(bytes)},"base64")),{j:{t:t,m:b,fill:function(i){`
    + `if(t.length<s.length)t.grow(s.length-t.length);t.set(i,s.get(i));new Uint8Array(b.buffer)[i]=1}}}).exports,o={},k;`
    + `__jitvisorTable=function(x,e){s=x;var n=Math.ceil(x.length/65536);if(n>1)b.grow(n-1);`
    + `for(var q in e)if(e[q]instanceof WebAssembly.Memory)__jitvisorMem=e[q]};`
    + `for(k in imp)o[k]=fns.includes(imp[k])&&k in h?h[k]:imp[k];return o}var __jitvisorTable,__jitvisorMem=null;`;
  let out = source.replace(set, (_, pre: string, assign: string, exp: string) => `${pre}${assign},__jitvisorTable(${table},${exp})`);
  out = out.replace(head, `var ${at[0]![1]}={${mod}:__jitvisorInvokes(${obj},[${names}])},${at[0]![4]}=${at[0]![5]}.instantiateWasm`);
  // binaryen's memory, for writing arguments (capi.ts) without binaryen.js's stack wrappers.
  return `${helper}${out}\nexport function __jitvisorMemory(){return __jitvisorMem}`;
}
