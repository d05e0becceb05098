/*
 * SSE/SSE2/SSE3 as the `gsuite-sse` build runs it (-msse2 -mfpmath=sse
 * -msse3): scalar double/float arithmetic, conversions and compares in C
 * (gcc emits ADDSD MULSD DIVSD SQRTSD CVTSI2SD CVTTSD2SI UCOMISD ..., and
 * FISTTP for double -> long long), and the instructions directly: FISTTP
 * m16/m32/m64 (incl. the out-of-range indefinite), CVTSD2SI under the four
 * MXCSR rounding modes, a few packed integer/float/SSE3 operations through
 * the intrinsics, MXCSR flags, an unmasked SIMD exception (#XM -> SIGFPE with
 * its si_code) and XMM registers preserved across a signal handler.
 * Built without -msse the file still compiles (the group then says so).
 */
#define _GNU_SOURCE
#include <fenv.h>
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include "suite.h"
#if defined(__SSE3__)
#include <pmmintrin.h>

static volatile double vzero = 0.0, vone = 1.0, vtwo = 2.0, vthree = 3.0, vtenth = 0.1, vneg = -2.5, vbig = 1e308, vtiny = 2.2250738585072014e-308;
static volatile float fone = 1.0f, fthree = 3.0f, ftenth = 0.1f;
static sigjmp_buf jb;
static volatile int fpe_code;
static void fpe(int sig, siginfo_t *si, void *uc) { (void)sig; (void)uc; fpe_code = si->si_code; siglongjmp(jb, 1); }

static unsigned mxcsr(void) { unsigned m; __asm__ volatile("stmxcsr %0" : "=m"(m)); return m; }
static void set_mxcsr(unsigned m) { __asm__ volatile("ldmxcsr %0" : : "m"(m)); }
static uint64_t bits(double d) { uint64_t b; memcpy(&b, &d, 8); return b; }

static short fisttp16(double d) { short r; __asm__ volatile("fldl %1\n\tfisttps %0" : "=m"(r) : "m"(d)); return r; }
static int fisttp32(double d) { int r; __asm__ volatile("fldl %1\n\tfisttpl %0" : "=m"(r) : "m"(d)); return r; }
static long long fisttp64(double d) { long long r; __asm__ volatile("fldl %1\n\tfisttpll %0" : "=m"(r) : "m"(d)); return r; }
static int cvtsd2si(double d) { int r; __asm__ volatile("cvtsd2si %1, %0" : "=r"(r) : "x"(d)); return r; }
static int cvttsd2si(double d) { int r; __asm__ volatile("cvttsd2si %1, %0" : "=r"(r) : "x"(d)); return r; }
static int cvtss2si(float f) { int r; __asm__ volatile("cvtss2si %1, %0" : "=r"(r) : "x"(f)); return r; }

static void usr1(int sig) {
  (void)sig;
  /* clobber every XMM register and MXCSR's rounding mode: the kernel restores them from the signal frame */
  __asm__ volatile("pcmpeqd %%xmm7, %%xmm7\n\tpxor %%xmm6, %%xmm6\n\tmovaps %%xmm7, %%xmm0" : : : "xmm0", "xmm6", "xmm7");
  set_mxcsr(0x7f80);
}

static void p128(const char *name, __m128i v) {
  uint32_t w[4];
  memcpy(w, &v, 16);
  printf("%s %08x %08x %08x %08x\n", name, w[3], w[2], w[1], w[0]);
}

int t_sse(int argc, char **argv) {
  (void)argc; (void)argv;
  printf("mxcsr at start %#x\n", mxcsr());
  /* scalar double and float arithmetic (ADDSD SUBSD MULSD DIVSD SQRTSD, the SS forms) */
  printf("1/3 %a 2/3 %a 0.1+0.2 %.17g 0.1*3 %.17g sqrt2 %a sqrt(1e-300) %a\n", vone / vthree, vtwo / vthree, vtenth + 0.2, vtenth * 3,
         sqrt(vtwo), sqrt(1e-300 * vone));
  printf("float 1/3 %a 0.1f*3 %a sqrtf3 %a mix %.9g\n", (double)(fone / fthree), (double)(ftenth * 3), (double)sqrtf(fthree),
         (double)((fone + ftenth) * (fthree - ftenth) / fthree));
  printf("subnormal: DBL_MIN/4 %a *2^-50 %a, 5e-324/2 %a, overflow %g %g, inf-inf %g\n", vtiny / 4, vtiny * 0x1p-50, 5e-324 * vone / 2, vbig * 10,
         -vbig * 10, vbig * 10 - vbig * 10);
  /* conversions */
  volatile int iv[] = { 0, 1, -1, 2147483647, -2147483647 - 1, 16777217 };
  for (int i = 0; i < 6; i++) printf("int %d -> double %.17g float %.9g\n", iv[i], (double)iv[i], (double)(float)iv[i]);
  volatile double dd[] = { 2.5, -2.5, 3.5, -0.5, 0.49999999999999994, 2147483647.9, -2147483648.9, 1e19, -1e19, 4294967295.5, NAN, INFINITY };
  for (int i = 0; i < 12; i++)
    printf("%.17g: (int) %d (long long) %lld (unsigned) %u (float) %a; cvtsd2si %d cvttsd2si %d; fisttp16 %d fisttp32 %d fisttp64 %lld\n", dd[i],
           (int)dd[i], (long long)dd[i], (unsigned)dd[i], (double)(float)dd[i], cvtsd2si(dd[i]), cvttsd2si(dd[i]), fisttp16(dd[i]),
           fisttp32(dd[i]), fisttp64(dd[i]));
  volatile long long ll = 9007199254740993LL;
  volatile float ff = 16777217.0f;
  printf("int64->double %.17g, double->float->double of 1/3 %a, float 16777217 %.9g, (int)(float)-7.75 %d\n", (double)ll,
         (double)(float)(vone / vthree), (double)ff, (int)(float)(-7.75 * vone));
  /* rounding modes: fesetround sets MXCSR.RC too */
  static const int modes[] = { FE_TONEAREST, FE_DOWNWARD, FE_UPWARD, FE_TOWARDZERO };
  static const char *mname[] = { "nearest", "down", "up", "zero" };
  for (int m = 0; m < 4; m++) {
    fesetround(modes[m]);
    set_mxcsr(mxcsr() & ~0x3fu);  /* the flags so far (DE too, which feclearexcept leaves) are not this line's business */
    printf("%-7s mxcsr %#x 1/3 %a -1/3 %a float 1/3 %a cvtsd2si(2.5) %d (-2.5) %d (-0.5) %d cvtss2si(1.5f) %d fisttp32(-2.7) %d\n", mname[m], mxcsr(),
           vone / vthree, -vone / vthree, (double)(fone / fthree), cvtsd2si(2.5 * vone), cvtsd2si(vneg), cvtsd2si(-0.5 * vone),
           cvtss2si(1.5f * fone), fisttp32(-2.7 * vone));
  }
  fesetround(FE_TONEAREST);
  /* compares (UCOMISD/COMISD in C, CMPSD through the intrinsics) */
  volatile double nan_ = NAN;
  printf("nan==nan %d nan!=nan %d nan<1 %d 1<2 %d 2<=2 %d -0==0 %d isless(nan,1) %d isunordered %d fmax(1,nan) %g\n", nan_ == nan_, nan_ != nan_,
         nan_ < vone, vone < vtwo, vtwo <= vtwo, -vzero == vzero, isless(nan_, vone), isunordered(nan_, vone), fmax(vone, nan_));
  __m128d a = _mm_set_pd(vtwo, nan_), b = _mm_set_pd(vone, vone);
  p128("cmplt_pd(nan 2, 1 1)", _mm_castpd_si128(_mm_cmplt_pd(a, b)));
  p128("cmpunord_pd", _mm_castpd_si128(_mm_cmpunord_pd(a, b)));
  p128("cmpneq_pd", _mm_castpd_si128(_mm_cmpneq_pd(a, b)));
  printf("comisd(1,2) lt %d ucomisd(nan,1) eq %d min_sd(nan,1) %g max_sd(1,nan) %g\n", _mm_comilt_sd(b, _mm_set_sd(vtwo)), _mm_ucomieq_sd(a, b),
         _mm_cvtsd_f64(_mm_min_sd(a, b)), _mm_cvtsd_f64(_mm_max_sd(b, a)));
  /* packed operations */
  __m128 pa = _mm_set_ps(4.0f, 3.0f, 2.0f, 1.0f * fone), pb = _mm_set_ps(0.5f, 0.25f, -1.0f, ftenth);
  p128("mulps", _mm_castps_si128(_mm_mul_ps(pa, pb)));
  p128("divps", _mm_castps_si128(_mm_div_ps(pb, pa)));
  p128("haddps", _mm_castps_si128(_mm_hadd_ps(pa, pb)));
  p128("addsubps", _mm_castps_si128(_mm_addsub_ps(pa, pb)));
  p128("rcp-free sqrtps", _mm_castps_si128(_mm_sqrt_ps(pa)));
  __m128d da = _mm_set_pd(vthree, vtenth), db = _mm_set_pd(vtenth, -vtwo);
  p128("addpd", _mm_castpd_si128(_mm_add_pd(da, db)));
  p128("hsubpd", _mm_castpd_si128(_mm_hsub_pd(da, db)));
  p128("movddup", _mm_castpd_si128(_mm_movedup_pd(da)));
  p128("cvtpd2ps", _mm_castps_si128(_mm_cvtpd_ps(da)));
  p128("cvtps2dq", _mm_cvtps_epi32(_mm_set_ps(2.5f, -2.5f, 3e9f, -0.5f * fone)));
  p128("cvttpd2dq", _mm_cvttpd_epi32(_mm_set_pd(-7.9, 7.9 * vone)));
  __m128i ia = _mm_set_epi32(0x7fffffff, -5, 0x12345678, (int)0x80000000u), ib = _mm_set_epi32(1, 3, 0x0f0f0f0f, -1 + (int)vzero);
  p128("paddd", _mm_add_epi32(ia, ib));
  p128("paddq", _mm_add_epi64(ia, ib));
  p128("paddsw", _mm_adds_epi16(ia, ib));
  p128("psubusb", _mm_subs_epu8(ia, ib));
  p128("pmuludq", _mm_mul_epu32(ia, ib));
  p128("pmulhw", _mm_mulhi_epi16(ia, ib));
  p128("pmaddwd", _mm_madd_epi16(ia, ib));
  p128("packsswb", _mm_packs_epi16(ia, ib));
  p128("punpcklbw", _mm_unpacklo_epi8(ia, ib));
  p128("pshufd 1b", _mm_shuffle_epi32(ia, 0x1b));
  p128("psrad 4", _mm_srai_epi32(ia, 4));
  p128("psrldq 3", _mm_srli_si128(ia, 3));
  p128("pcmpgtd", _mm_cmpgt_epi32(ia, ib));
  p128("psadbw", _mm_sad_epu8(ia, ib));
  printf("pmovmskb %#x movmskpd %d\n", _mm_movemask_epi8(ia), _mm_movemask_pd(a));
  /* MXCSR flags (fetestexcept reads MXCSR too) */
  set_mxcsr(0x1f80); volatile double r = vone / vthree; printf("mxcsr after 1/3 %#x\n", mxcsr());
  set_mxcsr(0x1f80); r = vone / vzero; printf("mxcsr after 1/0 %#x\n", mxcsr());
  set_mxcsr(0x1f80); r = vzero / vzero; printf("mxcsr after 0/0 %#x (nan %d)\n", mxcsr(), isnan(r));
  set_mxcsr(0x1f80); r = vbig * vbig; printf("mxcsr after 1e308^2 %#x\n", mxcsr());
  set_mxcsr(0x1f80); r = vtiny * vtenth; printf("mxcsr after DBL_MIN*0.1 %#x (%a)\n", mxcsr(), r);
  set_mxcsr(0x1f80); r = 5e-324 * vone; printf("mxcsr after 5e-324*1 (DE): %#x\n", mxcsr());
  set_mxcsr(0x1f80); r = vtiny / 4 * vtwo; printf("mxcsr after DBL_MIN/4*2 (DE): %#x\n", mxcsr());
  set_mxcsr(0x1f80 | 0x8000); r = vtiny * vtenth; printf("with FZ: DBL_MIN*0.1 %a mxcsr %#x\n", r, mxcsr());
  set_mxcsr(0x1f80);
  feclearexcept(FE_ALL_EXCEPT); r = vtwo * vthree; printf("fetestexcept after 2*3: %#x, after 1/0: ", fetestexcept(FE_ALL_EXCEPT));
  r = vone / vzero; printf("%#x\n", fetestexcept(FE_ALL_EXCEPT));
  feclearexcept(FE_ALL_EXCEPT);
  /* an unmasked SIMD exception: #XM, delivered as SIGFPE with the kernel's si_code */
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = fpe; sa.sa_flags = SA_SIGINFO;
  sigaction(SIGFPE, &sa, NULL);
  static const struct { unsigned mask; const char *name; } un[] = { {0x200, "divbyzero"}, {0x80, "invalid"}, {0x400, "overflow"}, {0x1000, "inexact"} };
  for (int i = 0; i < 4; i++) {
    fpe_code = 0;
    if (!sigsetjmp(jb, 1)) {
      set_mxcsr(0x1f80 & ~un[i].mask);
      volatile double x = i == 0 ? vone / vzero : i == 1 ? vzero / vzero : i == 2 ? vbig * vbig : vone / vthree;
      (void)x;
    }
    printf("unmasked %s: SIGFPE si_code %d, mxcsr in main %#x\n", un[i].name, fpe_code, mxcsr());
    set_mxcsr(0x1f80);
  }
  /* XMM registers and MXCSR across a signal handler that clobbers them */
  signal(SIGUSR1, usr1);
  uint32_t before[4] = { 0x01234567, 0x89abcdef, 0xdeadbeef, 0x0badf00d }, after0[4], after6[4], after7[4];
  unsigned m0;
  set_mxcsr(0x3f80);
  __asm__ volatile("movdqu %4, %%xmm0\n\tmovdqa %%xmm0, %%xmm6\n\tpaddd %%xmm0, %%xmm6\n\tmovdqa %%xmm6, %%xmm7\n\tpsllq $1, %%xmm7\n\t"
                   "push %%ebx\n\tmov %5, %%ebx\n\tmov $37, %%eax\n\tmov $10, %%ecx\n\tint $0x80\n\tpop %%ebx\n\t"
                   "movdqu %%xmm0, %0\n\tmovdqu %%xmm6, %1\n\tmovdqu %%xmm7, %2\n\tstmxcsr %3"
                   : "=m"(after0), "=m"(after6), "=m"(after7), "=m"(m0) : "m"(before), "r"((int)getpid()) : "eax", "ecx", "xmm0", "xmm6", "xmm7", "memory");
  set_mxcsr(0x1f80);
  printf("after a handler: xmm0 %08x %08x %08x %08x xmm6 %08x %08x %08x %08x xmm7 %08x %08x %08x %08x mxcsr %#x\n", after0[3], after0[2], after0[1],
         after0[0], after6[3], after6[2], after6[1], after6[0], after7[3], after7[2], after7[1], after7[0], m0);
  /* a longer computation in SSE doubles: the logistic map of the x87 group, and a float dot product */
  double x = 0.5, acc = 0;
  unsigned h = FNV0;
  for (int i = 0; i < 2000; i++) {
    x = 3.7 * x * (1 - x);
    acc += x / (i + 1);
    if (i % 100 == 99) h = fnv(h, &x, sizeof x);
  }
  printf("logistic map after 2000 steps %.17g, sum %.17g, fingerprint %08x, bits %016llx\n", x, acc, h, (unsigned long long)bits(x));
  float fa[64], fb[64], dot = 0;
  unsigned s = 7;
  for (int i = 0; i < 64; i++) { fa[i] = (float)(int)rnd(&s) / 65536.0f; fb[i] = (float)(rnd(&s) & 0xffff) / 4096.0f; }
  for (int i = 0; i < 64; i++) dot += fa[i] * fb[i];
  printf("float dot product %a\n", (double)dot);
  return 0;
}
#else
int t_sse(int argc, char **argv) { (void)argc; (void)argv; printf("sse group: built without -msse3\n"); return 0; }
#endif
