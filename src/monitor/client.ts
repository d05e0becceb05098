/**
 * A one-shot monitor client: connect, read the greeting, send one request,
 * return the reply (`jitvisor monitor`, tests, scripts).
 */
import { connect } from 'node:net';
import { formatMonitorAddress, type MonitorAddress } from './address.js';

export class MonitorClientError extends Error {}

export interface Reply { return?: unknown; error?: { class: string; desc: string }; id?: unknown }

export async function sendMonitorCommand(addr: MonitorAddress, execute: string, args: Record<string, unknown> = {}): Promise<Reply> {
  const where = formatMonitorAddress(addr);
  return new Promise<Reply>((resolve, reject) => {
    const sock = addr.kind === 'unix' ? connect(addr.path) : connect(addr.port, addr.host);
    let buf = '';
    let greeted = false;
    let done = false;
    const finish = (f: () => void) => { if (done) return; done = true; sock.destroy(); f(); };
    sock.setEncoding('utf8');
    sock.on('error', (e) => finish(() => reject(new MonitorClientError(`cannot talk to the monitor at ${where}: ${e.message.replace(/^[a-z]+ [A-Z]+ /, '')}`))));
    sock.on('close', () => finish(() => reject(new MonitorClientError(`the monitor at ${where} closed the connection without answering`))));
    sock.on('data', (d: string) => {
      buf += d;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        let msg: unknown;
        try { msg = JSON.parse(line); } catch { finish(() => reject(new MonitorClientError(`the monitor at ${where} sent something that is not JSON`))); return; }
        if (!greeted) {
          greeted = true;
          sock.write(JSON.stringify({ execute, ...(Object.keys(args).length ? { arguments: args } : {}) }) + '\n');
          continue;
        }
        finish(() => resolve(msg as Reply));
        return;
      }
    });
  });
}
