/**
 * Port I/O (families/io.ts): IN/OUT, INS/OUTS with REP / DF / address size,
 * and the TSS I/O permission bitmap. Machine code assembled with nasm from
 * the source in each comment.
 */
import { expect } from 'chai';
import { runSnippet } from '../../src/snippet.js';
import type { PortHandler } from '../../runtime/io.js';
import { Cpu } from '../../runtime/cpu.js';
import { GuestFault } from '../../runtime/exceptions.js';
import { checkIoPermission } from '../../runtime/interp/families/io.js';
import { CR0, TR_BASE, TR_FLAGS, TR_LIMIT, w } from '../../runtime/state/layout.js';
import { IOPL, VM } from '../../runtime/state/eflags.js';
import { TEST_ENGINES } from '../helpers/engines.js';
import { hexBytes } from '../helpers/asm.js';
import { runAtCpl3 } from '../helpers/ring3.js';

/** A test device: records writes; port 0x80 reads a counter 1, 2, 3...; others read 0x12345678 (sized). */
class Recorder implements PortHandler {
  writes: [number, number, number][] = [];
  reads = 0;
  private counter = 0;
  read(port: number, size: 1 | 2 | 4): number {
    this.reads++;
    const v = port === 0x80 ? ++this.counter : port === 0x60 ? 0x5a : 0x12345678;
    return size === 1 ? v & 0xff : size === 2 ? v & 0xffff : v;
  }
  write(port: number, size: 1 | 2 | 4, value: number): void {
    this.writes.push([port, size, size === 4 ? value >>> 0 : value]);
  }
}
const attach = (h: Recorder) => [0x60, 0x80, 0xe9].map((port) => ({ port, handler: h }));

/** 32-bit TSS at 0x3000 with its I/O bitmap at +0x68: ports 0xe8-0xef allowed, the rest of 0-0xff denied. */
const TSS_BASE = 0x3000;
function setupTss(cpu: Cpu): void {
  const m = cpu.phys;
  m.write16(TSS_BASE + 0x66, 0x68);
  for (let i = 0; i < 0x21; i++) m.write8(TSS_BASE + 0x68 + i, i === 0x1d ? 0 : 0xff);
  cpu.s[w(TR_BASE)] = TSS_BASE;
  cpu.s[w(TR_LIMIT)] = 0x88;
  cpu.s[w(TR_FLAGS)] = 0x8900; // present, available 32-bit TSS
}

for (const engine of TEST_ENGINES) {
  describe(`port I/O [${engine}]`, () => {
    it('IN/OUT with imm8 and DX ports, 8/16/32 bits; unclaimed ports read all ones', () => {
      // mov al,0x41; out 0xe9,al; mov dx,0xe9; mov ax,0x4243; out dx,ax; mov eax,0x44454647; out dx,eax
      // in al,0x60; mov bl,al; in ax,dx; mov cx,ax; in eax,dx; mov esi,eax; in al,0x99; mov edi,eax; mov dx,0x99; in eax,dx; hlt
      const dev = new Recorder();
      const r = runSnippet({ engine, ports: attach(dev), code: hexBytes(
        'b041e6e966bae90066b8434266efb847464544efe46088c366ed6689c1ed89c6e49989c766ba9900edf4') });
      expect(r.stop).to.equal('hlt');
      expect(dev.writes).to.deep.equal([[0xe9, 1, 0x41], [0xe9, 2, 0x4243], [0xe9, 4, 0x44454647]]);
      expect(r.regs.ebx & 0xff).to.equal(0x5a);
      expect(r.regs.ecx & 0xffff).to.equal(0x5678);
      expect(r.regs.esi).to.equal(0x12345678);
      expect(r.regs.edi).to.equal(0x123456ff);
      expect(r.regs.eax).to.equal(0xffffffff);
    });

    it('ports are attached for one run only', () => {
      const dev = new Recorder();
      runSnippet({ engine, ports: attach(dev), code: hexBytes('f4') });
      runSnippet({ engine, ports: attach(dev), code: hexBytes('e6e9f4') });
      expect(dev.writes.length).to.equal(1);
    });

    it('REP OUTSB and OUTSB', () => {
      // mov esi,msg; mov ecx,5; mov dx,0xe9; rep outsb; outsb; hlt; msg: db 'hello!'
      const dev = new Recorder();
      const r = runSnippet({ engine, ports: attach(dev), code: hexBytes('be12100000b90500000066bae900f36e6ef468656c6c6f21') });
      expect(r.stop).to.equal('hlt');
      expect(String.fromCharCode(...dev.writes.map((x) => x[2]))).to.equal('hello!');
      expect(r.regs.esi).to.equal(0x1018);
      expect(r.regs.ecx).to.equal(0);
    });

    it('REP INSW going down (DF = 1)', () => {
      // std; mov edi,0x2006; mov ecx,4; mov dx,0x80; rep insw; cld; hlt
      const dev = new Recorder();
      const r = runSnippet({ engine, ports: attach(dev), code: hexBytes('fdbf06200000b90400000066ba8000f3666dfcf4') });
      expect(r.stop).to.equal('hlt');
      expect(Buffer.from(r.readMemory(0x2000, 8)).toString('hex')).to.equal('0400030002000100');
      expect(r.regs.edi).to.equal(0x1ffe);
      expect(r.regs.ecx).to.equal(0);
    });

    it('REP INSB with 16-bit addressing uses DI and CX only', () => {
      // mov edi,0x12340100; mov ecx,0xffff0003; mov dx,0x80; a16 rep insb; hlt
      const dev = new Recorder();
      const r = runSnippet({ engine, ports: attach(dev), code: hexBytes('bf00013412b90300ffff66ba8000f3676cf4') });
      expect(r.stop).to.equal('hlt');
      expect(Array.from(r.readMemory(0x100, 3))).to.deep.equal([1, 2, 3]);
      expect(r.regs.edi).to.equal(0x12340103);
      expect(r.regs.ecx).to.equal(0xffff0000);
    });

    it('real mode: OUTS honours a segment override, INS always stores to ES', () => {
      // mov ax,0x200; mov fs,ax; mov si,0x10; mov dx,0xe9; fs outsb; mov ax,0x300; mov es,ax; xor di,di; mov dx,0x80; insb; insd; hlt
      const dev = new Recorder();
      const r = runSnippet({ engine, mode: 'real', ports: attach(dev), memory: [{ addr: 0x2010, bytes: hexBytes('5a') }],
        code: hexBytes('b800028ee0be1000bae900646eb800038ec031ffba80006c666df4') });
      expect(r.stop).to.equal('hlt');
      expect(dev.writes).to.deep.equal([[0xe9, 1, 0x5a]]);
      expect(Buffer.from(r.readMemory(0x3000, 5)).toString('hex')).to.equal('0102000000');
      expect(r.regs.edi & 0xffff).to.equal(5);
    });

    it('a page fault in REP INSB stops after the completed iterations, before reading the port again', () => {
      const pd = new Uint8Array(4096), pt = new Uint8Array(4096);
      new DataView(pd.buffer).setUint32(0, 0x11003, true);
      for (let i = 0; i < 256; i++) if (i !== 7) new DataView(pt.buffer).setUint32(i * 4, (i << 12) | 3, true);
      // enable paging (page 7 not present); mov edi,0x6ffc; mov ecx,8; mov dx,0x80; rep insb; hlt
      const dev = new Recorder();
      const r = runSnippet({ engine, ports: attach(dev), memory: [{ addr: 0x10000, bytes: pd }, { addr: 0x11000, bytes: pt }],
        code: hexBytes('b8000001000f22d80f20c00d000000800f22c0bffc6f0000b90800000066ba8000f36cf4') });
      expect(r.exception).to.deep.include({ vector: 14, eip: 0x1021 });
      expect(r.regs.ecx).to.equal(4);
      expect(r.regs.edi).to.equal(0x7000);
      expect(dev.reads).to.equal(4);
      expect(Array.from(r.readMemory(0x6ffc, 4))).to.deep.equal([1, 2, 3, 4]);
    });
  });
}

describe('I/O permission (TSS bitmap)', () => {
  // out 0xe9,al; out 0xe8,ax; out 0xef,ax; hlt
  const code = hexBytes('e6e966e7e866e7eff4');

  it('at CPL 3 with IOPL 0 the bitmap decides, per byte of the access', () => {
    const dev = new Recorder();
    const { res } = runAtCpl3(code, (cpu) => { setupTss(cpu); cpu.io.register(0xe8, 8, dev); });
    expect(res.unhandled).to.deep.include({ vector: 13, errorCode: 0, eip: 0x1005 }); // 0xef-0xf0: 0xf0 denied
    expect(dev.writes).to.deep.equal([[0xe9, 1, 0], [0xe8, 2, 0]]);
  });

  it('at CPL <= IOPL the bitmap is not consulted', () => {
    const dev = new Recorder();
    const { res } = runAtCpl3(code, (cpu) => { cpu.setEflags(IOPL, IOPL); cpu.io.register(0xe8, 8, dev); });
    expect(dev.writes.length).to.equal(3);
    expect(res.unhandled).to.deep.include({ vector: 13, eip: 0x1008 }); // the HLT
  });

  it('without a 32-bit TSS every access above IOPL is #GP(0)', () => {
    const { res } = runAtCpl3(code);
    expect(res.unhandled).to.deep.include({ vector: 13, errorCode: 0, eip: 0x1000 });
  });

  it('checkIoPermission: ports beyond the TSS limit, virtual-8086 mode, real mode', () => {
    const cpu = new Cpu(1 << 20);
    const gp = (port: number, size: number) => {
      try { checkIoPermission(cpu, port, size); return false; } catch (e) { if (e instanceof GuestFault && e.vector === 13) return true; throw e; }
    };
    expect(gp(0x80, 1)).to.equal(false); // real mode: always allowed
    cpu.s[w(CR0)] |= 1;
    setupTss(cpu);
    cpu.setCpl(3);
    expect(gp(0xe9, 1)).to.equal(false);
    expect(gp(0xec, 4)).to.equal(false);
    expect(gp(0xed, 4)).to.equal(true);
    expect(gp(0x80, 1)).to.equal(true);
    expect(gp(0x100, 1)).to.equal(true); // bitmap byte 0x20 + 1 is beyond the limit
    cpu.setCpl(0);
    expect(gp(0x80, 1)).to.equal(false);
    // Virtual-8086 mode consults the bitmap even with IOPL = 3.
    cpu.setEflags(VM | IOPL, VM | IOPL);
    cpu.setCpl(3);
    expect(gp(0xe9, 2)).to.equal(false);
    expect(gp(0x60, 1)).to.equal(true);
  });
});
