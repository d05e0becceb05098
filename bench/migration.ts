/**
 * Live migration of the default guest idle at its shell (128 MiB, JIT,
 * realtime clock) over loopback to a second jitvisor process
 * (`jitvisor run --incoming`), which must then answer a command typed at
 * the shell: downtime, bytes, rounds. Opt-in: `npm run bench:migration`
 * [-- RUNS] (default 3). Uses bench/shell-snapshot.ts's snapshot (booting
 * once to make it if it is missing).
 */
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Machine, type MigrationReport } from '../src/index.js';
import { ask, shellSnapshot } from './shell-snapshot.js';

const BIN = fileURLToPath(new URL('../../bin/jitvisor.js', import.meta.url));
const runs = Number(process.argv[2] ?? 3);
const file = await shellSnapshot();
const reports: MigrationReport[] = [];
for (let i = 0; i < runs; i++) {
  const src = await Machine.restore(file, { engine: 'jit', clock: 'realtime' });
  const running = src.run();
  let srcOut = '';
  src.on('output', (b: Buffer) => { srcOut += b.toString('latin1'); });
  await ask((s) => src.sendInput(s), () => srcOut, 'echo source-$((6*7))', /source-42/);
  await new Promise((r) => setTimeout(r, 3000));
  const dst = spawn(process.execPath, [BIN, 'run', '--incoming', 'tcp:127.0.0.1:0'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '', out = '';
  dst.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  dst.stdout.on('data', (d: Buffer) => { out += d.toString('latin1'); });
  while (!/waiting for a migration on (tcp:\S+)/.test(err)) {
    if (dst.exitCode !== null) throw new Error(err);
    await new Promise((r) => setTimeout(r, 50));
  }
  const target = /waiting for a migration on (tcp:\S+)/.exec(err)![1];
  const report = await src.migrate(target);
  await running;
  const answerMs = await ask((s) => dst.stdin.write(s), () => out, 'echo $((6*7))', /\n42\r?\n/);
  dst.kill('SIGTERM');
  await new Promise((r) => dst.on('exit', r));
  reports.push(report);
  console.log(JSON.stringify({
    run: i + 1, downtimeMs: +report.downtimeMs.toFixed(1), totalMs: +report.totalMs.toFixed(0), sentMiB: +(report.bytesSent / 1048576).toFixed(1),
    rounds: report.rounds.map((r) => `${r.final ? 'final' : r.round}:${r.pages}p`).join(' '), stateBytes: report.stateBytes,
    destinationApplyMs: +report.destinationApplyMs.toFixed(1), breakdown: Object.fromEntries(Object.entries(report.breakdown).map(([k, v]) => [k, +v.toFixed(1)])),
    answerAfterMs: +answerMs.toFixed(0), loadavg: loadavg().map((x) => +x.toFixed(1)),
  }));
}
const d = reports.map((r) => r.downtimeMs).sort((a, b) => a - b);
console.log(`downtime over ${runs} runs: median ${d[d.length >> 1].toFixed(1)} ms, min ${d[0].toFixed(1)} ms, max ${d[d.length - 1].toFixed(1)} ms`);
