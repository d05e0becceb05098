/**
 * CLC STC CMC CLD STD CLI STI, LAHF SAHF, PUSHF(D) POPF(D), CBW CWDE CWD CDQ,
 * SALC; privilege rules at CPL 3 and in virtual-8086 mode (machines set up
 * directly, since snippets start at CPL 0). POPF at CPL 3 (IF and IOPL kept,
 * AC/NT/ID writable) was checked on the host CPU.
 */
import { expect } from 'chai';
import { runSnippet, type SnippetOptions } from '../../src/snippet.js';
import { Machine } from '../../src/machine.js';
import { TEST_ENGINES } from '../helpers/engines.js';
import { hexBytes } from '../helpers/asm.js';
import { CR0, CS, IDTR_LIMIT, w } from '../../runtime/state/layout.js';

const CF = 0x1, PF = 0x4, AF = 0x10, ZF = 0x40, SF = 0x80, IF = 0x200, DF = 0x400, OF = 0x800;
const IOPL3 = 0x3000, NT = 0x4000, RF = 0x10000, VM = 0x20000, AC = 0x40000, VIF = 0x80000, VIP = 0x100000, ID = 0x200000;
const STATUS = CF | PF | AF | ZF | SF | OF;

for (const engine of TEST_ENGINES) {
  const run = (hex: string, o: Partial<SnippetOptions> = {}) => {
    const r = runSnippet({ engine, code: hexBytes(hex, 'f4'), ...o });
    expect(r.stop, r.exception ? `${r.exception.name} at ${r.exception.eip.toString(16)}` : r.stop).to.equal('hlt');
    return r;
  };

  /**
   * Run `hex` for `budget` instructions at CPL 3: flat 32-bit protected mode,
   * or virtual-8086 mode (segments 0, 16-bit code). HLT would #GP at CPL 3.
   */
  const runUser = (hex: string, o: { v86?: boolean; eflags: number; budget: number; regs?: number[] }) => {
    const m = new Machine({ memoryMiB: 2, engine });
    const cpu = m.cpu;
    cpu.s[w(CR0)] = 0x60000011;
    cpu.s[w(IDTR_LIMIT)] = 0; // no IDT: an exception stops the run
    cpu.stopOnNullVector = true;
    if (o.v86) {
      cpu.setEflags(o.eflags | VM, 0x3f7fd7);
      for (let i = 0; i < 6; i++) cpu.setSegReal(i, 0);
    } else {
      for (let i = 0; i < 6; i++) cpu.setSegCache(i, i === CS ? 0x1b : 0x23, 0, 0xffffffff, i === CS ? 0xcffb00 : 0xcff300);
      cpu.setCpl(3);
      cpu.setEflags(o.eflags, 0x3f7fd7);
    }
    o.regs?.forEach((v, i) => { cpu.r32[i] = v; });
    cpu.r32[4] = 0x8000;
    cpu.phys.load(0x1000, hexBytes(hex));
    cpu.eip = 0x1000;
    const res = m.run(o.budget);
    return { res, cpu, eflags: cpu.getEflags() };
  };

  describe(`flag instructions [${engine}]`, () => {
    it('CLC STC CMC (also on a lazily computed carry)', () => {
      expect(run('f8', { eflags: STATUS }).eflags & STATUS).to.equal(STATUS & ~CF);
      expect(run('f9', { eflags: 0 }).eflags & STATUS).to.equal(CF);
      expect(run('f5', { eflags: CF | ZF }).eflags & STATUS).to.equal(ZF);
      expect(run('f5', { eflags: ZF }).eflags & STATUS).to.equal(ZF | CF);
      // add eax, ecx (carry out, result 0) ; cmc
      const r = run('01c8 f5', { regs: { eax: 0xffffffff, ecx: 1 } });
      expect(r.eflags & STATUS).to.equal(ZF | AF | PF);
      // add ; stc ; cmc: the other lazy flags survive
      expect(run('01c8 f9 f5', { regs: { eax: 0x7fffffff, ecx: 1 } }).eflags & STATUS).to.equal(OF | SF | AF | PF);
    });
    it('CLD STD', () => {
      expect(run('fd', { eflags: 0 }).eflags & DF).to.equal(DF);
      expect(run('fc', { eflags: DF | CF }).eflags & (DF | CF)).to.equal(CF);
    });
    it('CLI STI at CPL 0 and in real mode; STI ends the block but execution goes on', () => {
      expect(run('fa', { eflags: IF }).eflags & IF).to.equal(0);
      const r = run('fb 40 40', { eflags: 0 });
      expect(r.eflags & IF).to.equal(IF);
      expect(r.regs.eax).to.equal(2);
      expect(r.instructions).to.equal(4);
      expect(run('fa', { mode: 'real', eflags: IF }).eflags & IF).to.equal(0);
      expect(run('fb', { mode: 'real', eflags: 0 }).eflags & IF).to.equal(IF);
    });
    it('CLI STI at CPL 3: #GP(0) unless IOPL is 3', () => {
      for (const hex of ['fa', 'fb']) {
        const { res } = runUser(hex, { eflags: IF, budget: 1 });
        expect(res.reason, hex).to.equal('unhandled');
        expect(res.unhandled).to.deep.include({ vector: 13, errorCode: 0, eip: 0x1000 });
      }
      const { res, eflags } = runUser('fa', { eflags: IF | IOPL3, budget: 1 });
      expect(res.reason).to.equal('budget');
      expect(eflags & IF).to.equal(0);
    });
    it('LAHF SAHF', () => {
      // add eax, ecx -> 0 with carry; lahf: AH = SF ZF 0 AF 0 PF 1 CF
      let r = run('01c8 9f', { regs: { eax: 0xffffffff, ecx: 1 } });
      expect((r.regs.eax >>> 8) & 0xff).to.equal(0x57);
      r = run('9f', { regs: { eax: 0 }, eflags: STATUS | DF });
      expect((r.regs.eax >>> 8) & 0xff).to.equal(0xd7);
      // sahf with AH = FF: bits 3 and 5 stay clear (host: 2d7), OF untouched
      r = run('9e', { regs: { eax: 0xff00 }, eflags: OF });
      expect(r.eflags & 0xfff).to.equal(0x8d7);
      // add ecx, edx overflows (lazy OF); sahf with AH = 0 keeps that OF
      r = run('01d1 9e', { regs: { eax: 0, ecx: 0x7fffffff, edx: 1 } });
      expect(r.eflags & STATUS).to.equal(OF);
    });
    it('PUSHFD / PUSHF push the flags (VM and RF clear in the 32-bit image)', () => {
      // pushfd ; pop eax
      let r = run('9c 58', { eflags: CF | ZF | DF | IF | AC | ID });
      expect(r.regs.eax).to.equal((CF | ZF | DF | IF | AC | ID | 2) >>> 0);
      // lazy flags are materialised: add eax, ecx (0x7fffffff + 1) ; pushfd ; pop ebx
      r = run('01c8 9c 5b', { regs: { eax: 0x7fffffff, ecx: 1 } });
      expect(r.regs.ebx & STATUS).to.equal(OF | SF | AF | PF);
      // 16-bit: pushf ; pop ax in real mode
      r = run('9c 58', { mode: 'real', regs: { eax: 0xaaaa0000 }, eflags: CF | IF | AC });
      expect(r.regs.eax).to.equal(0xaaaa0203);
    });
    it('POPFD at CPL 0: IOPL and IF change; VM and RF never; VIP/VIF cleared', () => {
      // push eax ; popfd ; pushfd ; pop ebx
      const all = (STATUS | IF | DF | IOPL3 | NT | RF | VM | AC | VIF | VIP | ID) >>> 0;
      let r = run('50 9d 9c 5b', { regs: { eax: all } });
      expect(r.regs.ebx).to.equal((STATUS | IF | DF | IOPL3 | NT | AC | ID | 2) >>> 0);
      r = run('50 9d 9c 5b', { regs: { eax: 0 }, eflags: STATUS | IF | IOPL3 | AC | ID });
      expect(r.regs.ebx).to.equal(2);
    });
    it('POPF (16-bit) only writes bits 15..0', () => {
      // real mode: push ax ; popf ; pushfd ; pop ebx
      const r = run('50 9d 669c 665b', { mode: 'real', regs: { eax: 0xffff0000 | IOPL3 | IF | CF }, eflags: AC | ID | ZF });
      expect(r.regs.ebx).to.equal((AC | ID | IOPL3 | IF | CF | 2) >>> 0);
    });
    it('POPFD at CPL 3: IOPL and IF unchanged (IF writable when IOPL is 3)', () => {
      // push eax ; popfd
      let { res, eflags } = runUser('50 9d', { eflags: IF, budget: 2, regs: [(STATUS | DF | IOPL3 | NT | AC | ID) >>> 0] });
      expect(res.reason).to.equal('budget');
      expect(eflags).to.equal((STATUS | DF | IF | NT | AC | ID | 2) >>> 0);
      ({ res, eflags } = runUser('50 9d', { eflags: IF | IOPL3, budget: 2, regs: [CF] }));
      expect(eflags).to.equal((CF | IOPL3 | 2) >>> 0);
    });
    it('virtual-8086 mode: PUSHF/POPF/CLI are #GP(0) with IOPL < 3', () => {
      for (const hex of ['9c', '9d', '669c', '669d', 'fa', 'fb']) {
        const { res } = runUser(hex, { v86: true, eflags: IF, budget: 1 });
        expect(res.unhandled, hex).to.deep.include({ vector: 13, errorCode: 0, eip: 0x1000 });
      }
    });
    it('virtual-8086 mode with IOPL 3: PUSHFD hides VM, POPFD keeps IOPL and VM', () => {
      // pushfd ; pop eax
      let { res, cpu } = runUser('669c 6658', { v86: true, eflags: IF | IOPL3 | CF, budget: 2 });
      expect(res.reason).to.equal('budget');
      expect(cpu.r32[0] >>> 0).to.equal((IF | IOPL3 | CF | 2) >>> 0);
      // push eax ; popfd ; cli
      ({ res, cpu } = runUser('6650 669d fa', { v86: true, eflags: IF | IOPL3, budget: 3, regs: [(ZF | AC) >>> 0] }));
      expect(res.reason).to.equal('budget');
      expect(cpu.getEflags()).to.equal((ZF | AC | IOPL3 | VM | 2) >>> 0);
    });
    it('CBW CWDE CWD CDQ', () => {
      expect(run('6698', { regs: { eax: 0x12345680 } }).regs.eax).to.equal(0x1234ff80);
      expect(run('6698', { regs: { eax: 0x1234567f } }).regs.eax).to.equal(0x1234007f);
      expect(run('98', { regs: { eax: 0x12348000 } }).regs.eax).to.equal(0xffff8000);
      expect(run('98', { regs: { eax: 0x12347fff } }).regs.eax).to.equal(0x7fff);
      let r = run('6699', { regs: { eax: 0x8000, edx: 0x12345678 } });
      expect(r.regs.edx).to.equal(0x1234ffff);
      r = run('6699', { regs: { eax: 0xffff7fff, edx: 0x12345678 } });
      expect(r.regs.edx).to.equal(0x12340000);
      expect(run('99', { regs: { eax: 0x80000000, edx: 5 } }).regs.edx).to.equal(0xffffffff);
      expect(run('99', { regs: { eax: 0x7fffffff, edx: 5 } }).regs.edx).to.equal(0);
      // real mode: 98 is CBW, 66 98 is CWDE
      expect(run('98', { mode: 'real', regs: { eax: 0x12345680 } }).regs.eax).to.equal(0x1234ff80);
      expect(run('6698', { mode: 'real', regs: { eax: 0x12348000 } }).regs.eax).to.equal(0xffff8000);
    });
    it('SALC (D6): AL = CF ? FF : 00, flags unchanged (host: 123456ff / 12345600)', () => {
      expect(run('d6', { regs: { eax: 0x12345678 }, eflags: CF }).regs.eax).to.equal(0x123456ff);
      expect(run('d6', { regs: { eax: 0x12345678 }, eflags: 0 }).regs.eax).to.equal(0x12345600);
      const r = run('01c8 d6', { regs: { eax: 0xffffffff, ecx: 2 } }); // lazy carry
      expect(r.regs.eax).to.equal(0xff);
      expect(r.eflags & CF).to.equal(CF);
    });
  });
}

for (const engine of TEST_ENGINES) {
  describe(`single-step (EFLAGS.TF) [${engine}]`, () => {
    it('traps with #DB after the first instruction that starts with TF set', () => {
      // pushfd; or dword [esp],0x100; popfd; nop; nop; hlt
      const r = runSnippet({ engine, code: hexBytes('9c 810c2400010000 9d 90 90 f4') });
      expect(r.stop).to.equal('exception');
      expect(r.exception).to.deep.include({ vector: 1, eip: 0x100a });
      expect(r.instructions).to.equal(4);
    });
    it('real mode: the #DB handler runs once per instruction until TF is cleared', () => {
      // IVT[1] = 0000:0x1100 (handler: inc si; iret); code at 0x1000:
      // pushf; pop ax; or ax,0x100; push ax; popf; nop; nop; nop; pushf; pop ax; and ax,0xfeff; push ax; popf; hlt
      const handler = hexBytes('46 cf');
      const code = hexBytes('9c 58 0d0001 50 9d 90 90 90 9c 58 25fffe 50 9d f4');
      const r = runSnippet({ engine, mode: 'real', code, regs: { esi: 0 },
        memory: [{ addr: 4, bytes: hexBytes('00110000') }, { addr: 0x1100, bytes: handler }] });
      expect(r.stop).to.equal('hlt');
      // Stepped: nop nop nop pushf pop ax and ax push ax popf = 8 instructions after the first popf.
      expect(r.regs.esi & 0xffff).to.equal(8);
    });
  });
}
