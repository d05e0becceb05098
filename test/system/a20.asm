; The A20 gate (run on a whole PC, test/a20.test.ts: port 0x92 and the i8042
; are devices, not CPU): with A20 off, physical address bit 20 is 0 for every
; CPU access (the 8086 wrap-around: FFFF:0510 is physical 0x000500), in real
; mode and protected mode, for data and for instruction fetches, and in page
; walks and paged accesses.
; - The PC starts with A20 on (as a BIOS leaves it; the Linux boot protocol
;   needs it): port 0x92 bit 1 reads 1, i8042 command 0xD0 shows bit 1.
; - Port 0x92 bit 1 off/on; i8042 0xD1 (write output port, bit 1 = A20, bit 0
;   kept 1: 0 would pulse reset); 0xDD/0xDF. Checked against QEMU
;   (test/system/qemu/run.sh a20), which gives the same log.
%include "common.inc"
[bits 16]
[org ORG]

%define LOW         0x500          ; physical 0x000500
%define HIGHOFF     0x510          ; FFFF:0510 = linear 0x100500

%macro KBC_CMD 1
  mov al, %1
  out 0x64, al
%endmacro

start:
  mov ax, 0xffff
  mov fs, ax
  in al, 0x92
  and eax, 2
  LOG '92IN', eax                         ; A20 on at start
  KBC_CMD 0xd0
  in al, 0x60
  and eax, 2
  LOG 'KBIN', eax
  mov dword [LOW], 0x11111111
  mov dword [fs:HIGHOFF], 0x22222222
  LOG 'ON1 ', [LOW]
  LOG 'ON2 ', [fs:HIGHOFF]
  ; far routines: physical 0x2000 and 0x102000 (FFFF:2010)
  mov dword [0x2000], 0xcb00c0b8          ; mov ax, 0xc0 ; retf
  mov dword [fs:0x2010], 0xcb0111b8       ; mov ax, 0x111 ; retf
  xor eax, eax
  call 0xffff:0x2010
  LOG 'FON ', eax                         ; 0x111

  ; --- port 0x92 off ---
  in al, 0x92
  and al, ~2
  out 0x92, al
  in al, 0x92
  and eax, 2
  LOG '92OF', eax
  LOG 'OFF1', [fs:HIGHOFF]                ; reads physical 0x500
  mov dword [fs:HIGHOFF], 0x33333333
  LOG 'OFF2', [LOW]
  xor eax, eax
  call 0xffff:0x2010
  LOG 'FOFF', eax                         ; fetched from physical 0x2000: 0xc0

  ; --- port 0x92 on ---
  in al, 0x92
  or al, 2
  out 0x92, al
  LOG 'ON3 ', [fs:HIGHOFF]                ; 0x22222222 again

  ; --- i8042 output port ---
  KBC_CMD 0xd1
  mov al, 0xdd                            ; bit 1 = 0: A20 off; bit 0 = 1: no reset
  out 0x60, al
  LOG 'K1OF', [fs:HIGHOFF]                ; 0x33333333
  KBC_CMD 0xd1
  mov al, 0xdf
  out 0x60, al
  LOG 'K1ON', [fs:HIGHOFF]
  KBC_CMD 0xdd                            ; A20 off (command form)
  LOG 'KDOF', [fs:HIGHOFF]
  KBC_CMD 0xdf
  LOG 'KDON', [fs:HIGHOFF]

  ; --- protected mode, flat: linear 0x100500 ---
  KBC_CMD 0xdd
  ENTER_PM
  LOG 'PMOF', [0x100500]
  mov dword [0x100504], 0x44444444
  LOG 'PMLO', [LOW + 4]
  ; paging: PDE 0 -> PT0, identity map the first 4 MiB; PTE for 0x400000 -> physical 0x101000
  mov edi, PD
  mov ecx, 1024 * 2
  xor eax, eax
  rep stosd                               ; PD and PT0 (A20 off: PT0 at 0x21000 is below 1 MiB, fine)
  mov dword [PD], PT0 | 3
  mov eax, 3
  mov edi, PT0
  mov ecx, 1024
.map:
  stosd
  add eax, 0x1000
  loop .map
  mov dword [PT0 + 0x1ff * 4], 0x101003   ; linear 0x1ff000 -> physical 0x101000 (-> 0x001000 while A20 is off)
  mov eax, PD
  mov cr3, eax
  mov eax, cr0
  or eax, 0x80000000
  mov cr0, eax
  mov eax, [0x1ff000]                     ; physical 0x1000: the first bytes of this program
  LOG 'PGOF', eax
  in al, 0x92
  or al, 2
  out 0x92, al
  LOG 'PGON', [0x1ff000]                  ; physical 0x101000: zero
  DONE

  STUBS
  SET_GATE_FN

align 8
gdt:
  GDT_COMMON
gdt_end:
  GDTR
  IDTR
