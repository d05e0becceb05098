/* libc start-up and the integer/string basics every program leans on. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>
#include "suite.h"

static char order[32];
static void add(char c) { size_t n = strlen(order); order[n] = c; order[n + 1] = 0; }
__attribute__((constructor(101))) static void ctor_a(void) { add('a'); }
__attribute__((constructor(102))) static void ctor_b(void) { add('b'); }
__attribute__((constructor)) static void ctor_c(void) { add('c'); }
static int initialized = 42;  /* .data */
static int zeroed[1000];      /* .bss */
static void bye1(void) { printf("atexit: 1 (registered first, runs last)\n"); }
static void bye2(void) { printf("atexit: 2\n"); }

static int cmp_int(const void *a, const void *b) { int x = *(const int *)a, y = *(const int *)b; return (x > y) - (x < y); }

int t_start(int argc, char **argv) {
  printf("argc: %d\n", argc);
  for (int i = 1; i < argc; i++) printf("argv[%d]: \"%s\"\n", i, argv[i]);
  printf("env GSUITE: %s\n", getenv("GSUITE") ? getenv("GSUITE") : "(unset)");
  printf("constructors: %s\n", order);
  int bss_zero = 1;
  for (int i = 0; i < 1000; i++) bss_zero &= zeroed[i] == 0;
  printf("data: %d, bss zero: %d\n", initialized, bss_zero);
  printf("AT_PAGESZ: %lu, sysconf page size: %ld\n", getauxval(AT_PAGESZ), sysconf(_SC_PAGESIZE));
  CHECK("AT_ENTRY set", getauxval(AT_ENTRY) != 0);
  CHECK("AT_RANDOM set", getauxval(AT_RANDOM) != 0);
  CHECK("stack argv above environ", (void *)argv < (void *)&argv[argc + 1] + 1);

  /* errno (a TLS variable) and strerror */
  errno = 0;
  long v = strtol("99999999999", NULL, 10);
  printf("strtol overflow: %ld errno %s\n", v, strerror(errno));
  int fd = open("/nonexistent/file", O_RDONLY);
  printf("open missing: %d errno %d %s\n", fd, errno, strerror(errno));

  /* printf of integers */
  printf("ints: %d %u %x %X %o %hhd %hd %ld %lld %llu %llx\n", -12345, 4000000000u, 0xdeadbeef, 0xcafe, 0777, (signed char)300,
         (short)70000, LONG_MIN, LLONG_MIN, ULLONG_MAX, 0x123456789abcdefULL);
  printf("widths: [%8d] [%-8d] [%08.3d] [%+d] [% d] [%*d] [%.*s] [%5s] [%-5s] [%c%%]\n", 42, 42, 7, 5, 5, 6, 9, 3, "abcdef", "ab", "ab", 'Z');
  char buf[64];
  int n = snprintf(buf, 10, "%s", "0123456789abcdef");
  printf("snprintf truncates: %d \"%s\"\n", n, buf);

  /* 64-bit integer arithmetic (libgcc helpers) */
  volatile unsigned long long a = 0xfedcba9876543210ULL, b = 0x12345677ULL;
  volatile long long c = -0x7edcba9876543210LL, d = -12345;
  printf("u64 div/mod: %llu %llu\n", a / b, a % b);
  printf("s64 div/mod: %lld %lld\n", c / d, c % d);
  printf("u64 mul/shift: %llx %llx %llx\n", a * b, a >> 37, a << 29);
  printf("s64 sar: %llx\n", (unsigned long long)(c >> 45));

  /* string functions at every alignment */
  static char src[300], dst[300];
  unsigned h = FNV0;
  for (int i = 0; i < 300; i++) src[i] = (char)(i * 7 + 1);
  for (int off = 0; off < 8; off++)
    for (int len = 0; len < 70; len += 3) {
      memset(dst, 0x55, sizeof dst);
      memcpy(dst + off, src + (off * 3) % 8, len);
      h = fnv(h, dst, 100);
      memmove(dst + off + 1, dst + off, len);
      h = fnv(h, dst, 100);
      h += strlen(src + off + len) + (unsigned)memcmp(dst, src, len) * 3;
      const char *p = memchr(src, (char)(len * 7 + 1), 300);
      h += p ? (unsigned)(p - src) : 999;
    }
  printf("mem*/str* fingerprint: %08x\n", h);
  printf("strcmp: %d %d %d, strncmp: %d, strstr: %s, strrchr: %s\n", strcmp("abc", "abd") < 0, strcmp("b", "a") > 0,
         strcmp("same", "same") == 0, strncmp("abcX", "abcY", 3), strstr("haystack with needle inside", "needle"),
         strrchr("a/b/c", '/'));
  printf("strtoul: %lu %lu %lu %ld\n", strtoul("0x1F", NULL, 0), strtoul("0755", NULL, 0), strtoul("zz", NULL, 36), strtol("-2147483648", NULL, 10));
  printf("atoi: %d, atoll: %lld\n", atoi("  -17xyz"), atoll("9223372036854775807"));

  /* qsort + bsearch */
  static int arr[2000];
  unsigned s = 12345;
  for (int i = 0; i < 2000; i++) arr[i] = (int)(rnd(&s) % 100000) - 50000;
  qsort(arr, 2000, sizeof arr[0], cmp_int);
  int sorted = 1;
  for (int i = 1; i < 2000; i++) sorted &= arr[i - 1] <= arr[i];
  int key = arr[1234];
  int *found = bsearch(&key, arr, 2000, sizeof arr[0], cmp_int);
  printf("qsort: sorted %d min %d max %d, bsearch finds: %d\n", sorted, arr[0], arr[1999], found && *found == key);

  atexit(bye1);
  atexit(bye2);
  return 3;
}
