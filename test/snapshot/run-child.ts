/** Runs test/snapshot/child.ts in a new process and parses its one-line JSON result. */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./child.js', import.meta.url));
export interface ChildResult { exit: string; instructions: number; hash: string; serial: string }

/** Run test/snapshot/child.ts in a new process. */
export function child(args: Record<string, unknown>): ChildResult {
  const out = execFileSync(process.execPath, [CHILD, JSON.stringify(args)], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const r = JSON.parse(out.trim().split('\n').pop()!) as ChildResult;
  r.serial = Buffer.from(r.serial, 'base64').toString('latin1');
  return r;
}

