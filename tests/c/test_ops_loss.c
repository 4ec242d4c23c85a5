/* test_ops_loss.c: losses (core/ops/loss.c): values against hand computation, gradients
 * against finite differences, including gradients with respect to soft targets. */
#include "test_ops.h"

static void test_mse_value_and_gradient(void) {
  dl_graph *g = new_graph();
  int32_t y = gc_input(g, "y", 1, SHAPE(2)), t = gc_input(g, "t", 1, SHAPE(2));
  int32_t l = gc_op(g, "mse", 2, IDS(y, t), 0, NULL, 0, NULL);
  CHECK_OK(dl_graph_plan(g, 2));
  float yv[] = {1, 2, 3, 4}, tv[] = {0, 2, 5, 3};
  memcpy(gc_data(g, y, NULL), yv, sizeof yv), memcpy(gc_data(g, t, NULL), tv, sizeof tv);
  CHECK_OK(dl_graph_forward(g, l));
  CHECK_NEAR(gc_data(g, l, NULL)[0], (1 + 0 + 4 + 1) / 4.0, 1e-6);
  dl_graph_destroy(g);
  g = new_graph();
  y = gc_input(g, "y", 1, SHAPE(3)), t = gc_input(g, "t", 1, SHAPE(3));
  GRADCHECK(g, gc_op(g, "mse", 2, IDS(y, t), 0, NULL, 0, NULL), 4, y, t);
  dl_graph_destroy(g);
}

static void test_softmax_ce_value_with_and_without_smoothing(void) {
  for (int smooth = 0; smooth < 2; smooth++) {
    dl_graph *g = new_graph();
    int32_t z = gc_input(g, "z", 1, SHAPE(3)), t = gc_input(g, "t", 1, SHAPE(1));
    float e = smooth ? 0.1f : 0.0f;
    int32_t l = gc_op(g, "softmax_ce", 2, IDS(z, t), 0, NULL, 1, &e);
    CHECK_OK(dl_graph_plan(g, 1));
    float zv[] = {1, 2, 3}, tv[] = {2};
    memcpy(gc_data(g, z, NULL), zv, sizeof zv), memcpy(gc_data(g, t, NULL), tv, sizeof tv);
    CHECK_OK(dl_graph_forward(g, l));
    double lse = log(exp(1.0) + exp(2.0) + exp(3.0)), want = 0;
    for (int k = 0; k < 3; k++) want -= ((1 - e) * (k == 2) + e / 3) * (zv[k] - lse);
    CHECK_NEAR(gc_data(g, l, NULL)[0], want, 1e-6);
    dl_graph_destroy(g);
  }
}

static void test_softmax_ce_backward_matches_numeric(void) {
  dl_graph *g = new_graph();
  int32_t z = gc_input(g, "z", 1, SHAPE(5)), t = gc_input(g, "t", 1, SHAPE(1));
  float e = 0.1f;
  int32_t l = gc_op(g, "softmax_ce", 2, IDS(z, t), 0, NULL, 1, &e);
  gradcheck gc;
  gc_setup(&gc, g, l, 3, 2);
  float *tv = gc_data(g, t, NULL);
  tv[0] = 0, tv[1] = 4, tv[2] = 2;
  CHECK(gc_run(&gc, &z, 1) == 0);
  dl_graph_destroy(g);
}

static void test_softmax_ce_rejects_label_out_of_range(void) {
  dl_graph *g = new_graph();
  int32_t z = gc_input(g, "z", 1, SHAPE(3)), t = gc_input(g, "t", 1, SHAPE(1)), l;
  CHECK_OK(dl_graph_op(g, "softmax_ce", "xent", 2, IDS(z, t), 0, NULL, 0, NULL, &l));
  CHECK_OK(dl_graph_plan(g, 2));
  float *tv = gc_data(g, t, NULL);
  tv[0] = 1, tv[1] = 3;
  CHECK_ERR(dl_graph_forward(g, l), DL_ERR_ARG, "softmax_ce 'xent': label 3 of sample 1 is not a class in [0, 3)");
  tv[1] = 1.5f;
  CHECK_ERR(dl_graph_forward(g, l), DL_ERR_ARG, "label 1.5");
  tv[1] = 2;
  CHECK_OK(dl_graph_forward(g, l)); /* and the graph still works */
  dl_graph_destroy(g);
}

static void test_softmax_ce_soft_backward_matches_numeric(void) {
  dl_graph *g = new_graph();
  int32_t z = gc_input(g, "z", 1, SHAPE(4)), t = gc_input(g, "t", 1, SHAPE(4));
  float e = 0.2f;
  int32_t l = gc_op(g, "softmax_ce_soft", 2, IDS(z, t), 0, NULL, 1, &e);
  gradcheck gc;
  gc_setup(&gc, g, l, 2, 8);
  gc_fill(g, t, 0.0f, 1.0f, 3);
  CHECK(gc_run(&gc, IDS(z, t), 2) == 0);
  dl_graph_destroy(g);
}

static void test_bce_value_and_gradient(void) {
  dl_graph *g = new_graph();
  int32_t p = gc_input(g, "p", 1, SHAPE(3)), t = gc_input(g, "t", 1, SHAPE(3));
  int32_t l = gc_op(g, "bce", 2, IDS(p, t), 0, NULL, 0, NULL);
  gradcheck gc;
  gc_setup(&gc, g, l, 2, 6);
  gc_fill(g, p, 0.1f, 0.9f, 1), gc_fill(g, t, 0.0f, 1.0f, 2); /* soft targets */
  CHECK(gc_run(&gc, IDS(p, t), 2) == 0);
  float *pv = gc_data(g, p, NULL), *tv = gc_data(g, t, NULL);
  double want = 0;
  for (int i = 0; i < 6; i++) want -= tv[i] * log(pv[i]) + (1 - tv[i]) * log(1 - pv[i]);
  CHECK_OK(dl_graph_forward(g, l));
  CHECK_NEAR(gc_data(g, l, NULL)[0], want / 6, 1e-6);
  dl_graph_destroy(g);
}

static void test_bce_logits_equals_bce_of_sigmoid(void) {
  dl_graph *g = new_graph();
  int32_t z = gc_input(g, "z", 1, SHAPE(4)), t = gc_input(g, "t", 1, SHAPE(4));
  int32_t l = gc_op(g, "bce_logits", 2, IDS(z, t), 0, NULL, 0, NULL);
  int32_t s = gc_op(g, "sigmoid", 1, &z, 0, NULL, 0, NULL);
  int32_t l2 = gc_op(g, "bce", 2, IDS(s, t), 0, NULL, 0, NULL);
  gradcheck gc;
  gc_setup(&gc, g, l, 2, 3);
  gc_fill(g, z, -3.0f, 3.0f, 5), gc_fill(g, t, 0.0f, 1.0f, 6);
  CHECK(gc_run(&gc, IDS(z, t), 2) == 0);
  CHECK_OK(dl_graph_forward(g, l));
  CHECK_OK(dl_graph_forward(g, l2));
  CHECK_NEAR(gc_data(g, l, NULL)[0], gc_data(g, l2, NULL)[0], 1e-5);
  float *zv = gc_data(g, z, NULL);
  zv[0] = 200.0f; /* stable where a probability would saturate */
  CHECK_OK(dl_graph_forward(g, l));
  CHECK(isfinite(gc_data(g, l, NULL)[0]));
  dl_graph_destroy(g);
}

static void test_kl_gauss_value_and_gradient(void) {
  dl_graph *g = new_graph();
  int32_t mu = gc_input(g, "mu", 1, SHAPE(3)), lv = gc_input(g, "lv", 1, SHAPE(3));
  int32_t l = gc_op(g, "kl_gauss", 2, IDS(mu, lv), 0, NULL, 0, NULL);
  gradcheck gc;
  gc_setup(&gc, g, l, 2, 4);
  CHECK(gc_run(&gc, IDS(mu, lv), 2) == 0);
  float *m = gc_data(g, mu, NULL), *v = gc_data(g, lv, NULL);
  double want = 0;
  for (int i = 0; i < 6; i++) want += -0.5 * (1 + v[i] - m[i] * m[i] - exp(v[i]));
  CHECK_OK(dl_graph_forward(g, l));
  CHECK_NEAR(gc_data(g, l, NULL)[0], want / 2, 1e-5); /* summed over dims, mean over the batch */
  for (int i = 0; i < 6; i++) m[i] = 0, v[i] = 0;       /* N(0, 1) itself: KL = 0 */
  CHECK_OK(dl_graph_forward(g, l));
  CHECK_NEAR(gc_data(g, l, NULL)[0], 0.0, 1e-7);
  dl_graph_destroy(g);
}

static void test_critic_mean_gradient_and_sign(void) {
  dl_graph *g = new_graph();
  int32_t s = gc_input(g, "s", 1, SHAPE(1));
  float sign = -1.0f;
  GRADCHECK(g, gc_op(g, "critic_mean", 1, &s, 0, NULL, 1, &sign), 5, s);
  int32_t id;
  float bad = 2.0f;
  CHECK_ERR(dl_graph_op(g, "critic_mean", "w", 1, &s, 0, NULL, 1, &bad, &id), DL_ERR_ARG, "sign is 2");
  dl_graph_destroy(g);
}

/* A margin loss mean max(0, m - t s) on scores whose t s stays away from 0 and 1 (kinks): its
 * gradient against finite differences and its value against `want`. */
static void check_margin_loss(const char *op, double want) {
  dl_graph *g = new_graph();
  int32_t s = gc_input(g, "s", 1, SHAPE(2)), t = gc_input(g, "t", 1, SHAPE(2));
  int32_t l = gc_op(g, op, 2, IDS(s, t), 0, NULL, 0, NULL);
  gradcheck gc;
  gc_setup(&gc, g, l, 3, 2);
  float *sv = gc_data(g, s, NULL), *tv = gc_data(g, t, NULL);
  float ss[] = {0.3f, -2.0f, 1.7f, -0.4f, 0.9f, 2.5f}, ts[] = {1, 1, -1, -1, 1, 1}; /* t s: 0.3, -2, -1.7, 0.4, 0.9, 2.5 */
  memcpy(sv, ss, sizeof ss), memcpy(tv, ts, sizeof ts);
  CHECK(gc_run(&gc, IDS(s, t), 2) == 0);
  CHECK_OK(dl_graph_forward(g, l));
  CHECK_NEAR(gc_data(g, l, NULL)[0], want, 1e-6);
  dl_graph_destroy(g);
}

static void test_hinge_value_and_gradient(void) { check_margin_loss("hinge", (0.7 + 3.0 + 2.7 + 0.6 + 0.1 + 0) / 6); }

/* the perceptron criterion: hinge with margin 0, so only the misclassified samples count */
static void test_perceptron_value_and_gradient(void) { check_margin_loss("perceptron", (2.0 + 1.7) / 6); }

void run_loss_tests(void) {
  RUN(test_mse_value_and_gradient);
  RUN(test_softmax_ce_value_with_and_without_smoothing);
  RUN(test_softmax_ce_backward_matches_numeric);
  RUN(test_softmax_ce_rejects_label_out_of_range);
  RUN(test_softmax_ce_soft_backward_matches_numeric);
  RUN(test_bce_value_and_gradient);
  RUN(test_bce_logits_equals_bce_of_sigmoid);
  RUN(test_kl_gauss_value_and_gradient);
  RUN(test_critic_mean_gradient_and_sign);
  RUN(test_hinge_value_and_gradient);
  RUN(test_perceptron_value_and_gradient);
}
