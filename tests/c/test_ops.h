/* test_ops.h: shared by the test_ops_<family>.c files, which build into one program (test_ops)
 * so that it can check every op in ops.def has a passing gradient check. */
#ifndef DL_TEST_OPS_H
#define DL_TEST_OPS_H
#include <stdlib.h>
#include "check.h"
#include "gradcheck.h"

#define SHAPE(...) ((const int32_t[]){__VA_ARGS__})
#define IDS(...) ((const int32_t[]){__VA_ARGS__})
#define NARGS(...) ((int)(sizeof((const int32_t[]){__VA_ARGS__}) / sizeof(int32_t)))

static inline dl_graph *new_graph(void) {
  dl_graph *g = NULL;
  if (dl_graph_create(&g, 42)) fprintf(stderr, "graph_create: %s\n", dl_last_error());
  return g;
}

/* Set up, run the check against `wrt`, and count a failure if any element disagrees. */
#define GRADCHECK(g, y, batch, ...)                                   \
  do {                                                                \
    gradcheck gc_;                                                    \
    gc_setup(&gc_, (g), (y), (batch), 11);                            \
    CHECK(gc_run(&gc_, IDS(__VA_ARGS__), NARGS(__VA_ARGS__)) == 0);   \
  } while (0)

void run_dense_tests(void);
void run_arith_tests(void);
void run_shape_tests(void);
void run_act_tests(void);
void run_loss_tests(void);
void run_conv_tests(void);
void run_pool_tests(void);
void run_norm_tests(void);
void run_sample_tests(void);
void run_seq_tests(void);
void run_gnn_tests(void);
void run_graph_tests(void);
#endif
