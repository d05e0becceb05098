; 13. Debug registers and the debug exception (SDM vol. 3, 17.2-17.3; 6.8.3;
;     vol. 2 MOV DRn).
; - DR6 reads with bits 4-11 and 16-31 set, DR7 with bit 10 set.
; - Instruction breakpoint (DR0, L0, R/W 00): #DB before the instruction
;   (frame EIP = the instruction, RF = 0 in the frame, DR6.B0); the handler
;   sets RF in the frame, so the instruction then runs once, without a second
;   #DB; the breakpoint fires again the next time.
; - A breakpoint with L/G clear, and an I/O breakpoint (R/W 10, needs
;   CR4.DE), never fire.
; - Data breakpoints are traps (frame EIP = the next instruction): R/W 01
;   fires on writes only, 11 on reads and writes; LEN 2/4 cover the aligned
;   range around DRn (the LEN bits mask DRn's low bits, 17.2.5); an access
;   overlapping it fires, one beside it does not; DR6 reports the breakpoint's
;   bit (B1 here, with G1).
; - REP STOSB over a data breakpoint: the trap comes after the iteration
;   that wrote it, EIP at the REP instruction, ECX = what is left.
; - Single-step after MOV SS / POP SS, and a data breakpoint on MOV SS's
;   operand, are held until after the next instruction: one #DB, its EIP after
;   that instruction, DR6.BS / B1.
;   A #DB held over an INT3 or a faulting instruction comes at the entry of
;   its handler.
; - DR7.GD: MOV from DR0 is a #DB fault at the MOV with DR6.BD; entering the
;   handler clears GD, so the MOV then runs.
; - Fault-class exceptions push RF = 1 (#GP), traps do not (INT3).
; QEMU (test/system/qemu/run.sh debug) gives the same log except where it
; departs from the SDM: it does not align an unaligned DRn down (DWR4, DWLO),
; delivers a data breakpoint on MOV SS's operand at once (MSDB, MSBP, MSGP), ignores
; DR7.GD (GD) and pushes RF = 0 for faults (GPRF).
%include "common.inc"
[bits 16]
[org ORG]

%define db_count    (VARS + 0x00)
%define db_eip      (VARS + 0x04)
%define db_efl      (VARS + 0x08)
%define db_dr6      (VARS + 0x0C)
%define db_ecx      (VARS + 0x10)
%define WATCH       (VARS + 0x40)  ; 8-byte aligned data word for the breakpoints
%define BUF         (VARS + 0x80)

; RESULT tag, label: log the #DB count and (EIP - label) of the last one, then reset.
%macro RESULT 2
  LOG %1, [db_count]
  mov eax, [db_eip]
  sub eax, ABS(%2)
  LOG %1, eax
  mov dword [db_count], 0
  mov dword [db_eip], 0xffffffff
%endmacro
; NONE tag: log the #DB count (expected 0).
%macro NONE 1
  LOG %1, [db_count]
  mov dword [db_count], 0
%endmacro

start:
  ENTER_PM
  INSTALL_UNEXPECTED
  LOAD_IDT
  SETGATE 1, ABS(h_db), 0x8E
  SETGATE 3, ABS(h_bp), 0x8E
  CATCH 13

  ; --- reset values and fixed bits ---
  mov eax, dr6
  LOG 'DR6R', eax
  mov eax, dr7
  LOG 'DR7R', eax
  xor eax, eax
  mov dr6, eax
  mov dr7, eax
  mov eax, dr6
  LOG 'DR6Z', eax
  mov eax, dr7
  LOG 'DR7Z', eax

  ; --- instruction breakpoint ---
  mov eax, ABS(ibp)
  mov dr0, eax
  mov eax, 0x00000001                      ; L0, R/W0 = 00, LEN0 = 00
  mov dr7, eax
  xor ecx, ecx
ibp:
  inc ecx
  LOG 'IBCX', ecx                          ; 1: ran once
  LOG 'IBRF', [db_efl]                     ; frame EFLAGS: RF = 0
  LOG 'IB6 ', [db_dr6]
  RESULT 'IBP ', ibp
  mov eax, ABS(ibp2)                       ; fires on every pass
  mov dr0, eax
  xor ecx, ecx
  mov ebx, 2
ibp2:
  inc ecx
  dec ebx
  jnz ibp2
  LOG 'IB2C', ecx
  LOG 'IB2N', [db_count]                   ; 2
  mov dword [db_count], 0

  ; --- disabled and I/O breakpoints do not fire ---
  mov eax, ABS(nofire)
  mov dr0, eax
  mov dr1, eax
  mov eax, 0x00200000 | (1 << 2)           ; DR0 enable bits clear; DR1: L1, R/W1 = 10 (I/O)
  mov dr7, eax
nofire:
  nop
  NONE 'NOFI'

  ; --- data breakpoints ---
  mov dword [WATCH], 0
  mov eax, WATCH + 1                       ; LEN 4: aligned down to WATCH
  mov dr1, eax
  mov eax, (1 << 3) | (0x1 << 20) | (0x3 << 22)   ; G1, R/W1 = 01 (writes), LEN1 = 11 (4 bytes)
  mov dr7, eax
  mov eax, [WATCH]                         ; a read: nothing
  NONE 'DRD '
  mov dword [WATCH], 0x1234
dw1:
  LOG 'DW6 ', [db_dr6]
  RESULT 'DWR ', dw1
  mov byte [WATCH + 3], 1                  ; overlaps
dw2:
  RESULT 'DWR3', dw2
  mov byte [WATCH + 4], 1                  ; beside it
  NONE 'DWR4'
  mov word [WATCH - 1], 1                  ; overlaps at the low end
dw3:
  RESULT 'DWLO', dw3
  mov eax, WATCH + 2
  mov dr1, eax
  mov eax, (1 << 3) | (0x3 << 20) | (0x1 << 22)   ; R/W1 = 11 (reads and writes), LEN1 = 01 (2 bytes)
  mov dr7, eax
  mov al, [WATCH + 3]                      ; a read inside [WATCH+2, WATCH+4)
drw1:
  RESULT 'DRRW', drw1
  mov al, [WATCH + 1]                      ; outside
  NONE 'DRR1'
  ; REP STOSB across WATCH+2: 4th iteration
  mov edi, WATCH - 1
  mov ecx, 8
  mov al, 0xee
  cld
rep_insn:
  rep stosb
  LOG 'REPC', [db_ecx]                     ; two traps (WATCH+2, WATCH+3): ECX 4, then 3
  RESULT 'REP ', rep_insn
  LOG 'REPE', ecx                          ; finished
  LOG 'REPD', edi

  ; --- MOV SS / POP SS hold single-step and data breakpoints ---
  xor eax, eax
  mov dr7, eax
  xor ecx, ecx
  mov ax, ss
  pushfd
  or dword [esp], 0x100                    ; TF
  popfd
  mov ss, ax                               ; TF at its start: the trap waits
  inc ecx
ms1:
  RESULT 'MSTF', ms1
  mov ax, ss
  push eax
  pushfd
  or dword [esp], 0x100
  popfd
  pop ss
  inc ecx
ps1:
  RESULT 'PSTF', ps1
  mov word [WATCH + 8], SEL_DATA0
  mov eax, WATCH + 8
  mov dr1, eax
  mov eax, (1 << 3) | (0x3 << 20) | (0x1 << 22)   ; reads and writes, 2 bytes
  mov dr7, eax
  mov ss, [WATCH + 8]
  inc ecx
ms2:
  LOG 'MS6 ', [db_dr6]
  RESULT 'MSDB', ms2
  LOG 'MSCX', ecx                          ; 3
  ; A #DB held over an INT3 or a faulting instruction is taken at the handler's
  ; entry (the CVE-2018-8897 case: before the handler's first instruction).
  mov ss, [WATCH + 8]
  int3
  RESULT 'MSBP', h_bp
  mov ax, 0x1f8
  EXPECT after_msgp
  mov ss, [WATCH + 8]
  mov ds, ax                               ; #GP
after_msgp:
  LOG 'MSGV', [f_vec]
  RESULT 'MSGP', catch_13

  ; --- general detect ---
  mov eax, 0x2000                          ; GD
  mov dr7, eax
gd1:
  mov eax, dr0
  LOG 'GD6 ', [db_dr6]
  RESULT 'GD  ', gd1
  mov eax, dr7
  LOG 'GD7 ', eax                          ; GD cleared

  ; --- RF in exception frames ---
  EXPECT after_gp
  mov ax, 0x1f8                            ; beyond the GDT limit: #GP(0x1f8)
  mov ds, ax
after_gp:
  mov eax, [f_efl]
  and eax, 0x10000
  LOG 'GPRF', eax
  int3
  LOG 'BPRF', [VARS + 0x20]

  DONE

; #DB: record, clear DR6, resume with RF set and TF clear.
h_db:
  push eax
  push ds
  mov ax, SEL_DATA0
  mov ds, ax
  inc dword [db_count]
  mov eax, [esp + 8]
  mov [db_eip], eax
  mov eax, [esp + 16]
  mov [db_efl], eax
  mov [db_ecx], ecx
  mov eax, dr6
  mov [db_dr6], eax
  xor eax, eax
  mov dr6, eax
  or dword [esp + 16], 0x10000
  and dword [esp + 16], ~0x100
  pop ds
  pop eax
  iretd

h_bp:
  push eax
  mov eax, [esp + 12]
  and eax, 0x10000
  mov [VARS + 0x20], eax
  pop eax
  iretd

  STUBS
  SET_GATE_FN

align 8
gdt:
  GDT_COMMON
gdt_end:
  GDTR
  IDTR
