; 8. Descriptor and protection instructions (SDM vol. 2: LAR, LSL, VERR/VERW,
;    ARPL, SLDT, STR, LLDT, LTR, SGDT, SIDT, SMSW, LMSW, CLTS).
;
; Real mode: LAR LSL VERR VERW ARPL SLDT STR LLDT LTR are #UD ("not recognized
; in real-address mode"); SGDT SIDT SMSW LMSW CLTS work (GDTR after reset:
; base 0, limit 0xFFFF, SDM vol. 3, table 9-1).
; Protected mode at CPL 0:
; - LAR: ZF = 1 and the access rights (masked with 00FxFF00H for 32 bits: bits
;   19:16 are not asserted, the SDM leaves them undefined; a 16-bit LAR writes
;   only the low word) for code/data and the system types 1-5, 9, 11, 12;
;   ZF = 0 and the destination unchanged for a null selector, a selector
;   beyond the GDT limit, an interrupt gate, or RPL > DPL. The present bit is
;   not checked. (Checked on the host CPU with modify_ldt entries.)
; - LSL: the byte-granular limit (G scales it), for code/data, LDT and TSS;
;   ZF = 0 for gates.
; - VERR/VERW: execute-only code not readable; conforming readable code readable
;   at any CPL; not-present data still verifies; system descriptors never.
; - ARPL raises the RPL of the destination to the source's (ZF = 1), else ZF = 0;
;   on registers it changes only the low word (host CPU: EBX ABCD0010 -> ABCD0013).
; - SLDT/STR to a 32-bit register zero-extend (P6, SDM SLDT/STR).
; - LMSW loads PE MP EM TS but cannot clear PE; CLTS clears TS.
%include "common.inc"
[bits 16]
[org ORG]

%define SEL_D3      0x58           ; data, DPL 3, limit 0x12345 bytes
%define SEL_D0G     0x60           ; data, DPL 0, G = 1, limit 0x12 -> 0x12FFF
%define SEL_XO      0x68           ; code, execute-only
%define SEL_CONF    0x70           ; code, conforming, readable
%define SEL_LDT     0x78           ; LDT
%define SEL_CGATE   0x80           ; call gate
%define SEL_IGATE   0x88           ; interrupt gate (not valid for LAR)
%define SEL_D1      0x90           ; data, DPL 1

%macro RM_UD 2                      ; tag, instruction
  mov word [rm_resume], %%after
  mov word [rm_ud_count], 0
  %2
%%after:
  LOG %1, [rm_ud_count]
%endmacro

start:
  ; --- real mode ---
  mov word [6 * 4], rm_ud
  mov word [6 * 4 + 2], 0
  RM_UD 'RLAR', {lar ax, bx}
  RM_UD 'RLSL', {lsl ax, bx}
  RM_UD 'RVRR', {verr ax}
  RM_UD 'RVRW', {verw ax}
  RM_UD 'RARP', {arpl [0x500], ax}
  RM_UD 'RSLD', {sldt ax}
  RM_UD 'RSTR', {str ax}
  RM_UD 'RLLD', {lldt ax}
  RM_UD 'RLTR', {ltr ax}
  RM_UD 'RSMW', {smsw ax}
  movzx eax, ax
  LOG 'RMSW', eax
  sgdt [0x600]
  LOG 'RGDL', [0x600]
  LOG 'RGDB', [0x602]
  sidt [0x610]
  LOG 'RIDL', [0x610]
  LOG 'RIDB', [0x612]
  mov ax, 0x8                              ; TS
  lmsw ax
  smsw ax
  movzx eax, ax
  LOG 'RLMS', eax
  clts
  smsw ax
  movzx eax, ax
  LOG 'RCLT', eax

  ; --- protected mode ---
  ENTER_PM
  INSTALL_UNEXPECTED
  LOAD_IDT
  CATCH 13
  mov ax, SEL_TSS0
  ltr ax

  ; LAR
  mov dword [zf_bits], 0
  mov ebx, SEL_D3
  mov eax, 0xdeadbeef
  lar eax, ebx
  call zf
  and eax, 0x00F0FF00
  LOG 'LAR1', eax
  mov eax, 0xdeadbeef
  lar ax, bx                               ; 16-bit: low word only
  call zf
  LOG 'LAR2', eax
  mov ebx, SEL_NPDATA
  lar eax, ebx
  call zf
  and eax, 0x00F0FF00
  LOG 'LARN', eax                          ; P = 0 and still ZF = 1
  mov ebx, SEL_TSS0
  lar eax, ebx
  call zf
  and eax, 0x00F0FF00
  LOG 'LART', eax                          ; busy TSS
  mov ebx, SEL_LDT
  lar eax, ebx
  call zf
  and eax, 0x00F0FF00
  LOG 'LARL', eax
  mov ebx, SEL_CGATE
  lar eax, ebx
  call zf
  and eax, 0x00F0FF00
  LOG 'LARG', eax
  mov eax, 0x12345678
  mov ebx, SEL_IGATE
  lar eax, ebx
  call zf
  LOG 'LARI', eax                          ; unchanged
  xor ebx, ebx
  lar eax, ebx
  call zf
  LOG 'LAR0', eax
  mov ebx, 0x1f8                           ; beyond the GDT limit
  lar eax, ebx
  call zf
  LOG 'LARX', eax
  mov ebx, SEL_D1 | 3                      ; RPL 3 > DPL 1
  lar eax, ebx
  call zf
  LOG 'LARR', eax
  mov ebx, SEL_D1 | 1
  lar eax, ebx
  call zf
  and eax, 0x00F0FF00
  LOG 'LARD', eax

  LOG 'LARZ', [zf_bits]

  ; LSL
  mov dword [zf_bits], 0
  mov ebx, SEL_D3
  lsl eax, ebx
  call zf
  LOG 'LSL1', eax
  mov ebx, SEL_D0G
  lsl eax, ebx
  call zf
  LOG 'LSLG', eax
  mov ebx, SEL_TSS0
  lsl eax, ebx
  call zf
  LOG 'LSLT', eax
  mov ebx, SEL_LDT
  lsl eax, ebx
  call zf
  LOG 'LSLL', eax
  mov eax, 0x12345678
  mov ebx, SEL_CGATE
  lsl eax, ebx
  call zf
  LOG 'LSLC', eax
  mov eax, 0x12345678
  mov ebx, SEL_D0G
  lsl ax, bx                               ; 16-bit: low word of the limit
  call zf
  LOG 'LSL6', eax

  LOG 'LSLZ', [zf_bits]

  ; VERR / VERW (result: ZF)
  mov dword [zf_bits], 0
  mov ax, SEL_DATA0
  verr ax
  call zf
  verw ax
  call zf
  mov ax, SEL_CODE0                        ; readable code
  verr ax
  call zf
  verw ax
  call zf
  mov ax, SEL_XO                           ; execute-only
  verr ax
  call zf
  mov ax, SEL_CONF | 3                     ; conforming: RPL/CPL do not matter
  verr ax
  call zf
  mov ax, SEL_NPDATA                       ; not present: still verifies
  verr ax
  call zf
  verw ax
  call zf
  mov ax, SEL_TSS0                         ; system
  verr ax
  call zf
  mov ax, SEL_D1 | 3                       ; RPL > DPL
  verw ax
  call zf
  xor ax, ax
  verr ax
  call zf
  LOG 'VERx', [zf_bits]

  ; ARPL
  mov dword [zf_bits], 0
  mov word [VARS], SEL_DATA0               ; RPL 0
  mov ax, 0x0003
  arpl [VARS], ax
  call zf
  movzx eax, word [VARS]
  LOG 'ARP1', eax
  mov bx, SEL_DATA3                        ; RPL 3 already
  mov ax, 0x0001
  arpl bx, ax
  call zf
  movzx ebx, bx
  LOG 'ARP2', ebx
  mov ebx, 0xABCD0010                      ; 32-bit code: low words only
  mov esi, 0xFFFF0002
  arpl bx, si
  call zf
  LOG 'ARP3', ebx
  LOG 'ARPZ', [zf_bits]

  ; SLDT / LLDT / STR
  mov eax, 0xffffffff
  sldt eax
  LOG 'SLD0', eax
  mov ax, SEL_LDT
  lldt ax
  mov eax, 0xffffffff
  sldt eax
  LOG 'SLD1', eax
  mov word [VARS], 0xffff
  sldt [VARS]
  movzx eax, word [VARS]
  LOG 'SLDM', eax
  EXPECT after_lldt_bad
  mov ax, SEL_DATA0
  lldt ax                                  ; not an LDT: #GP(sel)
after_lldt_bad:
  LOG 'LLDB', [f_vec]
  LOG 'LLDE', [f_err]
  xor eax, eax
  lldt ax                                  ; null: allowed
  sldt eax
  LOG 'SLD2', eax
  mov eax, 0xffffffff
  str eax
  LOG 'STR ', eax
  EXPECT after_ltr_busy
  mov ax, SEL_TSS0
  ltr ax                                   ; busy TSS: #GP(sel)
after_ltr_busy:
  LOG 'LTRB', [f_vec]
  LOG 'LTRE', [f_err]

  ; SGDT / SIDT
  sgdt [VARS]
  movzx eax, word [VARS]
  LOG 'GDTL', eax
  mov eax, [VARS + 2]
  sub eax, ABS(gdt)
  LOG 'GDTB', eax
  sidt [VARS]
  movzx eax, word [VARS]
  LOG 'IDTL', eax
  LOG 'IDTB', [VARS + 2]

  ; SMSW / LMSW / CLTS
  smsw ax
  movzx eax, ax
  LOG 'SMSW', eax
  mov word [VARS], 0xffff
  smsw [VARS]
  movzx eax, word [VARS]
  LOG 'SMSM', eax
  mov esi, 0xFFFF000a                      ; MP | TS, PE = 0 (low word of ESI)
  lmsw si
  mov eax, cr0
  and eax, 0xffff
  LOG 'LMSW', eax                          ; PE stays set
  clts
  mov eax, cr0
  and eax, 0xf
  LOG 'CLTS', eax
  DONE

; Append ZF to the bit string zf_bits (oldest in the high bits).
zf:
  pushfd
  push eax
  setz al
  movzx eax, al
  shl dword [zf_bits], 1
  or [zf_bits], eax
  pop eax
  popfd
  ret

[bits 16]
rm_ud:
  push bp
  mov bp, sp
  inc word [rm_ud_count]
  mov ax, [rm_resume]
  mov [bp + 2], ax
  pop bp
  iret

[bits 32]
SET_GATE_FN
align 16
STUBS

align 4
zf_bits: dd 0
rm_resume: dw 0
rm_ud_count: dd 0
align 8
gdt:
  GDT_COMMON
  DESC 0, 0x12345, 0xF2, 0x4                ; 0x58
  DESC 0, 0x12, 0x92, 0xC                   ; 0x60
  DESC 0, 0xFFFFF, 0x98, 0xC                ; 0x68
  DESC 0, 0xFFFFF, 0x9E, 0xC                ; 0x70
  DESC 0x30000, 0x3F, 0x82, 0x0             ; 0x78 LDT
  GATE SEL_CODE0, 0x1234, 0x8C, 0           ; 0x80
  GATE SEL_CODE0, 0x1234, 0x8E, 0           ; 0x88
  DESC 0, 0xFFFF, 0xB2, 0x4                 ; 0x90 data, DPL 1
gdt_end:
GDTR
IDTR
