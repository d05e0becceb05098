; ioport: talks to a debug console (port 0xE9) and a counter device (port
; 0x80, reads 1, 2, 3...): prints a banner with REP OUTSB, reads 16 values
; with IN and 16 more with REP INSD, prints their sum in decimal with OUT,
; then echoes an 8-bit and a 16-bit read.
; Expected results: test/programs.test.ts (the devices are defined there).
bits 32
org 0x1000

BUF     equ 0x20000

start:
        mov     esi, banner
        mov     ecx, banner_len
        mov     dx, 0xe9
        rep outsb

        xor     ebx, ebx
        mov     ecx, 16
        mov     dx, 0x80
.rd:    in      eax, dx
        add     ebx, eax
        loop    .rd

        mov     edi, BUF
        mov     ecx, 16
        rep insd
        mov     esi, BUF
        mov     ecx, 16
.sum:   lodsd
        add     ebx, eax
        loop    .sum

        ; EBX in decimal, built backwards at BUF + 0x100
        mov     eax, ebx
        mov     edi, BUF + 0x110
        mov     byte [edi], 10
        mov     ecx, 10
.dig:   xor     edx, edx
        div     ecx
        add     dl, '0'
        dec     edi
        mov     [edi], dl
        test    eax, eax
        jnz     .dig
        mov     dx, 0xe9
.put:   mov     al, [edi]
        out     dx, al
        inc     edi
        cmp     al, 10
        jne     .put

        in      al, 0x80
        out     0xe9, al
        in      ax, 0x80
        out     dx, ax
        hlt

banner: db      'jitvisor port I/O', 10
banner_len equ $ - banner
