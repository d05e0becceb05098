/**
 * Live migration on loopback (real sockets), both engines, deterministic
 * clock (README "Live migration"):
 *  - the guest keeps running while its RAM is copied; after the switch-over
 *    the destination runs on, and its state hash (RAM + CPU) and the serial
 *    output (source's, then destination's) equal one uninterrupted run to
 *    the same instruction;
 *  - a connection cut in the middle of the RAM copy leaves the source
 *    running as before (its later state equals an undisturbed run's) and
 *    the destination fails with a clear error.
 */
import { expect } from 'chai';
import { createServer, connect, type Socket } from 'node:net';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Machine, MigrationError } from '../../src/index.js';
import { TEST_ENGINES } from '../helpers/engines.js';

const BIN = fileURLToPath(new URL('../../../bin/jitvisor.js', import.meta.url));

// The decompressor prints its KASLR lines in the first 2 M instructions (earlyprintk).
const GUEST = { clock: 'deterministic' as const, memoryMiB: 48, cmdline: 'console=ttyS0 earlyprintk=ttyS0' };

function collect(m: Machine): () => string {
  const chunks: Buffer[] = [];
  m.on('output', (b: Buffer) => chunks.push(b));
  return () => Buffer.concat(chunks).toString('latin1');
}

async function reference(engine: 'interpreter' | 'jit', n: number): Promise<{ hash: string; out: string }> {
  const ref = Machine.create({ ...GUEST, engine });
  const out = collect(ref);
  const r = await ref.run({ instructions: n });
  expect(r.kind).to.equal('limit');
  expect(ref.status().instructions).to.equal(n);
  return { hash: ref.stateHash(), out: out() };
}

/** A TCP relay to `port` that cuts both sides once `limit` bytes went from the client to the server. */
async function cuttingRelay(port: number, limit: number): Promise<{ port: number; cut: Promise<number>; close: () => void }> {
  let cutResolve!: (n: number) => void;
  const cut = new Promise<number>((r) => { cutResolve = r; });
  const sockets: Socket[] = [];
  const server = createServer((client) => {
    const upstream = connect({ host: '127.0.0.1', port });
    sockets.push(client, upstream);
    let passed = 0;
    client.on('data', (d: Buffer) => {
      if (passed + d.length >= limit) {
        upstream.write(d.subarray(0, limit - passed));
        passed = limit;
        client.destroy(); upstream.end(); // the source sees a reset, the destination a close
        cutResolve(passed);
        return;
      }
      passed += d.length;
      upstream.write(d);
    });
    upstream.on('data', (d: Buffer) => { if (!client.destroyed) client.write(d); });
    client.on('error', () => {}); upstream.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address();
  return { port: typeof a === 'object' && a ? a.port : 0, cut, close: () => { server.close(); for (const s of sockets) s.destroy(); } };
}

for (const engine of TEST_ENGINES) {
  describe(`live migration on loopback [${engine}]`, function () {
    this.timeout(10 * 60 * 1000);

    it('run to N, migrate while running, run on to M on the destination: same state hash and serial output as a straight run to M', async () => {
      const N = 3_000_000;
      const src = Machine.create({ ...GUEST, engine });
      const srcOut = collect(src);
      await src.run({ instructions: N });
      const incoming = await Machine.listenIncoming('tcp:127.0.0.1:0');
      // The guest runs on during the copy (up to 60 M more instructions: if it
      // gets there first, the rest of the copy is done with it paused).
      const running = src.run({ instructions: 60_000_000 });
      const report = await src.migrate(incoming.address);
      expect((await running).kind).to.be.oneOf(['stopped', 'limit']);
      expect(src.status().state).to.equal('exited');
      expect(src.status().migratedTo).to.equal(incoming.address);
      const dst = await incoming.result;
      const K = report.instructions;
      expect(K, 'the guest ran during the migration').to.be.above(N);
      expect(dst.status().instructions).to.equal(K);
      expect(dst.status().state).to.equal('paused');
      expect(report.rounds.filter((r) => !r.final).length).to.be.at.least(1);
      expect(report.rounds[0].pages).to.be.above(1000); // the decompressed kernel and more
      expect(report.bytesSent).to.be.above(report.rounds[0].pages * 4096);
      expect(dst.incomingStats?.bytesReceived).to.equal(report.bytesSent);
      const dstOut = collect(dst);
      const M = K + 10_000_000;
      expect((await dst.run({ instructions: M - K })).kind).to.equal('limit');
      expect(dst.status().instructions).to.equal(M);
      const ref = await reference(engine, M);
      expect(srcOut() + dstOut()).to.equal(ref.out);
      expect(ref.out).to.contain('KASLR');
      expect(dst.stateHash()).to.equal(ref.hash);
    });

    it('a connection cut in the middle of the RAM copy: the source runs on as before, the destination (jitvisor run --incoming) exits with a clear error', async () => {
      const N = 3_000_000, M = 30_000_000;
      const src = Machine.create({ ...GUEST, engine });
      const srcOut = collect(src);
      await src.run({ instructions: N });
      const dst = spawn(process.execPath, [BIN, 'run', '--incoming', 'tcp:127.0.0.1:0', '--engine', engine], { stdio: ['pipe', 'pipe', 'pipe'] });
      let err = '';
      dst.stderr.on('data', (d: Buffer) => { err += d.toString(); });
      const exited = new Promise<number | null>((r) => dst.on('exit', (code) => r(code)));
      const t0 = Date.now();
      while (!/waiting for a migration on tcp:127\.0\.0\.1:(\d+)/.test(err)) {
        if (Date.now() - t0 > 120_000 || dst.exitCode !== null) throw new Error(`the destination did not start listening: ${err}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const port = Number(/waiting for a migration on tcp:127\.0\.0\.1:(\d+)/.exec(err)![1]);
      const relay = await cuttingRelay(port, 2 << 20);
      try {
        const running = src.run({ instructions: M - N });
        let e: unknown = null;
        try { await src.migrate(`tcp:127.0.0.1:${relay.port}`); } catch (x) { e = x; }
        expect(e).to.be.instanceOf(MigrationError);
        expect((e as Error).message).to.match(/^migration to tcp:127\.0\.0\.1:\d+ failed: connection to .* (closed|failed)/);
        expect(await relay.cut).to.equal(2 << 20);
        expect(await exited).to.equal(1);
        expect(err).to.match(/jitvisor run: incoming migration on tcp:127\.0\.0\.1:\d+ failed: receiving RAM: connection to 127\.0\.0\.1:\d+ closed/);
        expect(err).not.to.match(/\n\s+at /); // no stack trace
        // The source was never paused for good: it runs to M and its state is an undisturbed run's.
        expect(src.status().migratedTo).to.equal(null);
        expect((await running).kind).to.equal('limit');
        expect(src.status().instructions).to.equal(M);
        const ref = await reference(engine, M);
        expect(src.stateHash()).to.equal(ref.hash);
        expect(srcOut()).to.equal(ref.out);
      } finally {
        relay.close();
        dst.kill();
      }
    });
  });
}
