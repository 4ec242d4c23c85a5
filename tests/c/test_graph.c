/* test_graph.c: graph-level behaviour that is not about one op: seeded initialization gives
 * golden values that the wasm build must reproduce (tests/node/train.test.mjs holds the same
 * numbers), and the same seed gives the same parameters. */
#include "check.h"
#include "size.h"

static const float golden_uniform[4] = {0.413701653f, 0.96978724f, 0.00398397446f, 0.539537311f};
static const float golden_normal[4] = {1.72074318f, 1.08685958f, 1.97418988f, 0.241731837f};

static void test_seed_42_initializers_give_the_golden_values(void) {
  dl_graph *g;
  int32_t u, n, shape[1] = {4};
  CHECK_OK(dl_graph_create(&g, 42));
  CHECK_OK(dl_graph_param(g, "u", 1, shape, DL_PARAM_TRAINABLE, &u));
  CHECK_OK(dl_graph_param(g, "n", 1, shape, DL_PARAM_TRAINABLE, &n));
  CHECK_OK(dl_graph_init_param(g, u, "uniform", 0, 1));
  CHECK_OK(dl_graph_init_param(g, n, "normal", 0, 1));
  float *p;
  size_t k;
  CHECK_OK(dl_graph_tensor(g, u, 0, &p, &k));
  for (int i = 0; i < 4; i++) CHECK(p[i] == golden_uniform[i]);
  CHECK_OK(dl_graph_tensor(g, n, 0, &p, &k));
  for (int i = 0; i < 4; i++) CHECK(p[i] == golden_normal[i]);
  dl_graph_destroy(g);
}

static void test_unknown_initializer_is_named(void) {
  dl_graph *g;
  int32_t w, shape[2] = {3, 3};
  CHECK_OK(dl_graph_create(&g, 1));
  CHECK_OK(dl_graph_param(g, "w", 2, shape, DL_PARAM_TRAINABLE, &w));
  CHECK_ERR(dl_graph_init_param(g, w, "he_gaussian", 0, 0), DL_ERR_ARG, "unknown initializer: he_gaussian");
  dl_graph_destroy(g);
}

/* Sizes saturate instead of wrapping, so one comparison with a cap after a chain is enough. */
static void test_size_helpers_saturate_instead_of_wrapping(void) {
  CHECK(dl_size_mul(3, 1431655766) == 4294967298ull); /* 2 in 32-bit arithmetic */
  CHECK(dl_size_mul((uint64_t)1 << 31, (uint64_t)1 << 31) == DL_SIZE_HUGE);
  CHECK(dl_size_mul(dl_size_mul(UINT32_MAX, UINT32_MAX), UINT32_MAX) == DL_SIZE_HUGE);
  CHECK(dl_size_mul(DL_SIZE_HUGE, 0) == 0 && dl_size_mul(7, 6) == 42);
  CHECK(dl_size_add(DL_SIZE_HUGE - 1, 1) == DL_SIZE_HUGE && dl_size_add(UINT64_MAX, 1) == DL_SIZE_HUGE);
  CHECK(dl_size_add(2, 3) == 5 && dl_size_of(-1) == DL_SIZE_HUGE);
  int32_t dims[4] = {65536, 65536, 65536, 65536};
  CHECK(dl_size_dims(4, dims) == DL_SIZE_HUGE && dl_size_dims(2, dims) == (uint64_t)1 << 32);
}

int main(void) {
  RUN(test_size_helpers_saturate_instead_of_wrapping);
  RUN(test_seed_42_initializers_give_the_golden_values);
  RUN(test_unknown_initializer_is_named);
  return check_summary(__FILE__);
}
