/**
 * Direct transfers between compiled blocks (translator/jit/chain.ts): a
 * block's static exit continues, by a direct tail call, into a block of the
 * same module in the same 4 KiB page, guarded by the target's alive global
 * and the budget. Each case runs on every engine with the same
 * expectations; on the JIT the machine compiles hot blocks (threshold 2) and
 * flushes its queue between small slices, so the loop's blocks land in one
 * module, and the case checks that transfers did stay in wasm.
 *
 * Machine code assembled with nasm (`bits 32`, org 0x1000); listings in the
 * comments.
 */
import { expect } from 'chai';
import { runSnippet, type SnippetResult } from '../../src/snippet.js';
import { Machine } from '../../src/machine.js';
import { hexBytes } from '../helpers/asm.js';
import { TEST_ENGINES } from '../helpers/engines.js';
import type { EngineName } from '../../src/machine.js';
import { why } from '../helpers/transfer-programs.js';

const ORG = 0x1000, DE = 0;

/**
 *   mov ecx, 300; xor eax, eax; xor ebx, ebx
 *   L: add eax, ecx; test cl, 1; jz even        ; block L
 *      add ebx, 3; jmp next (folded)             ; block "odd": add, jmp, dec, jnz L
 *   even: add ebx, 5                             ; block "even": add, dec, jnz L
 *   next: dec ecx; jnz L; hlt
 */
const LOOP = 'b92c01000031c031db01c8f6c101740583c303eb0383c3054975eef4';
/** 3 + 300 x L (3) + 150 x odd (4) + 150 x even (3) + hlt */
const LOOP_INSNS = 3 + 300 * 3 + 150 * 4 + 150 * 3 + 1;

/**
 *   mov ecx, 40; xor eax, eax; xor ebx, ebx; xor edx, edx
 *   L (0x100b): test cl, 7; jnz skip; mov [P + 2], cl  ; ECX a multiple of 8: patch P's immediate
 *   skip:       add ebx, 1; jnz P; hlt                 ; always taken (EBX > 0); the HLT ends the block
 *   (63 x nop)                                         ; before P (blocks go on past a Jcc)
 *   P (0x105b): add eax, 0 (imm8 at 0x105d); add edx, 2; dec ecx; jnz L; hlt
 */
const KILL = 'b92800000031c031db31d2f6c1077506880d5d10000083c3017540f4' + '90'.repeat(63) + '83c00083c2024975a7f4';

/**
 *   mov ecx, 300; mov edi, 40; xor ebx, ebx; xor esi, esi
 *   L: add ebx, ecx; test cl, 1; jz even
 *      add esi, 3; jmp next (folded)
 *   even: dec edi; mov eax, 1000; xor edx, edx; div edi (0x1022)   ; #DE at the 40th even ECX (222)
 *   next: dec ecx; jnz L; hlt
 */
const FAULT = 'b92c010000bf2800000031db31f601cbf6c101740583c603eb0a4fb8e803000031d2f7f74975e7f4';

/**
 * An interrupt held while IF = 0 is taken after STI's shadow, at the next block boundary, on both engines:
 *   lidt [idtr]; mov ecx, 20; xor esi, esi; xor edi, edi; mov ebx, 0x4000
 *   L (0x1015): cli; out 0x80, al (raises the IRQ); sti        ; STI ends the block: its shadow covers the next boundary
 *   A (0x1019): inc esi; test esi, esi; jnz B; 8 x nop; hlt    ; always leaves at the JNZ, mid-block
 *   B (0x1027): inc edi; dec ecx; jnz L; hlt
 *   handler (0x102c, vector 0x20): mov eax, esi; shl eax, 8; or eax, edi; mov [ebx], eax; add ebx, 4; iret
 *   idtr: dw 0x107; dd 0x3000
 * The block after the shadow (A) leaves early, with most of the budget the loop gave it (its length) unused:
 * a direct transfer into B must not follow, or the held interrupt lands after B (found on bench=1 with
 * `jitvisor compare`: kernel code `sti` then a superblock left by a taken JE).
 */
const STI_SHADOW = '0f011d39100000b91400000031f631ffbb00400000fae680fb4685f675099090909090909090f4474975eaf489f0c1e00809f8890383c304cf070100300000';
/** The interrupt gate for vector 0x20 at IDT 0x3000: handler 0x102c, selector 0x08, 32-bit interrupt gate, DPL 0. */
const STI_IDT = { addr: 0x3000 + 0x20 * 8, bytes: hexBytes('2c100800008e0000') };

/** A JIT machine whose hot blocks are compiled together (one module) at the next slice boundary; the interpreter's own. */
function machineFor(engine: EngineName, batch = 64, innerJcc = true): Machine | undefined {
  if (engine !== 'jit') return undefined;
  return new Machine({ memoryMiB: 2, engine: 'jit', jit: { threshold: 2, batch, sync: true, chain: false, direct: true, innerJcc } });
}
const sliced = { slice: 50, onSlice: (m: Machine): void => m.jit?.flush() };

for (const engine of TEST_ENGINES) {
  describe(`direct transfers between compiled blocks of one page [${engine}]`, () => {
    const direct = (r: SnippetResult, atLeast: number): void => {
      if (engine === 'jit') expect(r.direct, 'transfers that stayed in wasm').to.be.at.least(atLeast);
    };

    it('a loop over three blocks of one page: state and instruction count are the interpreter\'s', () => {
      const r = runSnippet({ engine, machine: machineFor(engine), code: hexBytes(LOOP), ...sliced });
      expect(r.stop, why(r)).to.equal('hlt');
      expect(r.instructions).to.equal(LOOP_INSNS);
      expect(r.regs).to.deep.include({ eax: 45150, ebx: 150 * 3 + 150 * 5, ecx: 0 });
      // Slices of 50 cut most chains: still most block boundaries inside a slice stay in wasm.
      direct(r, 200);
    });

    it('a fault in a directly entered block: EIP, state and count exactly the interpreter\'s', () => {
      const r = runSnippet({ engine, machine: machineFor(engine), code: hexBytes(FAULT), ...sliced });
      expect(r.exception, why(r)).to.deep.include({ vector: DE, eip: ORG + 0x22 });
      // 4 + 39 x (L 3 + even 6) + 39 x (L 3 + odd 4) + L 3 + the 3 before the DIV
      expect(r.instructions).to.equal(4 + 39 * 9 + 39 * 7 + 3 + 3);
      expect(r.regs).to.deep.include({ ebx: ((300 + 222) * 79) / 2, esi: 39 * 3, ecx: 222, edi: 0, eax: 1000, edx: 0 });
      direct(r, 40);
    });

    it('a block killed by a store while its predecessor is linked to it is not entered: the rewritten code runs', () => {
      // innerJcc off: its `jnz skip` over the patching store would stay inside the block (JitOptions.innerJcc),
      // and the 20 direct transfers asked for below count those exits.
      const m = machineFor(engine, 64, false);
      const r = runSnippet({ engine, machine: m, code: hexBytes(KILL), ...sliced });
      expect(r.stop, why(r)).to.equal('hlt');
      // P adds the last multiple of 8 written into it: 40 x 8 + 32 x 8 + 24 x 8 + 16 x 8 + 8 x 8.
      expect(r.regs).to.deep.include({ eax: 960, ebx: 40, edx: 80, ecx: 0 });
      // 4 + 5 patching iterations (L 2, mov, add, jnz, P 4) + 35 others (L 2, add, jnz, P 4) + hlt
      expect(r.instructions).to.equal(4 + 5 * 9 + 35 * 8 + 1);
      expect(r.frontEnd.blocksKilled).to.be.at.least(4);
      if (m !== undefined) {
        // P was compiled and linked before later patches killed it (code invalidated, not just decoded blocks).
        expect(m.jit!.counters.invalidatedBlocks, 'compiled blocks killed by the patches').to.be.at.least(2);
        direct(r, 20);
      }
    });

    it('a block ending with an inline REP MOVSB goes on into its successor directly', () => {
      //   xor ebx, ebx; mov ebp, 100
      //   L: mov esi, 0x10000; mov edi, 0x10100; mov ecx, 8; rep movsb     ; A: ends with the REP (EIP written by it)
      //      add ebx, [0x10100]; dec ebp; jnz L; hlt                          ; B
      const code = hexBytes('31dbbd64000000be00000100bf00010100b908000000f3a4031d000101004d75e6f4');
      const r = runSnippet({ engine, machine: machineFor(engine), code, memory: [{ addr: 0x10000, bytes: hexBytes('0102030405060708') }], ...sliced });
      expect(r.stop, why(r)).to.equal('hlt');
      expect(r.instructions).to.equal(2 + 100 * 7 + 1); // a REP execution that ends (eCX <= REP_CAP) is one instruction
      expect(r.regs).to.deep.include({ ebx: Math.imul(100, 0x04030201) >>> 0, ecx: 0, ebp: 0 });
      // B -> A (jnz) and A -> B (after the REP) both stay in wasm once compiled: not just one of the two per pass.
      direct(r, 150);
    });

    it('a budget that ends inside a run of direct transfers stops exactly on it', () => {
      // Batches of 3: the loop's three blocks (L, odd, even) are compiled together once all are hot.
      const m = machineFor(engine, 3) ?? new Machine({ memoryMiB: 2, engine });
      const budgets = [7, 13, 50, 1, 2, 3, 97, 200, 11];
      const seen: number[] = [];
      let total = 0;
      // The first slices run interpreted and compile; the later ones chain (the last runs to HLT).
      const r = runSnippet({
        engine, machine: m, code: hexBytes(LOOP), slice: 1, maxInstructions: 3,
      });
      total += r.instructions;
      for (const b of budgets) {
        const x = m.run(b);
        expect(x.reason).to.equal('budget');
        seen.push(x.executed);
        total += x.executed;
      }
      expect(seen, 'each slice stops exactly at its budget').to.deep.equal(budgets);
      const end = m.run(100_000);
      expect(end.reason).to.equal('hlt');
      total += end.executed;
      expect(total).to.equal(LOOP_INSNS);
      expect([m.cpu.r32[0], m.cpu.r32[3]]).to.deep.equal([45150, 1200]);
      if (engine === 'jit') expect(m.jit!.counters.direct.n).to.be.at.least(200);
    });

    it('an interrupt held under CLI is taken right after the block that follows STI, not after a transfer out of it', () => {
      const m = machineFor(engine) ?? new Machine({ memoryMiB: 2, engine });
      let raised = false;
      m.cpu.intr = { pending: () => raised, acknowledge: () => { raised = false; return 0x20; } };
      try {
        const r = runSnippet({
          engine, machine: m, code: hexBytes(STI_SHADOW), memory: [STI_IDT], ...sliced,
          ports: [{ port: 0x80, handler: { read: () => 0xff, write: () => { raised = true; } } }],
        });
        expect(r.stop, why(r)).to.equal('hlt');
        expect(r.regs).to.deep.include({ esi: 20, edi: 20, ecx: 0, ebx: 0x4000 + 20 * 4 });
        // The handler ran between A and B every time: it saw ESI after A (k + 1) and EDI before B (k).
        const seen = Array.from({ length: 20 }, (_, k) => new DataView(r.readMemory(0x4000 + 4 * k, 4).buffer).getUint32(0, true));
        expect(seen.map((v) => [v >>> 8, v & 0xff])).to.deep.equal(Array.from({ length: 20 }, (_, k) => [k + 1, k]));
        // 5 + 20 x (L 3 + A 3 + handler 6 + B 3) + hlt
        expect(r.instructions).to.equal(5 + 20 * 15 + 1);
        // Transfers did stay in wasm elsewhere (B -> L): the check is about the shadow only.
        direct(r, 5);
      } finally {
        m.cpu.intr = null;
      }
    });
  });
}
