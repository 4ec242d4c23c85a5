/* test_ops_act.c: activations (core/ops/act.c): forward against libm in double, backward
 * against finite differences, inputs kept away from kinks. */
#include "test_ops.h"

/* y = op(x) for x in [-3, 3], compared with the formula `want`. */
static void check_forward(const char *op, float attr, double (*want)(double, double)) {
  dl_graph *g = new_graph();
  int32_t x = gc_input(g, "x", 1, SHAPE(61));
  int32_t y = gc_op(g, op, 1, &x, 0, NULL, 1, &attr);
  CHECK_OK(dl_graph_plan(g, 1));
  float *xs = gc_data(g, x, NULL);
  for (int i = 0; i < 61; i++) xs[i] = -3.0f + 0.1f * i;
  CHECK_OK(dl_graph_forward(g, y));
  float *ys = gc_data(g, y, NULL);
  for (int i = 0; i < 61; i++) {
    double w = want(xs[i], attr);
    if (!(fabs(ys[i] - w) <= 1e-6 * (1 + fabs(w)))) {
      fprintf(stderr, "  %s(%g) = %.9g, want %.9g\n", op, xs[i], ys[i], w);
      check_failures++;
      break;
    }
  }
  dl_graph_destroy(g);
}

static void check_backward(const char *op, float attr) {
  dl_graph *g = new_graph();
  int32_t x = gc_input(g, "x", 2, SHAPE(3, 4));
  int32_t y = gc_op(g, op, 1, &x, 0, NULL, 1, &attr);
  gradcheck gc;
  gc_setup(&gc, g, y, 2, 5);
  gc_fill_away(g, x, 0.05f, 9);
  int bad = gc_run(&gc, &x, 1);
  if (bad) fprintf(stderr, "  %s backward: %d elements differ\n", op, bad);
  CHECK(bad == 0);
  dl_graph_destroy(g);
}

static double ref_step(double x, double a) { (void)a; return x > 0 ? 1 : 0; }
static double ref_sigmoid(double x, double a) { (void)a; return 1 / (1 + exp(-x)); }
static double ref_tanh(double x, double a) { (void)a; return tanh(x); }
static double ref_relu(double x, double a) { (void)a; return x > 0 ? x : 0; }
static double ref_leaky(double x, double a) { return x > 0 ? x : a * x; }
static double ref_elu(double x, double a) { return x > 0 ? x : a * (exp(x) - 1); }
static double ref_silu(double x, double b) { return x / (1 + exp(-b * x)); }
static double ref_softplus(double x, double b) { return b > 0 ? log(1 + exp(b * x)) / b : log(1 + exp(x)); }
static double ref_gelu(double x, double a) { (void)a; return 0.5 * x * (1 + erf(x / sqrt(2.0))); }

static void test_step_forward_and_zero_gradient(void) { check_forward("step", 0, ref_step), check_backward("step", 0); }
static void test_sigmoid_matches_formula_and_numeric(void) { check_forward("sigmoid", 0, ref_sigmoid), check_backward("sigmoid", 0); }
static void test_tanh_matches_formula_and_numeric(void) { check_forward("tanh", 0, ref_tanh), check_backward("tanh", 0); }
static void test_relu_matches_formula_and_numeric(void) { check_forward("relu", 0, ref_relu), check_backward("relu", 0); }
static void test_leaky_relu_matches_formula_and_numeric(void) { check_forward("leaky_relu", 0.1f, ref_leaky), check_backward("leaky_relu", 0.1f); }
static void test_elu_matches_formula_and_numeric(void) { check_forward("elu", 1.0f, ref_elu), check_backward("elu", 0.7f); }
static void test_silu_matches_formula_and_numeric(void) { check_forward("silu", 1.0f, ref_silu), check_backward("silu", 1.5f); }
static void test_softplus_matches_formula_and_numeric(void) { check_forward("softplus", 0, ref_softplus), check_forward("softplus", 2.5f, ref_softplus), check_forward("softplus", 0.3f, ref_softplus),
                                                                 check_backward("softplus", 0), check_backward("softplus", 2.5f); }
static void test_gelu_matches_formula_and_numeric(void) { check_forward("gelu", 0, ref_gelu), check_backward("gelu", 0); }

static void test_prelu_backward_matches_numeric(void) {
  dl_graph *g = new_graph(); /* one slope per channel of a feature map */
  int32_t x = gc_input(g, "x", 3, SHAPE(3, 2, 2)), a = gc_param(g, "a", 1, SHAPE(3));
  int32_t y = gc_op(g, "prelu", 2, IDS(x, a), 0, NULL, 0, NULL);
  gradcheck gc;
  gc_setup(&gc, g, y, 2, 3);
  gc_fill_away(g, x, 0.05f, 4);
  CHECK(gc_run(&gc, IDS(x, a), 2) == 0);
  dl_graph_destroy(g);
  g = new_graph(); /* one shared slope */
  x = gc_input(g, "x", 1, SHAPE(5)), a = gc_param(g, "a", 1, SHAPE(1));
  y = gc_op(g, "prelu", 2, IDS(x, a), 0, NULL, 0, NULL);
  gc_setup(&gc, g, y, 3, 3);
  gc_fill_away(g, x, 0.05f, 5);
  CHECK(gc_run(&gc, IDS(x, a), 2) == 0);
  dl_graph_destroy(g);
}

static void test_softmax_rows_sum_to_one_and_match_numeric(void) {
  dl_graph *g = new_graph();
  int32_t x = gc_input(g, "x", 1, SHAPE(5));
  int32_t y = gc_op(g, "softmax", 1, &x, 0, NULL, 0, NULL);
  CHECK_OK(dl_graph_plan(g, 2));
  float *xs = gc_data(g, x, NULL);
  for (int i = 0; i < 10; i++) xs[i] = i == 3 ? 1000.0f : (float)i; /* huge logits must not overflow */
  CHECK_OK(dl_graph_forward(g, y));
  float *ys = gc_data(g, y, NULL);
  double s0 = 0, s1 = 0;
  for (int i = 0; i < 5; i++) s0 += ys[i], s1 += ys[5 + i];
  CHECK_NEAR(s0, 1.0, 1e-6);
  CHECK_NEAR(s1, 1.0, 1e-6);
  CHECK_NEAR(ys[3], 1.0, 1e-6);
  CHECK_NEAR(ys[5 + 4], exp(9.0) / (exp(5.0) + exp(6.0) + exp(7.0) + exp(8.0) + exp(9.0)), 1e-6);
  dl_graph_destroy(g);
  g = new_graph();
  x = gc_input(g, "x", 2, SHAPE(2, 6));
  GRADCHECK(g, gc_op(g, "softmax", 1, &x, 0, NULL, 0, NULL), 2, x);
  dl_graph_destroy(g);
}

static void test_log_softmax_backward_matches_numeric(void) {
  dl_graph *g = new_graph();
  int32_t x = gc_input(g, "x", 1, SHAPE(7));
  GRADCHECK(g, gc_op(g, "log_softmax", 1, &x, 0, NULL, 0, NULL), 3, x);
  dl_graph_destroy(g);
}

void run_act_tests(void) {
  RUN(test_step_forward_and_zero_gradient);
  RUN(test_sigmoid_matches_formula_and_numeric);
  RUN(test_tanh_matches_formula_and_numeric);
  RUN(test_relu_matches_formula_and_numeric);
  RUN(test_leaky_relu_matches_formula_and_numeric);
  RUN(test_elu_matches_formula_and_numeric);
  RUN(test_silu_matches_formula_and_numeric);
  RUN(test_softplus_matches_formula_and_numeric);
  RUN(test_gelu_matches_formula_and_numeric);
  RUN(test_prelu_backward_matches_numeric);
  RUN(test_softmax_rows_sum_to_one_and_match_numeric);
  RUN(test_log_softmax_backward_matches_numeric);
}
