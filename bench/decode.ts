/**
 * The front end's decode cost and the live heap of its records, without a
 * boot per measurement: record the guest RAM and the live blocks of a
 * deterministic boot at GUEST-BOOT-OK once, then decode all those blocks
 * again (FrontEnd.decode: iced-x86, fillRecord, handler binding, fusion,
 * the Block), as often as wanted, and print the main thread's CPU per
 * decoded instruction and the heap the decoded blocks keep live (after a
 * full GC) per record, its front end's page lists included.
 *
 *   node dist/bench/decode.js record [--file F]
 *   node --expose-gc [--single-threaded-gc] dist/bench/decode.js [--file F] [--rounds 9] [--pair OTHER] [--check] [--fine]
 *
 * record: boots the default guest (JIT, deterministic clock) to
 * GUEST-BOOT-OK and writes F (default bench/.cache/decode-blocks.bin, not
 * committed): the RAM, then each live block's physical address, code size
 * and the page its last instruction straddles into.
 *
 * --pair OTHER: this build (A) and the one in OTHER (a checkout's root,
 * with its own dist/; B), both loaded in this process, alternated round by
 * round, so both see the same machine load. The time is the main thread's
 * CPU (/proc/thread-self/stat, 10 ms ticks), not wall time: a round is
 * ~0.4 s on a quiet machine. --check: compare B's records with A's, every
 * field and handler (a change meant to decode the same must).
 *
 * The CPU is a stand-in (its MMU's probe answers from the recording): only
 * what decode() reads of it.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Block } from '../runtime/records.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DEFAULT_FILE = `${ROOT}bench/.cache/decode-blocks.bin`;
const MAGIC = 0x6a766463; // 'jvdc'

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? dflt : process.argv[i + 1] ?? dflt;
}
const file = arg('file', DEFAULT_FILE);

/** [phys, code32 (0/1), straddled page or -1, records] per block. */
type Rec4 = [number, number, number, number];

if (process.argv[2] === 'record') {
  const { Pc } = await import('../src/pc.js');
  const { RAM_BASE } = await import('../runtime/state/layout.js');
  const kernel = new Uint8Array(readFileSync(`${ROOT}guests/linux-686.bzImage`));
  const initrd = new Uint8Array(readFileSync(`${ROOT}guests/initramfs.cpio.gz`));
  let line: number[] = [];
  const pc = new Pc({
    memoryMiB: 128, engine: 'jit', clock: 'deterministic', onSerialOutput: (b: number) => {
      if (b !== 10) { if (line.length < 200) line.push(b); return; }
      const text = Buffer.from(line).toString('latin1');
      line = [];
      if (!text.startsWith('GUEST-BOOT-OK')) return;
      const pm = pc.cpu.phys;
      const blocks: Rec4[] = [];
      for (const bl of pc.machine.frontEnd.liveBlocks()) blocks.push([bl.phys, bl.code32 ? 1 : 0, bl.pages[1] ?? -1, bl.recs.length]);
      mkdirSync(dirname(file), { recursive: true });
      const fd = openSync(file, 'w');
      const head = new Int32Array([MAGIC, pm.ramSize, blocks.length]);
      writeSync(fd, new Uint8Array(head.buffer));
      writeSync(fd, new Uint8Array(new Int32Array(blocks.flat()).buffer));
      writeSync(fd, pm.u8.subarray(RAM_BASE, RAM_BASE + pm.ramSize));
      closeSync(fd);
      console.log(`${file}: ${blocks.length} blocks, ${blocks.reduce((a, x) => a + x[3], 0)} records`);
      process.exit(0);
    },
  });
  pc.bootLinux(kernel, 'linux-686.bzImage', 'console=ttyS0', initrd, 'initramfs.cpio.gz');
  await pc.run();
  process.exit(1);
}

if (!existsSync(file)) { console.error(`${file}: run 'node dist/bench/decode.js record' first`); process.exit(2); }
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) { console.error('run node with --expose-gc'); process.exit(2); }
const raw = readFileSync(file);
const head = new Int32Array(raw.buffer, raw.byteOffset, 3);
if (head[0] !== MAGIC) { console.error(`${file}: not a decode recording`); process.exit(2); }
const ramSize = head[1]!, n = head[2]!;
const flat = new Int32Array(raw.buffer.slice(raw.byteOffset + 12, raw.byteOffset + 12 + n * 16));
const ram = raw.subarray(12 + n * 16);
const blocks: Rec4[] = [];
for (let i = 0; i < n; i++) blocks.push([flat[4 * i]!, flat[4 * i + 1]!, flat[4 * i + 2]!, flat[4 * i + 3]!]);
const insns = blocks.reduce((a, x) => a + x[3], 0);

/** decodeAll: a fresh front end decodes every recorded block; release: forget it (the CPU stand-in kept a link to it). */
interface Build { name: string; decodeAll(): Block[]; release(): void }

async function load(root: string, name: string): Promise<Build> {
  const fe = await import(resolve(root, 'dist/translator/frontend/blocks.js')) as typeof import('../translator/frontend/blocks.js');
  const { RAM_BASE } = await import(resolve(root, 'dist/runtime/state/layout.js')) as typeof import('../runtime/state/layout.js');
  const u8 = new Uint8Array(RAM_BASE + ramSize);
  u8.set(ram, RAM_BASE);
  const straddle = new Map(blocks.map(([phys, , p1]) => [phys, p1]));
  let cur = 0;
  const cpu = {
    phys: { u8, ramSize, read8: (p: number): number => u8[RAM_BASE + p]!, codePages: new Uint8Array(ramSize >>> 12) },
    mmu: {
      // The next page of the block being decoded: the recorded one for a straddling block, else the next physical page.
      probe: (): number => {
        const p1 = straddle.get(cur) ?? -1;
        if (p1 >= 0) return p1 * 4096;
        const next = (cur & ~0xfff) + 4096;
        return next < ramSize ? next : -1;
      },
      translate: (): never => { throw new Error('bench/decode: a block starts in a page it cannot fetch'); },
      setCodeFlag: (): void => undefined,
      onCodeWrite: null as unknown,
    },
    icountNumber: (): number => 0,
  };
  return {
    name,
    decodeAll(): Block[] {
      const f = new fe.FrontEnd(cpu as unknown as ConstructorParameters<typeof fe.FrontEnd>[0], { gcAfterEvict: false });
      // Paired RETs look through the TLB at the call's target (retAt), which this stand-in has not.
      // Paired thunks read the thunk's bytes through it too (thunkWordAt).
      (f as unknown as { pairRets: boolean }).pairRets = false;
      (f as unknown as { pairThunks: boolean }).pairThunks = false;
      const dec = (f as unknown as { decode(phys: number, lin: number, code32: boolean): Block }).decode.bind(f);
      const out: Block[] = [];
      for (const [phys, c32] of blocks) { cur = phys; out.push(dec(phys, phys, c32 === 1)); }
      return out;
    },
    release(): void { cpu.mmu.onCodeWrite = null; },
  };
}

/** --fine: the process's CPU in microseconds (process.cpuUsage) instead of the main thread's 10 ms ticks: run node with --single-threaded-gc so the process is the main thread. */
const fine = process.argv.includes('--fine');
function cpuMs(): number {
  if (fine) { const u = process.cpuUsage(); return (u.user + u.system) / 1000; }
  const st = readFileSync('/proc/thread-self/stat', 'latin1');
  const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

const other = process.argv.includes('--pair') ? arg('pair', '') : null;
const builds = [await load(ROOT, 'A (this build)')];
if (other !== null) builds.push(await load(other, `B (${other})`));

if (process.argv.includes('--check') && builds.length === 2) {
  const ACC = ['off', 'next', 'code', 'mnemonic', 'len', 'osz', 'asz', 'k0', 'k1', 'k2', 'r0', 'r1', 'r2', 's0', 's1', 'seg', 'bnd', 'base', 'index',
    'scale', 'rep', 'alu', 'shift', 'strop', 'cc', 'ends', 'term', 'lock', 'folded', 'idx', 'imm', 'imm2', 'msz', 'disp', 'sub', 'flagsRead', 'flagsWritten'];
  const desc = (r: Record<string, unknown>): string => {
    const o: Record<string, unknown> = {};
    for (const k of ACC) o[k] = r[k];
    for (const k of ['exec', 'midExec', 'foldExec', 'plain']) o[k] = (r[k] as { name?: string } | null)?.name ?? null;
    o.pair = r.plain !== null ? (r.idx as number) + 1 : -1; // a fused record runs the next one
    return JSON.stringify(o);
  };
  const a = builds[0]!.decodeAll(), b = builds[1]!.decodeAll();
  let diffs = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!, y = b[i]!;
    if (x.recs.length !== y.recs.length || x.length !== y.length || String(x.pages) !== String(y.pages)) { if (diffs++ < 5) console.log(`block ${x.phys.toString(16)} differs`); continue; }
    for (let k = 0; k < x.recs.length; k++) {
      const dx = desc(x.recs[k] as unknown as Record<string, unknown>), dy = desc(y.recs[k] as unknown as Record<string, unknown>);
      if (dx !== dy && diffs++ < 5) console.log(`block ${x.phys.toString(16)} record ${k}:\n  A ${dx}\n  B ${dy}`);
    }
  }
  console.log(`check: ${insns} records of ${a.length} blocks compared, ${diffs} differences`);
  for (const x of builds) x.release();
}

const rounds = Number(arg('rounds', '9'));
const res = builds.map(() => ({ ms: [] as number[], bytes: [] as number[] }));
/** The round's blocks, held until its heap is measured. */
let hold: Block[] = [];
for (let k = 0; k < rounds; k++) {
  builds.forEach((b, i) => {
    gc();
    const h0 = process.memoryUsage().heapUsed;
    const t0 = cpuMs();
    hold = b.decodeAll();
    const t1 = cpuMs();
    gc();
    const h1 = process.memoryUsage().heapUsed;
    if (hold.length !== blocks.length) throw new Error('lost blocks');
    hold = [];
    b.release();
    res[i]!.ms.push(t1 - t0);
    res[i]!.bytes.push((h1 - h0) / insns);
  });
}
const median = (a: number[]): number => [...a].sort((x, y) => x - y)[a.length >> 1]!;
console.log(`${blocks.length} blocks, ${insns} records; ${rounds} rounds${builds.length > 1 ? ', alternated' : ''}; main-thread CPU ms per round, median; live heap per record after a full GC`);
builds.forEach((b, i) => {
  const r = res[i]!;
  console.log(`${b.name}: ${r.ms.map((x) => Math.round(x)).join(' ')} ms; median ${median(r.ms)} ms = ${(1000 * median(r.ms) / insns).toFixed(3)} us/record; ${median(r.bytes).toFixed(1)} bytes/record`);
});
if (builds.length > 1) {
  const ratios = res[0]!.ms.map((a, k) => res[1]!.ms[k]! / a);
  console.log(`B/A: CPU ${(median(res[1]!.ms) / median(res[0]!.ms)).toFixed(3)} (median of the per-round ratios ${median(ratios).toFixed(3)}), heap ${(median(res[1]!.bytes) / median(res[0]!.bytes)).toFixed(3)}`);
}
