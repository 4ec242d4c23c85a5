/* test_ops_norm.c: batch norm in training and evaluation, layer norm (core/ops/norm.c). */
#include "test_ops.h"

/* x, gamma, beta, running mean, running var for C channels. */
static int32_t batchnorm(dl_graph *g, int32_t x, int C, int32_t *gm, int32_t *bt, int32_t *rm, int32_t *rv) {
  *gm = gc_param(g, "gamma", 1, SHAPE(C)), *bt = gc_param(g, "beta", 1, SHAPE(C));
  int32_t ids[2];
  dl_graph_param(g, "rmean", 1, SHAPE(C), DL_PARAM_STATE, &ids[0]);
  dl_graph_param(g, "rvar", 1, SHAPE(C), DL_PARAM_STATE, &ids[1]);
  *rm = ids[0], *rv = ids[1];
  return gc_op(g, "batchnorm", 5, IDS(x, *gm, *bt, *rm, *rv), 0, NULL, 0, NULL);
}

static void test_batchnorm_training_backward_matches_numeric(void) {
  int32_t gm, bt, rm, rv;
  dl_graph *g = new_graph(); /* per channel of a feature map */
  int32_t x = gc_input(g, "x", 3, SHAPE(3, 2, 2));
  GRADCHECK(g, batchnorm(g, x, 3, &gm, &bt, &rm, &rv), 4, x, gm, bt);
  dl_graph_destroy(g);
  g = new_graph(); /* per feature of a dense layer */
  x = gc_input(g, "x", 1, SHAPE(5));
  GRADCHECK(g, batchnorm(g, x, 5, &gm, &bt, &rm, &rv), 6, x, gm, bt);
  dl_graph_destroy(g);
}

static void test_batchnorm_eval_backward_matches_numeric(void) {
  int32_t gm, bt, rm, rv;
  dl_graph *g = new_graph();
  int32_t x = gc_input(g, "x", 3, SHAPE(2, 3, 3));
  int32_t y = batchnorm(g, x, 2, &gm, &bt, &rm, &rv);
  gradcheck gc;
  gc_setup(&gc, g, y, 3, 2);
  gc_fill(g, rv, 0.5f, 2.0f, 3); /* a variance must be positive */
  dl_graph_set_training(g, 0);
  CHECK(gc_run(&gc, IDS(x, gm, bt), 3) == 0);
  dl_graph_destroy(g);
}

static void test_batchnorm_normalizes_and_tracks_running_stats(void) {
  int32_t gm, bt, rm, rv;
  dl_graph *g = new_graph();
  int32_t x = gc_input(g, "x", 1, SHAPE(2));
  int32_t y = batchnorm(g, x, 2, &gm, &bt, &rm, &rv);
  CHECK_OK(dl_graph_plan(g, 4));
  float xs[8] = {1, 10, 2, 20, 3, 30, 4, 40};
  memcpy(gc_data(g, x, NULL), xs, sizeof xs);
  float *gms = gc_data(g, gm, NULL), *rvs = gc_data(g, rv, NULL);
  gms[0] = gms[1] = 1.0f, rvs[0] = rvs[1] = 1.0f;
  CHECK_OK(dl_graph_forward(g, y));
  float *o = gc_data(g, y, NULL);
  double m0 = 0, v0 = 0;
  for (int i = 0; i < 4; i++) m0 += o[2 * i];
  for (int i = 0; i < 4; i++) v0 += o[2 * i] * o[2 * i];
  CHECK_NEAR(m0 / 4, 0.0, 1e-6);
  CHECK_NEAR(v0 / 4, 1.25 / (1.25 + 1e-5), 1e-5);
  /* running mean 0.9 * 0 + 0.1 * 2.5; running var 0.9 * 1 + 0.1 * (5/3, unbiased) */
  CHECK_NEAR(gc_data(g, rm, NULL)[0], 0.25, 1e-6);
  CHECK_NEAR(gc_data(g, rv, NULL)[0], 0.9 + 0.1 * 5.0 / 3.0, 1e-6);
  dl_graph_destroy(g);
}

static void test_layernorm_backward_matches_numeric(void) {
  dl_graph *g = new_graph();
  int32_t x = gc_input(g, "x", 2, SHAPE(3, 5)), gm = gc_param(g, "g", 1, SHAPE(5)), bt = gc_param(g, "b", 1, SHAPE(5));
  GRADCHECK(g, gc_op(g, "layernorm", 3, IDS(x, gm, bt), 0, NULL, 0, NULL), 2, x, gm, bt);
  dl_graph_destroy(g);
  g = new_graph(); /* over a whole feature map */
  x = gc_input(g, "x", 3, SHAPE(2, 2, 3)), gm = gc_param(g, "g", 3, SHAPE(2, 2, 3)), bt = gc_param(g, "b", 3, SHAPE(2, 2, 3));
  GRADCHECK(g, gc_op(g, "layernorm", 3, IDS(x, gm, bt), 1, IDS(3), 0, NULL), 2, x, gm, bt);
  dl_graph_destroy(g);
}

void run_norm_tests(void) {
  RUN(test_batchnorm_training_backward_matches_numeric);
  RUN(test_batchnorm_eval_backward_matches_numeric);
  RUN(test_batchnorm_normalizes_and_tracks_running_stats);
  RUN(test_layernorm_backward_matches_numeric);
}
