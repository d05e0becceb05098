/**
 * The CPU models and the MMX/SSE system rules: CPUID per model, CR4.OSFXSR /
 * OSXMMEXCPT accepted only where the model has FXSR/SSE, #UD / #NM from
 * CR0.EM / CR0.TS / CR4.OSFXSR (SDM vol. 3, 2.5 and 13.1; vol. 2 per
 * instruction), MMX <-> x87 aliasing, LDMXCSR and FXSAVE faults. Semantics
 * of the instructions themselves come from the real-CPU fixtures
 * (fixtures.test.ts); these are the privileged paths a user-mode recorder cannot reach.
 */
import { expect } from 'chai';
import { runSnippet } from '../../src/snippet.js';
import { TEST_ENGINES } from '../helpers/engines.js';
import { hexBytes } from '../helpers/asm.js';
import { cpuModel, cpuidLeaf } from '../../runtime/cpu-model.js';
import { Cpu } from '../../runtime/cpu.js';

const u32 = (b: Uint8Array, i: number) => (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;

// nasm sources in the comments
const CPUID_P4 = hexBytes(// cpuid 1 -> [0x2000..]; 0x80000000 -> [0x2010]; 0x80000002 -> [0x2020..]
  'b8010000000fa2a300200000891d04200000890d0820000089150c200000b8000000800fa2a310200000b8020000800fa2a320200000',
  '891d24200000890d2820000089152c200000f4');
const SET_OSFXSR = '0f20e00d000200000f22e0'; // mov eax, cr4; or eax, 0x200; mov cr4, eax
const PXOR_XMM = '660fefc0';                  // pxor xmm0, xmm0
const PXOR_MM = '0fefc0';                     // pxor mm0, mm0
const SET_TS = '0f20c083c8080f22c0';          // mov eax, cr0; or eax, 8 (TS); mov cr0, eax
const SET_EM = '0f20c083c8040f22c0';          // ... or eax, 4 (EM)

for (const engine of TEST_ENGINES) {
  describe(`CPU models and SIMD system rules [${engine}]`, () => {
    it('pentium4: family 15 model 3, MMX FXSR SSE SSE2 CLFSH (EDX), SSE3 (ECX), brand string; pentium2 unchanged', () => {
      const r = runSnippet({ engine, cpu: 'pentium4', code: CPUID_P4 });
      expect(r.stop).to.equal('hlt');
      const m = r.readMemory(0x2000, 0x30);
      expect(u32(m, 0)).to.equal(0xf34);
      expect(u32(m, 8) & 1).to.equal(1);                               // SSE3
      const edx = u32(m, 12);
      for (const bit of [0, 4, 8, 15, 19, 23, 24, 25, 26]) expect((edx >>> bit) & 1, `EDX bit ${bit}`).to.equal(1);
      for (const bit of [6, 9, 12, 22, 27, 28, 29]) expect((edx >>> bit) & 1, `EDX bit ${bit}`).to.equal(0); // PAE APIC MTRR ACPI SS HTT TM
      expect(u32(m, 0x10)).to.equal(0x80000004);
      expect(Buffer.from(m.subarray(0x20, 0x30)).toString('latin1')).to.equal('Intel(R) Pentium');
      const p2 = runSnippet({ engine, code: CPUID_P4 });
      expect(u32(p2.readMemory(0x2000, 16), 12)).to.equal(cpuModel('pentium2').leaf1[2]);
      expect(p2.regs.edx).to.equal(cpuidLeaf(cpuModel('pentium2'), 2)[3]); // 0x80000002 on a pentium2: highest basic leaf
      expect(runSnippet({ engine, cpu: 'pentium4', code: hexBytes('f4') }).regs.edx).to.equal(0);
    });

    it('EDX after reset is the model signature', () => {
      // (runSnippet sets EDX itself, so check a freshly reset Cpu.)
      expect(new Cpu(1 << 20, cpuModel('pentium4')).r32[2]).to.equal(0xf34);
      expect(new Cpu(1 << 20).r32[2]).to.equal(0x633);
      expect(() => cpuModel('core9')).to.throw(/unknown CPU model 'core9'/);
    });

    it('IA32_MISC_ENABLE (MSR 0x1A0): #GP(0) on pentium2, fast strings on pentium4', () => {
      const code = hexBytes('b9a00100000f32f4'); // mov ecx, 0x1a0; rdmsr
      expect(runSnippet({ engine, code }).exception?.name).to.equal('#GP');
      const r = runSnippet({ engine, cpu: 'pentium4', code });
      expect(r.stop).to.equal('hlt');
      expect(r.regs.eax & 1).to.equal(1);
    });

    it('CR4.OSFXSR: #GP(0) on pentium2, accepted on pentium4', () => {
      const code = hexBytes(SET_OSFXSR, 'f4');
      expect(runSnippet({ engine, code }).exception?.name).to.equal('#GP');
      expect(runSnippet({ engine, cpu: 'pentium4', code }).stop).to.equal('hlt');
    });

    it('SSE: #UD on pentium2, #UD without CR4.OSFXSR, #UD with CR0.EM, #NM with CR0.TS; runs otherwise', () => {
      const ex = (cpu: 'pentium2' | 'pentium4', ...hex: string[]) => {
        const r = runSnippet({ engine, cpu, code: hexBytes(...hex, 'f4') });
        return r.stop === 'hlt' ? 'ok' : `${r.exception?.name}@${(r.exception?.eip ?? 0).toString(16)}`;
      };
      expect(ex('pentium2', PXOR_XMM)).to.equal('#UD@1000');
      expect(ex('pentium4', PXOR_XMM)).to.equal('#UD@1000');
      expect(ex('pentium4', SET_OSFXSR, PXOR_XMM)).to.equal('ok');
      expect(ex('pentium4', SET_OSFXSR, SET_TS, PXOR_XMM)).to.equal('#NM@1014');
      expect(ex('pentium4', SET_OSFXSR, SET_EM, PXOR_XMM)).to.equal('#UD@1014');
      // MMX: no CR4 requirement; EM -> #UD, TS -> #NM; absent on pentium2
      expect(ex('pentium2', PXOR_MM)).to.equal('#UD@1000');
      expect(ex('pentium4', PXOR_MM)).to.equal('ok');
      expect(ex('pentium4', SET_TS, PXOR_MM)).to.equal('#NM@1009');
      expect(ex('pentium4', SET_EM, PXOR_MM)).to.equal('#UD@1009');
      // FISTTP (SSE3, an x87 instruction): only the model decides (fisttp dword [0x2000])
      expect(ex('pentium2', 'db0d00200000')).to.equal('#UD@1000');
      expect(ex('pentium4', 'db0d00200000')).to.equal('ok');
      // fences: only the model matters
      expect(ex('pentium2', '0faef8')).to.equal('#UD@1000'); // sfence
      expect(ex('pentium4', '0faef8', '0faee8', '0faef0')).to.equal('ok'); // sfence, lfence, mfence
    });

    it('MMX aliases the x87 registers: MOVD mm0 then FSTP m80 gives mantissa = value, exponent 0xFFFF; EMMS empties the tags', () => {
      // mov eax, 0x12345678; movd mm0, eax; fstp tword [0x2000]; emms; fnstenv [0x2030]; hlt
      const r = runSnippet({ engine, cpu: 'pentium4', code: hexBytes('b8785634120f6ec0db3d002000000f77d93530200000f4') });
      expect(r.stop).to.equal('hlt');
      expect(Buffer.from(r.readMemory(0x2000, 10)).toString('hex')).to.equal('7856341200000000ffff');
      const env = r.readMemory(0x2030, 28);
      expect(u32(env, 8) & 0xffff).to.equal(0xffff);       // tag word: all empty
      expect((u32(env, 4) >> 11) & 7).to.equal(0);         // TOP
    });

    it('LDMXCSR with a reserved bit is #GP(0); CR4.OSXMMEXCPT accepted on pentium4', () => {
      // set OSFXSR; mov dword [0x2000], 0x11f80; ldmxcsr [0x2000]
      const bad = runSnippet({ engine, cpu: 'pentium4', code: hexBytes(SET_OSFXSR, 'c70500200000801f01000fae1500200000f4') });
      expect(bad.exception?.name).to.equal('#GP');
      expect(bad.exception?.errorCode ?? 0).to.equal(0);
      const osx = runSnippet({ engine, cpu: 'pentium4', code: hexBytes('0f20e00d000600000f22e0f4') }); // or eax, 0x600
      expect(osx.stop).to.equal('hlt');
      expect(runSnippet({ engine, code: hexBytes('0f20e00d000400000f22e0f4') }).exception?.name).to.equal('#GP');
    });

    it('FXSAVE to a misaligned address is #GP(0); on pentium4 it saves MXCSR, MXCSR_MASK and the XMM registers', () => {
      // set OSFXSR; mov eax, 0x2001; fxsave [eax]
      expect(runSnippet({ engine, cpu: 'pentium4', code: hexBytes(SET_OSFXSR, 'b8012000000fae00f4') }).exception?.name).to.equal('#GP');
      // set OSFXSR; pcmpeqb xmm7, xmm7; fxsave [0x2000]
      const r = runSnippet({ engine, cpu: 'pentium4', code: hexBytes(SET_OSFXSR, '660f74ff', '0fae0500200000', 'f4') });
      expect(r.stop).to.equal('hlt');
      const img = r.readMemory(0x2000, 512);
      expect(u32(img, 24)).to.equal(0x1f80);
      expect(u32(img, 28)).to.equal(0xffff);
      expect(Buffer.from(img.subarray(160 + 7 * 16, 160 + 8 * 16)).toString('hex')).to.equal('ff'.repeat(16));
      expect(Buffer.from(img.subarray(160, 160 + 16)).toString('hex')).to.equal('00'.repeat(16));
    });
  });
}
