/* gradcheck.h: finite-difference checks of backward passes.
 *
 * Use: build a graph whose output node is y, then
 *   gc_setup(&gc, g, y, batch, seed)   adds L = sum(y * r) for a fixed random r (so every output
 *                                      element counts), plans, and fills every input and param
 *                                      with uniform values in [-1, 1];
 *   ... override inputs that need a special domain (labels, probabilities) with gc_fill* ...
 *   gc_run(&gc, wrt, nwrt)            compares backprop with central differences for each node
 *                                      in wrt (inputs are given requires_grad; params must be
 *                                      trainable), at most GC_MAX_ELEMS elements per node.
 * L is accumulated in double from y's values. A gradient passes when
 * |analytic - numeric| <= GC_RTOL max(|analytic|, |numeric|) + GC_ATOL, with eps = GC_EPS.
 * Keep inputs away from kinks (ReLU at 0, max-pool ties): gc_fill_away and gc_fill_distinct.
 * Random ops are repeatable because the graph is reseeded before every forward. */
#ifndef DL_GRADCHECK_H
#define DL_GRADCHECK_H
#include "dl.h"

#define GC_EPS 1e-3
#define GC_RTOL 1e-2
#define GC_ATOL 1e-3
#define GC_MAX_ELEMS 200

typedef struct {
  dl_graph *g;
  int32_t y, probe, loss;
  int batch;
  unsigned seed;
} gradcheck;

void gc_setup(gradcheck *gc, dl_graph *g, int32_t y, int batch, unsigned seed);
/* Returns the number of failing elements (0 = pass) and prints each failure. */
int gc_run(gradcheck *gc, const int32_t *wrt, int nwrt);
void gc_fill(dl_graph *g, int32_t id, float lo, float hi, unsigned seed);
void gc_fill_away(dl_graph *g, int32_t id, float margin, unsigned seed); /* |x| in [margin, 1] */
void gc_fill_distinct(dl_graph *g, int32_t id, unsigned seed);          /* a shuffle of k * 0.05 - 1 */
float *gc_data(dl_graph *g, int32_t id, size_t *n);                       /* value buffer */

/* Small builders. */
int32_t gc_input(dl_graph *g, const char *name, int ndim, const int32_t *shape);     /* batched */
int32_t gc_param(dl_graph *g, const char *name, int ndim, const int32_t *shape);     /* trainable */
int32_t gc_op(dl_graph *g, const char *op, int nin, const int32_t *in, int ni, const int32_t *ia, int nf,
              const float *fa);

/* Op coverage: gc_run marks every op y depends on; a test may mark one by hand (detach). */
void gc_mark_covered(const char *op);
int gc_report_uncovered(void); /* prints ops without a check; returns how many */
#endif
