/**
 * translator/jit/capi.ts speedUp: a module's hottest binaryen.js constructors
 * replaced by direct C API calls must build the same IR as binaryen.js's:
 * the same module text and bytes for every replaced constructor.
 */
import { expect } from 'chai';
import binaryen, { binaryenMemory } from '../../translator/jit/binaryen.js';
import { speedUp } from '../../translator/jit/capi.js';

type X = binaryen.ExpressionRef;

/** A module using every replaced constructor (names long and short, empty and long arrays, every operator of each group). */
function build(fast: boolean): { text: string; bytes: Uint8Array; replaced: number; memReplaced: number } {
  const m = new binaryen.Module();
  const before = new Map<string, unknown>();
  for (const g of ['i32', 'i64', 'f32', 'f64'] as const) for (const [k, v] of Object.entries(m[g])) before.set(`${g}.${k}`, v);
  if (fast) speedUp(m);
  let replaced = 0;
  let memReplaced = 0;
  for (const g of ['i32', 'i64', 'f32', 'f64'] as const) {
    for (const [k, v] of Object.entries(m[g])) {
      if (before.get(`${g}.${k}`) === v) continue;
      replaced++;
      if (/^(load|store)/.test(k) || (g === 'i32' && k === 'const')) memReplaced++;
    }
  }
  try {
    const i32 = binaryen.i32;
    m.addGlobal('g_with_a_rather_long_name_0123456789', i32, true, m.i32.const(5));
    m.addFunction('callee', binaryen.createType([i32, i32]), i32, [], m.local.get(0, i32));
    m.addFunction('none', binaryen.none, binaryen.none, [], m.nop());
    const body: X[] = [];
    const c = (v: number): X => m.i32.const(v);
    // Every one-call Binary/Unary member of the four groups, on operands of its own type where it takes them.
    const operand: Record<string, (k: number) => X> = {
      i32: (k) => c(7 + k), i64: (k) => m.i64.const(3 + k, 0), f32: (k) => m.f32.const(1.5 + k), f64: (k) => m.f64.const(2.5 + k),
    };
    for (const g of ['i32', 'i64', 'f32', 'f64'] as const) {
      for (const [k, f] of Object.entries(m[g] as unknown as Record<string, unknown>)) {
        if (typeof f !== 'function' || !/_Binaryen(Binary|Unary)\(/.test(String(before.get(`${g}.${k}`)))) continue;
        const fn = f as (...a: X[]) => X;
        // Conversions take another type's operand: try each, keep the one binaryen types as not unreachable.
        for (const from of ['i32', 'i64', 'f32', 'f64']) {
          const x = fn.length === 2 ? fn(operand[from]!(0), operand[from]!(1)) : fn(operand[from]!(0));
          if (binaryen.getExpressionType(x) !== binaryen.unreachable) { body.push(m.drop(x)); break; }
        }
      }
    }
    // Every load and store member (load8_u, store32...), at an offset and alignment of its width.
    m.setMemory(1, 1, null);
    for (const g of ['i32', 'i64', 'f32', 'f64'] as const) {
      for (const [k, f] of Object.entries(m[g] as unknown as Record<string, unknown>)) {
        if (typeof f !== 'function' || !/^(load|store)(\d+(_[su])?)?$/.test(k)) continue;
        const width = Number(/\d+/.exec(k)?.[0] ?? (g === 'i64' || g === 'f64' ? 64 : 32)) / 8;
        const value = (): X => g === 'i32' ? c(5) : g === 'i64' ? m.i64.const(5) : g === 'f32' ? m.f32.const(1.5) : m.f64.const(2.5);
        if (k.startsWith('load')) body.push(m.drop((f as (o: number, a: number, p: X) => X)(8 * width, width, c(16))));
        else body.push((f as (o: number, a: number, p: X, v: X) => X)(4 * width, width, c(32), value()));
      }
    }
    const long = Array.from({ length: 200 }, (_, i) => m.drop(c(i)));
    // i32.const at the edges (binaryen.js passes the number on: the export's ToInt32 wraps it either way).
    body.push(m.drop(c(-1)), m.drop(c(0x80000000)), m.drop(c(0xffffffff)), m.drop(c(-0x80000000)));
    body.push(
      m.block(null, []), m.block('', [m.nop()]), m.block('outer_label', [m.block('inner', [m.br('inner'), m.br('outer_label', c(1))])]),
      m.drop(m.block('valued', [m.br('valued', c(0), c(9)), c(3)], i32)), m.block('auto', long),
      m.loop('lp', m.br('lp', c(0))), m.loop(null, m.nop()),
      m.drop(m.call('callee', [c(1), c(2)], i32)), m.call('none', [], binaryen.none),
      m.global.set('g_with_a_rather_long_name_0123456789', m.global.get('g_with_a_rather_long_name_0123456789', i32)),
      m.if(c(1), m.return_call('callee', [c(3), c(4)], i32)),
    );
    m.addFunction('f', binaryen.none, i32, [], m.block(null, [...body, c(0)], i32));
    m.addFunctionExport('f', 'f');
    return { text: m.emitText(), bytes: m.emitBinary(), replaced, memReplaced };
  } finally {
    m.dispose();
  }
}

describe('capi.ts speedUp: direct C API constructors', () => {
  it('is on in this process (the direct build hands out binaryen\'s memory)', () => {
    expect(binaryenMemory).to.not.equal(null);
  });

  it('builds the same module as binaryen.js\'s constructors', () => {
    const ref = build(false), got = build(true);
    expect(got.replaced, 'operators replaced').to.be.greaterThan(100);
    // i32 load/load8_s/u/load16_s/u/store/store8/16, i64's and their 32-bit forms, f32 and f64 load/store; i32.const.
    expect(got.memReplaced, 'loads, stores and i32.const replaced').to.equal(24);
    expect(ref.replaced).to.equal(0);
    expect(got.text).to.equal(ref.text);
    expect(Buffer.from(got.bytes).equals(Buffer.from(ref.bytes))).to.equal(true);
    // And again: names come from the cache, the array buffer is reused.
    expect(build(true).text).to.equal(ref.text);
  });
});
