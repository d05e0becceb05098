/**
 * `jitvisor profile`: run a guest on the JIT and report what the
 * translation cache did (src/report/profile-*.ts render it).
 */
import { writeFileSync } from 'node:fs';
import { UsageError, stringValue, type Command, type OptionValues } from './command.js';
import { GUEST_OPTIONS, parseGuestOptions } from './guest-options.js';
import { parseCount } from './options.js';
import { THRESHOLD_OPTION, UNTIL_OPTION, describeEnd, lastLine, parseThreshold, parseUntil, runSession } from './session.js';
import { Profiler } from '../../translator/jit/profiler.js';
import { DEFAULT_THRESHOLD } from '../../translator/jit/engine.js';
import { buildProfile, type ProfileData } from '../report/profile-data.js';
import { giga, profileText } from '../report/profile-text.js';
import { profileHtml } from '../report/profile-html.js';

export const profileCommand: Command = {
  name: 'profile',
  summary: 'run a guest on the JIT and report its translation cache, hottest blocks and compile times',
  synopsis: '[options]',
  description:
    'Boots a guest like `jitvisor run` (same guest options; default: the Debian kernel and busybox\n' +
    'initramfs in guests/, stopping at GUEST-BOOT-OK) on the JIT, without a console, showing progress\n' +
    'on stderr, and reports: guest instructions run translated vs interpreted, blocks and modules\n' +
    'compiled, guest instructions and wasm bytes per block, compile times, invalidations and the\n' +
    'JIT\'s other counters, and the hottest blocks disassembled with their execution counts.',
  options: [
    ...GUEST_OPTIONS,
    UNTIL_OPTION,
    THRESHOLD_OPTION,
    { name: 'top', type: 'string', arg: 'N', help: 'hottest blocks to show (default 10)' },
    { name: 'json', type: 'boolean', help: 'print the figures as one JSON object instead of text' },
    { name: 'report', type: 'string', arg: 'FILE.html', help: 'also write a self-contained HTML page with the figures as plots' },
  ],
  epilogue: 'Exit status: 0 the run ended as asked (--until, power-off, --max-instructions, Ctrl-C); 1 host error;\n2 bad option or file; 4 triple fault.',
  positionals: { min: 0, max: 0, name: '' },
  run: profile,
};

async function profile(values: OptionValues): Promise<number> {
  const g = parseGuestOptions(values);
  if (g.engine !== 'jit') throw new UsageError('profile runs the JIT (it reports its translation cache): leave out --engine, or use jitvisor run --engine interpreter');
  const until = parseUntil(values, g);
  const threshold = parseThreshold(values);
  const topText = stringValue(values, 'top');
  const top = topText === undefined ? 10 : parseCount(topText, '--top', 1000);
  const report = stringValue(values, 'report');
  if (report !== undefined && report.trim() === '') throw new UsageError('--report needs a file name');
  const json = values.json === true;

  let profiler: Profiler | null = null;
  const timeline: ProfileData['timeline'] = [];
  process.stderr.write(`jitvisor profile: booting ${g.kernel.shown} on the JIT (${g.clock} clock${until ? `, until the console prints ${JSON.stringify(until)}` : ''})\n`);
  const res = await runSession(g, {
    engine: 'jit', clock: g.clock, until, maxInstructions: g.maxInstructions,
    // Chaining off: compiled code does not tell the loop which chained blocks ran how many instructions,
    // only their total, so exact per-block counts need each compiled run to be one block (profiler.ts).
    jit: { ...(threshold !== undefined ? { threshold } : {}), chain: false, direct: false },
    attach: (pc) => { profiler = new Profiler(pc.cpu, pc.machine.jit!); },
    sample: (pc, ms) => { timeline.push({ ms, instructions: pc.executed, translated: pc.compiled }); },
    sampleMs: 200,
    progress: (pc, ms, tail) => {
      const jit = pc.machine.jit!;
      return `jitvisor profile: ${giga(pc.executed)} instructions, ${pc.executed ? ((100 * pc.compiled) / pc.executed).toFixed(1) : '0.0'}% translated, ` +
        `${jit.counters.blocksCompiled} blocks compiled, ${(ms / 1000).toFixed(0)} s; console: ${lastLine(tail)}`;
    },
  });
  const pc = res.pc;
  const data = buildProfile({
    profiler: profiler!, counters: pc.machine.jit!.counters, frontEnd: pc.machine.frontEnd.stats,
    guest: {
      kernel: g.kernel.shown, initrd: g.initrd?.shown ?? null, cmdline: g.cmdline, memoryMiB: g.memoryMiB, cpu: g.cpu, clock: g.clock,
      jitThreshold: threshold ?? DEFAULT_THRESHOLD,
    },
    end: describeEnd(res.end, until), instructions: pc.executed, translated: pc.compiled, wallMs: res.wallMs, cpuMs: res.cpuMs,
    timeline, top,
  });
  if (json) process.stdout.write(JSON.stringify(data) + '\n');
  else process.stdout.write(profileText(data));
  if (report !== undefined) {
    try {
      writeFileSync(report, profileHtml(data));
    } catch (e) {
      throw new UsageError(`cannot write --report '${report}': ${(e as Error).message.replace(/^[A-Z]+: /, '')}`);
    }
    process.stderr.write(`jitvisor profile: wrote ${report}\n`);
  }
  return res.end.kind === 'triple-fault' ? 4 : 0;
}
