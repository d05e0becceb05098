; 6. Hardware task switches and call gates (SDM vol. 3, chapter 7; 6.15 #DF;
;    5.8.3-5.8.5 call gates; vol. 2 CALL, RET, IRET).
;
; Part A, tasks:
; - #GP whose IDT gate is not present raises #NP while it is delivered: two
;   contributory exceptions make a #DF (6.15, table 6-5), delivered through a
;   task gate to a separate TSS (how Linux handles double faults). The #DF task
;   gets error code 0 on its stack, its TSS back-link = the old TSS selector,
;   EFLAGS.NT = 1, both TSS descriptors busy, CR0.TS = 1 (7.3 steps); the old
;   task's state (EIP of the faulting instruction, registers, selectors) was
;   saved in the old TSS. It fixes the saved EIP and IRETs (NT = 1: task
;   return, 7.3): TR back, the #DF TSS not busy any more.
; - CALL to a TSS selector: nested (back-link, NT); the task resumes after its
;   IRET. JMP to a TSS: not nested, the old TSS becomes not busy; JMP back.
; Part B, call gates:
; - CALL through a 32-bit call gate (DPL 3, 2 parameters) from ring 3 to ring
;   0: stack from TSS.SS0:ESP0, new stack holds old SS, old ESP, the copied
;   parameters (same order), CS, EIP (5.8.5 fig. 5-13); RETF 8 back to ring 3
;   pops the parameters from both stacks.
; - CALL through a DPL-0 call gate from ring 3: #GP(gate selector).
; - CALL through a call gate at the same privilege: no stack switch.
; - CALL through a DPL-3 task gate from ring 3: the task switch reads and
;   writes the TSSs as supervisor accesses (SDM vol. 3, 4.6); IRET returns to
;   the ring-3 task state saved in its TSS.
; - INT n from ring 3 with TSS.SS0 invalid (RPL != DPL): #TS(SS0 selector),
;   EXT = 0 (6.12.1.1 / INT n pseudo-code), delivered through a task gate;
;   the saved EIP is the INT instruction (a fault), which runs again after the
;   handler task fixes SS0 and IRETs.
; Part B runs with paging on, the TSS pages and the ring-0 stack supervisor
; (as in Linux); CR3 is a static TSS field (7.2.1): loaded, never saved.
%include "common.inc"
[bits 16]
[org ORG]

%define SEL_GATE3   0x5B           ; call gate, DPL 3, 2 parameters -> h_callgate
%define SEL_GATE0   0x60           ; call gate, DPL 0
%define SEL_GATE_S  0x68           ; call gate, DPL 0, no parameters -> h_callgate0
%define SEL_TGATE3  0x73           ; task gate, DPL 3 -> TSS1

start:
  ENTER_PM
  INSTALL_UNEXPECTED
  LOAD_IDT
  SETGATE 0x80, ABS(kernel_done), 0xEF
  CATCH 13
  ; #DF -> task gate to TSS1; #GP gate not present.
  SETGATE 8, 0, 0x85, SEL_TSS1
  SETGATE 10, 0, 0x85, SEL_TSS1            ; #TS -> task gate too
  SETGATE 13, ABS(catch_13), 0x0E

  ; Main TSS (LTR) and the #DF task's TSS.
  mov dword [TSS0 + 4], ESP0_TOP
  mov dword [TSS0 + 8], SEL_DATA0
  mov word [TSS0 + 0x66], 0x68
  mov edi, TSS0 + 0x68
  mov ecx, 33
  mov al, 0xff
  rep stosb
  mov byte [TSS0 + 0x68 + (0xE0 >> 3)], 0xF0
  mov dword [TSS1 + 0x20], ABS(h_df_task)  ; EIP
  mov dword [TSS1 + 0x24], 0x2             ; EFLAGS
  mov dword [TSS1 + 0x38], STACK1_TOP      ; ESP
  mov dword [TSS1 + 0x48], SEL_DATA0       ; ES
  mov dword [TSS1 + 0x4C], SEL_CODE0       ; CS
  mov dword [TSS1 + 0x50], SEL_DATA0       ; SS
  mov dword [TSS1 + 0x54], SEL_DATA0       ; DS
  mov dword [TSS1 + 0x58], SEL_DATA0       ; FS
  mov dword [TSS1 + 0x5C], SEL_DATA0       ; GS
  mov word [TSS1 + 0x66], 0x68
  mov ax, SEL_TSS0
  ltr ax

  ; --- Part A: #DF through a task gate ---
  mov eax, 0xA5A5A5A5
  mov ecx, 0xC3C3C3C3
  mov bx, 0x1fb
df_fault_insn:
  mov ds, bx                               ; #GP -> #NP (gate 13) -> #DF -> task switch
  LOG 'BAD1', 0
df_resume:
  mov edx, eax
  LOG 'MEAX', edx                          ; restored from TSS0
  LOG 'MECX', ecx
  str eax
  LOG 'MTR ', eax
  movzx eax, byte [ABS(gdt) + SEL_TSS0 + 5]
  LOG 'MT0 ', eax                          ; busy (0x8B)
  movzx eax, byte [ABS(gdt) + SEL_TSS1 + 5]
  LOG 'MT1 ', eax                          ; available again (0x89)
  pushfd
  pop eax
  and eax, 0x4000
  LOG 'MNT ', eax
  mov eax, cr0
  and eax, 8
  LOG 'MTS ', eax                          ; CR0.TS set by the task switch
  clts
  mov eax, cr0
  and eax, 8
  LOG 'CLTS', eax

  ; CALL to the TSS: nested task.
  call SEL_TSS1:0
  LOG 'RCAL', 1
  movzx eax, byte [ABS(gdt) + SEL_TSS1 + 5]
  LOG 'CT1 ', eax
  ; JMP to the TSS: not nested; the task jumps back.
  jmp SEL_TSS1:0
after_jmp_task:
  LOG 'RJMP', 1
  movzx eax, byte [ABS(gdt) + SEL_TSS1 + 5]
  LOG 'JT1 ', eax                          ; 0x89: JMP back cleared it
  str eax
  LOG 'JTR ', eax
  clts

  ; --- Part B: call gates ---
  SETGATE 13, ABS(catch_13), 0x8E
  mov dword [PD], PT0 | 7
  xor ecx, ecx
.fill:
  mov eax, ecx
  shl eax, 12
  or eax, 7
  mov [PT0 + ecx * 4], eax
  inc ecx
  cmp ecx, 1024
  jb .fill
  mov dword [PT0 + (TSS0 >> 12) * 4], TSS0 | 3
  mov dword [PT0 + (TSS1 >> 12) * 4], TSS1 | 3
  mov dword [PT0 + ((ESP0_TOP - 1) >> 12) * 4], ((ESP0_TOP - 1) & ~0xfff) | 3
  mov dword [TSS0 + 0x1C], PD
  mov dword [TSS1 + 0x1C], PD
  mov eax, PD
  mov cr3, eax
  mov eax, cr0
  or eax, 0x80000000
  mov cr0, eax
  ; Same privilege through a gate: no stack switch.
  call SEL_GATE_S:0
  LOG 'SGSP', esp
  ; To ring 3.
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
  push dword 0x11111111
  push dword 0x22222222
  call SEL_GATE3:0x12345678                ; the offset is ignored
u_after_call:
  mov eax, cs
  LOG 'UCS ', eax
  LOG 'USP ', esp
  mov eax, ss
  LOG 'USS ', eax
  EXPECT u_after_gate0
  call SEL_GATE0:0
u_after_gate0:
  LOG 'G0  ', [f_vec]
  LOG 'G0E ', [f_err]
  mov eax, 0x33333333
  call SEL_TGATE3:0                        ; task switch from ring 3
  mov edx, eax
  LOG 'TGAX', edx                          ; restored from TSS0
  mov eax, cs
  LOG 'TGCS', eax
  LOG 'TGSP', esp
u_int80:
  int 0x80                                 ; #TS first (SS0 broken), then again

; ---------------------------------------------------------------- handlers
h_callgate:
  mov eax, cs
  LOG 'KCS ', eax
  mov eax, ss
  LOG 'KSS ', eax
  LOG 'KSP ', esp                          ; ESP0 - 24
  mov eax, [esp]
  sub eax, ABS(u_after_call)
  LOG 'KEIP', eax
  LOG 'KRCS', [esp + 4]
  LOG 'KP0 ', [esp + 8]
  LOG 'KP1 ', [esp + 12]
  LOG 'KOSP', [esp + 16]
  LOG 'KOSS', [esp + 20]
  retf 8

h_callgate0:
  mov eax, cs
  LOG 'SCS ', eax
  LOG 'SSP ', esp                          ; STACK0_TOP - 8
  LOG 'SRCS', [esp + 4]
  retf

kernel_done:
  mov eax, cs
  LOG 'KDCS', eax
  DONE

; The #DF task. Each later entry resumes after the instruction that left it.
h_df_task:
  LOG 'DFEC', [esp]
  LOG 'DFSP', esp
  str eax
  LOG 'DFTR', eax
  movzx eax, word [TSS1]
  LOG 'DFBL', eax                          ; back-link
  pushfd
  pop eax
  and eax, 0x4000
  LOG 'DFNT', eax
  movzx eax, byte [ABS(gdt) + SEL_TSS0 + 5]
  LOG 'DFT0', eax
  movzx eax, byte [ABS(gdt) + SEL_TSS1 + 5]
  LOG 'DFT1', eax
  mov eax, cr0
  and eax, 8
  LOG 'DFTS', eax
  mov eax, [TSS0 + 0x20]
  sub eax, ABS(df_fault_insn)
  LOG 'OEIP', eax
  LOG 'OEAX', [TSS0 + 0x28]
  LOG 'OECX', [TSS0 + 0x2C]
  LOG 'OESP', [TSS0 + 0x38]
  movzx eax, word [TSS0 + 0x4C]
  LOG 'OCS ', eax
  movzx eax, word [TSS0 + 0x54]
  LOG 'ODS ', eax
  mov eax, [TSS0 + 0x24]
  and eax, 0x4000
  LOG 'OFNT', eax
  mov dword [TSS0 + 0x20], ABS(df_resume)
  add esp, 4                               ; the error code
  iretd                                    ; NT = 1: back to the main task
  ; entered again by CALL SEL_TSS1:0
  movzx eax, word [TSS1]
  LOG 'CBL ', eax
  pushfd
  pop eax
  and eax, 0x4000
  LOG 'CNT ', eax
  LOG 'CSP ', esp                          ; as left by the IRET
  iretd
  ; entered again by JMP SEL_TSS1:0
  pushfd
  pop eax
  and eax, 0x4000
  LOG 'JNT ', eax
  movzx eax, byte [ABS(gdt) + SEL_TSS0 + 5]
  LOG 'JT0 ', eax                          ; 0x89: JMP cleared the old task's busy bit
  jmp SEL_TSS0:0
  ; entered again through the DPL-3 task gate, from ring 3
  movzx eax, word [TSS1]
  LOG 'TGBL', eax
  movzx eax, word [TSS0 + 0x4C]
  LOG 'TGOC', eax                          ; the ring-3 CS saved in TSS0
  mov eax, cs
  LOG 'TGKC', eax
  mov dword [TSS0 + 8], SEL_DATA0 | 1      ; break SS0: RPL != DPL
  iretd
  ; entered again through the #TS task gate: INT 0x80 from ring 3 found SS0 bad
  LOG 'TSEC', [esp]                        ; #TS(SS0 & ~3), EXT = 0 for INT n
  movzx eax, word [TSS1]
  LOG 'TSBL', eax
  mov eax, [TSS0 + 0x20]
  sub eax, ABS(u_int80)
  LOG 'TSIP', eax                          ; the INT instruction, to restart it
  movzx eax, word [TSS0 + 0x4C]
  LOG 'TSCS', eax
  mov dword [TSS0 + 8], SEL_DATA0
  add esp, 4
  iretd
  LOG 'BAD2', 0
  jmp $

SET_GATE_FN
align 16
STUBS

align 8
gdt:
  GDT_COMMON
  GATE SEL_CODE0, ABS(h_callgate), 0xEC, 2     ; 0x58
  GATE SEL_CODE0, ABS(h_callgate), 0x8C, 0     ; 0x60
  GATE SEL_CODE0, ABS(h_callgate0), 0x8C, 0    ; 0x68
  GATE SEL_TSS1, 0, 0xE5, 0                    ; 0x70 task gate, DPL 3
gdt_end:
GDTR
IDTR
