; 1. Real mode -> protected mode and back (SDM vol. 3, 9.9.1 and 9.9.2).
;
; Real mode: segment arithmetic, a real-mode exception (#UD) through the IVT.
; Protected mode: LGDT, CR0.PE, far JMP to a 32-bit code selector, reload of
; the data segments, a segment with a non-zero base, a far jump through a
; 16-bit code segment. Back: 16-bit code segment, 16-bit data segments with a
; 64 KiB limit, clear PE, far JMP to a real-mode CS, reload the segments.
; The hidden part of a segment register is kept across the switch (FS keeps
; its 4 GiB limit: "unreal mode", SDM 9.9.2 step 6 lists reloading them).
%include "common.inc"
[bits 16]
[org ORG]
start:
  ; --- real mode ---
  mov eax, cr0
  LOG 'CR0R', eax                     ; PE = 0
  mov ax, cs
  movzx eax, ax
  LOG 'CSR ', eax
  mov ax, 0x2000
  mov ds, ax
  mov dword [0x10], 0x12345678        ; linear 0x20010
  xor ax, ax
  mov ds, ax
  mov ax, 0x1000
  mov es, ax
  mov eax, [es:0x0010]                ; linear 0x10010: a different place, still 0
  LOG 'RES0', eax
  mov ax, 0x1fff
  mov es, ax
  mov eax, [es:0x0020]                ; linear 0x1fff0 + 0x20 = 0x20010
  LOG 'SEGA', eax

  ; A real-mode exception through the IVT: #UD (UD2) pushes FLAGS, CS, IP of
  ; the faulting instruction and no error code (SDM vol. 3, 20.1.4). The
  ; handler moves the return IP to rm_ud_resume.
  xor ax, ax
  mov es, ax
  mov word [6 * 4], rm_ud
  mov word [6 * 4 + 2], 0
rm_ud_insn:
  ud2
  LOG 'BAD ', 1                       ; not reached
rm_ud_resume:
  LOG 'RUDF', [rm_ud_flag]
  LOG 'RUDI', [rm_ud_ip]              ; the faulting instruction (no error code pushed)

  ; --- protected mode ---
  cli
  lgdt [gdtr]
  mov eax, cr0
  or eax, 1
  mov cr0, eax
  jmp dword SEL_CODE0:pm32
[bits 32]
pm32:
  mov eax, cr0
  and eax, 0x8000000f
  LOG 'CR0P', eax
  mov eax, cs
  LOG 'CSP ', eax
  ; Before reloading, DS still has its real-mode cache (base 0, limit 0xFFFF), and it works.
  mov eax, [rm_ud_flag]
  LOG 'OLDD', eax
  mov ax, SEL_DATA0
  mov ds, ax
  mov es, ax
  mov ss, ax
  mov esp, STACK0_TOP
  mov ax, SEL_DATAB                   ; base 0x20000
  mov gs, ax
  mov eax, [gs:0x10]
  LOG 'GSBA', eax
  mov eax, gs
  LOG 'GSSL', eax
  mov ax, SEL_DATA0
  mov fs, ax                          ; 4 GiB limit, kept into real mode below
  mov dword [0x100000], 0xCAFEBABE
  ; A far jump to a 16-bit code segment and back to 32-bit code.
  jmp SEL_CODE16:pm16
[bits 16]
pm16:
  mov ax, cs
  movzx eax, ax
  LOG 'CS16', eax
  jmp dword SEL_CODE0:pm32b
[bits 32]
pm32b:
  mov eax, cs
  LOG 'CS32', eax

  ; --- back to real mode (SDM 9.9.2) ---
  ; Step 3: far jump to a 16-bit code segment with a 64 KiB limit.
  jmp SEL_CODE16:back16
[bits 16]
back16:
  ; Step 4: SS, DS, ES (and GS) get a 16-bit data segment with a 64 KiB limit; FS keeps 4 GiB.
  mov ax, SEL_DATA16
  mov ds, ax
  mov es, ax
  mov gs, ax
  mov ss, ax
  mov sp, 0x8000
  ; Step 6: clear PE, far jump to real-mode code.
  mov eax, cr0
  and eax, ~1
  mov cr0, eax
  jmp 0:real_again
real_again:
  xor ax, ax
  mov ds, ax
  mov es, ax
  mov ss, ax
  mov sp, 0x8000
  mov eax, cr0
  LOG 'CR0B', eax
  mov ax, cs
  movzx eax, ax
  LOG 'CSB ', eax
  mov ax, 0x1fff
  mov es, ax
  mov eax, [es:0x0020]                ; real-mode segment arithmetic again: linear 0x20010
  LOG 'SEGB', eax
  ; FS was not reloaded: selector 0x10 with base 0 and limit 4 GiB from protected mode.
  mov ebx, 0x100000
  mov eax, [fs:ebx]
  LOG 'UNRL', eax
  mov ax, fs
  movzx eax, ax
  LOG 'FSSL', eax
  ; Real-mode interrupt through the IVT still works after the round trip.
  mov word [0x80 * 4], rm_int80
  mov word [0x80 * 4 + 2], 0
  mov bx, 0
  int 0x80
  movzx ebx, bx
  LOG 'INT8', ebx
  LOG 'DONE', 0
  mov eax, DONE_MAGIC
  hlt

rm_ud:
  push bp
  mov bp, sp
  mov word [rm_ud_flag], 1
  mov ax, [bp + 2]                    ; IP
  mov [rm_ud_ip], ax
  sub word [rm_ud_ip], rm_ud_insn     ; 0 when it is the faulting instruction
  mov word [bp + 2], rm_ud_resume
  pop bp
  iret

rm_int80:
  mov bx, 0x8080
  iret

align 4
rm_ud_flag: dd 0
rm_ud_ip:   dd 0

align 8
gdt:
  GDT_COMMON
gdt_end:
GDTR
