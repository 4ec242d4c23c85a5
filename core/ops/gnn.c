/* gnn.c: graph neural network layers on a dense adjacency matrix, one graph per sample.
 * Node features are rows: x[N, F] per sample. The adjacency adj[N, N] is per sample or one
 * unbatched matrix shared by every sample; adj[i][j] > 0 means node i receives from node j. It
 * takes no gradient: it is the data's structure, not a parameter. Both layers add self-loops
 * where adj's diagonal is 0, so a node keeps its own features (Ã below).
 *
 * graph_conv: x[N,F], adj -> Â x, one hop of message passing, Â by i0:
 *   0: D^-1/2 Ã D^-1/2 (the GCN's symmetric normalization), 1: D^-1 Ã (mean over the
 *   neighbourhood), 2: Ã (sum); D = diag of Ã's row sums. A GCN layer is graph_conv then dense.
 * graph_attention: h[N,F], adj, a_self[F], a_nbr[F] -> out[N,F] (one GAT head):
 *   e_ij = LeakyReLU(a_self·h_i + a_nbr·h_j) (slope f0, 0: 0.2), α_ij = softmax over the j
 *   with Ã_ij > 0, out_i = Σ_j α_ij h_j. The weights α stay in scratch, for backward and views. */
#include "ops.h"

typedef struct {
  int N, F;
  size_t adj_stride; /* 0: one adjacency for every sample */
} gnn_dims;

static gnn_dims gnn_of(dl_graph *g, dl_node *n) {
  dl_node *x = dl_input(g, n, 0), *adj = dl_input(g, n, 1);
  gnn_dims d = {x->shape[1], x->shape[2], adj->batched ? (size_t)x->shape[1] * x->shape[1] : 0};
  return d;
}

/* x[N,F] per sample and adj [N,N] (per sample or shared); for attention also a_self, a_nbr [F]. */
static dl_status gnn_check(dl_graph *g, dl_node *n, int attention) {
  dl_node *x = dl_input(g, n, 0), *adj = dl_input(g, n, 1);
  char s[64];
  if (!x->batched || x->ndim != 3) return OP_FAIL(g, n, DL_ERR_SHAPE, "node features are %s: expected [nodes, features] per sample", dl_shape_str(x, s, sizeof s));
  int N = x->shape[1];
  if (adj->ndim != (adj->batched ? 3 : 2) || adj->shape[adj->ndim - 1] != N || adj->shape[adj->ndim - 2] != N)
    return OP_FAIL(g, n, DL_ERR_SHAPE, "adjacency is %s: expected [%d, %d] for %d nodes", dl_shape_str(adj, s, sizeof s), N, N, N);
  for (int i = 2; attention && i < 4; i++) {
    dl_node *a = dl_input(g, n, i);
    if (a->batched || a->ndim != 1 || a->shape[0] != x->shape[2])
      return OP_FAIL(g, n, DL_ERR_SHAPE, "%s is %s: expected one vector [%d]", i == 2 ? "a_self" : "a_nbr", dl_shape_str(a, s, sizeof s), x->shape[2]);
  }
  dl_shape_like(n, x);
  n->work_floats = dl_gemm_workspace(N, x->shape[2], N) > dl_gemm_workspace(N, N, x->shape[2]) ? dl_gemm_workspace(N, x->shape[2], N)
                                                                                               : dl_gemm_workspace(N, N, x->shape[2]);
  return DL_OK;
}

/* Ã = adj with self-loops where its diagonal is 0; negative or non-finite entries stop the run. */
static int with_self_loops(dl_graph *g, dl_node *n, const float *adj, int N, size_t sample, float *out) {
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) {
      float a = adj[(size_t)i * N + j];
      if (!(a >= 0.0f && a < INFINITY)) {
        g->run_status = OP_FAIL(g, n, DL_ERR_ARG, "adjacency entry (%d, %d) of sample %zu is %g: entries must be finite and >= 0", i, j, sample, a);
        return 0;
      }
      out[(size_t)i * N + j] = i == j && a == 0.0f ? 1.0f : a;
    }
  return 1;
}

/* ---- graph_conv ---- */
static dl_status graph_conv_infer(dl_graph *g, dl_node *n) {
  if (n->iattr[0] < 0 || n->iattr[0] > 2) return OP_FAIL(g, n, DL_ERR_ARG, "normalization %d, expected 0 (symmetric), 1 (mean) or 2 (sum)", n->iattr[0]);
  dl_status st = gnn_check(g, n, 0);
  if (st) return st;
  n->scratch_per_sample = dl_size_mul((uint64_t)n->shape[1], (uint64_t)n->shape[1] + 1); /* Â, kept for backward */
  return DL_OK;
}

static void graph_conv_forward(dl_graph *g, dl_node *n) {
  dl_node *x = dl_input(g, n, 0), *adj = dl_input(g, n, 1);
  gnn_dims d = gnn_of(g, n);
  size_t NN = (size_t)d.N * d.N, NF = (size_t)d.N * d.F;
  for (int b = 0; b < g->batch; b++) {
    float *A = n->scratch + b * (NN + d.N), *r = A + NN; /* Â, then a scale per node */
    if (!with_self_loops(g, n, adj->value + b * d.adj_stride, d.N, (size_t)b, A)) return;
    for (int i = 0; i < d.N; i++) { /* the degree d_i >= 1: every node has its self-loop */
      float deg = 0.0f;
      for (int j = 0; j < d.N; j++) deg += A[(size_t)i * d.N + j];
      r[i] = n->iattr[0] == 0 ? 1.0f / sqrtf(deg) : n->iattr[0] == 1 ? 1.0f / deg : 1.0f;
    }
    for (int i = 0; i < d.N; i++) /* symmetric: Ã_ij / sqrt(d_i d_j); mean: Ã_ij / d_i */
      for (int j = 0; j < d.N; j++) A[(size_t)i * d.N + j] *= r[i] * (n->iattr[0] == 0 ? r[j] : 1.0f);
    dl_gemm(0, 0, d.N, d.F, d.N, A, d.N, x->value + b * NF, d.F, 0.0f, n->value + b * NF, d.F, n->work);
  }
}

static void graph_conv_backward(dl_graph *g, dl_node *n) {
  dl_node *x = dl_input(g, n, 0);
  if (!x->needs_grad) return;
  gnn_dims d = gnn_of(g, n);
  size_t NN = (size_t)d.N * d.N, NF = (size_t)d.N * d.F;
  for (int b = 0; b < g->batch; b++) /* dx = Âᵀ dy */
    dl_gemm(1, 0, d.N, d.F, d.N, n->scratch + b * (NN + d.N), d.N, n->grad + b * NF, d.F, 1.0f, x->grad + b * NF, d.F, n->work);
}

DL_DEFINE_OP_READS(graph_conv, 0); /* Â is in scratch */

/* ---- graph_attention ---- */
static dl_status graph_attention_infer(dl_graph *g, dl_node *n) {
  if (!(n->fattr[0] >= 0.0f && n->fattr[0] < 1.0f)) return OP_FAIL(g, n, DL_ERR_ARG, "slope %g, expected in [0, 1) (0: 0.2)", n->fattr[0]);
  dl_status st = gnn_check(g, n, 1);
  if (st) return st;
  uint64_t N = (uint64_t)n->shape[1];
  n->scratch_per_sample = dl_size_mul(N, 2 * N + 4); /* α, dα, and the scores s, t with their gradients */
  return DL_OK;
}

static float gat_slope(const dl_node *n) { return n->fattr[0] > 0.0f ? n->fattr[0] : 0.2f; }

/* s_i = a_self·h_i and t_j = a_nbr·h_j, the two halves of every pair's score. */
static void gat_scores(const float *h, const float *as, const float *an, int N, int F, float *s, float *t) {
  for (int i = 0; i < N; i++) {
    float si = 0.0f, ti = 0.0f;
    for (int f = 0; f < F; f++) si += as[f] * h[(size_t)i * F + f], ti += an[f] * h[(size_t)i * F + f];
    s[i] = si, t[i] = ti;
  }
}

static void graph_attention_forward(dl_graph *g, dl_node *n) {
  dl_node *h = dl_input(g, n, 0), *adj = dl_input(g, n, 1), *as = dl_input(g, n, 2), *an = dl_input(g, n, 3);
  gnn_dims d = gnn_of(g, n);
  size_t NN = (size_t)d.N * d.N, NF = (size_t)d.N * d.F;
  float slope = gat_slope(n);
  for (int b = 0; b < g->batch; b++) {
    float *P = n->scratch + b * (2 * NN + 4 * (size_t)d.N), *s = P + 2 * NN, *t = s + d.N;
    const float *hb = h->value + b * NF;
    if (!with_self_loops(g, n, adj->value + b * d.adj_stride, d.N, (size_t)b, P)) return;
    gat_scores(hb, as->value, an->value, d.N, d.F, s, t);
    for (int i = 0; i < d.N; i++) { /* a softmax over i's neighbourhood (never empty: the self-loop) */
      float *row = P + (size_t)i * d.N, top = -INFINITY, sum = 0.0f;
      for (int j = 0; j < d.N; j++) {
        float z = s[i] + t[j];
        row[j] = row[j] > 0.0f ? (z > 0.0f ? z : slope * z) : -INFINITY;
        top = row[j] > top ? row[j] : top;
      }
      for (int j = 0; j < d.N; j++) sum += (row[j] = row[j] == -INFINITY ? 0.0f : expf(row[j] - top));
      for (int j = 0; j < d.N; j++) row[j] /= sum;
    }
    dl_gemm(0, 0, d.N, d.F, d.N, P, d.N, hb, d.F, 0.0f, n->value + b * NF, d.F, n->work);
  }
}

static void graph_attention_backward(dl_graph *g, dl_node *n) {
  dl_node *h = dl_input(g, n, 0), *as = dl_input(g, n, 2), *an = dl_input(g, n, 3);
  gnn_dims d = gnn_of(g, n);
  size_t NN = (size_t)d.N * d.N, NF = (size_t)d.N * d.F;
  float slope = gat_slope(n);
  for (int b = 0; b < g->batch; b++) {
    float *P = n->scratch + b * (2 * NN + 4 * (size_t)d.N), *dP = P + NN, *s = dP + NN, *t = s + d.N, *ds = t + d.N, *dt = ds + d.N;
    const float *hb = h->value + b * NF, *dy = n->grad + b * NF;
    gat_scores(hb, as->value, an->value, d.N, d.F, s, t);
    dl_gemm(0, 1, d.N, d.N, d.F, dy, d.F, hb, d.F, 0.0f, dP, d.N, n->work); /* dα_ij = dy_i · h_j */
    memset(ds, 0, 2 * (size_t)d.N * sizeof(float));
    for (int i = 0; i < d.N; i++) { /* through the softmax, then the LeakyReLU, to s_i and t_j */
      const float *p = P + (size_t)i * d.N, *dp = dP + (size_t)i * d.N;
      float dot = 0.0f;
      for (int j = 0; j < d.N; j++) dot += p[j] * dp[j];
      for (int j = 0; j < d.N; j++) {
        if (p[j] == 0.0f) continue; /* outside the neighbourhood, or a weight too small to matter */
        float z = s[i] + t[j], de = p[j] * (dp[j] - dot) * (z > 0.0f ? 1.0f : slope);
        ds[i] += de, dt[j] += de;
      }
    }
    if (h->needs_grad) { /* h feeds the sum (αᵀ dy) and both scores */
      float *dh = h->grad + b * NF;
      dl_gemm(1, 0, d.N, d.F, d.N, P, d.N, dy, d.F, 1.0f, dh, d.F, n->work);
      for (int i = 0; i < d.N; i++)
        for (int f = 0; f < d.F; f++) dh[(size_t)i * d.F + f] += ds[i] * as->value[f] + dt[i] * an->value[f];
    }
    for (int i = 0; i < d.N; i++)
      for (int f = 0; f < d.F; f++) {
        if (as->needs_grad) as->grad[f] += ds[i] * hb[(size_t)i * d.F + f];
        if (an->needs_grad) an->grad[f] += dt[i] * hb[(size_t)i * d.F + f];
      }
  }
}

DL_DEFINE_OP_READS(graph_attention, 13); /* h, a_self, a_nbr; α is in scratch */
