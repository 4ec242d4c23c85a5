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

/* erf: 2/sqrt(pi) sum (-1)^k x^(2k+1) / (k! (2k+1)) for k <= 9 below 0.84; A&S 7.1.26 above. */
#define ERF_SMALL 0.84f
#define ERF_ONE 4.0f
static const float erf_taylor[10] = {1.12837917f, -0.376126389f, 0.112837917f, -0.0268661706f, 0.00522397763f,
                                     -0.000854832702f, 0.00012055333f, -1.49256504e-05f, 1.64621144e-06f, -1.63658447e-07f};
#define ERF_P 0.3275911f
#define ERF_A1 0.254829592f
#define ERF_A2 -0.284496736f
#define ERF_A3 1.421413741f
#define ERF_A4 -1.453152027f
#define ERF_A5 1.061405429f

float dl_erf_scalar(float x) {
  float a = fabsf(x);
  if (a < ERF_SMALL) {
    float z = x * x, p = erf_taylor[9];
    for (int k = 8; k >= 0; k--) p = p * z + erf_taylor[k];
    return x * p;
  }
  if (a >= ERF_ONE) return x < 0.0f ? -1.0f : 1.0f;
  float t = 1.0f / (1.0f + ERF_P * a), q = ERF_A5;
  q = q * t + ERF_A4;
  q = q * t + ERF_A3;
  q = q * t + ERF_A2;
  q = q * t + ERF_A1;
  float y = 1.0f - q * t * dl_exp_scalar(-(a * a));
  return x < 0.0f ? -y : y;
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

void dl_verf_ref(size_t n, const float *x, float *y) {
  for (size_t i = 0; i < n; i++) y[i] = x[i] != x[i] ? x[i] : dl_erf_scalar(x[i]);
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
