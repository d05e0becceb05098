; strings: memset (REP STOSD / STOSB), memcpy (REP MOVSB / MOVSD, and a
; backwards overlapping move with STD), strlen (REPNE SCASB), memcmp
; (REPE CMPSB), and a LODSB / STOSB transform loop.
; native
; expect-mem: 0x10000 0x400
; expect-mem: 0x20000 0x40
bits 32
org 0x1000

AREA    equ 0x10000
RES     equ 0x20000

start:
        cld
        ; memset(AREA, 0xa5a5a5a5, 0x400) with REP STOSD
        mov     edi, AREA
        mov     eax, 0xa5a5a5a5
        mov     ecx, 0x100
        rep stosd
        ; memset(AREA + 0x100, 0x11, 0x33) with REP STOSB
        mov     edi, AREA + 0x100
        mov     al, 0x11
        mov     ecx, 0x33
        rep stosb

        ; strlen(msg) with REPNE SCASB
        mov     edi, msg
        xor     eax, eax
        mov     ecx, -1
        repne scasb
        not     ecx
        dec     ecx
        mov     [RES], ecx          ; length
        mov     ebx, ecx

        ; memcpy(AREA + 0x10, msg, len + 1) with REP MOVSB
        mov     esi, msg
        mov     edi, AREA + 0x10
        lea     ecx, [ebx + 1]
        rep movsb
        ; memcpy(AREA + 0x200, AREA, 0x40) with REP MOVSD
        mov     esi, AREA
        mov     edi, AREA + 0x200
        mov     ecx, 0x10
        rep movsd

        ; memmove(AREA + 0x14, AREA + 0x10, len) backwards: STD, REP MOVSB
        std
        lea     esi, [AREA + 0x10 + ebx - 1]
        lea     edi, [AREA + 0x14 + ebx - 1]
        mov     ecx, ebx
        rep movsb
        cld
        mov     [RES + 4], esi
        mov     [RES + 8], edi

        ; memcmp(AREA + 0x14, msg, len) with REPE CMPSB: equal
        mov     esi, AREA + 0x14
        mov     edi, msg
        mov     ecx, ebx
        repe cmpsb
        setz    al
        mov     [RES + 12], al
        mov     [RES + 16], ecx
        ; memcmp(msg, msg2, len): first difference
        mov     esi, msg
        mov     edi, msg2
        mov     ecx, ebx
        repe cmpsb
        setb    al
        mov     [RES + 13], al
        mov     [RES + 20], ecx
        mov     [RES + 24], esi

        ; upper-case msg into AREA + 0x300 with LODSB / STOSB
        mov     esi, msg
        mov     edi, AREA + 0x300
.up:    lodsb
        cmp     al, 'a'
        jb      .keep
        cmp     al, 'z'
        ja      .keep
        sub     al, 0x20
.keep:  stosb
        test    al, al
        jnz     .up
        mov     [RES + 28], edi

        ; count 'o' with REPNE SCASB in a loop
        mov     edi, msg
        mov     ecx, ebx
        mov     al, 'o'
        xor     edx, edx
.cnt:   repne scasb
        jne     .cdone
        inc     edx
        test    ecx, ecx
        jnz     .cnt
.cdone: mov     [RES + 32], edx

        mov     eax, [RES]
        cmp     eax, 43
        hlt

msg:    db      'the quick brown fox jumps over the lazy dog', 0
msg2:   db      'the quick brown fox jumps over the lazy cat', 0
