/**
 * x87 loop speed: a tight loop of x87 arithmetic on doubles (as compiled C
 * keeps intermediates on the x87 stack), run under each precision control,
 * next to an integer loop of the same length, on both engines. Prints
 * millions of guest instructions per CPU second (process.cpuUsage: user +
 * system, so other processes on a shared machine count less than in wall
 * time) and the x87/integer ratio (compare ratios within one run;
 * docs/fpu.md "Speed").
 *
 *   node dist/bench/x87-loop.js [iterations]
 */
import { runSnippet, type EngineName } from '../src/snippet.js';

const N = Number(process.argv[2] ?? 200000);
const DATA = 0x20000;

// fninit; fldcw [DATA+16]; mov ecx, n
// loop: fld qword [DATA]; fmul st(0), st(0); fadd qword [DATA+8]; fsqrt; fdiv qword [DATA+8]; fstp qword [DATA+24]; dec ecx; jnz loop
function x87Loop(n: number): Uint8Array {
  const b: number[] = [0xdb, 0xe3, 0xd9, 0x2d, ...le(DATA + 16), 0xb9, ...le(n)];
  const loop = b.length;
  b.push(0xdd, 0x05, ...le(DATA));          // fld qword [DATA]
  b.push(0xd8, 0xc8);                        // fmul st, st(0)
  b.push(0xdc, 0x05, ...le(DATA + 8));      // fadd qword [DATA+8]
  b.push(0xd9, 0xfa);                        // fsqrt
  b.push(0xdc, 0x35, ...le(DATA + 8));      // fdiv qword [DATA+8]
  b.push(0xdd, 0x1d, ...le(DATA + 24));     // fstp qword [DATA+24]
  b.push(0x49);                              // dec ecx
  b.push(0x75, (loop - (b.length + 2)) & 0xff); // jnz loop
  b.push(0xf4);
  return Uint8Array.from(b);
}
function intLoop(n: number): Uint8Array {
  const b: number[] = [0xb9, ...le(n), 0x31, 0xc0];
  const loop = b.length;
  // 7 instructions like the x87 body: add, imul, xor, shr, sub, mov [mem], dec; jnz
  b.push(0x01, 0xc8, 0x69, 0xc0, 0x05, 0, 0, 0, 0x31, 0xc8, 0xc1, 0xe8, 0x03, 0x29, 0xc8, 0xa3, ...le(DATA + 32), 0x49);
  b.push(0x75, (loop - (b.length + 2)) & 0xff);
  b.push(0xf4);
  return Uint8Array.from(b);
}
function le(v: number): number[] { return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff]; }

function data(cw: number): Uint8Array {
  const d = new Uint8Array(32);
  const v = new DataView(d.buffer);
  v.setFloat64(0, 1.2345678901234567, true);
  v.setFloat64(8, 3.0000000000000004, true);
  v.setUint16(16, cw, true);
  return d;
}

/** Guest instructions per CPU second of the loop alone: a run of N iterations minus a run of N/10 (machine set-up cancels). */
function time(engine: EngineName, make: (n: number) => Uint8Array, cw: number, n = N): number {
  const run = (n: number): [number, number] => {
    const t0 = process.cpuUsage();
    const r = runSnippet({ code: make(n), engine, memory: [{ addr: DATA, bytes: data(cw) }], maxInstructions: 1e9 });
    const u = process.cpuUsage(t0), dt = (u.user + u.system) / 1e6;
    if (r.stop !== 'hlt') throw new Error(`stopped: ${r.stop}`);
    return [r.instructions, dt];
  };
  run(Math.max(1, Math.floor(n / 10))); // warm-up (module and code caches)
  const [i1, t1] = run(Math.max(1, Math.floor(n / 10)));
  const [i2, t2] = run(n);
  return (i2 - i1) / (t2 - t1) / 1e6;
}

for (const engine of ['interpreter', 'jit'] as EngineName[]) {
  const mi = time(engine, intLoop, 0x37f, 20 * N);
  const row = [`${engine}: integer ${mi.toFixed(1)} M/s`];
  for (const [name, cw] of [['PC64', 0x37f], ['PC53', 0x27f], ['PC24', 0x07f]] as const) {
    const m = time(engine, x87Loop, cw);
    row.push(`x87 ${name} ${m.toFixed(1)} M/s (${(m / mi).toFixed(2)})`);
  }
  console.log(row.join(', '));
}
