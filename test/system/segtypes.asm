; 10. Segment type checks on data accesses (SDM vol. 3, 5.4.1 and 5.5; vol. 2,
;     the "#GP(0) if the destination is located in a non-writable segment" and
;     "#GP(0) if a memory operand ... is read from an execute-only code segment"
;     lines of each instruction).
;
; - Real mode: a CS-override write works (real-mode segments have no type).
; - Read-only data (FS, and ES for string stores): reads work; MOV, ADD, INC,
;   XCHG, CMPXCHG (whether or not it compares equal), BTS with a register bit
;   offset, SETcc, POP m, FSTP, FNSTSW, SGDT, STOS, REP STOS, MOVS and INS
;   (before the port is read) are #GP(0) at the instruction, with memory,
;   registers and ECX unchanged.
; - A readable code segment in GS and CS: reads work, writes are #GP(0).
; - Execute-only code as CS: a CS-override read is #GP(0); it runs normally.
; - Expand-down read-only data: reads inside work, writes are #GP(0), reads
;   below the lower bound are #GP(0).
; Each case logs (vector << 16) | error code, with bit 15 set when the fault
; EIP is the instruction itself; 0xFFFFFFFF when nothing faulted.
%include "common.inc"
[bits 16]
[org ORG]

%define SEL_RO      0x58           ; data, read-only, 4 GiB
%define SEL_XO      0x60           ; code, execute-only, 4 GiB
%define SEL_RX      0x68           ; code, readable, 4 GiB
%define SEL_ROED    0x70           ; data, read-only, expand-down, limit 0xFFF, B = 1
%define TARGET      (VARS + 0x10)  ; the word the cases try to write

%macro TRY 2                       ; tag, instruction(s)
  EXPECT %%after
%%insn:
  %2
%%after:
  push eax
  mov eax, [f_vec]
  shl eax, 16
  mov ax, [f_err]
  cmp dword [f_eip], ABS(%%insn)
  jne %%noeip
  or ax, 0x8000
%%noeip:
  LOG %1, eax
  pop eax
%endmacro

start:
  ; --- real mode: writes through CS are fine ---
  mov dword [cs:rm_word], 0x11112222
  LOG 'RMCS', [cs:rm_word]

  ENTER_PM
  INSTALL_UNEXPECTED
  LOAD_IDT
  CATCH 13
  CATCH 12
  mov dword [TARGET], 0x5a5a5a5a

  ; --- read-only data in FS ---
  mov ax, SEL_RO
  mov fs, ax
  LOG 'RORD', [fs:TARGET]
  TRY 'ROMV', {mov dword [fs:TARGET], 1}
  TRY 'ROAD', {add [fs:TARGET], eax}
  TRY 'ROIN', {inc dword [fs:TARGET]}
  mov eax, 0x77
  TRY 'ROXC', {xchg [fs:TARGET], eax}
  LOG 'ROXA', eax                          ; unchanged
  mov eax, 0x5a5a5a5a                      ; equal: would store ECX
  mov ecx, 0x99
  TRY 'ROC1', {cmpxchg [fs:TARGET], ecx}
  xor eax, eax                             ; not equal: still a write cycle
  TRY 'ROC2', {cmpxchg [fs:TARGET], ecx}
  LOG 'ROCA', eax                          ; not loaded: the fault came first
  mov eax, 3
  TRY 'ROBT', {bt [fs:TARGET], eax}        ; a read: fine
  TRY 'ROBS', {bts [fs:TARGET], eax}
  TRY 'ROSE', {setz [fs:TARGET]}
  push dword 0x1234
  mov ebx, esp
  TRY 'ROPO', {pop dword [fs:TARGET]}
  sub ebx, esp
  LOG 'ROPS', ebx                          ; ESP unchanged by the faulting POP
  pop eax
  TRY 'ROPU', {push dword [fs:TARGET]}     ; a read: fine
  pop eax
  fninit
  fld1
  TRY 'ROFS', {fstp dword [fs:TARGET]}
  fninit
  TRY 'ROSW', {fnstsw [fs:TARGET]}
  TRY 'ROSG', {sgdt [fs:TARGET]}
  LOG 'ROTG', [TARGET]                     ; still 0x5a5a5a5a

  ; --- read-only data in ES: string stores ---
  mov ax, SEL_RO
  mov es, ax
  mov edi, TARGET
  mov esi, VARS
  TRY 'ESST', {stosd}
  mov ecx, 4
  TRY 'ESRS', {rep stosb}
  LOG 'ESRC', ecx                          ; nothing done
  TRY 'ESMV', {movsd}
  mov dx, 0x80
  TRY 'ESIN', {insb}
  LOG 'ESDI', edi                          ; unchanged
  TRY 'ESLO', {scasd}                      ; a read: fine
  mov ax, SEL_DATA0
  mov es, ax

  ; --- readable code in GS, and CS ---
  mov ax, SEL_RX
  mov gs, ax
  LOG 'RXRD', [gs:TARGET]
  TRY 'RXWR', {mov [gs:TARGET], eax}
  LOG 'CSRD', [cs:TARGET]
  TRY 'CSWR', {mov [cs:TARGET], eax}
  TRY 'CSNT', {not dword [cs:TARGET]}

  ; --- execute-only code as CS ---
  jmp SEL_XO:ABS(in_xo)
in_xo:
  mov eax, 0x1234
  TRY 'XORD', {mov eax, [cs:TARGET]}
  LOG 'XOEA', eax                          ; unchanged
  TRY 'XOWR', {mov [cs:TARGET], eax}
  mov ax, cs
  movzx eax, ax
  LOG 'XOCS', eax
  jmp SEL_CODE0:ABS(back)
back:

  ; --- expand-down read-only data ---
  mov ax, SEL_ROED
  mov fs, ax
  TRY 'EDRD', {mov eax, [fs:TARGET]}       ; TARGET > 0xFFF: inside
  TRY 'EDWR', {mov [fs:TARGET], eax}
  TRY 'EDLO', {mov eax, [fs:0x800]}        ; below the lower bound
  LOG 'EDTG', [TARGET]

  DONE

rm_word: dd 0

  STUBS
  SET_GATE_FN

align 8
gdt:
  GDT_COMMON
  DESC 0, 0xFFFFF, 0x90, 0xC               ; 0x58 read-only data
  DESC 0, 0xFFFFF, 0x98, 0xC               ; 0x60 execute-only code
  DESC 0, 0xFFFFF, 0x9A, 0xC               ; 0x68 readable code
  DESC 0, 0x00FFF, 0x94, 0x4               ; 0x70 read-only, expand-down, B = 1
gdt_end:
  GDTR
  IDTR
