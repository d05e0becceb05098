/**
 * BT BTS BTR BTC, BSF BSR, BSWAP. Expected values were checked on the host
 * CPU (gcc -m32 inline asm) where the SDM leaves room: BT leaves every flag
 * but CF alone; BSF/BSR of 0 leave the destination and set ZF (and PF, with
 * CF/OF/SF/AF clear); BSWAP r16 zeroes the register.
 */
import { expect } from 'chai';
import { runSnippet, type SnippetOptions } from '../../src/snippet.js';
import { TEST_ENGINES } from '../helpers/engines.js';
import { hexBytes } from '../helpers/asm.js';

const CF = 0x1, PF = 0x4, AF = 0x10, ZF = 0x40, SF = 0x80, OF = 0x800;
const STATUS = CF | PF | AF | ZF | SF | OF;

for (const engine of TEST_ENGINES) {
  const run = (hex: string, o: Partial<SnippetOptions> = {}) => {
    const r = runSnippet({ engine, code: hexBytes(hex, 'f4'), ...o });
    expect(r.stop, r.exception ? `${r.exception.name} at ${r.exception.eip.toString(16)}` : r.stop).to.equal('hlt');
    return r;
  };
  const mem = (addr: number, ...bytes: number[]) => ({ addr, bytes: Uint8Array.from(bytes) });

  describe(`bit test and scan [${engine}]`, () => {
    describe('BT BTS BTR BTC', () => {
      it('register forms take the bit offset modulo the operand size and change only CF', () => {
        const regs = { eax: 0x80000010, ecx: 4 + 32 };
        // Every other status flag set before: they must survive.
        const fl = STATUS & ~CF;
        let r = run('0fa3c8', { regs, eflags: fl }); // bt eax, ecx
        expect(r.regs.eax).to.equal(0x80000010);
        expect(r.eflags & STATUS).to.equal(STATUS);
        r = run('0fabc8', { regs: { eax: 0, ecx: 35 }, eflags: STATUS }); // bts eax, ecx
        expect(r.regs.eax).to.equal(8);
        expect(r.eflags & STATUS).to.equal(STATUS & ~CF);
        r = run('0fb3c8', { regs: { eax: 0xffffffff, ecx: 31 } }); // btr eax, ecx
        expect(r.regs.eax).to.equal(0x7fffffff);
        expect(r.eflags & CF).to.equal(CF);
        r = run('0fbbc8', { regs: { eax: 0x5, ecx: 0xffffffe2 } }); // btc eax, ecx (offset 2)
        expect(r.regs.eax).to.equal(0x1);
        expect(r.eflags & CF).to.equal(CF);
      });
      it('16-bit register forms', () => {
        let r = run('660fa3c8', { regs: { eax: 0xffff0008, ecx: 0x13 } }); // bt ax, cx (offset 19 & 15 = 3)
        expect(r.eflags & CF).to.equal(CF);
        r = run('660fbbc8', { regs: { eax: 0xffff0008, ecx: 0x13 } }); // btc ax, cx
        expect(r.regs.eax).to.equal(0xffff0000);
        r = run('660fbaf013', { regs: { eax: 0x12340008 } }); // btr ax, 19
        expect(r.regs.eax).to.equal(0x12340000);
        expect(r.eflags & CF).to.equal(CF);
      });
      it('immediate forms mask the offset to the operand size', () => {
        let r = run('0fbae81f', { regs: { eax: 1 } }); // bts eax, 31
        expect(r.regs.eax).to.equal(0x80000001);
        expect(r.eflags & CF).to.equal(0);
        r = run('0fbaf823', { regs: { eax: 0xf } }); // btc eax, 35 -> bit 3
        expect(r.regs.eax).to.equal(0x7);
        expect(r.eflags & CF).to.equal(CF);
        // bt dword [ebx], 33 -> bit 1 of the dword at ebx, not of the next one
        r = run('0fba2321', { regs: { ebx: 0x2000 }, memory: [mem(0x2000, 0x02, 0, 0, 0, 0, 0, 0, 0)] });
        expect(r.eflags & CF).to.equal(CF);
        // btc word [ebx], 17 -> bit 1 of the word
        r = run('660fba3b11', { regs: { ebx: 0x2000 }, memory: [mem(0x2000, 0x00, 0x00, 0x55)] });
        expect(Array.from(r.readMemory(0x2000, 3))).to.deep.equal([0x02, 0x00, 0x55]);
        expect(r.eflags & CF).to.equal(0);
      });
      it('a register offset on memory is signed and addresses outside the operand (32-bit)', () => {
        // bts dword [ebx], ecx with ecx = -1 -> bit 31 of the dword at ebx-4
        let r = run('0fab0b', { regs: { ebx: 0x2000, ecx: 0xffffffff } });
        expect(Array.from(r.readMemory(0x1ffc, 8))).to.deep.equal([0, 0, 0, 0x80, 0, 0, 0, 0]);
        expect(r.eflags & CF).to.equal(0);
        // -33 -> dword at ebx-8, bit 31 (checked natively)
        r = run('0fab0b', { regs: { ebx: 0x2000, ecx: -33 >>> 0 } });
        expect(Array.from(r.readMemory(0x1ff8, 8))).to.deep.equal([0, 0, 0, 0x80, 0, 0, 0, 0]);
        // 100 = 3 * 32 + 4 -> dword at ebx+12, bit 4
        r = run('0fab0b', { regs: { ebx: 0x2000, ecx: 100 } });
        expect(Array.from(r.readMemory(0x200c, 4))).to.deep.equal([0x10, 0, 0, 0]);
        // bt dword [ebx+ecx*2], edx: the bit string starts at the full effective address
        r = run('0fa3144b', { regs: { ebx: 0x2000, ecx: 2, edx: 64 + 9 }, memory: [mem(0x200c, 0, 0x02)] });
        expect(r.eflags & CF).to.equal(CF);
      });
      it('a register offset on memory is signed and addresses outside the operand (16-bit)', () => {
        // btr word [ebx], cx with cx = 0xffff (-1) -> bit 15 of the word at ebx-2
        const r = run('660fb30b', { regs: { ebx: 0x2000, ecx: 0x1234ffff }, memory: [mem(0x1ffe, 0xff, 0xff, 0xff, 0xff)] });
        expect(Array.from(r.readMemory(0x1ffe, 4))).to.deep.equal([0xff, 0x7f, 0xff, 0xff]);
        expect(r.eflags & CF).to.equal(CF);
      });
      it('works in real mode with 16-bit addressing', () => {
        // bt word [bx], ax with ax = 0xfff0 (-16): the word at bx-2, bit 0
        let r = run('0fa307', { mode: 'real', regs: { ebx: 0x2000, eax: 0xfff0 }, memory: [mem(0x1ffe, 0x01)] });
        expect(r.eflags & CF).to.equal(CF);
        // bts word [bx+si], cx
        r = run('0fab08', { mode: 'real', regs: { ebx: 0x2000, esi: 0x10, ecx: 17 } });
        expect(Array.from(r.readMemory(0x2010, 4))).to.deep.equal([0, 0, 2, 0]);
        // bts dword [bx], ecx (0x66)
        r = run('660fab0f', { mode: 'real', regs: { ebx: 0x2000, ecx: 40 } });
        expect(Array.from(r.readMemory(0x2004, 4))).to.deep.equal([0, 1, 0, 0]);
      });
      it('LOCK is accepted on the memory forms of BTS/BTR/BTC and is #UD on BT', () => {
        let r = run('f00fab0b', { regs: { ebx: 0x2000, ecx: 9 } }); // lock bts dword [ebx], ecx
        expect(Array.from(r.readMemory(0x2000, 2))).to.deep.equal([0, 2]);
        r = run('f00fba3305', { regs: { ebx: 0x2000 }, memory: [mem(0x2000, 0xff)] }); // lock btr dword [ebx], 5
        expect(Array.from(r.readMemory(0x2000, 1))).to.deep.equal([0xdf]);
        expect(r.eflags & CF).to.equal(CF);
        const u = runSnippet({ engine, code: hexBytes('f00fa303 f4'), regs: { ebx: 0x2000 } }); // lock bt [ebx], eax
        expect(u.exception).to.deep.include({ vector: 6, eip: 0x1000 });
        const u2 = runSnippet({ engine, code: hexBytes('f00fabc3 f4') }); // lock bts ebx, eax
        expect(u2.exception).to.deep.include({ vector: 6, eip: 0x1000 });
      });
    });

    describe('BSF BSR', () => {
      it('find the lowest / highest set bit, ZF=0', () => {
        let r = run('0fbcc1', { regs: { ecx: 0x00f00100 }, eflags: ZF }); // bsf eax, ecx
        expect(r.regs.eax).to.equal(8);
        expect(r.eflags & ZF).to.equal(0);
        r = run('0fbdc1', { regs: { ecx: 0x00f00100 } }); // bsr eax, ecx
        expect(r.regs.eax).to.equal(23);
        r = run('0fbdc1', { regs: { ecx: 0x80000000 } });
        expect(r.regs.eax).to.equal(31);
        // bit 0: the index is 0 but ZF is still clear; host: PF from the index, CF/OF/SF/AF clear
        r = run('0fbcc1', { regs: { ecx: 1 }, eflags: STATUS });
        expect(r.regs.eax).to.equal(0);
        expect(r.eflags & STATUS).to.equal(PF);
      });
      it('a zero source sets ZF and leaves the destination unchanged', () => {
        let r = run('0fbcc1', { regs: { eax: 0xdeadbeef, ecx: 0 } });
        expect(r.regs.eax).to.equal(0xdeadbeef);
        expect(r.eflags & STATUS).to.equal(ZF | PF);
        r = run('0fbdc1', { regs: { eax: 0xdeadbeef, ecx: 0 }, eflags: CF | SF | OF });
        expect(r.regs.eax).to.equal(0xdeadbeef);
        expect(r.eflags & STATUS).to.equal(ZF | PF);
        // 16-bit: the upper half of the source does not count
        r = run('660fbcc1', { regs: { eax: 0xdeadbeef, ecx: 0xffff0000 } }); // bsf ax, cx
        expect(r.regs.eax).to.equal(0xdeadbeef);
        expect(r.eflags & ZF).to.equal(ZF);
      });
      it('16-bit and memory forms', () => {
        let r = run('660fbcc1', { regs: { eax: 0xdeadbeef, ecx: 0x100 } }); // bsf ax, cx
        expect(r.regs.eax).to.equal(0xdead0008);
        r = run('0fbd03', { regs: { ebx: 0x2000 }, memory: [mem(0x2000, 0, 0, 0x10, 0)] }); // bsr eax, [ebx]
        expect(r.regs.eax).to.equal(20);
        r = run('660fbc03', { regs: { eax: 0x11112222, ebx: 0x2000 }, memory: [mem(0x2000, 0, 0x80, 0xff, 0xff)] }); // bsf ax, [ebx]
        expect(r.regs.eax).to.equal(0x1111000f);
      });
    });

    describe('BSWAP', () => {
      it('reverses the bytes of a 32-bit register', () => {
        let r = run('0fc8', { regs: { eax: 0x12345678 } });
        expect(r.regs.eax).to.equal(0x78563412);
        r = run('0fce', { regs: { esi: 0x80000001 } });
        expect(r.regs.esi).to.equal(0x01000080);
      });
      it('BSWAP r16 zeroes the 16-bit register, as the real CPU does', () => {
        const r = run('660fc8', { regs: { eax: 0x12345678 } });
        expect(r.regs.eax).to.equal(0x12340000);
      });
    });
  });
}
