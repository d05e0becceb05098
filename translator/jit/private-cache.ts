/**
 * Files the JIT derives once from installed packages and keeps between runs
 * (binaryen.ts: the rewritten binaryen.js; iced-enums.ts: iced-x86's enums
 * as JSON): a private per-user directory under os.tmpdir(), written
 * atomically. Callers key their file names by the package's version, size
 * and mtime, and fall back to deriving the data again when anything here
 * fails.
 */
import { closeSync, lstatSync, mkdirSync, openSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The directory: created 0700, and used only if it is ours and private (else null). */
export function privateDir(): string | null {
  const uid = process.getuid?.();
  const dir = join(tmpdir(), `jitvisor-${uid ?? 'user'}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(dir);
  if (!st.isDirectory() || (uid !== undefined && (st.uid !== uid || (st.mode & 0o077) !== 0))) return null;
  return dir;
}

/** Written whole under a private name, then renamed: a concurrent process sees no file or the whole one. */
export function writeAtomic(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  const fd = openSync(tmp, 'wx', 0o600);
  try { writeFileSync(fd, data); } finally { closeSync(fd); }
  renameSync(tmp, file);
}
