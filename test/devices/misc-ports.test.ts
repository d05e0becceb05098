import { expect } from 'chai';
import { PortBus } from '../../runtime/io.js';
import { A20Gate, DebugConsolePort, PostCodePort, SystemControlPortA } from '../../devices/misc-ports.js';

describe('devices/misc-ports', () => {
  it('port 0x92: fast A20 in bit 1 (Linux enable_a20_fast), reset on bit 0', () => {
    const bus = new PortBus();
    const a20 = new A20Gate(false);
    const changes: boolean[] = [];
    a20.onChange = (on) => changes.push(on);
    let resets = 0;
    new SystemControlPortA(a20, () => resets++).register(bus);
    expect(a20.mask).to.equal(0xffefffff);
    let port = bus.read(0x92, 1);
    expect(port & 0x03).to.equal(0);
    port = (port | 0x02) & ~0x01;
    bus.write(0x92, 1, port);
    expect(a20.enabled).to.equal(true);
    expect(a20.mask).to.equal(0xffffffff);
    expect(bus.read(0x92, 1) & 0x03).to.equal(0x02);
    expect(resets).to.equal(0);
    bus.write(0x92, 1, 0x03);
    expect(resets).to.equal(1);
    bus.write(0x92, 1, 0x00);
    expect(a20.enabled).to.equal(false);
    expect(changes).to.deep.equal([true, false]);
  });

  it('port 0x80 swallows POST codes; port 0xE9 is the debug console', () => {
    const bus = new PortBus();
    const post = new PostCodePort();
    post.register(bus);
    const out: number[] = [];
    new DebugConsolePort((b) => out.push(b)).register(bus);
    bus.write(0x80, 1, 0x12);
    expect(post.lastCode).to.equal(0x12);
    expect(bus.read(0x80, 1)).to.equal(0xff);
    for (const c of 'ok\n') bus.write(0xe9, 1, c.charCodeAt(0));
    expect(String.fromCharCode(...out)).to.equal('ok\n');
    expect(bus.read(0xe9, 1)).to.equal(0xe9);
  });
});
