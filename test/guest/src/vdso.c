/* The vDSO: found through the aux vector, an ELF image with the kernel's entry points, and its clocks agree with the syscalls. */
#define _GNU_SOURCE
#include <elf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include "suite.h"

static const char *names[64];
static uintptr_t addrs[64];
static int nsym;

static int by_name(const void *a, const void *b) { return strcmp(names[*(const int *)a], names[*(const int *)b]); }
static uintptr_t lookup(const char *n) { for (int i = 0; i < nsym; i++) if (!strcmp(names[i], n)) return addrs[i]; return 0; }

/* struct timespec with 32-bit time_t, as the vDSO's __vdso_clock_gettime (old ABI) fills it */
struct ts32 { int32_t sec, nsec; };
static int64_t ns(struct ts32 t) { return (int64_t)t.sec * 1000000000 + t.nsec; }

int t_vdso(int argc, char **argv) {
  (void)argc; (void)argv;
  uintptr_t base = getauxval(AT_SYSINFO_EHDR), entry = getauxval(AT_SYSINFO);
  printf("AT_SYSINFO_EHDR present %d, AT_SYSINFO present %d\n", base != 0, entry != 0);
  if (!base) return 1;
  const Elf32_Ehdr *eh = (const Elf32_Ehdr *)base;
  printf("ELF magic %d, class 32 %d, machine %d, type %d (ET_DYN)\n", !memcmp(eh->e_ident, ELFMAG, SELFMAG), eh->e_ident[EI_CLASS] == ELFCLASS32,
         eh->e_machine, eh->e_type);
  const Elf32_Phdr *ph = (const Elf32_Phdr *)(base + eh->e_phoff);
  uintptr_t load = 0; const Elf32_Dyn *dyn = NULL;
  for (int i = 0; i < eh->e_phnum; i++) {
    if (ph[i].p_type == PT_LOAD && !load) load = base + ph[i].p_offset - ph[i].p_vaddr;
    if (ph[i].p_type == PT_DYNAMIC) dyn = (const Elf32_Dyn *)(base + ph[i].p_offset);
  }
  const Elf32_Sym *sym = NULL; const char *str = NULL; const uint32_t *hash = NULL;
  for (; dyn && dyn->d_tag != DT_NULL; dyn++) {
    if (dyn->d_tag == DT_SYMTAB) sym = (const Elf32_Sym *)(load + dyn->d_un.d_ptr);
    if (dyn->d_tag == DT_STRTAB) str = (const char *)(load + dyn->d_un.d_ptr);
    if (dyn->d_tag == DT_HASH) hash = (const uint32_t *)(load + dyn->d_un.d_ptr);
  }
  if (!sym || !str || !hash) { printf("no symbol table\n"); return 1; }
  for (uint32_t i = 0; i < hash[1] && nsym < 64; i++) {
    if (ELF32_ST_TYPE(sym[i].st_info) != STT_FUNC || sym[i].st_shndx == SHN_UNDEF) continue;
    int dup = 0;
    for (int j = 0; j < nsym; j++) dup |= !strcmp(names[j], str + sym[i].st_name);
    if (dup) continue;
    names[nsym] = str + sym[i].st_name; addrs[nsym] = load + sym[i].st_value; nsym++;
  }
  int idx[64];
  for (int i = 0; i < nsym; i++) idx[i] = i;
  qsort(idx, (size_t)nsym, sizeof idx[0], by_name);
  printf("functions:");
  for (int i = 0; i < nsym; i++) printf(" %s", names[idx[i]]);
  printf("\n");
  printf("AT_SYSINFO is __kernel_vsyscall %d\n", entry == lookup("__kernel_vsyscall"));

  /* a syscall through __kernel_vsyscall (SYSENTER on this CPU) */
  int pid;
  __asm__ volatile("call *%2" : "=a"(pid) : "0"(SYS_getpid), "r"(entry) : "memory");
  printf("getpid through __kernel_vsyscall matches %d\n", pid == getpid());

  int (*vgettime)(clockid_t, struct ts32 *) = (int (*)(clockid_t, struct ts32 *))lookup("__vdso_clock_gettime");
  int (*vgtod)(struct timeval *, void *) = (int (*)(struct timeval *, void *))lookup("__vdso_gettimeofday");
  time_t (*vtime)(time_t *) = (time_t (*)(time_t *))lookup("__vdso_time");
  int (*vgettime64)(clockid_t, void *) = (int (*)(clockid_t, void *))lookup("__vdso_clock_gettime64");
  if (!vgettime || !vgettime64 || !vgtod || !vtime) { printf("clock functions missing\n"); return 1; }
  int mono_ok = 1;
  for (int i = 0; i < 50; i++) {
    struct ts32 a, b, c;
    struct { int64_t sec; int32_t nsec, pad; } d;
    vgettime(CLOCK_MONOTONIC, &a);
    syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &b);
    vgettime64(CLOCK_MONOTONIC, &d);
    vgettime(CLOCK_MONOTONIC, &c);
    int64_t dn = d.sec * 1000000000 + d.nsec;
    mono_ok &= ns(a) <= ns(b) && ns(b) <= dn && dn <= ns(c) && a.nsec >= 0 && a.nsec < 1000000000;
  }
  printf("CLOCK_MONOTONIC: vDSO, syscall, vDSO (64-bit), vDSO in order %d\n", mono_ok);
  struct ts32 vr, sr; struct timeval tv;
  vgettime(CLOCK_REALTIME, &vr);
  syscall(SYS_clock_gettime, CLOCK_REALTIME, &sr);
  vgtod(&tv, NULL);
  time_t tt = vtime(NULL);
  printf("CLOCK_REALTIME: vDSO <= syscall %d, gettimeofday >= both %d, time() (the coarse clock) within a second %d\n", vr.sec <= sr.sec,
         tv.tv_sec >= sr.sec && tv.tv_sec >= vr.sec, tt >= tv.tv_sec - 1 && tt <= tv.tv_sec + 1);
  struct ts32 res;
  printf("clock_getres(CLOCK_MONOTONIC) via vDSO: %s\n", lookup("__vdso_clock_getres") &&
         ((int (*)(clockid_t, struct ts32 *))lookup("__vdso_clock_getres"))(CLOCK_MONOTONIC, &res) == 0 ? "ok" : "missing");
  return 0;
}
