; 9. The 16-bit and indirect forms of the far transfers (SDM vol. 2: JMP,
;    CALL, RET, IRET; vol. 3, 5.8.3-5.8.6 call gates, 6.12 interrupt gates,
;    7.2.2 16-bit TSS).
;
; - Real mode: IRETD pops EIP, CS, EFLAGS as doublewords (12 bytes).
; - Far JMP m16:32 and far CALL m16:16 to a 16-bit code segment, whose RETF
;   (16-bit) returns to the 32-bit caller.
; - JMP through a call gate: no return address pushed, no privilege change.
; - A 16-bit call gate from ring 3 to ring 0: the pushes are words (SS, SP,
;   the 2 copied word parameters, CS, IP), whatever the target's size; a
;   16-bit RETF 4 returns to ring 3 and pops the parameters on both stacks.
; - A 16-bit interrupt gate (DPL 3) from ring 3: a word frame SS SP FLAGS CS IP
;   on the ring-0 stack; a 16-bit IRET returns to ring 3.
; - CALL to a 16-bit TSS: the 16-bit task gets its IP, FLAGS, registers and
;   ES CS SS DS from the TSS, back-link and NT; its IRET stores its state back
;   in the 16-bit format and returns to the 32-bit task. (The upper halves of
;   the 32-bit registers in the 16-bit task are not asserted.)
%include "common.inc"
[bits 16]
[org ORG]

%define SEL_JGATE   0x58           ; 32-bit call gate, DPL 0 -> jgate_target
%define SEL_CGATE16 0x63           ; 16-bit call gate, DPL 3, 2 words -> h_cg16
%define SEL_TSS16   0x68           ; 16-bit TSS at TSS16
%define TSS16       0x14000

start:
  ; --- real mode IRETD ---
  mov esp, 0x8000
  push dword 0x00000003                    ; EFLAGS: CF (bit 1 always 1)
  push dword 0
  push dword rm_iretd_target
  iretd
rm_iretd_target:
  LOG 'RIRD', esp                          ; 0x8000 again
  pushfd
  pop eax
  and eax, 0xfff
  LOG 'RIRF', eax                          ; CF and bit 1

  ENTER_PM
  INSTALL_UNEXPECTED
  LOAD_IDT
  SETGATE 0x80, ABS(kernel_done), 0xEF
  SETGATE 0x81, ABS(h_int16), 0xE6          ; 16-bit interrupt gate, DPL 3
  CATCH 13
  mov dword [TSS0 + 4], ESP0_TOP
  mov dword [TSS0 + 8], SEL_DATA0
  mov word [TSS0 + 0x66], 0x68
  mov edi, TSS0 + 0x68
  mov ecx, 33
  mov al, 0xff
  rep stosb
  mov byte [TSS0 + 0x68 + (0xE0 >> 3)], 0xF0
  mov ax, SEL_TSS0
  ltr ax

  ; --- indirect far JMP / CALL ---
  jmp far [ptr_jmp32]
  LOG 'BAD1', 0
after_jmp32:
  mov eax, cs
  LOG 'JM32', eax
  o16 call far [ptr_call16]
after_call16:
  LOG 'C16R', esp                          ; balanced
  LOG 'C16S', [cs16_var]                   ; what the 16-bit callee saw

  ; --- JMP through a call gate ---
  jmp SEL_JGATE:0
  LOG 'BAD2', 0
jgate_back:

  ; --- 16-bit TSS ---
  mov dword [TSS16 + 0x0E], ABS(task16)    ; IP (and FLAGS = 0 above it)
  mov word [TSS16 + 0x10], 0x0002          ; FLAGS
  mov word [TSS16 + 0x12], 0x1616          ; AX
  mov word [TSS16 + 0x14], 0x2626          ; CX
  mov word [TSS16 + 0x1A], 0xBFF0          ; SP
  mov word [TSS16 + 0x22], SEL_DATA0       ; ES
  mov word [TSS16 + 0x24], SEL_CODE0       ; CS
  mov word [TSS16 + 0x26], SEL_DATA0       ; SS
  mov word [TSS16 + 0x28], SEL_DATA0       ; DS
  mov eax, 0x32323232
  mov ecx, 0x43434343
  call SEL_TSS16:0
  mov edx, eax
  LOG 'M16A', edx                          ; the 32-bit task's EAX, restored
  LOG 'M16C', ecx
  str eax
  LOG 'M16T', eax
  LOG 'T16X', [TSS16 + 0x12]               ; AX saved by the 16-bit task's IRET (word) + CX
  movzx eax, word [TSS16 + 0x0E]
  sub eax, ABS(task16_after_iret)
  LOG 'T16I', eax
  movzx eax, byte [ABS(gdt) + SEL_TSS16 + 5]
  LOG 'T16B', eax                          ; 0x81: available again
  clts

  ; --- to ring 3 ---
  push dword SEL_DATA3
  push dword STACK3_TOP
  push dword 0x2
  push dword SEL_CODE3
  push dword ABS(user)
  iretd

[bits 32]
user:
  mov ax, SEL_DATA3
  mov ds, ax
  mov es, ax
  push word 0x1111
  push word 0x2222
  call SEL_CGATE16:0
u_after_cg16:
  mov eax, cs
  LOG 'UCS ', eax
  LOG 'USP ', esp                          ; STACK3_TOP: RETF 4 dropped the 2 words
  mov ebx, 0x55
  int 0x81                                 ; 16-bit interrupt gate
u_after_int81:
  mov eax, cs
  LOG 'ICS ', eax
  LOG 'ISP ', esp
  LOG 'IBX ', ebx
  int 0x80

; ---------------------------------------------------------------- handlers
[bits 16]
callee16:                                  ; in SEL_CODE16 (base 0): 16-bit code
  mov ax, cs
  mov [cs16_var], ax                       ; (a 16-bit address: below 64 KiB)
  retf
[bits 32]

jgate_target:
  mov eax, cs
  LOG 'JGCS', eax
  LOG 'JGSP', esp                          ; STACK0_TOP: nothing pushed
  jmp jgate_back

; 16-bit call gate, target 32-bit ring-0 code: word frame
h_cg16:
  mov eax, ss
  LOG 'GSS ', eax
  LOG 'GSP ', esp                          ; ESP0 - 12
  movzx eax, word [esp]
  sub eax, ABS(u_after_cg16)
  LOG 'GIP ', eax
  movzx eax, word [esp + 2]
  LOG 'GCS ', eax
  movzx eax, word [esp + 4]
  LOG 'GP0 ', eax
  movzx eax, word [esp + 6]
  LOG 'GP1 ', eax
  movzx eax, word [esp + 8]
  LOG 'GOSP', eax
  movzx eax, word [esp + 10]
  LOG 'GOSS', eax
  o16 retf 4

; 16-bit interrupt gate from ring 3: word frame IP CS FLAGS SP SS
h_int16:
  LOG 'HSP ', esp                          ; ESP0 - 10
  movzx eax, word [esp]
  sub eax, ABS(u_after_int81)
  LOG 'HIP ', eax
  movzx eax, word [esp + 2]
  LOG 'HCS ', eax
  movzx eax, word [esp + 4]
  and eax, 0x3200
  LOG 'HFL ', eax
  movzx eax, word [esp + 6]
  LOG 'HOSP', eax
  movzx eax, word [esp + 8]
  LOG 'HOSS', eax
  mov ebx, 0x66
  o16 iret

kernel_done:
  mov eax, cs
  LOG 'KDCS', eax
  DONE

; The 16-bit task (32-bit code segment, state from a 16-bit TSS).
task16:
  movzx edx, ax
  LOG 'T16A', edx                          ; from the TSS (upper halves not asserted)
  movzx edx, sp
  LOG 'T16S', edx
  str eax
  LOG 'T16R', eax
  movzx eax, word [TSS16]
  LOG 'T16L', eax                          ; back-link
  pushfd
  pop eax
  and eax, 0x4000
  LOG 'T16N', eax
  mov ax, 0x7777
  mov cx, 0x8888
  iret                                     ; 32-bit IRET with NT: task return
task16_after_iret:
  LOG 'BAD3', 0
  jmp $

SET_GATE_FN
align 16
STUBS

align 4
cs16_var: dd 0
ptr_jmp32:
  dd ABS(after_jmp32)
  dw SEL_CODE0
ptr_call16:
  dw ABS(callee16)
  dw SEL_CODE16
align 8
gdt:
  GDT_COMMON
  GATE SEL_CODE0, ABS(jgate_target), 0x8C, 0   ; 0x58
  GATE SEL_CODE0, ABS(h_cg16), 0xE4, 2         ; 0x60: 16-bit call gate, DPL 3
  DESC TSS16, 0x2B, 0x81, 0x0                  ; 0x68: 16-bit TSS
gdt_end:
GDTR
IDTR
