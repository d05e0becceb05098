/* Signals: handlers, siginfo of synchronous faults, sigreturn with an edited context, masks, sigaltstack, x87 state. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <ucontext.h>
#include <unistd.h>
#include <errno.h>
#include "suite.h"

static sigjmp_buf jb;
static volatile siginfo_t got;
static volatile int got_sig;

static void catcher(int sig, siginfo_t *si, void *uc) {
  (void)uc;
  got_sig = sig;
  memcpy((void *)&got, si, sizeof got);
  siglongjmp(jb, 1);
}

static void on(int sig, void (*h)(int, siginfo_t *, void *), int flags) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = h;
  sa.sa_flags = SA_SIGINFO | flags;
  sigemptyset(&sa.sa_mask);
  sigaction(sig, &sa, NULL);
}

/* Fault sites with known addresses. */
extern char ud2_site[], div_site[], int3_after[], ill_skip_site[], skip_after[];
__asm__(".text\n"
        "do_ud2: ud2a\n ret\n .globl ud2_site\n .set ud2_site, do_ud2\n"
        "do_div: xorl %ecx, %ecx\n movl $1, %eax\n cltd\n .globl div_site\n div_site: idivl %ecx\n ret\n"
        "do_int3: int3\n .globl int3_after\n int3_after: ret\n"
        /* skip_ud2: eax = 0; ud2 (handler sets EIP past it and EAX = 0x1234); returns eax */
        "skip_ud2: xorl %eax, %eax\n .globl ill_skip_site\n ill_skip_site: ud2a\n .globl skip_after\n skip_after: ret\n");
void do_ud2(void); void do_div(void); void do_int3(void); int skip_ud2(void);

static void report(const char *what, int sig, int code, uintptr_t addr, uintptr_t want_addr) {
  printf("%s: signal %d (%s) si_signo %d si_code %d si_addr %s\n", what, got_sig, got_sig == sig ? "expected" : "WRONG",
         got.si_signo, got.si_code, addr == want_addr ? "right" : "WRONG");
  (void)code;
}

static void edit_ctx(int sig, siginfo_t *si, void *ucv) {
  (void)sig; (void)si;
  ucontext_t *uc = ucv;
  uc->uc_mcontext.gregs[REG_EIP] = (greg_t)(uintptr_t)skip_after;
  uc->uc_mcontext.gregs[REG_EAX] = 0x1234;
}

static volatile int order[8], norder;
static void usr1_nested(int sig, siginfo_t *si, void *uc) {
  (void)si; (void)uc;
  order[norder++] = sig;
  raise(SIGUSR2);  /* blocked by sa_mask: delivered after this handler returns */
  order[norder++] = -sig;
}
static void record(int sig, siginfo_t *si, void *uc) { (void)si; (void)uc; order[norder++] = sig; got.si_code = si->si_code; }

static char altstack[65536];
static volatile int on_alt, alt_flags;
static void alt_handler(int sig, siginfo_t *si, void *uc) {
  (void)si; (void)uc;
  char here;
  on_alt = &here >= altstack && &here < altstack + sizeof altstack;
  stack_t cur;
  sigaltstack(NULL, &cur);
  alt_flags = cur.ss_flags;
  got_sig = sig;
  siglongjmp(jb, 1);
}
static int overflow(int n) { volatile char big[4096]; big[0] = (char)n; return overflow(n + 1) + big[0]; }

static void fpu_clobber(int sig) { (void)sig; __asm__ volatile("fninit\n fldz\n fld1\n fldl2e\n faddp\n faddp\n fstp %%st(0)" ::: "st"); }
static void noop3(int sig, siginfo_t *si, void *uc) { (void)sig; (void)si; (void)uc; }

int t_signals(int argc, char **argv) {
  (void)argc; (void)argv;
  /* raise / kill / sigqueue: siginfo from user space */
  on(SIGUSR1, catcher, 0);
  if (!sigsetjmp(jb, 1)) raise(SIGUSR1);
  printf("raise: signal %d si_code %d (SI_TKILL -6) si_pid is me %d\n", got_sig, got.si_code, got.si_pid == getpid());
  if (!sigsetjmp(jb, 1)) kill(getpid(), SIGUSR1);
  printf("kill: signal %d si_code %d (SI_USER 0) si_uid %d\n", got_sig, got.si_code, got.si_uid == getuid());
  union sigval sv = { .sival_int = 777 };
  if (!sigsetjmp(jb, 1)) sigqueue(getpid(), SIGUSR1, sv);
  printf("sigqueue: signal %d si_code %d (SI_QUEUE -1) value %d\n", got_sig, got.si_code, got.si_value.sival_int);

  /* synchronous faults */
  on(SIGSEGV, catcher, 0); on(SIGFPE, catcher, 0); on(SIGILL, catcher, 0); on(SIGTRAP, catcher, 0); on(SIGBUS, catcher, 0);
  if (!sigsetjmp(jb, 1)) *(volatile int *)0x10 = 1;
  report("write to 0x10", SIGSEGV, 1, (uintptr_t)got.si_addr, 0x10);
  printf("  si_code %d = SEGV_MAPERR\n", got.si_code);
  char *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (!sigsetjmp(jb, 1)) ro[100] = 1;
  report("write to a read-only page", SIGSEGV, 2, (uintptr_t)got.si_addr, (uintptr_t)(ro + 100));
  printf("  si_code %d = SEGV_ACCERR\n", got.si_code);
  static const char lit[] = "constant";
  if (!sigsetjmp(jb, 1)) *(volatile char *)&lit[3] = 'x';
  report("write to .rodata", SIGSEGV, 2, (uintptr_t)got.si_addr, (uintptr_t)&lit[3]);
  if (!sigsetjmp(jb, 1)) do_div();
  report("idiv by zero", SIGFPE, 1, (uintptr_t)got.si_addr, (uintptr_t)div_site);
  printf("  si_code %d = FPE_INTDIV\n", got.si_code);
  if (!sigsetjmp(jb, 1)) { volatile int a = INT32_MIN, b = -1; a /= b; }
  printf("INT_MIN / -1: signal %d si_code %d\n", got_sig, got.si_code);
  if (!sigsetjmp(jb, 1)) do_ud2();
  report("ud2", SIGILL, 2, (uintptr_t)got.si_addr, (uintptr_t)ud2_site);
  printf("  si_code %d = ILL_ILLOPN\n", got.si_code);
  if (!sigsetjmp(jb, 1)) do_int3();
  printf("int3: signal %d si_code %d\n", got_sig, got.si_code);
  if (!sigsetjmp(jb, 1)) __asm__ volatile("hlt");
  printf("hlt at CPL 3: signal %d si_code %d si_addr %d\n", got_sig, got.si_code, got.si_addr == 0);
  if (!sigsetjmp(jb, 1)) __asm__ volatile("cli");
  printf("cli at CPL 3: signal %d si_code %d\n", got_sig, got.si_code);
  if (!sigsetjmp(jb, 1)) __asm__ volatile("movl %%cr0, %%eax" ::: "eax");
  printf("mov from cr0 at CPL 3: signal %d\n", got_sig);
  if (!sigsetjmp(jb, 1)) __asm__ volatile("inb $0x80, %%al" ::: "eax");
  printf("in at CPL 3: signal %d si_code %d\n", got_sig, got.si_code);

  /* sigreturn resumes at an edited EIP with an edited EAX */
  on(SIGILL, edit_ctx, 0);
  printf("sigreturn with edited context: eax %#x\n", skip_ud2());

  /* general registers survive an asynchronous signal delivered on syscall exit */
  on(SIGUSR1, noop3, 0);
  unsigned out[6];
  __asm__ volatile(
      "pushl %%ebp\n"
      "movl $0x22222222, %%esi\n movl $0x33333333, %%edi\n movl $0x44444444, %%ebp\n movl $0x55555555, %%edx\n"
      "movl %7, %%ecx\n movl %6, %%eax\n int $0x80\n"  /* kill(ebx = pid, ecx = SIGUSR1) */
      "movl %%ebp, %%eax\n popl %%ebp\n"
      : "=b"(out[0]), "=S"(out[1]), "=D"(out[2]), "=a"(out[3]), "=c"(out[4]), "=d"(out[5])
      : "i"(SYS_kill), "i"(SIGUSR1), "0"(getpid())
      : "memory");
  printf("registers after a signal: ebx is pid %d, ecx %#x edx %#x esi %#x edi %#x ebp %#x\n", (int)out[0] == getpid(), out[4], out[5],
         out[1], out[2], out[3]);

  /* x87 registers survive a handler that reinitializes the FPU */
  signal(SIGUSR2, fpu_clobber);
  double pi;
  int tid = (int)syscall(SYS_gettid);
  __asm__ volatile("fldpi\n pushl %%ebx\n movl %1, %%eax\n movl %2, %%ebx\n movl %3, %%ecx\n int $0x80\n popl %%ebx\n fstpl %0"
                   : "=m"(pi) : "i"(SYS_tkill), "r"(tid), "i"(SIGUSR2) : "eax", "ecx", "memory");
  printf("x87 st(0) across a handler: %.17g\n", pi);

  /* sa_mask blocks SIGUSR2 during the SIGUSR1 handler; it arrives after */
  norder = 0;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = usr1_nested; sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask); sigaddset(&sa.sa_mask, SIGUSR2);
  sigaction(SIGUSR1, &sa, NULL);
  on(SIGUSR2, record, 0);
  raise(SIGUSR1);
  printf("sa_mask order:");
  for (int i = 0; i < norder; i++) printf(" %d", order[i]);
  printf("\n");

  /* sigprocmask: a blocked signal stays pending until unblocked */
  norder = 0;
  sigset_t set, pend;
  sigemptyset(&set); sigaddset(&set, SIGUSR2);
  sigprocmask(SIG_BLOCK, &set, NULL);
  raise(SIGUSR2);
  sigpending(&pend);
  printf("blocked: pending %d delivered %d\n", sigismember(&pend, SIGUSR2), norder);
  sigprocmask(SIG_UNBLOCK, &set, NULL);
  printf("unblocked: delivered %d\n", norder);

  /* an interval timer interrupts a blocking read (no SA_RESTART): EINTR */
  on(SIGALRM, record, 0);
  int fds[2];
  pipe(fds);
  struct itimerval it = { {0, 0}, {0, 20000} };
  setitimer(ITIMER_REAL, &it, NULL);
  char c;
  errno = 0;
  ssize_t rr = read(fds[0], &c, 1);
  printf("read interrupted by SIGALRM: %d errno %s, si_code %d\n", (int)rr, errno == EINTR ? "EINTR" : "other", got.si_code);

  /* sigaltstack: a handler on the alternate stack, and a stack overflow caught there */
  stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0 };
  sigaltstack(&ss, NULL);
  on(SIGUSR1, alt_handler, SA_ONSTACK);
  if (!sigsetjmp(jb, 1)) raise(SIGUSR1);
  printf("SA_ONSTACK handler: on the alternate stack %d, ss_flags SS_ONSTACK %d\n", on_alt, alt_flags == SS_ONSTACK);
  struct rlimit rl = { 1 << 20, 1 << 20 };
  setrlimit(RLIMIT_STACK, &rl);
  on(SIGSEGV, alt_handler, SA_ONSTACK);
  on_alt = 0; got_sig = 0;
  if (!sigsetjmp(jb, 1)) overflow(0);
  printf("stack overflow: signal %d handled on the alternate stack %d\n", got_sig, on_alt);
  return 0;
}
