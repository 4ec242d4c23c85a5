/* math_simd.c: SIMD128 versions of math_ref.c, step for step, four lanes at a time (the
 * branches of the reference become selects). Tails call the scalar reference. */
#include <math.h>
#include <stdint.h>
#include "kernels.h"

float dl_exp_scalar(float x);
float dl_tanh_scalar(float x);
float dl_sigmoid_scalar(float x);

#ifdef __wasm_simd128__
#include <wasm_simd128.h>

#define SPLAT wasm_f32x4_splat
static v128_t exp4(v128_t x) {
  x = wasm_f32x4_pmin(wasm_f32x4_pmax(x, SPLAT(-87.0f)), SPLAT(88.0f));
  v128_t n = wasm_f32x4_nearest(wasm_f32x4_mul(x, SPLAT(1.44269504088896341f)));
  v128_t r = wasm_f32x4_sub(wasm_f32x4_sub(x, wasm_f32x4_mul(n, SPLAT(0.693359375f))), wasm_f32x4_mul(n, SPLAT(-2.12194440e-4f)));
  v128_t p = SPLAT(1.0f / 720.0f);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), SPLAT(1.0f / 120.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), SPLAT(1.0f / 24.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), SPLAT(1.0f / 6.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), SPLAT(0.5f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), SPLAT(1.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), SPLAT(1.0f));
  v128_t scale = wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(n), wasm_i32x4_splat(127)), 23);
  return wasm_f32x4_mul(p, scale);
}

/* NaN lanes pass through (x != x), as in the reference. */
static v128_t keep_nan(v128_t x, v128_t y) { return wasm_v128_bitselect(x, y, wasm_f32x4_ne(x, x)); }

void dl_vexp_simd(size_t n, const float *x, float *y) {
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t v = wasm_v128_load(x + i);
    wasm_v128_store(y + i, keep_nan(v, exp4(v)));
  }
  dl_vexp_ref(n - i, x + i, y + i);
}

void dl_vtanh_simd(size_t n, const float *x, float *y) {
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t v = wasm_v128_load(x + i), a = wasm_f32x4_abs(v), z = wasm_f32x4_mul(v, v);
    v128_t p = SPLAT(0.00359212803f);
    p = wasm_f32x4_add(wasm_f32x4_mul(p, z), SPLAT(-0.00886323552f));
    p = wasm_f32x4_add(wasm_f32x4_mul(p, z), SPLAT(0.0218694885f));
    p = wasm_f32x4_add(wasm_f32x4_mul(p, z), SPLAT(-0.0539682540f));
    p = wasm_f32x4_add(wasm_f32x4_mul(p, z), SPLAT(0.133333333f));
    p = wasm_f32x4_add(wasm_f32x4_mul(p, z), SPLAT(-0.333333333f));
    v128_t small = wasm_f32x4_add(v, wasm_f32x4_mul(wasm_f32x4_mul(v, z), p));
    v128_t t = exp4(wasm_f32x4_mul(SPLAT(-2.0f), a));
    v128_t big = wasm_f32x4_div(wasm_f32x4_sub(SPLAT(1.0f), t), wasm_f32x4_add(SPLAT(1.0f), t));
    big = wasm_v128_or(big, wasm_v128_and(v, SPLAT(-0.0f))); /* the sign of x (big >= 0) */
    v128_t r = wasm_v128_bitselect(small, big, wasm_f32x4_lt(a, SPLAT(0.4f)));
    wasm_v128_store(y + i, keep_nan(v, r));
  }
  dl_vtanh_ref(n - i, x + i, y + i);
}

void dl_verf_simd(size_t n, const float *x, float *y) {
  static const float c[10] = {1.12837917f, -0.376126389f, 0.112837917f, -0.0268661706f, 0.00522397763f,
                              -0.000854832702f, 0.00012055333f, -1.49256504e-05f, 1.64621144e-06f, -1.63658447e-07f};
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t v = wasm_v128_load(x + i), a = wasm_f32x4_abs(v), z = wasm_f32x4_mul(v, v), p = SPLAT(c[9]);
    for (int k = 8; k >= 0; k--) p = wasm_f32x4_add(wasm_f32x4_mul(p, z), SPLAT(c[k]));
    v128_t small = wasm_f32x4_mul(v, p);
    v128_t t = wasm_f32x4_div(SPLAT(1.0f), wasm_f32x4_add(SPLAT(1.0f), wasm_f32x4_mul(SPLAT(0.3275911f), a))), q = SPLAT(1.061405429f);
    q = wasm_f32x4_add(wasm_f32x4_mul(q, t), SPLAT(-1.453152027f));
    q = wasm_f32x4_add(wasm_f32x4_mul(q, t), SPLAT(1.421413741f));
    q = wasm_f32x4_add(wasm_f32x4_mul(q, t), SPLAT(-0.284496736f));
    q = wasm_f32x4_add(wasm_f32x4_mul(q, t), SPLAT(0.254829592f));
    v128_t big = wasm_f32x4_sub(SPLAT(1.0f), wasm_f32x4_mul(wasm_f32x4_mul(q, t), exp4(wasm_f32x4_neg(wasm_f32x4_mul(a, a)))));
    big = wasm_v128_bitselect(big, SPLAT(1.0f), wasm_f32x4_lt(a, SPLAT(4.0f)));
    big = wasm_v128_or(big, wasm_v128_and(v, SPLAT(-0.0f))); /* the sign of x (big >= 0) */
    v128_t r = wasm_v128_bitselect(small, big, wasm_f32x4_lt(a, SPLAT(0.84f)));
    wasm_v128_store(y + i, keep_nan(v, r));
  }
  dl_verf_ref(n - i, x + i, y + i);
}

void dl_vsigmoid_simd(size_t n, const float *x, float *y) {
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t v = wasm_v128_load(x + i), s = exp4(wasm_f32x4_neg(wasm_f32x4_abs(v)));
    v128_t d = wasm_f32x4_add(SPLAT(1.0f), s);
    v128_t r = wasm_v128_bitselect(wasm_f32x4_div(SPLAT(1.0f), d), wasm_f32x4_div(s, d), wasm_f32x4_ge(v, SPLAT(0.0f)));
    wasm_v128_store(y + i, keep_nan(v, r));
  }
  dl_vsigmoid_ref(n - i, x + i, y + i);
}

void dl_vleaky_relu_simd(size_t n, float a, const float *x, float *y) {
  v128_t va = SPLAT(a), zero = SPLAT(0.0f);
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t v = wasm_v128_load(x + i);
    wasm_v128_store(y + i, wasm_v128_bitselect(v, wasm_f32x4_mul(va, v), wasm_f32x4_gt(v, zero)));
  }
  dl_vleaky_relu_ref(n - i, a, x + i, y + i);
}

void dl_vleaky_relu_backward_simd(size_t n, float a, const float *x, const float *dy, float *dx) {
  v128_t va = SPLAT(a), zero = SPLAT(0.0f);
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t g = wasm_v128_load(dy + i);
    v128_t d = wasm_v128_bitselect(g, wasm_f32x4_mul(va, g), wasm_f32x4_gt(wasm_v128_load(x + i), zero));
    wasm_v128_store(dx + i, wasm_f32x4_add(wasm_v128_load(dx + i), d));
  }
  dl_vleaky_relu_backward_ref(n - i, a, x + i, dy + i, dx + i);
}

/* f32x4.max propagates NaN, so one NaN anywhere makes the result NaN. */
float dl_vmaxabs_simd(size_t n, const float *x) {
  v128_t m = SPLAT(0.0f), m1 = m, m2 = m, m3 = m; /* four chains: max has latency */
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    m = wasm_f32x4_max(m, wasm_f32x4_abs(wasm_v128_load(x + i)));
    m1 = wasm_f32x4_max(m1, wasm_f32x4_abs(wasm_v128_load(x + i + 4)));
    m2 = wasm_f32x4_max(m2, wasm_f32x4_abs(wasm_v128_load(x + i + 8)));
    m3 = wasm_f32x4_max(m3, wasm_f32x4_abs(wasm_v128_load(x + i + 12)));
  }
  m = wasm_f32x4_max(wasm_f32x4_max(m, m1), wasm_f32x4_max(m2, m3));
  for (; i + 4 <= n; i += 4) m = wasm_f32x4_max(m, wasm_f32x4_abs(wasm_v128_load(x + i)));
  float r = wasm_f32x4_extract_lane(m, 0);
  for (int k = 1; k < 4; k++) {
    float l = k == 1 ? wasm_f32x4_extract_lane(m, 1) : k == 2 ? wasm_f32x4_extract_lane(m, 2) : wasm_f32x4_extract_lane(m, 3);
    r = (l != l || r != r) ? NAN : l > r ? l : r;
  }
  float t = dl_vmaxabs_ref(n - i, x + i);
  return (t != t || r != r) ? NAN : t > r ? t : r;
}

#else
void dl_vexp_simd(size_t n, const float *x, float *y) { dl_vexp_ref(n, x, y); }
void dl_vtanh_simd(size_t n, const float *x, float *y) { dl_vtanh_ref(n, x, y); }
void dl_vsigmoid_simd(size_t n, const float *x, float *y) { dl_vsigmoid_ref(n, x, y); }
void dl_verf_simd(size_t n, const float *x, float *y) { dl_verf_ref(n, x, y); }
void dl_vleaky_relu_simd(size_t n, float a, const float *x, float *y) { dl_vleaky_relu_ref(n, a, x, y); }
void dl_vleaky_relu_backward_simd(size_t n, float a, const float *x, const float *dy, float *dx) {
  dl_vleaky_relu_backward_ref(n, a, x, dy, dx);
}
float dl_vmaxabs_simd(size_t n, const float *x) { return dl_vmaxabs_ref(n, x); }
#endif
