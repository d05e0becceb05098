; checksum: fill a 16 KiB buffer from a linear congruential generator, then
; compute its Adler-32 (mod 65521 with CMOV) and CRC-32 (bitwise, reflected
; polynomial 0xEDB88320) and a 32-bit multiply-rotate hash with IMUL/ROL.
; native
; expect-mem: 0x20000 16
bits 32
org 0x1000

BUF     equ 0x10000
LEN     equ 0x4000
RES     equ 0x20000

start:
        ; --- generate: x = x * 1103515245 + 12345; byte = x >> 16
        mov     edi, BUF
        mov     ecx, LEN
        mov     eax, 0x2545f491
.gen:   imul    eax, eax, 1103515245
        add     eax, 12345
        mov     edx, eax
        shr     edx, 16
        mov     [edi], dl
        inc     edi
        loop    .gen

        ; --- Adler-32
        mov     esi, BUF
        mov     ecx, LEN
        mov     ebx, 1              ; a
        xor     ebp, ebp            ; b
.adler: movzx   eax, byte [esi]
        inc     esi
        add     ebx, eax
        lea     edx, [ebx - 65521]
        cmp     ebx, 65521
        cmovae  ebx, edx
        add     ebp, ebx
        lea     edx, [ebp - 65521]
        cmp     ebp, 65521
        cmovae  ebp, edx
        dec     ecx
        jnz     .adler
        shl     ebp, 16
        or      ebp, ebx
        mov     [RES], ebp

        ; --- CRC-32
        mov     esi, BUF
        mov     ecx, LEN
        mov     eax, 0xffffffff
.crc:   xor     al, [esi]
        inc     esi
        mov     edx, 8
.bit:   shr     eax, 1
        jnc     .nox
        xor     eax, 0xedb88320
.nox:   dec     edx
        jnz     .bit
        loop    .crc
        not     eax
        mov     [RES + 4], eax

        ; --- multiply-rotate hash over dwords
        mov     esi, BUF
        mov     ecx, LEN / 4
        mov     edx, 0x811c9dc5
.hash:  lodsd
        xor     edx, eax
        imul    edx, edx, 0x01000193
        rol     edx, 5
        loop    .hash
        mov     [RES + 8], edx
        mov     [RES + 12], ecx

        mov     eax, [RES]
        mov     ebx, [RES + 4]
        cmp     eax, ebx            ; defined flags at the end
        hlt
