; freshcode: a program that keeps generating new code (as a JIT does): for
; each k it writes a small function into slot k mod SLOTS of a code buffer
; (mov eax, lcg(k); add eax, k; rol eax, k & 31; add ebx, eax; xor ecx, ebx;
; ret), calls it CALLS times, and moves on. SLOTS * PASSES distinct function
; bodies run, each slot rewritten PASSES times, so an emulator's translation
; cache sees a stream of fresh blocks (test/jit/cache.test.ts runs it with a
; small cache bound: eviction and invalidation of code written as data).
; expectations: computed in test/jit/cache.test.ts (checked once with qemu-i386 running native-run.c)

bits 32
org 0x1000

SLOTS   equ 256             ; 32 bytes each: 8 KiB of code, 2 pages
PASSES  equ 3
CALLS   equ 4
CODE    equ 0x20000
RES     equ 0x10000

start:
        xor     ebx, ebx
        xor     ecx, ecx
        xor     ebp, ebp            ; k
        mov     esi, 0x2545f491     ; LCG state
.next:  mov     edi, ebp
        and     edi, SLOTS - 1
        shl     edi, 5
        add     edi, CODE
        imul    esi, esi, 1103515245
        add     esi, 12345
        mov     byte [edi], 0xb8            ; mov eax, imm32
        mov     [edi + 1], esi
        mov     byte [edi + 5], 0x05        ; add eax, imm32
        mov     [edi + 6], ebp
        mov     word [edi + 10], 0xc0c1     ; rol eax, imm8
        mov     eax, ebp
        and     al, 31
        mov     [edi + 12], al
        mov     dword [edi + 13], 0xd931c301 ; add ebx, eax; xor ecx, ebx
        mov     byte [edi + 17], 0xc3       ; ret
        mov     edx, CALLS
.call:  call    edi
        dec     edx
        jnz     .call
        inc     ebp
        cmp     ebp, SLOTS * PASSES
        jb      .next
        mov     [RES], ebx
        mov     [RES + 4], ecx
        cmp     ebx, ecx
        hlt
