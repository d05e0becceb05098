/*
 * x87 arithmetic as C compiles it for i386 (every double operation runs on the
 * x87 stack): basic operations, conversions, rounding modes, comparisons with
 * NaN, exception flags, an unmasked exception as SIGFPE, libm on top. Printed
 * values are doubles or floats stored to memory; long double arithmetic whose
 * result needs the 64-bit significand is left out (see README: not covered).
 */
#define _GNU_SOURCE
#include <fenv.h>
#include <fpu_control.h>
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include "suite.h"

static volatile double vzero = 0.0, vone = 1.0, vtwo = 2.0, vthree = 3.0, vtenth = 0.1, vneg = -2.5, vbig = 1e308, vtiny = 2.2250738585072014e-308;
static sigjmp_buf jb;
static volatile int fpe_code;
static void fpe(int sig, siginfo_t *si, void *uc) { (void)sig; (void)uc; fpe_code = si->si_code; siglongjmp(jb, 1); }

static const char *flags(void) {
  static char b[64];
  int e = fetestexcept(FE_ALL_EXCEPT);
  snprintf(b, sizeof b, "%s%s%s%s%s", e & FE_INVALID ? "invalid " : "", e & FE_DIVBYZERO ? "divbyzero " : "", e & FE_OVERFLOW ? "overflow " : "",
           e & FE_UNDERFLOW ? "underflow " : "", e & FE_INEXACT ? "inexact" : "");
  return b;
}

int t_x87(int argc, char **argv) {
  (void)argc; (void)argv;
  double r;
  printf("1/3 %a, 2/3 %a, 0.1+0.2 %.17g, 0.1*3 %.17g\n", vone / vthree, vtwo / vthree, vtenth + 0.2, vtenth * 3);
  printf("sqrt 2 %a, sqrt 3 %a, sqrt 1e-300 %a, sqrt 144 %g\n", sqrt(vtwo), sqrt(vthree), sqrt(1e-300 * vone), sqrt(144 * vone));
  printf("fabs %g, chs %g, copysign %g, fma-free mix %.17g\n", fabs(vneg), -vneg, copysign(vthree, vneg), (vone + vtenth) * (vtwo - vtenth) / vthree);
  float f = (float)vtenth, g = (float)(vone / vthree);
  printf("double->float 0.1 %a, 1/3 %a, float sum %a\n", f, g, (double)(f + g));
  printf("subnormal: DBL_MIN/4 %a, *2^-50 %a, 5e-324/2 %a\n", vtiny / 4, vtiny * 0x1p-50, 5e-324 * vone / 2);
  volatile double inf = vbig * 10, ninf = -vbig * 10;  /* overflow when stored as a double */
  printf("overflow: %g %g, inf-inf %g, 0*inf %g\n", inf, ninf, inf - inf, vzero * inf);

  /* integer conversions */
  volatile long long big = 9007199254740993LL, neg = -9223372036854775807LL - 1;
  volatile unsigned long long ubig = 18446744073709551615ULL;
  printf("int64->double %.17g %.17g, uint64->double %.17g\n", (double)big, (double)neg, (double)ubig);
  volatile double dd[] = { 2.5, -2.5, 3.5, -0.5, 2147483647.9, -2147483648.9, 1e19, 4294967295.5 };
  for (int i = 0; i < 8; i++)
    printf("(int)%.17g = %d, (long long) = %lld, (unsigned) = %u\n", dd[i], (int)dd[i], (long long)dd[i], (unsigned)dd[i]);

  /* rounding modes */
  static const int modes[] = { FE_TONEAREST, FE_DOWNWARD, FE_UPWARD, FE_TOWARDZERO };
  static const char *mname[] = { "nearest", "down", "up", "zero" };
  for (int m = 0; m < 4; m++) {
    fesetround(modes[m]);
    printf("%-7s rint(2.5) %g rint(-2.5) %g rint(3.5) %g lrint(-0.5) %ld llrint(1e15+0.5) %lld 1/3 %a -1/3 %a\n", mname[m], rint(2.5 * vone),
           rint(-2.5 * vone), rint(3.5 * vone), lrint(-0.5 * vone), llrint(1e15 * vone + 0.5), vone / vthree, -vone / vthree);
  }
  fesetround(FE_TONEAREST);
  printf("floor %g ceil %g trunc %g round %g nearbyint %g, of -2.5: %g %g %g %g %g\n", floor(2.5 * vone), ceil(2.5 * vone), trunc(2.5 * vone),
         round(2.5 * vone), nearbyint(2.5 * vone), floor(vneg), ceil(vneg), trunc(vneg), round(vneg), nearbyint(vneg));
  int ex;
  double fr = frexp(48 * vone, &ex);
  printf("fmod(10.5,3) %g remainder(10.5,3) %g fmod(-7,2) %g, frexp(48) %g exp %d, ldexp(3,-1078) %a, modf(-3.75) %g\n", fmod(10.5 * vone, 3),
         remainder(10.5 * vone, 3), fmod(-7 * vone, 2), fr, ex, ldexp(3 * vone, -1078), modf(-3.75 * vone, &r));

  /* comparisons and NaN */
  volatile double nan_ = NAN;
  printf("nan==nan %d, nan!=nan %d, nan<1 %d, isless %d, isunordered %d, 1<2 %d, -0==0 %d, max(1,nan) %g, signbit(-0) %d\n", nan_ == nan_,
         nan_ != nan_, nan_ < vone, isless(nan_, vone), isunordered(nan_, vone), vone < vtwo, -vzero == vzero, fmax(vone, nan_), signbit(-vzero) != 0);
  printf("fpclassify: %d %d %d %d %d (nan inf zero subnormal normal = %d %d %d %d %d)\n", fpclassify(nan_), fpclassify(inf), fpclassify(vzero),
         fpclassify(vtiny / 2), fpclassify(vone), FP_NAN, FP_INFINITE, FP_ZERO, FP_SUBNORMAL, FP_NORMAL);

  /* exception flags */
  feclearexcept(FE_ALL_EXCEPT); r = vone / vthree; printf("flags after 1/3: %s\n", flags());
  feclearexcept(FE_ALL_EXCEPT); r = vone / vzero; printf("flags after 1/0: %s\n", flags());
  feclearexcept(FE_ALL_EXCEPT); r = vzero / vzero; printf("flags after 0/0: %s\n", flags());
  feclearexcept(FE_ALL_EXCEPT); r = sqrt(-vone); printf("flags after sqrt(-1): %s (result is nan %d)\n", flags(), isnan(r));
  feclearexcept(FE_ALL_EXCEPT); r = vbig * vbig; printf("flags after 1e308^2: %s\n", flags());
  feclearexcept(FE_ALL_EXCEPT); r = vtiny * vtiny; printf("flags after DBL_MIN^2: %s\n", flags());
  feclearexcept(FE_ALL_EXCEPT); r = vtwo * vthree; printf("flags after 2*3: %s\n", flags());

  /* an unmasked exception: SIGFPE at the next x87 instruction */
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = fpe; sa.sa_flags = SA_SIGINFO;
  sigaction(SIGFPE, &sa, NULL);
  static const struct { int exc; const char *name; } un[] = { {FE_DIVBYZERO, "divbyzero"}, {FE_INVALID, "invalid"}, {FE_OVERFLOW, "overflow"} };
  for (int i = 0; i < 3; i++) {
    fpe_code = 0;
    feclearexcept(FE_ALL_EXCEPT);
    if (!sigsetjmp(jb, 1)) {
      feenableexcept(un[i].exc);
      volatile double x = i == 0 ? vone / vzero : i == 1 ? vzero / vzero : vbig * vbig;
      (void)x;
    }
    fedisableexcept(FE_ALL_EXCEPT);
    printf("unmasked %s: SIGFPE si_code %d\n", un[i].name, fpe_code);
  }
  feclearexcept(FE_ALL_EXCEPT);
  printf("after the handlers: 1/3 %a\n", vone / vthree);

  /* libm (x87 transcendental instructions inside): 12 significant digits */
  printf("sin %.12g cos %.12g tan %.12g atan2 %.12g exp %.12g log %.12g log10 %.12g pow %.12g cbrt %.12g hypot %.12g\n", sin(0.5 * vone),
         cos(0.5 * vone), tan(0.5 * vone), atan2(vone, vtwo), exp(vone), log(10 * vone), log10(2 * vone), pow(vtwo, 0.5), cbrt(27 * vone),
         hypot(3 * vone, 4 * vone));
  /* a longer computation, with precision control set to double (53 bits): a chaotic recurrence, so a 1-ulp difference in any step shows */
  fpu_control_t cw0, cw53;
  _FPU_GETCW(cw0);
  cw53 = (cw0 & ~_FPU_EXTENDED) | _FPU_DOUBLE;
  _FPU_SETCW(cw53);
  double x = 0.5, acc = 0;
  unsigned h = FNV0;
  for (int i = 0; i < 2000; i++) {
    x = 3.7 * x * (1 - x);                   /* logistic map: chaotic, so any 1-ulp difference grows */
    acc += x / (i + 1);
    if (i % 100 == 99) h = fnv(h, &x, sizeof x);
  }
  _FPU_SETCW(cw0);
  printf("logistic map after 2000 steps %.17g, sum %.17g, fingerprint %08x\n", x, acc, h);
  printf("control word %#x, with double precision %#x\n", cw0, cw53);
  return 0;
}
