/* test_ops_shape.c: reshape, concat, slice, detach (core/ops/shape.c). */
#include "test_ops.h"

static void test_reshape_backward_matches_numeric(void) {
  dl_graph *g = new_graph();
  int32_t x = gc_input(g, "x", 3, SHAPE(2, 3, 2));
  GRADCHECK(g, gc_op(g, "reshape", 1, &x, 3, IDS(2, 4, 3), 0, NULL), 2, x);
  dl_graph_destroy(g);
}

static void test_concat_backward_matches_numeric(void) {
  dl_graph *g = new_graph();
  int32_t a = gc_input(g, "a", 2, SHAPE(2, 3)), b = gc_input(g, "b", 2, SHAPE(1, 3)), c = gc_input(g, "c", 2, SHAPE(4, 3));
  GRADCHECK(g, gc_op(g, "concat", 3, IDS(a, b, c), 1, IDS(1), 0, NULL), 2, a, b, c);
  dl_graph_destroy(g);
  g = new_graph(); /* along the last axis */
  a = gc_input(g, "a", 2, SHAPE(2, 3)), b = gc_input(g, "b", 2, SHAPE(2, 1));
  GRADCHECK(g, gc_op(g, "concat", 2, IDS(a, b), 1, IDS(2), 0, NULL), 3, a, b);
  dl_graph_destroy(g);
}

static void test_concat_forward_interleaves_rows(void) {
  dl_graph *g = new_graph();
  int32_t a = gc_input(g, "a", 1, SHAPE(2)), b = gc_input(g, "b", 1, SHAPE(1));
  int32_t y = gc_op(g, "concat", 2, IDS(a, b), 1, IDS(1), 0, NULL);
  CHECK_OK(dl_graph_plan(g, 2));
  float av[] = {1, 2, 3, 4}, bv[] = {5, 6};
  memcpy(gc_data(g, a, NULL), av, sizeof av), memcpy(gc_data(g, b, NULL), bv, sizeof bv);
  CHECK_OK(dl_graph_forward(g, y));
  float *o = gc_data(g, y, NULL), want[] = {1, 2, 5, 3, 4, 6};
  for (int i = 0; i < 6; i++) CHECK(o[i] == want[i]);
  dl_graph_destroy(g);
}

static void test_slice_backward_matches_numeric(void) {
  dl_graph *g = new_graph();
  int32_t x = gc_input(g, "x", 3, SHAPE(5, 2, 3));
  GRADCHECK(g, gc_op(g, "slice", 1, &x, 3, IDS(1, 1, 3), 0, NULL), 2, x); /* time steps 1..3 */
  dl_graph_destroy(g);
}

static void test_slice_rejects_out_of_range(void) {
  dl_graph *g = new_graph();
  int32_t x = gc_input(g, "x", 1, SHAPE(4)), id;
  CHECK_ERR(dl_graph_op(g, "slice", "s", 1, &x, 3, IDS(1, 2, 3), 0, NULL, &id), DL_ERR_ARG, "slice [2, 5) outside axis 1 of length 4");
  dl_graph_destroy(g);
}

void run_shape_tests(void) {
  RUN(test_reshape_backward_matches_numeric);
  RUN(test_concat_backward_matches_numeric);
  RUN(test_concat_forward_interleaves_rows);
  RUN(test_slice_backward_matches_numeric);
  RUN(test_slice_rejects_out_of_range);
}
