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

/**
 * Where a run's ticks (boot-runner `--timeline` events, in order of `executed`) reach `n` guest
 * instructions: a function that interpolates any of the ticks' figures (wall ms, CPU ms) linearly
 * between the two ticks around `n`; null when the run never got there.
 */
export function atExecuted<T extends { executed: number }>(ticks: readonly T[], n: number): ((figure: (t: T) => number) => number) | null {
  for (let i = 1; i < ticks.length; i++) {
    const a = ticks[i - 1]!, b = ticks[i]!;
    if (b.executed < n) continue;
    const f = b.executed === a.executed ? 1 : (n - a.executed) / (b.executed - a.executed);
    return (figure) => figure(a) + (figure(b) - figure(a)) * f;
  }
  return null;
}
