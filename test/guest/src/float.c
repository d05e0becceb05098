/* printf and strtod/strtof/strtold of floats and doubles. */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "suite.h"

static double from_bits(uint64_t b) { double d; memcpy(&d, &b, 8); return d; }
static uint64_t bits(double d) { uint64_t b; memcpy(&b, &d, 8); return b; }

int t_float(int argc, char **argv) {
  (void)argc; (void)argv;
  static const double vals[] = { 0.1, 1.0 / 3, 2.5, -0.0, 123456.789, 1e21, 1e300, 1e-300, 5e-324, 2.2250738585072014e-308,
                                 DBL_MAX, 0.125, 9007199254740993.0, 1.5e-7 };
  for (unsigned i = 0; i < sizeof vals / sizeof vals[0]; i++) {
    double v = vals[i];
    printf("%%.17g %.17g | %%e %e | %%.3f %.3f | %%a %a | %%g %g\n", v, v, v, v, v);
  }
  printf("specials: %f %f %F %e %g %5.1f\n", INFINITY, -INFINITY, INFINITY, NAN, -NAN, NAN);
  printf("rounding %%.0f: %.0f %.0f %.0f %.0f, %%.1f: %.1f %.1f\n", 0.5, 1.5, 2.5, -2.5, 0.25, 0.35);
  printf("widths: [%10.4f] [%-+12.5e] [%012.3f] [%#.0f] [%#g]\n", 3.14159265, -2.5e-5, -1.5, 2.0, 1.0);
  float fv[] = { 0.1f, 3.4028235e38f, 1.17549435e-38f, 1.4e-45f, 16777217.0f, -7.25f };
  for (unsigned i = 0; i < sizeof fv / sizeof fv[0]; i++) printf("float %.9g %a\n", fv[i], fv[i]);
  long double ld[] = { 1.0L / 4, 0x1.fffffffffffffffep16383L, 0x1p-16445L, -3.0L, 1e4000L };
  for (unsigned i = 0; i < sizeof ld / sizeof ld[0]; i++) printf("long double %.21Lg %La\n", ld[i], ld[i]);

  static const char *strs[] = { "0.1", "2.2250738585072011e-308", "4.9e-324", "2.4703282292062327e-324", "2.4703282292062328e-324",
    "1.7976931348623158e308", "1.7976931348623159e308", "0x1.fffffffffffffp1023", "inf", "-Infinity", "nan", "1e-400",
    "  +.5e+1xyz", "123abc", "0x1p-1074", "9007199254740993", "1.00000000000000011102230246251565404236316680908203125",
    "1.000000000000000111022302462515654042363166809082031251", "-0", "" };
  for (unsigned i = 0; i < sizeof strs / sizeof strs[0]; i++) {
    char *end;
    errno = 0;
    double d = strtod(strs[i], &end);
    int e = errno;
    errno = 0;
    float f = strtof(strs[i], NULL);
    printf("strtod(\"%s\") = %a (%016llx) end+%d errno %d; strtof %a errno %d\n", strs[i], d, (unsigned long long)bits(d),
           (int)(end - strs[i]), e, f, errno);
  }
  static const char *lstrs[] = { "0.1", "1e4000", "3.36210314311209350626e-4932", "0x1.ffffffffffffffffp0" };
  for (unsigned i = 0; i < sizeof lstrs / sizeof lstrs[0]; i++) printf("strtold(\"%s\") = %La\n", lstrs[i], strtold(lstrs[i], NULL));

  /* Round trips over pseudo-random bit patterns: %.17g -> strtod must give the same bits; fingerprint the text. */
  unsigned s = 2024, h = FNV0, bad = 0;
  char buf[64];
  for (int i = 0; i < 1500; i++) {
    uint64_t b = ((uint64_t)rnd(&s) << 32) | rnd(&s);
    double d = from_bits(b);
    if (isnan(d)) continue;
    int n = snprintf(buf, sizeof buf, "%.17g", d);
    h = fnv(h, buf, (unsigned)n);
    if (bits(strtod(buf, NULL)) != b) bad++;
    n = snprintf(buf, sizeof buf, "%.6e", d);
    h = fnv(h, buf, (unsigned)n);
  }
  printf("double round trips: %u bad, text fingerprint %08x\n", bad, h);
  h = FNV0; bad = 0;
  for (int i = 0; i < 1500; i++) {
    uint32_t b = rnd(&s);
    float f; memcpy(&f, &b, 4);
    if (isnan(f)) continue;
    int n = snprintf(buf, sizeof buf, "%.9g", f);
    h = fnv(h, buf, (unsigned)n);
    float g = strtof(buf, NULL);
    if (memcmp(&f, &g, 4)) bad++;
  }
  printf("float round trips: %u bad, text fingerprint %08x\n", bad, h);
  return 0;
}
