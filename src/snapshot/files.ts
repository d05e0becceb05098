/**
 * Writing a snapshot so that a failure never leaves a half-written file
 * where a good one was: the bytes go to a temporary file in the same
 * directory (same file system, so the rename is atomic), are fsynced, and
 * only then renamed over the target; the directory is fsynced so the rename
 * itself survives a crash. On any error the temporary file is removed and
 * the target is untouched.
 */
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

export class SaveError extends Error {}

export async function writeFileAtomic(file: string, bytes: Uint8Array): Promise<void> {
  const dir = dirname(file);
  const tmp = join(dir, `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let created = false;
  try {
    const fh = await open(tmp, 'wx', 0o644);
    created = true;
    try {
      let off = 0;
      while (off < bytes.length) {
        const { bytesWritten } = await fh.write(bytes, off, Math.min(bytes.length - off, 1 << 24));
        off += bytesWritten;
      }
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
    created = false;
  } catch (e) {
    if (created) await unlink(tmp).catch(() => {});
    throw new SaveError(`cannot save snapshot '${file}': ${(e as Error).message.replace(/^[A-Z]+: /, '')}`);
  }
  try {
    const d = await open(dir, 'r');
    try { await d.sync(); } finally { await d.close(); }
  } catch { /* some file systems cannot fsync a directory: the file itself is synced */ }
}
