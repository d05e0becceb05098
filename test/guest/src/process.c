/* fork, exec, wait, pipes, posix_spawn (vfork). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "suite.h"

extern char **environ;
static const char *self;

static void status(const char *what, int st) {
  if (WIFEXITED(st)) printf("%s: exited %d\n", what, WEXITSTATUS(st));
  else if (WIFSIGNALED(st)) printf("%s: killed by signal %d\n", what, WTERMSIG(st));
  else printf("%s: status %#x\n", what, st);
}

/* The exec'd side: `gsuite child MODE ...` (main.c dispatches "child" here). */
int t_child(int argc, char **argv) {
  if (argc >= 2 && !strcmp(argv[1], "args")) {
    printf("child argc %d:", argc);
    for (int i = 2; i < argc; i++) printf(" [%s]", argv[i]);
    printf(" env GSUITE_CHILD=%s\n", getenv("GSUITE_CHILD") ? getenv("GSUITE_CHILD") : "(unset)");
    return 11;
  }
  if (argc >= 3 && !strcmp(argv[1], "fd")) {
    int fd = atoi(argv[2]);
    errno = 0;
    int r = fcntl(fd, F_GETFD);
    printf("child: inherited fd %s, close-on-exec fd %s\n", fcntl(0, F_GETFD) >= 0 ? "open" : "closed", r < 0 && errno == EBADF ? "closed" : "open");
    return 0;
  }
  if (argc >= 2 && !strcmp(argv[1], "sum")) {  /* checksum stdin, print to stdout */
    unsigned char buf[4096];
    unsigned h = FNV0, total = 0;
    ssize_t n;
    while ((n = read(0, buf, sizeof buf)) > 0) { h = fnv(h, buf, (unsigned)n); total += (unsigned)n; }
    printf("child read %u bytes, fingerprint %08x\n", total, h);
    return 0;
  }
  return 99;
}

int t_process(int argc, char **argv) {
  (void)argc;
  self = argv[-1];
  int st;
  pid_t me = getpid();

  pid_t p = fork();
  if (p == 0) _exit(getppid() == me ? 7 : 8);
  waitpid(p, &st, 0);
  status("fork + _exit(7 if getppid() is the parent)", st);

  fflush(stdout);
  if ((p = fork()) == 0) { raise(SIGTERM); _exit(0); }
  waitpid(p, &st, 0);
  status("child raising SIGTERM", st);
  if ((p = fork()) == 0) { signal(SIGSEGV, SIG_DFL); *(volatile int *)0 = 0; _exit(0); }
  waitpid(p, &st, 0);
  status("child dereferencing NULL", st);
  if ((p = fork()) == 0) { pause(); _exit(0); }
  kill(p, SIGKILL);
  waitpid(p, &st, 0);
  status("child killed by the parent", st);

  pid_t kids[5];
  for (int i = 0; i < 5; i++) if ((kids[i] = fork()) == 0) _exit(10 + i);
  int sum = 0;
  for (int i = 4; i >= 0; i--) { waitpid(kids[i], &st, 0); sum += WEXITSTATUS(st); }
  errno = 0;
  int w = (int)wait(&st), e = errno;
  printf("five children, exit codes sum %d; wait with none left: %d %s\n", sum, w, e == ECHILD ? "ECHILD" : "?");

  /* exec with arguments and a new environment */
  fflush(stdout);
  if ((p = fork()) == 0) {
    char *args[] = { (char *)self, "child", "args", "a b", "", "c", NULL };
    char *env[] = { "GSUITE_CHILD=yes", NULL };
    execve(self, args, env);
    _exit(127);
  }
  waitpid(p, &st, 0);
  status("execve", st);
  errno = 0;
  char *none[] = { "/nonexistent", NULL };
  w = execve("/nonexistent", none, environ); e = errno;
  printf("execve of a missing file: %d %s\n", w, e == ENOENT ? "ENOENT" : "?");

  /* close-on-exec */
  int cfd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
  char fdarg[16];
  snprintf(fdarg, sizeof fdarg, "%d", cfd);
  fflush(stdout);
  if ((p = fork()) == 0) { execl(self, self, "child", "fd", fdarg, (char *)NULL); _exit(127); }
  waitpid(p, &st, 0);
  close(cfd);

  /* 200 000 bytes through a pipe into an exec'd child's stdin; its answer back through another */
  int to[2], from[2];
  pipe(to); pipe(from);
  fflush(stdout);
  if ((p = fork()) == 0) {
    dup2(to[0], 0); dup2(from[1], 1);
    close(to[0]); close(to[1]); close(from[0]); close(from[1]);
    execl(self, self, "child", "sum", (char *)NULL);
    _exit(127);
  }
  close(to[0]); close(from[1]);
  static unsigned char data[200000];
  unsigned s = 5, h = FNV0;
  for (unsigned i = 0; i < sizeof data; i++) data[i] = (unsigned char)rnd(&s);
  h = fnv(h, data, sizeof data);
  for (unsigned off = 0; off < sizeof data;) {
    ssize_t n = write(to[1], data + off, sizeof data - off > 7000 ? 7000 : sizeof data - off);
    if (n <= 0) break;
    off += (unsigned)n;
  }
  close(to[1]);
  char reply[128];
  ssize_t n = 0, k;
  while ((k = read(from[0], reply + n, sizeof reply - 1 - (size_t)n)) > 0) n += k;
  reply[n] = 0;
  close(from[0]);
  waitpid(p, &st, 0);
  printf("pipe: sent 200000 bytes, fingerprint %08x; %s", h, reply);
  status("pipe child", st);

  /* posix_spawn (clone with CLONE_VM|CLONE_VFORK in glibc) */
  char *sargs[] = { (char *)self, "child", "args", "spawned", NULL };
  fflush(stdout);
  if (posix_spawn(&p, self, NULL, NULL, sargs, environ) == 0) { waitpid(p, &st, 0); status("posix_spawn", st); }
  else printf("posix_spawn failed\n");

  /* a write to a pipe with no reader: SIGPIPE, or EPIPE when ignored */
  signal(SIGPIPE, SIG_IGN);
  int pp[2];
  pipe(pp); close(pp[0]);
  errno = 0;
  w = (int)write(pp[1], "x", 1); e = errno;
  printf("write to a closed pipe: %d %s\n", w, e == EPIPE ? "EPIPE" : "?");
  close(pp[1]);
  return 0;
}
