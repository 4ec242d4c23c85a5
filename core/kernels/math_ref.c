/* math_ref.c: the specification of the transcendental kernels (see kernels.h). Each is written
 * as scalar steps that math_simd.c repeats four lanes at a time, so the two agree bit for bit. */
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "kernels.h"

/* ln 2 split so n ln2_hi is exact for |n| <= 128 */
#define LN2_HI 0.693359375f
#define LN2_LO -2.12194440e-4f
#define LOG2E 1.44269504088896341f
#define EXP_LO -87.0f
#define EXP_HI 88.0f

float dl_exp_scalar(float x) {
  x = x < EXP_LO ? EXP_LO : x > EXP_HI ? EXP_HI : x; /* also maps NaN to EXP_HI: see below */
  float n = nearbyintf(x * LOG2E);
  float r = (x - n * LN2_HI) - n * LN2_LO;
  float p = 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  int32_t bits = ((int32_t)n + 127) << 23;
  float scale;
  memcpy(&scale, &bits, 4);
  return p * scale;
}

/* Odd Taylor coefficients of tanh: x - x^3/3 + 2x^5/15 - 17x^7/315 + ... */
#define T3 -0.333333333f
#define T5 0.133333333f
#define T7 -0.0539682540f
#define T9 0.0218694885f
#define T11 -0.00886323552f
#define T13 0.00359212803f
#define TANH_SMALL 0.4f

float dl_tanh_scalar(float x) {
  float a = fabsf(x);
  if (a < TANH_SMALL) {
    float z = x * x, p = T13;
    p = p * z + T11;
    p = p * z + T9;
    p = p * z + T7;
    p = p * z + T5;
    p = p * z + T3;
    return x + x * z * p;
  }
  float t = dl_exp_scalar(-2.0f * a), y = (1.0f - t) / (1.0f + t);
  return x < 0.0f ? -y : y;
}

float dl_sigmoid_scalar(float x) {
  float s = dl_exp_scalar(-fabsf(x));
  return x >= 0.0f ? 1.0f / (1.0f + s) : s / (1.0f + s);
}

/* NaN in gives NaN out, as libm does (the clamps above would hide it). */
void dl_vexp_ref(size_t n, const float *x, float *y) {
  for (size_t i = 0; i < n; i++) y[i] = x[i] != x[i] ? x[i] : dl_exp_scalar(x[i]);
}
void dl_vtanh_ref(size_t n, const float *x, float *y) {
  for (size_t i = 0; i < n; i++) y[i] = x[i] != x[i] ? x[i] : dl_tanh_scalar(x[i]);
}
void dl_vsigmoid_ref(size_t n, const float *x, float *y) {
  for (size_t i = 0; i < n; i++) y[i] = x[i] != x[i] ? x[i] : dl_sigmoid_scalar(x[i]);
}

void dl_vleaky_relu_ref(size_t n, float a, const float *x, float *y) {
  for (size_t i = 0; i < n; i++) y[i] = x[i] > 0.0f ? x[i] : a * x[i];
}
void dl_vleaky_relu_backward_ref(size_t n, float a, const float *x, const float *dy, float *dx) {
  for (size_t i = 0; i < n; i++) dx[i] += x[i] > 0.0f ? dy[i] : a * dy[i];
}

float dl_vmaxabs_ref(size_t n, const float *x) {
  float m = 0.0f;
  for (size_t i = 0; i < n; i++) {
    if (x[i] != x[i]) return x[i];
    float a = fabsf(x[i]);
    m = a > m ? a : m;
  }
  return m;
}
