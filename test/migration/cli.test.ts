/**
 * Live migration as a user does it: a source `jitvisor run --monitor
 * unix:SOCK`, a destination `jitvisor run --incoming tcp:127.0.0.1:0`,
 * and `jitvisor monitor SOCK migrate uri=...`-style request on the
 * source's monitor. The reply reports the downtime and bytes sent; the
 * source ends saying where the guest went; the destination resumes it
 * and runs it to its own --max-instructions. A request to an address
 * nobody listens on is an error reply and the source runs on.
 */
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sendMonitorCommand } from '../../src/monitor/client.js';

const BIN = fileURLToPath(new URL('../../../bin/jitvisor.js', import.meta.url));

function start(args: string[]): { child: ChildProcess; err: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [BIN, 'run', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  child.stdout!.on('data', () => {});
  return { child, err: () => err, exited: new Promise((r) => child.on('exit', (c) => r(c))) };
}

async function waitFor(what: () => string, re: RegExp, ms = 300_000): Promise<RegExpExecArray> {
  const t0 = Date.now();
  for (;;) {
    const m = re.exec(what());
    if (m) return m;
    if (Date.now() - t0 > ms) throw new Error(`no ${re} in: ${what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('live migration from the command line (run --monitor + migrate, run --incoming)', function () {
  this.timeout(10 * 60 * 1000);
  it('moves a running guest between two jitvisor processes and reports the downtime', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jitvisor-mig-cli-'));
    const sock = join(dir, 'src.sock');
    const src = start(['--clock', 'deterministic', '--memory', '48', '--engine', 'interpreter', '--monitor', `unix:${sock}`]);
    const dst = start(['--incoming', 'tcp:127.0.0.1:0', '--max-instructions', '5000000']);
    try {
      await waitFor(src.err, /monitor listening/);
      const port = (await waitFor(dst.err, /waiting for a migration on tcp:127\.0\.0\.1:(\d+)/))[1];
      const addr = { kind: 'unix' as const, path: sock };
      // Nobody listens there: an error reply, and the source runs on.
      const bad = await sendMonitorCommand(addr, 'migrate', { uri: 'tcp:127.0.0.1:1' });
      expect(bad.error?.desc).to.match(/migration to tcp:127\.0\.0\.1:1 failed: cannot connect/);
      const before = (await sendMonitorCommand(addr, 'status')).return as { state: string; instructions: number };
      expect(before.state).to.equal('running');
      const r = await sendMonitorCommand(addr, 'migrate', { uri: `tcp:127.0.0.1:${port}` });
      expect(r.error).to.equal(undefined);
      const rep = r.return as { target: string; downtimeMs: number; bytesSent: number; rounds: number; instructions: number };
      expect(rep.target).to.equal(`tcp:127.0.0.1:${port}`);
      expect(rep.downtimeMs).to.be.above(0);
      expect(rep.bytesSent).to.be.above(1 << 20);
      expect(rep.instructions).to.be.above(before.instructions);
      expect(await src.exited).to.equal(0);
      expect(src.err()).to.match(new RegExp(`migrated to tcp:127\\.0\\.0\\.1:${port} after \\d+ instructions`));
      expect(await dst.exited).to.equal(5); // its --max-instructions, counted from the arrival
      expect(dst.err()).to.match(new RegExp(`resuming the migrated machine \\(${rep.instructions} instructions in; 48 MiB RAM`));
      expect(dst.err()).to.match(/--max-instructions reached \(5000000 instructions/);
    } finally {
      src.child.kill(); dst.child.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
