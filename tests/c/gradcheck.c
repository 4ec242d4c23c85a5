/* gradcheck.c: see gradcheck.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "gradcheck.h"
#include "graph.h"
#include "ops/ops.h"

int check_failures, check_tests, check_failed_tests;
static int covered[DL_OP_COUNT];

static uint32_t lcg(uint32_t *s) { return *s = *s * 1664525u + 1013904223u; }
static float unit(uint32_t *s) { return (lcg(s) >> 8) * (1.0f / 16777216.0f); }

float *gc_data(dl_graph *g, int32_t id, size_t *n) {
  float *p = NULL;
  size_t k = 0;
  if (dl_graph_tensor(g, id, 0, &p, &k)) fprintf(stderr, "gc_data: %s\n", dl_last_error());
  if (n) *n = k;
  return p;
}

void gc_fill(dl_graph *g, int32_t id, float lo, float hi, unsigned seed) {
  size_t n;
  float *p = gc_data(g, id, &n);
  uint32_t s = seed * 2654435761u + 1;
  for (size_t i = 0; i < n; i++) p[i] = lo + (hi - lo) * unit(&s);
}

void gc_fill_away(dl_graph *g, int32_t id, float margin, unsigned seed) {
  size_t n;
  float *p = gc_data(g, id, &n);
  uint32_t s = seed * 2654435761u + 7;
  for (size_t i = 0; i < n; i++) {
    float m = margin + (1.0f - margin) * unit(&s);
    p[i] = (lcg(&s) >> 31) ? m : -m;
  }
}

void gc_fill_distinct(dl_graph *g, int32_t id, unsigned seed) {
  size_t n;
  float *p = gc_data(g, id, &n);
  uint32_t s = seed * 2654435761u + 3;
  for (size_t i = 0; i < n; i++) p[i] = (float)i * 0.05f - 1.0f;
  for (size_t i = n; i > 1; i--) { /* Fisher-Yates */
    size_t j = lcg(&s) % i;
    float t = p[i - 1];
    p[i - 1] = p[j], p[j] = t;
  }
}

int32_t gc_input(dl_graph *g, const char *name, int ndim, const int32_t *shape) {
  int32_t id = -1;
  if (dl_graph_input(g, name, ndim, shape, 1, &id)) fprintf(stderr, "gc_input %s: %s\n", name, dl_last_error());
  return id;
}

int32_t gc_param(dl_graph *g, const char *name, int ndim, const int32_t *shape) {
  int32_t id = -1;
  if (dl_graph_param(g, name, ndim, shape, DL_PARAM_TRAINABLE, &id)) fprintf(stderr, "gc_param %s: %s\n", name, dl_last_error());
  return id;
}

int32_t gc_op(dl_graph *g, const char *op, int nin, const int32_t *in, int ni, const int32_t *ia, int nf, const float *fa) {
  int32_t id = -1;
  if (dl_graph_op(g, op, NULL, nin, in, ni, ia, nf, fa, &id)) fprintf(stderr, "gc_op %s: %s\n", op, dl_last_error());
  return id;
}

void gc_setup(gradcheck *gc, dl_graph *g, int32_t y, int batch, unsigned seed) {
  memset(gc, 0, sizeof *gc);
  gc->g = g, gc->y = y, gc->batch = batch, gc->seed = seed, gc->probe = -1, gc->loss = y;
  dl_node *ny = &g->nodes[y];
  if (!(ny->ndim == 1 && ny->shape[0] == 1 && !ny->batched)) {
    int32_t shape[DL_MAX_DIMS], off = ny->batched ? 1 : 0;
    for (int i = off; i < ny->ndim; i++) shape[i - off] = ny->shape[i];
    if (dl_graph_input(g, "gc_probe", ny->ndim - off, shape, ny->batched, &gc->probe))
      fprintf(stderr, "gc_setup: %s\n", dl_last_error());
    int32_t in[2] = {y, gc->probe};
    int32_t prod = gc_op(g, "mul", 2, in, 0, NULL, 0, NULL);
    float sign = 1.0f;
    gc->loss = gc_op(g, "critic_mean", 1, &prod, 0, NULL, 1, &sign);
  }
  if (dl_graph_plan(g, batch)) fprintf(stderr, "gc_setup plan: %s\n", dl_last_error());
  for (int32_t i = 0; i < g->n; i++)
    if (g->nodes[i].kind != DL_KIND_OP) gc_fill(g, i, -1.0f, 1.0f, seed + (unsigned)i * 31u);
}

/* L in double: sum(y * r), or the scalar y itself. */
static double loss_value(gradcheck *gc) {
  dl_graph *g = gc->g;
  dl_graph_seed(g, 1234);
  if (dl_graph_forward(g, gc->y)) fprintf(stderr, "gc forward: %s\n", dl_last_error());
  size_t n;
  float *y = gc_data(g, gc->y, &n);
  if (gc->probe < 0) return y[0];
  float *r = gc_data(g, gc->probe, NULL);
  double s = 0;
  for (size_t i = 0; i < n; i++) s += (double)y[i] * r[i];
  return s;
}

static void mark_covered(dl_graph *g, int32_t y) {
  for (int32_t i = 0; i < g->n; i++) g->nodes[i].mark = 0;
  g->nodes[y].mark = 1;
  for (int32_t i = y; i >= 0; i--) {
    dl_node *n = &g->nodes[i];
    if (!n->mark) continue;
    if (n->kind == DL_KIND_OP) covered[n->op] = 1;
    for (int j = 0; j < n->ninputs; j++) dl_input(g, n, j)->mark = 1;
  }
}

int gc_run(gradcheck *gc, const int32_t *wrt, int nwrt) {
  dl_graph *g = gc->g;
  int bad = 0;
  for (int k = 0; k < nwrt; k++)
    if (g->nodes[wrt[k]].kind == DL_KIND_INPUT) dl_graph_set_flags(g, wrt[k], DL_INPUT_REQUIRES_GRAD);
  dl_graph_seed(g, 1234);
  if (dl_graph_forward(g, gc->loss) || dl_graph_backward(g, gc->loss)) {
    fprintf(stderr, "gc_run: %s\n", dl_last_error());
    return 1;
  }
  /* backprop through critic_mean gives dL/dx / numel(y) */
  double scale = gc->probe < 0 ? 1.0 : (double)dl_node_numel(g, &g->nodes[gc->y]);
  for (int k = 0; k < nwrt; k++) {
    dl_node *n = &g->nodes[wrt[k]];
    size_t len = n->kind == DL_KIND_PARAM ? dl_node_sample_numel(n) : dl_node_numel(g, n);
    double *analytic = malloc(len * sizeof *analytic);
    for (size_t i = 0; i < len; i++) analytic[i] = n->grad[i] * scale;
    size_t step = len > GC_MAX_ELEMS ? len / GC_MAX_ELEMS + 1 : 1;
    for (size_t i = 0; i < len; i += step) {
      float saved = n->value[i];
      n->value[i] = (float)(saved + GC_EPS);
      double lp = loss_value(gc);
      n->value[i] = (float)(saved - GC_EPS);
      double lm = loss_value(gc);
      n->value[i] = saved;
      double numeric = (lp - lm) / (2 * GC_EPS), a = analytic[i];
      double tol = GC_RTOL * fmax(fabs(a), fabs(numeric)) + GC_ATOL;
      if (!(fabs(a - numeric) <= tol)) {
        if (bad < 8)
          fprintf(stderr, "  gradcheck %s, d/d %s[%zu]: backprop %.6g, numeric %.6g\n", dl_node_label(g, &g->nodes[gc->y]),
                  n->name, i, a, numeric);
        bad++;
      }
    }
    free(analytic);
  }
  if (!bad) mark_covered(g, gc->y);
  return bad;
}

void gc_mark_covered(const char *op) {
  for (int i = 0; i < DL_OP_COUNT; i++)
    if (!strcmp(dl_op_names[i], op)) covered[i] = 1;
}

int gc_report_uncovered(void) {
  int missing = 0;
  for (int i = 0; i < DL_OP_COUNT; i++)
    if (!covered[i]) {
      fprintf(stderr, "op '%s' in ops.def has no passing gradient check\n", dl_op_names[i]);
      missing++;
    }
  return missing;
}
