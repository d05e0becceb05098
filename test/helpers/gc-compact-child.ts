/**
 * Child of test/jit/gc-compact.test.ts (a fresh heap of its own): fills old
 * space with small objects, drops every other one (each page about half
 * live: V8's regular compaction leaves such pages alone), then reports old
 * space's committed size after a plain collection, after a compacting one
 * (translator/frontend/gc.ts), and after a plain one on a heap fragmented
 * the same way again (the compacting mode must not outlive its call).
 * Prints one JSON line: MiB.
 */
import v8 from 'node:v8';
import { collectGarbage } from '../../translator/frontend/gc.js';

const MiB = 1024 * 1024;
const oldCommitted = (): number => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'old_space')!.space_size / MiB;

interface Cell { a: number; b: number; c: number; d: number; e: number; f: number; g: number; h: number; next: Cell | null }
let keep: (Cell | null)[] = [];

/** About `mb` MiB of small objects, promoted to old space, every other one dropped. */
function fragment(mb: number): void {
  const n = Math.floor((mb * MiB) / 88);
  keep = new Array<Cell | null>(n);
  for (let i = 0; i < n; i++) keep[i] = { a: i, b: i, c: i, d: i, e: i, f: i, g: i, h: i, next: null };
  collectGarbage();
  collectGarbage();
  for (let i = 0; i < n; i += 2) keep[i] = null;
}

fragment(48);
collectGarbage();
const plain = oldCommitted();
collectGarbage({ compact: true });
const compacted = oldCommitted();
keep = [];
collectGarbage();
fragment(48);
collectGarbage();
const plainAgain1 = oldCommitted();
collectGarbage();
const plainAgain2 = oldCommitted();
process.stdout.write(`${JSON.stringify({ plain, compacted, plainAgain1, plainAgain2 })}\n`);
