/* mmap, mprotect, munmap, mremap, MAP_SHARED across fork, file mappings, code written at run time. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "suite.h"

static sigjmp_buf jb;
static volatile int fault_code;
static volatile uintptr_t fault_addr;
static void segv(int sig, siginfo_t *si, void *uc) { (void)sig; (void)uc; fault_code = si->si_code; fault_addr = (uintptr_t)si->si_addr; siglongjmp(jb, 1); }

/* 1 when writing (or reading) *p faults, recording si_code. */
static int faults(volatile char *p, int write) {
  fault_code = 0;
  if (sigsetjmp(jb, 1)) return fault_addr == (uintptr_t)p;
  if (write) *p = 1; else (void)*p;
  return 0;
}

int t_memory(int argc, char **argv) {
  (void)argc; (void)argv;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = segv; sa.sa_flags = SA_SIGINFO;
  sigaction(SIGSEGV, &sa, NULL);

  size_t len = 1 << 20;
  unsigned char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  int zero = 1;
  for (size_t i = 0; i < len; i += 512) zero &= m[i] == 0;
  for (size_t i = 0; i < len; i++) m[i] = (unsigned char)(i * 13 + (i >> 12));
  printf("anonymous 1 MiB: page-aligned %d, zero-filled %d, fingerprint %08x\n", ((uintptr_t)m & 4095) == 0, zero, fnv(FNV0, m, len));
  mprotect(m + 8192, 4096, PROT_READ);
  int rf = faults((char *)m + 8200, 0);
  int wf = faults((char *)m + 8200, 1), wcode = fault_code;
  int nw = !faults((char *)m + 4096, 1);
  printf("mprotect read-only: read faults %d, write faults %d (si_code %d), neighbour writable %d\n", rf, wf, wcode, nw);
  mprotect(m + 8192, 4096, PROT_NONE);
  rf = faults((char *)m + 8300, 0);
  printf("PROT_NONE: read faults %d (si_code %d)\n", rf, fault_code);
  mprotect(m + 8192, 4096, PROT_READ | PROT_WRITE);
  wf = faults((char *)m + 8300, 1);
  printf("back to read-write: write faults %d, contents kept %d\n", wf, m[8301] == (unsigned char)(8301 * 13 + 2));
  munmap(m + 65536, 65536);
  rf = faults((char *)m + 65536 + 100, 0);
  int rcode = fault_code;
  printf("munmap part: access faults %d (si_code %d), next page still mapped %d\n", rf, rcode, !faults((char *)m + 131072, 0));

  /* mremap: grow, contents preserved */
  unsigned char *r = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  memset(r, 0x5a, 8192);
  unsigned char *r2 = mremap(r, 8192, 1 << 20, MREMAP_MAYMOVE);
  int kept = r2 != MAP_FAILED;
  for (int i = 0; kept && i < 8192; i++) kept &= r2[i] == 0x5a;
  printf("mremap to 1 MiB: kept %d, new tail zero %d\n", kept, kept && r2[(1 << 20) - 1] == 0);
  munmap(r2, 1 << 20);

  /* shared and private anonymous mappings across fork */
  int *sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  int *pv = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  *sh = 1; *pv = 1;
  fflush(stdout);
  pid_t p = fork();
  if (p == 0) { *sh = 2; *pv = 2; _exit(0); }
  waitpid(p, NULL, 0);
  printf("after the child wrote 2: MAP_SHARED sees %d, MAP_PRIVATE (copy-on-write) sees %d\n", *sh, *pv);
  /* copy-on-write of ordinary data too */
  static int cow = 5;
  int pipefd[2];
  pipe(pipefd);
  if ((p = fork()) == 0) { cow = 6; write(pipefd[1], &cow, sizeof cow); _exit(0); }
  int childs;
  read(pipefd[0], &childs, sizeof childs);
  waitpid(p, NULL, 0);
  printf("fork copy-on-write: child has %d, parent keeps %d\n", childs, cow);

  /* a file mapping: write through the map, read back with read() */
  const char *path = "/tmp/gsuite-mmap.dat";
  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
  ftruncate(fd, 3 * 4096);
  char *f = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  strcpy(f + 4096 + 10, "written through MAP_SHARED");
  msync(f, 3 * 4096, MS_SYNC);
  char back[40] = {0};
  pread(fd, back, 26, 4096 + 10);
  printf("file mapping: pread sees \"%s\"\n", back);
  pwrite(fd, "PWRITE", 6, 2 * 4096);
  printf("file mapping: the map sees \"%.6s\"\n", f + 2 * 4096);
  munmap(f, 3 * 4096);
  close(fd);
  unlink(path);

  /* code written at run time: mov eax, imm32; ret -- then rewritten in place */
  unsigned char *code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  memcpy(code, "\xb8\x2a\x00\x00\x00\xc3", 6);
  int (*fn)(void) = (int (*)(void))code;
  int first = fn();
  code[1] = 0x2b;
  int second = fn();
  for (int i = 0; i < 100; i++) { code[1] = (unsigned char)i; if (fn() != i) { second = -1; break; } }
  printf("generated code returns %d, after rewriting %d\n", first, second);

  /* 8 MiB touched page by page */
  size_t big = 8 << 20;
  unsigned char *b = mmap(NULL, big, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  unsigned sum = 0;
  for (size_t i = 0; i < big; i += 4096) b[i] = (unsigned char)(i >> 12);
  for (size_t i = 0; i < big; i += 4096) sum += b[i];
  munmap(b, big);
  printf("8 MiB mapping, one byte per page: sum %u\n", sum);
  return 0;
}
