/* test_ops_sample.c: dropout and Gaussian sampling (core/ops/sample.c). */
#include "test_ops.h"

static void test_dropout_backward_matches_numeric(void) {
  dl_graph *g = new_graph();
  int32_t x = gc_input(g, "x", 1, SHAPE(20));
  float p = 0.3f;
  GRADCHECK(g, gc_op(g, "dropout", 1, &x, 0, NULL, 1, &p), 3, x); /* the same mask on every reseeded forward */
  dl_graph_destroy(g);
}

static void test_dropout_keeps_expectation_and_is_identity_in_eval(void) {
  dl_graph *g = new_graph();
  int32_t x = gc_input(g, "x", 1, SHAPE(1000));
  float p = 0.25f;
  int32_t y = gc_op(g, "dropout", 1, &x, 0, NULL, 1, &p);
  CHECK_OK(dl_graph_plan(g, 10));
  size_t n;
  float *xs = gc_data(g, x, &n);
  for (size_t i = 0; i < n; i++) xs[i] = 1.0f;
  CHECK_OK(dl_graph_forward(g, y));
  float *ys = gc_data(g, y, NULL);
  size_t zeros = 0;
  double s = 0;
  for (size_t i = 0; i < n; i++) zeros += ys[i] == 0.0f, s += ys[i];
  CHECK_NEAR((double)zeros / n, 0.25, 0.02); /* 10,000 draws: standard error 0.0043 */
  CHECK_NEAR(s / n, 1.0, 0.03);
  CHECK_OK(dl_graph_set_training(g, 0));
  CHECK_OK(dl_graph_forward(g, y));
  for (size_t i = 0; i < n; i++) CHECK(ys[i] == 1.0f);
  dl_graph_destroy(g);
}

static void test_sample_gauss_backward_matches_numeric(void) {
  dl_graph *g = new_graph();
  int32_t mu = gc_input(g, "mu", 1, SHAPE(4)), lv = gc_input(g, "lv", 1, SHAPE(4));
  GRADCHECK(g, gc_op(g, "sample_gauss", 2, IDS(mu, lv), 0, NULL, 0, NULL), 3, mu, lv);
  dl_graph_destroy(g);
}

/* The mean and (population) variance of n draws. */
static void moments(const float *z, size_t n, double *mean, double *var) {
  double s = 0, ss = 0;
  for (size_t i = 0; i < n; i++) s += z[i], ss += z[i] * z[i];
  *mean = s / n, *var = ss / n - *mean * *mean;
}

static void test_sample_gauss_has_the_requested_moments(void) {
  dl_graph *g = new_graph();
  int32_t mu = gc_input(g, "mu", 1, SHAPE(1)), lv = gc_input(g, "lv", 1, SHAPE(1));
  int32_t z = gc_op(g, "sample_gauss", 2, IDS(mu, lv), 0, NULL, 0, NULL);
  CHECK_OK(dl_graph_plan(g, 20000));
  size_t n;
  float *m = gc_data(g, mu, &n), *v = gc_data(g, lv, NULL);
  for (size_t i = 0; i < n; i++) m[i] = 2.0f, v[i] = (float)log(0.25); /* std 0.5 */
  CHECK_OK(dl_graph_forward(g, z));
  float *zs = gc_data(g, z, NULL);
  double mean, var;
  moments(zs, n, &mean, &var);
  CHECK_NEAR(mean, 2.0, 0.02);  /* standard error 0.0035 */
  CHECK_NEAR(var, 0.25, 0.015); /* standard error 0.0025 */
  CHECK_OK(dl_graph_set_training(g, 0));
  CHECK_OK(dl_graph_forward(g, z));
  CHECK(zs[0] == 2.0f && zs[n - 1] == 2.0f); /* eval returns the mean */
  dl_graph_destroy(g);
}

static void test_gauss_noise_backward_matches_numeric(void) {
  dl_graph *g = new_graph();
  int32_t x = gc_input(g, "x", 1, SHAPE(12));
  float std = 0.5f;
  GRADCHECK(g, gc_op(g, "gauss_noise", 1, &x, 0, NULL, 1, &std), 3, x); /* the same noise on every reseeded forward */
  dl_graph_destroy(g);
}

static void test_gauss_noise_has_the_requested_spread_and_is_identity_in_eval(void) {
  dl_graph *g = new_graph();
  int32_t x = gc_input(g, "x", 1, SHAPE(1));
  float std = 0.5f;
  int32_t y = gc_op(g, "gauss_noise", 1, &x, 0, NULL, 1, &std);
  CHECK_OK(dl_graph_plan(g, 20000));
  size_t n;
  float *xs = gc_data(g, x, &n);
  for (size_t i = 0; i < n; i++) xs[i] = 3.0f;
  CHECK_OK(dl_graph_forward(g, y));
  float *ys = gc_data(g, y, NULL);
  double mean, var;
  moments(ys, n, &mean, &var);
  CHECK_NEAR(mean, 3.0, 0.02);  /* standard error 0.0035 */
  CHECK_NEAR(var, 0.25, 0.015); /* standard error 0.0025 */
  CHECK_OK(dl_graph_set_training(g, 0));
  CHECK_OK(dl_graph_forward(g, y));
  for (size_t i = 0; i < n; i++) CHECK(ys[i] == 3.0f);
  dl_graph_destroy(g);
}

void run_sample_tests(void) {
  RUN(test_dropout_backward_matches_numeric);
  RUN(test_dropout_keeps_expectation_and_is_identity_in_eval);
  RUN(test_sample_gauss_backward_matches_numeric);
  RUN(test_sample_gauss_has_the_requested_moments);
  RUN(test_gauss_noise_backward_matches_numeric);
  RUN(test_gauss_noise_has_the_requested_spread_and_is_identity_in_eval);
}
