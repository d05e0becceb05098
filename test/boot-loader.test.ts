import { expect } from 'chai';
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Cpu } from '../runtime/cpu.js';
import { loadLinux, BootImageError, BOOT_PARAMS, KERNEL_ADDR } from '../guests/boot/linux.js';

const KERNEL = fileURLToPath(new URL('../../guests/linux-686.bzImage', import.meta.url));

function fakeKernel(patch: (b: Uint8Array) => void = () => {}): Uint8Array {
  const b = new Uint8Array(0x3000);
  b[0x1f1] = 4;                                   // setup_sects
  b[0x1fe] = 0x55; b[0x1ff] = 0xaa;
  b.set([0x48, 0x64, 0x72, 0x53], 0x202);         // HdrS
  b[0x206] = 0x0f; b[0x207] = 0x02;               // protocol 2.15
  b[0x201] = 0x6a;                                // header length
  b[0x211] = 1;                                   // LOADED_HIGH
  new DataView(b.buffer).setUint32(0x1f4, (0x3000 - 5 * 512) / 16, true);
  new DataView(b.buffer).setUint32(0x22c, 0x7fffffff, true);
  new DataView(b.buffer).setUint32(0x238, 2047, true);
  new DataView(b.buffer).setUint32(0x260, 0x10000, true);
  patch(b);
  return b;
}

describe('Linux boot-protocol loader', () => {
  it('loads a well-formed image, boot_params, cmdline, initrd and the 32-bit entry state', () => {
    const cpu = new Cpu(64 << 20);
    const initrd = new Uint8Array(5000).fill(7);
    const info = loadLinux(cpu, fakeKernel(), 'k', 'console=ttyS0', initrd);
    expect(info.protocol).to.equal('2.15');
    expect(cpu.eip).to.equal(KERNEL_ADDR);
    expect(cpu.r32[6]).to.equal(BOOT_PARAMS);
    expect(cpu.segSel(1)).to.equal(0x10);
    expect(cpu.segSel(3)).to.equal(0x18);
    expect(cpu.code32).to.equal(true);
    const p = cpu.phys;
    expect(p.read8(BOOT_PARAMS + 0x210)).to.equal(0xff);
    expect(p.read32(BOOT_PARAMS + 0x202)).to.equal(0x53726448);
    const cmdPtr = p.read32(BOOT_PARAMS + 0x228) >>> 0;
    expect(new TextDecoder().decode(p.dump(cmdPtr, 13))).to.equal('console=ttyS0');
    const rdAddr = p.read32(BOOT_PARAMS + 0x218) >>> 0;
    expect(p.read32(BOOT_PARAMS + 0x21c)).to.equal(5000);
    expect(rdAddr % 4096).to.equal(0);
    expect(rdAddr + 5000).to.be.at.most(64 << 20);
    expect(p.read8(rdAddr + 4999)).to.equal(7);
    expect(p.read8(BOOT_PARAMS + 0x1e8)).to.equal(4);
  });
  it('rejects malformed images with an error naming the file and the problem', () => {
    const cpu = new Cpu(64 << 20);
    const bad = (b: Uint8Array, re: RegExp) => expect(() => loadLinux(cpu, b, 'bad.img', '')).to.throw(BootImageError, re);
    bad(new Uint8Array(100), /bad.img: too small/);
    bad(fakeKernel((b) => { b[0x1fe] = 0; }), /bad.img: no boot-sector signature/);
    bad(fakeKernel((b) => { b[0x202] = 0; }), /HdrS/);
    bad(fakeKernel((b) => { b[0x206] = 0x01; }), /boot protocol 2.01 is too old/);
    bad(fakeKernel((b) => { b[0x211] = 0; }), /not a bzImage/);
    bad(fakeKernel((b) => { new DataView(b.buffer).setUint32(0x1f4, 0x100000, true); }), /truncated/);
    expect(() => loadLinux(cpu, fakeKernel(), 'k', 'x'.repeat(3000))).to.throw(BootImageError, /exceeds the kernel's limit/);
    expect(() => loadLinux(cpu, fakeKernel(), 'k', '', new Uint8Array(0), 'rd.img')).to.throw(BootImageError, /rd.img: empty/);
    expect(() => loadLinux(new Cpu(2 << 20), fakeKernel(), 'k', '', new Uint8Array(3 << 20), 'rd.img')).to.throw(BootImageError, /rd.img: .* do not fit/);
  });
  it('accepts the Debian kernel in guests/', function () {
    if (!existsSync(KERNEL)) this.skip();
    const cpu = new Cpu(128 << 20);
    const info = loadLinux(cpu, new Uint8Array(readFileSync(KERNEL)), 'linux-686.bzImage', 'console=ttyS0');
    expect(info.protocol).to.equal('2.15');
    expect(info.entry).to.equal(0x100000);
  });
});
