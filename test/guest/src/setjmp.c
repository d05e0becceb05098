/* setjmp/longjmp and sigsetjmp/siglongjmp. */
#include <setjmp.h>
#include <signal.h>
#include "suite.h"

static jmp_buf jb;
static int depth_reached;

static void recurse(int n) {
  volatile char pad[64];
  pad[0] = (char)n;
  if (n == 500) { depth_reached = n + pad[0] - pad[0]; longjmp(jb, n); }
  recurse(n + 1);
  pad[1] = 0;
}

static jmp_buf inner, outer;
static void second(void) { longjmp(inner, 2); }
static void first(void) {
  if (setjmp(inner) == 0) second();
  else longjmp(outer, 3);
}

int t_setjmp(int argc, char **argv) {
  (void)argc; (void)argv;
  volatile int local = 1;
  int r = setjmp(jb);
  if (r == 0) { local = 2; longjmp(jb, 0); }
  printf("longjmp(env, 0) makes setjmp return %d, volatile local %d\n", r, local);
  r = setjmp(jb);
  if (r == 0) recurse(0);
  printf("longjmp out of recursion depth %d returns %d\n", depth_reached, r);
  r = setjmp(outer);
  if (r == 0) first();
  printf("nested setjmp: outer got %d\n", r);

  sigjmp_buf sj;
  sigset_t set, now;
  sigemptyset(&set);
  sigprocmask(SIG_SETMASK, &set, NULL);
  if (sigsetjmp(sj, 1) == 0) {
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, NULL);
    siglongjmp(sj, 1);
  }
  sigprocmask(SIG_SETMASK, NULL, &now);
  printf("siglongjmp(savesigs=1) restores the mask: SIGUSR1 blocked = %d\n", sigismember(&now, SIGUSR1));
  if (sigsetjmp(sj, 0) == 0) {
    sigaddset(&set, SIGUSR2);
    sigprocmask(SIG_BLOCK, &set, NULL);
    siglongjmp(sj, 1);
  }
  sigprocmask(SIG_SETMASK, NULL, &now);
  printf("siglongjmp(savesigs=0) keeps the mask: SIGUSR2 blocked = %d\n", sigismember(&now, SIGUSR2));
  return 0;
}
