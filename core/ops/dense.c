/* dense.c: the fully connected layer y = x W + b.
 * x[N,D] (per-sample dims flattened to D), W[D,M], b[M] (optional) -> y[N,M]. */
#include "ops.h"

/* GEMM packing space for every product dense makes, whatever the batch: the batch is never
 * more than 1 << 20 rows, and GEMM packs at most a block of them. */
static size_t dl_dense_workspace(int D, int M) {
  const int B = 1 << 20;
  size_t w[4] = {dl_gemm_workspace(B, M, D), dl_gemm_workspace(B, D, M), dl_gemm_workspace(D, M, B), dl_gemm_workspace(M, D, B)}, most = 0;
  for (int k = 0; k < 4; k++) most = w[k] > most ? w[k] : most;
  return most;
}

/* i0 = 1: W is stored [M, D] and used transposed (a weight tied to another layer's, as a
 * decoder shares its encoder's or an output projection its embedding's).
 * i1 = 1: per position: x[..., D] -> [..., M] over the last dim only (a sequence's steps). */
static size_t dense_in(const dl_node *x, int per_position) {
  if (per_position) return (size_t)x->shape[x->ndim - 1];
  return x->batched ? dl_node_sample_numel(x) : dl_node_sample_numel(x) / (size_t)x->shape[0];
}
static dl_status dense_infer(dl_graph *g, dl_node *n) {
  dl_node *x = dl_input(g, n, 0), *w = dl_input(g, n, 1);
  int tw = n->iattr[0];
  if (n->ninputs < 2 || n->ninputs > 3) return OP_FAIL(g, n, DL_ERR_ARG, "%d inputs given, expected x, W and optional b", n->ninputs);
  if (tw != 0 && tw != 1) return OP_FAIL(g, n, DL_ERR_ARG, "transpose flag %d, expected 0 or 1", tw);
  if (n->iattr[1] != 0 && n->iattr[1] != 1) return OP_FAIL(g, n, DL_ERR_ARG, "per-position flag %d, expected 0 or 1", n->iattr[1]);
  size_t D = dense_in(x, n->iattr[1]);
  if (w->ndim != 2) return OP_FAIL(g, n, DL_ERR_SHAPE, "weight must be 2-D [in, out], has %d dims", w->ndim);
  int M = w->shape[tw ? 0 : 1];
  if ((size_t)w->shape[tw ? 1 : 0] != D)
    return OP_FAIL(g, n, DL_ERR_SHAPE, "input has %zu features, weight expects %d", D, w->shape[tw ? 1 : 0]);
  if (n->ninputs == 3) {
    dl_node *b = dl_input(g, n, 2);
    if (b->ndim != 1 || b->shape[0] != M) return OP_FAIL(g, n, DL_ERR_SHAPE, "bias must be [%d]", M);
  }
  if (n->iattr[1]) {
    dl_shape_like(n, x);
    n->shape[n->ndim - 1] = M;
  } else {
    n->ndim = 2;
    n->shape[0] = x->batched ? 1 : x->shape[0];
    n->shape[1] = M;
    n->batched = x->batched;
  }
  n->scratch_fixed = dl_dense_workspace((int)D, M);
  n->workspace = 1; /* GEMM's packing */
  return DL_OK;
}

/* Rows of the product: samples, or samples times positions. */
static int dense_rows(dl_graph *g, dl_node *n) { return (int)(dl_node_numel(g, n) / (size_t)n->shape[n->ndim - 1]); }

static void dense_forward(dl_graph *g, dl_node *n) {
  dl_node *x = dl_input(g, n, 0), *w = dl_input(g, n, 1);
  int tw = n->iattr[0], rows = dense_rows(g, n), M = n->shape[n->ndim - 1], D = w->shape[tw ? 1 : 0];
  dl_gemm(0, tw, rows, M, D, x->value, D, w->value, tw ? D : M, 0.0f, n->value, M, n->scratch);
  if (n->ninputs == 3) dl_bias_rows(rows, M, dl_input(g, n, 2)->value, n->value);
}

static void dense_backward(dl_graph *g, dl_node *n) {
  dl_node *x = dl_input(g, n, 0), *w = dl_input(g, n, 1);
  int tw = n->iattr[0], rows = dense_rows(g, n), M = n->shape[n->ndim - 1], D = w->shape[tw ? 1 : 0];
  if (x->needs_grad) /* dx (+)= dy W^T, or dy W when W is stored transposed */
    dl_gemm(0, !tw, rows, D, M, n->grad, M, w->value, tw ? D : M, dl_grad_beta(x), x->grad, D, n->scratch);
  if (w->needs_grad) { /* dW (+)= x^T dy, or its transpose dy^T x */
    if (tw) dl_gemm(1, 0, M, D, rows, n->grad, M, x->value, D, dl_grad_beta(w), w->grad, D, n->scratch);
    else dl_gemm(1, 0, D, M, rows, x->value, D, n->grad, M, dl_grad_beta(w), w->grad, M, n->scratch);
  }
  if (n->ninputs == 3 && dl_input(g, n, 2)->needs_grad) {
    dl_node *b = dl_input(g, n, 2);
    if (dl_grad_beta(b) == 0.0f) memset(b->grad, 0, (size_t)M * sizeof(float));
    dl_colsum(rows, M, n->grad, b->grad);
  }
}

DL_DEFINE_OP_ASSIGNS(dense, 3); /* reads x and W */
