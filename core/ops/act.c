/* act.c: activations. Elementwise ones write y = f(x) and accumulate dx += dy f'(x); where f'
 * is cheaper from y (sigmoid, tanh, ELU) backward reads the stored output instead of redoing
 * the forward pass. softmax and log_softmax work over the last dim; rows are everything else. */
#include <float.h>
#include "ops.h"

static dl_status unary_infer(dl_graph *g, dl_node *n) {
  dl_shape_like(n, dl_input(g, n, 0));
  return DL_OK;
}

/* Loop bodies for an elementwise op: FWD computes y from x; BWD computes d (= dy/dx) from x, y. */
#define ELEMENTWISE(name, FWD, BWD)                                                    \
  static void name##_forward(dl_graph *g, dl_node *n) {                                \
    dl_node *X = dl_input(g, n, 0);                                                    \
    const float *xs = X->value;                                                        \
    float *ys = n->value;                                                              \
    const float *f = n->fattr;                                                         \
    (void)f;                                                                           \
    for (size_t i = 0, k = dl_node_numel(g, n); i < k; i++) {                          \
      float x = xs[i], y;                                                              \
      FWD;                                                                             \
      ys[i] = y;                                                                       \
    }                                                                                  \
  }                                                                                    \
  static void name##_backward(dl_graph *g, dl_node *n) {                               \
    dl_node *X = dl_input(g, n, 0);                                                    \
    const float *f = n->fattr;                                                         \
    (void)f;                                                                           \
    for (size_t i = 0, k = dl_node_numel(g, n); i < k; i++) {                          \
      float x = X->value[i], y = n->value[i], d;                                       \
      (void)x, (void)y;                                                                \
      BWD;                                                                             \
      X->grad[i] += n->grad[i] * d;                                                    \
    }                                                                                  \
  }                                                                                    \
  static dl_status name##_infer(dl_graph *g, dl_node *n) { return unary_infer(g, n); } \
  DL_DEFINE_OP(name);

static float sigmoidf(float x) {
  /* split by sign so exp never overflows */
  if (x >= 0.0f) return 1.0f / (1.0f + expf(-x));
  float e = expf(x);
  return e / (1.0f + e);
}

/* The perceptron's threshold unit: its derivative is 0 almost everywhere, so gradient descent
 * cannot train through it; the perceptron learning rule (or a sigmoid stand-in) is used instead. */
static void step_forward(dl_graph *g, dl_node *n) {
  const float *x = dl_input(g, n, 0)->value;
  for (size_t i = 0, k = dl_node_numel(g, n); i < k; i++) n->value[i] = x[i] > 0.0f ? 1.0f : 0.0f;
}
static void step_backward(dl_graph *g, dl_node *n) { (void)g, (void)n; }
#define step_infer unary_infer
DL_DEFINE_OP(step);

/* Forward by the SIMD kernels (core/kernels/math_*.c); the derivatives from y. */
#define FROM_Y(name, kernel, D)                                                          \
  static void name##_forward(dl_graph *g, dl_node *n) {                                \
    kernel(dl_node_numel(g, n), dl_input(g, n, 0)->value, n->value);                   \
  }                                                                                    \
  static void name##_backward(dl_graph *g, dl_node *n) {                               \
    dl_node *X = dl_input(g, n, 0);                                                    \
    for (size_t i = 0, k = dl_node_numel(g, n); i < k; i++) {                          \
      float y = n->value[i];                                                           \
      X->grad[i] += n->grad[i] * (D);                                                  \
    }                                                                                  \
  }                                                                                    \
  static dl_status name##_infer(dl_graph *g, dl_node *n) { return unary_infer(g, n); } \
  DL_DEFINE_OP_READS(name, DL_READS_OUTPUT);
FROM_Y(sigmoid, dl_vsigmoid, y * (1.0f - y))
FROM_Y(tanh, dl_vtanh, 1.0f - y * y)

static void relu_forward(dl_graph *g, dl_node *n) { dl_vrelu(dl_node_numel(g, n), dl_input(g, n, 0)->value, n->value); }
static void relu_backward(dl_graph *g, dl_node *n) {
  dl_node *x = dl_input(g, n, 0);
  dl_vrelu_backward(dl_node_numel(g, n), x->value, n->grad, x->grad);
}
#define relu_infer unary_infer
DL_DEFINE_OP_READS(relu, 1);

static void leaky_relu_forward(dl_graph *g, dl_node *n) {
  dl_vleaky_relu(dl_node_numel(g, n), n->fattr[0], dl_input(g, n, 0)->value, n->value);
}
static void leaky_relu_backward(dl_graph *g, dl_node *n) {
  dl_node *x = dl_input(g, n, 0);
  dl_vleaky_relu_backward(dl_node_numel(g, n), n->fattr[0], x->value, n->grad, x->grad);
}
#define leaky_relu_infer unary_infer
DL_DEFINE_OP_READS(leaky_relu, 1);
ELEMENTWISE(elu, y = x > 0.0f ? x : f[0] * expm1f(x), d = x > 0.0f ? 1.0f : y + f[0])
ELEMENTWISE(silu, y = x * sigmoidf(f[0] * x), float s = sigmoidf(f[0] * x); d = s + f[0] * x * s * (1.0f - s))
/* softplus with sharpness beta: log(1 + e^(beta x)) / beta, written so e^ never overflows; f0 = 0
 * (the op given no attribute, and models saved before beta existed) means beta = 1 */
ELEMENTWISE(softplus, float b = f[0] > 0.0f ? f[0] : 1.0f; y = (x > 0.0f ? x : 0.0f) + log1pf(expf(-b * fabsf(x))) / b,
            float b = f[0] > 0.0f ? f[0] : 1.0f; d = sigmoidf(b * x))
/* GELU(x) = x Phi(x), Phi the standard normal CDF, Phi(x) = (1 + erf(x / sqrt 2)) / 2;
 * d = Phi(x) + x phi(x), phi(x) = e^(-x^2/2) / sqrt(2 pi). erf and exp run on the SIMD kernels
 * over a sample's row at a time in scratch (a workspace: nothing is kept for backward). */
static dl_status gelu_infer(dl_graph *g, dl_node *n) {
  dl_status st = unary_infer(g, n);
  n->scratch_per_sample = 2 * dl_node_sample_numel(n);
  n->workspace = 1;
  return st;
}
static void gelu_forward(dl_graph *g, dl_node *n) {
  const float *x = dl_input(g, n, 0)->value;
  float *y = n->value, *e = n->scratch;
  size_t k = dl_node_numel(g, n);
  for (size_t i = 0; i < k; i++) e[i] = x[i] * 0.70710678f;
  dl_verf(k, e, e);
  for (size_t i = 0; i < k; i++) y[i] = 0.5f * x[i] * (1.0f + e[i]);
}
static void gelu_backward(dl_graph *g, dl_node *n) {
  dl_node *X = dl_input(g, n, 0);
  if (!X->needs_grad) return;
  const float *x = X->value;
  size_t k = dl_node_numel(g, n);
  float *e = n->scratch, *q = n->scratch + k;
  for (size_t i = 0; i < k; i++) e[i] = x[i] * 0.70710678f, q[i] = -0.5f * x[i] * x[i];
  dl_verf(k, e, e);
  dl_vexp(k, q, q);
  for (size_t i = 0; i < k; i++) X->grad[i] += n->grad[i] * (0.5f * (1.0f + e[i]) + x[i] * 0.39894228f * q[i]);
}
DL_DEFINE_OP(gelu);

/* PReLU: y = x for x > 0, a_c x otherwise; a has 1 value (shared) or one per channel (dim 1). */
static dl_status prelu_infer(dl_graph *g, dl_node *n) {
  dl_node *x = dl_input(g, n, 0), *a = dl_input(g, n, 1);
  size_t k = dl_node_sample_numel(a);
  int C = x->ndim > 1 ? x->shape[1] : 1;
  if (k != 1 && (a->ndim != 1 || a->shape[0] != C))
    return OP_FAIL(g, n, DL_ERR_SHAPE, "slope must have 1 or %d values (one per channel), has %zu", C, k);
  dl_shape_like(n, x);
  return DL_OK;
}
/* Channel of flat index i: (i / stride) % C with stride the size of the dims after dim 1. */
static void prelu_geometry(dl_graph *g, dl_node *n, size_t *stride, int *C) {
  dl_node *x = dl_input(g, n, 0), *a = dl_input(g, n, 1);
  (void)g;
  *stride = 1;
  for (int i = 2; i < x->ndim; i++) *stride *= (size_t)x->shape[i];
  *C = dl_node_sample_numel(a) == 1 ? 1 : a->shape[0];
}
static void prelu_forward(dl_graph *g, dl_node *n) {
  dl_node *x = dl_input(g, n, 0), *a = dl_input(g, n, 1);
  size_t stride;
  int C;
  prelu_geometry(g, n, &stride, &C);
  for (size_t i = 0, k = dl_node_numel(g, n); i < k; i++) {
    float v = x->value[i];
    n->value[i] = v > 0.0f ? v : a->value[C == 1 ? 0 : (i / stride) % (size_t)C] * v;
  }
}
static void prelu_backward(dl_graph *g, dl_node *n) {
  dl_node *x = dl_input(g, n, 0), *a = dl_input(g, n, 1);
  size_t stride;
  int C;
  prelu_geometry(g, n, &stride, &C);
  for (size_t i = 0, k = dl_node_numel(g, n); i < k; i++) {
    float v = x->value[i], dy = n->grad[i];
    size_t c = C == 1 ? 0 : (i / stride) % (size_t)C;
    if (x->needs_grad) x->grad[i] += v > 0.0f ? dy : a->value[c] * dy;
    if (a->needs_grad && v <= 0.0f) a->grad[c] += dy * v;
  }
}
DL_DEFINE_OP(prelu);

/* Softmax over the last dim. The row max is subtracted so exp never overflows. */
static void softmax_rows(const float *x, float *y, size_t rows, int K, int log_form) {
  for (size_t r = 0; r < rows; r++, x += K, y += K) {
    float m = x[0];
    for (int k = 1; k < K; k++) m = x[k] > m ? x[k] : m;
    double s = 0.0;
    for (int k = 0; k < K; k++) s += expf(x[k] - m);
    if (log_form) {
      float ls = (float)log(s);
      for (int k = 0; k < K; k++) y[k] = x[k] - m - ls;
    } else {
      float inv = (float)(1.0 / s);
      for (int k = 0; k < K; k++) {
        float p = expf(x[k] - m) * inv;
        y[k] = p < FLT_MIN ? 0.0f : p; /* no subnormal probabilities: see softmax_ce in loss.c */
      }
    }
  }
}
#define softmax_infer unary_infer
#define log_softmax_infer unary_infer
static void softmax_forward(dl_graph *g, dl_node *n) {
  int K = n->shape[n->ndim - 1];
  softmax_rows(dl_input(g, n, 0)->value, n->value, dl_node_numel(g, n) / K, K, 0);
}
/* dx_i += y_i (dy_i - sum_j dy_j y_j) */
static void softmax_backward(dl_graph *g, dl_node *n) {
  dl_node *x = dl_input(g, n, 0);
  int K = n->shape[n->ndim - 1];
  for (size_t r = 0, rows = dl_node_numel(g, n) / K; r < rows; r++) {
    const float *y = n->value + r * K, *dy = n->grad + r * K;
    float dot = dl_vdot((size_t)K, y, dy);
    for (int k = 0; k < K; k++) x->grad[r * K + k] += y[k] * (dy[k] - dot);
  }
}
DL_DEFINE_OP_READS(softmax, DL_READS_OUTPUT);

static void log_softmax_forward(dl_graph *g, dl_node *n) {
  int K = n->shape[n->ndim - 1];
  softmax_rows(dl_input(g, n, 0)->value, n->value, dl_node_numel(g, n) / K, K, 1);
}
/* dx_i += dy_i - e^{y_i} sum_j dy_j */
static void log_softmax_backward(dl_graph *g, dl_node *n) {
  dl_node *x = dl_input(g, n, 0);
  int K = n->shape[n->ndim - 1];
  for (size_t r = 0, rows = dl_node_numel(g, n) / K; r < rows; r++) {
    const float *y = n->value + r * K, *dy = n->grad + r * K;
    float s = dl_vsum((size_t)K, dy);
    for (int k = 0; k < K; k++) x->grad[r * K + k] += dy[k] - expf(y[k]) * s;
  }
}
DL_DEFINE_OP_READS(log_softmax, DL_READS_OUTPUT);
