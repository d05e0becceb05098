; Interpreter benchmark: a checksum over a 64 KiB buffer, repeated, plus an
; insertion sort. Integer ALU, loads/stores, LEA, conditional branches, calls.
; Result: EAX = checksum, EBX/EDX = running sums. Assemble: nasm -f bin compute.asm
bits 32
org 0x1000

BUF     equ 0x10000
WORDS   equ 16384           ; 64 KiB of dwords
ROUNDS  equ 60
SORTN   equ 600
SORTBUF equ 0x30000

start:
        mov edi, BUF
        mov ecx, WORDS
        mov eax, 12345
fill:   lea eax, [eax+eax*4+0x3039]
        mov [edi], eax
        add edi, 4
        dec ecx
        jnz fill

        mov ebp, ROUNDS
        xor ebx, ebx
        xor edx, edx
outer:  mov esi, BUF
inner:  mov eax, [esi]
        add ebx, eax
        adc edx, ebx
        xor eax, edx
        and eax, 0x00ff00ff
        add ebx, eax
        add esi, 4
        cmp esi, BUF + WORDS*4
        jb inner
        dec ebp
        jnz outer

        ; copy SORTN dwords and insertion-sort them (signed)
        mov esi, BUF
        mov edi, SORTBUF
        mov ecx, SORTN
copy:   mov eax, [esi]
        mov [edi], eax
        add esi, 4
        add edi, 4
        dec ecx
        jnz copy
        call isort

        ; fold the sorted array into the checksum
        mov esi, SORTBUF
        mov ecx, SORTN
        xor eax, eax
fold:   add eax, [esi]
        lea eax, [eax+eax*2]
        add esi, 4
        dec ecx
        jnz fold
        xor eax, ebx
        hlt

isort:  push ebp
        mov ebp, esp
        push ebx
        push edx
        mov ecx, 1
.outer: cmp ecx, SORTN
        jge .done
        mov eax, [SORTBUF+ecx*4]
        mov edx, ecx
.inner: test edx, edx
        jz .place
        mov ebx, [SORTBUF+edx*4-4]
        cmp ebx, eax
        jle .place
        mov [SORTBUF+edx*4], ebx
        dec edx
        jmp .inner
.place: mov [SORTBUF+edx*4], eax
        inc ecx
        jmp .outer
.done:  pop edx
        pop ebx
        mov esp, ebp
        pop ebp
        ret
