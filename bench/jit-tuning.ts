/**
 * JIT tiering knobs, measured: boots the default guest (deterministic clock,
 * so every configuration runs the very same guest instructions) for
 * --instructions, once per configuration, each in its own child process,
 * and prints wall and CPU time (all threads: the compile worker included),
 * the share of instructions run in compiled code, blocks and modules
 * compiled, worker and main-thread compile time, and peak RSS.
 *
 *   node dist/bench/jit-tuning.js [--instructions 2e9] [--configs 50/64,20/64,200/64,50/16,50/256]
 *
 * A configuration is threshold/batch. One child at a time.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';

const { values: o } = parseArgs({
  options: {
    instructions: { type: 'string', default: '2e9' },
    configs: { type: 'string', default: '50/64,20/64,200/64,50/16,50/256' },
    child: { type: 'string' },
  },
});

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

if (o.child !== undefined) {
  const [threshold, batch] = o.child.split('/').map(Number);
  const { Pc } = await import('../src/pc.js');
  const kernel = new Uint8Array(readFileSync(join(root, 'guests', 'linux-686.bzImage')));
  const initrd = new Uint8Array(readFileSync(join(root, 'guests', 'initramfs.cpio.gz')));
  const pc = new Pc({ engine: 'jit', clock: 'deterministic', jit: { threshold, batch } });
  pc.bootLinux(kernel, 'linux-686.bzImage', 'console=ttyS0', initrd, 'initramfs.cpio.gz');
  const t0 = performance.now();
  await pc.run(Number(o.instructions));
  const ms = performance.now() - t0;
  const c = pc.machine.jit!.counters;
  const cpu = process.cpuUsage();
  const hwm = /VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'latin1'));
  process.stdout.write(JSON.stringify({
    threshold, batch, wallS: ms / 1000, cpuS: (cpu.user + cpu.system) / 1e6, executed: pc.executed,
    compiledShare: pc.compiled / pc.executed, blocks: c.blocksCompiled, modules: c.modulesCompiled,
    workerMs: c.workerEmitMs + c.workerCompileMs, attachMs: c.instantiateMs, latencyMs: c.latencyMs / Math.max(1, c.batchesSent),
    peakRssMiB: hwm ? Number(hwm[1]) / 1024 : 0,
  }) + '\n');
  process.exit(0);
}

process.stdout.write('| threshold | batch | wall s | CPU s | % instr compiled | blocks | modules | worker s | attach ms | latency ms/batch | peak RSS MiB |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n');
for (const cfg of o.configs.split(',')) {
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', cfg, '--instructions', o.instructions], { encoding: 'utf8' });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    const j = JSON.parse(line) as Record<string, number>;
    process.stdout.write(`| ${j.threshold} | ${j.batch} | ${j.wallS.toFixed(1)} | ${j.cpuS.toFixed(1)} | ${(100 * j.compiledShare).toFixed(1)} | ${j.blocks} | ${j.modules} | ` +
      `${(j.workerMs / 1000).toFixed(1)} | ${j.attachMs.toFixed(0)} | ${j.latencyMs.toFixed(0)} | ${j.peakRssMiB.toFixed(0)} |\n`);
  } catch {
    process.stdout.write(`| ${cfg} | failed: ${(r.stderr || line).slice(0, 200)} |\n`);
  }
}
