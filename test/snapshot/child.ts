/**
 * A separate process for the snapshot tests (a restore must happen in a
 * new process): boots the default guest or restores a snapshot through the
 * library API, optionally types on the console, runs for a number of
 * instructions or until the console shows a pattern, optionally saves a
 * snapshot there, and prints one JSON line: the console output of this run
 * (base64), the state hash, the instruction count.
 *
 *   node child.js '{"engine":"jit","boot":true,"instructions":20000000,"save":"/tmp/a.snap"}'
 *   node child.js '{"engine":"jit","restore":"/tmp/a.snap","instructions":10000000}'
 *   node child.js (boot, with "until": "GUEST-BOOT-OK[^]*[/] # " and "save": a file): a snapshot at the shell
 */
import { Machine } from '../../src/index.js';
import type { EngineName } from '../../src/index.js';

interface Args {
  engine: EngineName;
  boot?: boolean;
  restore?: string;
  memoryMiB?: number;
  /** Typed on the console before running. */
  input?: string;
  instructions?: number;
  /** Run until the console output of this run matches (a RegExp source), then pause. */
  until?: string;
  save?: string;
}

const args = JSON.parse(process.argv[2]) as Args;
const m = args.restore
  ? await Machine.restore(args.restore, { engine: args.engine, clock: 'deterministic' })
  : Machine.create({ engine: args.engine, clock: 'deterministic', ...(args.memoryMiB ? { memoryMiB: args.memoryMiB } : {}) });
const chunks: Buffer[] = [];
let text = '';
const until = args.until ? new RegExp(args.until) : null;
let matched = false;
m.on('output', (b: Buffer) => {
  chunks.push(b);
  if (until && !matched) {
    text += b.toString('latin1');
    if (until.test(text)) { matched = true; void m.pause(); }
  }
});
if (args.input) m.sendInput(args.input);
const t0 = performance.now();
let exit: string;
if (until) {
  const run = m.run(args.instructions ? { instructions: args.instructions } : {});
  const paused = new Promise<string>((resolve) => { const t = setInterval(() => { if (matched && m.status().state === 'paused') { clearInterval(t); resolve('matched'); } }, 5); void run.then((e) => { clearInterval(t); resolve(e.kind); }); });
  // Long runs (a boot) say how far they are on stderr.
  const progress = setInterval(() => process.stderr.write(`child: ${m.status().instructions} instructions, ${((performance.now() - t0) / 1000).toFixed(0)} s\n`), 30_000);
  exit = await paused;
  clearInterval(progress);
} else {
  exit = (await m.run({ instructions: args.instructions ?? 0 })).kind;
}
const ranMs = performance.now() - t0;
let saved: unknown = null;
if (args.save) saved = await m.saveSnapshot(args.save);
const st = m.status();
process.stdout.write(JSON.stringify({
  exit, instructions: st.instructions, hash: m.stateHash(), serial: Buffer.concat(chunks).toString('base64'), saved, ranMs,
}) + '\n');
m.stop();
await m.settled();
