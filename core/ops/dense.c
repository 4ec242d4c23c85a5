/* dense.c: the fully connected layer y = x W + b.
 * x[N,D] (per-sample dims flattened to D), W[D,M], b[M] (optional) -> y[N,M]. */
#include "ops.h"

/* GEMM packing space for every product dense makes, whatever the batch: the batch is never
 * more than 1 << 20 rows, and GEMM packs at most a block of them. */
static size_t dl_dense_workspace(int D, int M) {
  const int B = 1 << 20;
  size_t a = dl_gemm_workspace(B, M, D), b = dl_gemm_workspace(B, D, M), c = dl_gemm_workspace(D, M, B);
  return a > b ? (a > c ? a : c) : (b > c ? b : c);
}

static dl_status dense_infer(dl_graph *g, dl_node *n) {
  dl_node *x = dl_input(g, n, 0), *w = dl_input(g, n, 1);
  if (n->ninputs < 2 || n->ninputs > 3) return OP_FAIL(g, n, DL_ERR_ARG, "%d inputs given, expected x, W and optional b", n->ninputs);
  size_t D = x->batched ? dl_node_sample_numel(x) : dl_node_sample_numel(x) / (size_t)x->shape[0];
  if (w->ndim != 2) return OP_FAIL(g, n, DL_ERR_SHAPE, "weight must be 2-D [in, out], has %d dims", w->ndim);
  if ((size_t)w->shape[0] != D)
    return OP_FAIL(g, n, DL_ERR_SHAPE, "input has %zu features, weight expects %d", D, w->shape[0]);
  if (n->ninputs == 3) {
    dl_node *b = dl_input(g, n, 2);
    if (b->ndim != 1 || b->shape[0] != w->shape[1])
      return OP_FAIL(g, n, DL_ERR_SHAPE, "bias must be [%d]", w->shape[1]);
  }
  n->ndim = 2;
  n->shape[0] = x->batched ? 1 : x->shape[0];
  n->shape[1] = w->shape[1];
  n->batched = x->batched;
  n->scratch_fixed = dl_dense_workspace((int)D, w->shape[1]);
  n->workspace = 1; /* GEMM's packing */
  return DL_OK;
}

static void dense_forward(dl_graph *g, dl_node *n) {
  dl_node *x = dl_input(g, n, 0), *w = dl_input(g, n, 1);
  int rows = dl_node_rows(g, n), D = w->shape[0], M = w->shape[1];
  dl_gemm(0, 0, rows, M, D, x->value, D, w->value, M, 0.0f, n->value, M, n->scratch);
  if (n->ninputs == 3) dl_bias_rows(rows, M, dl_input(g, n, 2)->value, n->value);
}

static void dense_backward(dl_graph *g, dl_node *n) {
  dl_node *x = dl_input(g, n, 0), *w = dl_input(g, n, 1);
  int rows = dl_node_rows(g, n), D = w->shape[0], M = w->shape[1];
  if (x->needs_grad) dl_gemm(0, 1, rows, D, M, n->grad, M, w->value, M, dl_grad_beta(x), x->grad, D, n->scratch); /* dx (+)= dy W^T */
  if (w->needs_grad) dl_gemm(1, 0, D, M, rows, x->value, D, n->grad, M, dl_grad_beta(w), w->grad, M, n->scratch); /* dW (+)= x^T dy */
  if (n->ninputs == 3 && dl_input(g, n, 2)->needs_grad) {
    dl_node *b = dl_input(g, n, 2);
    if (dl_grad_beta(b) == 0.0f) memset(b->grad, 0, (size_t)M * sizeof(float));
    dl_colsum(rows, M, n->grad, b->grad);
  }
}

DL_DEFINE_OP_ASSIGNS(dense, 3); /* reads x and W */
