/* sample.c: ops that draw random numbers from the graph's RNG, so a seeded graph repeats them.
 * What was drawn (the dropout mask, the noise eps) is kept in scratch for backward. */
#include "ops.h"

/* ---- inverted dropout: y = x m, m = 1/(1-p) with probability 1-p, else 0; eval: y = x ---- */
static dl_status dropout_infer(dl_graph *g, dl_node *n) {
  dl_node *x = dl_input(g, n, 0);
  float p = n->fattr[0];
  if (!(p >= 0.0f && p < 1.0f)) return OP_FAIL(g, n, DL_ERR_ARG, "drop probability %g outside [0, 1)", p);
  dl_shape_like(n, x);
  if (x->batched) n->scratch_per_sample = dl_node_sample_numel(x);
  else n->scratch_fixed = dl_node_sample_numel(x);
  return DL_OK;
}
static void dropout_forward(dl_graph *g, dl_node *n) {
  dl_node *x = dl_input(g, n, 0);
  size_t k = dl_node_numel(g, n);
  if (!g->training) {
    memcpy(n->value, x->value, k * sizeof(float));
    return;
  }
  float p = n->fattr[0], keep = 1.0f / (1.0f - p);
  for (size_t i = 0; i < k; i++) n->scratch[i] = dl_rng_uniform(&g->rng) >= p ? keep : 0.0f;
  dl_vmul(k, x->value, n->scratch, n->value);
}
static void dropout_backward(dl_graph *g, dl_node *n) {
  dl_node *x = dl_input(g, n, 0);
  size_t k = dl_node_numel(g, n);
  if (!g->training) {
    dl_vadd(k, x->grad, n->grad, x->grad);
    return;
  }
  for (size_t i = 0; i < k; i++) x->grad[i] += n->grad[i] * n->scratch[i];
}
DL_DEFINE_OP_READS(dropout, 0); /* the mask is in scratch */

/* ---- the reparameterization trick: z = mu + e^(logvar/2) eps, eps ~ N(0, 1) ----
 * Gradients reach mu and logvar because eps, not z, is the random part. In eval z = mu. */
static dl_status sample_gauss_infer(dl_graph *g, dl_node *n) {
  dl_node *mu = dl_input(g, n, 0), *lv = dl_input(g, n, 1);
  if (!dl_same_shape(mu, lv)) return OP_FAIL(g, n, DL_ERR_SHAPE, "mu and logvar shapes differ");
  dl_shape_like(n, mu);
  if (mu->batched) n->scratch_per_sample = dl_node_sample_numel(mu);
  else n->scratch_fixed = dl_node_sample_numel(mu);
  return DL_OK;
}
static void sample_gauss_forward(dl_graph *g, dl_node *n) {
  dl_node *mu = dl_input(g, n, 0), *lv = dl_input(g, n, 1);
  size_t k = dl_node_numel(g, n);
  for (size_t i = 0; i < k; i++) {
    float eps = g->training ? dl_rng_normal(&g->rng) : 0.0f;
    n->scratch[i] = eps;
    n->value[i] = mu->value[i] + expf(0.5f * lv->value[i]) * eps;
  }
}
static void sample_gauss_backward(dl_graph *g, dl_node *n) {
  dl_node *mu = dl_input(g, n, 0), *lv = dl_input(g, n, 1);
  size_t k = dl_node_numel(g, n);
  for (size_t i = 0; i < k; i++) {
    if (mu->needs_grad) mu->grad[i] += n->grad[i];
    if (lv->needs_grad) lv->grad[i] += n->grad[i] * 0.5f * expf(0.5f * lv->value[i]) * n->scratch[i];
  }
}
DL_DEFINE_OP(sample_gauss);

/* ---- additive Gaussian noise: y = x + std eps in training, y = x in eval ----
 * A GAN's instance noise (the same noise on real and generated images blurs where D can tell
 * them apart) and Keras's GaussianNoise layer. The noise does not depend on x: dy/dx = 1. */
static dl_status gauss_noise_infer(dl_graph *g, dl_node *n) {
  float std = n->fattr[0];
  if (!(std >= 0.0f && std <= 1e6f)) return OP_FAIL(g, n, DL_ERR_ARG, "noise standard deviation %g outside [0, 1e6]", std);
  dl_shape_like(n, dl_input(g, n, 0));
  return DL_OK;
}
static void gauss_noise_forward(dl_graph *g, dl_node *n) {
  dl_node *x = dl_input(g, n, 0);
  size_t k = dl_node_numel(g, n);
  float std = n->fattr[0];
  if (!g->training || std == 0.0f) {
    memcpy(n->value, x->value, k * sizeof(float));
    return;
  }
  for (size_t i = 0; i < k; i++) n->value[i] = x->value[i] + std * dl_rng_normal(&g->rng);
}
static void gauss_noise_backward(dl_graph *g, dl_node *n) {
  dl_node *x = dl_input(g, n, 0);
  dl_vadd(dl_node_numel(g, n), x->grad, n->grad, x->grad);
}
DL_DEFINE_OP(gauss_noise);
