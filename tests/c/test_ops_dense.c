/* test_ops_dense.c: dense (core/ops/dense.c). */
#include "test_ops.h"

static void test_dense_forward_matches_hand_computed(void) {
  dl_graph *g = new_graph();
  int32_t x = gc_input(g, "x", 1, SHAPE(2)), w = gc_param(g, "w", 2, SHAPE(2, 3)), b = gc_param(g, "b", 1, SHAPE(3));
  int32_t y = gc_op(g, "dense", 3, IDS(x, w, b), 0, NULL, 0, NULL);
  CHECK_OK(dl_graph_plan(g, 2));
  float xs[] = {1, 2, -1, 0.5f}, ws[] = {1, 0, -1, 2, 3, 0.5f}, bs[] = {0.1f, 0.2f, 0.3f};
  memcpy(gc_data(g, x, NULL), xs, sizeof xs), memcpy(gc_data(g, w, NULL), ws, sizeof ws), memcpy(gc_data(g, b, NULL), bs, sizeof bs);
  CHECK_OK(dl_graph_forward(g, y));
  float *o = gc_data(g, y, NULL);
  /* row 0: [1, 2] W = [5, 6, 0]; row 1: [-1, 0.5] W = [0, 1.5, 1.25]; plus b */
  float want[] = {5.1f, 6.2f, 0.3f, 0.1f, 1.7f, 1.55f};
  for (int i = 0; i < 6; i++) CHECK_NEAR(o[i], want[i], 1e-6);
  dl_graph_destroy(g);
}

static void test_dense_backward_matches_numeric(void) {
  dl_graph *g = new_graph();
  int32_t x = gc_input(g, "x", 1, SHAPE(5)), w = gc_param(g, "w", 2, SHAPE(5, 4)), b = gc_param(g, "b", 1, SHAPE(4));
  int32_t y = gc_op(g, "dense", 3, IDS(x, w, b), 0, NULL, 0, NULL);
  GRADCHECK(g, y, 3, x, w, b);
  dl_graph_destroy(g);
}

static void test_dense_with_transposed_weight_matches_numeric(void) {
  dl_graph *g = new_graph();
  int32_t x = gc_input(g, "x", 1, SHAPE(5)), w = gc_param(g, "w", 2, SHAPE(4, 5)), b = gc_param(g, "b", 1, SHAPE(4)), t = 1;
  int32_t y = gc_op(g, "dense", 3, IDS(x, w, b), 1, &t, 0, NULL);
  GRADCHECK(g, y, 3, x, w, b);
  dl_graph_destroy(g);
}

static void test_dense_without_bias_flattens_images(void) {
  dl_graph *g = new_graph();
  int32_t x = gc_input(g, "x", 3, SHAPE(2, 3, 3)), w = gc_param(g, "w", 2, SHAPE(18, 3));
  int32_t y = gc_op(g, "dense", 2, IDS(x, w), 0, NULL, 0, NULL);
  GRADCHECK(g, y, 2, x, w);
  dl_graph_destroy(g);
}

static void test_dense_rejects_mismatched_weight(void) {
  dl_graph *g = new_graph();
  int32_t x = gc_input(g, "x", 1, SHAPE(5)), w = gc_param(g, "w", 2, SHAPE(4, 3)), id;
  CHECK_ERR(dl_graph_op(g, "dense", "fc1", 2, IDS(x, w), 0, NULL, 0, NULL, &id), DL_ERR_SHAPE, "dense 'fc1': input has 5 features, weight expects 4");
  dl_graph_destroy(g);
}

void run_dense_tests(void) {
  RUN(test_dense_with_transposed_weight_matches_numeric);
  RUN(test_dense_forward_matches_hand_computed);
  RUN(test_dense_backward_matches_numeric);
  RUN(test_dense_without_bias_flattens_images);
  RUN(test_dense_rejects_mismatched_weight);
}
