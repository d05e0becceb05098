/**
 * A snapshot of the default guest idle at its shell, for the fleet and
 * migration benches (bench/fleet.ts, bench/migration.ts): made once by
 * booting (JIT, 128 MiB, "console=ttyS0 reboot=t" so that `reboot -f` at
 * the shell makes the guest triple-fault), then reused. The boot uses the
 * deterministic clock (a loaded host cannot upset it); the benches resume
 * the snapshot with the realtime clock. The guest's console goes to FILE.log.
 *
 *   node dist/bench/shell-snapshot.js [FILE]   (default /tmp/jitvisor-shell.snap)
 */
import { appendFileSync, existsSync } from 'node:fs';
import { Machine } from '../src/index.js';

export const SHELL_SNAPSHOT = process.env.JITVISOR_SHELL_SNAPSHOT ?? '/tmp/jitvisor-shell.snap';
export const SHELL_CMDLINE = 'console=ttyS0 reboot=t';

/** Type `cmd` and resolve when `answer` shows up in what `collect()` returns after it. */
export async function ask(send: (s: string) => void, collect: () => string, cmd: string, answer: RegExp, ms = 600_000): Promise<number> {
  const from = collect().length;
  const t0 = performance.now();
  send(cmd + '\n');
  while (!answer.test(collect().slice(from))) {
    if (performance.now() - t0 > ms) throw new Error(`no answer to '${cmd}' in ${ms / 1000} s: ${JSON.stringify(collect().slice(from).slice(-300))}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return performance.now() - t0;
}

export async function shellSnapshot(file = SHELL_SNAPSHOT, log = (s: string) => process.stderr.write(s + '\n')): Promise<string> {
  if (existsSync(file)) { log(`using the shell snapshot ${file}`); return file; }
  log(`booting the default guest to its shell (JIT, deterministic clock, 128 MiB) to make ${file} (console in ${file}.log) ...`);
  const m = Machine.create({ engine: 'jit', clock: 'deterministic', memoryMiB: 128, cmdline: SHELL_CMDLINE });
  let out = '';
  m.on('output', (b: Buffer) => { out += b.toString('latin1'); appendFileSync(`${file}.log`, b); });
  const t0 = performance.now();
  const run = m.run();
  while (!(out.includes('GUEST-BOOT-OK') && /\/ # /.test(out.slice(out.indexOf('GUEST-BOOT-OK'))))) {
    if (m.status().state === 'exited') throw new Error(`the guest ended while booting: ${JSON.stringify(m.status().exit)}\n${out.slice(-1000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  log(`at the shell after ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  await ask((s) => m.sendInput(s), () => out, 'echo $((6*7))', /\n42\r?\n/);
  await new Promise((r) => setTimeout(r, 2000)); // let it settle into idle
  const saved = await m.saveSnapshot(file);
  log(`saved ${file}: ${(saved.bytes / 1048576).toFixed(1)} MiB, guest paused ${saved.pauseMs.toFixed(1)} ms`);
  m.stop();
  await run;
  return file;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await shellSnapshot(process.argv[2]);
}
