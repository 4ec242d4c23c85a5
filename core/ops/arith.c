/* arith.c: elementwise a + b, a - b, a * b, and c x for a constant c. b has a's shape, or b is unbatched and equals a's
 * trailing dims, in which case it is repeated over a's leading dims (a bias, a per-position
 * table) and its gradient sums over the repeats. */
#include "ops.h"

static dl_status binary_infer(dl_graph *g, dl_node *n) {
  dl_node *a = dl_input(g, n, 0), *b = dl_input(g, n, 1);
  char sa[64], sb[64];
  dl_shape_like(n, a);
  if (dl_same_shape(a, b)) return DL_OK;
  if (!b->batched && b->ndim <= a->ndim - (a->batched ? 1 : 0)) {
    int ok = 1;
    for (int i = 1; i <= b->ndim; i++) ok &= b->shape[b->ndim - i] == a->shape[a->ndim - i];
    if (ok) return DL_OK;
  }
  return OP_FAIL(g, n, DL_ERR_SHAPE, "shapes %s and %s do not match", dl_shape_str(a, sa, sizeof sa),
                 dl_shape_str(b, sb, sizeof sb));
}

/* The repeat count and length of b within a. */
static void split(dl_graph *g, dl_node *n, size_t *outer, size_t *inner) {
  dl_node *b = dl_input(g, n, 1);
  *inner = b->batched ? dl_node_numel(g, b) : dl_node_sample_numel(b); /* batched b has a's shape: one block */
  *outer = dl_node_numel(g, n) / *inner;
}

#define BINARY_FORWARD(name, kernel)                                                             \
  static void name##_forward(dl_graph *g, dl_node *n) {                                         \
    dl_node *a = dl_input(g, n, 0), *b = dl_input(g, n, 1);                                      \
    size_t outer, inner;                                                                         \
    split(g, n, &outer, &inner);                                                                 \
    for (size_t o = 0; o < outer; o++)                                                           \
      kernel(inner, a->value + o * inner, b->value, n->value + o * inner);                       \
  }
BINARY_FORWARD(add, dl_vadd)
BINARY_FORWARD(sub, dl_vsub)
BINARY_FORWARD(mul, dl_vmul)

/* da += dy; db += sign * (dy summed over repeats) */
static void add_sub_backward(dl_graph *g, dl_node *n, float sign) {
  dl_node *a = dl_input(g, n, 0), *b = dl_input(g, n, 1);
  size_t outer, inner;
  split(g, n, &outer, &inner);
  if (a->needs_grad) {
    if (dl_grad_beta(a) == 0.0f) memcpy(a->grad, n->grad, outer * inner * sizeof(float));
    else dl_vadd(outer * inner, a->grad, n->grad, a->grad);
  }
  if (b->needs_grad) {
    if (dl_grad_beta(b) == 0.0f) dl_vscale(inner, sign, n->grad, b->grad);
    else dl_vaxpy(inner, sign, n->grad, b->grad);
    for (size_t o = 1; o < outer; o++) dl_vaxpy(inner, sign, n->grad + o * inner, b->grad);
  }
}
static void add_backward(dl_graph *g, dl_node *n) { add_sub_backward(g, n, 1.0f); }
static void sub_backward(dl_graph *g, dl_node *n) { add_sub_backward(g, n, -1.0f); }

/* da += dy * b; db += sum over repeats of dy * a */
static void mul_backward(dl_graph *g, dl_node *n) {
  dl_node *a = dl_input(g, n, 0), *b = dl_input(g, n, 1);
  size_t outer, inner;
  split(g, n, &outer, &inner);
  for (size_t o = 0; o < outer; o++) {
    const float *dy = n->grad + o * inner, *av = a->value + o * inner;
    if (a->needs_grad)
      for (size_t i = 0; i < inner; i++) a->grad[o * inner + i] += dy[i] * b->value[i];
    if (b->needs_grad)
      for (size_t i = 0; i < inner; i++) b->grad[i] += dy[i] * av[i];
  }
}

#define add_infer binary_infer
#define sub_infer binary_infer
#define mul_infer binary_infer
DL_DEFINE_OP_ASSIGNS(add, 0);
DL_DEFINE_OP_ASSIGNS(sub, 0);
DL_DEFINE_OP_READS(mul, 3); /* a and b */

/* ---- y = c x, c = f0 (a constant: weights of loss terms, attention's 1/sqrt(d)) ---- */
static dl_status scale_infer(dl_graph *g, dl_node *n) {
  dl_shape_like(n, dl_input(g, n, 0));
  return DL_OK;
}
static void scale_forward(dl_graph *g, dl_node *n) {
  dl_vscale(dl_node_numel(g, n), n->fattr[0], dl_input(g, n, 0)->value, n->value);
}
static void scale_backward(dl_graph *g, dl_node *n) {
  dl_node *x = dl_input(g, n, 0);
  if (!x->needs_grad) return;
  if (dl_grad_beta(x) == 0.0f) dl_vscale(dl_node_numel(g, n), n->fattr[0], n->grad, x->grad);
  else dl_vaxpy(dl_node_numel(g, n), n->fattr[0], n->grad, x->grad);
}
DL_DEFINE_OP_ASSIGNS(scale, 0);
