/* rng.h: a seeded PRNG (xoshiro128**) whose streams are identical natively and in wasm. */
#ifndef DL_RNG_H
#define DL_RNG_H
#include <stdint.h>

typedef struct dl_rng {
  uint32_t s[4];
  float spare; /* the second normal of a polar-method pair */
  int has_spare;
} dl_rng;

void dl_rng_seed(dl_rng *r, uint64_t seed);
uint32_t dl_rng_u32(dl_rng *r);
float dl_rng_uniform(dl_rng *r);            /* [0, 1), 24 random bits */
float dl_rng_normal(dl_rng *r);             /* N(0, 1) */
uint32_t dl_rng_below(dl_rng *r, uint32_t n); /* uniform integer in [0, n) without modulo bias */
#endif
