/**
 * XADD, CMPXCHG, CMPXCHG8B and the LOCK prefix. Register-aliasing cases
 * (xadd eax,eax; xadd al,ah; cmpxchg ah,dl; cmpxchg eax,edx) and the
 * write-on-failure of CMPXCHG/CMPXCHG8B (a read-only page faults even when
 * the comparison fails) were checked on the host CPU.
 */
import { expect } from 'chai';
import { runSnippet, type SnippetOptions } from '../../src/snippet.js';
import { TEST_ENGINES } from '../helpers/engines.js';
import { hexBytes } from '../helpers/asm.js';
import { pageTables, withPaging, PAGING_PREFIX_LEN } from '../helpers/paging.js';

const CF = 0x1, PF = 0x4, AF = 0x10, ZF = 0x40, SF = 0x80, OF = 0x800;
const STATUS = CF | PF | AF | ZF | SF | OF;

for (const engine of TEST_ENGINES) {
  const run = (hex: string, o: Partial<SnippetOptions> = {}) => {
    const r = runSnippet({ engine, code: hexBytes(hex, 'f4'), ...o });
    expect(r.stop, r.exception ? `${r.exception.name} at ${r.exception.eip.toString(16)}` : r.stop).to.equal('hlt');
    return r;
  };
  const mem = (addr: number, hex: string) => [{ addr, bytes: hexBytes(hex) }];

  describe(`XADD / CMPXCHG / CMPXCHG8B / LOCK [${engine}]`, () => {
    describe('XADD', () => {
      it('register forms exchange and add, flags as ADD', () => {
        let r = run('0fc1c8', { regs: { eax: 0xffffffff, ecx: 2 } }); // xadd eax, ecx
        expect(r.regs.eax).to.equal(1);
        expect(r.regs.ecx).to.equal(0xffffffff);
        expect(r.eflags & STATUS).to.equal(CF | AF);
        r = run('0fc1c0', { regs: { eax: 0x80000001 } }); // xadd eax, eax (host: 2, CF OF)
        expect(r.regs.eax).to.equal(2);
        expect(r.eflags & (CF | OF | ZF | SF)).to.equal(CF | OF);
        r = run('0fc0e0', { regs: { eax: 0x1234f080 } }); // xadd al, ah (host: 12348070, CF OF)
        expect(r.regs.eax).to.equal(0x12348070);
        expect(r.eflags & (CF | OF)).to.equal(CF | OF);
        r = run('660fc1d1', { regs: { ecx: 0xaaaa7fff, edx: 0xbbbb0001 } }); // xadd cx, dx
        expect(r.regs.ecx).to.equal(0xaaaa8000);
        expect(r.regs.edx).to.equal(0xbbbb7fff);
        expect(r.eflags & (OF | SF | CF)).to.equal(OF | SF);
      });
      it('memory forms (with and without LOCK)', () => {
        let r = run('0fc10b', { regs: { ebx: 0x2000, ecx: 5 }, memory: mem(0x2000, '0a000000') }); // xadd [ebx], ecx
        expect(Array.from(r.readMemory(0x2000, 4))).to.deep.equal([15, 0, 0, 0]);
        expect(r.regs.ecx).to.equal(10);
        r = run('f00fc10b', { regs: { ebx: 0x2000, ecx: 1 }, memory: mem(0x2000, 'ffffffff') }); // lock xadd [ebx], ecx
        expect(Array.from(r.readMemory(0x2000, 4))).to.deep.equal([0, 0, 0, 0]);
        expect(r.regs.ecx).to.equal(0xffffffff);
        expect(r.eflags & (ZF | CF)).to.equal(ZF | CF);
        r = run('0fc00b', { regs: { ebx: 0x2000, ecx: 0x101 }, memory: mem(0x2000, 'ff77') }); // xadd byte [ebx], cl
        expect(Array.from(r.readMemory(0x2000, 2))).to.deep.equal([0, 0x77]);
        expect(r.regs.ecx).to.equal(0x1ff);
        r = run('660fc10b', { regs: { ebx: 0x2000, ecx: 0x10002 }, memory: mem(0x2000, 'feff77') }); // xadd word [ebx], cx
        expect(Array.from(r.readMemory(0x2000, 3))).to.deep.equal([0, 0, 0x77]);
        expect(r.regs.ecx).to.equal(0x1fffe);
      });
    });

    describe('CMPXCHG', () => {
      it('register forms: equal stores the source, unequal loads the accumulator', () => {
        let r = run('0fb1d1', { regs: { eax: 5, ecx: 5, edx: 7 } }); // cmpxchg ecx, edx
        expect([r.regs.eax, r.regs.ecx, r.regs.edx]).to.deep.equal([5, 7, 7]);
        expect(r.eflags & STATUS).to.equal(ZF | PF);
        r = run('0fb1d1', { regs: { eax: 5, ecx: 3, edx: 7 } });
        expect([r.regs.eax, r.regs.ecx, r.regs.edx]).to.deep.equal([3, 3, 7]);
        expect(r.eflags & STATUS).to.equal(0); // 5 - 3: host fl 202
        r = run('0fb1d0', { regs: { eax: 5, edx: 0x77 } }); // cmpxchg eax, edx: always equal
        expect(r.regs.eax).to.equal(0x77);
        expect(r.eflags & ZF).to.equal(ZF);
        r = run('0fb0d4', { regs: { eax: 0x12345611, edx: 0x99 } }); // cmpxchg ah, dl, unequal (host: 12345656, fl 297)
        expect(r.regs.eax).to.equal(0x12345656);
        expect(r.eflags & STATUS).to.equal(0x297 & STATUS);
        r = run('0fb0d4', { regs: { eax: 0x12341111, edx: 0x99 } }); // equal (host: 12349911)
        expect(r.regs.eax).to.equal(0x12349911);
        r = run('660fb1d1', { regs: { eax: 0xffff0001, ecx: 0x00000001, edx: 0xabcd } }); // cmpxchg cx, dx
        expect(r.regs.ecx).to.equal(0xabcd);
        expect(r.regs.eax).to.equal(0xffff0001);
      });
      it('memory forms, flags as CMP accumulator, destination', () => {
        let r = run('0fb113', { regs: { eax: 0x100, ebx: 0x2000, edx: 0x55 }, memory: mem(0x2000, '00010000') }); // cmpxchg [ebx], edx
        expect(Array.from(r.readMemory(0x2000, 4))).to.deep.equal([0x55, 0, 0, 0]);
        expect(r.eflags & ZF).to.equal(ZF);
        r = run('f00fb113', { regs: { eax: 1, ebx: 0x2000, edx: 0x55 }, memory: mem(0x2000, '02000000') }); // lock, unequal
        expect(Array.from(r.readMemory(0x2000, 4))).to.deep.equal([2, 0, 0, 0]);
        expect(r.regs.eax).to.equal(2);
        expect(r.eflags & (ZF | CF | SF)).to.equal(CF | SF); // 1 - 2
        r = run('0fb013', { regs: { eax: 0xffffff80, ebx: 0x2000, edx: 1 }, memory: mem(0x2000, '80') }); // cmpxchg byte [ebx], dl
        expect(Array.from(r.readMemory(0x2000, 1))).to.deep.equal([1]);
        r = run('660fb113', { regs: { eax: 0x1234, ebx: 0x2000, edx: 1 }, memory: mem(0x2000, '3512') }); // word, unequal
        expect(r.regs.eax).to.equal(0x1235);
        expect(r.eflags & (ZF | CF)).to.equal(CF);
      });
      it('writes the destination even when unequal: a read-only page faults either way', () => {
        for (const eax of [5, 7]) {
          const r = runSnippet({
            engine, code: withPaging(hexBytes('0fb113 f4')), regs: { eax, ebx: 0x30000, edx: 9 },
            memory: [...pageTables({ readOnly: [0x30000] }), { addr: 0x30000, bytes: hexBytes('05000000') }],
          });
          expect(r.exception, `eax=${eax}`).to.deep.include({ vector: 14, eip: 0x1000 + PAGING_PREFIX_LEN, errorCode: 3 });
          expect(r.regs.eax).to.equal(eax);
          expect(Array.from(r.readMemory(0x30000, 4))).to.deep.equal([5, 0, 0, 0]);
        }
      });
    });

    describe('CMPXCHG8B', () => {
      it('equal: stores ECX:EBX, ZF=1, other flags unchanged', () => {
        const r = run('0fc70b', {
          regs: { eax: 0x11111111, edx: 0x22222222, ebx: 0x2000, ecx: 0x44444444 }, eflags: CF | SF,
          memory: mem(0x2000, '1111111122222222'),
        });
        // EBX is the address and also the low half stored
        expect(Array.from(r.readMemory(0x2000, 8))).to.deep.equal([0, 0x20, 0, 0, 0x44, 0x44, 0x44, 0x44]);
        expect(r.eflags & STATUS).to.equal(ZF | CF | SF);
      });
      it('unequal: loads EDX:EAX, ZF=0', () => {
        const r = run('f00fc70b', {
          regs: { eax: 0x11111111, edx: 0x22222223, ebx: 0x2000, ecx: 0x44444444 }, eflags: ZF | OF,
          memory: mem(0x2000, '1111111122222222'),
        });
        expect(r.regs.eax).to.equal(0x11111111);
        expect(r.regs.edx).to.equal(0x22222222);
        expect(Array.from(r.readMemory(0x2000, 8))).to.deep.equal([0x11, 0x11, 0x11, 0x11, 0x22, 0x22, 0x22, 0x22]);
        expect(r.eflags & STATUS).to.equal(OF);
      });
      it('unequal on a read-only page faults (P6 writes back the old value)', () => {
        const r = runSnippet({
          engine, code: withPaging(hexBytes('0fc70b f4')), regs: { eax: 1, edx: 2, ebx: 0x30000, ecx: 3 },
          memory: [...pageTables({ readOnly: [0x30000] })],
        });
        expect(r.exception).to.deep.include({ vector: 14, eip: 0x1000 + PAGING_PREFIX_LEN });
        expect([r.regs.eax, r.regs.edx]).to.deep.equal([1, 2]);
      });
      it('the register form is #UD', () => {
        const r = runSnippet({ engine, code: hexBytes('0fc7c8 f4') });
        expect(r.exception).to.deep.include({ vector: 6, eip: 0x1000 });
      });
    });

    describe('LOCK', () => {
      it('runs on lockable instructions with a memory destination', () => {
        let r = run('f00103', { regs: { eax: 3, ebx: 0x2000 }, memory: mem(0x2000, '04000000') }); // lock add [ebx], eax
        expect(Array.from(r.readMemory(0x2000, 4))).to.deep.equal([7, 0, 0, 0]);
        r = run('f0ff03', { regs: { ebx: 0x2000 }, memory: mem(0x2000, 'ff000000') }); // lock inc dword [ebx]
        expect(Array.from(r.readMemory(0x2000, 4))).to.deep.equal([0, 1, 0, 0]);
      });
      it('is #UD with a register destination or on a non-lockable instruction', () => {
        for (const hex of ['f001d8', 'f08b03', 'f03903', 'f090', 'f00fc8', 'f00fc1d8']) {
          const r = runSnippet({ engine, code: hexBytes(hex, 'f4'), regs: { ebx: 0x2000 } });
          expect(r.exception, hex).to.deep.include({ vector: 6, eip: 0x1000 });
        }
      });
    });
  });
}
