; 4. Ring 3 and back (SDM vol. 3, 5.5-5.9 privilege levels, 6.12.1 stack
;    switch, 7.2 TSS, 18.5 I/O bitmap; vol. 2 IRET, SYSENTER, SYSEXIT).
;
; - LTR marks the TSS busy; STR reads TR.
; - IRET to ring 3 (frame EIP CS EFLAGS ESP SS): data segment registers whose
;   DPL is below the new CPL become null (IRET pseudo-code), GS with DPL 3 stays.
; - INT 0x80 through a DPL-3 trap gate: stack switch to SS0:ESP0 from the TSS,
;   frame EIP CS EFLAGS ESP SS (6.12.1 fig. 6-4); IRET back to ring 3.
; - INT n through a DPL-0 gate from ring 3: #GP(n*8 + 2) (6.12.1.1); INT3 too.
; - Privileged instructions at CPL 3: HLT, MOV to/from CR0, LGDT -> #GP(0);
;   CLI with IOPL 0 -> #GP(0); POPF/IRET at CPL 3 leave IF and IOPL alone.
; - OUT at CPL 3 with IOPL 0: the I/O bitmap allows port 0xE0..0xE3 (LOG), a
;   port whose bit is set -> #GP(0).
; - Loading DS with a DPL-0 selector at CPL 3 -> #GP(sel); RETF to ring 0 -> #GP(sel).
; - LAR/LSL/VERR/VERW at CPL 3: ZF = 0 for DPL-0 descriptors (DPL < CPL).
; - Paging: a ring-3 access to a supervisor page -> #PF with U (4.7): 5 for a
;   read, 7 for a write; a not-present page at ring 3 -> U|W = 6.
; - SYSENTER / SYSEXIT with the SYSENTER_CS/ESP/EIP MSRs (0x174-0x176).
; As in Linux, the GDT, IDT, TSS and the ring-0 stack are on supervisor pages:
; the processor's own accesses to them from CPL 3 (descriptor loads, gate
; reads, TSS.ESP0, the pushes of the ring-0 frame) are supervisor-mode
; accesses (SDM vol. 3, 4.6: "implicit supervisor-mode accesses"; the frame
; is pushed after the CPL change).
%include "common.inc"
%define IDT_COPY 0x14000
%define GDT_COPY 0x15000
[bits 16]
[org ORG]
start:
  ENTER_PM
  INSTALL_UNEXPECTED
  LOAD_IDT
  SETGATE 0x80, ABS(h_sys), 0xEF          ; trap gate, DPL 3
  SETGATE 0x81, ABS(h_sys), 0x8E          ; interrupt gate, DPL 0
  CATCH 3
  CATCH 13
  CATCH 14

  ; TSS: SS0:ESP0, I/O map base, bitmap allowing ports 0xE0-0xE3 only.
  mov dword [TSS0 + 4], ESP0_TOP
  mov dword [TSS0 + 8], SEL_DATA0
  mov word [TSS0 + 0x66], 0x68
  mov edi, TSS0 + 0x68
  mov ecx, 33
  mov al, 0xff
  rep stosb
  mov byte [TSS0 + 0x68 + (0xE0 >> 3)], 0xF0
  ; Paging: user pages everywhere except page 0x180000 and the system pages
  ; (TSS, IDT and GDT copies, ring-0 stack); 0x183000 not present.
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
  mov dword [PT0 + 0x180 * 4], 0x180000 | 3
  mov dword [PT0 + 0x183 * 4], 0
  mov dword [PT0 + (TSS0 >> 12) * 4], TSS0 | 3
  mov dword [PT0 + (IDT_COPY >> 12) * 4], IDT_COPY | 3
  mov dword [PT0 + (GDT_COPY >> 12) * 4], GDT_COPY | 3
  mov dword [PT0 + ((ESP0_TOP - 1) >> 12) * 4], ((ESP0_TOP - 1) & ~0xfff) | 3
  ; The IDT and GDT move to their supervisor pages.
  mov esi, IDT_BASE
  mov edi, IDT_COPY
  mov ecx, 256 * 2
  rep movsd
  mov esi, ABS(gdt)
  mov edi, GDT_COPY
  mov ecx, (gdt_end - gdt) / 4
  rep movsd
  mov word [VARS], 256 * 8 - 1
  mov dword [VARS + 2], IDT_COPY
  lidt [VARS]
  mov word [VARS], gdt_end - gdt - 1
  mov dword [VARS + 2], GDT_COPY
  lgdt [VARS]
  mov eax, PD
  mov cr3, eax
  mov eax, cr0
  or eax, 0x80000000
  mov cr0, eax

  mov ax, SEL_TSS0
  ltr ax
  str eax
  LOG 'STR ', eax
  movzx eax, byte [GDT_COPY + SEL_TSS0 + 5]
  LOG 'BUSY', eax                         ; 0x8B

  ; SYSENTER MSRs.
  mov ecx, 0x174
  xor edx, edx
  mov eax, SEL_CODE0
  wrmsr
  mov ecx, 0x175
  mov eax, 0xDC00
  wrmsr
  mov ecx, 0x176
  mov eax, ABS(h_sysenter)
  wrmsr
  mov ecx, 0x176
  rdmsr
  sub eax, ABS(h_sysenter)
  LOG 'MSR ', eax

  ; To ring 3. GS holds a DPL-3 selector and survives; DS ES FS (DPL 0) become null.
  mov ax, SEL_DATA3
  mov gs, ax
  push dword SEL_DATA3
  push dword STACK3_TOP
  push dword 0x2                          ; IF = 0, IOPL = 0
  push dword SEL_CODE3
  push dword ABS(user)
  iretd

[bits 32]
user:
  mov eax, cs
  LOG 'R3CS', eax
  mov eax, ss
  LOG 'R3SS', eax
  LOG 'R3SP', esp
  mov eax, ds
  LOG 'R3DS', eax
  mov eax, es
  LOG 'R3ES', eax
  mov eax, fs
  LOG 'R3FS', eax
  mov eax, gs
  LOG 'R3GS', eax
  mov ax, SEL_DATA3
  mov ds, ax
  mov es, ax

  ; --- INT 0x80: stack switch to the TSS's ring-0 stack ---
  mov eax, 1
  int 0x80
after_int80:
  mov eax, cs
  LOG 'B3CS', eax
  LOG 'B3SP', esp
  mov eax, ds
  LOG 'B3DS', eax

  ; --- gate DPL: INT 0x81 and INT3 through DPL-0 gates ---
  EXPECT u_after81
  int 0x81
u_after81:
  LOG 'G81 ', [f_vec]
  LOG 'G81E', [f_err]
  LOG 'G81C', [f_cs]
  LOG 'G81U', [f_uesp]
  LOG 'G81S', [f_uss]
  LOG 'G81K', [f_ss]
  LOG 'G81P', [f_esp]
  EXPECT u_after3
u_int3:
  int3
u_after3:
  mov eax, [f_eip]
  sub eax, ABS(u_int3)
  LOG 'G3  ', [f_vec]
  LOG 'G3E ', [f_err]
  LOG 'G3I ', eax                          ; the #GP points at the INT3

  ; --- privileged instructions ---
  EXPECT u_after_hlt
u_hlt:
  hlt
u_after_hlt:
  mov eax, [f_eip]
  sub eax, ABS(u_hlt)
  LOG 'HLT ', [f_vec]
  LOG 'HLTE', [f_err]
  LOG 'HLTI', eax
  EXPECT u_after_cli
  cli
u_after_cli:
  LOG 'CLI ', [f_vec]
  LOG 'CLIE', [f_err]
  EXPECT u_after_rcr0
  mov eax, cr0
u_after_rcr0:
  LOG 'RCR0', [f_vec]
  EXPECT u_after_wcr0
  xor eax, eax
  mov cr0, eax
u_after_wcr0:
  LOG 'WCR0', [f_vec]
  LOG 'WCRE', [f_err]
  EXPECT u_after_lgdt
  lgdt [ABS(gdtr)]
u_after_lgdt:
  LOG 'LGDT', [f_vec]
  ; POPF and IRET at CPL 3 with IOPL 0 do not change IF or IOPL (no fault).
  push dword 0x3202
  popfd
  pushfd
  pop eax
  and eax, 0x3200
  LOG 'POPF', eax
  EXPECT u_iret_target
  pushfd
  or dword [esp], 0x3200
  push cs
  push dword ABS(u_iret_target)
  iretd
u_iret_target:
  pushfd
  pop eax
  and eax, 0x3200
  LOG 'IRTF', eax
  LOG 'IRTV', [f_vec]

  ; --- I/O bitmap ---
  in eax, LOGPORT                          ; allowed
  EXPECT u_after_out
  mov al, 1
  out 0xE4, al                             ; bit set in the bitmap
u_after_out:
  LOG 'OUT ', [f_vec]
  LOG 'OUTE', [f_err]

  ; --- segment privilege ---
  EXPECT u_after_ds
  mov ax, SEL_DATA0
  mov ds, ax
u_after_ds:
  LOG 'DS0 ', [f_vec]
  LOG 'DS0E', [f_err]
  EXPECT u_after_retf
  push dword SEL_CODE0
  push dword ABS(u_after_retf)
  retf
u_after_retf:
  LOG 'RETF', [f_vec]
  LOG 'RETE', [f_err]
  mov eax, cs
  LOG 'RETC', eax
  add esp, 8                               ; the RETF faulted: its frame is still there
  LOG 'RETP', esp

  ; --- LAR / LSL / VERR / VERW at CPL 3: DPL-0 descriptors are not visible ---
  xor ebx, ebx
  mov ecx, SEL_DATA0
  lar eax, ecx
  setz bl
  shl ebx, 1
  mov ecx, SEL_DATA3
  lar eax, ecx
  setz al
  or bl, al
  shl ebx, 1
  mov ecx, SEL_TSS0
  lsl eax, ecx
  setz al
  or bl, al
  shl ebx, 1
  mov cx, SEL_CODE0
  verr cx
  setz al
  or bl, al
  shl ebx, 1
  mov cx, SEL_CODE3
  verr cx
  setz al
  or bl, al
  shl ebx, 1
  mov cx, SEL_DATA3
  verw cx
  setz al
  or bl, al
  LOG 'VIS3', ebx                          ; 0 1 0 0 1 1

  ; --- user/supervisor pages ---
  EXPECT u_after_pf1
u_pf1:
  mov eax, [0x180000]
u_after_pf1:
  mov eax, [f_eip]
  sub eax, ABS(u_pf1)
  LOG 'UPF1', [f_vec]
  LOG 'UPE1', [f_err]
  LOG 'UPA1', [f_cr2]
  LOG 'UPI1', eax
  EXPECT u_after_pf2
  mov dword [0x180010], 1
u_after_pf2:
  LOG 'UPE2', [f_err]
  LOG 'UPA2', [f_cr2]
  EXPECT u_after_pf3
  mov dword [0x183000], 1
u_after_pf3:
  LOG 'UPE3', [f_err]
  LOG 'UPA3', [f_cr2]

  ; --- SYSENTER / SYSEXIT ---
  mov ecx, esp
  mov edx, ABS(u_after_sysexit)
  sysenter
u_after_sysexit:
  mov eax, cs
  LOG 'SXCS', eax
  mov eax, ss
  LOG 'SXSS', eax
  LOG 'SXSP', esp

  LOG 'CNT ', [f_count]
  mov eax, 2
  int 0x80                                 ; exit to ring 0
  LOG 'BAD ', 0
  jmp $

; INT 0x80: EAX = 1 log the frame and return; EAX = 2 finish at ring 0.
h_sys:
  cmp eax, 2
  je kernel_done
  mov eax, cs
  LOG 'KCS ', eax
  mov eax, ss
  LOG 'KSS ', eax
  LOG 'KSP ', esp
  mov eax, [esp]
  sub eax, ABS(after_int80)
  LOG 'KEIP', eax
  LOG 'KFCS', [esp + 4]
  mov eax, [esp + 8]
  and eax, 0x23200
  LOG 'KFFL', eax
  LOG 'KFSP', [esp + 12]
  LOG 'KFSS', [esp + 16]
  iretd

kernel_done:
  mov eax, cs
  LOG 'KDCS', eax
  mov eax, ss
  LOG 'KDSS', eax
  LOG 'KDSP', esp                          ; ESP0 - 20
  DONE

h_sysenter:
  mov eax, cs
  LOG 'SECS', eax
  mov eax, ss
  LOG 'SESS', eax
  LOG 'SESP', esp
  pushfd
  pop eax
  and eax, 0x200
  LOG 'SEIF', eax
  sysexit

SET_GATE_FN
align 16
STUBS

align 8
gdt:
  GDT_COMMON
gdt_end:
GDTR
IDTR
