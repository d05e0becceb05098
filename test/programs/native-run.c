/*
 * native-run: execute a flat 32-bit guest program (.bin, org 0x1000) on the
 * host CPU, as the oracle for test/programs expectations.
 *
 * Build: gcc -m32 -no-pie -O1 -Wall -o native-run native-run.c   (needs vm.mmap_min_addr <= 4096)
 * Usage: native-run prog.bin [addr len]...
 *
 * The program is copied to 0x1000 in a zeroed RWX mapping of 0x1000..0x100000
 * (the same addresses the emulator's snippet runner uses), entered with every
 * general register 0, ESP = 0x8000, EFLAGS = 0x202 (user mode cannot clear IF),
 * and runs until its HLT, which faults in user mode: the SIGSEGV handler (on
 * an alternate stack, so the guest stack is not touched) records the state.
 * Output, one line each: the registers and EFLAGS as "name=hex", "eip=hex",
 * then "mem ADDR HEX" for each requested window.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

#define LO 0x1000u
#define HI 0x100000u

static sigjmp_buf jb;
static volatile uint32_t regs[8], efl, eip, sig;

static void handler(int s, siginfo_t *si, void *ctxp) {
  ucontext_t *uc = (ucontext_t *)ctxp;
  greg_t *g = uc->uc_mcontext.gregs;
  (void)si;
  sig = (uint32_t)s;
  regs[0] = g[REG_EAX]; regs[1] = g[REG_ECX]; regs[2] = g[REG_EDX]; regs[3] = g[REG_EBX];
  regs[4] = g[REG_ESP]; regs[5] = g[REG_EBP]; regs[6] = g[REG_ESI]; regs[7] = g[REG_EDI];
  efl = g[REG_EFL];
  eip = g[REG_EIP];
  siglongjmp(jb, 1);
}

/* Enter the guest: all registers 0, ESP = 0x8000, EFLAGS = 0x202; never returns. */
static void enter_guest(void) {
  __asm__ volatile(
      "push $0x202\n\t"
      "popf\n\t"
      "mov $0x8000, %%esp\n\t"
      "xor %%eax, %%eax\n\t"
      "xor %%ebx, %%ebx\n\t"
      "xor %%ecx, %%ecx\n\t"
      "xor %%edx, %%edx\n\t"
      "xor %%esi, %%esi\n\t"
      "xor %%edi, %%edi\n\t"
      "xor %%ebp, %%ebp\n\t"
      "jmp 0x1000\n\t" /* LO: a direct jump, so no register is needed */
      ::: "memory");
}

int main(int argc, char **argv) {
  if (argc < 2 || argc % 2) { fprintf(stderr, "usage: %s prog.bin [addr len]...\n", argv[0]); return 2; }
  uint8_t *m = mmap((void *)LO, HI - LO, PROT_READ | PROT_WRITE | PROT_EXEC,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (m != (uint8_t *)LO) { perror("mmap"); return 2; }
  FILE *f = fopen(argv[1], "rb");
  if (!f) { perror(argv[1]); return 2; }
  size_t n = fread(m, 1, HI - LO, f);
  fclose(f);
  if (n == 0) { fprintf(stderr, "empty program\n"); return 2; }

  static uint8_t altstack[65536];
  stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0};
  sigaltstack(&ss, NULL);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = handler;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&sa.sa_mask);
  int sigs[] = {SIGSEGV, SIGILL, SIGFPE, SIGBUS, SIGTRAP};
  for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++) sigaction(sigs[i], &sa, NULL);

  if (sigsetjmp(jb, 1) == 0) enter_guest();
  /* HLT is a privileged instruction: SIGSEGV with EIP at the HLT (opcode F4). */
  if (sig != SIGSEGV || eip < LO || eip >= HI || *(uint8_t *)(uintptr_t)eip != 0xf4) {
    fprintf(stderr, "program did not stop at HLT: signal %u at eip %08x\n", sig, eip);
    return 1;
  }
  static const char *names[8] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};
  for (int i = 0; i < 8; i++) printf("%s=%08x\n", names[i], regs[i]);
  printf("eflags=%08x\neip=%08x\n", efl, eip);
  for (int a = 2; a + 1 < argc; a += 2) {
    uint32_t addr = (uint32_t)strtoul(argv[a], NULL, 0), len = (uint32_t)strtoul(argv[a + 1], NULL, 0);
    if (addr < LO || addr + len > HI || addr + len < addr) { fprintf(stderr, "bad window\n"); return 2; }
    printf("mem %x ", addr);
    for (uint32_t i = 0; i < len; i++) printf("%02x", ((uint8_t *)(uintptr_t)addr)[i]);
    printf("\n");
  }
  return 0;
}
