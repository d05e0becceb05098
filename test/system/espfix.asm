; 12. The stack pointer across stack-size changes (SDM vol. 2, IRET, RET, INT n
;     and CALL pseudo-code; the "espfix" behaviour Linux works around):
; - IRET to an outer level whose SS is 16-bit loads only SP: ESP[31:16] keep
;   the value they had at the IRET (the ring-0 ESP's).
; - An interrupt from ring 3 on a 16-bit stack pushes the whole ESP (high
;   word included) on the ring-0 stack; IRET back loads SP only again.
; - IRETD at the same level on a 16-bit stack, and a far RET to an outer level
;   with a 16-bit SS, move/load SP only.
; Checked against QEMU (test/system/qemu/run.sh espfix): same log.
%include "common.inc"
[bits 16]
[org ORG]

%define SEL_D16_3   0x5B           ; data, 16-bit, DPL 3, base 0, limit 0xFFFF
%define KSTACK      0x2F000        ; ring-0 stack with ESP[31:16] = 2

start:
  ENTER_PM
  INSTALL_UNEXPECTED
  LOAD_IDT
  SETGATE 0x80, ABS(h_int80), 0xEE         ; interrupt gate, DPL 3
  SETGATE 0x81, ABS(h_int81), 0xEE
  SETGATE 0x82, ABS(h_int82), 0xEE
  mov dword [TSS0 + 4], KSTACK             ; ESP0
  mov dword [TSS0 + 8], SEL_DATA0          ; SS0
  mov word [TSS0 + 0x66], 0x68
  mov ax, SEL_TSS0
  ltr ax

  ; --- IRET to ring 3 with a 16-bit SS ---
  mov esp, KSTACK - 0x100
  push dword SEL_D16_3                     ; SS
  push dword 0xdead8000                    ; ESP
  push dword 0x3002                        ; EFLAGS: IOPL 3 (the ring-3 code logs)
  push dword SEL_CODE3                     ; CS
  push dword ABS(ring3)                    ; EIP
  LOG 'K0SP', esp                          ; 0x2eeec
  iretd

; Ring 3 runs on a 16-bit stack whose ESP[31:16] are not 0: LOG (which
; addresses [esp]) cannot be used there; values go to VARS, logged later.
ring3:
  mov ax, SEL_DATA3
  mov ds, ax
  mov [VARS], esp                          ; 0x00028000: SP from the frame, high word from ring 0
  mov esp, 0x12347000
  int 0x80
  mov [VARS + 4], esp                      ; 0x00027000 (ESP0's high word), not 0x12347000
  int 0x81                                 ; to ring 0 for the rest (gate below)

h_int80:                                   ; [esp] EIP, CS, EFLAGS, ESP, SS
  push ds
  push eax
  mov ax, SEL_DATA0
  mov ds, ax
  LOG 'IESP', [esp + 20]                   ; 0x12347000: the whole ESP
  LOG 'ISS ', [esp + 24]
  pop eax
  pop ds
  iretd

h_int81:
  mov ax, SEL_DATA0
  mov ds, ax
  mov es, ax
  LOG 'R3SP', [VARS]
  LOG 'R3S2', [VARS + 4]
  ; --- IRETD at ring 0 on a 16-bit stack ---
  mov ax, SEL_DATA16
  mov ss, ax
  mov esp, 0xabcd7ff0
  pushfd
  push dword SEL_CODE0
  push dword ABS(.after)
  iretd
.after:
  mov [VARS + 12], esp
  mov ax, SEL_DATA0
  mov ss, ax
  mov esp, STACK0_TOP
  LOG 'IR16', [VARS + 12]                  ; 0xabcd7ff0

  ; --- far RET to ring 3 with a 16-bit SS ---
  push dword SEL_D16_3
  push dword 0x99996000
  push dword SEL_CODE3
  push dword ABS(ring3b)
  retf

ring3b:
  mov ax, SEL_DATA3
  mov ds, ax
  mov [VARS + 8], esp                      ; 0x00006000: STACK0_TOP's high word is 0
  int 0x82

h_int82:
  mov ax, SEL_DATA0
  mov ds, ax
  LOG 'RTSP', [VARS + 8]
  DONE

  STUBS
  SET_GATE_FN

align 8
gdt:
  GDT_COMMON
  DESC 0, 0xFFFF, 0xF2, 0x0                ; 0x58 data, 16-bit, DPL 3
gdt_end:
  GDTR
  IDTR
