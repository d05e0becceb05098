; 11. Faults after the commit point of a task switch (SDM vol. 3, 7.3 and the
;     #TS / #NP descriptions in 6.15): the new task's state is loaded, then
;     the exception is raised in the new task's context: the return EIP and CS
;     on the handler's frame are the new task's, the handler runs on the new
;     task's stack, TR holds the new TSS (busy), a JMP left the old TSS not
;     busy; the selectors are all in their registers.
; - JMP to a TSS whose DS is an execute-only code segment: #TS(DS selector).
;   The handler loads a good DS and IRETs into the new task at its first
;   instruction.
; - From that task, JMP back to the first TSS after pointing its saved DS at a
;   not-present segment: #NP(selector) at the instruction after the first JMP.
; QEMU (test/system/qemu/run.sh taskfault) agrees on the stack, TR and busy
; bits but reports the #TS at the old task's JMP: it restores EIP to the
; faulting instruction, against the SDM.
%include "common.inc"
[bits 16]
[org ORG]

%define SEL_XO      0x58           ; execute-only code (not loadable into DS)

start:
  ENTER_PM
  INSTALL_UNEXPECTED
  LOAD_IDT
  SETGATE 10, ABS(h_fault), 0x8E
  SETGATE 11, ABS(h_fault_np), 0x8E
  mov word [TSS0 + 0x66], 0x68
  mov ax, SEL_TSS0
  ltr ax

  ; Task 1: DS = execute-only code.
  mov dword [TSS1 + 0x20], ABS(task1)      ; EIP
  mov dword [TSS1 + 0x24], 0x2             ; EFLAGS
  mov dword [TSS1 + 0x38], STACK1_TOP      ; ESP
  mov dword [TSS1 + 0x48], SEL_DATA0       ; ES
  mov dword [TSS1 + 0x4C], SEL_CODE0       ; CS
  mov dword [TSS1 + 0x50], SEL_DATA0       ; SS
  mov dword [TSS1 + 0x54], SEL_XO          ; DS: invalid
  mov dword [TSS1 + 0x58], SEL_DATA0       ; FS
  mov dword [TSS1 + 0x5C], SEL_DATAB       ; GS
  mov word [TSS1 + 0x66], 0x68
  mov dword [VARS], 0
  jmp SEL_TSS1:0
back_in_task0:                             ; task 0 resumes here (#NP first)
  LOG 'T0BK', [VARS]                       ; 2 faults handled
  mov ax, ds
  movzx eax, ax
  LOG 'T0DS', eax
  DONE

task1:
  mov ax, ds                               ; reached after the handler fixed DS
  movzx eax, ax
  LOG 'T1DS', eax
  mov ax, gs
  movzx eax, ax
  LOG 'T1GS', eax
  mov word [TSS0 + 0x54], SEL_NPDATA       ; task 0 comes back with a bad DS
  jmp SEL_TSS0:0

; #TS and #NP handlers: log the frame and the task state, fix DS, return.
h_fault_np:
  push dword 11
  jmp h_common
h_fault:
  push dword 10
h_common:                                  ; [esp] vector, error, EIP, CS, EFLAGS
  mov ax, SEL_DATA0
  mov ds, ax
  mov es, ax
  inc dword [VARS]
  mov eax, [esp]
  LOG 'HVEC', eax
  LOG 'HERR', [esp + 4]
  LOG 'HEIP', [esp + 8]
  LOG 'HCS ', [esp + 12]
  lea eax, [esp + 20]
  LOG 'HESP', eax                          ; top of the new task's stack
  str ax
  movzx eax, ax
  LOG 'HTR ', eax
  movzx eax, byte [ABS(gdt) + SEL_TSS0 + 5]
  LOG 'HB0 ', eax
  movzx eax, byte [ABS(gdt) + SEL_TSS1 + 5]
  LOG 'HB1 ', eax
  add esp, 8
  iretd

  STUBS
  SET_GATE_FN

align 8
gdt:
  GDT_COMMON
  DESC 0, 0xFFFFF, 0x98, 0xC               ; 0x58 execute-only code
gdt_end:
  GDTR
  IDTR
