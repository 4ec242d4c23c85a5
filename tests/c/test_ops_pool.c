/* test_ops_pool.c: pooling and upsampling (core/ops/pool.c). Max-pool inputs are distinct
 * values 0.05 apart, so no finite-difference step changes which cell is the maximum. */
#include "test_ops.h"

#define POOL_ATTR(kh, kw, sh, sw, mode) 9, IDS(kh, kw, sh, sw, 0, 0, 0, 0, mode)

static void test_maxpool_forward_picks_window_maximum(void) {
  dl_graph *g = new_graph();
  int32_t x = gc_input(g, "x", 3, SHAPE(1, 4, 4));
  int32_t y = gc_op(g, "maxpool2d", 1, &x, POOL_ATTR(2, 2, 2, 2, 1), 0, NULL);
  CHECK_OK(dl_graph_plan(g, 1));
  float xs[16] = {1, 5, 2, 0, 3, 4, 8, 1, 0, 0, -1, -2, 9, 0, -3, -4};
  memcpy(gc_data(g, x, NULL), xs, sizeof xs);
  CHECK_OK(dl_graph_forward(g, y));
  float *o = gc_data(g, y, NULL);
  CHECK(o[0] == 5 && o[1] == 8 && o[2] == 9 && o[3] == -1);
  dl_graph_destroy(g);
}

static void check_pool_grad(const char *op, int k, int s, int mode, int H) {
  dl_graph *g = new_graph();
  int32_t x = gc_input(g, "x", 3, SHAPE(2, H, H));
  int32_t y = gc_op(g, op, 1, &x, POOL_ATTR(k, k, s, s, mode), 0, NULL);
  gradcheck gc;
  gc_setup(&gc, g, y, 2, 7);
  gc_fill_distinct(g, x, 3);
  int bad = gc_run(&gc, &x, 1);
  if (bad) fprintf(stderr, "  %s %dx%d stride %d mode %d on %dx%d\n", op, k, k, s, mode, H, H);
  CHECK(bad == 0);
  dl_graph_destroy(g);
}

static void test_maxpool_backward_matches_numeric(void) {
  check_pool_grad("maxpool2d", 2, 2, 1, 6);
  check_pool_grad("maxpool2d", 3, 2, 2, 5); /* overlapping windows with 'same' padding */
  check_pool_grad("maxpool2d", 2, 2, 1, 5); /* odd size: last row and column dropped */
}

static void test_avgpool_backward_matches_numeric(void) {
  check_pool_grad("avgpool2d", 2, 2, 1, 6);
  check_pool_grad("avgpool2d", 3, 2, 2, 5); /* padding cells are not counted */
}

static void test_avgpool_excludes_padding_from_the_mean(void) {
  dl_graph *g = new_graph();
  int32_t x = gc_input(g, "x", 3, SHAPE(1, 3, 3));
  int32_t y = gc_op(g, "avgpool2d", 1, &x, POOL_ATTR(2, 2, 2, 2, 2), 0, NULL); /* same: 2x2 output */
  CHECK_OK(dl_graph_plan(g, 1));
  float xs[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  memcpy(gc_data(g, x, NULL), xs, sizeof xs);
  CHECK_OK(dl_graph_forward(g, y));
  float *o = gc_data(g, y, NULL);
  CHECK_NEAR(o[0], 3.0, 1e-6);
  CHECK_NEAR(o[1], 4.5, 1e-6); /* (3 + 6) / 2 */
  CHECK_NEAR(o[2], 7.5, 1e-6);
  CHECK_NEAR(o[3], 9.0, 1e-6);
  dl_graph_destroy(g);
}

static void test_global_avgpool_backward_matches_numeric(void) {
  dl_graph *g = new_graph();
  int32_t x = gc_input(g, "x", 3, SHAPE(3, 4, 5));
  GRADCHECK(g, gc_op(g, "global_avgpool", 1, &x, 0, NULL, 0, NULL), 2, x);
  dl_graph_destroy(g);
}

static void test_upsample_backward_matches_numeric(void) {
  dl_graph *g = new_graph();
  int32_t x = gc_input(g, "x", 3, SHAPE(2, 3, 2));
  GRADCHECK(g, gc_op(g, "upsample", 1, &x, 2, IDS(2, 3), 0, NULL), 2, x);
  dl_graph_destroy(g);
}

void run_pool_tests(void) {
  RUN(test_maxpool_forward_picks_window_maximum);
  RUN(test_maxpool_backward_matches_numeric);
  RUN(test_avgpool_backward_matches_numeric);
  RUN(test_avgpool_excludes_padding_from_the_mean);
  RUN(test_global_avgpool_backward_matches_numeric);
  RUN(test_upsample_backward_matches_numeric);
}
