#include <string.h>
#include "suite.h"

static const struct { const char *name; int (*fn)(int, char **); } groups[] = {
  {"start", t_start}, {"float", t_float}, {"malloc", t_malloc}, {"setjmp", t_setjmp},
  {"signals", t_signals}, {"process", t_process}, {"memory", t_memory}, {"threads", t_threads},
  {"vdso", t_vdso}, {"ldt", t_ldt}, {"x87", t_x87}, {"sse", t_sse}, {"child", t_child},
};

int main(int argc, char **argv) {
  /* Line-buffered on a console and on a file alike, so output order does not depend on where it goes. */
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc < 2) { printf("usage: gsuite GROUP [args]\n"); return 2; }
  for (unsigned i = 0; i < sizeof groups / sizeof groups[0]; i++)
    if (!strcmp(argv[1], groups[i].name)) return groups[i].fn(argc - 1, argv + 1);
  printf("unknown group %s\n", argv[1]);
  return 2;
}
