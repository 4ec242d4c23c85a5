/* test_ops_arith.c: add, sub, mul (core/ops/arith.c), same shapes and both broadcasts. */
#include "test_ops.h"

static void check_binary(const char *op) {
  dl_graph *g = new_graph();
  int32_t a = gc_input(g, "a", 2, SHAPE(3, 4)), b = gc_input(g, "b", 2, SHAPE(3, 4));
  GRADCHECK(g, gc_op(g, op, 2, IDS(a, b), 0, NULL, 0, NULL), 2, a, b);
  dl_graph_destroy(g);
  g = new_graph(); /* b broadcast over the batch and the leading dim */
  a = gc_input(g, "a", 2, SHAPE(3, 4));
  int32_t p = gc_param(g, "p", 1, SHAPE(4));
  GRADCHECK(g, gc_op(g, op, 2, IDS(a, p), 0, NULL, 0, NULL), 3, a, p);
  dl_graph_destroy(g);
  /* b holds a's leading dims: a mask [3] (or [3, 1]) spread over a sequence [3, 4] */
  for (int trailing_one = 0; trailing_one < 2; trailing_one++) {
    g = new_graph();
    a = gc_input(g, "a", 2, SHAPE(3, 4));
    int32_t m = trailing_one ? gc_input(g, "m", 2, SHAPE(3, 1)) : gc_input(g, "m", 1, SHAPE(3));
    GRADCHECK(g, gc_op(g, op, 2, IDS(a, m), 0, NULL, 0, NULL), 2, a, m);
    dl_graph_destroy(g);
  }
}

static void test_add_backward_matches_numeric(void) { check_binary("add"); }
static void test_sub_backward_matches_numeric(void) { check_binary("sub"); }
static void test_mul_backward_matches_numeric(void) { check_binary("mul"); }

static void test_sub_forward_broadcasts_b(void) {
  dl_graph *g = new_graph();
  int32_t a = gc_input(g, "a", 1, SHAPE(2)), p = gc_param(g, "p", 1, SHAPE(2));
  int32_t y = gc_op(g, "sub", 2, IDS(a, p), 0, NULL, 0, NULL);
  CHECK_OK(dl_graph_plan(g, 2));
  float av[] = {1, 2, 3, 4}, pv[] = {10, 20};
  memcpy(gc_data(g, a, NULL), av, sizeof av), memcpy(gc_data(g, p, NULL), pv, sizeof pv);
  CHECK_OK(dl_graph_forward(g, y));
  float *o = gc_data(g, y, NULL);
  CHECK(o[0] == -9 && o[1] == -18 && o[2] == -7 && o[3] == -16);
  dl_graph_destroy(g);
}

static void test_mul_spreads_a_mask_over_each_step(void) {
  dl_graph *g = new_graph();
  int32_t a = gc_input(g, "a", 2, SHAPE(2, 3)), m = gc_input(g, "m", 1, SHAPE(2)), id;
  int32_t y = gc_op(g, "mul", 2, IDS(a, m), 0, NULL, 0, NULL);
  CHECK_OK(dl_graph_plan(g, 2));
  float av[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, mv[] = {1, 0, 0, 2};
  memcpy(gc_data(g, a, NULL), av, sizeof av), memcpy(gc_data(g, m, NULL), mv, sizeof mv);
  CHECK_OK(dl_graph_forward(g, y));
  float *o = gc_data(g, y, NULL), want[] = {1, 2, 3, 0, 0, 0, 0, 0, 0, 20, 22, 24};
  CHECK(memcmp(o, want, sizeof want) == 0);
  int32_t m3 = gc_input(g, "m3", 1, SHAPE(3));
  CHECK_ERR(dl_graph_op(g, "mul", "bad", 2, IDS(a, m3), 0, NULL, 0, NULL, &id), DL_ERR_SHAPE, "shapes 2x3 and 3 do not match");
  dl_graph_destroy(g);
}

static void test_add_rejects_mismatched_shapes(void) {
  dl_graph *g = new_graph();
  int32_t a = gc_input(g, "a", 2, SHAPE(3, 4)), b = gc_input(g, "b", 2, SHAPE(4, 3)), id;
  CHECK_ERR(dl_graph_op(g, "add", "res", 2, IDS(a, b), 0, NULL, 0, NULL, &id), DL_ERR_SHAPE, "add 'res': shapes 3x4 and 4x3 do not match");
  dl_graph_destroy(g);
}

static void test_scale_backward_matches_numeric(void) {
  dl_graph *g = new_graph();
  int32_t a = gc_input(g, "a", 2, SHAPE(3, 4));
  float c = -2.5f;
  GRADCHECK(g, gc_op(g, "scale", 1, IDS(a), 0, NULL, 1, &c), 2, a);
  dl_graph_destroy(g);
}

void run_arith_tests(void) {
  RUN(test_scale_backward_matches_numeric);
  RUN(test_add_backward_matches_numeric);
  RUN(test_sub_backward_matches_numeric);
  RUN(test_mul_backward_matches_numeric);
  RUN(test_sub_forward_broadcasts_b);
  RUN(test_mul_spreads_a_mask_over_each_step);
  RUN(test_add_rejects_mismatched_shapes);
}
