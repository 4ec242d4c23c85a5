/* norm.c: batch normalization and layer normalization.
 * Forward keeps mean and rstd = 1/sqrt(var + eps) in scratch for backward (as llm.c does).
 * With xhat = (x - mean) rstd and y = gamma xhat + beta, the backward of a normalization over
 * M values is dx = rstd/M (M g - sum g - xhat sum(g xhat)), where g = dy gamma. */
#include "ops.h"

/* ---- batch norm: per feature of x[D] or per channel of x[C,H,W], over batch (and space) ----
 * Training uses the batch statistics and updates the running ones:
 * r = (1 - momentum) r + momentum stat, with the unbiased variance as PyTorch does.
 * Evaluation uses the running statistics, so one sample predicts the same alone or in a batch. */
static dl_status batchnorm_infer(dl_graph *g, dl_node *n) {
  dl_node *x = dl_input(g, n, 0);
  if (!x->batched || (x->ndim != 2 && x->ndim != 4))
    return OP_FAIL(g, n, DL_ERR_SHAPE, "input must be batched [features] or [channels, height, width]");
  int C = x->shape[1];
  const char *what[] = {"", "gamma", "beta", "running mean", "running var"};
  for (int i = 1; i < 5; i++) {
    dl_node *p = dl_input(g, n, i);
    if (p->batched || dl_node_sample_numel(p) != (size_t)C)
      return OP_FAIL(g, n, DL_ERR_SHAPE, "%s must have %d values (one per %s)", what[i], C, x->ndim == 4 ? "channel" : "feature");
  }
  if (n->fattr[0] == 0.0f) n->fattr[0] = 0.1f;
  if (n->fattr[1] == 0.0f) n->fattr[1] = 1e-5f;
  if (!(n->fattr[0] > 0.0f && n->fattr[0] <= 1.0f)) return OP_FAIL(g, n, DL_ERR_ARG, "momentum %g outside (0, 1]", n->fattr[0]);
  if (!(n->fattr[1] > 0.0f)) return OP_FAIL(g, n, DL_ERR_ARG, "eps %g must be positive", n->fattr[1]);
  dl_shape_like(n, x);
  n->scratch_fixed = 4 * (size_t)C; /* mean, rstd; the batch mean and unbiased variance to commit */
  return DL_OK;
}

#define BN_GEOM                                                                 \
  dl_node *x = dl_input(g, n, 0);                                               \
  int C = x->shape[1], N = g->batch;                                            \
  size_t S = x->ndim == 4 ? (size_t)x->shape[2] * x->shape[3] : 1, M = (size_t)N * S; \
  float *mean = n->scratch, *rstd = n->scratch + C;
/* element (sample s, channel c, position i) */
#define AT(buf, s, c, i) (buf)[((size_t)(s) * C + (c)) * S + (i)]

/* The running statistics move towards this batch's only once the step is accepted: a step
 * refused for a non-finite loss leaves them as they were. */
static void batchnorm_commit(dl_graph *g, dl_node *n) {
  int C = dl_input(g, n, 0)->shape[1];
  float *rmean = dl_input(g, n, 3)->value, *rvar = dl_input(g, n, 4)->value, mom = n->fattr[0];
  for (int c = 0; c < C; c++) {
    rmean[c] = (1.0f - mom) * rmean[c] + mom * n->scratch[2 * C + c];
    rvar[c] = (1.0f - mom) * rvar[c] + mom * n->scratch[3 * C + c];
  }
}

static void batchnorm_forward(dl_graph *g, dl_node *n) {
  BN_GEOM
  const float *gamma = dl_input(g, n, 1)->value, *beta = dl_input(g, n, 2)->value;
  float *rmean = dl_input(g, n, 3)->value, *rvar = dl_input(g, n, 4)->value;
  float eps = n->fattr[1];
  for (int c = 0; c < C; c++) {
    if (g->training) {
      double s = 0.0, ss = 0.0;
      for (int b = 0; b < N; b++)
        for (size_t i = 0; i < S; i++) s += AT(x->value, b, c, i);
      double m = s / M;
      for (int b = 0; b < N; b++)
        for (size_t i = 0; i < S; i++) {
          double d = AT(x->value, b, c, i) - m;
          ss += d * d;
        }
      double var = ss / M;
      mean[c] = (float)m;
      rstd[c] = (float)(1.0 / sqrt(var + eps));
      n->scratch[2 * C + c] = (float)m;
      n->scratch[3 * C + c] = (float)(M > 1 ? var * M / (M - 1) : var);
    } else {
      mean[c] = rmean[c];
      rstd[c] = 1.0f / sqrtf(rvar[c] + eps);
    }
    for (int b = 0; b < N; b++)
      for (size_t i = 0; i < S; i++) AT(n->value, b, c, i) = gamma[c] * (AT(x->value, b, c, i) - mean[c]) * rstd[c] + beta[c];
  }
  if (g->training && g->defer_commit) n->pending = 1;
  else if (g->training) batchnorm_commit(g, n);
}

static void batchnorm_backward(dl_graph *g, dl_node *n) {
  BN_GEOM
  dl_node *gm = dl_input(g, n, 1), *bt = dl_input(g, n, 2);
  for (int c = 0; c < C; c++) {
    double sdy = 0.0, sdyx = 0.0;
    for (int b = 0; b < N; b++)
      for (size_t i = 0; i < S; i++) {
        float dy = AT(n->grad, b, c, i), xhat = (AT(x->value, b, c, i) - mean[c]) * rstd[c];
        sdy += dy;
        sdyx += dy * xhat;
      }
    if (gm->needs_grad) gm->grad[c] += (float)sdyx;
    if (bt->needs_grad) bt->grad[c] += (float)sdy;
    if (!x->needs_grad) continue;
    float k = gm->value[c] * rstd[c];
    for (int b = 0; b < N; b++)
      for (size_t i = 0; i < S; i++) {
        float dy = AT(n->grad, b, c, i);
        if (g->training) { /* the statistics depend on x too */
          float xhat = (AT(x->value, b, c, i) - mean[c]) * rstd[c];
          AT(x->grad, b, c, i) += k * (dy - (float)(sdy / M) - xhat * (float)(sdyx / M));
        } else {
          AT(x->grad, b, c, i) += k * dy;
        }
      }
  }
}
DL_DEFINE_OP_COMMIT(batchnorm);

/* ---- layer norm over the last i0 dims of each sample (default 1) ---- */
static size_t ln_len(const dl_node *x, int k) {
  size_t L = 1;
  for (int i = x->ndim - k; i < x->ndim; i++) L *= (size_t)x->shape[i];
  return L;
}
static dl_status layernorm_infer(dl_graph *g, dl_node *n) {
  dl_node *x = dl_input(g, n, 0);
  if (n->iattr[0] == 0) n->iattr[0] = 1;
  if (n->fattr[1] == 0.0f) n->fattr[1] = 1e-5f;
  int k = n->iattr[0];
  if (k < 1 || k > x->ndim - (x->batched ? 1 : 0))
    return OP_FAIL(g, n, DL_ERR_ARG, "normalizes over %d trailing dims, input has %d", k, x->ndim - (x->batched ? 1 : 0));
  if (!(n->fattr[1] > 0.0f)) return OP_FAIL(g, n, DL_ERR_ARG, "eps %g must be positive", n->fattr[1]);
  size_t L = ln_len(x, k);
  for (int i = 1; i < 3; i++) {
    dl_node *p = dl_input(g, n, i);
    if (p->batched || dl_node_sample_numel(p) != L)
      return OP_FAIL(g, n, DL_ERR_SHAPE, "%s must have %zu values", i == 1 ? "gamma" : "beta", L);
  }
  dl_shape_like(n, x);
  size_t rows = dl_node_sample_numel(x) / L;
  if (x->batched) n->scratch_per_sample = 2 * rows;
  else n->scratch_fixed = 2 * rows;
  return DL_OK;
}
static void layernorm_forward(dl_graph *g, dl_node *n) {
  dl_node *x = dl_input(g, n, 0);
  const float *gamma = dl_input(g, n, 1)->value, *beta = dl_input(g, n, 2)->value;
  size_t L = ln_len(x, n->iattr[0]), rows = dl_node_numel(g, x) / L;
  float *mean = n->scratch, *rstd = n->scratch + rows;
  for (size_t r = 0; r < rows; r++) {
    const float *xr = x->value + r * L;
    float *yr = n->value + r * L;
    double s = 0.0, ss = 0.0;
    for (size_t i = 0; i < L; i++) s += xr[i];
    double m = s / L;
    for (size_t i = 0; i < L; i++) ss += (xr[i] - m) * (xr[i] - m);
    mean[r] = (float)m;
    rstd[r] = (float)(1.0 / sqrt(ss / L + n->fattr[1]));
    for (size_t i = 0; i < L; i++) yr[i] = gamma[i] * (xr[i] - mean[r]) * rstd[r] + beta[i];
  }
}
static void layernorm_backward(dl_graph *g, dl_node *n) {
  dl_node *x = dl_input(g, n, 0), *gm = dl_input(g, n, 1), *bt = dl_input(g, n, 2);
  size_t L = ln_len(x, n->iattr[0]), rows = dl_node_numel(g, x) / L;
  const float *mean = n->scratch, *rstd = n->scratch + rows;
  for (size_t r = 0; r < rows; r++) {
    const float *xr = x->value + r * L, *dy = n->grad + r * L;
    double sg = 0.0, sgx = 0.0;
    for (size_t i = 0; i < L; i++) {
      float xhat = (xr[i] - mean[r]) * rstd[r], gi = dy[i] * gm->value[i];
      sg += gi;
      sgx += gi * xhat;
      if (gm->needs_grad) gm->grad[i] += dy[i] * xhat;
      if (bt->needs_grad) bt->grad[i] += dy[i];
    }
    if (!x->needs_grad) continue;
    for (size_t i = 0; i < L; i++) {
      float xhat = (xr[i] - mean[r]) * rstd[r], gi = dy[i] * gm->value[i];
      x->grad[r * L + i] += rstd[r] * (gi - (float)(sg / L) - xhat * (float)(sgx / L));
    }
  }
}
DL_DEFINE_OP(layernorm);
