/**
 * The compile worker's first requests, cold: fresh processes, each emitting
 * the first N requests of an emit recording (bench/emit.ts record) in one
 * thread as the worker does (iced enums stand-in, compile.js, then each
 * request's emitModule and new WebAssembly.Module), with or without the
 * worker's binaryen warm-up first (translator/jit/warm-binaryen.ts);
 * interleaved (A B B A ...). Per request: thread CPU ms (schedstat: what
 * the machine's load does not stretch), wall ms.
 *
 *   node dist/bench/cold-emit.js [--file F] [--limit 3] [--runs 6]
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TUNED_NODE_FLAGS } from '../src/host-tuning.js';
import { mainThreadNs } from './thread-cpu.js';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? dflt : process.argv[i + 1] ?? dflt;
}
const file = arg('file', fileURLToPath(new URL('../../bench/.cache/emit-requests.bin', import.meta.url)));
const limit = Number(arg('limit', '3'));

interface Result { warm: boolean; warmMs: number; cpu: number[]; wall: number[]; blocks: number[] }

async function child(warm: boolean): Promise<Result> {
  const { installIcedEnums } = await import('../translator/jit/iced-enums.js');
  installIcedEnums();
  const { load } = await import('./emit-recording.js');
  const { emitModule } = await import('../translator/jit/compile.js');
  const { unpackBlocks } = await import('../translator/jit/pack.js');
  const reqs = load(file).slice(0, limit);
  const c0 = mainThreadNs();
  if (warm) (await import('../translator/jit/warm-binaryen.js')).warmBinaryen();
  const warmMs = (mainThreadNs() - c0) / 1e6;
  const r: Result = { warm, warmMs, cpu: [], wall: [], blocks: [] };
  for (const q of reqs) {
    const c = mainThreadNs(), t = performance.now();
    const e = emitModule(unpackBlocks(q.packed), q.opts);
    new WebAssembly.Module(e.bytes as Uint8Array<ArrayBuffer>);
    r.cpu.push((mainThreadNs() - c) / 1e6);
    r.wall.push(performance.now() - t);
    r.blocks.push(e.names.length);
  }
  return r;
}

if (process.argv.includes('--child')) {
  const r = await child(process.argv.includes('--warm'));
  process.stdout.write(`${JSON.stringify(r)}\n`);
} else {
  const runs = Number(arg('runs', '6'));
  const all: Result[] = [];
  const me = fileURLToPath(import.meta.url);
  for (let k = 0; k < runs; k++) {
    for (const warm of k % 2 === 0 ? [false, true] : [true, false]) {
      const out = spawnSync(process.execPath, [...TUNED_NODE_FLAGS, me, '--child', ...(warm ? ['--warm'] : []), '--file', file, '--limit', String(limit)], { encoding: 'utf8' });
      if (out.status !== 0) throw new Error(out.stderr);
      const r = JSON.parse(out.stdout.trim().split('\n').pop()!) as Result;
      all.push(r);
      console.log(`${warm ? 'warm' : 'cold'}: warm-up ${r.warmMs.toFixed(0)} ms | per request (blocks: cpu/wall ms) ${r.cpu.map((c, i) => `${r.blocks[i]}: ${c.toFixed(0)}/${r.wall[i]!.toFixed(0)}`).join(', ')} | sum cpu ${r.cpu.reduce((a, b) => a + b, 0).toFixed(0)}`);
    }
  }
  const med = (v: number[]): number => { const t = [...v].sort((a, b) => a - b); return t.length % 2 ? t[t.length >> 1]! : (t[t.length / 2 - 1]! + t[t.length / 2]!) / 2; };
  for (const warm of [false, true]) {
    const rs = all.filter((r) => r.warm === warm);
    console.log(`${warm ? 'warm' : 'cold'} medians: warm-up ${med(rs.map((r) => r.warmMs)).toFixed(0)} ms, per request cpu ${rs[0]!.cpu.map((_, i) => med(rs.map((r) => r.cpu[i]!)).toFixed(0)).join(' ')} ms, sum ${med(rs.map((r) => r.cpu.reduce((a, b) => a + b, 0))).toFixed(0)}`);
  }
}
