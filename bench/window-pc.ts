// One copy of the window benches' boot machine (cpu-window.ts, serial-window.ts): the same Pc and serial line splitting in both.
import type { Pc } from '../src/pc.js';
import { opt } from './args.js';

/**
 * A 128 MiB deterministic JIT Pc (--jit, --front: JSON settings) whose serial output reaches `onLine` a line at a
 * time, when its newline is written (CRs dropped, 512 bytes kept at most). `PcClass`: src/pc.js's Pc, imported by
 * the caller after it prestarts the compile worker.
 */
export function windowPc(PcClass: typeof Pc, onLine: (line: string) => void): Pc {
  let text: number[] = [];
  return new PcClass({
    memoryMiB: 128, engine: 'jit', clock: 'deterministic', jit: JSON.parse(opt('jit', '{}')) as object,
    frontEnd: JSON.parse(opt('front', '{}')) as object,
    onSerialOutput: (byte) => {
      if (byte !== 0x0a) { if (byte !== 0x0d && text.length < 512) text.push(byte); return; }
      const line = Buffer.from(text).toString('latin1');
      text = [];
      onLine(line);
    },
  });
}
