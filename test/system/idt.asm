; 2. Protected-mode IDT: interrupt and trap gates, software interrupts and
;    exceptions (SDM vol. 3, 6.4-6.13 and the per-vector pages of 6.15).
;
; - INT n through an interrupt gate clears IF (and TF, NT, RF); a trap gate
;   leaves IF alone (6.12.1.3). IRET restores the saved EFLAGS.
; - Frame at the same privilege: [error code,] EIP, CS, EFLAGS (6.12.1, fig. 6-4).
; - Traps (INT3, INTO) return to the next instruction; faults (#BR, #DE,
;   #UD, #GP, #NP) to the faulting one (6.5).
; - Selector error codes (6.13): a bad selector in MOV DS -> #GP(sel & ~3);
;   not-present segment -> #NP(sel); not-present gate -> #NP(vector*8 + 2)
;   (IDT bit), +1 (EXT) when an exception, not INT n, hit it; vector beyond
;   the IDT limit -> #GP(vector*8 + 2); a gate of the wrong type -> #GP(vector*8 + 2);
;   a not-present segment into SS -> #SS(sel) (MOV pseudo-code).
; - A 16-bit interrupt gate pushes a 16-bit frame (6.12.1).
; - A #NP handler that makes the segment present and IRETs restarts the
;   faulting MOV, which then loads the segment (and sets its accessed bit).
%include "common.inc"
[bits 16]
[org ORG]
start:
  ENTER_PM
  INSTALL_UNEXPECTED
  LOAD_IDT
  SETGATE 0x40, ABS(h_int40), 0x8E     ; interrupt gate
  SETGATE 0x41, ABS(h_int41), 0x8F     ; trap gate
  SETGATE 0x42, ABS(h_int42), 0x86     ; 16-bit interrupt gate
  CATCH 0
  CATCH 3
  CATCH 4
  CATCH 5
  CATCH 11
  CATCH 13
  ; 0x50: present bit clear
  SETGATE 0x50, ABS(h_int40), 0x0E
  ; 0x51: a call gate type (0xC) is not allowed in the IDT
  SETGATE 0x51, ABS(h_int40), 0x8C

  ; --- interrupt gate: IF cleared in the handler, restored by IRET; NT too ---
  pushfd
  or dword [esp], 0x4000              ; NT
  popfd
  sti
  mov dword [VARS], 0
  int 0x40
after40:
  pushfd
  pop eax
  and eax, 0x4200
  LOG 'A40F', eax                     ; IF and NT back
  pushfd
  and dword [esp], ~0x4000
  popfd
  LOG 'E40 ', esp                     ; stack balanced

  ; --- trap gate: IF kept ---
  int 0x41
  pushfd
  pop eax
  and eax, 0x200
  LOG 'A41F', eax

  ; --- 16-bit interrupt gate: IP, CS, FLAGS as words ---
  int 0x42
after42:
  LOG 'E42 ', esp
  cli

  ; --- INT3 / INTO: traps, EIP of the next instruction ---
  EXPECT after_int3
  int3
after_int3:
  mov eax, [f_eip]
  sub eax, ABS(after_int3)
  LOG 'BP  ', [f_vec]
  LOG 'BPIP', eax
  EXPECT after_into0
  xor eax, eax                        ; OF = 0: INTO does nothing
  into
after_into0:
  LOG 'OF0 ', [f_vec]
  EXPECT after_into1
  mov al, 0x7f
  add al, 1                           ; OF = 1
  into
after_into1:
  mov eax, [f_eip]
  sub eax, ABS(after_into1)
  LOG 'OF1 ', [f_vec]
  LOG 'OFIP', eax

  ; --- BOUND: #BR (fault) only when out of range ---
  EXPECT after_bound_ok
  mov eax, 15
  bound eax, [bounds]
after_bound_ok:
  LOG 'BND0', [f_vec]
  EXPECT after_bound
  mov eax, 21
bound_insn:
  bound eax, [bounds]
after_bound:
  mov eax, [f_eip]
  sub eax, ABS(bound_insn)
  LOG 'BR  ', [f_vec]
  LOG 'BRIP', eax

  ; --- #DE: divide by zero and quotient overflow ---
  EXPECT after_div0
  mov eax, 1
  xor edx, edx
  xor ecx, ecx
div0_insn:
  div ecx
after_div0:
  mov eax, [f_eip]
  sub eax, ABS(div0_insn)
  LOG 'DE0 ', [f_vec]
  LOG 'DE0I', eax
  EXPECT after_div1
  mov eax, 0x80000000
  cdq
  mov ecx, -1
div1_insn:
  idiv ecx
after_div1:
  mov eax, [f_eip]
  sub eax, ABS(div1_insn)
  LOG 'DE1 ', [f_vec]
  LOG 'DE1I', eax

  ; --- #UD; with the #UD gate not present: #NP(6*8 + 2 + EXT) ---
  CATCH 6
  EXPECT after_ud
ud_insn:
  ud2
after_ud:
  mov eax, [f_eip]
  sub eax, ABS(ud_insn)
  LOG 'UD  ', [f_vec]
  LOG 'UDIP', eax
  and byte [IDT_BASE + 6 * 8 + 5], 0x7f
  EXPECT after_ud2
ud2_insn:
  ud2
after_ud2:
  mov eax, [f_eip]
  sub eax, ABS(ud2_insn)
  LOG 'UDNP', [f_vec]
  LOG 'UDNE', [f_err]
  LOG 'UDNI', eax
  or byte [IDT_BASE + 6 * 8 + 5], 0x80

  ; --- #GP with selector error codes, frame check ---
  EXPECT after_gp1
  mov ax, 0x1fb                       ; beyond the GDT limit, RPL 3
gp1_insn:
  mov ds, ax
after_gp1:
  mov eax, [f_eip]
  sub eax, ABS(gp1_insn)
  LOG 'GP1 ', [f_vec]
  LOG 'GP1E', [f_err]
  LOG 'GP1I', eax
  LOG 'GP1C', [f_cs]
  mov eax, [f_efl]
  and eax, 0x200
  LOG 'GP1F', eax
  mov eax, ds
  LOG 'DS1 ', eax                     ; unchanged
  EXPECT after_gp2
  mov ax, SEL_TSS0                    ; a system descriptor
  mov es, ax
after_gp2:
  LOG 'GP2 ', [f_vec]
  LOG 'GP2E', [f_err]
  EXPECT after_gp3
  xor eax, eax
  mov ss, ax                          ; null SS
after_gp3:
  LOG 'GP3 ', [f_vec]
  LOG 'GP3E', [f_err]
  EXPECT after_gp4
  mov ax, SEL_DATA0 | 1               ; SS with RPL != CPL
  mov ss, ax
after_gp4:
  LOG 'GP4 ', [f_vec]
  LOG 'GP4E', [f_err]
  EXPECT after_gp5
  mov ax, SEL_CODE0 | 0               ; code segment into SS
  mov ss, ax
after_gp5:
  LOG 'GP5 ', [f_vec]
  LOG 'GP5E', [f_err]
  CATCH 12
  EXPECT after_ss1
  mov ax, SEL_NPDATA                  ; writable data, not present: #SS(sel) for SS
  mov ss, ax
after_ss1:
  LOG 'SS1 ', [f_vec]
  LOG 'SS1E', [f_err]
  EXPECT after_np1
  mov ax, SEL_NPDATA
  mov fs, ax
after_np1:
  LOG 'NP1 ', [f_vec]
  LOG 'NP1E', [f_err]
  mov eax, fs
  LOG 'FS1 ', eax
  ; #NP fixed up by the handler: it sets the present bit and IRETs to retry the load.
  SETGATE 11, ABS(h_np_fix), 0x8E
  mov ax, SEL_NPDATA
np2_insn:
  mov fs, ax
  mov eax, fs
  LOG 'NP2S', eax                     ; loaded on the retry
  LOG 'NP2E', [VARS + 4]
  mov eax, [VARS + 8]
  sub eax, ABS(np2_insn)
  LOG 'NP2I', eax
  movzx eax, byte [ABS(gdt) + SEL_NPDATA + 5]
  LOG 'NP2A', eax                     ; present and accessed now
  mov ax, SEL_DATA0
  mov fs, ax
  CATCH 11
  EXPECT after_nulds
  xor eax, eax
  mov gs, ax                          ; a null selector loads into GS without a fault
after_nulds:
  LOG 'NUL ', [f_vec]
  mov ax, SEL_DATA0
  mov gs, ax

  ; --- gate errors: not present, wrong type, beyond the IDT limit ---
  EXPECT after_int50
int50_insn:
  int 0x50
after_int50:
  mov eax, [f_eip]
  sub eax, ABS(int50_insn)
  LOG 'N50 ', [f_vec]
  LOG 'N50E', [f_err]
  LOG 'N50I', eax
  EXPECT after_int51
int51_insn:
  int 0x51
after_int51:
  mov eax, [f_eip]
  sub eax, ABS(int51_insn)
  LOG 'T51 ', [f_vec]
  LOG 'T51E', [f_err]
  LOG 'T51I', eax
  lidt [short_idtr]
  EXPECT after_int70
  int 0x70
after_int70:
  LOG 'L70 ', [f_vec]
  LOG 'L70E', [f_err]
  LOAD_IDT
  LOG 'CNT ', [f_count]
  LOG 'ESP ', esp
  DONE

; INT 0x40 (interrupt gate)
h_int40:
  pushfd
  pop eax
  and eax, 0x4300                     ; NT IF TF
  LOG 'H40F', eax
  mov eax, [esp + 8]
  and eax, 0x4200
  LOG 'H40S', eax                     ; saved: IF and NT set
  mov eax, [esp]
  sub eax, ABS(after40)
  LOG 'H40I', eax
  LOG 'H40C', [esp + 4]
  LOG 'H40P', esp
  iretd

; #NP: mark the descriptor named by the error code present, retry.
h_np_fix:
  push eax
  mov eax, [esp + 4]
  mov [VARS + 4], eax
  mov eax, [esp + 8]
  mov [VARS + 8], eax
  mov eax, [esp + 4]
  and eax, 0xfff8
  or byte [ABS(gdt) + eax + 5], 0x80
  pop eax
  add esp, 4
  iretd

; INT 0x41 (trap gate)
h_int41:
  pushfd
  pop eax
  and eax, 0x200
  LOG 'H41F', eax
  iretd

; INT 0x42 (16-bit interrupt gate)
h_int42:
  movzx eax, word [esp]
  sub eax, ABS(after42)
  LOG 'H42I', eax
  movzx eax, word [esp + 2]
  LOG 'H42C', eax
  movzx eax, word [esp + 4]
  and eax, 0x200
  LOG 'H42F', eax
  LOG 'H42P', esp
  o16 iret

SET_GATE_FN
align 16
STUBS

align 4
bounds: dd 10, 20
short_idtr:
  dw 0x60 * 8 - 1
  dd IDT_BASE
IDTR
align 8
gdt:
  GDT_COMMON
gdt_end:
GDTR
