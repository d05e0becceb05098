/**
 * boot-runner's events (one JSON object per line on its fd 3, bench/boot-runner.ts `event`) read
 * from a child's pipe into an array as they arrive: for the benches that spawn it and read the
 * events when the child closes (start-timeline.ts, v86-start.ts).
 */
import type { Readable } from 'node:stream';

export function collectEvents<E>(pipe: Readable, into: E[]): void {
  let buf = '';
  pipe.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) { into.push(JSON.parse(buf.slice(0, nl)) as E); buf = buf.slice(nl + 1); }
  });
}
