/**
 * Chaining between compiled blocks (translator/jit/chain.ts): control goes
 * from one compiled block to the next inside wasm. Each case runs on every
 * engine with the same expectations (on the JIT every block is compiled
 * before it runs, and the case also checks that transfers did chain, so it
 * tests the chained path): a fault in a successor deep in a chain, a
 * linked successor killed by a store, a link made in one address space
 * not followed in another, and the budget and interrupt boundaries.
 *
 * Machine code assembled with nasm (`bits 32`, the org given); listings in
 * the comments.
 */
import { expect } from 'chai';
import { runSnippet, type SnippetResult } from '../../src/snippet.js';
import { Machine } from '../../src/machine.js';
import { hexBytes } from '../helpers/asm.js';
import { flatAt, flatWithTimerGate } from '../helpers/flat-machine.js';
import { TEST_ENGINES } from '../helpers/engines.js';
import { remappedTables } from '../helpers/paging.js';
import type { InterruptSource } from '../../runtime/irq.js';

const ORG = 0x1000, DE = 0;
const why = (r: SnippetResult): string => (r.exception ? `${r.exception.name} at ${r.exception.eip.toString(16)}: ${r.exception.reason ?? ''}` : r.stop);

/**
 * Three blocks in a loop (the front end folds each CALL into its block; RET ends it):
 *   mov ecx, 50; mov edi, 20; xor eax, eax; xor ebx, ebx
 *   L:  add ebx, 1; call F1            ; block A (+ F1: add ebp, 5; ret)
 *   R1: add esi, 3; call F2            ; block B (+ F2)
 *   R2: ...; dec ecx; jnz L; hlt       ; block C
 * DIV by EDI, which counts down from 20, raises #DE in the 20th iteration.
 */
/** F2 = dec edi; mov eax, 1000; xor edx, edx; div edi (at 0x102e); ret: the fault is in block B. */
const FAULT_IN_B = 'b932000000bf1400000031c031db83c301e80c00000083c603e8080000004975edf483c505c34fb8e803000031d2f7f7c3';
/** R2 = dec edi; mov eax, 1000; xor edx, edx; div edi (at 0x1026); dec ecx; jnz L; F2 = add esp, 0; ret: in block C. */
const FAULT_IN_C = 'b932000000bf1400000031c031db83c301e81600000083c603e8120000004fb8e803000031d2f7f74975e3f483c505c383c400c3';

for (const engine of TEST_ENGINES) {
  describe(`chained compiled blocks [${engine}]`, () => {
    const chained = (r: SnippetResult): void => {
      if (engine === 'jit') expect(r.chained, 'transfers that stayed in wasm').to.be.above(20);
    };

    it('a fault in the second block of a chain: state, EIP and count exactly the interpreter\'s', () => {
      const r = runSnippet({ engine, machine: chainOn(engine), code: hexBytes(FAULT_IN_B) });
      expect(r.exception, why(r)).to.deep.include({ vector: DE, eip: ORG + 0x2e });
      // 4 + 19 iterations x (A 4 + B 7 + C 2) + A 4 + B's 5 before the DIV
      expect(r.instructions).to.equal(4 + 19 * 13 + 4 + 5);
      expect(r.regs).to.deep.include({ ebx: 20, ebp: 100, esi: 60, ecx: 31, edi: 0, eax: 1000, edx: 0, esp: 0x8000 - 4 });
      chained(r);
    });

    it('a block ending in REP STOSB (the inline fast path) chains on; a budget stops on the exact instruction', () => {
      //       mov ebx, 40 ; mov [0x20000], bl (fills the TLB)
      // top:  mov ecx, 100 ; mov edi, 0x20000 ; mov al, bl ; rep stosb ; dec ebx ; jnz top ; hlt
      const code = hexBytes('bb28000000 881d00000200 b964000000 bf00000200 88d8 f3aa 4b 75ef f4');
      const r = runSnippet({ engine, machine: chainOn(engine), code });
      expect(r.stop, why(r)).to.equal('hlt');
      expect([r.regs.ebx, r.regs.ecx, r.regs.edi, r.instructions]).to.deep.equal([0, 0, 0x20064, 2 + 40 * 6 + 1]);
      expect(Array.from(r.readMemory(0x20000, 101))).to.deep.equal([...new Array(100).fill(1), 0]);
      chained(r);
      // 2 + 6 * 17 + 4 instructions: the REP of the 18th pass has run, its DEC not.
      const p = runSnippet({ engine, machine: chainOn(engine), code, maxInstructions: 2 + 6 * 17 + 4 });
      expect([p.regs.ebx, p.regs.ecx, p.regs.edi, p.eip]).to.deep.equal([23, 0, 0x20064, 0x1019]);
      expect(Array.from(p.readMemory(0x20000, 2))).to.deep.equal([23, 23]);
    });

    it('a fault in the third block of a chain', () => {
      const r = runSnippet({ engine, machine: chainOn(engine), code: hexBytes(FAULT_IN_C) });
      expect(r.exception, why(r)).to.deep.include({ vector: DE, eip: ORG + 0x26 });
      // 4 + 19 x (A 4 + B 4 + C 6) + A 4 + B 4 + C's 3 before the DIV
      expect(r.instructions).to.equal(4 + 19 * 14 + 4 + 4 + 3);
      expect(r.regs).to.deep.include({ ebx: 20, ebp: 100, esi: 60, ecx: 31, edi: 0, eax: 1000, edx: 0, esp: 0x8000 });
      chained(r);
    });

    it('a linked successor killed by a store is not entered: the rewritten code runs', () => {
      // page 0x1000:  mov ecx, 10; xor eax, eax
      //   L (0x1007): test cl, 1; jz skip; mov [0x2002], cl    ; odd ECX: patch B's immediate
      //   skip:       add ebx, 1; jmp 0x2000                   ; another page: B is its own block
      // page 0x2000:  add eax, 0 (imm8 at 0x2002); add edx, 2; dec ecx; jnz L; hlt
      const b = hexBytes('83c00083c202490f85faeffffff4');
      const r = runSnippet({ engine, machine: chainOn(engine), code: hexBytes('b90a00000031c0f6c1017406880d0220000083c301e9e60f0000'), memory: [{ addr: 0x2000, bytes: b }], regs: { ebx: 0 } });
      expect(r.stop, why(r)).to.equal('hlt');
      // ECX = 10..1: B adds the last odd ECX patched in (0 before the first patch).
      expect(r.regs.eax).to.equal(0 + 9 + 9 + 7 + 7 + 5 + 5 + 3 + 3 + 1);
      expect([r.regs.ebx, r.regs.edx]).to.deep.equal([10, 20]);
      // even ECX: test, jz; add, jmp; B 4 -- odd ECX: test, jz, mov, add, jmp; B 4
      expect(r.instructions).to.equal(2 + 5 * (2 + 2 + 4) + 5 * (5 + 4) + 1);
      expect(r.frontEnd.blocksKilled).to.be.at.least(5);
    });

    it('a link made in one address space is not followed after MOV CR3 maps its target to other code', () => {
      // Paging on; ten times: CR3 = A, call do3, CR3 = B, call do3. do3: mov ecx, 3; 1: call edx (0x60000);
      // add ebx, eax; dec ecx; jnz 1b; ret. Linear 0x60000 is "mov eax, 1; ret" in A, "mov eax, 2; ret" in B.
      const code = hexBytes(
        'b8000001000f22d80f20c00d000000800f22c031dbba00000600bd0a000000b8000001000f22d8e811000000',
        'b8002001000f22d8e8040000004d75e3f4b903000000ffd201c34975f9c3');
      const fn = (v: number): Uint8Array => { const p = new Uint8Array(4096).fill(0xf4); p.set(hexBytes(`b80${v}000000c3`)); return p; };
      const r = runSnippet({
        machine: chainOn(engine),
        engine, code, maxInstructions: 100_000,
        memory: [
          ...remappedTables(0x10000, 0x11000, { 0x60000: 0x70000 }),
          ...remappedTables(0x12000, 0x13000, { 0x60000: 0x71000 }),
          { addr: 0x70000, bytes: fn(1) }, { addr: 0x71000, bytes: fn(2) },
        ],
      });
      expect(r.stop, why(r)).to.equal('hlt');
      expect(r.regs.ebx).to.equal(10 * (3 * 1 + 3 * 2));
      chained(r);
    });
  });

  describe(`flat-segment entry guard [${engine}]`, () => {
    it('a block compiled for a flat DS still raises #GP(0) at the limit once DS is not flat, also entered by a chain', () => {
      //   mov edx, F; mov ebp, P; mov esi, 0x10000; call ebp; call ebp   ; F runs twice with DS flat (P -> F linked;
      //                                                                  ; the TLB holds page 0x10000: the inline path would hit)
      //   mov ebx, eax; mov ax, 0x20; mov ds, ax; mov ecx, 0x1fffe       ; DS: 16-bit data, limit 0xFFFF
      //   call ebp; hlt                                                   ; P chains into F again: [ESI] is past the limit
      //   P (0x1023): add edi, 1; call edx; ret       F (0x1029): mov eax, [esi]; ret
      const code = hexBytes('ba29100000bd23100000be00000100ffd5ffd589c366b820008ed8b9feff0100ffd5f483c701ffd2c38b06c3');
      const r = runSnippet({ engine, machine: chainOn(engine), code, memory: [{ addr: 0x10000, bytes: hexBytes('78563412') }] });
      expect(r.exception, why(r)).to.deep.include({ vector: 13, eip: ORG + 0x29, errorCode: 0 });
      expect([r.regs.ebx, r.regs.edi, r.regs.eax & 0xffff]).to.deep.equal([0x12345678, 3, 0x20]);
      // 3 + 2 x (call, add, call, mov, ret, ret) + 4 + call, add, call
      expect(r.instructions).to.equal(3 + 2 * 6 + 4 + 3);
    });
  });

  describe(`chained compiled blocks and the loop's boundaries [${engine}]`, () => {
    /**
     *   xor eax, eax; xor edi, edi; sti
     *   spin (0x1005): add eax, 1; call F; cmp edi, 0; je spin; hlt    ; F (0x1013): add ebx, 1; ret
     *   handler (0x1100): mov edi, eax; iretd
     * Two blocks in the loop: [add, call F, add, ret] and [cmp, je, hlt].
     */
    const SPIN = hexBytes('31c031fffb83c001e80600000083ff0074f3f483c301c3');
    const HANDLER = hexBytes('89c7cf');

    /** A flat protected-mode machine with an IDT gate for vector 0x20 and a test interrupt line. */
    function machine(): { m: Machine; line: { up: boolean; taken: number } } {
      const m = new Machine({ memoryMiB: 2, engine, jit: { threshold: 0, chain: true } });
      const cpu = m.cpu, phys = cpu.phys;
      cpu.reset();
      phys.load(ORG, SPIN);
      phys.load(0x1100, HANDLER);
      flatWithTimerGate(m, ORG, 0x1100);
      const line = { up: false, taken: 0 };
      const src: InterruptSource = { pending: () => line.up, acknowledge: () => { line.up = false; line.taken++; return 0x20; } };
      cpu.intr = src;
      return { m, line };
    }

    it('returns on the budget inside a chained loop; an interrupt raised between slices is taken at once', () => {
      const { m, line } = machine();
      const slices: number[] = [];
      for (let k = 0; k < 5; k++) {
        const r = m.run(1000);
        expect(r.reason).to.equal('budget');
        slices.push(r.executed);
      }
      expect(slices, 'each slice stops exactly at its budget').to.deep.equal([1000, 1000, 1000, 1000, 1000]);
      const eax = m.cpu.r32[0];
      line.up = true;
      const r = m.run(1000);
      expect(line.taken).to.equal(1);
      expect(r.reason).to.equal('hlt');
      // The handler ran at the first boundary of the slice: it saw EAX as the last slice left it.
      expect(m.cpu.r32[7]).to.equal(eax);
      if (engine === 'jit') expect(m.jit!.counters.chained.n, 'transfers that stayed in wasm').to.be.above(1000);
    });

    it('an interrupt pending behind STI is taken after the one block the shadow covers, not later', () => {
      const { m, line } = machine();
      // Spin with IF = 0 first: the loop's blocks are compiled and linked to each other.
      m.cpu.eip = ORG + 5;
      expect(m.run(500).reason).to.equal('budget');
      const eax = m.cpu.r32[0];
      // Then STI (a block of its own) with the line up: the shadow covers the boundary after it,
      // block [add, call F, add, ret] runs once, and the interrupt comes at the boundary after it.
      m.cpu.eip = ORG + 4;
      line.up = true;
      const r = m.run(100_000);
      expect(r.reason).to.equal('hlt');
      expect(line.taken).to.equal(1);
      expect(m.cpu.r32[7], 'EAX seen by the handler').to.equal(eax + 1);
      // sti, the block, the handler (mov, iretd), then cmp, je, hlt
      expect(r.executed).to.equal(1 + 4 + 2 + 3);
    });
  });
}

// ---- registers in wasm locals (JitOptions.regs, off by default: see translator/jit/engine.ts) ---------

/** A flat protected-mode machine running `code` at ORG (the snippet runner's set-up, with JIT options). */
/** Chaining is off by default (engine.ts): the JIT's snippets here run on a machine with it on. */
const chainedMachines = new Map<string, Machine>();
function chainOn(engine: string): Machine | undefined {
  if (engine !== 'jit') return undefined;
  let m = chainedMachines.get(engine);
  if (m === undefined) { m = new Machine({ memoryMiB: 2, engine: 'jit', jit: { threshold: 0, chain: true } }); chainedMachines.set(engine, m); }
  return m;
}

function flatMachine(jit: { regs?: boolean; chain?: boolean; flat?: boolean } | null, code: Uint8Array): Machine {
  const m = new Machine({ memoryMiB: 2, engine: jit ? 'jit' : 'interpreter', jit: { threshold: 0, chain: true, ...jit } });
  m.cpu.reset();
  m.cpu.phys.load(ORG, code);
  flatAt(m, ORG);
  m.cpu.stopOnNullVector = true;
  return m;
}

describe('registers in wasm locals (JitOptions.regs) end in the interpreter\'s state', () => {
  const programs: [string, string][] = [
    ['a fault in the second block of a chain', FAULT_IN_B],
    ['a fault in the third block of a chain', FAULT_IN_C],
    // mov ecx, 100; L: add al, cl; mov ah, cl; add bx, ax; mov dh, bl; mov dl, ah; xchg ch, dl; xchg ch, dl;
    // mov di, dx; push eax; pop esi; lea ebp, [esi + edi*2 + 3]; dec ecx; jnz L; hlt
    ['8- and 16-bit register views, push/pop, LEA', 'b96400000000c888cc6601c388de88e286ea86ea6689d7505e8d6c7e034975e5f4'],
  ];
  for (const [name, hex] of programs) {
    it(name, () => {
      const view = (m: Machine, r: ReturnType<Machine['run']>) => ({
        reason: r.reason, executed: r.executed, vector: r.unhandled?.vector, eip: m.cpu.eip, eflags: m.cpu.getEflags(), regs: Array.from(m.cpu.r32),
      });
      const ref = flatMachine(null, hexBytes(hex));
      const want = view(ref, ref.run(1_000_000));
      for (const regs of [true, false]) {
        const m = flatMachine({ regs }, hexBytes(hex));
        expect(view(m, m.run(1_000_000)), `regs: ${regs}`).to.deep.equal(want);
      }
    });
  }
});
