/* arith.c: elementwise a + b, a - b, a * b, and c x for a constant c. b has a's shape; or b is
 * unbatched and equals a's trailing dims, repeated over a's leading dims (a bias, a per-position
 * table); or b is batched and equals a's leading per-sample dims (trailing 1s allowed), each of
 * its values spread over the trailing block of a it heads (a mask [T] over a sequence [T, D]).
 * A repeated or spread b's gradient sums over the repeats. */
#include "ops.h"

/* b's per-sample dims are a's first ones, then only 1s: each b value covers a block of a. */
static int spreads(const dl_node *a, const dl_node *b) {
  if (!a->batched || !b->batched || b->ndim > a->ndim) return 0;
  int k = b->ndim;
  while (k > 1 && b->shape[k - 1] == 1) k--;
  for (int i = 1; i < k; i++)
    if (b->shape[i] != a->shape[i]) return 0;
  return 1;
}

static dl_status binary_infer(dl_graph *g, dl_node *n) {
  dl_node *a = dl_input(g, n, 0), *b = dl_input(g, n, 1);
  char sa[64], sb[64];
  dl_shape_like(n, a);
  if (dl_same_shape(a, b) || spreads(a, b)) return DL_OK;
  if (!b->batched && b->ndim <= a->ndim - (a->batched ? 1 : 0)) {
    int ok = 1;
    for (int i = 1; i <= b->ndim; i++) ok &= b->shape[b->ndim - i] == a->shape[a->ndim - i];
    if (ok) return DL_OK;
  }
  return OP_FAIL(g, n, DL_ERR_SHAPE, "shapes %s and %s do not match (b may be a's shape, its trailing dims unbatched, or its leading dims)",
                 dl_shape_str(a, sa, sizeof sa), dl_shape_str(b, sb, sizeof sb));
}

/* How b lies in a: `outer` repeats of b's `inner` values, each value spread over `spread` of a's. */
static void split(dl_graph *g, dl_node *n, size_t *outer, size_t *inner, size_t *spread) {
  dl_node *b = dl_input(g, n, 1);
  size_t all = dl_node_numel(g, n);
  if (b->batched) *outer = 1, *inner = dl_node_numel(g, b), *spread = all / *inner; /* (same shape: spread 1) */
  else *inner = dl_node_sample_numel(b), *outer = all / *inner, *spread = 1;
}

#define BINARY_FORWARD(name, kernel, OP)                                                         \
  static void name##_forward(dl_graph *g, dl_node *n) {                                         \
    dl_node *a = dl_input(g, n, 0), *b = dl_input(g, n, 1);                                      \
    size_t outer, inner, spread;                                                                 \
    split(g, n, &outer, &inner, &spread);                                                        \
    if (spread > 1) {                                                                            \
      for (size_t j = 0; j < inner; j++)                                                         \
        for (size_t i = j * spread; i < (j + 1) * spread; i++) n->value[i] = a->value[i] OP b->value[j]; \
      return;                                                                                    \
    }                                                                                            \
    for (size_t o = 0; o < outer; o++)                                                           \
      kernel(inner, a->value + o * inner, b->value, n->value + o * inner);                       \
  }
BINARY_FORWARD(add, dl_vadd, +)
BINARY_FORWARD(sub, dl_vsub, -)
BINARY_FORWARD(mul, dl_vmul, *)

/* da += dy; db += sign * (dy summed over repeats, or over each value's spread) */
static void add_sub_backward(dl_graph *g, dl_node *n, float sign) {
  dl_node *a = dl_input(g, n, 0), *b = dl_input(g, n, 1);
  size_t outer, inner, spread;
  split(g, n, &outer, &inner, &spread);
  if (a->needs_grad) {
    if (dl_grad_beta(a) == 0.0f) memcpy(a->grad, n->grad, outer * inner * spread * sizeof(float));
    else dl_vadd(outer * inner * spread, a->grad, n->grad, a->grad);
  }
  if (!b->needs_grad) return;
  if (spread > 1) {
    float beta = dl_grad_beta(b);
    for (size_t j = 0; j < inner; j++) {
      float sum = 0.0f;
      for (size_t i = j * spread; i < (j + 1) * spread; i++) sum += n->grad[i];
      b->grad[j] = beta * b->grad[j] + sign * sum;
    }
    return;
  }
  if (dl_grad_beta(b) == 0.0f) dl_vscale(inner, sign, n->grad, b->grad);
  else dl_vaxpy(inner, sign, n->grad, b->grad);
  for (size_t o = 1; o < outer; o++) dl_vaxpy(inner, sign, n->grad + o * inner, b->grad);
}
static void add_backward(dl_graph *g, dl_node *n) { add_sub_backward(g, n, 1.0f); }
static void sub_backward(dl_graph *g, dl_node *n) { add_sub_backward(g, n, -1.0f); }

/* da += dy * b; db += sum over repeats (or over each value's spread) of dy * a */
static void mul_backward(dl_graph *g, dl_node *n) {
  dl_node *a = dl_input(g, n, 0), *b = dl_input(g, n, 1);
  size_t outer, inner, spread;
  split(g, n, &outer, &inner, &spread);
  if (spread > 1) {
    for (size_t j = 0; j < inner; j++)
      for (size_t i = j * spread; i < (j + 1) * spread; i++) {
        if (a->needs_grad) a->grad[i] += n->grad[i] * b->value[j];
        if (b->needs_grad) b->grad[j] += n->grad[i] * a->value[i];
      }
    return;
  }
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
