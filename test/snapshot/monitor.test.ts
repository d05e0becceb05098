/**
 * The management interface on a real `jitvisor run` (default guest,
 * deterministic clock, interpreter: the early boot is enough) over real
 * sockets, Unix and TCP: status, pause/resume, snapshot save/load, the JIT
 * counters, errors that change nothing, random bytes that do not kill it,
 * the `jitvisor monitor` client, quit.
 */
import { expect } from 'chai';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseMonitorAddress, type MonitorAddress } from '../../src/monitor/address.js';
import { sendMonitorCommand } from '../../src/monitor/client.js';

const BIN = fileURLToPath(new URL('../../../bin/jitvisor.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'jitvisor-mon-'));

interface Guest { child: ChildProcess; addr: MonitorAddress; err: () => string; exited: Promise<number | null> }

/** Start `jitvisor run ... --monitor SPEC` and wait for "monitor listening on ADDRESS". */
async function startGuest(spec: string, engine: string): Promise<Guest> {
  const child = spawn(process.execPath, [BIN, 'run', '--clock', 'deterministic', '--engine', engine, '--memory', '64', '--monitor', spec], { stdio: ['pipe', 'pipe', 'pipe'], cwd: dir });
  let err = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const addr = await new Promise<MonitorAddress>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /monitor listening on (\S+)/.exec(err);
      if (m) resolve(parseMonitorAddress(m[1]));
    });
    child.on('exit', () => reject(new Error(`jitvisor exited: ${err}`)));
  });
  child.stdout!.resume();
  return { child, addr, err: () => err, exited };
}

/** A raw connection: send text, collect reply lines. */
class Conn {
  private buf = '';
  private waiters: ((l: string) => void)[] = [];
  private lines: string[] = [];
  closed = false;
  constructor(readonly sock: Socket) {
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      this.buf += d;
      let nl;
      while ((nl = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, nl);
        this.buf = this.buf.slice(nl + 1);
        const w = this.waiters.shift();
        if (w) w(line); else this.lines.push(line);
      }
    });
    sock.on('close', () => { this.closed = true; });
    sock.on('error', () => {});
  }
  static open(a: MonitorAddress): Promise<Conn> {
    return new Promise((resolve, reject) => {
      const s = a.kind === 'unix' ? connect(a.path) : connect(a.port, a.host);
      s.once('connect', () => resolve(new Conn(s)));
      s.once('error', reject);
    });
  }
  next(): Promise<Record<string, unknown>> {
    const l = this.lines.shift();
    if (l !== undefined) return Promise.resolve(JSON.parse(l) as Record<string, unknown>);
    return new Promise((resolve) => this.waiters.push((x) => resolve(JSON.parse(x) as Record<string, unknown>)));
  }
  async cmd(o: unknown): Promise<Record<string, unknown>> {
    this.sock.write((typeof o === 'string' ? o : JSON.stringify(o)) + '\n');
    return this.next();
  }
}

type Status = { running: boolean; state: string; instructions: number; engine: string };
const ret = <T>(r: Record<string, unknown>): T => {
  expect(r, JSON.stringify(r)).to.have.property('return');
  return r.return as T;
};

describe('the monitor (run --monitor, jitvisor monitor)', function () {
  this.timeout(10 * 60 * 1000);
  let g: Guest;
  const started: Guest[] = [];
  after(() => { for (const x of started) if (x.child.exitCode === null) x.child.kill('SIGKILL'); });

  it('unix socket: status, pause, resume, errors that change nothing, snapshot save and load', async () => {
    const sockPath = join(dir, 'mon.sock');
    g = await startGuest(`unix:${sockPath}`, 'interpreter');
    started.push(g);
    const c = await Conn.open(g.addr);
    const hello = await c.next();
    expect(hello).to.have.nested.property('jitvisor.version');
    expect((hello.jitvisor as { commands: string[] }).commands).to.include.members(['status', 'pause', 'resume', 'snapshot-save', 'snapshot-load', 'quit', 'jit-counters']);

    const s0 = ret<Status>(await c.cmd({ execute: 'status', id: 1 }));
    expect(s0).to.include({ running: true, state: 'running', engine: 'interpreter' });
    expect((await c.cmd({ execute: 'status', id: 'abc' })).id).to.equal('abc');

    expect(ret<{ state: string }>(await c.cmd({ execute: 'pause' })).state).to.equal('paused');
    const p1 = ret<Status>(await c.cmd({ execute: 'status' }));
    await new Promise((r) => setTimeout(r, 300));
    const p2 = ret<Status>(await c.cmd({ execute: 'status' }));
    expect(p1.state).to.equal('paused');
    expect(p2.instructions).to.equal(p1.instructions); // paused means paused

    // Errors: an error reply each, and the machine stays as it was (paused, same count).
    const errors: [unknown, RegExp, string?][] = [
      ['{"execute": "status"', /not JSON/, 'JSONParseError'],
      ['[1, 2, 3]', /a request is a JSON object/],
      ['42', /a request is a JSON object/],
      [{ execute: 'reboot-the-universe' }, /unknown command 'reboot-the-universe'/, 'CommandNotFound'],
      [{ exec: 'status' }, /unknown request member 'exec'/],
      [{ execute: 'snapshot-save' }, /snapshot-save needs argument 'file'/],
      [{ execute: 'snapshot-save', arguments: { file: 7 } }, /argument 'file' must be a non-empty string/],
      [{ execute: 'pause', arguments: { now: true } }, /pause has no argument 'now'/],
      [{ execute: 'snapshot-load', arguments: { file: join(dir, 'missing.snap') } }, /cannot read snapshot '.*missing\.snap'/],
    ];
    for (const [req, msg, cls] of errors) {
      const r = await c.cmd(req);
      expect(r, JSON.stringify(req)).to.have.property('error');
      const e = r.error as { class: string; desc: string };
      expect(e.desc).to.match(msg);
      if (cls) expect(e.class).to.equal(cls);
    }
    const p3 = ret<Status>(await c.cmd({ execute: 'status' }));
    expect(p3).to.include({ state: 'paused', instructions: p1.instructions });

    // Save while paused, run on, load it back: the count returns to the saved one.
    const file = join(dir, 'mon.snap');
    const saved = ret<{ bytes: number; instructions: number }>(await c.cmd({ execute: 'snapshot-save', arguments: { file } }));
    expect(saved.instructions).to.equal(p1.instructions);
    const info = spawnSync(process.execPath, [BIN, 'snapshot', 'info', file], { encoding: 'utf8' });
    expect(info.status, info.stderr).to.equal(0);
    expect(ret<{ state: string }>(await c.cmd({ execute: 'resume' })).state).to.equal('running');
    await new Promise((r) => setTimeout(r, 500));
    const later = ret<Status>(await c.cmd({ execute: 'status' }));
    expect(later.instructions).to.be.greaterThan(p1.instructions);
    await c.cmd({ execute: 'pause' });
    const loaded = ret<{ instructions: number }>(await c.cmd({ execute: 'snapshot-load', arguments: { file } }));
    expect(loaded.instructions).to.equal(p1.instructions);
    expect(ret<Status>(await c.cmd({ execute: 'status' })).instructions).to.equal(p1.instructions);
    await c.cmd({ execute: 'resume' });

    // The one-shot client.
    const cli = spawnSync(process.execPath, [BIN, 'monitor', sockPath, 'status'], { encoding: 'utf8' });
    expect(cli.status, cli.stderr).to.equal(0);
    expect(JSON.parse(cli.stdout)).to.include({ running: true, engine: 'interpreter' });
    const bad = spawnSync(process.execPath, [BIN, 'monitor', `unix:${sockPath}`, 'snapshot-load', `file=${join(dir, 'missing.snap')}`], { encoding: 'utf8' });
    expect(bad.status).to.equal(1);
    expect(bad.stderr).to.match(/^jitvisor monitor: snapshot-load: cannot read snapshot/);
    const nobody = spawnSync(process.execPath, [BIN, 'monitor', join(dir, 'nobody.sock'), 'status'], { encoding: 'utf8' });
    expect(nobody.status).to.equal(1);
    expect(nobody.stderr).to.match(/^jitvisor monitor: cannot talk to the monitor at unix:.*nobody\.sock/);

    // quit: answered, then jitvisor ends (status 0) and removes its socket.
    expect(await c.cmd({ execute: 'quit' })).to.deep.equal({ return: {} });
    expect(await g.exited).to.equal(0);
    expect(g.err()).to.match(/stopped after \d+ instructions/);
    expect(existsSync(sockPath)).to.equal(false);
  });

  it('tcp: random bytes, huge lines and dropped connections do not kill it; the JIT counters', async () => {
    g = await startGuest('tcp:127.0.0.1:0', 'jit');
    started.push(g);
    expect(g.addr.kind).to.equal('tcp');
    for (let round = 0; round < 20; round++) {
      const c = await Conn.open(g.addr);
      await c.next(); // greeting
      // Random bytes, with newlines in them: whatever lines they make get error replies (or none for blank ones).
      c.sock.write(randomBytes(4096));
      c.sock.write('\n');
      if (round % 2 === 0) c.sock.destroy(); // hang up without reading
      else {
        const r = await c.cmd({ execute: 'status' });
        // Replies to the garbage lines come first; the last reply answers status.
        let last = r;
        while (!('return' in last)) { expect(last).to.have.property('error'); last = await c.next(); }
        expect((last.return as Status).running).to.equal(true);
        c.sock.destroy();
      }
    }
    // A line longer than the limit: refused, that connection closed, the server goes on.
    const big = await Conn.open(g.addr);
    await big.next();
    big.sock.write(Buffer.alloc(2 << 20, 0x41));
    const r = await big.next();
    expect((r.error as { desc: string }).desc).to.match(/longer than/);
    const again = await sendMonitorCommand(g.addr, 'status');
    expect((again.return as Status).running).to.equal(true);

    const counters = await sendMonitorCommand(g.addr, 'jit-counters');
    const k = counters.return as Record<string, number | string>;
    expect(k.engine).to.equal('jit');
    expect(k.blocksCompiled).to.be.a('number');
    expect(k.executed as number).to.be.greaterThan(0);

    const cli = spawnSync(process.execPath, [BIN, 'monitor', `tcp:127.0.0.1:${(g.addr as { port: number }).port}`, 'query-commands'], { encoding: 'utf8' });
    expect(cli.status, cli.stderr).to.equal(0);
    const cmds = JSON.parse(cli.stdout) as { name: string }[];
    expect(cmds.map((x) => x.name)).to.include('snapshot-save');

    await sendMonitorCommand(g.addr, 'quit');
    expect(await g.exited).to.equal(0);
  });
});
