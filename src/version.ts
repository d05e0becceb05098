/** jitvisor's version, from package.json (the CLI's --version, snapshots, the monitor's greeting). */
import { readFileSync } from 'node:fs';

export function version(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch { return 'unknown'; }
}
