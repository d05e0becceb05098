/**
 * The fleet (src/fleet/): several guests in one process, each in its own
 * worker thread (real workers, real guests). Four small guests answer on
 * their consoles side by side; one made to triple-fault ends alone while
 * the other three keep answering; a stopped one ends its thread; a VM
 * that cannot start is reported and leaves no thread; Debian's kernel
 * boots in a VM beside them. The full version (four default guests at the
 * shell, one made to triple-fault from its shell) is opt-in:
 * `npm run bench:fleet` (bench/fleet.ts), README "Many VMs on one host".
 *
 * The small guest (bytes below, from this source, nasm -f bin):
 *   org 0x100000            ; the boot-protocol 32-bit entry
 *   start: mov dx,0x3fd
 *   poll:  in al,dx / test al,1 / jz poll     ; spin until COM1 has a byte
 *          mov dx,0x3f8 / in al,dx
 *          cmp al,'!' / je crash
 *          (a..z -> A..Z) / out dx,al / jmp start   ; echo it upper-cased
 *   crash: lidt [zero] / int3                 ; IDT limit 0: #GP, #DF, shutdown
 *   zero:  dd 0,0
 * It spins (never halts), so these VMs also show that a spinning guest
 * does not hold up the others.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Fleet, FleetError } from '../../src/index.js';
import { ECHO, tinyKernel } from '../helpers/fleet-harness.js';
import { TEST_ENGINES } from '../helpers/engines.js';

class Consoles {
  private text = new Map<string, string>();
  constructor(fleet: Fleet) {
    fleet.on('output', (name: string, b: Buffer) => this.text.set(name, (this.text.get(name) ?? '') + b.toString('latin1')));
  }
  of(name: string): string { return this.text.get(name) ?? ''; }
  async waitFor(name: string, what: string, ms = 120_000): Promise<void> {
    const t0 = Date.now();
    while (!this.of(name).includes(what)) {
      if (Date.now() - t0 > ms) throw new Error(`VM ${name}: no '${what}' on its console in ${ms / 1000} s; it has: ${JSON.stringify(this.of(name).slice(-300))}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

for (const engine of TEST_ENGINES) {
  describe(`fleet [${engine}]`, function () {
    this.timeout(10 * 60 * 1000);
    let dir: string;
    let kernel: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'jitvisor-fleet-'));
      kernel = join(dir, 'echo.bzImage');
      writeFileSync(kernel, tinyKernel(ECHO));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('four guests answer side by side; one made to triple-fault ends alone, the others keep answering; a stopped one ends its thread', async () => {
      const fleet = new Fleet();
      const consoles = new Consoles(fleet);
      const names = ['a', 'b', 'c', 'd'];
      try {
        const infos = await Promise.all(names.map((name) => fleet.start({
          name, kernel, initrd: null, memoryMiB: 4, engine, clock: 'deterministic', ...(name === 'a' ? { log: join(dir, 'a.log') } : {}),
        })));
        for (const i of infos) expect(i.state).to.equal('running');
        expect(new Set(infos.map((i) => i.threadId)).size).to.equal(4);
        expect(fleet.list().map((v) => [v.name, v.state])).to.deep.equal(names.map((n) => [n, 'running']));
        for (const n of names) fleet.send(n, `ping-${n}\n`);
        for (const n of names) await consoles.waitFor(n, `PING-${n.toUpperCase()}\n`);
        // Each console got only its own guest's answer.
        for (const n of names) expect(consoles.of(n)).to.equal(`PING-${n.toUpperCase()}\n`);

        fleet.send('c', '!');
        const c = await fleet.ended('c');
        expect(c.state).to.equal('exited');
        expect(c.exit?.kind).to.equal('triple-fault');
        expect(c.threadId).to.equal(null);
        expect(() => fleet.send('c', 'x')).to.throw(FleetError, /not running \(exited\)/);

        const before = await Promise.all(['a', 'b', 'd'].map((n) => fleet.status(n)));
        for (const s of before) { expect(s.state).to.equal('running'); expect(s.last?.state).to.equal('running'); }
        for (const n of ['a', 'b', 'd']) fleet.send(n, 'still here\n');
        for (const n of ['a', 'b', 'd']) await consoles.waitFor(n, 'STILL HERE\n');
        const after = await Promise.all(['a', 'b', 'd'].map((n) => fleet.status(n)));
        for (let i = 0; i < 3; i++) expect(after[i].last!.instructions).to.be.above(before[i].last!.instructions);

        const b = await fleet.stop('b');
        expect(b.exit?.kind).to.equal('stopped');
        expect(b.threadId).to.equal(null);
        expect((await fleet.status('b')).memory).to.equal(null);
        fleet.send('a', 'last\n');
        await consoles.waitFor('a', 'LAST\n');
        expect(fleet.list().map((v) => [v.name, v.state, v.exit?.kind ?? null])).to.deep.equal([
          ['a', 'running', null], ['b', 'exited', 'stopped'], ['c', 'exited', 'triple-fault'], ['d', 'running', null],
        ]);
      } finally {
        await fleet.close();
      }
      expect(readFileSync(join(dir, 'a.log'), 'latin1')).to.equal('PING-A\nSTILL HERE\nLAST\n');
      expect(fleet.list().every((v) => v.state === 'exited' && v.threadId === null)).to.equal(true);
    });

    it('a VM that cannot start is reported and leaves no thread; names are checked', async () => {
      const fleet = new Fleet();
      try {
        let err: unknown = null;
        try { await fleet.start({ name: 'nope', kernel: join(dir, 'missing.bzImage'), engine }); } catch (e) { err = e; }
        expect(err).to.be.instanceOf(FleetError);
        expect((err as Error).message).to.match(/VM 'nope': cannot read kernel '.*missing\.bzImage'/);
        expect(fleet.list()[0]).to.include({ name: 'nope', state: 'failed', threadId: null });
        await fleet.start({ name: 'ok', kernel, initrd: null, memoryMiB: 4, engine });
        await expectReject(fleet.start({ name: 'ok', kernel, engine }), /already running/);
        await expectReject(fleet.start({ name: 'bad name', kernel, engine }), /bad VM name/);
        await expectReject(fleet.status('ghost'), /no VM named 'ghost'/);
      } finally {
        await fleet.close();
      }
    });

    it("Debian's kernel boots in a VM beside a spinning one (to the decompressor's lines on its console log)", async () => {
      const fleet = new Fleet();
      const consoles = new Consoles(fleet);
      try {
        await fleet.start({ name: 'spin', kernel, initrd: null, memoryMiB: 4, engine, clock: 'deterministic' });
        await fleet.start({ name: 'linux', memoryMiB: 48, engine, clock: 'deterministic', cmdline: 'console=ttyS0 earlyprintk=ttyS0', log: join(dir, 'linux.log') });
        await consoles.waitFor('linux', 'KASLR');
        fleet.send('spin', 'hi\n');
        await consoles.waitFor('spin', 'HI\n');
        const s = await fleet.status('linux');
        expect(s.last!.memoryMiB).to.equal(48);
        expect(s.memory!.rss).to.be.above(48 << 20);
      } finally {
        await fleet.close();
      }
      expect(readFileSync(join(dir, 'linux.log'), 'latin1')).to.contain('KASLR');
    });
  });
}

async function expectReject(p: Promise<unknown>, re: RegExp): Promise<void> {
  let err: unknown = null;
  try { await p; } catch (e) { err = e; }
  expect(err, `expected a rejection matching ${re}`).to.be.instanceOf(FleetError);
  expect((err as Error).message).to.match(re);
}
