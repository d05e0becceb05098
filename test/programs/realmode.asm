; realmode: 16-bit real-mode program. Loads DS/ES/SS/FS, installs two
; interrupt handlers in the IVT (one in another code segment, which returns
; a status in the carry flag of the FLAGS image it IRETs to), calls them with
; INT n, copies with REP MOVSW across segments, and makes a far CALL.
; Expected results: test/programs.test.ts (computed there).
bits 16
org 0x1000

start:
        mov     ax, 0x0700
        mov     ss, ax
        mov     sp, 0x1000              ; stack top at linear 0x8000
        xor     ax, ax
        mov     ds, ax
        mov     word [0x60*4], int60
        mov     word [0x60*4 + 2], 0
        mov     word [0x61*4], int61 - 0x1000
        mov     word [0x61*4 + 2], 0x0100
        mov     ax, 0x0200
        mov     ds, ax                  ; data at linear 0x2000
        mov     ax, 0x0300
        mov     es, ax                  ; copy at linear 0x3000

        ; DS:i = 3 + 7*i for i = 0..255
        xor     si, si
        mov     al, 3
.fill:  mov     [si], al
        add     al, 7
        inc     si
        cmp     si, 0x100
        jb      .fill

        ; ES:0x10 <- DS:0, 0x80 words
        xor     si, si
        mov     di, 0x10
        mov     cx, 0x80
        cld
        rep movsw

        ; five times AX = AX * 3 + BX through INT 0x60
        mov     ax, 1
        mov     bx, 2
        mov     cx, 5
.again: int     0x60
        loop    .again
        mov     [0x100], ax

        ; DX = sum of ES:DI[0..CX), CF = (DX > 0x7fff), through INT 0x61
        mov     di, 0x10
        mov     cx, 0x100
        int     0x61
        mov     [0x102], dx
        setc    byte [0x104]
        mov     [0x105], cl             ; CX preserved by the handler: 0

        call    0x0100:(farproc - 0x1000)
        mov     [0x106], ax

        mov     ax, ss
        mov     bx, sp
        mov     cx, cs
        hlt

; AX = AX * 3 + BX; CS = 0
int60:  push    dx
        mov     dx, ax
        shl     ax, 1
        add     ax, dx
        add     ax, bx
        pop     dx
        iret

; runs with CS = 0x0100
int61:  push    ax
        push    cx
        push    di
        xor     dx, dx
        xor     ax, ax
.sum:   mov     al, [es:di]
        add     dx, ax
        inc     di
        loop    .sum
        mov     di, sp                  ; [di] = saved DI, CX, AX, then IP, CS, FLAGS
        and     word [ss:di + 10], 0xfffe
        cmp     dx, 0x7fff
        jbe     .ok
        or      word [ss:di + 10], 1
.ok:    pop     di
        pop     cx
        pop     ax
        iret

; CS = 0x0100: AX = word FS:0x10 + word FS:0x20 with FS = ES's segment
farproc:
        push    fs
        mov     ax, 0x0300
        mov     fs, ax
        mov     ax, [fs:0x10]
        add     ax, [fs:0x20]
        pop     fs
        retf
