/* 16-bit segments through modify_ldt: a 16-bit data segment in %fs and a 16-bit code segment reached by a far call. */
#define _GNU_SOURCE
#include <asm/ldt.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "suite.h"

static unsigned char data16[256] __attribute__((aligned(16)));

static int set_entry(unsigned n, uintptr_t base, unsigned limit, int code, int seg32) {
  struct user_desc d;
  memset(&d, 0, sizeof d);
  d.entry_number = n; d.base_addr = (unsigned)base; d.limit = limit; d.seg_32bit = seg32;
  d.contents = code ? MODIFY_LDT_CONTENTS_CODE : MODIFY_LDT_CONTENTS_DATA;
  d.read_exec_only = 0; d.limit_in_pages = 0; d.seg_not_present = 0; d.useable = 1;
  return (int)syscall(SYS_modify_ldt, 1, &d, sizeof d);
}

int t_ldt(int argc, char **argv) {
  (void)argc; (void)argv;
  for (int i = 0; i < 256; i++) data16[i] = (unsigned char)(i ^ 0xa5);
  printf("modify_ldt(1) 16-bit data segment: %d\n", set_entry(0, (uintptr_t)data16, 0xff, 0, 0));
  unsigned char table[16];
  memset(table, 0xee, sizeof table);
  long n = syscall(SYS_modify_ldt, 0, table, sizeof table);
  uint32_t lo, hi;
  memcpy(&lo, table, 4); memcpy(&hi, table + 4, 4);
  uint32_t base = (lo >> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000);
  printf("modify_ldt(0) read %ld bytes: limit %#x, base right %d, access byte %#x, flags nibble %#x\n", n,
         (lo & 0xffff) | (hi & 0xf0000), base == (uint32_t)(uintptr_t)data16, (hi >> 8) & 0xff, (hi >> 20) & 0xf);

  unsigned short sel = 0x7;  /* LDT entry 0, TI = 1, RPL 3 */
  unsigned v, w;
  __asm__ volatile("movw %2, %%fs\n movzbl %%fs:0x10, %0\n movw $0x1234, %%fs:0x20\n movzwl %%fs:0x20, %1\n movw %%fs, %%ax\n"
                   : "=&r"(v), "=&r"(w) : "r"(sel) : "eax", "memory");
  printf("via %%fs: byte 0x10 = %#x, word written at 0x20 reads %#x, memory sees %#x\n", v, w, data16[0x20] | data16[0x21] << 8);
  unsigned lim, ar, zf;
  __asm__ volatile("lsl %3, %0\n lar %3, %1\n setz %b2\n movzbl %b2, %2" : "=&r"(lim), "=&r"(ar), "=&q"(zf) : "r"((unsigned)sel));
  printf("lsl %#x, lar %#x (valid %d)\n", lim, ar & 0x00f0ff00, zf);
  unsigned rw;
  __asm__ volatile("verr %1\n setz %b0\n verw %1\n setz %h0\n movzwl %w0, %0" : "=&Q"(rw) : "r"((unsigned short)sel));
  printf("verr %d verw %d\n", rw & 0xff, rw >> 8);
  __asm__ volatile("movw %w0, %%fs" ::"r"(0));

  /* 16-bit code: mov ax, 0xffff; add ax, 2 (wraps in 16 bits, CF set); setc bl; push/pop a 16-bit value; o32 retf */
  unsigned char *code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  static const unsigned char c16[] = {
    0xb8, 0xff, 0xff,        /* mov ax, 0xffff */
    0x05, 0x02, 0x00,        /* add ax, 2 */
    0x0f, 0x92, 0xc3,        /* setc bl */
    0x68, 0x34, 0x12,        /* push word 0x1234 */
    0x59,                    /* pop cx (16-bit) */
    0x66, 0xb9, 0x78, 0x56, 0x34, 0x12, /* mov ecx, 0x12345678 with an operand-size prefix... */
    0x89, 0xca,              /* mov dx, cx: only the low 16 bits */
    0x66, 0xcb,              /* o32 retf: back to the 32-bit caller */
  };
  memcpy(code, c16, sizeof c16);
  printf("modify_ldt(1) 16-bit code segment: %d\n", set_entry(1, (uintptr_t)code, 0xfff, 1, 0));
  unsigned a, b, d;
  struct { uint32_t off; uint16_t sel; } __attribute__((packed)) far = { 0, 0xf };
  __asm__ volatile("movl $0xaaaa0000, %%eax\n movl $0xbbbbbbbb, %%ebx\n movl $0xdddd0000, %%edx\n lcall *%3"
                   : "=a"(a), "=b"(b), "=d"(d) : "m"(far) : "ecx", "memory");
  printf("far call into 16-bit code: eax %#x ebx %#x edx %#x\n", a, b, d);
  return 0;
}
