/**
 * The compile worker's warm-up of binaryen, before its first request
 * (worker.ts, only with JITVISOR_WARM=1): a few small synthetic modules
 * through binaryen and emitBinary.
 *
 * Off by default: measured under host load 4-6 (docs/jit-plan.md "Start-up,
 * session 17"), the worker was still starting when the first request came,
 * so the warm-up (~160 ms of the worker's CPU, of which the first request
 * saves ~95) delayed the first modules in 8 of 8 rounds and 1 G
 * instructions in 7 of 8. On a quiet host the worker waits ~0.3 s for its
 * first request, where it might pay: to be measured there.
 *
 * What for (docs/jit-plan.md "Start-up, session 17"): V8 compiles binaryen's wasm
 * lazily, so the worker's first emit paid Liftoff for binaryen's largest
 * functions (three of 29-81 KB of wasm: 10-110 ms each) inside the first
 * request; and the first emits use up those functions' tiering budgets, so
 * their TurboFan compiles (120-420 ms each, 1 s under load) are queued on
 * V8's one platform thread (--v8-pool-size=1) right when the decompressor's
 * first big module comes back, whose own tier-ups then wait behind them
 * while the guest runs its hottest loop as Liftoff code. Done while the
 * worker waits for its first request, both would happen before they are
 * in the way. Four modules of sixteen functions queue all three tier-ups
 * (three or fewer emits did not, in a probe; the first emit is ~170 ms cold,
 * the rest a few ms each).
 *
 * The modules are thrown away; nothing of them stays in binaryen or V8
 * except compiled code for binaryen's own functions.
 */
import binaryen from './binaryen.js';

/** Emits in the warm-up, and functions per module (see above). */
export const WARM_MODULES = 4;
export const WARM_FUNCTIONS = 16;

/**
 * One module shaped like a block's (memory and function imports, a global,
 * loads, stores, arithmetic, ifs, breaks, calls, returns), emitted to bytes.
 */
function warmModule(functions: number): Uint8Array {
  const m = new binaryen.Module();
  try {
    const i32 = binaryen.i32;
    m.setMemory(1, -1, null);
    m.addMemoryImport('0', 'env', 'mem');
    m.addFunctionImport('rd', 'env', 'rd', binaryen.createType([i32, i32, i32]), i32);
    m.addGlobal('g', i32, true, m.i32.const(0));
    for (let f = 0; f < functions; f++) {
      const body: binaryen.ExpressionRef[] = [];
      for (let k = 0; k < 12; k++) {
        body.push(m.i32.store(4 * k, 4, m.i32.const(64), m.i32.add(m.i32.load(4 * k, 4, m.local.get(0, i32)), m.i32.const(k))));
        body.push(m.local.set(1, m.i32.xor(m.local.get(1, i32), m.i32.shl(m.local.get(0, i32), m.i32.const(k)))));
        body.push(m.if(m.i32.eqz(m.local.get(1, i32)), m.return(m.call('rd', [m.local.get(0, i32), m.i32.const(k), m.i32.const(1)], i32))));
        body.push(m.global.set('g', m.i32.sub(m.global.get('g', i32), m.i32.const(1))));
        body.push(m.block(`l${k}`, [
          m.br(`l${k}`, m.i32.lt_u(m.global.get('g', i32), m.i32.const(5))),
          m.i32.store8(k, 1, m.local.get(1, i32), m.i32.load8_u(k, 1, m.local.get(0, i32))),
        ]));
      }
      body.push(m.return(m.local.get(1, i32)));
      m.addFunction(`w${f}`, i32, i32, [i32], m.block(null, body, binaryen.none));
      m.addFunctionExport(`w${f}`, `w${f}`);
    }
    return m.emitBinary();
  } finally {
    m.dispose();
  }
}

/** The warm-up; returns the bytes emitted (tests: it ran, and each module is valid wasm). */
export function warmBinaryen(modules = WARM_MODULES, functions = WARM_FUNCTIONS): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < modules; i++) out.push(warmModule(functions));
  return out;
}
