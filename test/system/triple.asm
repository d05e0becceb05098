; 7. Triple fault (SDM vol. 3, 6.15 interrupt 8: a fault while the processor
;    calls the #DF handler makes it enter shutdown; a PC resets then).
;
; EBP selects the variant (the test passes it in):
;   0: #GP whose gate is not present -> #NP while delivering it -> #DF
;      (contributory + contributory), whose gate is not present either ->
;      #NP while delivering #DF -> shutdown.
;   1: paging on, ESP in a not-present page: INT3 -> #PF pushing its frame ->
;      #PF while delivering #PF -> #DF (page fault + page fault) -> #PF while
;      delivering #DF -> shutdown.
; Before faulting, the program logs 'TFIP' = the faulting instruction's EIP.
%include "common.inc"
[bits 16]
[org ORG]
start:
  ENTER_PM
  INSTALL_UNEXPECTED
  LOAD_IDT
  cmp ebp, 1
  je variant1

  and byte [IDT_BASE + 8 * 8 + 5], 0x7f    ; #DF gate not present
  and byte [IDT_BASE + 13 * 8 + 5], 0x7f   ; #GP gate not present
  LOG 'TFIP', ABS(fault0)
  mov ax, 0x1fb
fault0:
  mov ds, ax
  LOG 'BAD ', 0
  jmp $

variant1:
  mov dword [PD], PT0 | 3
  xor ecx, ecx
.fill:
  mov eax, ecx
  shl eax, 12
  or eax, 3
  mov [PT0 + ecx * 4], eax
  inc ecx
  cmp ecx, 1024
  jb .fill
  mov dword [PT0 + 0x180 * 4], 0
  mov eax, PD
  mov cr3, eax
  mov eax, cr0
  or eax, 0x80000000
  mov cr0, eax
  LOG 'TFIP', ABS(fault1)
  mov esp, 0x181000                        ; pushes go to page 0x180000
fault1:
  int3
  LOG 'BAD ', 1
  jmp $

SET_GATE_FN
align 16
STUBS

align 8
gdt:
  GDT_COMMON
gdt_end:
GDTR
IDTR
