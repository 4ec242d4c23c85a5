/* vec_simd.c: SIMD128 versions of vec_ref.c. Whole vectors first, then a scalar tail; no read
 * past the end. Elementwise results equal the reference bit for bit (wasm has no fused
 * multiply-add to change rounding); sums and dots use four partial sums, so they differ from
 * the reference only by summation order. Elementwise kernels allow out to alias an input. */
#include <float.h>
#include <math.h>
#include "kernels.h"

#ifdef __wasm_simd128__
#include <wasm_simd128.h>

#define BINARY(name, vop, sop)                                                               \
  void dl_##name##_simd(size_t n, const float *a, const float *b, float *out) {             \
    size_t i = 0;                                                                           \
    for (; i + 4 <= n; i += 4) wasm_v128_store(out + i, vop(wasm_v128_load(a + i), wasm_v128_load(b + i))); \
    for (; i < n; i++) out[i] = a[i] sop b[i];                                              \
  }
BINARY(vadd, wasm_f32x4_add, +)
BINARY(vsub, wasm_f32x4_sub, -)
BINARY(vmul, wasm_f32x4_mul, *)

void dl_vaxpy_simd(size_t n, float alpha, const float *x, float *y) {
  v128_t va = wasm_f32x4_splat(alpha);
  size_t i = 0;
  for (; i + 4 <= n; i += 4)
    wasm_v128_store(y + i, wasm_f32x4_add(wasm_v128_load(y + i), wasm_f32x4_mul(va, wasm_v128_load(x + i))));
  for (; i < n; i++) y[i] += alpha * x[i];
}

void dl_vscale_simd(size_t n, float alpha, const float *x, float *y) {
  v128_t va = wasm_f32x4_splat(alpha);
  size_t i = 0;
  for (; i + 4 <= n; i += 4) wasm_v128_store(y + i, wasm_f32x4_mul(va, wasm_v128_load(x + i)));
  for (; i < n; i++) y[i] = alpha * x[i];
}

/* pmax(0, x) = x > 0 ? x : 0 as the reference, including -0 and NaN mapping to 0. */
void dl_vrelu_simd(size_t n, const float *x, float *y) {
  v128_t zero = wasm_f32x4_splat(0.0f);
  size_t i = 0;
  for (; i + 4 <= n; i += 4) wasm_v128_store(y + i, wasm_f32x4_pmax(zero, wasm_v128_load(x + i)));
  for (; i < n; i++) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

void dl_vrelu_backward_simd(size_t n, const float *x, const float *dy, float *dx) {
  v128_t zero = wasm_f32x4_splat(0.0f);
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t pass = wasm_v128_and(wasm_v128_load(dy + i), wasm_f32x4_gt(wasm_v128_load(x + i), zero));
    wasm_v128_store(dx + i, wasm_f32x4_add(wasm_v128_load(dx + i), pass));
  }
  for (; i < n; i++)
    if (x[i] > 0.0f) dx[i] += dy[i];
}

static float hsum(v128_t v) {
  return (wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1)) +
         (wasm_f32x4_extract_lane(v, 2) + wasm_f32x4_extract_lane(v, 3));
}

float dl_vsum_simd(size_t n, const float *x) {
  v128_t s = wasm_f32x4_splat(0.0f);
  size_t i = 0;
  for (; i + 4 <= n; i += 4) s = wasm_f32x4_add(s, wasm_v128_load(x + i));
  float t = hsum(s);
  for (; i < n; i++) t += x[i];
  return t;
}

float dl_vdot_simd(size_t n, const float *x, const float *y) {
  v128_t s = wasm_f32x4_splat(0.0f);
  size_t i = 0;
  for (; i + 4 <= n; i += 4) s = wasm_f32x4_add(s, wasm_f32x4_mul(wasm_v128_load(x + i), wasm_v128_load(y + i)));
  float t = hsum(s);
  for (; i < n; i++) t += x[i] * y[i];
  return t;
}

void dl_bias_rows_simd(int rows, int cols, const float *b, float *y) {
  for (int r = 0; r < rows; r++) dl_vadd_simd((size_t)cols, y + (size_t)r * cols, b, y + (size_t)r * cols);
}

void dl_colsum_simd(int rows, int cols, const float *y, float *s) {
  for (int r = 0; r < rows; r++) dl_vadd_simd((size_t)cols, s, y + (size_t)r * cols, s);
}

/* |x| < FLT_MIN -> 0, lane by lane, as flush() in vec_ref.c */
static v128_t flush4(v128_t x) { return wasm_v128_andnot(x, wasm_f32x4_lt(wasm_f32x4_abs(x), wasm_f32x4_splat(FLT_MIN))); }

void dl_vflush_simd(size_t n, float *x) {
  size_t i = 0;
  for (; i + 4 <= n; i += 4) wasm_v128_store(x + i, flush4(wasm_v128_load(x + i)));
  dl_vflush_ref(n - i, x + i);
}

void dl_adam_update_simd(size_t n, float lr_t, float b1, float b2, float eps_t, const float *g, float *m, float *v,
                         float *w) {
  v128_t vb1 = wasm_f32x4_splat(b1), vc1 = wasm_f32x4_splat(1.0f - b1);
  v128_t vb2 = wasm_f32x4_splat(b2), vc2 = wasm_f32x4_splat(1.0f - b2);
  v128_t vlr = wasm_f32x4_splat(lr_t), veps = wasm_f32x4_splat(eps_t), vtiny = wasm_f32x4_splat(dl_adam_tiny(b2));
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t gi = wasm_v128_load(g + i);
    gi = wasm_v128_andnot(gi, wasm_f32x4_lt(wasm_f32x4_abs(gi), vtiny)); /* as in vec_ref.c */
    v128_t mi = flush4(wasm_f32x4_add(wasm_f32x4_mul(vb1, wasm_v128_load(m + i)), wasm_f32x4_mul(vc1, gi)));
    v128_t vi = flush4(wasm_f32x4_add(wasm_f32x4_mul(vb2, wasm_v128_load(v + i)), wasm_f32x4_mul(wasm_f32x4_mul(vc2, gi), gi)));
    v128_t step = wasm_f32x4_div(wasm_f32x4_mul(vlr, mi), wasm_f32x4_add(wasm_f32x4_sqrt(vi), veps));
    wasm_v128_store(m + i, mi);
    wasm_v128_store(v + i, vi);
    wasm_v128_store(w + i, flush4(wasm_f32x4_sub(wasm_v128_load(w + i), step)));
  }
  dl_adam_update_ref(n - i, lr_t, b1, b2, eps_t, g + i, m + i, v + i, w + i);
}
#else
#define FORWARD(ret, name, params, args) ret dl_##name##_simd params { return dl_##name##_ref args; }
FORWARD(void, vadd, (size_t n, const float *a, const float *b, float *out), (n, a, b, out))
FORWARD(void, vflush, (size_t n, float *x), (n, x))
FORWARD(void, vsub, (size_t n, const float *a, const float *b, float *out), (n, a, b, out))
FORWARD(void, vmul, (size_t n, const float *a, const float *b, float *out), (n, a, b, out))
FORWARD(void, vaxpy, (size_t n, float alpha, const float *x, float *y), (n, alpha, x, y))
FORWARD(void, vscale, (size_t n, float alpha, const float *x, float *y), (n, alpha, x, y))
FORWARD(void, vrelu, (size_t n, const float *x, float *y), (n, x, y))
FORWARD(void, vrelu_backward, (size_t n, const float *x, const float *dy, float *dx), (n, x, dy, dx))
FORWARD(float, vsum, (size_t n, const float *x), (n, x))
FORWARD(float, vdot, (size_t n, const float *x, const float *y), (n, x, y))
FORWARD(void, bias_rows, (int rows, int cols, const float *b, float *y), (rows, cols, b, y))
FORWARD(void, colsum, (int rows, int cols, const float *y, float *s), (rows, cols, y, s))
FORWARD(void, adam_update,
        (size_t n, float lr_t, float b1, float b2, float eps_t, const float *g, float *m, float *v, float *w),
        (n, lr_t, b1, b2, eps_t, g, m, v, w))
#endif
