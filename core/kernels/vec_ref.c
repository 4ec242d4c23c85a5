/* vec_ref.c: the specification of the elementwise, reduction and update kernels (see kernels.h). */
#include <float.h>
#include <math.h>
#include "kernels.h"

void dl_vadd_ref(size_t n, const float *a, const float *b, float *out) { for (size_t i = 0; i < n; i++) out[i] = a[i] + b[i]; }
void dl_vsub_ref(size_t n, const float *a, const float *b, float *out) { for (size_t i = 0; i < n; i++) out[i] = a[i] - b[i]; }
void dl_vmul_ref(size_t n, const float *a, const float *b, float *out) { for (size_t i = 0; i < n; i++) out[i] = a[i] * b[i]; }
void dl_vaxpy_ref(size_t n, float alpha, const float *x, float *y) { for (size_t i = 0; i < n; i++) y[i] += alpha * x[i]; }
void dl_vscale_ref(size_t n, float alpha, const float *x, float *y) { for (size_t i = 0; i < n; i++) y[i] = alpha * x[i]; }
void dl_vrelu_ref(size_t n, const float *x, float *y) { for (size_t i = 0; i < n; i++) y[i] = x[i] > 0.0f ? x[i] : 0.0f; }

void dl_vrelu_backward_ref(size_t n, const float *x, const float *dy, float *dx) {
  for (size_t i = 0; i < n; i++)
    if (x[i] > 0.0f) dx[i] += dy[i];
}

float dl_vsum_ref(size_t n, const float *x) {
  float s = 0.0f;
  for (size_t i = 0; i < n; i++) s += x[i];
  return s;
}

float dl_vdot_ref(size_t n, const float *x, const float *y) {
  float s = 0.0f;
  for (size_t i = 0; i < n; i++) s += x[i] * y[i];
  return s;
}

void dl_bias_rows_ref(int rows, int cols, const float *b, float *y) {
  for (int r = 0; r < rows; r++)
    for (int c = 0; c < cols; c++) y[(size_t)r * cols + c] += b[c];
}

void dl_colsum_ref(int rows, int cols, const float *y, float *s) {
  for (int r = 0; r < rows; r++)
    for (int c = 0; c < cols; c++) s[c] += y[(size_t)r * cols + c];
}

/* Subnormal floats (|x| < FLT_MIN) become 0: WebAssembly has no flush-to-zero mode, and
 * arithmetic on subnormals runs tens of times slower, so the optimizers flush what they store
 * (moments decaying towards 0, weights decayed towards 0) before it can slow every step. */
static float flush(float x) { return fabsf(x) < FLT_MIN ? 0.0f : x; }

void dl_vflush_ref(size_t n, float *x) {
  for (size_t i = 0; i < n; i++) x[i] = flush(x[i]);
}

/* Adam's gradients below dl_adam_tiny(b2) count as 0: (1 - b2) g^2 would be subnormal, and
 * computing it is as slow as using it. A confident classifier makes such gradients by the
 * million; what they would move a weight by, lr g / (|g| + eps), is below lr 1e-9. */
float dl_adam_tiny(float b2) { return sqrtf(2.0f * FLT_MIN / (1.0f - b2)); }

void dl_adam_update_ref(size_t n, float lr_t, float b1, float b2, float eps_t, const float *g, float *m, float *v,
                        float *w) {
  const float tiny = dl_adam_tiny(b2);
  for (size_t i = 0; i < n; i++) {
    float gi = fabsf(g[i]) < tiny ? 0.0f : g[i];
    m[i] = flush(b1 * m[i] + (1.0f - b1) * gi);
    v[i] = flush(b2 * v[i] + (1.0f - b2) * gi * gi);
    w[i] = flush(w[i] - lr_t * m[i] / (sqrtf(v[i]) + eps_t));
  }
}
