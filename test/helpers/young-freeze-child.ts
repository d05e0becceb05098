/**
 * Child of test/interp/young-freeze.test.ts (its own process: the flag under test is
 * process-wide and the young generation's bound is set at start): allocates objects
 * that live long (as the front end's records do in a burst of fresh code), with the
 * young generation frozen (translator/frontend/gc.ts YoungFreeze) or not, and prints
 * its largest size (MiB, both semi-spaces) and its size after the freeze is released
 * and the allocation goes on.
 */
import v8 from 'node:v8';
import { YoungFreeze } from '../../translator/frontend/gc.js';

const frozen = process.argv[2] === 'freeze';
const freeze = new YoungFreeze();
if (frozen) freeze.hold();
const young = (): number => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')!.space_size / 1048576;
const burst = (): number => {
  let largest = young();
  const keep: { a: number; b: number; c: null }[] = [];
  for (let i = 0; i < 3_000_000; i++) {
    keep.push({ a: i, b: i + 1, c: null });
    if (keep.length > 1_000_000) keep.length = 0;
    if (i % 20_000 === 0) largest = Math.max(largest, young());
  }
  return Math.max(largest, young());
};
const largest = burst();
freeze.release();
const after = burst();
process.stdout.write(`${JSON.stringify({ largest, after })}\n`);
