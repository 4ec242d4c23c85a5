/* shape.c: ops that move data without arithmetic: reshape (and flatten), concat and stack, slice
 * and select, detach.
 * Axes count the batch dim as axis 0, so for batched nodes the first per-sample axis is 1. */
#include "ops.h"

static dl_status reshape_infer(dl_graph *g, dl_node *n) {
  dl_node *x = dl_input(g, n, 0);
  int nd = n->iattr[0], off = x->batched ? 1 : 0;
  if (nd < 1 || nd + off > DL_MAX_DIMS)
    return OP_FAIL(g, n, DL_ERR_ARG, "target has %d dims, expected 1 to %d", nd, DL_MAX_DIMS - off);
  uint64_t k = 1;
  n->ndim = nd + off;
  n->shape[0] = 1;
  for (int i = 0; i < nd; i++) {
    int d = n->iattr[1 + i];
    if (d <= 0) return OP_FAIL(g, n, DL_ERR_SHAPE, "target dim %d is %d, must be positive", i, d);
    n->shape[off + i] = d;
    k = dl_size_mul(k, (uint64_t)d);
  }
  n->batched = x->batched;
  n->view = 1;
  if (k != dl_node_sample_numel(x)) {
    char s[64];
    return OP_FAIL(g, n, DL_ERR_SHAPE, "cannot reshape %s (%zu values) to %llu values", dl_shape_str(x, s, sizeof s),
                   dl_node_sample_numel(x), (unsigned long long)k);
  }
  return DL_OK;
}
/* A view: the plan gives it its input's memory, so there is nothing to copy. */
static void reshape_forward(dl_graph *g, dl_node *n) {
  const float *x = dl_input(g, n, 0)->value;
  if (n->value != x) memcpy(n->value, x, dl_node_numel(g, n) * sizeof(float));
}
static void reshape_backward(dl_graph *g, dl_node *n) {
  dl_node *x = dl_input(g, n, 0);
  if (!x->needs_grad) return;
  if (dl_grad_beta(x) == 0.0f) memcpy(x->grad, n->grad, dl_node_numel(g, n) * sizeof(float));
  else dl_vadd(dl_node_numel(g, n), x->grad, n->grad, x->grad);
}
DL_DEFINE_OP_ASSIGNS(reshape, 0);

/* Copy geometry: `outer` blocks (all dims before the axis, batch included), each of `inner`
 * floats per input (the axis and the dims after it). */
static size_t after_axis(const dl_node *x, int axis) {
  size_t k = 1;
  for (int i = axis + 1; i < x->ndim; i++) k *= (size_t)x->shape[i];
  return k;
}
static size_t before_axis(const dl_graph *g, const dl_node *x, int axis) {
  size_t k = 1;
  for (int i = 0; i < axis; i++) k *= (size_t)(i == 0 ? dl_node_rows(g, x) : x->shape[i]);
  return k;
}

static dl_status concat_infer(dl_graph *g, dl_node *n) {
  dl_node *x0 = dl_input(g, n, 0);
  int axis = n->iattr[0];
  if (axis < (x0->batched ? 1 : 0) || axis >= x0->ndim)
    return OP_FAIL(g, n, DL_ERR_ARG, "axis %d out of range [%d, %d]", axis, x0->batched ? 1 : 0, x0->ndim - 1);
  dl_shape_like(n, x0);
  for (int k = 1; k < n->ninputs; k++) {
    dl_node *x = dl_input(g, n, k);
    int ok = x->ndim == x0->ndim && x->batched == x0->batched;
    for (int i = 0; ok && i < x->ndim; i++) ok = i == axis || x->shape[i] == x0->shape[i];
    if (!ok) {
      char a[64], b[64];
      return OP_FAIL(g, n, DL_ERR_SHAPE, "input %d is %s, input 0 is %s: only axis %d may differ", k,
                     dl_shape_str(x, a, sizeof a), dl_shape_str(x0, b, sizeof b), axis);
    }
    n->shape[axis] += x->shape[axis];
  }
  return DL_OK;
}
/* Concat and stack copy the same way: each input gives `part` floats to every block before the
 * axis (its slab along a concat axis; its whole trailing block for a new stack axis). */
static size_t part(const dl_node *n, const dl_node *x, int axis) {
  return n->op == DL_OP_STACK ? after_axis(n, axis) : x->shape[axis] * after_axis(x, axis);
}
static void concat_forward(dl_graph *g, dl_node *n) {
  int axis = n->iattr[0];
  size_t outer = before_axis(g, n, axis), row = n->shape[axis] * after_axis(n, axis), off = 0;
  for (int k = 0; k < n->ninputs; k++) {
    dl_node *x = dl_input(g, n, k);
    size_t inner = part(n, x, axis);
    for (size_t o = 0; o < outer; o++) memcpy(n->value + o * row + off, x->value + o * inner, inner * sizeof(float));
    off += inner;
  }
}
static void concat_backward(dl_graph *g, dl_node *n) {
  int axis = n->iattr[0];
  size_t outer = before_axis(g, n, axis), row = n->shape[axis] * after_axis(n, axis), off = 0;
  for (int k = 0; k < n->ninputs; k++) {
    dl_node *x = dl_input(g, n, k);
    size_t inner = part(n, x, axis);
    if (x->needs_grad)
      for (size_t o = 0; o < outer; o++) dl_vadd(inner, x->grad + o * inner, n->grad + o * row + off, x->grad + o * inner);
    off += inner;
  }
}
DL_DEFINE_OP_READS(concat, 0);

/* Stack: equal tensors along a new axis, e.g. T step outputs [N, D] into a sequence [N, T, D]. */
static dl_status stack_infer(dl_graph *g, dl_node *n) {
  dl_node *x0 = dl_input(g, n, 0);
  int axis = n->iattr[0];
  if (axis < (x0->batched ? 1 : 0) || axis > x0->ndim)
    return OP_FAIL(g, n, DL_ERR_ARG, "axis %d out of range [%d, %d]", axis, x0->batched ? 1 : 0, x0->ndim);
  if (x0->ndim + 1 > DL_MAX_DIMS) return OP_FAIL(g, n, DL_ERR_SHAPE, "inputs already have %d dims, the most is %d", x0->ndim, DL_MAX_DIMS - 1);
  for (int k = 1; k < n->ninputs; k++) {
    dl_node *x = dl_input(g, n, k);
    int ok = x->ndim == x0->ndim && x->batched == x0->batched;
    for (int i = 0; ok && i < x->ndim; i++) ok = x->shape[i] == x0->shape[i];
    if (!ok) {
      char a[64], b[64];
      return OP_FAIL(g, n, DL_ERR_SHAPE, "input %d is %s, input 0 is %s: stacked tensors must be alike", k, dl_shape_str(x, a, sizeof a),
                     dl_shape_str(x0, b, sizeof b));
    }
  }
  n->ndim = x0->ndim + 1;
  n->batched = x0->batched;
  for (int i = 0, j = 0; i < n->ndim; i++) n->shape[i] = i == axis ? n->ninputs : x0->shape[j++];
  return DL_OK;
}
#define stack_forward concat_forward
#define stack_backward concat_backward
DL_DEFINE_OP_READS(stack, 0);

static dl_status slice_infer(dl_graph *g, dl_node *n) {
  dl_node *x = dl_input(g, n, 0);
  int axis = n->iattr[0], start = n->iattr[1], len = n->iattr[2];
  if (axis < (x->batched ? 1 : 0) || axis >= x->ndim)
    return OP_FAIL(g, n, DL_ERR_ARG, "axis %d out of range [%d, %d]", axis, x->batched ? 1 : 0, x->ndim - 1);
  if (start < 0 || len < 1 || (int64_t)start + len > x->shape[axis]) /* 64 bits: start near 2^31 must not wrap */
    return OP_FAIL(g, n, DL_ERR_ARG, "slice [%d, %lld) outside axis %d of length %d", start, (long long)start + len, axis,
                   x->shape[axis]);
  dl_shape_like(n, x);
  n->shape[axis] = len;
  return DL_OK;
}
/* Slice and select copy the same way: a run of `len` slabs along the axis, from `start`. */
static void slice_forward(dl_graph *g, dl_node *n) {
  dl_node *x = dl_input(g, n, 0);
  int axis = n->iattr[0], len = n->op == DL_OP_SELECT ? 1 : n->iattr[2];
  size_t outer = before_axis(g, x, axis), after = after_axis(x, axis);
  size_t in_row = x->shape[axis] * after, out_row = len * after, off = n->iattr[1] * after;
  for (size_t o = 0; o < outer; o++) memcpy(n->value + o * out_row, x->value + o * in_row + off, out_row * sizeof(float));
}
static void slice_backward(dl_graph *g, dl_node *n) {
  dl_node *x = dl_input(g, n, 0);
  int axis = n->iattr[0], len = n->op == DL_OP_SELECT ? 1 : n->iattr[2];
  size_t outer = before_axis(g, x, axis), after = after_axis(x, axis);
  size_t in_row = x->shape[axis] * after, out_row = len * after, off = n->iattr[1] * after;
  if (x->needs_grad)
    for (size_t o = 0; o < outer; o++)
      dl_vadd(out_row, x->grad + o * in_row + off, n->grad + o * out_row, x->grad + o * in_row + off);
}
DL_DEFINE_OP_READS(slice, 0);

/* Select: one index along an axis, the axis dropped (a step [N, D] out of a sequence [N, T, D]). */
static dl_status select_infer(dl_graph *g, dl_node *n) {
  dl_node *x = dl_input(g, n, 0);
  int axis = n->iattr[0], at = n->iattr[1];
  if (axis < (x->batched ? 1 : 0) || axis >= x->ndim)
    return OP_FAIL(g, n, DL_ERR_ARG, "axis %d out of range [%d, %d]", axis, x->batched ? 1 : 0, x->ndim - 1);
  if (x->ndim < 2) return OP_FAIL(g, n, DL_ERR_SHAPE, "cannot drop the only axis of a 1-dim tensor (use slice)");
  if (at < 0 || at >= x->shape[axis]) return OP_FAIL(g, n, DL_ERR_ARG, "index %d outside axis %d of length %d", at, axis, x->shape[axis]);
  n->ndim = x->ndim - 1;
  n->batched = x->batched;
  for (int i = 0, j = 0; i < x->ndim; i++)
    if (i != axis) n->shape[j++] = x->shape[i];
  return DL_OK;
}
#define select_forward slice_forward
#define select_backward slice_backward
DL_DEFINE_OP_READS(select, 0);

/* The value passes; the gradient stops (the graph never marks a detach output as needing one). */
static dl_status detach_infer(dl_graph *g, dl_node *n) {
  dl_shape_like(n, dl_input(g, n, 0));
  n->view = 1;
  return DL_OK;
}
#define detach_forward reshape_forward
static void detach_backward(dl_graph *g, dl_node *n) { (void)g, (void)n; }
DL_DEFINE_OP_READS(detach, 0);
