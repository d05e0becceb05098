; Timer ticks while idle: program PIT counter 0 for 250 Hz (mode 2, LATCH
; 4772), count IRQ0s in an IVT handler while HLT-ing with interrupts on,
; and record the TSC at the first and the 100th tick. Real mode, org 0x1000,
; PIC as a BIOS leaves it (IRQ0 -> vector 8).
; Build: nasm -f bin -o ticks.bin ticks.asm (the .bin is committed).
;
; Results (dwords, DS = 0):
;   0x600 ticks counted
;   0x604 TSC (low) at tick 1
;   0x608 TSC (low) at tick 100

bits 16
org 0x1000

LATCH equ (1193182 + 125) / 250

start:
        cli
        mov word [8 * 4], irq0
        mov word [8 * 4 + 2], 0
        mov dword [0x600], 0
        mov al, 0x34                    ; counter 0, lsb then msb, mode 2
        out 0x43, al
        mov al, LATCH & 0xff
        out 0x40, al
        mov al, LATCH >> 8
        out 0x40, al
        mov al, 0xfe                    ; unmask IRQ0 only
        out 0x21, al
        sti
.wait:  hlt
        cmp dword [0x600], 100
        jb .wait
        cli
        hlt

irq0:   push eax
        push edx
        inc dword [0x600]
        rdtsc
        cmp dword [0x600], 1
        jne .not1
        mov [0x604], eax
.not1:  cmp dword [0x600], 100
        jne .eoi
        mov [0x608], eax
.eoi:   mov al, 0x20
        out 0x20, al
        pop edx
        pop eax
        iret
