/**
 * Guest programs and helpers shared by the JIT's transfer tests
 * (test/jit/dispatch, xcache, far, regroup, direct): calls and RETs across
 * pages, a RET target rewritten under a module that can enter it, and two
 * address spaces under one linear call target. Each test file says what it
 * checks with them; the programs and their expected counts live here once.
 */
import type { SnippetResult } from '../../src/snippet.js';
import { hexBytes } from './asm.js';

/** How a snippet stopped, for assertion messages. */
export const why = (r: SnippetResult): string => (r.exception ? `${r.exception.name} at ${r.exception.eip.toString(16)}: ${r.exception.reason ?? ''}` : r.stop);
/** A snippet's extra memory: `hex` bytes at `addr`. */
export const mem = (addr: number, hex: string): { addr: number; bytes: Uint8Array } => ({ addr, bytes: hexBytes(hex) });

/**
 * A call into another page and its RET back (0x1000 and 0x3000):
 *   mov ecx, 300; xor eax, eax; xor ebx, ebx
 *   L: call 0x3000                     ; block [call]: a static exit into another page
 *   R: add ebx, eax; dec ecx; jnz L; hlt   ; the RET's target; jnz L: a same-page direct transfer
 *   F (0x3000): add eax, ecx; ret      ; RET into R, another page
 */
export const CALLRET = 'b92c01000031c031dbe8f21f000001c34975f6f4';
export const CALLRET_F = '01c8c3';
export const CALLRET_INSNS = 3 + 300 * 6 + 1;
/** CALLRET's EAX and EBX at its HLT. */
export function callRetRegs(): { eax: number; ebx: number } {
  let eax = 0, ebx = 0;
  for (let ecx = 300; ecx > 0; ecx--) { eax += ecx; ebx += eax; }
  return { eax, ebx };
}

/**
 * A RET target rewritten while its caller's module can enter it (0x1000 and 0x3000):
 *   mov ecx, 90; xor eax, eax; xor edx, edx
 *   L: test cl, 31; jnz skip; mov [P + 2], cl      ; ECX a multiple of 32 (64, 32): patch P's immediate
 *   skip: call 0x3000
 *   P (0x1019): add eax, 0; dec ecx; jnz L; hlt      ; F's RET target
 *   F (0x3000): add edx, 2; ret
 */
export const PATCH = 'b95a00000031c031d2f6c11f7506880d1b100000e8e71f000083c0004975eaf4';
export const PATCH_F = '83c202c3';

/**
 * Paging on, two address spaces (page directories A at 0x10000, B at
 * 0x12000); linear 0x60000 maps to physical 0x60000 in A, 0x71000 in B:
 *   mov eax, 0x10000; mov cr3, eax; mov eax, cr0; or eax, 0x80000000; mov cr0, eax
 *   xor ebx, ebx; mov ebp, 10
 *   outer: mov eax, 0x10000; mov cr3, eax; call do3         ; A: +1 x 3
 *          mov eax, 0x12000; mov cr3, eax; call do3         ; B: +2 x 3
 *          mov dword [0x13180], 0x72003; invlpg [0x60000]  ; B's PTE of 0x60000 -> 0x72000
 *          call do3                                         ; +4 x 3
 *          mov dword [0x13180], 0x71003; invlpg [0x60000]; dec ebp; jnz outer; hlt
 *   do3 (0x105f): mov ecx, 3
 *   .1: call 0x60000; add ebx, eax; dec ecx; jnz .1; ret   ; static call into another page, RET back
 * Physical 0x60000: mov eax, 1; ret   0x71000: mov eax, 2; ret   0x72000: mov eax, 4; ret
 */
export const REMAP = 'b8000001000f22d80f20c00d000000800f22c031dbbd0a000000b8000001000f22d8e838000000b8002001000f22d8e82b000000c70580310100032007000f013d00000600e815000000c70580310100031007000f013d000006004d75bcf4b903000000e897ef050001c34975f6c3';
/** 7 + 10 x (3 + do3 + 3 + do3 + 3 + do3 + 4) + hlt; do3 = mov + 3 x (call, mov, ret, add, dec, jnz) + ret */
export const REMAP_INSNS = 7 + 10 * (3 * 3 + 4 + 3 * (1 + 3 * 6 + 1)) + 1;

/**
 * A ladder of calls, one function a page (test/jit/repack, small-repack):
 *   at 0x1000: mov esi, passes; L: call f0; ...; call f(funcs-1); dec esi; jnz L; hlt
 *   f_k at 0x2000 + k * 0x1000 (a page each, so no call is folded into its caller's block): add eax, k + 1; ret
 * About 2 * funcs + 1 blocks, all run every pass; EAX ends at passes * funcs * (funcs + 1) / 2.
 */
export function callLadder(funcs: number, passes: number): { code: Uint8Array; memory: { addr: number; bytes: Uint8Array }[] } {
  const code: number[] = [0xbe, passes & 0xff, passes >>> 8, 0, 0];
  const loop = 0x1000 + code.length;
  for (let k = 0; k < funcs; k++) {
    const at = 0x1000 + code.length, rel = 0x2000 + k * 0x1000 - (at + 5);
    code.push(0xe8, rel & 0xff, (rel >>> 8) & 0xff, (rel >>> 16) & 0xff, (rel >>> 24) & 0xff);
  }
  code.push(0x4e);
  const back = loop - (0x1000 + code.length + 2);
  code.push(0x75, back & 0xff, 0xf4);
  const memory = Array.from({ length: funcs }, (_, k) => ({ addr: 0x2000 + k * 0x1000, bytes: new Uint8Array([0x05, k + 1, 0, 0, 0, 0xc3]) }));
  return { code: new Uint8Array(code), memory };
}
