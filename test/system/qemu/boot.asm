; Boot sector for running a system-CPU guest program under QEMU (cross-check
; only; see run.sh): loads the program from LBA 1 to 0000:1000 with INT 13h
; AH=42h and enters it as src/snippet.ts does in mode 'real' (CS = DS = ES =
; SS = 0, SP = 0x8000, general registers 0, EBP from the image's byte 0x1FD).
[bits 16]
[org 0x7c00]
  xor ax, ax
  mov ds, ax
  mov es, ax
  mov ss, ax
  mov sp, 0x7c00
  mov si, dap
  mov ah, 0x42
  int 0x13                ; with interrupts on: the BIOS disk code waits on timers
  jc fail
  cli
  xor eax, eax
  xor ebx, ebx
  xor ecx, ecx
  xor edx, edx
  xor esi, esi
  xor edi, edi
  movzx ebp, byte [ebp_value]
  mov esp, 0x8000
  jmp 0:0x1000
fail:
  hlt
  jmp fail
align 4
dap:
  db 0x10, 0
  dw 54                 ; sectors: 0x1000..0x7C00, up to this boot sector
  dw 0x1000, 0          ; offset, segment
  dq 1                  ; LBA
times 0x1fd - ($ - $$) db 0
ebp_value: db 0
dw 0xaa55
