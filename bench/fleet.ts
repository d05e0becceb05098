/**
 * The fleet with the default guest at its shell (opt-in: `npm run
 * bench:fleet` [-- N], default 4): N VMs resumed from the shell snapshot
 * (bench/shell-snapshot.ts; 128 MiB, JIT, realtime clock), each in its own
 * worker thread, each answers `echo $((6*7))`; one is made to triple-fault
 * (`reboot -f` with reboot=t: Linux loads an empty IDT and executes int3)
 * and the others keep answering; then the memory each VM costs (process
 * RSS growth / N), the idle CPU they use, and what one stopped VM gives
 * back. BOOT=1 boots them from the kernel instead of resuming the snapshot
 * (slow: a full boot each).
 */
import { loadavg, totalmem } from 'node:os';
import { Fleet } from '../src/index.js';
import { ask, shellSnapshot, SHELL_CMDLINE } from './shell-snapshot.js';

const n = Number(process.argv[2] ?? 4);
const boot = process.env.BOOT === '1';
const file = boot ? null : await shellSnapshot();
const mib = (b: number) => +(b / 1048576).toFixed(0);
const rss = () => process.memoryUsage().rss;
const settle = () => new Promise((r) => setTimeout(r, 5000));
globalThis.gc?.();
const base = rss();
const fleet = new Fleet();
const out = new Map<string, string>();
fleet.on('output', (name: string, b: Buffer) => out.set(name, (out.get(name) ?? '') + b.toString('latin1')));
const names = Array.from({ length: n }, (_, i) => `vm${i + 1}`);
const t0 = performance.now();
await Promise.all(names.map((name) => fleet.start(file
  ? { name, restore: file, engine: 'jit', clock: 'realtime' }
  : { name, engine: 'jit', clock: 'realtime', memoryMiB: 128, cmdline: SHELL_CMDLINE })));
console.log(`${n} VMs started in ${((performance.now() - t0) / 1000).toFixed(1)} s (${file ? 'resumed from ' + file : 'booting'})`);
const answer = (name: string, cmd: string, re: RegExp, ms?: number) => ask((s) => fleet.send(name, s), () => out.get(name) ?? '', cmd, re, ms);
if (boot) {
  for (const name of names) {
    while (!(out.get(name) ?? '').includes('GUEST-BOOT-OK')) await new Promise((r) => setTimeout(r, 500));
  }
  console.log(`all at the shell after ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
const first = await Promise.all(names.map((name) => answer(name, 'echo $((6*7))', /\n42\r?\n/)));
console.log(`all answered echo $((6*7)) = 42 (${first.map((x) => x.toFixed(0)).join(', ')} ms)`);
await settle();
const withAll = rss();
// Idle CPU: the whole process over 10 s.
const c0 = process.cpuUsage(), w0 = performance.now();
await new Promise((r) => setTimeout(r, 10_000));
const c1 = process.cpuUsage(c0), idleCpu = (c1.user + c1.system) / 1000 / (performance.now() - w0);
// One made to triple-fault from its shell.
const victim = names[n > 1 ? 1 : 0];
fleet.send(victim, 'reboot -f\n');
const v = await fleet.ended(victim);
console.log(`${victim} ended: ${v.exit?.kind}${v.exit?.kind === 'triple-fault' ? ` (${v.exit.detail.reason})` : ''}`);
const others = names.filter((x) => x !== victim);
const again = await Promise.all(others.map((name) => answer(name, 'echo still $((6*7))', /still 42/)));
console.log(`the other ${others.length} still answer (${again.map((x) => x.toFixed(0)).join(', ')} ms)`);
await settle();
globalThis.gc?.();
const afterFault = rss();
await fleet.stop(others[0]);
await settle();
globalThis.gc?.();
const afterStop = rss();
const status = await fleet.status(others[others.length - 1]);
console.log(JSON.stringify({
  vms: n, baseRssMiB: mib(base), rssWithAllMiB: mib(withAll), perVmMiB: mib((withAll - base) / n),
  idleCpuCoresAllVms: +idleCpu.toFixed(3), idleCpuPerVmPercent: +(100 * idleCpu / n).toFixed(2),
  rssAfterTripleFaultMiB: mib(afterFault), freedByTripleFaultMiB: mib(withAll - afterFault),
  rssAfterStopMiB: mib(afterStop), freedByStopMiB: mib(afterFault - afterStop),
  hostMemMiB: mib(totalmem()), vmsPerHostByMemory: Math.floor((totalmem() - base) / ((withAll - base) / n)),
  lastVmInstructions: status.last?.instructions, loadavg: loadavg().map((x) => +x.toFixed(1)),
}));
await fleet.close();
