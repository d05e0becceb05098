/* The algorithm of compute.asm in C, for the expected result (and a native
 * timing reference). Build: gcc -m32 -O2 compute.c -o compute && ./compute */
#include <stdint.h>
#include <stdio.h>
#define WORDS 16384
#define ROUNDS 60
#define SORTN 600
static uint32_t buf[WORDS];
static int32_t sortbuf[SORTN];
int main(void) {
  uint32_t eax = 12345, ebx = 0, edx = 0;
  for (int i = 0; i < WORDS; i++) { eax = eax + eax * 4 + 0x3039; buf[i] = eax; }
  for (int r = 0; r < ROUNDS; r++) {
    for (int i = 0; i < WORDS; i++) {
      uint32_t a = buf[i];
      uint32_t old = ebx;
      ebx += a;
      uint32_t carry = ebx < old;
      edx = edx + ebx + carry;
      a ^= edx;
      a &= 0x00ff00ff;
      ebx += a;
    }
  }
  for (int i = 0; i < SORTN; i++) sortbuf[i] = (int32_t)buf[i];
  for (int i = 1; i < SORTN; i++) {
    int32_t v = sortbuf[i]; int j = i;
    while (j > 0 && sortbuf[j - 1] > v) { sortbuf[j] = sortbuf[j - 1]; j--; }
    sortbuf[j] = v;
  }
  uint32_t acc = 0;
  for (int i = 0; i < SORTN; i++) { acc += (uint32_t)sortbuf[i]; acc = acc * 3; }
  acc ^= ebx;
  printf("eax=%u ebx=%u edx=%u\n", acc, ebx, edx);
  return 0;
}
