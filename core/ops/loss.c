/* loss.c: losses. Each returns a scalar [1]: the mean over the batch (and over elements where
 * noted in ops.def), so the learning rate does not depend on the batch size. Backward scales
 * by dL = the loss node's own gradient (1 when it is the loss; less when it is one term of a sum). */
#include <float.h>
#include "ops.h"

static dl_status scalar_out(dl_node *n) {
  n->ndim = 1;
  n->shape[0] = 1;
  n->batched = 0;
  return DL_OK;
}

/* Prediction and target of the same shape. */
static dl_status pair_infer(dl_graph *g, dl_node *n) {
  dl_node *y = dl_input(g, n, 0), *t = dl_input(g, n, 1);
  if (!dl_same_shape(y, t)) {
    char a[64], b[64];
    return OP_FAIL(g, n, DL_ERR_SHAPE, "prediction is %s but target is %s", dl_shape_str(y, a, sizeof a),
                   dl_shape_str(t, b, sizeof b));
  }
  return scalar_out(n);
}

/* ---- mean squared error: L = mean (y - t)^2 ---- */
#define mse_infer pair_infer
static void mse_forward(dl_graph *g, dl_node *n) {
  dl_node *y = dl_input(g, n, 0), *t = dl_input(g, n, 1);
  size_t k = dl_node_numel(g, y);
  double s = 0.0;
  for (size_t i = 0; i < k; i++) {
    double d = (double)y->value[i] - t->value[i];
    s += d * d;
  }
  n->value[0] = (float)(s / k);
}
static void mse_backward(dl_graph *g, dl_node *n) {
  dl_node *y = dl_input(g, n, 0), *t = dl_input(g, n, 1);
  size_t k = dl_node_numel(g, y);
  float c = 2.0f * n->grad[0] / (float)k;
  for (size_t i = 0; i < k; i++) {
    float d = c * (y->value[i] - t->value[i]);
    if (y->needs_grad) y->grad[i] += d;
    if (t->needs_grad) t->grad[i] -= d;
  }
}
DL_DEFINE_OP(mse);

/* ---- softmax cross-entropy ----
 * p = softmax(z); with smoothing e the target is q = (1 - e) target + e/K;
 * L = -mean over rows of sum_k q_k log p_k; dz_k = (p_k sum_j q_j - q_k) / rows, which is the
 * familiar p - q when q is a distribution (a soft target need not be). p is kept in scratch. */
static dl_status ce_infer_common(dl_graph *g, dl_node *n, int soft) {
  dl_node *z = dl_input(g, n, 0), *t = dl_input(g, n, 1);
  int K = z->shape[z->ndim - 1];
  float e = n->fattr[0];
  if (!(e >= 0.0f && e < 1.0f)) return OP_FAIL(g, n, DL_ERR_ARG, "label smoothing %g outside [0, 1)", e);
  if (!z->batched || z->ndim < 2) return OP_FAIL(g, n, DL_ERR_SHAPE, "logits must be batched [..., classes]");
  size_t positions = dl_node_sample_numel(z) / (size_t)K;
  if (soft) {
    if (!dl_same_shape(z, t)) {
      char a[64], b[64];
      return OP_FAIL(g, n, DL_ERR_SHAPE, "logits are %s but target distribution is %s", dl_shape_str(z, a, sizeof a),
                     dl_shape_str(t, b, sizeof b));
    }
  } else {
    if (n->ninputs != 2 && n->ninputs != 3) return OP_FAIL(g, n, DL_ERR_ARG, "%d inputs given, expected logits, labels and optional weights", n->ninputs);
    if (!t->batched || dl_node_sample_numel(t) != positions)
      return OP_FAIL(g, n, DL_ERR_SHAPE, "labels must be one class index per position: %zu per sample, have %zu", positions, t->batched ? dl_node_sample_numel(t) : 0);
    dl_node *w = n->ninputs == 3 ? dl_input(g, n, 2) : NULL;
    if (w && (!w->batched || dl_node_sample_numel(w) != positions))
      return OP_FAIL(g, n, DL_ERR_SHAPE, "weights must be one per position: %zu per sample", positions);
  }
  if (K < 2) return OP_FAIL(g, n, DL_ERR_SHAPE, "needs at least 2 classes, logits have %d", K);
  n->scratch_per_sample = dl_node_sample_numel(z) + 1; /* p, and room for the weight total */
  return scalar_out(n);
}
static dl_status softmax_ce_infer(dl_graph *g, dl_node *n) { return ce_infer_common(g, n, 0); }
static dl_status softmax_ce_soft_infer(dl_graph *g, dl_node *n) { return ce_infer_common(g, n, 1); }

/* q_k for row r: from a class index (soft = 0) or a distribution (soft = 1). */
static float target_q(const dl_node *t, int soft, size_t r, int k, int K, float e) {
  float base = soft ? t->value[r * K + k] : ((int)t->value[r] == k ? 1.0f : 0.0f);
  return (1.0f - e) * base + e / (float)K;
}

/* Rows are positions (samples times steps); with weights w the loss is sum w_r L_r / sum w_r
 * (padding weighs 0), without them the mean over rows. Returns the divisor. */
static double ce_divisor(dl_graph *g, dl_node *n, size_t rows) {
  if (n->ninputs < 3) return (double)rows;
  const float *w = dl_input(g, n, 2)->value;
  double s = 0.0;
  for (size_t r = 0; r < rows; r++) s += w[r];
  return s;
}

static void ce_forward_common(dl_graph *g, dl_node *n, int soft) {
  dl_node *z = dl_input(g, n, 0), *t = dl_input(g, n, 1);
  int K = z->shape[z->ndim - 1];
  size_t rows = dl_node_numel(g, z) / (size_t)K;
  float e = n->fattr[0];
  const float *w = n->ninputs == 3 ? dl_input(g, n, 2)->value : NULL;
  if (!soft)
    for (size_t r = 0; r < rows; r++) {
      float c = t->value[r];
      if (!(c >= 0.0f && c < (float)K && c == (float)(int)c)) {
        size_t per = rows / (size_t)g->batch;
        if (per == 1) g->run_status = OP_FAIL(g, n, DL_ERR_ARG, "label %g of sample %zu is not a class in [0, %d)", c, r, K);
        else g->run_status = OP_FAIL(g, n, DL_ERR_ARG, "label %g at position %zu of sample %zu is not a class in [0, %d)", c, r % per, r / per, K);
        return;
      }
      if (w && !(w[r] >= 0.0f && w[r] < 1e30f)) {
        g->run_status = OP_FAIL(g, n, DL_ERR_ARG, "weight %g of row %zu is not a finite number >= 0", w[r], r);
        return;
      }
    }
  double loss = 0.0, div = ce_divisor(g, n, rows);
  float *p = n->scratch;
  for (size_t r = 0; r < rows; r++, p += K) {
    const float *zr = z->value + r * K;
    float m = zr[0];
    for (int k = 1; k < K; k++) m = zr[k] > m ? zr[k] : m;
    for (int k = 0; k < K; k++) p[k] = zr[k] - m;
    dl_vexp((size_t)K, p, p);
    double s = 0.0;
    for (int k = 0; k < K; k++) s += p[k];
    float ls = (float)log(s), inv = (float)(1.0 / s);
    double lr = 0.0;
    for (int k = 0; k < K; k++) {
      float q = target_q(t, soft, r, k, K, e);
      if (q != 0.0f) lr -= q * (double)(zr[k] - m - ls);
      /* A probability below 2^-64 is stored as 0. Its share of the gradient (p / batch) is far
       * below float precision of any other term; kept, a confident model's tiny probabilities
       * would make gradients and their products subnormal, and every step behind them crawl. */
      float pk = p[k] * inv;
      p[k] = pk < 0x1p-64f ? 0.0f : pk;
    }
    loss += w ? w[r] * lr : lr;
  }
  n->scratch[dl_node_numel(g, z)] = (float)div;
  n->value[0] = div > 0.0 ? (float)(loss / div) : 0.0f;
}
static void ce_backward_common(dl_graph *g, dl_node *n, int soft) {
  dl_node *z = dl_input(g, n, 0), *t = dl_input(g, n, 1);
  int K = z->shape[z->ndim - 1];
  size_t rows = dl_node_numel(g, z) / (size_t)K;
  double div = n->scratch[dl_node_numel(g, z)];
  if (!(div > 0.0)) return; /* every row weighs 0 */
  const float *w = n->ninputs == 3 ? dl_input(g, n, 2)->value : NULL;
  float e = n->fattr[0], c0 = (float)(n->grad[0] / div);
  for (size_t r = 0; r < rows; r++) {
    float qsum = 1.0f, c = w ? c0 * w[r] : c0;
    if (soft) {
      qsum = 0.0f;
      for (int k = 0; k < K; k++) qsum += target_q(t, soft, r, k, K, e);
    }
    for (int k = 0; k < K; k++) {
      float p = n->scratch[r * K + k];
      if (z->needs_grad) z->grad[r * K + k] += c * (p * qsum - target_q(t, soft, r, k, K, e));
      /* dL/dt_k = -(1 - e) log p_k for a soft target */
      if (soft && t->needs_grad) t->grad[r * K + k] -= c * (1.0f - e) * logf(p > 1e-30f ? p : 1e-30f);
    }
  }
}
static void softmax_ce_forward(dl_graph *g, dl_node *n) { ce_forward_common(g, n, 0); }
static void softmax_ce_backward(dl_graph *g, dl_node *n) { ce_backward_common(g, n, 0); }
static void softmax_ce_soft_forward(dl_graph *g, dl_node *n) { ce_forward_common(g, n, 1); }
static void softmax_ce_soft_backward(dl_graph *g, dl_node *n) { ce_backward_common(g, n, 1); }
DL_DEFINE_OP(softmax_ce);
DL_DEFINE_OP(softmax_ce_soft);

/* ---- binary cross-entropy on probabilities: L = -mean [t log p + (1 - t) log(1 - p)] ----
 * p is clamped to [1e-7, 1 - 1e-7] inside the logs, so a saturated sigmoid gives a large finite
 * loss rather than infinity; prefer bce_logits, which needs no clamp. */
#define BCE_EPS 1e-7f
static float clampp(float p) { return p < BCE_EPS ? BCE_EPS : p > 1.0f - BCE_EPS ? 1.0f - BCE_EPS : p; }
#define bce_infer pair_infer
static void bce_forward(dl_graph *g, dl_node *n) {
  dl_node *p = dl_input(g, n, 0), *t = dl_input(g, n, 1);
  size_t k = dl_node_numel(g, p);
  double s = 0.0;
  for (size_t i = 0; i < k; i++) {
    double q = clampp(p->value[i]), ti = t->value[i];
    s -= ti * log(q) + (1.0 - ti) * log(1.0 - q);
  }
  n->value[0] = (float)(s / k);
}
static void bce_backward(dl_graph *g, dl_node *n) {
  dl_node *p = dl_input(g, n, 0), *t = dl_input(g, n, 1);
  size_t k = dl_node_numel(g, p);
  float c = n->grad[0] / (float)k;
  for (size_t i = 0; i < k; i++) {
    float q = clampp(p->value[i]), ti = t->value[i];
    if (p->needs_grad && q == p->value[i]) p->grad[i] += c * (q - ti) / (q * (1.0f - q));
    if (t->needs_grad) t->grad[i] -= c * (logf(q) - logf(1.0f - q));
  }
}
DL_DEFINE_OP(bce);

/* ---- BCE on logits: L = mean [max(z, 0) - z t + log(1 + e^-|z|)], the stable form ---- */
#define bce_logits_infer pair_infer
static void bce_logits_forward(dl_graph *g, dl_node *n) {
  dl_node *z = dl_input(g, n, 0), *t = dl_input(g, n, 1);
  size_t k = dl_node_numel(g, z);
  double s = 0.0;
  for (size_t i = 0; i < k; i++) {
    double zi = z->value[i];
    s += (zi > 0 ? zi : 0) - zi * t->value[i] + log1p(exp(-fabs(zi)));
  }
  n->value[0] = (float)(s / k);
}
static void bce_logits_backward(dl_graph *g, dl_node *n) {
  dl_node *z = dl_input(g, n, 0), *t = dl_input(g, n, 1);
  size_t k = dl_node_numel(g, z);
  float c = n->grad[0] / (float)k;
  for (size_t i = 0; i < k; i++) {
    float zi = z->value[i];
    float s = zi >= 0.0f ? 1.0f / (1.0f + expf(-zi)) : expf(zi) / (1.0f + expf(zi));
    if (z->needs_grad) z->grad[i] += c * (s - t->value[i]);
    if (t->needs_grad) t->grad[i] -= c * zi;
  }
}
DL_DEFINE_OP(bce_logits);

/* ---- KL(N(mu, e^lv) || N(0, 1)) = -1/2 sum_d (1 + lv - mu^2 - e^lv), mean over the batch ---- */
static dl_status kl_gauss_infer(dl_graph *g, dl_node *n) {
  dl_node *mu = dl_input(g, n, 0), *lv = dl_input(g, n, 1);
  if (!dl_same_shape(mu, lv)) return OP_FAIL(g, n, DL_ERR_SHAPE, "mu and logvar shapes differ");
  return scalar_out(n);
}
static void kl_gauss_forward(dl_graph *g, dl_node *n) {
  dl_node *mu = dl_input(g, n, 0), *lv = dl_input(g, n, 1);
  size_t k = dl_node_numel(g, mu);
  double s = 0.0;
  for (size_t i = 0; i < k; i++) s += 1.0 + lv->value[i] - (double)mu->value[i] * mu->value[i] - exp(lv->value[i]);
  n->value[0] = (float)(-0.5 * s / dl_node_rows(g, mu));
}
static void kl_gauss_backward(dl_graph *g, dl_node *n) {
  dl_node *mu = dl_input(g, n, 0), *lv = dl_input(g, n, 1);
  size_t k = dl_node_numel(g, mu);
  float c = n->grad[0] / (float)dl_node_rows(g, mu);
  for (size_t i = 0; i < k; i++) {
    if (mu->needs_grad) mu->grad[i] += c * mu->value[i];
    if (lv->needs_grad) lv->grad[i] += c * 0.5f * (expf(lv->value[i]) - 1.0f);
  }
}
DL_DEFINE_OP(kl_gauss);

/* ---- Wasserstein critic objective: L = sign * mean(score) ---- */
static dl_status critic_mean_infer(dl_graph *g, dl_node *n) {
  if (n->fattr[0] != 1.0f && n->fattr[0] != -1.0f)
    return OP_FAIL(g, n, DL_ERR_ARG, "sign is %g, expected +1 or -1", n->fattr[0]);
  return scalar_out(n);
}
static void critic_mean_forward(dl_graph *g, dl_node *n) {
  dl_node *s = dl_input(g, n, 0);
  size_t k = dl_node_numel(g, s);
  double t = 0.0;
  for (size_t i = 0; i < k; i++) t += s->value[i];
  n->value[0] = (float)(n->fattr[0] * t / k);
}
static void critic_mean_backward(dl_graph *g, dl_node *n) {
  dl_node *s = dl_input(g, n, 0);
  size_t k = dl_node_numel(g, s);
  float c = n->fattr[0] * n->grad[0] / (float)k;
  for (size_t i = 0; i < k; i++) s->grad[i] += c;
}
DL_DEFINE_OP(critic_mean);

/* ---- hinge: L = mean max(0, m - t s), labels t in {-1, +1}; margin m = 1. The perceptron
 * criterion is the same with m = 0: on one misclassified sample its gradient step is the
 * perceptron rule, w += lr t x, and a sample on the right side moves nothing. ---- */
static void margin_forward(dl_graph *g, dl_node *n, float margin) {
  dl_node *s = dl_input(g, n, 0), *t = dl_input(g, n, 1);
  size_t k = dl_node_numel(g, s);
  double sum = 0.0;
  for (size_t i = 0; i < k; i++) {
    float m = margin - t->value[i] * s->value[i];
    sum += m > 0.0f ? m : 0.0f;
  }
  n->value[0] = (float)(sum / k);
}
static void margin_backward(dl_graph *g, dl_node *n, float margin) {
  dl_node *s = dl_input(g, n, 0), *t = dl_input(g, n, 1);
  size_t k = dl_node_numel(g, s);
  float c = n->grad[0] / (float)k;
  for (size_t i = 0; i < k; i++) {
    if (margin - t->value[i] * s->value[i] <= 0.0f) continue;
    if (s->needs_grad) s->grad[i] -= c * t->value[i];
    if (t->needs_grad) t->grad[i] -= c * s->value[i];
  }
}
#define hinge_infer pair_infer
static void hinge_forward(dl_graph *g, dl_node *n) { margin_forward(g, n, 1.0f); }
static void hinge_backward(dl_graph *g, dl_node *n) { margin_backward(g, n, 1.0f); }
DL_DEFINE_OP(hinge);
#define perceptron_infer pair_infer
static void perceptron_forward(dl_graph *g, dl_node *n) { margin_forward(g, n, 0.0f); }
static void perceptron_backward(dl_graph *g, dl_node *n) { margin_backward(g, n, 0.0f); }
DL_DEFINE_OP(perceptron);
