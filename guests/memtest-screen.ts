/**
 * Reading memtest86+ 6.x's status screen (as drawn on its serial console
 * and kept by a screen model such as src/serial-screen.ts): which pass and
 * test it is on and how many errors it has found. Row numbers are the
 * screen's own (1-based), from memtest86+ 6.10's layout:
 *   row 2  "| Pass  42% ####"        progress of the current pass
 *   row 4  "| Test #3  [Moving inversions, ones & zeros]"
 *   row 9  "| Pass:  1        Errors: 0"
 */
export interface MemtestStatus {
  /** Completed passes. */
  passes: number;
  errors: number;
  /** Percent of the current pass, when shown. */
  passPercent?: number;
  /** The test running now, when shown. */
  test?: { number: number; name: string };
}

/** Parse the status rows; undefined until memtest has drawn its status line. */
export function readMemtestStatus(line: (row: number) => string): MemtestStatus | undefined {
  const counts = /Pass:\s*(\d+)\s+Errors:\s*(\d+)/.exec(line(9));
  if (!counts) return undefined;
  const status: MemtestStatus = { passes: Number(counts[1]), errors: Number(counts[2]) };
  const pct = /\|\s*Pass\s+(\d+)%/.exec(line(2));
  if (pct) status.passPercent = Number(pct[1]);
  const test = /Test\s+#(\d+)\s+\[([^\]]*)\]/.exec(line(4));
  if (test) status.test = { number: Number(test[1]), name: test[2].trim() };
  return status;
}
