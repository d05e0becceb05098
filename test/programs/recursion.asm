; recursion: recursive Fibonacci and factorial with CALL/RET and ENTER/LEAVE
; stack frames, and Pascal-style nested procedures using ENTER with nesting
; levels 1-3 (the display of enclosing frame pointers).
; native
; expect-mem: 0x20000 32
; expect-mem: 0x7f00 0x100
bits 32
org 0x1000

RES     equ 0x20000

start:
        push    dword 20
        call    fib
        add     esp, 4
        mov     [RES], eax

        push    dword 12
        call    fact
        add     esp, 4
        mov     [RES + 4], eax

        mov     ebp, 0x5a5a5a5a     ; the outermost "caller frame"
        call    proc_a
        mov     [RES + 8], eax
        mov     [RES + 12], ebp
        mov     [RES + 16], esp

        ; ENTER with a 16-bit operand size and LEAVE
        mov     ebp, esp
        o16 enter 6, 2
        mov     [RES + 20], ebp
        mov     [RES + 24], esp
        o16 leave
        mov     [RES + 28], esp

        mov     eax, [RES]
        sub     eax, 6765
        hlt

; fib(n) = n < 2 ? n : fib(n-1) + fib(n-2)
fib:    enter   4, 0
        mov     eax, [ebp + 8]
        cmp     eax, 2
        jb      .done
        dec     eax
        push    eax
        call    fib
        add     esp, 4
        mov     [ebp - 4], eax
        mov     eax, [ebp + 8]
        sub     eax, 2
        push    eax
        call    fib
        add     esp, 4
        add     eax, [ebp - 4]
.done:  leave
        ret

; fact(n) = n <= 1 ? 1 : n * fact(n-1)
fact:   enter   0, 0
        mov     ecx, [ebp + 8]
        mov     eax, 1
        cmp     ecx, 1
        jbe     .done
        dec     ecx
        push    ecx
        call    fact
        add     esp, 4
        imul    eax, [ebp + 8]
.done:  leave
        ret

; Level 1: local X at [ebp-8] (the display is [ebp-4] = own frame).
proc_a: enter   4, 1
        mov     dword [ebp - 8], 100
        call    proc_b
        mov     eax, [ebp - 8]      ; X as proc_b/proc_c left it
        add     eax, edx
        leave
        ret

; Level 2: display [ebp-4] = A's frame, [ebp-8] = own; local Y at [ebp-12].
proc_b: enter   4, 2
        mov     ecx, [ebp - 4]
        mov     eax, [ecx - 8]      ; A.X
        add     eax, 23
        mov     [ecx - 8], eax
        mov     dword [ebp - 12], 7
        call    proc_c
        mov     edx, [ebp - 12]     ; Y as proc_c left it
        leave
        ret

; Level 3: display [ebp-4] = A, [ebp-8] = B, [ebp-12] = own; local Z at [ebp-16].
proc_c: enter   4, 3
        mov     ecx, [ebp - 4]
        mov     eax, [ecx - 8]      ; A.X
        mov     ecx, [ebp - 8]
        imul    eax, [ecx - 12]     ; * B.Y
        mov     [ebp - 16], eax
        mov     [ecx - 12], eax     ; B.Y = A.X * B.Y
        mov     eax, [ebp - 12]
        sub     eax, ebp            ; own display entry == own frame: 0
        add     [ecx - 12], eax
        leave
        ret
