import { expect } from 'chai';
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Cpu } from '../runtime/cpu.js';
import { loadLinux, BootImageError, BOOT_PARAMS, KERNEL_ADDR } from '../guests/boot/linux.js';

const KERNEL = fileURLToPath(new URL('../../guests/linux-686.bzImage', import.meta.url));
const MEMTEST = fileURLToPath(new URL('../../guests/memtest86+ia32.bin', import.meta.url));

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
  it('accepts a short last paragraph: syssize counts 16-byte paragraphs, rounded up', () => {
    // fakeKernel: 0x3000 bytes, 5 sectors of setup, 0x2600 bytes = 608 paragraphs of protected-mode kernel.
    for (const short of [1, 8, 15]) {
      const cpu = new Cpu(64 << 20);
      const k = fakeKernel((b) => { b[0x3000 - short - 1] = 0x5a; }).subarray(0, 0x3000 - short);
      const info = loadLinux(cpu, k, 'k', '');
      expect(info.kernelBytes).to.equal(0x2600 - short);
      expect(cpu.phys.read8(KERNEL_ADDR + 0x2600 - short - 1)).to.equal(0x5a);
    }
  });
  it('refuses what is really truncated: a whole paragraph, the setup, the payload or kernel_info missing', () => {
    const cpu = new Cpu(64 << 20);
    const bad = (b: Uint8Array, re: RegExp) => expect(() => loadLinux(cpu, b, 'cut.img', '')).to.throw(BootImageError, re);
    bad(fakeKernel().subarray(0, 0x3000 - 16), /cut.img: truncated: the header says 608 paragraphs .* the file has 9712 bytes/);
    bad(fakeKernel().subarray(0, 0x3000 - 1000), /cut.img: truncated/);
    bad(fakeKernel((b) => { b[0x1f1] = 40; }), /cut.img: truncated: setup_sects = 40/);
    expect(loadLinux(cpu, fakeKernel((b) => { b[0x1f1] = 0; }), 'k', '').kernelBytes).to.equal(0x2600); // setup_sects 0 means 4
    const payload = (off: number, len: number) => (b: Uint8Array) => { new DataView(b.buffer).setUint32(0x248, off, true); new DataView(b.buffer).setUint32(0x24c, len, true); };
    bad(fakeKernel(payload(0x100, 0x2501)), /the payload \(offset 256, 9473 bytes\) ends past the 9728 bytes/);
    expect(() => loadLinux(cpu, fakeKernel(payload(0x100, 0x2500)), 'k', '')).not.to.throw();
    bad(fakeKernel((b) => { new DataView(b.buffer).setUint32(0x268, 0x2600 - 4, true); }), /kernel_info_offset 9724 is past/);
    // Before 2.08 / 2.15 those fields do not exist: whatever the bytes hold is not checked.
    expect(() => loadLinux(cpu, fakeKernel((b) => { b[0x206] = 0x07; payload(0x100, 0x9999)(b); }), 'k', '')).not.to.throw();
    expect(() => loadLinux(cpu, fakeKernel((b) => { b[0x206] = 0x0e; new DataView(b.buffer).setUint32(0x268, 0x9999, true); }), 'k', '')).not.to.throw();
  });
  it('says how much RAM a kernel needs, rounded up to whole MiB', () => {
    // Not relocatable: runs at pref_address (1 MiB); init_size 16 MiB + 1 byte, so 17 MiB + 1 byte: 18 MiB.
    const k = fakeKernel((b) => { new DataView(b.buffer).setUint32(0x260, (16 << 20) + 1, true); });
    expect(() => loadLinux(new Cpu(17 << 20), k, 'k', '')).to.throw(BootImageError, /needs 18 MiB of RAM or more/);
    expect(() => loadLinux(new Cpu(18 << 20), k, 'k', '')).not.to.throw();
  });
  it('counts init_size from where a relocatable kernel will run: pref_address aligned up to kernel_alignment', () => {
    // Like Debian's kernel: relocatable, pref_address 16 MiB, init_size 16 MiB: it needs RAM up to 32 MiB.
    const reloc = (pref: number, align: number) => fakeKernel((b) => {
      const d = new DataView(b.buffer);
      b[0x234] = 1; d.setUint32(0x230, align, true); d.setUint32(0x258, pref, true); d.setUint32(0x260, 16 << 20, true);
    });
    expect(() => loadLinux(new Cpu(31 << 20), reloc(16 << 20, 0x200000), 'k', '')).to.throw(BootImageError, /k: needs 32 MiB of RAM or more to start/);
    expect(() => loadLinux(new Cpu(32 << 20), reloc(16 << 20, 0x200000), 'k', '')).not.to.throw();
    // pref_address 15 MiB + 1, aligned up to 16 MiB.
    expect(() => loadLinux(new Cpu(32 << 20), reloc((15 << 20) + 1, 0x100000), 'k', '')).not.to.throw();
    expect(() => loadLinux(new Cpu(32 << 20), reloc((16 << 20) + 1, 0x100000), 'k', '')).to.throw(BootImageError, /needs 33 MiB/);
    // The initrd goes above the kernel's init_size, not over it.
    expect(() => loadLinux(new Cpu(32 << 20), reloc(16 << 20, 0x200000), 'k', '', new Uint8Array(4096), 'rd.img'))
      .to.throw(BootImageError, /rd.img: 4096 bytes do not fit between the kernel \(up to 0x2000000\) and the top of 32 MiB of RAM; 33 MiB would do/);
    const cpu = new Cpu(33 << 20);
    loadLinux(cpu, reloc(16 << 20, 0x200000), 'k', '', new Uint8Array(4096), 'rd.img');
    expect(cpu.phys.read32(BOOT_PARAMS + 0x218) >>> 0).to.be.at.least(32 << 20);
  });
  it('accepts memtest86+ in guests/ (its file ends 8 bytes into its last paragraph)', function () {
    if (!existsSync(MEMTEST)) this.skip();
    const bytes = new Uint8Array(readFileSync(MEMTEST));
    const cpu = new Cpu(32 << 20);
    const info = loadLinux(cpu, bytes, 'memtest86+ia32.bin', 'console=ttyS0,115200');
    expect(info.protocol).to.equal('2.12');
    expect(info.kernelBytes).to.equal(137176);
    expect(info.entry).to.equal(0x100000);
    expect(cpu.phys.read8(KERNEL_ADDR + 137175)).to.equal(bytes[bytes.length - 1]);
  });
  it('accepts the Debian kernel in guests/', function () {
    if (!existsSync(KERNEL)) this.skip();
    const cpu = new Cpu(128 << 20);
    const info = loadLinux(cpu, new Uint8Array(readFileSync(KERNEL)), 'linux-686.bzImage', 'console=ttyS0');
    expect(info.protocol).to.equal('2.15');
    expect(info.entry).to.equal(0x100000);
  });
});
