/* malloc, calloc, realloc, free, posix_memalign; brk-backed and mmap-backed blocks. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "suite.h"

#define SLOTS 256

int t_malloc(int argc, char **argv) {
  (void)argc; (void)argv;
  static unsigned char *p[SLOTS];
  static unsigned sz[SLOTS], tag[SLOTS];
  unsigned s = 99, corrupt = 0, ops = 0, h = FNV0;
  for (int i = 0; i < 6000; i++) {
    unsigned k = rnd(&s) % SLOTS, r = rnd(&s);
    if (p[k]) {  /* verify the block still holds its pattern */
      for (unsigned j = 0; j < sz[k]; j++) if (p[k][j] != (unsigned char)(tag[k] + j)) { corrupt++; break; }
      h = fnv(h, p[k], sz[k] < 16 ? sz[k] : 16);
    }
    if (p[k] && (r & 3) == 0) {      /* realloc, keep the prefix */
      unsigned n = 1 + rnd(&s) % 3000;
      unsigned char *q = realloc(p[k], n);
      if (!q) { corrupt++; continue; }
      for (unsigned j = 0; j < (n < sz[k] ? n : sz[k]); j++) if (q[j] != (unsigned char)(tag[k] + j)) { corrupt++; break; }
      for (unsigned j = 0; j < n; j++) q[j] = (unsigned char)(tag[k] + j);
      p[k] = q; sz[k] = n;
    } else if (p[k]) {
      free(p[k]); p[k] = NULL;
    } else {
      unsigned n = (r & 15) == 0 ? 1 + rnd(&s) % 200000 : 1 + rnd(&s) % 500;  /* some above the mmap threshold */
      p[k] = (r & 32) ? calloc(1, n) : malloc(n);
      if (!p[k]) { corrupt++; continue; }
      if (r & 32) for (unsigned j = 0; j < n; j++) if (p[k][j]) { corrupt++; break; }
      sz[k] = n; tag[k] = r >> 8;
      for (unsigned j = 0; j < n; j++) p[k][j] = (unsigned char)(tag[k] + j);
    }
    ops++;
  }
  for (int k = 0; k < SLOTS; k++) free(p[k]);
  printf("malloc: %u operations, %u corrupt blocks, content fingerprint %08x\n", ops, corrupt, h);

  int aligned = 1;
  for (unsigned a = 8; a <= 65536; a *= 2) {
    void *m = NULL;
    if (posix_memalign(&m, a, 100) || ((uintptr_t)m & (a - 1))) aligned = 0;
    free(m);
  }
  CHECK("posix_memalign 8..65536", aligned);
  int align8 = 1;
  for (int i = 1; i < 100; i++) { void *m = malloc(i); align8 &= ((uintptr_t)m & 7) == 0; free(m); }
  CHECK("malloc results 8-byte aligned", align8);

  /* one 16 MiB block (mmap), touched on every page, then freed */
  unsigned char *big = malloc(16 << 20);
  unsigned sum = 0;
  if (big) {
    for (unsigned i = 0; i < (16u << 20); i += 4096) big[i] = (unsigned char)(i >> 12);
    for (unsigned i = 0; i < (16u << 20); i += 4096) sum += big[i];
    free(big);
  }
  printf("16 MiB block: %s, page sum %u\n", big ? "allocated" : "NULL", sum);

  void *b0 = sbrk(0);
  void *b1 = sbrk(65536);
  memset(b1, 0xab, 65536);
  printf("sbrk: grew by %d, old break returned: %d\n", (int)((char *)sbrk(0) - (char *)b0), b1 == b0);
  printf("malloc(huge): %s\n", malloc(0xfffff000u) ? "non-NULL" : "NULL");
  return 0;
}
