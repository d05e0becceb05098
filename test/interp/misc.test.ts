import { expect } from 'chai';
import { runSnippet } from '../../src/snippet.js';
import { TEST_ENGINES } from '../helpers/engines.js';
import { hexBytes } from '../helpers/asm.js';
import { runAtCpl3 } from '../helpers/ring3.js';
import { BASE_FEATURES, cpuModel, cpuidLeaf as cpuidOf } from '../../runtime/cpu-model.js';

const P2 = cpuModel('pentium2');
const CPUID_FEATURES = P2.leaf1[2];
const cpuidLeaf = (leaf: number) => cpuidOf(P2, leaf);
import { CR4, w } from '../../runtime/state/layout.js';

const u32 = (b: Uint8Array, i: number) => (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;

/** Page directory at 0x10000 identity-mapping 0-1 MiB with 4 KiB pages, page 7 (0x7000-0x7fff) not present. */
function pagingWithHoleAt7(): { addr: number; bytes: Uint8Array }[] {
  const pd = new Uint8Array(4096), pt = new Uint8Array(4096);
  new DataView(pd.buffer).setUint32(0, 0x11003, true);
  for (let i = 0; i < 256; i++) if (i !== 7) new DataView(pt.buffer).setUint32(i * 4, (i << 12) | 3, true);
  return [{ addr: 0x10000, bytes: pd }, { addr: 0x11000, bytes: pt }];
}

describe('CPUID identity', () => {
  it('is a GenuineIntel Pentium II with exactly the implemented features', () => {
    // FPU PSE TSC MSR CX8 SEP PGE CMOV
    expect(CPUID_FEATURES).to.equal(0x1 | 0x8 | 0x10 | 0x20 | 0x100 | 0x800 | 0x2000 | 0x8000);
    expect(BASE_FEATURES).to.equal(CPUID_FEATURES);
    expect(cpuidLeaf(0)[0]).to.equal(2);
    expect(cpuidLeaf(1)[0]).to.equal(0x633);
  });
});

for (const engine of TEST_ENGINES) {
  describe(`misc family [${engine}]`, () => {
    it('CPUID leaves 0, 1, 2; higher and extended leaves return the highest basic leaf', () => {
      const r = runSnippet({ engine, code: hexBytes(
        '31c00fa2891d00200000891504200000890d08200000a30c200000b8010000000fa2a310200000891d14200000890d18200000',
        '89151c200000b8020000000fa2a320200000891d24200000890d2820000089152c200000b8070000000fa2a330200000b8000000',
        '800fa2a334200000891538200000f4') });
      expect(r.stop).to.equal('hlt');
      const m = r.readMemory(0x2000, 0x3c);
      expect(Buffer.from(m.subarray(0, 12)).toString('latin1')).to.equal('GenuineIntel');
      expect(u32(m, 0x0c)).to.equal(2);
      expect([u32(m, 0x10), u32(m, 0x14), u32(m, 0x18), u32(m, 0x1c)]).to.deep.equal([0x633, 0, 0, CPUID_FEATURES]);
      expect([u32(m, 0x20), u32(m, 0x24), u32(m, 0x28), u32(m, 0x2c)]).to.deep.equal([0x03020101, 0, 0, 0x0c040843]);
      expect(u32(m, 0x30)).to.equal(0x03020101);
      expect(u32(m, 0x34)).to.equal(0x03020101); // 0x80000000: no extended leaves
      expect(u32(m, 0x38)).to.equal(0x0c040843);
    });

    it('RDTSC counts up, in protected and real mode', () => {
      const r = runSnippet({ engine, code: hexBytes('0f3189c689d790900f31f4') });
      expect(r.stop).to.equal('hlt');
      const t0 = (BigInt(r.regs.edi) << 32n) | BigInt(r.regs.esi), t1 = (BigInt(r.regs.edx) << 32n) | BigInt(r.regs.eax);
      expect(t1 > t0).to.equal(true);
      expect(runSnippet({ engine, mode: 'real', code: hexBytes('0f31f4') }).stop).to.equal('hlt');
    });

    it('XLAT with 32- and 16-bit addressing and a segment override', () => {
      const table = new Uint8Array(16).map((_, i) => 0xa0 + i);
      let r = runSnippet({ engine, code: hexBytes('bb00200000b005d7f4'), memory: [{ addr: 0x2000, bytes: table }] });
      expect(r.regs.eax & 0xff).to.equal(0xa5);
      // mov ebx,0x12340100; mov al,3; es a16 xlat: [ES:BX+AL] = 0x103 (upper EBX ignored)
      r = runSnippet({ engine, code: hexBytes('bb00013412b0032667d7f4'), memory: [{ addr: 0x100, bytes: table }] });
      expect(r.stop).to.equal('hlt');
      expect(r.regs.eax & 0xff).to.equal(0xa3);
    });

    it('ENTER level 0 and nested levels (32-bit stack), LEAVE', () => {
      let r = runSnippet({ engine, code: hexBytes('bd11111111c8200000f4') });
      expect(r.regs.ebp).to.equal(0x7ffc);
      expect(r.regs.esp).to.equal(0x7ffc - 0x20);
      expect(u32(r.readMemory(0x7ffc, 4), 0)).to.equal(0x11111111);
      // ebp=0x7000, [0x6ffc]=0xaaaa, [0x6ff8]=0xbbbb; enter 8,3 (checked on the host CPU)
      r = runSnippet({ engine, code: hexBytes('bd00700000c705fc6f0000aaaa0000c705f86f0000bbbb0000c8080003f4') });
      expect(r.regs.esp).to.equal(0x7fe8);
      expect(r.regs.ebp).to.equal(0x7ffc);
      expect(Buffer.from(r.readMemory(0x7fe8, 0x18)).toString('hex')).to.equal('0000000000000000fc7f0000bbbb0000aaaa000000700000');
      // leave: esp = ebp + 4, ebp = [old ebp]
      r = runSnippet({ engine, code: hexBytes('bd00700000c7050070000078563412c9f4') });
      expect(r.regs.esp).to.equal(0x7004);
      expect(r.regs.ebp).to.equal(0x12345678);
    });

    it('ENTER and LEAVE with a 16-bit stack keep the upper halves of EBP/ESP', () => {
      let r = runSnippet({ engine, mode: 'real', code: hexBytes('bc0080bd0070c706fe6f3412c8060002f4') });
      expect(r.stop).to.equal('hlt');
      expect(r.regs.ebp & 0xffff).to.equal(0x7ffe);
      expect(r.regs.esp & 0xffff).to.equal(0x7ff4);
      expect(Buffer.from(r.readMemory(0x7ffa, 6)).toString('hex')).to.equal('fe7f34120070');
      r = runSnippet({ engine, mode: 'real', code: hexBytes('bd0070c7060070efbe66bd00705555c9f4') });
      expect(r.regs.ebp).to.equal(0x5555beef);
      expect(r.regs.esp).to.equal(0x7002);
    });

    it('a faulting ENTER changes neither ESP, EBP nor the stack', () => {
      const r = runSnippet({ engine, memory: pagingWithHoleAt7(),
        code: hexBytes('b8000001000f22d80f20c00d000000800f22c0bc10800000bd10700000c8040002f4') });
      expect(r.exception).to.deep.include({ vector: 14, eip: 0x101d });
      expect(r.regs.esp).to.equal(0x8010);
      expect(r.regs.ebp).to.equal(0x7010);
      expect(Array.from(r.readMemory(0x8000, 16)).every((b) => b === 0)).to.equal(true);
    });

    it('PUSHAD/POPAD: ESP pushed as it was, skipped on pop', () => {
      const r = runSnippet({ engine, code: hexBytes(
        'b801000000b902000000ba03000000bb04000000bd06000000be07000000bf0800000060b800000000b900000000ba00000000',
        'bb00000000bd00000000be00000000bf00000000c744240c9900000061f4') });
      expect(r.stop).to.equal('hlt');
      expect(r.regs).to.deep.equal({ eax: 1, ecx: 2, edx: 3, ebx: 4, esp: 0x8000, ebp: 6, esi: 7, edi: 8 });
      expect(Buffer.from(r.readMemory(0x7fe0, 32)).toString('hex')).to.equal(
        '08000000070000000600000099000000040000000300000002000000' + '01000000');
    });

    it('PUSHA/POPA (16-bit)', () => {
      const r = runSnippet({ engine, code: hexBytes('b801000100bc0080000066606661f4') });
      expect(r.regs.esp).to.equal(0x8000);
      expect(r.regs.eax).to.equal(0x10001);
      expect(Buffer.from(r.readMemory(0x7ff0, 16)).toString('hex')).to.equal('00000000000000800000000000000100');
    });

    it('a faulting PUSHAD leaves ESP and memory unchanged', () => {
      const r = runSnippet({ engine, memory: pagingWithHoleAt7(),
        code: hexBytes('b8000001000f22d80f20c00d000000800f22c0bc10800000b81100000060f4') });
      expect(r.exception).to.deep.include({ vector: 14, eip: 0x101d });
      expect(r.regs.esp).to.equal(0x8010);
      expect(Array.from(r.readMemory(0x8000, 16)).every((b) => b === 0)).to.equal(true);
    });

    it('BOUND passes inside the signed bounds and raises #BR (5) outside', () => {
      let r = runSnippet({ engine, code: hexBytes(
        'c70500200000fbffffffc705042000000a000000b8fbffffff620500200000b80a000000620500200000b80b000000620500200000f4') });
      expect(r.exception).to.deep.include({ vector: 5, eip: 0x102f });
      r = runSnippet({ engine, code: hexBytes('66c70500200000fbff66c705022000000a00b8fbff01006662050020000066b8faff66620500200000f4') });
      expect(r.exception).to.deep.include({ vector: 5, eip: 0x1022 });
      // Register form (62 C0) is not an instruction: #UD.
      expect(runSnippet({ engine, code: hexBytes('62c0f4') }).exception).to.deep.include({ vector: 6 });
    });

    it('multi-byte and reserved NOPs and WAIT run; UD0, UD1, UD2 raise #UD', () => {
      const r = runSnippet({ engine, code: hexBytes('900f1f000f1f440000660f1f8400000000000f19c00f1e009bf4') });
      expect(r.stop).to.equal('hlt');
      expect(r.instructions).to.equal(8);
      for (const ud of ['0fff', '0f0b', '0fb9c0']) {
        expect(runSnippet({ engine, code: hexBytes(ud, 'f4') }).exception).to.deep.include({ vector: 6, eip: 0x1000 });
      }
    });

    it('WAIT raises #NM when CR0.TS and CR0.MP are set', () => {
      const r = runSnippet({ engine, code: hexBytes('0f20c083c80a0f22c09bf4') });
      expect(r.exception).to.deep.include({ vector: 7, eip: 0x1009 });
    });
  });
}

for (const engine of TEST_ENGINES) {
  describe(`RDTSC privilege (CR4.TSD) [${engine}]`, () => {
    it('faults #GP(0) at CPL 3 with CR4.TSD, runs without it', () => {
      const code = hexBytes('0f31f4');
      let { res } = runAtCpl3(code, (cpu) => { cpu.s[w(CR4)] = 4; }, 100_000, engine);
      expect(res.reason).to.equal('unhandled');
      expect(res.unhandled).to.deep.include({ vector: 13, errorCode: 0, eip: 0x1000 });
      ({ res } = runAtCpl3(code, undefined, 100_000, engine));
      // At CPL 3 the HLT itself is privileged: #GP at the HLT, after RDTSC ran.
      expect(res.unhandled).to.deep.include({ vector: 13, eip: 0x1002 });
    });
  });
}

for (const engine of TEST_ENGINES) {
  describe(`RDPMC [${engine}]`, () => {
    it('reads counter 0/1 as 0 at CPL 0, #GP(0) for other counters', () => {
      // mov ecx,1; mov eax,-1; mov edx,-1; rdpmc; hlt
      const r = runSnippet({ engine, code: hexBytes('b901000000 b8ffffffff baffffffff 0f33 f4') });
      expect(r.stop).to.equal('hlt');
      expect([r.regs.eax, r.regs.edx]).to.deep.equal([0, 0]);
      // mov ecx,2; rdpmc
      expect(runSnippet({ engine, code: hexBytes('b902000000 0f33 f4') }).exception).to.deep.include({ vector: 13, errorCode: 0, eip: 0x1005 });
    });
  });
}
