/* size.h: sizes in checked 64-bit arithmetic, so that no size can wrap.
 *
 * Every size the core allocates from (elements of a node, a workspace, the arena, a model's
 * parameters, an initializer's cost) is built from user-given numbers with these helpers and
 * compared with its cap before anything is allocated or initialized. A product or sum that
 * passes DL_SIZE_HUGE stays there, and DL_SIZE_HUGE is past every cap, so a chain of them
 * needs one comparison at its end and no step can wrap.
 *
 * After that check, run-time code may use size_t (32 bits in wasm) on a node's sizes: each
 * product it forms is bounded by a checked total (DL_MAX_NUMEL elements, 1 GB). */
#ifndef DL_SIZE_H
#define DL_SIZE_H
#include <stdint.h>

#define DL_SIZE_HUGE ((uint64_t)1 << 62)

static inline uint64_t dl_size_mul(uint64_t a, uint64_t b) {
  if (a == 0 || b == 0) return 0;
  return a >= DL_SIZE_HUGE || b >= DL_SIZE_HUGE || a > DL_SIZE_HUGE / b ? DL_SIZE_HUGE : a * b;
}
static inline uint64_t dl_size_add(uint64_t a, uint64_t b) {
  return a >= DL_SIZE_HUGE || b >= DL_SIZE_HUGE - a ? DL_SIZE_HUGE : a + b;
}
/* A user-given count: negative values are as bad as huge ones (callers name them first). */
static inline uint64_t dl_size_of(int64_t v) { return v < 0 ? DL_SIZE_HUGE : (uint64_t)v; }
/* The product of n dims. */
static inline uint64_t dl_size_dims(int n, const int32_t *dims) {
  uint64_t k = 1;
  for (int i = 0; i < n; i++) k = dl_size_mul(k, dl_size_of(dims[i]));
  return k;
}
#endif
