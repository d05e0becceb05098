/**
 * Monitor addresses, as `--monitor` and `jitvisor monitor` take them:
 * `unix:PATH` (a Unix-domain socket) or `tcp:HOST:PORT` (HOST normally
 * 127.0.0.1: the monitor has no authentication, so anyone who can connect
 * controls the machine). `jitvisor monitor` also takes a bare PATH.
 */
export type MonitorAddress = { kind: 'unix'; path: string } | { kind: 'tcp'; host: string; port: number };

export class AddressError extends Error {}

export function parseMonitorAddress(text: string, allowBarePath = false): MonitorAddress {
  if (text.startsWith('unix:')) {
    const path = text.slice(5);
    if (!path) throw new AddressError(`'${text}': unix: needs a socket path`);
    return { kind: 'unix', path };
  }
  if (text.startsWith('tcp:')) {
    const m = /^tcp:(.+):([0-9]+)$/.exec(text);
    if (!m) throw new AddressError(`'${text}': expected tcp:HOST:PORT (e.g. tcp:127.0.0.1:4444)`);
    const port = Number(m[2]);
    if (port > 65535) throw new AddressError(`'${text}': port ${port} is more than 65535`);
    const host = m[1].replace(/^\[(.*)\]$/, '$1');
    return { kind: 'tcp', host, port };
  }
  if (allowBarePath && text !== '' && !/^[a-z]+:/.test(text)) return { kind: 'unix', path: text };
  throw new AddressError(`'${text}': expected unix:PATH or tcp:HOST:PORT`);
}

export function formatMonitorAddress(a: MonitorAddress): string {
  return a.kind === 'unix' ? `unix:${a.path}` : `tcp:${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`;
}
