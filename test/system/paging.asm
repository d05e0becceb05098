; 3. Paging (SDM vol. 3, chapter 4: 32-bit paging; 4.10 TLBs; 6.15 #PF).
;
; - Identity map of 0..4 MiB with 4 KiB pages (PDE 0) and a 4 MiB PSE page
;   (PDE 1: linear 4..8 MiB -> physical 0..4 MiB, 4.3 with CR4.PSE).
; - #PF on a not-present page: CR2 = linear address, error code P/W/U bits
;   (4.7), return EIP = the faulting instruction; the handler maps the page and
;   IRETs to retry. A dword read split over a present and a not-present page
;   reports the first byte of the not-present page in CR2 (checked on the host
;   CPU: SIGSEGV si_addr of such an access is page + 0).
; - CR0.WP = 0: supervisor writes to read-only pages succeed; CR0.WP = 1:
;   #PF with P|W (4.6.1), and the write does not happen.
; - Accessed and dirty flags (4.8): A in the PDE and PTE on access, D on write;
;   a 4 MiB page's PDE gets both.
; - TLB invalidation (4.10.4.1): after INVLPG, or a MOV to CR3 for a non-global
;   page, the new PTE is used; a global page (CR4.PGE, PTE.G) is invalidated by
;   INVLPG and by a MOV to CR4 that changes PGE. Whether a stale entry survives
;   without an invalidation is not asserted (the architecture allows both).
; - CR2 is written only by a delivered #PF: it holds the handler's fault
;   address even when the handler code sits at the end of a page followed by a
;   not-present page.
%include "common.inc"
[bits 16]
[org ORG]
start:
  ENTER_PM
  INSTALL_UNEXPECTED
  LOAD_IDT
  SETGATE 14, ABS(h_pf_map), 0x8E

  ; Markers in physical memory, written before paging is on.
  mov dword [0x180010], 0xAAAA0001
  mov dword [0x181008], 0xAAAA0002
  mov dword [0x184ffc], 0x44332211
  mov dword [0x185000], 0x88776655
  mov dword [0x188000], 0xAAAA0008
  mov dword [0x190000], 0x19000000
  mov dword [0x191000], 0x19100000
  mov dword [0x192000], 0x19200000

  ; Page directory: PDE 0 -> PT0; PDE 1: 4 MiB page at physical 0.
  mov dword [PD + 0], PT0 | 3
  mov dword [PD + 4], 0x00000000 | 0x83
  ; PT0: identity, present + writable.
  xor ecx, ecx
.fill:
  mov eax, ecx
  shl eax, 12
  or eax, 3
  mov [PT0 + ecx * 4], eax
  inc ecx
  cmp ecx, 1024
  jb .fill
  mov dword [PT0 + 0x180 * 4], 0                 ; not present
  mov dword [PT0 + 0x181 * 4], 0x181000 | 1      ; read-only
  mov dword [PT0 + 0x182 * 4], 0x190000 | 3      ; -> 0x190000
  mov dword [PT0 + 0x183 * 4], 0                 ; not present
  mov dword [PT0 + 0x185 * 4], 0                 ; not present (split access)
  mov dword [PT0 + 0x188 * 4], 0                 ; not present (tail handler)
  mov eax, ABS(tail_page) + 0x1000
  shr eax, 12
  mov dword [PT0 + eax * 4], 0                   ; the page after the tail handler

  mov eax, PD
  mov cr3, eax
  mov eax, cr4
  or eax, 0x10                                   ; PSE
  mov cr4, eax
  mov eax, cr0
  or eax, 0x80000000                             ; PG, WP = 0
  mov cr0, eax
  jmp .pg                                        ; (SDM 9.9.1: a jump after enabling paging)
.pg:
  mov eax, cr0
  and eax, 0x80010001
  LOG 'PGON', eax

  ; --- 4 MiB page ---
  mov eax, [0x400000 + 0x190000]
  LOG 'PSE1', eax
  mov dword [0x400000 + 0x190004], 0x55
  mov eax, [0x190004]
  LOG 'PSE2', eax
  mov eax, [PD + 4]
  and eax, 0x60
  LOG 'PSAD', eax                                ; A and D in the 4 MiB PDE

  ; --- #PF, not present, read: map and retry ---
pf1_insn:
  mov eax, [0x180010]
  LOG 'PF1V', eax
  LOG 'PF1E', [f_err]
  LOG 'PF1A', [f_cr2]
  mov eax, [f_eip]
  sub eax, ABS(pf1_insn)
  LOG 'PF1I', eax

  ; --- #PF, not present, write ---
pf2_insn:
  mov dword [0x183020], 0x77
  mov eax, [0x183020]
  LOG 'PF2V', eax
  LOG 'PF2E', [f_err]
  LOG 'PF2A', [f_cr2]
  mov eax, [f_eip]
  sub eax, ABS(pf2_insn)
  LOG 'PF2I', eax

  ; --- split read: CR2 is the first byte of the not-present page ---
  mov esi, 0x184ffe
pf3_insn:
  mov eax, [esi]
  LOG 'PF3V', eax
  LOG 'PF3E', [f_err]
  LOG 'PF3A', [f_cr2]
  LOG 'PFCT', [f_count]

  ; --- CR0.WP ---
  CATCH 14
  EXPECT after_wp0
  mov dword [0x181008], 0xBBBB0002               ; WP = 0: allowed at CPL 0
after_wp0:
  LOG 'WP0 ', [f_vec]
  mov eax, [0x181008]
  LOG 'WP0V', eax
  mov eax, cr0
  or eax, 0x10000                                ; WP
  mov cr0, eax
  EXPECT after_wp1
wp1_insn:
  mov dword [0x18100c], 0xCCCC0002
after_wp1:
  LOG 'WP1 ', [f_vec]
  LOG 'WP1E', [f_err]
  LOG 'WP1A', [f_cr2]
  mov eax, [f_eip]
  sub eax, ABS(wp1_insn)
  LOG 'WP1I', eax
  mov eax, [0x18100c]
  LOG 'WP1V', eax                                ; not written
  mov eax, cr0
  and eax, ~0x10000
  mov cr0, eax

  ; --- accessed / dirty ---
  mov dword [PT0 + 0x186 * 4], 0x186000 | 3       ; A = D = 0
  invlpg [0x186000]
  mov eax, [PT0 + 0x186 * 4]
  and eax, 0x60
  LOG 'AD0 ', eax
  mov eax, [0x186000]
  mov eax, [PT0 + 0x186 * 4]
  and eax, 0x60
  LOG 'AD1 ', eax                                ; A
  mov dword [0x186000], 1
  mov eax, [PT0 + 0x186 * 4]
  and eax, 0x60
  LOG 'AD2 ', eax                                ; A and D
  mov eax, [PD]
  and eax, 0x20
  LOG 'PDEA', eax

  ; --- INVLPG / CR3 reload (non-global page) ---
  mov eax, [0x182000]
  LOG 'INV0', eax
  mov dword [PT0 + 0x182 * 4], 0x191000 | 3
  invlpg [0x182000]
  mov eax, [0x182000]
  LOG 'INV1', eax
  mov dword [PT0 + 0x182 * 4], 0x192000 | 3
  mov eax, cr3
  mov cr3, eax
  mov eax, [0x182000]
  LOG 'CR3R', eax

  ; --- global page ---
  mov eax, cr4
  or eax, 0x80                                   ; PGE
  mov cr4, eax
  mov dword [PT0 + 0x187 * 4], 0x190000 | 0x103  ; G
  invlpg [0x187000]
  mov eax, [0x187000]
  LOG 'GLB0', eax
  mov dword [PT0 + 0x187 * 4], 0x191000 | 0x103
  invlpg [0x187000]                              ; INVLPG drops global entries too
  mov eax, [0x187000]
  LOG 'GLB1', eax
  mov dword [PT0 + 0x187 * 4], 0x192000 | 0x103
  mov eax, cr3
  mov cr3, eax                                   ; may keep the global entry: not asserted
  mov eax, [0x187000]
  mov eax, cr4
  and eax, ~0x80
  mov cr4, eax                                   ; changing PGE flushes global entries
  or eax, 0x80
  mov cr4, eax
  mov eax, [0x187000]
  LOG 'GLB2', eax

  ; --- CR2 survives the decode of a handler at the end of a page ---
  SETGATE 14, ABS(h_pf_tail), 0x8E
  mov dword [f_cr2], 0
  mov eax, [0x188000]
tail_resume:
  LOG 'TAIL', [f_cr2]
  mov eax, cr2
  LOG 'CR2 ', eax
  DONE

; #PF: record, identity-map the page at CR2, retry the instruction.
h_pf_map:
  push eax
  push ebx
  mov eax, cr2
  mov [f_cr2], eax
  mov eax, [esp + 8]
  mov [f_err], eax
  mov eax, [esp + 12]
  mov [f_eip], eax
  inc dword [f_count]
  mov ebx, cr2
  and ebx, 0xfffff000
  mov eax, ebx
  shr eax, 10
  or ebx, 3
  mov [PT0 + eax], ebx
  pop ebx
  pop eax
  add esp, 4
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

; The last page of the image: a #PF handler in its last bytes; the next page is
; not present, so decoding the handler's block cannot look past it.
align 4096
tail_page:
  times 4096 - 32 db 0xcc
h_pf_tail:
  push eax
  mov eax, cr2
  mov [f_cr2], eax
  pop eax
  add esp, 4
  mov dword [esp], ABS(tail_resume)
  iretd
  times 4096 - ($ - tail_page) db 0xcc
