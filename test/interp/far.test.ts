/**
 * Far transfers and software interrupts (families/far.ts). The machine code
 * was assembled with nasm from the source in each comment.
 */
import { expect } from 'chai';
import { runSnippet } from '../../src/snippet.js';
import { TEST_ENGINES } from '../helpers/engines.js';
import { hexBytes } from '../helpers/asm.js';

for (const engine of TEST_ENGINES) {
  describe(`far transfers and INT n [${engine}]`, () => {
    describe('real mode', () => {
      it('far JMP ptr16:16 and m16:16 load CS = selector, base = selector * 16', () => {
        // jmp 0x0100:0x0010; (nops to 0x1010) mov ax,cs; jmp far [cs:0x17] -> 0080:081b (linear 0x101b); mov bx,cs; hlt
        const r = runSnippet({ engine, mode: 'real', code: hexBytes('ea1000000190909090909090909090908cc82eff2e17001b0880008ccbf4') });
        expect(r.stop).to.equal('hlt');
        expect(r.regs.eax & 0xffff).to.equal(0x100);
        expect(r.regs.ebx & 0xffff).to.equal(0x80);
        expect(r.eip).to.equal(0x81e);
      });

      it('far CALL and RETF imm16, 16- and 32-bit operand size', () => {
        // mov sp,0x8000; push 0x1111; call 0x100:0x1b; mov si,sp; push 0x2222; call dword 0x100:0x28; mov di,sp; hlt
        // sub: mov ax,cs; mov bp,sp; mov cx,[bp]; mov dx,[bp+2]; retf 2
        // sub32: mov ebx,[esp]; mov ebp,[esp+4]; o32 retf 2
        const r = runSnippet({ engine, mode: 'real', code: hexBytes(
          'bc00806811119a1b00000189e6682222669a28000000000189e7f48cc889e58b4e008b5602ca020066678b1c2466678b6c240466ca0200') });
        expect(r.stop).to.equal('hlt');
        expect(r.regs.eax & 0xffff).to.equal(0x100);
        expect(r.regs.ecx & 0xffff).to.equal(0x100b);
        expect(r.regs.edx & 0xffff).to.equal(0);
        expect(r.regs.esi & 0xffff).to.equal(0x8000);
        expect(r.regs.ebx).to.equal(0x1018);
        expect(r.regs.ebp).to.equal(0);
        expect(r.regs.edi & 0xffff).to.equal(0x8000);
      });

      it('a far JMP beyond the 64 KiB CS limit is #GP(0)', () => {
        // jmp dword 0:0x10000
        const r = runSnippet({ engine, mode: 'real', code: hexBytes('66ea000001000000 f4') });
        expect(r.exception).to.deep.include({ vector: 13, eip: 0x1000 });
      });

      it('INT n through a handler installed in the IVT; IRET restores FLAGS', () => {
        // mov word [0x84],handler; mov word [0x86],0; mov ax,5; int 0x21; mov cx,sp; hlt
        // handler: pushf; pop bx; add ax,1; iret
        const r = runSnippet({ engine, mode: 'real', eflags: 0x202, code: hexBytes('c70684001410c70686000000b80500cd2189e1f49c5b83c001cf') });
        expect(r.stop).to.equal('hlt');
        expect(r.regs.eax & 0xffff).to.equal(6);
        expect(r.regs.ebx & 0x200).to.equal(0); // IF cleared in the handler
        expect(r.eflags & 0x200).to.equal(0x200); // and restored by IRET
        expect(r.regs.ecx & 0xffff).to.equal(0x8000);
      });

      it('INT n with an empty IVT entry stops the run after the INT', () => {
        const r = runSnippet({ engine, mode: 'real', code: hexBytes('90 cd21 f4') });
        expect(r.stop).to.equal('exception');
        expect(r.exception).to.deep.include({ vector: 0x21, eip: 0x1003 });
        expect(r.instructions).to.equal(2);
      });

      it('INTO traps only when OF is set', () => {
        // mov word [16],handler; mov word [18],0; mov al,0x70; into; add al,0x20; into; hlt; handler: mov bl,0x55; iret
        const r = runSnippet({ engine, mode: 'real', code: hexBytes('c70610001310c70612000000b070ce0420cef4b355cf') });
        expect(r.stop).to.equal('hlt');
        expect(r.regs.eax & 0xff).to.equal(0x90);
        expect(r.regs.ebx & 0xff).to.equal(0x55);
      });

      it('IRETD and IRET load the real-mode writable EFLAGS bits', () => {
        // push dword 0x00ee7ed7; push dword 0; push dword t1; iretd; t1: mov ebx,esp
        // push word 0x0ed7; push word 0; push word t2; iret; t2: hlt
        const r = runSnippet({ engine, mode: 'real', code: hexBytes('6668d77eee00666a0066681110000066cf6689e368d70e6a00681d10cff4') });
        expect(r.stop).to.equal('hlt');
        expect(r.regs.ebx).to.equal(0x8000);
        // IRETD: AC and ID load, VM/VIF/VIP and bits 22-23 do not; IRET then replaces FLAGS[15:0] only.
        expect(r.eflags).to.equal(0x240ed7);
      });
    });

    describe('protected mode', () => {
      it('far JMP to a 16-bit code segment and back, and through m16:32', () => {
        // jmp 0x18:code16; code16: mov ax,cs; jmp dword 0x08:code32; code32: mov bx,cs; jmp far [pt]; pt: dd tgt, dw 8; tgt: mov ecx,0x77; hlt
        const r = runSnippet({ engine, code: hexBytes('ea0710000018008cc866ea111000000800668ccbff2d1a100000201000000800b977000000f4') });
        expect(r.stop).to.equal('hlt');
        expect(r.regs.eax & 0xffff).to.equal(0x18);
        expect(r.regs.ebx & 0xffff).to.equal(0x08);
        expect(r.regs.ecx).to.equal(0x77);
      });

      it('far CALL pushes CS zero-extended; RETF returns', () => {
        // mov dword [0x7ffc],-1; call 0x08:sub; mov esi,esp; hlt; sub: mov ecx,[esp]; mov edx,[esp+4]; retf
        const r = runSnippet({ engine, code: hexBytes('c705fc7f0000ffffffff9a14100000080089e6f48b0c248b542404cb') });
        expect(r.stop).to.equal('hlt');
        expect(r.regs.ecx).to.equal(0x1011);
        expect(r.regs.edx).to.equal(0x08);
        expect(r.regs.esi).to.equal(0x8000);
      });

      it('far CALL through a call gate', () => {
        // GDT entry 0x20 := 32-bit call gate (DPL 3) to 0x08:target; call 0x20:0; hlt; target: mov eax,[esp+4]; retf
        const r = runSnippet({ engine, code: hexBytes('c705200500001c100800c7052405000000ec00009a000000002000f48b442404cb') });
        expect(r.stop).to.equal('hlt');
        expect(r.regs.eax).to.equal(0x08);
        expect(r.regs.esp).to.equal(0x8000);
      });

      it('IRETD to the same privilege level', () => {
        // push dword 0x8d7; push dword 8; push dword t; iretd; t: mov eax,esp; hlt
        const r = runSnippet({ engine, code: hexBytes('68d70800006a08680d100000cf89e0f4') });
        expect(r.stop).to.equal('hlt');
        expect(r.regs.eax).to.equal(0x8000);
        expect(r.eflags).to.equal(0x8d7);
      });

      it('far JMP faults: null #GP(0), data segment and beyond the GDT #GP(sel), not present #NP(sel)', () => {
        expect(runSnippet({ engine, code: hexBytes('ea00000000 0000') }).exception).to.deep.include({ vector: 13, errorCode: 0, eip: 0x1000 });
        expect(runSnippet({ engine, code: hexBytes('ea00000000 1000') }).exception).to.deep.include({ vector: 13, errorCode: 0x10, eip: 0x1000 });
        expect(runSnippet({ engine, code: hexBytes('ea00000000 2b00') }).exception).to.deep.include({ vector: 13, errorCode: 0x28, eip: 0x1000 });
        // GDT entry 0x20 := code segment, P = 0; jmp 0x20:0
        const r = runSnippet({ engine, code: hexBytes('c70520050000ffff0000c70524050000001bcf00ea000000002000') });
        expect(r.exception).to.deep.include({ vector: 11, errorCode: 0x20, eip: 0x1014 });
      });

      it('INT n, INT3, INTO with no IDT stop the run after the instruction', () => {
        expect(runSnippet({ engine, code: hexBytes('cd21f4') }).exception).to.deep.include({ vector: 0x21, eip: 0x1002 });
        expect(runSnippet({ engine, code: hexBytes('ccf4') }).exception).to.deep.include({ vector: 3, eip: 0x1001 });
        // mov al,0x70; into; add al,0x20; into; hlt
        expect(runSnippet({ engine, code: hexBytes('b070ce0420cef4') }).exception).to.deep.include({ vector: 4, eip: 0x1006 });
      });
    });
  });
}
