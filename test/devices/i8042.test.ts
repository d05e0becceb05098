import { expect } from 'chai';
import { PortBus } from '../../runtime/io.js';
import { I8042 } from '../../devices/i8042.js';
import { A20Gate } from '../../devices/misc-ports.js';
import { RecordingIrqSink } from './helpers.js';

function setup(commandByte?: number) {
  const irq = new RecordingIrqSink();
  const bus = new PortBus();
  const a20 = new A20Gate(false);
  let resets = 0;
  const kbc = new I8042({ irq, a20, onReset: () => resets++, commandByte });
  kbc.register(bus);
  return { irq, bus, a20, kbc, resets: () => resets };
}

/** Linux's __i8042_command(): write the command and parameters, poll for the results. */
function i8042Command(bus: PortBus, cmd: number, params: number[], nResults: number): { results: number[]; status: number[] } | 'timeout' | 'error' {
  const waitWrite = () => { for (let i = 0; i < 100; i++) if (!(bus.read(0x64, 1) & 0x02)) return true; return false; };
  if (!waitWrite()) return 'timeout';
  bus.write(0x64, 1, cmd);
  for (const p of params) {
    if (!waitWrite()) return 'timeout';
    bus.write(0x60, 1, p);
  }
  const results: number[] = [], status: number[] = [];
  for (let n = 0; n < nResults; n++) {
    let st = 0, i = 0;
    for (; i < 100; i++) if ((st = bus.read(0x64, 1)) & 0x01) break;
    if (i === 100) return 'timeout';
    if (cmd === 0xd3 && !(st & 0x20)) return 'error';
    status.push(st);
    results.push(bus.read(0x60, 1));
  }
  return { results, status };
}

function readAll(bus: PortBus): number[] {
  const out: number[] = [];
  while (bus.read(0x64, 1) & 1) out.push(bus.read(0x60, 1));
  return out;
}

describe('devices/i8042', () => {
  it('status register after reset: empty buffers, system flag, unlocked', () => {
    const { bus } = setup();
    expect(bus.read(0x64, 1)).to.equal(0x14);
  });

  it('controller self test and interface tests', () => {
    const { bus } = setup();
    expect(i8042Command(bus, 0xaa, [], 1)).to.deep.equal({ results: [0x55], status: [0x1d] });
    expect(i8042Command(bus, 0xab, [], 1)).to.have.property('results').deep.equal([0x00]);
    expect(i8042Command(bus, 0xa9, [], 1)).to.have.property('results').deep.equal([0x00]);
    expect(bus.read(0x64, 1) & 0x01).to.equal(0);
  });

  it('reads and writes the command byte (CTR), with IRQ1 following bit 0', () => {
    const { bus, irq } = setup();
    expect(i8042Command(bus, 0x20, [], 1)).to.have.property('results').deep.equal([0x45]);
    expect(irq.rises(1).length).to.equal(1); // controller replies interrupt like keyboard data (CTR bit 0)
    expect(irq.levels[1]).to.equal(false); // ...until read
    i8042Command(bus, 0x60, [0x44], 0);
    expect(i8042Command(bus, 0x20, [], 1)).to.have.property('results').deep.equal([0x44]);
  });

  it('raises IRQ1 for keyboard data while CTR bit 0 is set', () => {
    const { bus, irq, kbc } = setup();
    kbc.keyboardInput([0x1e, 0x9e]);
    expect(irq.levels[1]).to.equal(true);
    expect(bus.read(0x60, 1)).to.equal(0x1e);
    expect(irq.levels[1]).to.equal(true); // next byte moved in
    expect(irq.rises(1).length).to.equal(2);
    expect(bus.read(0x60, 1)).to.equal(0x9e);
    expect(irq.levels[1]).to.equal(false);
  });

  it('keyboard reset, identify (translated), LEDs, enable/disable', () => {
    const { bus, kbc } = setup();
    bus.write(0x60, 1, 0xff);
    expect(readAll(bus)).to.deep.equal([0xfa, 0xaa]);
    bus.write(0x60, 1, 0xf2);
    expect(readAll(bus)).to.deep.equal([0xfa, 0xab, 0x41]);
    bus.write(0x60, 1, 0xed);
    expect(readAll(bus)).to.deep.equal([0xfa]);
    bus.write(0x60, 1, 0x07);
    expect(readAll(bus)).to.deep.equal([0xfa]);
    expect(kbc.leds).to.equal(7);
    bus.write(0x60, 1, 0xf5);
    expect(readAll(bus)).to.deep.equal([0xfa]);
    kbc.keyboardInput([0x1e]);
    expect(readAll(bus)).to.deep.equal([]);
    bus.write(0x60, 1, 0xf4);
    expect(readAll(bus)).to.deep.equal([0xfa]);
    i8042Command(bus, 0x60, [0x04], 0); // untranslated
    bus.write(0x60, 1, 0xf2);
    expect(readAll(bus)).to.deep.equal([0xfa, 0xab, 0x83]);
  });

  it('holds keyboard bytes while the interface is disabled (0xAD/0xAE)', () => {
    const { bus, kbc } = setup();
    i8042Command(bus, 0xad, [], 0);
    kbc.keyboardInput([0x10]);
    expect(bus.read(0x64, 1) & 1).to.equal(0);
    i8042Command(bus, 0xae, [], 0);
    expect(readAll(bus)).to.deep.equal([0x10]);
  });

  it('aux port with no device: loopback and IRQ12 work, device bytes time out', () => {
    const { bus, irq } = setup();
    // i8042_check_aux: AUX_LOOP, then toggling AUXDIS, then the IRQ test.
    expect(i8042Command(bus, 0xd3, [0x5a], 1)).to.deep.equal({ results: [0x5a], status: [0x35] }); // OBF, SYS, unlocked, AUXDATA
    i8042Command(bus, 0xa7, [], 0);
    expect((i8042Command(bus, 0x20, [], 1) as { results: number[] }).results[0] & 0x20).to.equal(0x20);
    i8042Command(bus, 0xa8, [], 0);
    expect((i8042Command(bus, 0x20, [], 1) as { results: number[] }).results[0] & 0x20).to.equal(0);
    i8042Command(bus, 0x60, [0x47], 0); // enable AUX interrupts
    i8042Command(bus, 0xd3, [0xa5], 0);
    expect(irq.levels[12]).to.equal(true);
    expect(irq.levels[1]).to.equal(false);
    expect(bus.read(0x60, 1)).to.equal(0xa5);
    expect(irq.levels[12]).to.equal(false);
    // psmouse probe: 0xD4 0xF2 -> no device.
    i8042Command(bus, 0xd4, [0xf2], 0);
    expect(bus.read(0x64, 1) & 0x61).to.equal(0x61); // OBF, AUXDATA, TIMEOUT
    expect(bus.read(0x60, 1)).to.equal(0xfe);
    expect(bus.read(0x64, 1) & 0x61).to.equal(0);
  });

  it('multiplexer probe (Linux i8042_set_mux_mode) finds no active multiplexer', () => {
    const { bus } = setup();
    expect(i8042Command(bus, 0xd3, [0xf0], 1)).to.have.property('results').deep.equal([0xf0]);
    expect(i8042Command(bus, 0xd3, [0x56], 1)).to.have.property('results').deep.equal([0x56]);
    expect(i8042Command(bus, 0xd3, [0xa4], 1)).to.have.property('results').deep.equal([0xa4]); // == 0xa4: no MUX
  });

  it('output port: A20 (0xD1, 0xDD/0xDF) and the reset line', () => {
    const { bus, a20, resets } = setup();
    expect(a20.enabled).to.equal(false);
    i8042Command(bus, 0xd1, [0xdf], 0); // Linux enable_a20_kbc
    i8042Command(bus, 0xff, [], 0); // null command: no pulse
    expect(a20.enabled).to.equal(true);
    expect(resets()).to.equal(0);
    expect((i8042Command(bus, 0xd0, [], 1) as { results: number[] }).results[0] & 0x03).to.equal(0x03);
    i8042Command(bus, 0xdd, [], 0);
    expect(a20.enabled).to.equal(false);
    i8042Command(bus, 0xdf, [], 0);
    expect(a20.enabled).to.equal(true);
    i8042Command(bus, 0xfe, [], 0); // pulse reset
    expect(resets()).to.equal(1);
    i8042Command(bus, 0xd1, [0xde], 0); // output port with reset asserted
    expect(resets()).to.equal(2);
  });

  it('status bit 3 tells whether the last write was a command', () => {
    const { bus } = setup();
    bus.write(0x64, 1, 0xa7);
    expect(bus.read(0x64, 1) & 0x08).to.equal(0x08);
    bus.write(0x60, 1, 0xee);
    expect(bus.read(0x64, 1) & 0x08).to.equal(0);
    expect(bus.read(0x60, 1)).to.equal(0xee); // echo
  });
});
