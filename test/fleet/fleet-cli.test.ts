/**
 * `jitvisor fleet` as a user runs it: two VMs (the small echo guest of
 * fleet.test.ts), consoles in log files, the management interface on a
 * Unix socket: list, send, status, stop, a bad request answered with an
 * error, quit ending the process with status 0.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hexBytes } from '../helpers/asm.js';

const BIN = fileURLToPath(new URL('../../../bin/jitvisor.js', import.meta.url));
const ECHO = hexBytes('66bafd03eca80174fb66baf803ec3c21740d3c6172063c7a77022c20eeebe10f011d27001000cc0000000000000000');

function tinyKernel(code: Uint8Array): Uint8Array {
  const pm = 5 * 512, b = new Uint8Array(pm + 4096), dv = new DataView(b.buffer);
  b[0x1f1] = 4; b[0x1fe] = 0x55; b[0x1ff] = 0xaa; b.set([0x48, 0x64, 0x72, 0x53], 0x202);
  b[0x206] = 0x0f; b[0x207] = 0x02; b[0x201] = 0x6a; b[0x211] = 1;
  dv.setUint32(0x1f4, 4096 / 16, true); dv.setUint32(0x22c, 0x7fffffff, true); dv.setUint32(0x238, 2047, true); dv.setUint32(0x260, 0x10000, true);
  b.set(code, pm);
  return b;
}

/** One request on a fresh connection: the greeting, then the reply. */
function request(path: string, line: string): Promise<{ greeting: Record<string, unknown>; reply: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const s = connect(path);
    let buf = '';
    const lines: string[] = [];
    s.setEncoding('utf8');
    s.on('error', reject);
    s.on('data', (d: string) => {
      buf += d;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        lines.push(buf.slice(0, nl)); buf = buf.slice(nl + 1);
        if (lines.length === 1) s.write(line + '\n');
        if (lines.length === 2) { s.end(); resolve({ greeting: JSON.parse(lines[0]), reply: JSON.parse(lines[1]) }); }
      }
    });
  });
}

describe('jitvisor fleet (CLI + management interface)', function () {
  this.timeout(10 * 60 * 1000);
  it('runs named VMs with console logs; the monitor lists, types, reports, stops, refuses bad requests and quits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jitvisor-fleet-cli-'));
    const kernel = join(dir, 'echo.bzImage'), sock = join(dir, 'fleet.sock');
    writeFileSync(kernel, tinyKernel(ECHO));
    const child = spawn(process.execPath, [BIN, 'fleet', '--kernel', kernel, '--memory', '4', '--engine', 'interpreter', '--clock', 'deterministic',
      '--log-dir', join(dir, 'logs'), '--monitor', `unix:${sock}`, 'web', 'db'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    try {
      const t0 = Date.now();
      while (!/db running/.test(err) || !/web running/.test(err)) {
        if (Date.now() - t0 > 300_000 || child.exitCode !== null) throw new Error(`fleet did not start: ${err}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const list = await request(sock, '{"execute":"list","id":1}');
      expect(list.greeting.jitvisor).to.include({ fleet: true });
      expect(list.reply.id).to.equal(1);
      expect((list.reply.return as { name: string; state: string }[]).map((v) => [v.name, v.state])).to.deep.equal([['web', 'running'], ['db', 'running']]);
      expect((await request(sock, '{"execute":"send","arguments":{"vm":"web","text":"get /\\n"}}')).reply).to.deep.equal({ return: {} });
      const log = join(dir, 'logs', 'web.log');
      for (let i = 0; !(existsSync(log) && readFileSync(log, 'latin1').includes('GET /\n')); i++) {
        if (i > 3000) throw new Error('no answer in web.log');
        await new Promise((r) => setTimeout(r, 20));
      }
      const st = (await request(sock, '{"execute":"status","arguments":{"vm":"db"}}')).reply.return as { state: string; last: { memoryMiB: number } };
      expect(st.state).to.equal('running');
      expect(st.last.memoryMiB).to.equal(4);
      expect((await request(sock, 'not json')).reply.error).to.include({ class: 'JSONParseError' });
      // The same request checks as run --monitor (src/monitor/server.ts CommandServer).
      expect(((await request(sock, '{"execute":"list","arguments":{"vm":"web"}}')).reply.error as { desc: string }).desc).to.match(/list has no argument 'vm' \(it takes none\)/);
      expect(((await request(sock, '{"execute":"list","extra":1}')).reply.error as { desc: string }).desc).to.match(/unknown request member 'extra'/);
      expect(((await request(sock, '{"execute":"stop"}')).reply.error as { desc: string }).desc).to.match(/stop needs argument 'vm'/);
      expect(((await request(sock, '{"execute":"status","arguments":{"vm":"nope"}}')).reply.error as { desc: string }).desc).to.match(/no VM named 'nope'/);
      expect(((await request(sock, '{"execute":"stop","arguments":{"vm":"db"}}')).reply.return as { exit: { kind: string } }).exit.kind).to.equal('stopped');
      expect((await request(sock, '{"execute":"quit"}')).reply).to.deep.equal({ return: {} });
      expect(await exited).to.equal(0);
      expect(err).to.match(/db ended: stopped/);
      expect(err).to.match(/all VMs ended: web stopped, db stopped/);
      expect(readFileSync(log, 'latin1')).to.equal('GET /\n');
    } finally {
      child.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
