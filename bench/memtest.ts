/**
 * memtest86+ full pass: boots guests/memtest86+ia32.bin with its serial
 * console, follows its status screen, and stops when it reports a completed
 * pass (exit 0 with 0 errors, 1 with errors, 2 on a timeout or a guest that
 * ended). Prints each test as it starts and a summary line (time, guest
 * instructions). Too long for `npm test` on the interpreter: `npm run
 * test:memtest` runs it.
 *
 *   node dist/bench/memtest.js [--memory 32] [--engine interpreter] [--clock realtime]
 *                              [--timeout 7200] [--passes 1] [--screen] [--append "nopause ..."]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { Pc } from '../src/pc.js';
import { SerialScreen } from '../src/serial-screen.js';
import { readMemtestStatus } from '../guests/memtest-screen.js';
import type { ClockMode } from '../src/clock.js';
import type { EngineName } from '../src/machine.js';

const { values } = parseArgs({
  options: {
    memory: { type: 'string', default: '32' },
    engine: { type: 'string', default: 'interpreter' },
    clock: { type: 'string', default: 'realtime' },
    timeout: { type: 'string', default: '7200' },
    passes: { type: 'string', default: '1' },
    screen: { type: 'boolean', default: false },
    append: { type: 'string', default: '' },
  },
});
const memoryMiB = Number(values.memory), timeoutS = Number(values.timeout), passes = Number(values.passes);
const image = fileURLToPath(new URL('../../guests/memtest86+ia32.bin', import.meta.url));
const cmdline = ('console=ttyS0,115200 ' + values.append).trim();

const screen = new SerialScreen();
const pc = new Pc({
  memoryMiB, engine: values.engine as EngineName, clock: values.clock as ClockMode,
  onSerialOutput: (b) => screen.write([b]),
});
pc.bootLinux(new Uint8Array(readFileSync(image)), 'memtest86+ia32.bin', cmdline);
process.stderr.write(`memtest86+ia32.bin "${cmdline}", ${memoryMiB} MiB, ${values.engine}, ${values.clock} clock, until ${passes} pass(es)\n`);

const t0 = performance.now();
const secs = () => ((performance.now() - t0) / 1000).toFixed(1);
let lastTest = -1;
let lastReport = 0;
let result: 'pass' | 'errors' | 'timeout' | undefined;
const watch = setInterval(() => {
  const st = readMemtestStatus((n) => screen.line(n));
  // A line when a test starts, and every minute in between.
  if (st?.test && (st.test.number !== lastTest || performance.now() - lastReport > 60_000)) {
    lastTest = st.test.number;
    lastReport = performance.now();
    process.stderr.write(`  ${secs().padStart(8)} s  ${(pc.executed / 1e9).toFixed(2).padStart(7)} G instr  pass ${st.passes} ${String(st.passPercent ?? 0).padStart(3)}%  test #${st.test.number} [${st.test.name}]  errors ${st.errors}\n`);
  }
  if (st && st.errors > 0) { result = 'errors'; pc.stop(); }
  else if (st && st.passes >= passes) { result = 'pass'; pc.stop(); }
  else if ((performance.now() - t0) / 1000 > timeoutS) { result = 'timeout'; pc.stop(); }
}, 250);
const exit = await pc.run();
clearInterval(watch);
const st = readMemtestStatus((n) => screen.line(n));
if (values.screen || result !== 'pass') process.stderr.write(screen.text() + '\n');
const summary = `memtest86+ ${memoryMiB} MiB ${values.engine} ${values.clock}: ` +
  (result === 'pass' ? `${st!.passes} pass(es) completed, ${st!.errors} errors` : result === 'errors' ? `${st!.errors} errors reported` : result === 'timeout' ? `timeout after ${timeoutS} s` : `guest ended (${exit.kind})`) +
  ` in ${secs()} s, ${pc.executed} guest instructions`;
process.stdout.write(summary + '\n');
process.exitCode = result === 'pass' ? 0 : result === 'errors' ? 1 : 2;
