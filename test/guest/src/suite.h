/*
 * The in-guest test suite: one static i386 binary, one group of tests per
 * source file, chosen by argv[1]. Every line printed must be the same on any
 * correct i386 Linux (no pids, no stack/mmap addresses, no times): the
 * expected output is recorded elsewhere and compared byte for byte.
 */
#ifndef SUITE_H
#define SUITE_H
#include <stdio.h>

/* "name: ok" or "name: FAIL (detail)": a check whose truth, not value, is the fact. */
#define CHECK(name, cond) do { if (cond) printf("%s: ok\n", (name)); else printf("%s: FAIL (%s:%d)\n", (name), __FILE__, __LINE__); } while (0)

/* 32-bit FNV-1a over bytes: a compact fingerprint of a long computed sequence. */
static inline unsigned fnv(unsigned h, const void *p, unsigned n) {
  const unsigned char *b = p;
  for (unsigned i = 0; i < n; i++) { h ^= b[i]; h *= 16777619u; }
  return h;
}
#define FNV0 2166136261u

/* A tiny deterministic PRNG (xorshift32). */
static inline unsigned rnd(unsigned *s) { unsigned x = *s; x ^= x << 13; x ^= x >> 17; x ^= x << 5; return *s = x; }

int t_start(int argc, char **argv);
int t_float(int argc, char **argv);
int t_malloc(int argc, char **argv);
int t_setjmp(int argc, char **argv);
int t_signals(int argc, char **argv);
int t_process(int argc, char **argv);
int t_memory(int argc, char **argv);
int t_threads(int argc, char **argv);
int t_vdso(int argc, char **argv);
int t_ldt(int argc, char **argv);
int t_x87(int argc, char **argv);
int t_sse(int argc, char **argv);
int t_child(int argc, char **argv);
#endif
