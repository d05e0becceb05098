/**
 * The compile worker's emit cost, deterministically: record the compile
 * requests of a deterministic boot once, then replay them through
 * `emitModule` (translator/jit/compile.ts) in this one thread, as often as
 * wanted, and print the cost per block split into unpack / IR build /
 * emitBinary / the rest (function sizes, dispose), and the bytes per block.
 *
 *   node dist/bench/emit.js record [--instructions 3e9] [--file F]
 *   node dist/bench/emit.js [--file F] [--passes 3] [--hashes H] [--limit N]
 *   node dist/bench/emit.js --pair OTHER [--passes 3] [--limit N] [--cpu]
 *   (replay and --pair: --gc-every N forces a full GC every N requests, as the worker does every
 *   16 modules (worker.ts GC_EVERY): what a full GC costs code generation shows only with it)
 *   (replay and --pair: --opts JSON merges EmitOptions over every request's, for the bytes of an option's variants;
 *   --pair gives it to both builds, an option the other build lacks is ignored there)
 *
 * record: boots the default guest (deterministic clock, default JIT
 * options) for --instructions and appends every request's packed blocks
 * (pack.ts) and EmitOptions to F (default bench/.cache/emit-requests.bin,
 * not committed: it is tied to the Rec fields of the build that wrote it).
 *
 * replay: one untimed warm-up pass (binaryen.js and V8's lazy compilation),
 * then --passes timed passes; the split is the fastest pass's (with its
 * CPU time: above wall means V8's GC threads, below means descheduled). `sha256` covers
 * every emitted module's bytes in order: a change meant to keep the output
 * byte-for-byte the same must keep it. --hashes H writes each module's hash
 * to H if it does not exist, else compares with it and lists the modules
 * that differ (which request, how many blocks).
 *
 * --pair OTHER: this build (A) against the build in OTHER (a checkout's
 * root, with its own dist/; B), both loaded in this process and alternated
 * request by request, so both see the same machine load: prints B's time
 * over A's (sums of total, IR build, emitBinary, and the median of the
 * per-request ratios). On this 2-core machine shared with other runs, only
 * such ratios mean something; a copy of the same dist/ gives ~1.00 (null
 * pair). The two builds must not share binaryen's instance: a different
 * checkout (or copy) does not. --limit N: the first N
 * requests only (e.g. under valgrind --tool=callgrind, whose instruction
 * counts do not depend on the machine's load, unlike every time here).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MAGIC, load, recFields, type Request } from './emit-recording.js';
import type { EmitOptions } from '../translator/jit/compile.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DEFAULT_FILE = `${ROOT}bench/.cache/emit-requests.bin`;

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const v = process.argv[i + 1];
  if (v === undefined) { console.error(`--${name} needs a value`); process.exit(2); }
  return v;
}


/** File: magic line, header JSON line, then per request: u32 JSON length, JSON opts, u32 f64 count, f64s (little-endian). */
async function record(file: string, instructions: number): Promise<void> {
  const { CompileClient } = await import('../translator/jit/worker-client.js');
  const { Machine } = await import('../src/vm.js');
  mkdirSync(dirname(file), { recursive: true });
  const fd = openSync(file, 'w');
  writeSync(fd, `${MAGIC}\n${JSON.stringify({ fields: recFields(), instructions })}\n`);
  let requests = 0, blocks = 0;
  const send = CompileClient.prototype.send;
  CompileClient.prototype.send = function (this: InstanceType<typeof CompileClient>, packed: Float64Array, opts: EmitOptions): number {
    // Copied before send transfers (detaches) the buffer.
    const json = Buffer.from(JSON.stringify(opts));
    const head = Buffer.alloc(4);
    head.writeUInt32LE(json.length);
    const count = Buffer.alloc(4);
    count.writeUInt32LE(packed.length);
    writeSync(fd, Buffer.concat([head, json, count, Buffer.from(packed.buffer, packed.byteOffset, packed.byteLength)]));
    requests++;
    blocks += packed[0]!;
    return send.call(this, packed, opts);
  };
  const m = Machine.create({ clock: 'deterministic' });
  const t0 = performance.now();
  await m.run({ instructions });
  closeSync(fd);
  const k = m.jitCounters();
  console.log(`recorded ${requests} requests, ${blocks} blocks in ${((performance.now() - t0) / 1000).toFixed(1)} s -> ${file}`);
  console.log(`boot worker: emit ${k?.workerEmitMs?.toFixed(0)} ms, V8 compile ${k?.workerCompileMs?.toFixed(0)} ms, ${k?.blocksCompiled} blocks, ${k?.modulesCompiled} modules`);
  process.exit(0);
}

/** --opts JSON: EmitOptions merged over every recorded request's (e.g. '{"quietCC":false}': bytes of one option's variants). */
const OVERRIDE = JSON.parse(process.argv.includes('--opts') ? process.argv[process.argv.indexOf('--opts') + 1] ?? '{}' : '{}') as Partial<EmitOptions>;

interface Pass { unpack: number; build: number; binary: number; total: number; cpu: number; bytes: number; hashes: string[] }

/** --gc-every N: a full GC every N requests (0: none). */
const GC_EVERY = Number(arg('gc-every', '0'));
const { collectGarbage } = await import('../translator/frontend/gc.js');

async function replay(file: string, passes: number, hashFile: string | null, limit: number): Promise<void> {
  const reqs = load(file).slice(0, limit);
  const { unpackBlocks } = await import('../translator/jit/pack.js');
  const { emitModule } = await import('../translator/jit/compile.js');
  let done = 0;
  const blocks = reqs.reduce((s, r) => s + r.packed[0]!, 0);
  const run = (): Pass => {
    const r: Pass = { unpack: 0, build: 0, binary: 0, total: 0, cpu: 0, bytes: 0, hashes: [] };
    const c0 = process.cpuUsage();
    for (const q of reqs) {
      const t0 = performance.now();
      const b = unpackBlocks(q.packed);
      const t1 = performance.now();
      const e = emitModule(b, { ...q.opts, ...OVERRIDE });
      const t2 = performance.now();
      r.unpack += t1 - t0;
      r.total += t2 - t0;
      r.build += e.timing?.buildMs ?? 0;
      r.binary += e.timing?.binaryMs ?? 0;
      r.bytes += e.bytes.length;
      r.hashes.push(createHash('sha256').update(e.bytes).digest('hex'));
      if (GC_EVERY > 0 && ++done % GC_EVERY === 0) collectGarbage(); // in the pass's CPU time: the worker pays it too
    }
    const c = process.cpuUsage(c0);
    r.cpu = (c.user + c.system) / 1000;
    return r;
  };
  run();
  const runs: Pass[] = [];
  for (let i = 0; i < passes; i++) runs.push(run());
  // The fastest pass: on a shared machine the slower ones mostly measure being descheduled.
  const best = runs.reduce((a, b) => (b.total < a.total ? b : a));
  const per = (f: (p: Pass) => number): string => (f(best) / blocks * 1000).toFixed(1).padStart(7);
  console.log(`${reqs.length} modules, ${blocks} blocks (${(blocks / reqs.length).toFixed(1)} a module); fastest of ${passes} passes after a warm-up`);
  console.log(`us/block:  total ${per((p) => p.total)}   unpack ${per((p) => p.unpack)}   IR build ${per((p) => p.build)}   emitBinary ${per((p) => p.binary)}   other ${per((p) => p.total - p.unpack - p.build - p.binary)}   (CPU ${per((p) => p.cpu)})`);
  console.log(`every pass: wall ${runs.map((p) => p.total.toFixed(0)).join(' ')} ms, CPU ${runs.map((p) => p.cpu.toFixed(0)).join(' ')} ms`);
  console.log(`bytes/block: ${(runs[0]!.bytes / blocks).toFixed(0)}   (${(runs[0]!.bytes / reqs.length / 1024).toFixed(1)} KiB a module)`);
  const all = createHash('sha256');
  for (const h of runs[0]!.hashes) all.update(h);
  console.log(`sha256 of the modules: ${all.digest('hex')}`);
  if (runs.some((p) => p.hashes.join() !== runs[0]!.hashes.join())) console.log('WARNING: the passes emitted different bytes');
  if (hashFile !== null) {
    if (!existsSync(hashFile)) {
      writeFileSync(hashFile, runs[0]!.hashes.join('\n') + '\n');
      console.log(`module hashes written to ${hashFile}`);
    } else {
      const ref = readFileSync(hashFile, 'utf8').trim().split('\n');
      const diff = runs[0]!.hashes.flatMap((h, i) => (h !== ref[i] ? [i] : []));
      if (ref.length !== reqs.length) console.log(`${hashFile}: ${ref.length} hashes for ${reqs.length} modules`);
      console.log(diff.length === 0 ? `identical to ${hashFile}` : `${diff.length} modules differ from ${hashFile}: ${diff.slice(0, 20).map((i) => `#${i} (${reqs[i]!.packed[0]} blocks)`).join(', ')}`);
    }
  }
}

type Emitter = { unpackBlocks: typeof import('../translator/jit/pack.js').unpackBlocks; emitModule: typeof import('../translator/jit/compile.js').emitModule };

async function emitterAt(root: string): Promise<Emitter> {
  const url = (f: string): string => new URL(`dist/translator/jit/${f}`, `file://${root.endsWith('/') ? root : `${root}/`}`).href;
  const pack = (await import(url('pack.js'))) as Pick<Emitter, 'unpackBlocks'>;
  const compile = (await import(url('compile.js'))) as Pick<Emitter, 'emitModule'>;
  return { unpackBlocks: pack.unpackBlocks, emitModule: compile.emitModule };
}

async function pair(file: string, other: string, passes: number, limit: number): Promise<void> {
  const reqs = load(file).slice(0, limit);
  const a = await emitterAt(ROOT), b = await emitterAt(other);
  // --cpu: the total is the process's CPU time (getrusage: not the time descheduled, which on a loaded
  // machine is most of the wall time; V8's helper threads count, as they do in the worker).
  const cpu = process.argv.includes('--cpu');
  const now = (): number => {
    if (!cpu) return performance.now();
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  const one = (e: Emitter, q: Request): [number, number, number] => {
    const t0 = now();
    const out = e.emitModule(e.unpackBlocks(q.packed), { ...q.opts, ...OVERRIDE });
    return [now() - t0, out.timing?.buildMs ?? 0, out.timing?.binaryMs ?? 0];
  };
  for (const q of reqs) { one(a, q); one(b, q); }
  const sa = [0, 0, 0], sb = [0, 0, 0];
  const ratios: number[] = [];
  for (let k = 0; k < passes; k++) {
    reqs.forEach((q, i) => {
      // Untimed: one collection for both builds.
      if (GC_EVERY > 0 && i % GC_EVERY === GC_EVERY - 1) collectGarbage();
      // Alternate which build goes first.
      const [ra, rb] = (i + k) % 2 === 0 ? [one(a, q), one(b, q)] : (([y, x]) => [x, y])([one(b, q), one(a, q)]);
      for (let j = 0; j < 3; j++) { sa[j]! += ra[j]!; sb[j]! += rb[j]!; }
      ratios.push(rb[0] / ra[0]);
    });
  }
  ratios.sort((x, y) => x - y);
  const r = (j: number): string => (sb[j]! / sa[j]!).toFixed(3);
  console.log(`A = ${ROOT}, B = ${other}: ${reqs.length} modules x ${passes} passes, alternated${cpu ? '; total = process CPU' : ''}`);
  console.log(`A ms: total ${sa[0]!.toFixed(0)}, IR build ${sa[1]!.toFixed(0)}, emitBinary ${sa[2]!.toFixed(0)}; B ms: total ${sb[0]!.toFixed(0)}, IR build ${sb[1]!.toFixed(0)}, emitBinary ${sb[2]!.toFixed(0)}`);
  console.log(`B/A: total ${r(0)}, IR build ${r(1)}, emitBinary ${r(2)}; median per-module ratio ${ratios[ratios.length >> 1]!.toFixed(3)}`);
}

const file = arg('file', DEFAULT_FILE);
if (process.argv[2] === 'record') await record(file, Number(arg('instructions', '3e9')));
else if (process.argv.includes('--pair')) await pair(file, arg('pair', ''), Number(arg('passes', '3')), Number(arg('limit', 'Infinity')));
else await replay(file, Number(arg('passes', '3')), process.argv.includes('--hashes') ? arg('hashes', '') : null, Number(arg('limit', 'Infinity')));
