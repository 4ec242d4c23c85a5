/* attn.c: attention and the batched products it is made of.
 *
 * attention is one op: q[T, D], k[S, D], v[S, D] and an optional mask[S] (1 keep, 0 padding)
 * -> [T, D], with i0 = heads, i1 = causal, f0 = scale (0: 1/sqrt(D/heads)). Head h reads
 * columns [h dh, (h+1) dh) of q, k and v (dh = D/heads) and writes the same columns of the
 * output, so heads need no permute: the GEMMs read them in place through their row strides.
 * Per sample and head: S = scale q k^T, masked to -inf where a key is padding or (causal) in
 * the future, P = softmax(S) by rows, out = P v. P stays in scratch for backward and for views
 * (the attention maps). Causal with S > T aligns the queries to the last T keys: query t sees
 * keys up to t + S - T (a query appended to a cache of S - T earlier keys sees them all).
 * i2 = 1, the key-value cache of generation: inputs q, k, v [1, D], caches kc, vc [C, D] and
 * pos [1]; forward stores k and v in row pos of the caches, then the query attends to rows
 * 0..pos (P is [heads, 1, C]). Forward only: generation does not train.
 *
 * matmul: a[..., M, K] b[..., K, N] -> [..., M, N] per sample, i0 = transpose a, i1 = transpose
 * b; b may be unbatched [K, N] (shared by every sample and leading index).
 * permute: i0.. = the new order of the per-sample axes (1-based, as axes count the batch). */
#include <float.h>
#include "ops.h"

/* ---- attention ---- */
typedef struct {
  int T, S, D, heads, dh, causal;
  float scale;
} attn_dims;

static attn_dims attn_of(dl_graph *g, dl_node *n) {
  dl_node *q = dl_input(g, n, 0), *k = dl_input(g, n, n->iattr[2] ? 3 : 1);
  attn_dims a = {q->shape[1], k->shape[1], q->shape[2], n->iattr[0], q->shape[2] / n->iattr[0], n->iattr[1], n->fattr[0]};
  if (a.scale == 0.0f) a.scale = 1.0f / sqrtf((float)a.dh);
  return a;
}

static dl_status cached_infer(dl_graph *g, dl_node *n) {
  if (n->ninputs != 6) return OP_FAIL(g, n, DL_ERR_ARG, "%d inputs given, expected q, k, v, the key and value caches and pos", n->ninputs);
  dl_node *q = dl_input(g, n, 0), *kc = dl_input(g, n, 3);
  int D = q->shape[q->ndim - 1], heads = n->iattr[0];
  for (int i = 0; i < 5; i++) {
    dl_node *x = dl_input(g, n, i);
    int rows = i < 3 ? 1 : kc->shape[1];
    if (!x->batched || x->ndim != 3 || x->shape[1] != rows || x->shape[2] != D) return OP_FAIL(g, n, DL_ERR_SHAPE, "cached attention takes q, k, v [1, %d] and caches [C, %d]", D, D);
  }
  if (!dl_input(g, n, 5)->batched || dl_node_sample_numel(dl_input(g, n, 5)) != 1) return OP_FAIL(g, n, DL_ERR_SHAPE, "pos must be [1] per sample");
  if (heads < 1 || D % heads) return OP_FAIL(g, n, DL_ERR_ARG, "%d heads do not divide the width %d", heads, D);
  dl_shape_like(n, q);
  int C = kc->shape[1], dh = D / heads;
  n->scratch_per_sample = dl_size_mul((uint64_t)heads, (uint64_t)C);
  n->work_floats = dl_gemm_workspace(1, C, dh) > dl_gemm_workspace(1, dh, C) ? dl_gemm_workspace(1, C, dh) : dl_gemm_workspace(1, dh, C);
  return DL_OK;
}

static dl_status attention_infer(dl_graph *g, dl_node *n) {
  if (n->iattr[2] == 1) return cached_infer(g, n);
  if (n->iattr[2] != 0) return OP_FAIL(g, n, DL_ERR_ARG, "cache flag %d, expected 0 or 1", n->iattr[2]);
  if (n->ninputs != 3 && n->ninputs != 4) return OP_FAIL(g, n, DL_ERR_ARG, "%d inputs given, expected q, k, v and an optional mask", n->ninputs);
  dl_node *q = dl_input(g, n, 0), *k = dl_input(g, n, 1), *v = dl_input(g, n, 2);
  for (int i = 0; i < 3; i++) {
    dl_node *x = dl_input(g, n, i);
    if (!x->batched || x->ndim != 3) return OP_FAIL(g, n, DL_ERR_SHAPE, "%s must be a sequence [steps, width] per sample", i == 0 ? "q" : i == 1 ? "k" : "v");
  }
  int T = q->shape[1], S = k->shape[1], D = q->shape[2], heads = n->iattr[0];
  if (k->shape[2] != D || v->shape[2] != D) return OP_FAIL(g, n, DL_ERR_SHAPE, "q, k and v must have the same width, have %d, %d and %d", D, k->shape[2], v->shape[2]);
  if (v->shape[1] != S) return OP_FAIL(g, n, DL_ERR_SHAPE, "k has %d steps but v has %d", S, v->shape[1]);
  if (heads < 1 || D % heads) return OP_FAIL(g, n, DL_ERR_ARG, "%d heads do not divide the width %d", heads, D);
  if (n->iattr[1] != 0 && n->iattr[1] != 1) return OP_FAIL(g, n, DL_ERR_ARG, "causal flag %d, expected 0 or 1", n->iattr[1]);
  if (n->iattr[1] && S < T) return OP_FAIL(g, n, DL_ERR_SHAPE, "causal attention needs at least as many keys (%d) as queries (%d)", S, T);
  if (!(n->fattr[0] >= 0.0f)) return OP_FAIL(g, n, DL_ERR_ARG, "scale %g must be positive (0: 1/sqrt(head width))", n->fattr[0]);
  if (n->ninputs == 4) {
    dl_node *m = dl_input(g, n, 3);
    if (!m->batched || dl_node_sample_numel(m) != (size_t)S) return OP_FAIL(g, n, DL_ERR_SHAPE, "mask must be [%d] per sample, one per key", S);
  }
  dl_shape_like(n, q);
  n->scratch_per_sample = dl_size_mul((uint64_t)heads, dl_size_mul((uint64_t)T, (uint64_t)S));
  /* dP of one head, then GEMM's packing */
  int dh = D / heads;
  size_t w[3] = {dl_gemm_workspace(T, S, dh), dl_gemm_workspace(T, dh, S), dl_gemm_workspace(S, dh, T)}, most = 0;
  for (int i = 0; i < 3; i++) most = w[i] > most ? w[i] : most;
  n->work_floats = dl_size_add(dl_size_mul((uint64_t)T, (uint64_t)S), most);
  return DL_OK;
}

/* One row of scores: scale, mask (keys past `last`, or with mask 0), softmax in place. A row
 * with every key masked is all zeros. */
static void masked_softmax_row(float *row, int S, float scale, int last, const float *mask) {
  float m = -FLT_MAX;
  int any = 0;
  for (int s = 0; s <= last; s++)
    if (!mask || mask[s] != 0.0f) {
      row[s] *= scale;
      m = row[s] > m ? row[s] : m;
      any = 1;
    }
  if (!any) {
    memset(row, 0, (size_t)S * sizeof(float));
    return;
  }
  for (int s = 0; s <= last; s++) row[s] = !mask || mask[s] != 0.0f ? row[s] - m : -FLT_MAX;
  dl_vexp((size_t)last + 1, row, row); /* masked keys come out tiny (the kernel clamps at e^-87): zeroed below */
  double sum = 0.0;
  for (int s = 0; s <= last; s++) {
    if (mask && mask[s] == 0.0f) row[s] = 0.0f;
    sum += row[s];
  }
  float inv = (float)(1.0 / sum);
  for (int s = 0; s <= last; s++) row[s] *= inv;
  for (int s = last + 1; s < S; s++) row[s] = 0.0f;
}

/* One new query per sample against its cache (after storing the new key and value). */
static void cached_forward(dl_graph *g, dl_node *n) {
  attn_dims a = attn_of(g, n);
  dl_node *q = dl_input(g, n, 0), *k = dl_input(g, n, 1), *v = dl_input(g, n, 2), *kc = dl_input(g, n, 3), *vc = dl_input(g, n, 4);
  const float *pos = dl_input(g, n, 5)->value;
  int C = a.S;
  for (int i = 0; i < g->batch; i++) {
    int p = (int)pos[i];
    if (!(pos[i] >= 0 && p < C && pos[i] == (float)p)) {
      g->run_status = OP_FAIL(g, n, DL_ERR_ARG, "position %g outside the cache of %d steps", pos[i], C);
      return;
    }
    float *K = kc->value + (size_t)i * C * a.D, *V = vc->value + (size_t)i * C * a.D;
    memcpy(K + (size_t)p * a.D, k->value + (size_t)i * a.D, (size_t)a.D * sizeof(float));
    memcpy(V + (size_t)p * a.D, v->value + (size_t)i * a.D, (size_t)a.D * sizeof(float));
    for (int h = 0; h < a.heads; h++) {
      float *P = n->scratch + ((size_t)i * a.heads + h) * C;
      dl_gemm(0, 1, 1, p + 1, a.dh, q->value + (size_t)i * a.D + h * a.dh, a.D, K + h * a.dh, a.D, 0.0f, P, C, n->work);
      masked_softmax_row(P, C, a.scale, p, NULL);
      dl_gemm(0, 0, 1, a.dh, p + 1, P, C, V + h * a.dh, a.D, 0.0f, n->value + (size_t)i * a.D + h * a.dh, a.D, n->work);
    }
  }
}

static void attention_forward(dl_graph *g, dl_node *n) {
  if (n->iattr[2]) {
    cached_forward(g, n);
    return;
  }
  attn_dims a = attn_of(g, n);
  dl_node *q = dl_input(g, n, 0), *k = dl_input(g, n, 1), *v = dl_input(g, n, 2), *mk = n->ninputs == 4 ? dl_input(g, n, 3) : NULL;
  float *ws = n->work + (size_t)a.T * a.S;
  for (int i = 0; i < g->batch; i++) {
    size_t qo = (size_t)i * a.T * a.D, ko = (size_t)i * a.S * a.D;
    const float *mask = mk ? mk->value + (size_t)i * a.S : NULL;
    for (int h = 0; h < a.heads; h++) {
      float *P = n->scratch + ((size_t)i * a.heads + h) * a.T * a.S;
      dl_gemm(0, 1, a.T, a.S, a.dh, q->value + qo + h * a.dh, a.D, k->value + ko + h * a.dh, a.D, 0.0f, P, a.S, ws);
      for (int t = 0; t < a.T; t++) masked_softmax_row(P + (size_t)t * a.S, a.S, a.scale, a.causal ? t + a.S - a.T : a.S - 1, mask);
      dl_gemm(0, 0, a.T, a.dh, a.S, P, a.S, v->value + ko + h * a.dh, a.D, 0.0f, n->value + qo + h * a.dh, a.D, ws);
    }
  }
}

static void attention_backward(dl_graph *g, dl_node *n) {
  attn_dims a = attn_of(g, n);
  dl_node *q = dl_input(g, n, 0), *k = dl_input(g, n, 1), *v = dl_input(g, n, 2);
  float *dP = n->work, *ws = n->work + (size_t)a.T * a.S;
  for (int i = 0; i < g->batch; i++) {
    size_t qo = (size_t)i * a.T * a.D, ko = (size_t)i * a.S * a.D;
    for (int h = 0; h < a.heads; h++) {
      const float *P = n->scratch + ((size_t)i * a.heads + h) * a.T * a.S, *dO = n->grad + qo + h * a.dh;
      if (v->needs_grad) dl_gemm(1, 0, a.S, a.dh, a.T, P, a.S, dO, a.D, 1.0f, v->grad + ko + h * a.dh, a.D, ws);
      if (!q->needs_grad && !k->needs_grad) continue;
      dl_gemm(0, 1, a.T, a.S, a.dh, dO, a.D, v->value + ko + h * a.dh, a.D, 0.0f, dP, a.S, ws);
      for (int t = 0; t < a.T; t++) { /* dS = scale P (dP - sum_s P dP) */
        const float *p = P + (size_t)t * a.S;
        float *d = dP + (size_t)t * a.S;
        float dot = dl_vdot((size_t)a.S, p, d);
        for (int s = 0; s < a.S; s++) d[s] = a.scale * p[s] * (d[s] - dot);
      }
      if (q->needs_grad) dl_gemm(0, 0, a.T, a.dh, a.S, dP, a.S, k->value + ko + h * a.dh, a.D, 1.0f, q->grad + qo + h * a.dh, a.D, ws);
      if (k->needs_grad) dl_gemm(1, 0, a.S, a.dh, a.T, dP, a.S, q->value + qo + h * a.dh, a.D, 1.0f, k->grad + ko + h * a.dh, a.D, ws);
    }
  }
}
DL_DEFINE_OP_READS(attention, 7); /* q, k, v; P is in scratch */

/* ---- matmul ---- */
typedef struct {
  int M, N, K, ta, tb;
  size_t batches; /* products per sample */
  int shared_b;
} mm_dims;

static mm_dims mm_of(const dl_node *n, const dl_node *a, const dl_node *b) {
  mm_dims d = {n->shape[n->ndim - 2], n->shape[n->ndim - 1], 0, n->iattr[0], n->iattr[1], 1, !b->batched};
  d.K = a->shape[a->ndim - (d.ta ? 2 : 1)];
  for (int i = 1; i < n->ndim - 2; i++) d.batches *= (size_t)n->shape[i];
  return d;
}

static dl_status matmul_infer(dl_graph *g, dl_node *n) {
  dl_node *a = dl_input(g, n, 0), *b = dl_input(g, n, 1);
  int ta = n->iattr[0], tb = n->iattr[1];
  if ((ta | tb) & ~1) return OP_FAIL(g, n, DL_ERR_ARG, "transpose flags must be 0 or 1");
  if (!a->batched || a->ndim < 3) return OP_FAIL(g, n, DL_ERR_SHAPE, "a must be batched and at least [rows, cols] per sample");
  if (b->batched ? b->ndim != a->ndim : b->ndim != 2) {
    char s[64];
    return OP_FAIL(g, n, DL_ERR_SHAPE, "b is %s: it must have a's leading dims, or be one unbatched matrix", dl_shape_str(b, s, sizeof s));
  }
  for (int i = 1; b->batched && i < a->ndim - 2; i++)
    if (a->shape[i] != b->shape[i]) return OP_FAIL(g, n, DL_ERR_SHAPE, "leading dim %d differs: %d and %d", i, a->shape[i], b->shape[i]);
  int am = a->shape[a->ndim - 2], ak = a->shape[a->ndim - 1], bk = b->shape[b->ndim - 2], bn = b->shape[b->ndim - 1];
  int M = ta ? ak : am, K = ta ? am : ak, K2 = tb ? bn : bk, N = tb ? bk : bn;
  if (K != K2) return OP_FAIL(g, n, DL_ERR_SHAPE, "inner dims differ: a gives %d, b gives %d", K, K2);
  dl_shape_like(n, a);
  n->shape[n->ndim - 2] = M, n->shape[n->ndim - 1] = N;
  size_t w[3] = {dl_gemm_workspace(M, N, K), dl_gemm_workspace(M, K, N), dl_gemm_workspace(K, N, M)}, most = 0;
  for (int i = 0; i < 3; i++) most = w[i] > most ? w[i] : most;
  if (!b->batched) most = dl_gemm_workspace(1 << 20, N > K ? N : K, N > K ? N : K) > most ? dl_gemm_workspace(1 << 20, N > K ? N : K, N > K ? N : K) : most;
  n->work_floats = most;
  return DL_OK;
}

static void matmul_forward(dl_graph *g, dl_node *n) {
  dl_node *a = dl_input(g, n, 0), *b = dl_input(g, n, 1);
  mm_dims d = mm_of(n, a, b);
  size_t count = d.batches * (size_t)g->batch, as = (size_t)d.M * d.K, bs = d.shared_b ? 0 : (size_t)d.K * d.N, cs = (size_t)d.M * d.N;
  int lda = d.ta ? d.M : d.K, ldb = d.tb ? d.K : d.N;
  if (d.shared_b && !d.ta) { /* one product over every row */
    dl_gemm(0, d.tb, (int)(count * d.M), d.N, d.K, a->value, d.K, b->value, ldb, 0.0f, n->value, d.N, n->work);
    return;
  }
  for (size_t i = 0; i < count; i++) dl_gemm(d.ta, d.tb, d.M, d.N, d.K, a->value + i * as, lda, b->value + i * bs, ldb, 0.0f, n->value + i * cs, d.N, n->work);
}

static void matmul_backward(dl_graph *g, dl_node *n) {
  dl_node *a = dl_input(g, n, 0), *b = dl_input(g, n, 1);
  mm_dims d = mm_of(n, a, b);
  size_t count = d.batches * (size_t)g->batch, as = (size_t)d.M * d.K, bs = d.shared_b ? 0 : (size_t)d.K * d.N, cs = (size_t)d.M * d.N;
  int lda = d.ta ? d.M : d.K, ldb = d.tb ? d.K : d.N;
  for (size_t i = 0; i < count; i++) {
    const float *dc = n->grad + i * cs, *av = a->value + i * as, *bv = b->value + i * bs;
    if (a->needs_grad) { /* dA = dC B^T (or its transpose when A is stored transposed) */
      if (d.ta) dl_gemm(d.tb, 1, d.K, d.M, d.N, bv, ldb, dc, d.N, 1.0f, a->grad + i * as, lda, n->work);
      else dl_gemm(0, !d.tb, d.M, d.K, d.N, dc, d.N, bv, ldb, 1.0f, a->grad + i * as, lda, n->work);
    }
    if (b->needs_grad) { /* dB = A^T dC (or its transpose) */
      if (d.tb) dl_gemm(1, d.ta, d.N, d.K, d.M, dc, d.N, av, lda, 1.0f, b->grad + i * bs, ldb, n->work);
      else dl_gemm(!d.ta, 0, d.K, d.N, d.M, av, lda, dc, d.N, 1.0f, b->grad + i * bs, ldb, n->work);
    }
  }
}
DL_DEFINE_OP_READS(matmul, 3);

/* ---- permute ---- */
static dl_status permute_infer(dl_graph *g, dl_node *n) {
  dl_node *x = dl_input(g, n, 0);
  if (!x->batched) return OP_FAIL(g, n, DL_ERR_SHAPE, "input must be batched");
  int nd = x->ndim - 1, seen = 0;
  for (int i = 0; i < nd; i++) {
    int p = n->iattr[i];
    if (p < 1 || p > nd || (seen >> p & 1)) return OP_FAIL(g, n, DL_ERR_ARG, "axes must be an order of 1..%d, each once", nd);
    seen |= 1 << p;
  }
  dl_shape_like(n, x);
  for (int i = 0; i < nd; i++) n->shape[1 + i] = x->shape[n->iattr[i]];
  return DL_OK;
}

/* Visit every element: out index (row-major over the output's per-sample dims) and the input
 * index it comes from. back = 1 moves gradients from out to in. */
static void permute_move(dl_graph *g, dl_node *n, int back) {
  dl_node *x = dl_input(g, n, 0);
  int nd = x->ndim - 1, dims[DL_MAX_DIMS], idx[DL_MAX_DIMS] = {0};
  size_t in_stride[DL_MAX_DIMS], st = 1, per = dl_node_sample_numel(x);
  for (int i = nd - 1; i >= 0; i--) in_stride[i] = st, st *= (size_t)x->shape[1 + i];
  size_t step[DL_MAX_DIMS];
  for (int i = 0; i < nd; i++) dims[i] = n->shape[1 + i], step[i] = in_stride[n->iattr[i] - 1];
  for (int b = 0; b < g->batch; b++) {
    const float *src = back ? n->grad + b * per : x->value + b * per;
    float *dst = back ? x->grad + b * per : n->value + b * per;
    size_t from = 0;
    memset(idx, 0, sizeof idx);
    for (size_t o = 0; o < per; o++) {
      if (back) dst[from] += src[o];
      else dst[o] = src[from];
      for (int i = nd - 1; i >= 0; i--) { /* odometer */
        from += step[i];
        if (++idx[i] < dims[i]) break;
        from -= step[i] * (size_t)dims[i];
        idx[i] = 0;
      }
    }
  }
}
static void permute_forward(dl_graph *g, dl_node *n) { permute_move(g, n, 0); }
static void permute_backward(dl_graph *g, dl_node *n) {
  if (dl_input(g, n, 0)->needs_grad) permute_move(g, n, 1);
}
DL_DEFINE_OP_READS(permute, 0);
