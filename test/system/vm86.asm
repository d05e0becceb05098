; 5. Virtual-8086 mode (SDM vol. 3, chapter 20; vol. 2 IRET, INT n).
;
; - IRET at CPL 0 with EFLAGS.VM = 1 in the frame enters vm86: EIP CS EFLAGS
;   ESP SS ES DS FS GS are popped, segments load as selector * 16 (20.2.1).
; - vm86 runs at CPL 3; IN/OUT are checked against the TSS I/O bitmap whatever
;   IOPL is (20.2.8.1).
; - With IOPL < 3, INT n, CLI, PUSHF and HLT fault: #GP(0) to the ring-0
;   handler through the IDT (20.2.7, 20.3.1.1), with the vm86 frame on the
;   ring-0 stack from TSS.SS0:ESP0: error code, EIP CS EFLAGS(VM) ESP SS ES DS
;   FS GS (fig. 20-2 / 6-5); DS ES FS GS are null in the handler. The handler
;   emulates and IRETs back to vm86.
; - With IOPL = 3, CLI/STI/PUSHF/IRET work, and INT n goes through the IDT
;   (DPL-3 interrupt gate to a ring-0 handler, no VME: 20.3.1.1) with the same
;   vm86 frame and no error code.
%include "common.inc"
[bits 16]
[org ORG]
start:
  ENTER_PM
  INSTALL_UNEXPECTED
  LOAD_IDT
  SETGATE 13, ABS(h_gp), 0x8E
  SETGATE 0x30, ABS(h_int30), 0xEE         ; DPL 3 interrupt gate to ring 0

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

  mov dword [0x20010], 0xD5D5D5D5          ; DS = 0x2000 in vm86
  mov dword [0x40020], 0x4E4E4E4E          ; ES = 0x4000 later

  ; IRET into vm86: CS = 0x0100 (base 0x1000), SS = 0x0800 (base 0x8000).
  push dword 0x0000                        ; GS
  push dword 0x0300                        ; FS
  push dword 0x2000                        ; DS
  push dword 0x3000                        ; ES
  push dword 0x0800                        ; SS
  push dword 0x1000                        ; ESP
  push dword 0x00020002                    ; EFLAGS: VM, IOPL 0, IF 0
  push dword 0x0100                        ; CS
  push dword ABS(v86) - 0x1000             ; EIP
  iretd

; ---------------------------------------------------------------- vm86 code
[bits 16]
v86:
  mov ax, cs
  movzx eax, ax
  LOG 'VCS ', eax
  mov ax, ss
  movzx eax, ax
  LOG 'VSS ', eax
  LOG 'VSP ', esp
  mov ax, ds
  movzx eax, ax
  LOG 'VDS ', eax
  mov ax, fs
  movzx eax, ax
  LOG 'VFS ', eax
  LOG 'VMEM', [0x10]                       ; linear 0x20010
v86_pushfd:
  pushfd                                   ; #GP: IOPL < 3 (the handler skips it)
  mov bx, 0
  int 0x21                                 ; #GP: IOPL < 3; the handler sets BX
v86_after_int:
  movzx ebx, bx
  LOG 'VBX ', ebx
  mov ax, ds
  movzx eax, ax
  LOG 'VDS2', eax                          ; DS restored from the frame
  mov ax, 0x4000
  mov es, ax
  LOG 'VES ', [es:0x20]                    ; linear 0x40020
  cli                                      ; #GP, skipped
  mov al, 1
  out 0xE4, al                             ; #GP: bitmap, skipped
  int 0x22                                 ; #GP; the handler sets IOPL = 3 in the frame
  ; IOPL = 3 now
  cli
  sti
  pushfd
  pop eax
  and eax, 0x3200
  LOG 'V3FL', eax
  ; IRET inside vm86 with IOPL 3 works like real mode.
  pushf
  push cs
  push word v86_iret_target - 0x1000
  iret
v86_iret_target:
  LOG 'V3IR', 1
  mov ebx, 0x1111
  int 0x30                                 ; through the IDT (DPL-3 gate)
  LOG 'V30B', ebx
  hlt                                      ; #GP: the handler ends the test
  LOG 'BAD ', 0
  jmp $

; ----------------------------------------------------------- ring-0 handlers
[bits 32]
; #GP from vm86: [esp] err, EIP, CS, EFLAGS, ESP, SS, ES, DS, FS, GS
h_gp:
  push eax
  push ebx
  push ebp
  mov ebp, esp
  add ebp, 12                              ; ebp -> error code
  mov eax, ds
  cmp dword [ss:VARS], 0
  jne .notfirst
  LOG 'HDS ', eax
  mov eax, es
  LOG 'HES ', eax
  mov eax, fs
  LOG 'HFS ', eax
  mov eax, gs
  LOG 'HGS ', eax
  mov eax, ss
  LOG 'HSS ', eax
  LOG 'HSP ', ebp                          ; ESP0 - 40
  LOG 'FERR', [ebp]
  mov eax, [ebp + 4]
  sub eax, ABS(v86_pushfd) - 0x1000
  LOG 'FEIP', eax
  LOG 'FCS ', [ebp + 8]
  mov eax, [ebp + 12]
  and eax, 0x23200
  LOG 'FFL ', eax
  LOG 'FESP', [ebp + 16]
  LOG 'FSS ', [ebp + 20]
  LOG 'FES ', [ebp + 24]
  LOG 'FDS ', [ebp + 28]
  LOG 'FFS ', [ebp + 32]
  LOG 'FGS ', [ebp + 36]
.notfirst:
  mov ax, SEL_DATA0
  mov ds, ax
  inc dword [VARS]
  ; opcode at CS:IP
  movzx eax, word [ebp + 8]
  shl eax, 4
  movzx ebx, word [ebp + 4]
  add eax, ebx
  mov bl, [eax]
  cmp bl, 0x66                             ; o32 pushfd
  je .pushfd
  cmp bl, 0xCD
  je .int
  cmp bl, 0xF4
  je .hlt
  movzx ebx, bl
  LOG 'VOP ', ebx
  cmp bl, 0xE6
  jne .one
  add dword [ebp + 4], 2
  jmp .ret
.one:
  add dword [ebp + 4], 1
  jmp .ret
.pushfd:
  LOG 'VPF ', 0
  add dword [ebp + 4], 2                   ; skip it
  jmp .ret
.int:
  movzx ebx, byte [eax + 1]
  LOG 'VINT', ebx
  add dword [ebp + 4], 2
  cmp bl, 0x22
  jne .int21
  or dword [ebp + 12], 0x3000              ; IOPL 3 for the vm86 task
  jmp .ret
.int21:
  pop ebp
  pop ebx
  pop eax
  mov bx, 0x5678
  add esp, 4
  iretd
.hlt:
  mov eax, [ebp + 12]
  and eax, 0x23000
  LOG 'VHLT', eax
  LOG 'VCNT', [VARS]
  DONE
.ret:
  pop ebp
  pop ebx
  pop eax
  add esp, 4
  iretd

; INT 0x30 from vm86 (IOPL 3): [esp] EIP, CS, EFLAGS, ESP, SS, ES, DS, FS, GS
h_int30:
  mov eax, ds
  LOG 'IDS ', eax
  mov eax, [esp + 8]
  and eax, 0x23000
  LOG 'IFL ', eax
  LOG 'ICS ', [esp + 4]
  LOG 'IDSF', [esp + 24]
  mov eax, cs
  LOG 'ICPL', eax
  mov ebx, 0x3030
  iretd

SET_GATE_FN
align 16
STUBS

align 8
gdt:
  GDT_COMMON
gdt_end:
GDTR
IDTR
