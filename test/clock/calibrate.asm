; Linux's two PIT-based TSC calibrations (arch/x86/kernel/tsc.c, v6.1),
; transcribed as a real-mode guest program: pit_calibrate_tsc() with
; CAL_LATCH / CAL_MS / CAL_PIT_LOOPS (10 ms), then quick_pit_calibrate().
; TSC arithmetic keeps the low 32 bits (every delta here is far below 4 s).
; Build: nasm -f bin -o calibrate.bin calibrate.asm (the .bin is committed).
;
; Results (dwords, DS = 0):
;   0x600 pit_calibrate_tsc: TSC ticks from start to the last poll (t2 - t1)
;   0x604                    PIT polls (pitcnt)
;   0x608                    shortest poll interval in TSC ticks (tscmin)
;   0x60c                    longest poll interval (tscmax)
;   0x620 quick_pit_calibrate: 0 success, else the failure point (1-5)
;   0x624                    i: MSB steps measured
;   0x628                    delta: TSC ticks over those steps
;   0x62c                    d1 + d2: the error bound of the TSC reads
; Ends with HLT, interrupts disabled.

bits 16
org 0x1000

CAL_LATCH equ 1193182 / (1000 / 10)
MAX_QUICK_PIT_ITERATIONS equ 50 * 1193182 / 1000 / 256

start:
        cli
        ; ---- pit_calibrate_tsc(CAL_LATCH, CAL_MS, CAL_PIT_LOOPS) ----
        in al, 0x61                     ; gate high, speaker off
        and al, 0xfd
        or al, 1
        out 0x61, al
        mov al, 0xb0                    ; counter 2, mode 0, binary, lsb then msb
        out 0x43, al
        mov al, CAL_LATCH & 0xff
        out 0x42, al
        mov al, CAL_LATCH >> 8
        out 0x42, al
        rdtsc
        mov esi, eax                    ; t1
        mov edi, eax                    ; tsc
        xor ebp, ebp                    ; pitcnt
        mov dword [0x608], 0xffffffff   ; tscmin
        mov dword [0x60c], 0            ; tscmax
.poll:  in al, 0x61
        test al, 0x20
        jnz .done
        rdtsc                           ; t2
        mov ecx, eax
        sub ecx, edi                    ; delta = t2 - tsc
        mov edi, eax                    ; tsc = t2
        cmp ecx, [0x608]
        jae .notmin
        mov [0x608], ecx
.notmin:
        cmp ecx, [0x60c]
        jbe .notmax
        mov [0x60c], ecx
.notmax:
        inc ebp
        jmp .poll
.done:  mov eax, edi
        sub eax, esi
        mov [0x600], eax
        mov [0x604], ebp

        ; ---- quick_pit_calibrate() ----
        in al, 0x61
        and al, 0xfd
        or al, 1
        out 0x61, al
        mov al, 0xb0
        out 0x43, al
        mov al, 0xff                    ; start at 0xffff
        out 0x42, al
        out 0x42, al
        in al, 0x42                     ; pit_verify_msb(0): the delay before counting starts
        in al, 0x42
        mov bl, 0xff
        call expect_msb
        cmp ecx, 5
        jbe .fail1
        mov [0x640], eax                ; tsc
        mov [0x644], edx                ; d1
        mov ebp, 1                      ; i
.iter:  cmp ebp, MAX_QUICK_PIT_ITERATIONS
        ja .fail2
        mov eax, 0xff
        sub eax, ebp
        mov bl, al
        call expect_msb                 ; delta, d2
        cmp ecx, 5
        jbe .fail3
        sub eax, [0x640]                ; delta -= tsc
        mov [0x628], eax
        add edx, [0x644]                ; d1 + d2
        mov [0x62c], edx
        mov [0x624], ebp
        cmp ebp, 1
        jne .not1
        ; fail fast if the error can never get below 500 ppm
        mov ecx, MAX_QUICK_PIT_ITERATIONS
        mul ecx
        shrd eax, edx, 11
        cmp [0x62c], eax
        jae .fail4
.not1:  mov eax, [0x628]
        shr eax, 11
        cmp [0x62c], eax
        jae .next                       ; not below 500 ppm yet
        mov eax, 0xfe                   ; pit_verify_msb(0xfe - i)
        sub eax, ebp
        mov bl, al
        in al, 0x42
        in al, 0x42
        cmp al, bl
        jne .fail5
        mov dword [0x620], 0
        hlt
.next:  inc ebp
        jmp .iter
.fail1: mov dword [0x620], 1
        hlt
.fail2: mov dword [0x620], 2
        hlt
.fail3: mov dword [0x620], 3
        hlt
.fail4: mov dword [0x620], 4
        hlt
.fail5: mov dword [0x620], 5
        hlt

; pit_expect_msb(bl): poll until the MSB of counter 2 is no longer bl (at
; most 50000 polls). Returns ecx = polls that saw bl, eax = TSC at the last
; of them, edx = TSC now - TSC at the one before (the read error bound).
expect_msb:
        xor ecx, ecx                    ; count
        xor esi, esi                    ; tsc
        xor edi, edi                    ; prev_tsc
.l:     in al, 0x42                     ; pit_verify_msb: lsb, then msb
        in al, 0x42
        cmp al, bl
        jne .out
        mov edi, esi
        rdtsc
        mov esi, eax
        inc ecx
        cmp ecx, 50000
        jb .l
.out:   rdtsc
        sub eax, edi
        mov edx, eax
        mov eax, esi
        ret
