/* rng.c: xoshiro128** (Blackman & Vigna) seeded through splitmix64, and normals by Marsaglia's
 * polar method. Everything here is integer arithmetic or IEEE +, *, /, sqrt, which every
 * platform rounds the same way; the logarithm is our own series for that reason (libm's logf
 * may differ in the last bit between glibc and the wasm libc), so a seed gives the same
 * numbers natively and in every wasm engine. */
#include <string.h>
#include "rng.h"

static uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

void dl_rng_seed(dl_rng *r, uint64_t seed) {
  uint64_t x = seed;
  uint64_t a = splitmix64(&x), b = splitmix64(&x);
  r->s[0] = (uint32_t)a;
  r->s[1] = (uint32_t)(a >> 32);
  r->s[2] = (uint32_t)b;
  r->s[3] = (uint32_t)(b >> 32);
  if ((r->s[0] | r->s[1] | r->s[2] | r->s[3]) == 0) r->s[0] = 1; /* the all-zero state is a fixed point */
  r->has_spare = 0;
  r->spare = 0.0f;
}

static uint32_t rotl(uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }

uint32_t dl_rng_u32(dl_rng *r) {
  uint32_t *s = r->s;
  uint32_t result = rotl(s[1] * 5, 7) * 9;
  uint32_t t = s[1] << 9;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 11);
  return result;
}

float dl_rng_uniform(dl_rng *r) { return (float)(dl_rng_u32(r) >> 8) * (1.0f / 16777216.0f); }

uint32_t dl_rng_below(dl_rng *r, uint32_t n) {
  if (n <= 1) return 0;
  uint32_t limit = (uint32_t)(0x100000000ull - (0x100000000ull % n)); /* reject the uneven tail */
  for (;;) {
    uint32_t x = dl_rng_u32(r);
    if (limit == 0 || x < limit) return x % n;
  }
}

/* ln(s) for s in (0, 1]: split off the binary exponent exactly, then
 * ln(m) = 2 atanh(z) = 2 (z + z^3/3 + z^5/5 + ...), z = (m - 1)/(m + 1), |z| <= 1/3 for m in [1, 2). */
static double det_log(double s) {
  uint64_t bits;
  memcpy(&bits, &s, sizeof bits);
  int e = (int)((bits >> 52) & 0x7ff) - 1023;
  bits = (bits & 0x000fffffffffffffull) | 0x3ff0000000000000ull;
  double m;
  memcpy(&m, &bits, sizeof m);
  double z = (m - 1.0) / (m + 1.0), z2 = z * z, term = z, sum = 0.0;
  for (int k = 1; k < 40; k += 2) { /* 20 terms: (1/3)^40 is far below double precision */
    sum += term / k;
    term *= z2;
  }
  return 2.0 * sum + e * 0.69314718055994530942;
}

float dl_rng_normal(dl_rng *r) {
  if (r->has_spare) {
    r->has_spare = 0;
    return r->spare;
  }
  double u, v, s;
  do {
    u = 2.0 * ((dl_rng_u32(r) >> 5) * (1.0 / 134217728.0)) - 1.0;
    v = 2.0 * ((dl_rng_u32(r) >> 5) * (1.0 / 134217728.0)) - 1.0;
    s = u * u + v * v;
  } while (s >= 1.0 || s == 0.0);
  double f = __builtin_sqrt(-2.0 * det_log(s) / s);
  r->spare = (float)(v * f);
  r->has_spare = 1;
  return (float)(u * f);
}
