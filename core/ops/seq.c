/* seq.c: tokens into vectors. embedding looks rows up in a table (its gradient adds them back,
 * a scatter-add); one_hot writes the indicator vectors. Token ids arrive as floats holding whole
 * numbers; an id outside the vocabulary stops the forward pass with a message (g->run_status). */
#include "ops.h"

/* ids[...] -> [..., width]: the id tensor's shape with one more trailing dim. */
static dl_status tokens_out(dl_graph *g, dl_node *n, const dl_node *ids, int width) {
  if (!ids->batched) return OP_FAIL(g, n, DL_ERR_SHAPE, "token ids must be batched");
  if (ids->ndim + 1 > DL_MAX_DIMS) return OP_FAIL(g, n, DL_ERR_SHAPE, "token ids have %d dims per sample, at most %d", ids->ndim - 1, DL_MAX_DIMS - 2);
  dl_shape_like(n, ids);
  n->shape[n->ndim++] = width;
  return DL_OK;
}

/* Every id a whole number in [0, V); else the run stops with the first bad one named. */
static int ids_valid(dl_graph *g, dl_node *n, const dl_node *ids, int V) {
  size_t k = dl_node_numel(g, ids), per = dl_node_sample_numel(ids);
  for (size_t i = 0; i < k; i++) {
    float c = ids->value[i];
    if (!(c >= 0.0f && c < (float)V && c == (float)(int)c)) {
      g->run_status = OP_FAIL(g, n, DL_ERR_ARG, "token %g at position %zu of sample %zu is not in the vocabulary [0, %d)", c, i % per,
                              i / per, V);
      return 0;
    }
  }
  return 1;
}

/* ---- embedding: y[..., :] = W[id, :] ---- */
static dl_status embedding_infer(dl_graph *g, dl_node *n) {
  dl_node *ids = dl_input(g, n, 0), *w = dl_input(g, n, 1);
  if (w->batched || w->ndim != 2) return OP_FAIL(g, n, DL_ERR_SHAPE, "table must be [vocabulary, width]");
  return tokens_out(g, n, ids, w->shape[1]);
}
static void embedding_forward(dl_graph *g, dl_node *n) {
  dl_node *ids = dl_input(g, n, 0), *w = dl_input(g, n, 1);
  int V = w->shape[0], D = w->shape[1];
  if (!ids_valid(g, n, ids, V)) return;
  size_t k = dl_node_numel(g, ids);
  for (size_t i = 0; i < k; i++) memcpy(n->value + i * D, w->value + (size_t)ids->value[i] * D, (size_t)D * sizeof(float));
}
static void embedding_backward(dl_graph *g, dl_node *n) {
  dl_node *ids = dl_input(g, n, 0), *w = dl_input(g, n, 1);
  if (!w->needs_grad) return; /* ids are data: they take no gradient */
  int D = w->shape[1];
  size_t k = dl_node_numel(g, ids);
  for (size_t i = 0; i < k; i++) dl_vadd((size_t)D, w->grad + (size_t)ids->value[i] * D, n->grad + i * D, w->grad + (size_t)ids->value[i] * D);
}
DL_DEFINE_OP_READS(embedding, 1); /* reads the ids */

/* ---- one_hot: i0 = depth ---- */
static dl_status one_hot_infer(dl_graph *g, dl_node *n) {
  int depth = n->iattr[0];
  if (depth < 2 || depth > 1 << 20) return OP_FAIL(g, n, DL_ERR_ARG, "depth %d outside [2, 1048576]", depth);
  return tokens_out(g, n, dl_input(g, n, 0), depth);
}
static void one_hot_forward(dl_graph *g, dl_node *n) {
  dl_node *ids = dl_input(g, n, 0);
  int V = n->iattr[0];
  if (!ids_valid(g, n, ids, V)) return;
  size_t k = dl_node_numel(g, ids);
  memset(n->value, 0, k * (size_t)V * sizeof(float));
  for (size_t i = 0; i < k; i++) n->value[i * V + (size_t)ids->value[i]] = 1.0f;
}
static void one_hot_backward(dl_graph *g, dl_node *n) { (void)g, (void)n; } /* ids take no gradient */
DL_DEFINE_OP_READS(one_hot, 0);
