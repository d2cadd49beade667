// Base64 (RFC 4648 §4, canonical, padded) done natively, as the reference for the writer's base64:
// an SSSE3 encoder after Muła and Lemire ("Faster Base64 Encoding and Decoding using AVX2
// Instructions", 2018) on 128-bit lanes, a scalar encoder with a 4096-entry table of character
// pairs, and memcpy of the same bytes as the ceiling. Used by bench/base64.mjs;
// build: gcc -O3 -mssse3 -o b64native b64native.c
//
//   b64native run <ssse3|scalar|memcpy> <input bytes> <ms>
//     encodes the same input again and again until <ms> have passed;
//     prints {"bytes":…,"seconds":…,"sink":…} (bytes of input)
//   b64native print <ssse3|scalar> <input bytes>
//     prints the base64 of the input (to check it against another encoder before timing)
// The input is bench/lib/harness.mjs pseudoRandomBytes(n): xorshift32 from 0x9e3779b9.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <tmmintrin.h>

static const char ALPHABET[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
// Two characters for every 12-bit value, first character in the low byte.
static uint16_t PAIRS[4096];

static double seconds_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

// The last 1 or 2 bytes as one padded quantum; returns the characters written (0 or 4).
static size_t encode_final(const uint8_t *src, size_t rest, uint8_t *dst) {
  if (rest == 0) return 0;
  uint32_t w = (uint32_t)src[0] << 16 | (rest == 2 ? (uint32_t)src[1] << 8 : 0);
  dst[0] = ALPHABET[w >> 18];
  dst[1] = ALPHABET[(w >> 12) & 63];
  dst[2] = rest == 2 ? ALPHABET[(w >> 6) & 63] : '=';
  dst[3] = '=';
  return 4;
}

// Whole 3-byte groups from src[i] on, with the pair table; returns the characters written.
static size_t encode_groups_scalar(const uint8_t *src, size_t i, size_t end, uint8_t *dst) {
  size_t o = 0;
  for (; i + 3 <= end; i += 3, o += 4) {
    uint32_t w = (uint32_t)src[i] << 16 | (uint32_t)src[i + 1] << 8 | src[i + 2];
    uint32_t chars = PAIRS[w >> 12] | (uint32_t)PAIRS[w & 0xfff] << 16;
    memcpy(dst + o, &chars, 4);
  }
  return o;
}

static size_t encode_scalar(const uint8_t *src, size_t n, uint8_t *dst) {
  size_t whole = n - n % 3;
  size_t o = encode_groups_scalar(src, 0, whole, dst);
  return o + encode_final(src + whole, n - whole, dst + o);
}

// 12 input bytes (of the 16 loaded) -> 16 characters: spread each group's bytes over 32 bits,
// move the four sextets into place with one high and one low 16-bit multiply, then add the
// offset of each sextet's class (A-Z, a-z, 0-9, +, /) looked up with a byte shuffle.
static inline __m128i encode12(__m128i in) {
  in = _mm_shuffle_epi8(in, _mm_set_epi8(10, 11, 9, 10, 7, 8, 6, 7, 4, 5, 3, 4, 1, 2, 0, 1));
  __m128i high = _mm_mulhi_epu16(_mm_and_si128(in, _mm_set1_epi32(0x0fc0fc00)), _mm_set1_epi32(0x04000040));
  __m128i low = _mm_mullo_epi16(_mm_and_si128(in, _mm_set1_epi32(0x003f03f0)), _mm_set1_epi32(0x01000010));
  __m128i sextets = _mm_or_si128(high, low);
  __m128i cls = _mm_subs_epu8(sextets, _mm_set1_epi8(51));
  cls = _mm_or_si128(cls, _mm_and_si128(_mm_cmpgt_epi8(_mm_set1_epi8(26), sextets), _mm_set1_epi8(13)));
  const __m128i offsets = _mm_setr_epi8(71, -4, -4, -4, -4, -4, -4, -4, -4, -4, -4, -19, -16, 65, 0, 0);
  return _mm_add_epi8(sextets, _mm_shuffle_epi8(offsets, cls));
}

static size_t encode_ssse3(const uint8_t *src, size_t n, uint8_t *dst) {
  size_t i = 0, o = 0;
  for (; i + 52 <= n; i += 48, o += 64) { // 48 bytes in, 64 out; 16 readable at the last load
    _mm_storeu_si128((__m128i *)(dst + o), encode12(_mm_loadu_si128((const __m128i *)(src + i))));
    _mm_storeu_si128((__m128i *)(dst + o + 16), encode12(_mm_loadu_si128((const __m128i *)(src + i + 12))));
    _mm_storeu_si128((__m128i *)(dst + o + 32), encode12(_mm_loadu_si128((const __m128i *)(src + i + 24))));
    _mm_storeu_si128((__m128i *)(dst + o + 48), encode12(_mm_loadu_si128((const __m128i *)(src + i + 36))));
  }
  for (; i + 16 <= n; i += 12, o += 16) {
    _mm_storeu_si128((__m128i *)(dst + o), encode12(_mm_loadu_si128((const __m128i *)(src + i))));
  }
  size_t whole = n - n % 3;
  o += encode_groups_scalar(src, i, whole, dst + o);
  return o + encode_final(src + whole, n - whole, dst + o);
}

static size_t copy_only(const uint8_t *src, size_t n, uint8_t *dst) {
  memcpy(dst, src, n);
  return n;
}

typedef size_t (*encoder)(const uint8_t *, size_t, uint8_t *);
static encoder volatile chosen;

static encoder by_name(const char *name) {
  if (strcmp(name, "ssse3") == 0) return encode_ssse3;
  if (strcmp(name, "scalar") == 0) return encode_scalar;
  if (strcmp(name, "memcpy") == 0) return copy_only;
  return NULL;
}

int main(int argc, char **argv) {
  for (int v = 0; v < 4096; v++) PAIRS[v] = (uint16_t)(ALPHABET[v >> 6] | ALPHABET[v & 63] << 8);
  const int run = argc == 5 && strcmp(argv[1], "run") == 0;
  const int print = argc == 4 && strcmp(argv[1], "print") == 0;
  if ((!run && !print) || !by_name(argv[2])) {
    fprintf(stderr, "usage: b64native run <ssse3|scalar|memcpy> <bytes> <ms> | print <ssse3|scalar> <bytes>\n");
    return 2;
  }
  if (!__builtin_cpu_supports("ssse3")) {
    fprintf(stderr, "this CPU has no SSSE3\n");
    return 3;
  }
  chosen = by_name(argv[2]);
  const size_t n = strtoull(argv[3], NULL, 10);
  uint8_t *src = malloc(n + 16);
  uint8_t *dst = malloc((n + 2) / 3 * 4 + 64);
  uint32_t x = 0x9e3779b9u;
  for (size_t i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    src[i] = (uint8_t)x;
  }
  if (print) {
    size_t out = chosen(src, n, dst);
    fwrite(dst, 1, out, stdout);
    putchar('\n');
    return 0;
  }
  const double budget = atof(argv[4]) / 1000;
  uint64_t bytes = 0, sink = 0;
  const double t0 = seconds_now();
  double elapsed = 0;
  do {
    sink += chosen(src, n, dst) + dst[0];
    bytes += n;
    elapsed = seconds_now() - t0;
  } while (elapsed < budget);
  printf("{\"bytes\":%llu,\"seconds\":%.9f,\"sink\":%llu}\n", (unsigned long long)bytes, elapsed,
         (unsigned long long)sink);
  free(src);
  free(dst);
  return 0;
}
