/*
 * record.sh's real-CPU check of what QEMU 7.2's emulator gets wrong (see
 * README.md): built for x86-64 and run natively on the recording host, it
 * prints, in the formats of src/x87.c and src/sse.c, the lines that depend on
 * (1) unmasked SIMD exceptions raising #XM (QEMU 7.2 never raises it, so no
 * SIGFPE arrives) and (2) MXCSR.DE for denormal operands (QEMU 7.2 never sets
 * it). Each output line is "GROUP|LINE"; record.sh replaces the line of the
 * same group and the same text up to its first ':' in expected-sse.txt.
 * The SIMD arithmetic, MXCSR and the kernel's SIGFPE si_code (from MXCSR, the
 * handler's MXCSR reset to 0x1F80) are the same on x86-64 as on i386.
 */
#define _GNU_SOURCE
#include <fenv.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static volatile double vzero = 0.0, vone = 1.0, vtwo = 2.0, vthree = 3.0, vbig = 1e308, vtiny = 2.2250738585072014e-308;
static sigjmp_buf jb;
static volatile int fpe_code;
static void fpe(int sig, siginfo_t *si, void *uc) { (void)sig; (void)uc; fpe_code = si->si_code; siglongjmp(jb, 1); }
static unsigned mxcsr(void) { unsigned m; __asm__ volatile("stmxcsr %0" : "=m"(m)); return m; }
static void set_mxcsr(unsigned m) { __asm__ volatile("ldmxcsr %0" : : "m"(m)); }

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  volatile double r;
  set_mxcsr(0x1f80); r = 5e-324 * vone; printf("sse|mxcsr after 5e-324*1 (DE): %#x\n", mxcsr());
  set_mxcsr(0x1f80); r = vtiny / 4 * vtwo; printf("sse|mxcsr after DBL_MIN/4*2 (DE): %#x\n", mxcsr());
  (void)r;
  set_mxcsr(0x1f80);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = fpe; sa.sa_flags = SA_SIGINFO;
  sigaction(SIGFPE, &sa, NULL);
  /* src/x87.c's loop: feenableexcept, then the operation in SSE doubles (as -mfpmath=sse compiles it) */
  static const struct { int exc; const char *name; } ux[] = { {FE_DIVBYZERO, "divbyzero"}, {FE_INVALID, "invalid"}, {FE_OVERFLOW, "overflow"} };
  for (int i = 0; i < 3; i++) {
    fpe_code = 0;
    feclearexcept(FE_ALL_EXCEPT);
    if (!sigsetjmp(jb, 1)) {
      feenableexcept(ux[i].exc);
      volatile double x = i == 0 ? vone / vzero : i == 1 ? vzero / vzero : vbig * vbig;
      (void)x;
    }
    fedisableexcept(FE_ALL_EXCEPT);
    printf("x87|unmasked %s: SIGFPE si_code %d\n", ux[i].name, fpe_code);
  }
  feclearexcept(FE_ALL_EXCEPT);
  /* src/sse.c's loop */
  static const struct { unsigned mask; const char *name; } un[] = { {0x200, "divbyzero"}, {0x80, "invalid"}, {0x400, "overflow"}, {0x1000, "inexact"} };
  for (int i = 0; i < 4; i++) {
    fpe_code = 0;
    if (!sigsetjmp(jb, 1)) {
      set_mxcsr(0x1f80 & ~un[i].mask);
      volatile double x = i == 0 ? vone / vzero : i == 1 ? vzero / vzero : i == 2 ? vbig * vbig : vone / vthree;
      (void)x;
    }
    printf("sse|unmasked %s: SIGFPE si_code %d, mxcsr in main %#x\n", un[i].name, fpe_code, mxcsr());
    set_mxcsr(0x1f80);
  }
  return 0;
}
