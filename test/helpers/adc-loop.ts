/**
 * A small guest loop with an ADC, shared by the lockstep and profile tests
 * (test/jit/). Assembled with nasm (`bits 32`, `org 0x1000`):
 *
 *   1000 mov ecx, 100
 *   1005 xor eax, eax
 *   1007 xor edx, edx
 *   1009 l: add eax, 0x90000000     ; carries every other time
 *   100e adc edx, 0
 *   1011 dec ecx
 *   1012 jnz l
 *   1014 mov [0x2000], edx
 *   101a mov ebx, 0x1021
 *   101f jmp ebx                    ; ends the block before the HLT
 *   1021 hlt
 */
import { hexBytes } from './asm.js';

export const ADC_LOOP = hexBytes('b96400000031c031d2050000009083d2004975f5891500200000bb21100000ffe3f4');
