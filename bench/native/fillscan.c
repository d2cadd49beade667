// The attachment path done natively, as the reference for pushBytes reserve/commit: a producer
// fills a window in place (memset, or memcpy from a 1 MiB pattern), the window is scanned for the
// MIME boundary with SSE2 (the pattern's first and last bytes compared 16 positions at a time,
// candidates confirmed with memcmp), and an output callback receives it. The same loop without the
// scan is the ceiling. Used by bench/attachment.mjs; build: gcc -O3 -msse2 -o fillscan fillscan.c
//
//   fillscan run <fill|copy> <scan 0|1> <window bytes> <pass bytes> <ms> <boundary>
//     runs whole passes until <ms> have passed; prints {"bytes":…,"seconds":…,"sink":…}
//   fillscan find <boundary> <hay>
//     prints the offset of the first match in <hay>, or -1 (to check the scan before timing)
#include <emmintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double seconds_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

// Offset of the first match among the 16 positions of a candidate mask, or -1. Kept out of the
// scan loop so the loop's vectors stay in registers across it.
__attribute__((noinline)) static long confirm(const uint8_t *at, unsigned mask, const uint8_t *pat, size_t pat_len) {
  while (mask != 0) {
    unsigned k = (unsigned)__builtin_ctz(mask);
    if (memcmp(at + k, pat, pat_len) == 0) return (long)k;
    mask &= mask - 1;
  }
  return -1;
}

// First index of pat in hay, or -1 (RFC 2046 §5.1.1: a boundary is 1 to 70 bytes). Windows are
// scanned one by one, with no seam between them (the writer also checks across its seams).
static long find_sse2(const uint8_t *hay, size_t len, const uint8_t *pat, size_t pat_len) {
  if (pat_len == 0 || pat_len > len) return pat_len == 0 ? 0 : -1;
  const size_t span = pat_len - 1;
  const __m128i first = _mm_set1_epi8((char)pat[0]);
  const __m128i last = _mm_set1_epi8((char)pat[span]);
  size_t i = 0;
  for (; i + 16 + span <= len; i += 16) {
    __m128i a = _mm_loadu_si128((const __m128i *)(hay + i));
    __m128i b = _mm_loadu_si128((const __m128i *)(hay + i + span));
    unsigned mask = (unsigned)_mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(a, first), _mm_cmpeq_epi8(b, last)));
    if (__builtin_expect(mask != 0, 0)) {
      long k = confirm(hay + i, mask, pat, pat_len);
      if (k >= 0) return (long)i + k;
    }
  }
  for (; i + pat_len <= len; i++) {
    if (hay[i] == pat[0] && memcmp(hay + i, pat, pat_len) == 0) return (long)i;
  }
  return -1;
}

// The output callback (WS_WRITE_CALLBACK's role): touches the bytes so no pass can be dropped.
static volatile uint64_t sink;
__attribute__((noinline)) static void output(const uint8_t *p, size_t n) { sink += n + p[0] + p[n - 1]; }
typedef void (*output_fn)(const uint8_t *, size_t);
static output_fn volatile deliver = output;

int main(int argc, char **argv) {
  if (argc == 4 && strcmp(argv[1], "find") == 0) {
    printf("%ld\n", find_sse2((const uint8_t *)argv[3], strlen(argv[3]), (const uint8_t *)argv[2], strlen(argv[2])));
    return 0;
  }
  if (argc != 8 || strcmp(argv[1], "run") != 0) {
    fprintf(stderr, "usage: fillscan run <fill|copy> <scan 0|1> <window> <pass bytes> <ms> <boundary>\n");
    return 2;
  }
  const int copy = strcmp(argv[2], "copy") == 0;
  const int scan = atoi(argv[3]);
  const size_t window = strtoull(argv[4], NULL, 10);
  const size_t pass = strtoull(argv[5], NULL, 10);
  const double budget = atof(argv[6]) / 1000;
  const uint8_t *boundary = (const uint8_t *)argv[7];
  const size_t boundary_len = strlen(argv[7]);
  const size_t period = (size_t)1 << 20;
  uint8_t *ring = aligned_alloc(64, window);
  uint8_t *pattern = aligned_alloc(64, period + window);
  uint32_t x = 0x9e3779b9u; // xorshift32, as bench/lib/harness.mjs pseudoRandomBytes
  for (size_t i = 0; i < period + window; i++) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    pattern[i] = i < period ? (uint8_t)x : pattern[i - period];
  }
  memset(ring, 1, window);

  uint64_t bytes = 0;
  const double t0 = seconds_now();
  double elapsed = 0;
  do {
    size_t at = 0; // offset in the copy pattern
    for (size_t done = 0, i = 0; done < pass; i++) {
      const size_t n = pass - done < window ? pass - done : window;
      if (copy) {
        memcpy(ring, pattern + at, n);
        at = (at + n) % period;
      } else {
        memset(ring, (int)(i & 255), n);
      }
      if (scan && find_sse2(ring, n, boundary, boundary_len) >= 0) {
        fprintf(stderr, "boundary found in the attachment\n");
        return 1;
      }
      deliver(ring, n);
      done += n;
    }
    bytes += pass;
    elapsed = seconds_now() - t0;
  } while (elapsed < budget);
  printf("{\"bytes\":%llu,\"seconds\":%.9f,\"sink\":%llu}\n", (unsigned long long)bytes, elapsed,
         (unsigned long long)sink);
  free(ring);
  free(pattern);
  return 0;
}
