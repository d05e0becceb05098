// The echo guest and its bzImage wrapper, one copy for the fleet tests that boot it (fleet.test.ts, fleet-warning.test.ts).
import { hexBytes } from './asm.js';

/** The echo guest (its source in fleet.test.ts): COM1 bytes back, upper-cased, '!' triple-faults; it spins polling. */
export const ECHO = hexBytes('66bafd03eca80174fb66baf803ec3c21740d3c6172063c7a77022c20eeebe10f011d27001000cc0000000000000000');

/** A bzImage-shaped file (boot protocol 2.15, 4 setup sectors) whose 32-bit code is `code`. */
export function tinyKernel(code: Uint8Array): Uint8Array {
  const pm = 5 * 512;
  const b = new Uint8Array(pm + 4096);
  const dv = new DataView(b.buffer);
  b[0x1f1] = 4;
  b[0x1fe] = 0x55; b[0x1ff] = 0xaa;
  b.set([0x48, 0x64, 0x72, 0x53], 0x202);
  b[0x206] = 0x0f; b[0x207] = 0x02;
  b[0x201] = 0x6a;
  b[0x211] = 1;
  dv.setUint32(0x1f4, 4096 / 16, true);
  dv.setUint32(0x22c, 0x7fffffff, true);
  dv.setUint32(0x238, 2047, true);
  dv.setUint32(0x260, 0x10000, true);
  b.set(code, pm);
  return b;
}
